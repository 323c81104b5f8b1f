using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace InferenceOperator.TestApiServer;

/// <summary>A fault a test arranged: the next <see cref="Remaining"/> matching requests fail.</summary>
public sealed class Fault(string method, string pathContains, int statusCode, string reason, int times)
{
    private int remaining = times;

    /// <summary>How many more matching requests will fail.</summary>
    public int Remaining => Volatile.Read(ref remaining);

    /// <summary>Ends the fault: no further request fails because of it.</summary>
    public void Cancel() => Interlocked.Exchange(ref remaining, 0);

    internal bool TryTake(string requestMethod, string path)
    {
        if ((method != "*" && !string.Equals(method, requestMethod, StringComparison.OrdinalIgnoreCase))
            || !path.Contains(pathContains, StringComparison.Ordinal))
        {
            return false;
        }

        while (true)
        {
            var current = Volatile.Read(ref remaining);
            if (current <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref remaining, current - 1, current) == current)
            {
                return true;
            }
        }
    }

    internal ApiError Error(string path) => new(statusCode, reason, $"injected fault for {path}");
}

/// <summary>Speaks the Kubernetes REST and watch protocol over the object store.</summary>
internal sealed class ApiHandler(ObjectStore store, TestApiServerOptions options, CancellationToken stopping)
{
    private static readonly HashSet<(string Group, string Plural)> ReturnsStatusOnDelete =
        ResourceType.BuiltIn.Where(t => t.Plural != "pods" && t.Plural != "customresourcedefinitions").Select(t => (t.Group, t.Plural)).ToHashSet();

    public ConcurrentQueue<Fault> Faults { get; } = new();

