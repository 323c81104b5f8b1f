using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit;

namespace InferenceOperator.Kube.Tests;

public sealed class SchemaValidationTests : ServerTest
{
    private const string Group = "schema.example.io";

    private async Task InstallCrdAsync()
    {
        var spec = new V1JSONSchemaProps
        {
            Type = "object",
            Required = ["uri"],
            Properties = new Dictionary<string, V1JSONSchemaProps>
            {
                ["uri"] = new() { Type = "string", Pattern = "^https?://" },
                ["precision"] = new() { Type = "string", EnumProperty = ["fp16", "fp32"] },
                ["replicas"] = new() { Type = "integer", Minimum = 1 },
            },
        };
        await Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(new V1CustomResourceDefinition
        {
            Metadata = new V1ObjectMeta { Name = $"gizmos.{Group}" },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = Group,
                Scope = "Namespaced",
                Names = new V1CustomResourceDefinitionNames { Plural = "gizmos", Kind = "Gizmo" },
                Versions =
                [
                    new V1CustomResourceDefinitionVersion
                    {
                        Name = "v1",
                        Served = true,
                        Storage = true,
                        Subresources = new V1CustomResourceSubresources { Status = new object() },
                        Schema = new V1CustomResourceValidation
                        {
                            OpenAPIV3Schema = new V1JSONSchemaProps
                            {
                                Type = "object",
                                Properties = new Dictionary<string, V1JSONSchemaProps>
                                {
                                    ["spec"] = spec,
                                    ["status"] = new() { Type = "object", XKubernetesPreserveUnknownFields = true },
                                },
                            },
                        },
                    },
                ],
            },
        });
    }

    private static JsonObject Gizmo(string specJson) =>
        JsonNode.Parse($"{{\"apiVersion\":\"{Group}/v1\",\"kind\":\"Gizmo\",\"metadata\":{{\"name\":\"g\"}},\"spec\":{specJson}}}")!.AsObject();

    private Task<object> CreateAsync(JsonObject body) => Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, Group, "v1", Ns, "gizmos");

    private static V1Status StatusOf(HttpOperationException e) => KubernetesJson.Deserialize<V1Status>(e.Response.Content);

    [Fact]
    public async Task Should_Return422NamingTheField_When_EnumOrRequiredIsViolated()
    {
        await InstallCrdAsync();

        var badEnum = await Assert.ThrowsAsync<HttpOperationException>(() => CreateAsync(Gizmo("{\"uri\":\"https://m\",\"precision\":\"fp64\"}")));
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => CreateAsync(Gizmo("{\"precision\":\"fp16\",\"replicas\":0}")));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, badEnum.Response.StatusCode);
        var enumStatus = StatusOf(badEnum);
        Assert.Contains("spec.precision: Unsupported value: \"fp64\": supported values: \"fp16\", \"fp32\"", enumStatus.Message, StringComparison.Ordinal);
        Assert.Equal("spec.precision", Assert.Single(enumStatus.Details.Causes).Field);
        var missingStatus = StatusOf(missing);
        Assert.Contains(missingStatus.Details.Causes, c => c.Field == "spec.uri" && c.Message == "Required value");
        Assert.Contains(missingStatus.Details.Causes, c => c.Field == "spec.replicas");
    }

    [Fact]
    public async Task Should_PruneUnknownFields_When_Creating_But_FailApplyWith500()
    {
        await InstallCrdAsync();

        var created = KubernetesJson.Serialize(await CreateAsync(Gizmo("{\"uri\":\"https://m\",\"tolerance\":0.1}")));
        var apply = Gizmo("{\"uri\":\"https://m\",\"tolerance\":0.1}").ToJsonString();
        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(apply, V1Patch.PatchType.ApplyPatch), Group, "v1", Ns, "gizmos", "g", fieldManager: "m", force: true));

        Assert.DoesNotContain("tolerance", created, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.InternalServerError, error.Response.StatusCode);
        Assert.Contains(".spec.tolerance: field not declared in schema", StatusOf(error).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_Return422WithRuleMessage_When_AValidationRuleFails()
    {
        await InstallCrdAsync();
        Server.AddValidationRule(Group, "gizmos", obj =>
            obj["spec"]?["precision"]?.GetValue<string>() == "fp16" && obj["spec"]?["uri"]?.GetValue<string>()?.StartsWith("http://", StringComparison.Ordinal) == true
                ? ("spec", "fp16 models must come over https")
                : null);

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => CreateAsync(Gizmo("{\"uri\":\"http://m\",\"precision\":\"fp16\"}")));
        await CreateAsync(Gizmo("{\"uri\":\"https://m\",\"precision\":\"fp16\"}"));

        Assert.Contains("spec: Invalid value: \"object\": fp16 models must come over https", StatusOf(error).Message, StringComparison.Ordinal);
    }
}
