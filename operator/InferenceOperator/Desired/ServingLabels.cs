using InferenceOperator.Api;

namespace InferenceOperator.Desired;

/// <summary>Labels on everything the operator creates for a service: stable selector labels plus cost-attribution labels.</summary>
internal static class ServingLabels
{
    public const string ServiceLabel = "inferenceoperator.io/service";
    public const string AcceleratorLabel = "inferenceoperator.io/accelerator";
    public const string PrecisionLabel = "inferenceoperator.io/precision";
    public const string ManagedBy = "inference-operator";

    /// <summary>Immutable selector: never includes the accelerator or precision, which change with the plan.</summary>
    public static Dictionary<string, string> Selector(InferenceService service) => new(StringComparer.Ordinal)
    {
        ["app.kubernetes.io/name"] = "inference-server",
        ["app.kubernetes.io/instance"] = service.Metadata.Name,
        ["app.kubernetes.io/component"] = "serving",
    };

    /// <summary>Selector labels plus ownership and the plan's accelerator and precision (OpenCost aggregates on these).</summary>
    public static Dictionary<string, string> For(InferenceService service, PlanStatus? plan)
    {
        var labels = Selector(service);
        labels["app.kubernetes.io/managed-by"] = ManagedBy;
        labels["app.kubernetes.io/part-of"] = "inference-operator";
        labels[ServiceLabel] = service.Metadata.Name;
        if (plan?.Accelerator is { } accelerator)
        {
            labels[AcceleratorLabel] = accelerator;
        }

        if (plan?.Precision is { } precision)
        {
            labels[PrecisionLabel] = precision.ToString().ToLowerInvariant();
        }

        return labels;
    }

    /// <summary>A label's or annotation's value, or null.</summary>
    public static string? Value(IDictionary<string, string>? map, string key) =>
        map is not null && map.TryGetValue(key, out var value) ? value : null;
}
