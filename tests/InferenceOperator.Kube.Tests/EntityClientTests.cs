using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit;

namespace InferenceOperator.Kube.Tests;

public sealed class EntityClientTests : ServerTest
{
    private static V1Status StatusOf(HttpOperationException e) => KubernetesJson.Deserialize<V1Status>(e.Response.Content);

    [Fact]
    public async Task Should_CreateGetListAndDelete_When_UsingTypedClient()
    {
        var widgets = EntityClient<Widget>();

        var created = await widgets.CreateAsync(Widget.New(Ns, "a", size: 2), default);
        await widgets.CreateAsync(Widget.New(Ns, "b"), default);

        Assert.Equal(1, created.Metadata.Generation);
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        var fetched = await widgets.GetAsync(Ns, "a", default);
        Assert.Equal(2, fetched!.Spec.Size);
        var list = await widgets.ListAsync(Ns);
        Assert.Equal(["a", "b"], list.Items.Select(w => w.Metadata.Name));
        Assert.Equal(Server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), list.Metadata!.ResourceVersion);
        Assert.True(await widgets.DeleteAsync(Ns, "a", default));
        Assert.Null(await widgets.GetAsync(Ns, "a", default));
        Assert.False(await widgets.DeleteAsync(Ns, "a", default));
    }

    [Fact]
    public async Task Should_Return409AlreadyExists_When_CreatingTheSameNameTwice()
    {
        var widgets = EntityClient<Widget>();
        await widgets.CreateAsync(Widget.New(Ns, "a"), default);

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => widgets.CreateAsync(Widget.New(Ns, "a"), default));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        var status = StatusOf(error);
        Assert.Equal("AlreadyExists", status.Reason);
        Assert.Equal(409, status.Code);
    }

    [Fact]
    public async Task Should_Return409Conflict_When_ReplacingWithStaleResourceVersion()
    {
        var widgets = EntityClient<Widget>();
        var first = await widgets.CreateAsync(Widget.New(Ns, "a"), default);
        first.Spec.Size = 5;
        var second = await widgets.ReplaceAsync(first, default);
        Assert.NotEqual(first.Metadata.ResourceVersion, second.Metadata.ResourceVersion);
        Assert.Equal(2, second.Metadata.Generation);

        first.Spec.Size = 7;
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => widgets.ReplaceAsync(first, default));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Equal("Conflict", StatusOf(error).Reason);
        Assert.Equal(5, (await widgets.GetAsync(Ns, "a", default))!.Spec.Size);
    }

    [Fact]
    public async Task Should_CreateThenMerge_When_Applying_And_NotWrite_When_ReapplyingIdenticalBody()
    {
        var widgets = EntityClient<Widget>();
        var created = await widgets.ApplyAsync(Widget.New(Ns, "a", size: 1));
        Assert.Equal(1, created.Metadata.Generation);

        var other = EntityClient<Widget>("someone-else");
        await other.ApplyAsync(new Widget { Metadata = new V1ObjectMeta { Name = "a", NamespaceProperty = Ns, Labels = new Dictionary<string, string> { ["team"] = "x" } }, Spec = new WidgetSpec() });
        var merged = await widgets.ApplyAsync(Widget.New(Ns, "a", size: 3));

        Assert.Equal(3, merged.Spec.Size);
        Assert.Equal("x", merged.Metadata.Labels["team"]);
        Assert.Equal(2, merged.Metadata.Generation);
        var writesBefore = Server.EffectiveWrites;
        var again = await widgets.ApplyAsync(Widget.New(Ns, "a", size: 3));
        Assert.Equal(merged.Metadata.ResourceVersion, again.Metadata.ResourceVersion);
        Assert.Equal(writesBefore, Server.EffectiveWrites);
    }

    [Fact]
    public async Task Should_ApplyFromGetResult_When_ManagedFieldsAreStripped()
    {
        var widgets = EntityClient<Widget>();
        await widgets.ApplyAsync(Widget.New(Ns, "a", size: 1));
        var fetched = await widgets.GetAsync(Ns, "a", default);
        Assert.NotEmpty(fetched!.Metadata.ManagedFields);

        fetched.Spec.Size = 4;
        var applied = await widgets.ApplyAsync(fetched);

        Assert.Equal(4, applied.Spec.Size);
    }

    [Fact]
    public async Task Should_RemoveField_When_ManagerStopsApplyingIt()
    {
        var widgets = EntityClient<Widget>();
        await widgets.ApplyAsync(Widget.New(Ns, "a", size: 1, color: "red"));

        var applied = await widgets.ApplyAsync(Widget.New(Ns, "a", size: 1));

        Assert.Null(applied.Spec.Color);
    }

    [Fact]
    public async Task Should_Return422_When_ApplyHasNoFieldManager()
    {
        var body = KubernetesJson.Serialize(Widget.New(Ns, "a"));

        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(body, V1Patch.PatchType.ApplyPatch), "test.example.io", "v1", Ns, "widgets", "a"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        var status = StatusOf(error);
        Assert.Equal("Invalid", status.Reason);
        Assert.Contains(status.Details.Causes, c => c.Field == "fieldManager");
    }

    [Theory]
    [InlineData("{\"metadata\":{\"name\":\"a\"},\"spec\":{\"size\":1}}", "Incorrect version specified in apply patch")]
    [InlineData("{\"apiVersion\":\"test.example.io/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"a\",\"managedFields\":[{\"manager\":\"x\"}]},\"spec\":{\"size\":1}}", "metadata.managedFields must be nil")]
    public async Task Should_Return400_When_ApplyBodyIsMalformed(string body, string message)
    {
        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(body, V1Patch.PatchType.ApplyPatch), "test.example.io", "v1", Ns, "widgets", "a", fieldManager: "m"));

        Assert.Equal(HttpStatusCode.BadRequest, error.Response.StatusCode);
        Assert.Contains(message, StatusOf(error).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_Return409ApplyConflict_When_AnotherManagerOwnsTheFieldAndForceIsOff()
    {
        await EntityClient<Widget>("owner").ApplyAsync(Widget.New(Ns, "a", size: 1));
        var intruder = EntityClient<Widget>("intruder");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => intruder.ApplyAsync(Widget.New(Ns, "a", size: 2), force: false));
        var sameValue = await intruder.ApplyAsync(Widget.New(Ns, "a", size: 1), force: false);
        var forced = await intruder.ApplyAsync(Widget.New(Ns, "a", size: 2), force: true);

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.StartsWith("Apply failed with 1 conflict: conflict with \"owner\"", StatusOf(error).Message, StringComparison.Ordinal);
        Assert.Contains(".spec.size", StatusOf(error).Message, StringComparison.Ordinal);
        Assert.Equal(1, sameValue.Spec.Size);
        Assert.Equal(2, forced.Spec.Size);
    }

    [Fact]
    public async Task Should_WriteOnlyStatus_When_UsingStatusSubresource_And_IgnoreStatusOnMainResource()
    {
        var widgets = EntityClient<Widget>();
        var created = await widgets.CreateAsync(new Widget { Metadata = new V1ObjectMeta { Name = "a", NamespaceProperty = Ns }, Spec = new WidgetSpec { Size = 1 }, Status = new WidgetStatus { Phase = "Sneaky" } }, default);
        Assert.Null(created.Status);

        var withStatus = await widgets.PatchStatusAsync(Ns, "a", new WidgetStatus { Phase = "Ready" }, default);
        Assert.Equal("Ready", withStatus.Status!.Phase);
        Assert.Equal(1, withStatus.Metadata.Generation);

        var statusApplied = await widgets.ApplyStatusAsync(new Widget { Metadata = new V1ObjectMeta { Name = "a", NamespaceProperty = Ns }, Spec = new WidgetSpec { Size = 99 }, Status = new WidgetStatus { Phase = "Applied" } });
        Assert.Equal("Applied", statusApplied.Status!.Phase);
        Assert.Equal(1, statusApplied.Spec.Size);
        Assert.Equal(1, statusApplied.Metadata.Generation);

        statusApplied.Status.Phase = "Ignored";
        statusApplied.Spec.Size = 2;
        var replaced = await widgets.ReplaceAsync(statusApplied, default);
        Assert.Equal("Applied", replaced.Status!.Phase);
        Assert.Equal(2, replaced.Metadata.Generation);
    }

    [Fact]
    public async Task Should_NotBumpGeneration_When_OnlyMetadataChanges()
    {
        var widgets = EntityClient<Widget>();
        await widgets.CreateAsync(Widget.New(Ns, "a"), default);

        var labelled = await widgets.PatchAsync(Ns, "a", new V1Patch("{\"metadata\":{\"labels\":{\"x\":\"y\"}}}", V1Patch.PatchType.MergePatch), default);
        var jsonPatched = await widgets.PatchAsync(Ns, "a", new V1Patch("[{\"op\":\"replace\",\"path\":\"/spec/size\",\"value\":9}]", V1Patch.PatchType.JsonPatch), default);

        Assert.Equal(1, labelled.Metadata.Generation);
        Assert.Equal("y", labelled.Metadata.Labels["x"]);
        Assert.Equal(9, jsonPatched.Spec.Size);
        Assert.Equal(2, jsonPatched.Metadata.Generation);
    }

    [Fact]
    public async Task Should_MarkForDeletion_When_FinalizersRemain_And_RemoveWhenTheyAreCleared()
    {
        var widgets = EntityClient<Widget>();
        var widget = Widget.New(Ns, "a");
        widget.Metadata.Finalizers = ["test.example.io/cleanup"];
        await widgets.CreateAsync(widget, default);

        await widgets.DeleteAsync(Ns, "a", default);
        var marked = await widgets.GetAsync(Ns, "a", default);
        Assert.NotNull(marked!.Metadata.DeletionTimestamp);

        await widgets.PatchAsync(Ns, "a", new V1Patch("{\"metadata\":{\"finalizers\":null}}", V1Patch.PatchType.MergePatch), default);
        Assert.Null(await widgets.GetAsync(Ns, "a", default));
    }

    [Fact]
    public async Task Should_FilterByLabel_When_ListingWithSelector()
    {
        var widgets = EntityClient<Widget>();
        var blue = Widget.New(Ns, "blue");
        blue.Metadata.Labels = new Dictionary<string, string> { ["color"] = "blue" };
        await widgets.CreateAsync(blue, default);
        await widgets.CreateAsync(Widget.New(Ns, "plain"), default);

        var list = await widgets.ListAsync(Ns, labelSelector: "color=blue");
        var notBlue = await widgets.ListAsync(Ns, labelSelector: "color!=blue");

        Assert.Equal("blue", Assert.Single(list.Items).Metadata.Name);
        Assert.Equal("plain", Assert.Single(notBlue.Items).Metadata.Name);
    }

    [Fact]
    public async Task Should_ServeCoreAndAppsGroups_When_UsingTypedClientForBuiltIns()
    {
        var configMaps = EntityClient<V1ConfigMap>();
        var deployments = EntityClient<V1Deployment>();

        await configMaps.ApplyAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cfg", NamespaceProperty = Ns }, Data = new Dictionary<string, string> { ["k"] = "v" } });
        var deployment = await deployments.ApplyAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "d", NamespaceProperty = Ns },
            Spec = new V1DeploymentSpec
            {
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "d" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "d" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
                },
            },
        });
        var typed = await Client.CoreV1.ReadNamespacedConfigMapAsync("cfg", Ns);

        Assert.Equal("v", typed.Data["k"]);
        Assert.Equal(1, deployment.Metadata.Generation);
        Assert.Equal(1, Server.WriteCalls("", "configmaps"));
        Assert.Equal(1, Server.WriteCalls<V1Deployment>());
    }

    [Fact]
    public async Task Should_FailWithInjectedStatus_When_FaultIsArranged()
    {
        var widgets = EntityClient<Widget>();
        Server.InjectFault("POST", "/widgets", 500, times: 1);

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => widgets.CreateAsync(Widget.New(Ns, "a"), default));
        var created = await widgets.CreateAsync(Widget.New(Ns, "a"), default);

        Assert.Equal(HttpStatusCode.InternalServerError, error.Response.StatusCode);
        Assert.Equal("a", created.Metadata.Name);
        Assert.Equal(2, Server.WriteCalls<Widget>());
    }

    [Fact]
    public async Task Should_Return410_When_ListingAnExpiredResourceVersionExactly()
    {
        var widgets = EntityClient<Widget>();
        await widgets.CreateAsync(Widget.New(Ns, "a"), default);
        var old = (await widgets.ListAsync(Ns)).Metadata!.ResourceVersion;
        await widgets.CreateAsync(Widget.New(Ns, "b"), default);

        var exact = await widgets.ListAsync(Ns, resourceVersion: old, resourceVersionMatch: "Exact");
        Server.CompactHistory();
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => widgets.ListAsync(Ns, resourceVersion: old, resourceVersionMatch: "Exact"));

        Assert.Equal("a", Assert.Single(exact.Items).Metadata.Name);
        Assert.Equal(HttpStatusCode.Gone, error.Response.StatusCode);
        Assert.Equal("Expired", StatusOf(error).Reason);
    }

    [Fact]
    public async Task Should_RegisterCustomResource_When_CrdIsPosted()
    {
        var crd = new V1CustomResourceDefinition
        {
            Metadata = new V1ObjectMeta { Name = "gadgets.other.example.io" },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = "other.example.io",
                Scope = "Namespaced",
                Names = new V1CustomResourceDefinitionNames { Plural = "gadgets", Kind = "Gadget", Singular = "gadget", ListKind = "GadgetList" },
                Versions =
                [
                    new V1CustomResourceDefinitionVersion
                    {
                        Name = "v1",
                        Served = true,
                        Storage = true,
                        Subresources = new V1CustomResourceSubresources { Status = new object() },
                        Schema = new V1CustomResourceValidation { OpenAPIV3Schema = new V1JSONSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true } },
                    },
                ],
            },
        };

        var created = await Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
        var gadget = await Client.CustomObjects.CreateNamespacedCustomObjectAsync(
            new Dictionary<string, object> { ["apiVersion"] = "other.example.io/v1", ["kind"] = "Gadget", ["metadata"] = new Dictionary<string, object> { ["name"] = "g" }, ["status"] = new Dictionary<string, object> { ["x"] = 1 } },
            "other.example.io",
            "v1",
            Ns,
            "gadgets");

        Assert.Contains(created.Status.Conditions, c => c.Type == "Established" && c.Status == "True");
        var json = KubernetesJson.Serialize(gadget);
        Assert.Contains("\"name\":\"g\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"status\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_ChangeStatusWithoutGeneration_When_TestPlaysTheController()
    {
        var deployments = EntityClient<V1Deployment>();
        var applied = await deployments.ApplyAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "d", NamespaceProperty = Ns },
            Spec = new V1DeploymentSpec
            {
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "d" } },
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "d" } }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] } },
            },
        });

        Server.Mutate<V1Deployment>(Ns, "d", d => d.Status = new V1DeploymentStatus { Replicas = 2, ReadyReplicas = 1, Conditions = [new V1DeploymentCondition { Type = "Progressing", Status = "False", Reason = "ProgressDeadlineExceeded" }] });
        var pod = Server.Create(new V1Pod { Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = Ns }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "x" }] } });
        Server.Mutate<V1Pod>(Ns, "p", p => p.Status = new V1PodStatus { ContainerStatuses = [new V1ContainerStatus { Name = "c", Image = "x", ImageID = "", Ready = false, RestartCount = 0, State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 0, Message = "{\"ok\":true}" } } }] });

        var read = await deployments.GetAsync(Ns, "d", default);
        var readPod = await Client.CoreV1.ReadNamespacedPodAsync("p", Ns);
        Assert.Equal(applied.Metadata.Generation, read!.Metadata.Generation);
        Assert.NotEqual(applied.Metadata.ResourceVersion, read.Metadata.ResourceVersion);
        Assert.Equal("ProgressDeadlineExceeded", read.Status.Conditions.Single().Reason);
        Assert.Equal("{\"ok\":true}", readPod.Status.ContainerStatuses.Single().State.Terminated.Message);
        Assert.Equal(1, pod.Metadata.Generation);
    }
}
