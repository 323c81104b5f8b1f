namespace InferenceOperator.Api;

/// <summary>The API group and version of every kind here.</summary>
public static class Groups
{
    public const string Name = "inferenceoperator.io";
    public const string Version = "v1alpha1";
    public const string ApiVersion = Name + "/" + Version;
}
