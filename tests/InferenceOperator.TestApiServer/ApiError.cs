using System.Text.Json.Nodes;

namespace InferenceOperator.TestApiServer;

/// <summary>An API error answered as a metav1.Status body, as kube-apiserver does.</summary>
internal sealed class ApiError(int code, string reason, string message) : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    public string? DetailsName { get; init; }

    public string? DetailsGroup { get; init; }

    public string? DetailsKind { get; init; }

    public IReadOnlyList<(string Field, string Reason, string Message)> Causes { get; init; } = [];

    public JsonObject ToStatus() => StatusBody(Code, Reason, Message, DetailsName, DetailsGroup, DetailsKind, Causes);

    public static JsonObject StatusBody(
        int code,
        string reason,
        string message,
        string? name = null,
        string? group = null,
        string? kind = null,
        IReadOnlyList<(string Field, string Reason, string Message)>? causes = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = code is >= 200 and < 300 ? "Success" : "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        };
        if (name is not null || kind is not null || causes is { Count: > 0 })
        {
            var details = new JsonObject();
            if (name is not null)
            {
                details["name"] = name;
            }

            if (group is { Length: > 0 })
            {
                details["group"] = group;
            }

            if (kind is not null)
            {
                details["kind"] = kind;
            }

            if (causes is { Count: > 0 })
            {
                details["causes"] = new JsonArray(causes.Select(c => (JsonNode)new JsonObject
                {
                    ["reason"] = c.Reason,
                    ["message"] = c.Message,
                    ["field"] = c.Field,
                }).ToArray());
            }

            status["details"] = details;
        }

        return status;
    }

    public static ApiError NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.QualifiedResource} \"{name}\" not found") { DetailsName = name, DetailsGroup = type.Group, DetailsKind = type.Plural };

    public static ApiError AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.QualifiedResource} \"{name}\" already exists") { DetailsName = name, DetailsGroup = type.Group, DetailsKind = type.Plural };

    public static ApiError Conflict(ResourceType type, string name) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {type.QualifiedResource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again")
        {
            DetailsName = name,
            DetailsGroup = type.Group,
            DetailsKind = type.Plural,
        };

    public static ApiError Invalid(ResourceType type, string name, string field, string reason, string detail) =>
        new(422, "Invalid", $"{type.Kind}.{(type.Group.Length == 0 ? "" : type.Group)} \"{name}\" is invalid: {field}: {detail}")
        {
            DetailsName = name,
            DetailsGroup = type.Group,
            DetailsKind = type.Kind,
            Causes = [(field, reason, detail)],
        };

    public static ApiError Invalid(ResourceType type, string name, IReadOnlyList<(string Field, string Reason, string Detail)> causes)
    {
        var details = causes.Select(c => $"{c.Field}: {c.Detail}").ToList();
        var text = details.Count == 1 ? details[0] : $"[{string.Join(", ", details)}]";
        return new(422, "Invalid", $"{type.Kind}.{type.Group} \"{name}\" is invalid: {text}")
        {
            DetailsName = name,
            DetailsGroup = type.Group,
            DetailsKind = type.Kind,
            Causes = causes,
        };
    }

    public static ApiError BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiError Expired(string message) => new(410, "Expired", message);
}