    public ConcurrentDictionary<(string Group, string Plural), int> WriteCalls { get; } = new();

    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Write calls per bearer token ("" without one) and resource, as an audit log attributes them to users.</summary>
    public ConcurrentDictionary<(string Token, string Group, string Plural), int> WriteCallsByToken { get; } = new();

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        Requests.Enqueue($"{request.Method} {path}{request.QueryString}");
        try
        {
            if (path == "/version")
            {
                await WriteJsonAsync(context, 200, new JsonObject { ["major"] = "1", ["minor"] = "26", ["gitVersion"] = "v1.26.0-testapiserver" });
                return;
            }

            var route = Route(path);
            if (request.Method is "POST" or "PUT" or "PATCH" or "DELETE")
            {
                WriteCalls.AddOrUpdate((route.Type.Group, route.Type.Plural), 1, (_, n) => n + 1);
                var authorization = request.Headers.Authorization.ToString();
                var token = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : "";
                WriteCallsByToken.AddOrUpdate((token, route.Type.Group, route.Type.Plural), 1, (_, n) => n + 1);
            }

            foreach (var fault in Faults)
            {
                if (fault.TryTake(request.Method, path + request.QueryString))
                {
                    throw fault.Error(path);
                }
            }

            await DispatchAsync(context, route);
        }
        catch (ApiError error)
        {
            await WriteJsonAsync(context, error.Code, error.ToStatus());
        }
        catch (JsonException error)
        {
            await WriteJsonAsync(context, 400, ApiError.StatusBody(400, "BadRequest", $"the body of the request was in an unknown format: {error.Message}"));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested || stopping.IsCancellationRequested)
        {
            // The client went away or the server is stopping: nothing to answer.
        }
#pragma warning disable CA1031 // Like kube-apiserver, answer an internal error as a 500 Status instead of dropping the connection.
        catch (Exception error)
#pragma warning restore CA1031
        {
            await WriteJsonAsync(context, 500, ApiError.StatusBody(500, "InternalError", $"Internal error occurred: {error}"));
        }
    }

    private sealed record RouteInfo(ResourceType Type, string Namespace, bool AllNamespaces, string? Name, string Subresource);

    private RouteInfo Route(string path)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        string group;
        string version;
        string[] rest;
        if (segments.Length >= 3 && segments[0] == "api")
        {
            (group, version, rest) = ("", segments[1], segments[2..]);
        }
        else if (segments.Length >= 4 && segments[0] == "apis")
        {
            (group, version, rest) = (segments[1], segments[2], segments[3..]);
        }
        else
        {
            throw new ApiError(404, "NotFound", "the server could not find the requested resource");
        }

        string? ns = null;
        string plural;
        string? name = null;
        var subresource = "";
        if (rest.Length >= 3 && rest[0] == "namespaces" && !(rest.Length == 3 && rest[2] is "status" or "finalize"))
        {
            ns = rest[1];
            plural = rest[2];
            name = rest.Length > 3 ? rest[3] : null;
            subresource = rest.Length > 4 ? rest[4] : "";
        }
        else
        {
            plural = rest[0];
            name = rest.Length > 1 ? rest[1] : null;
            subresource = rest.Length > 2 ? rest[2] : "";
        }

        var type = store.Find(group, version, plural) ?? throw new ApiError(404, "NotFound", "the server could not find the requested resource");
        if ((type.Namespaced && ns is null && name is not null) || (!type.Namespaced && ns is not null))
        {
            throw new ApiError(404, "NotFound", "the server could not find the requested resource");
        }

        if (subresource.Length > 0 && !(subresource == "status" && type.HasStatusSubresource))
        {
            throw new ApiError(404, "NotFound", "the server could not find the requested resource");
        }

        return new RouteInfo(type, ns ?? "", type.Namespaced && ns is null, name, subresource);
    }

    private async Task DispatchAsync(HttpContext context, RouteInfo route)
    {
        var request = context.Request;
        var query = request.Query;
        var type = route.Type;
        switch (request.Method)
        {
            case "GET" when route.Name is null && IsTrue(query["watch"]):
                await WatchAsync(context, route);
                return;
            case "GET" when route.Name is null:
                await WriteJsonAsync(context, 200, store.List(
                    type,
                    route.AllNamespaces || !type.Namespaced ? null : route.Namespace,
                    LabelSelector.Parse(query["labelSelector"]),
                    FieldSelector.Parse(query["fieldSelector"]),
                    NullIfEmpty(query["resourceVersion"]),
                    NullIfEmpty(query["resourceVersionMatch"])));
                return;
            case "GET":
                await WriteJsonAsync(context, 200, store.Get(type, route.Namespace, route.Name));
                return;
            case "POST" when route.Name is null && !route.AllNamespaces:
            {
                var body = await ReadObjectAsync(request);
                ObjectStore.ValidateGenerateName(type, body);
                await WriteJsonAsync(context, 201, store.Create(type, route.Namespace, body, Manager(request)));
                return;
            }

            case "PUT" when route.Name is not null:
            {
                var body = await ReadObjectAsync(request);
                await WriteJsonAsync(context, 200, store.Update(type, route.Namespace, route.Name, body, Manager(request), route.Subresource));
                return;
            }

            case "PATCH" when route.Name is not null:
                await PatchAsync(context, route);
                return;
            case "DELETE" when route.Name is not null:
            {
                var deleted = store.Delete(type, route.Namespace, route.Name, out var removed);
                if (removed && ReturnsStatusOnDelete.Contains((type.Group, type.Plural)))
                {
                    var status = ApiError.StatusBody(200, "", "", route.Name, type.Group, type.Plural);
                    status.Remove("reason");
                    status.Remove("message");
                    await WriteJsonAsync(context, 200, status);
                }
                else
                {
                    await WriteJsonAsync(context, removed ? 200 : 202, deleted);
                }

                return;
            }

            default:
                throw new ApiError(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource");
        }
    }

    private async Task PatchAsync(HttpContext context, RouteInfo route)
    {
        var request = context.Request;
        var contentType = (request.ContentType ?? "").Split(';')[0].Trim();
        var name = route.Name!;
        switch (contentType)
        {
            case "application/apply-patch+yaml":
            {
                var manager = NullIfEmpty(request.Query["fieldManager"]);
                if (manager is null)
                {
                    throw new ApiError(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch")
                    {
                        DetailsGroup = "meta.k8s.io",
                        DetailsKind = "PatchOptions",
                        Causes = [("fieldManager", "FieldValueRequired", "Required value: is required for apply patch")],
                    };
                }

                var body = await ReadObjectAsync(request);
                var apiVersion = body["apiVersion"]?.GetValue<string>();
                var kind = body["kind"]?.GetValue<string>();
                if (apiVersion != route.Type.ApiVersion)
                {
                    throw ApiError.BadRequest($"Incorrect version specified in apply patch. Specified patch version: {apiVersion}, expected: {route.Type.ApiVersion}");
                }

                if (kind != route.Type.Kind)
                {
                    throw ApiError.BadRequest($"Incorrect kind specified in apply patch. Specified patch kind: {kind}, expected: {route.Type.Kind}");
                }

                if (body["metadata"]?["managedFields"] is not null)
                {
                    throw ApiError.BadRequest("metadata.managedFields must be nil");
                }

                var force = IsTrue(request.Query["force"]);
                await WriteJsonAsync(context, 200, store.Apply(route.Type, route.Namespace, name, body, manager, force, route.Subresource));
                return;
            }

            case "application/merge-patch+json" or "application/strategic-merge-patch+json":
            {
                var patch = await ReadObjectAsync(request);
                await WriteJsonAsync(context, 200, store.Patch(
                    route.Type,
                    route.Namespace,
                    name,
                    current => JsonOps.MergePatch(current, patch) as JsonObject ?? throw ApiError.BadRequest("merge patch must produce an object"),
                    Manager(request),
                    route.Subresource));
                return;
            }

            case "application/json-patch+json":
            {
                var node = await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
                if (node is not JsonArray operations)
                {
                    throw ApiError.BadRequest("json patch must be an array of operations");
                }

                await WriteJsonAsync(context, 200, store.Patch(
                    route.Type,
                    route.Namespace,
                    name,
                    current =>
                    {
                        try
                        {
                            return JsonOps.ApplyJsonPatch(current, operations) as JsonObject ?? throw ApiError.BadRequest("json patch must produce an object");
                        }
                        catch (InvalidOperationException error)
                        {
                            throw new ApiError(422, "Invalid", $"the server rejected our request due to an error in our request: {error.Message}");
                        }
                    },
                    Manager(request),
                    route.Subresource));
                return;
            }

            default:
                throw new ApiError(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
        }
    }

    private async Task WatchAsync(HttpContext context, RouteInfo route)
    {
        var query = context.Request.Query;
        var type = route.Type;
        var watcher = store.Subscribe(
            type,
            route.AllNamespaces || !type.Namespaced ? null : route.Namespace,
            LabelSelector.Parse(query["labelSelector"]),
            FieldSelector.Parse(query["fieldSelector"]),
            NullIfEmpty(query["resourceVersion"]),
            IsTrue(query["allowWatchBookmarks"]));
        var timeout = int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : options.DefaultWatchTimeout;
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync(context.RequestAborted);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        cancel.CancelAfter(timeout);
        ITimer? periodic = null;
        ITimer? beforeTimeout = null;
        if (watcher.Bookmarks)
        {
            periodic = options.TimeProvider.CreateTimer(_ => store.Bookmark(watcher), null, options.BookmarkInterval, options.BookmarkInterval);
            var lead = timeout > options.BookmarkBeforeTimeout * 2 ? timeout - options.BookmarkBeforeTimeout : timeout / 2;
            beforeTimeout = options.TimeProvider.CreateTimer(_ => store.Bookmark(watcher), null, lead, Timeout.InfiniteTimeSpan);
        }

        try
        {
            await foreach (var line in watcher.Lines.Reader.ReadAllAsync(cancel.Token))
            {
                await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), cancel.Token);
                await context.Response.Body.FlushAsync(cancel.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // timeoutSeconds elapsed, the client disconnected or the server is stopping: the stream simply ends.
        }
        finally
        {
            if (periodic is not null)
            {
                await periodic.DisposeAsync();
            }

            if (beforeTimeout is not null)
            {
                await beforeTimeout.DisposeAsync();
            }

            store.Unsubscribe(watcher);
        }
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpRequest request)
    {
        var node = await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
        return node as JsonObject ?? throw ApiError.BadRequest("the body of the request must be a JSON object");
    }

    private static string Manager(HttpRequest request)
    {
        if (NullIfEmpty(request.Query["fieldManager"]) is { } manager)
        {
            return manager;
        }

        var agent = request.Headers.UserAgent.ToString();
        return agent.Length == 0 ? "unknown" : agent.Split('/')[0];
    }

    private static bool IsTrue(string? value) => string.Equals(value, "true", StringComparison.OrdinalIgnoreCase) || value == "1";

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static async Task WriteJsonAsync(HttpContext context, int code, JsonObject body)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
