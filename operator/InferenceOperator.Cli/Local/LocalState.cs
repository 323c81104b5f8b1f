using System.Text.Json;
using System.Text.Json.Serialization;

namespace InferenceOperator.Cli.Local;

/// <summary>What `inferctl up` started for one service, so `down` can stop exactly that process.</summary>
internal sealed record LocalService(
    [property: JsonPropertyName("namespace")] string Namespace,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("httpPort")] int HttpPort,
    [property: JsonPropertyName("grpcPort")] int GrpcPort,
    [property: JsonPropertyName("configPath")] string ConfigPath,
    [property: JsonPropertyName("logPath")] string LogPath,
    [property: JsonPropertyName("modelPath")] string ModelPath,
    [property: JsonPropertyName("precision")] string Precision,
    [property: JsonPropertyName("maxBatchSize")] int MaxBatchSize,
    [property: JsonPropertyName("startedAt")] DateTimeOffset StartedAt)
{
    [JsonIgnore]
    public string Endpoint => $"http://127.0.0.1:{HttpPort}/v2/models/{Name}";
}

/// <summary>
/// Local mode's state folder, in the user's home and never in the repository: default $XDG_STATE_HOME/inferenceoperator
/// (~/.local/state/inferenceoperator), or INFERCTL_STATE_DIR, or --state-dir.
/// </summary>
internal sealed class LocalState
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public LocalState(string? folder)
    {
        Root = folder ?? Environment.GetEnvironmentVariable("INFERCTL_STATE_DIR") ?? DefaultFolder();
        Directory.CreateDirectory(ServicesFolder);
    }

    public string Root { get; }

    private string ServicesFolder => Path.Combine(Root, "services");

    public string ProfilesFolder => Path.Combine(Root, "profiles");

    public string ModelsFolder => Path.Combine(Root, "models");

    public string ServiceFolder(string ns, string name) => Path.Combine(ServicesFolder, $"{ns}_{name}");

    public LocalService? Find(string ns, string name)
    {
        var path = StatePath(ns, name);
        return File.Exists(path) ? JsonSerializer.Deserialize<LocalService>(File.ReadAllText(path), Json) : null;
    }

    public IReadOnlyList<LocalService> All() =>
        Directory.GetDirectories(ServicesFolder)
            .Select(d => Path.Combine(d, "state.json"))
            .Where(File.Exists)
            .Select(p => JsonSerializer.Deserialize<LocalService>(File.ReadAllText(p), Json)!)
            .OrderBy(s => s.Namespace, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal)
            .ToList();

    public void Save(LocalService service)
    {
        Directory.CreateDirectory(ServiceFolder(service.Namespace, service.Name));
        var path = StatePath(service.Namespace, service.Name);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(service, Json));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public void Remove(LocalService service)
    {
        var folder = ServiceFolder(service.Namespace, service.Name);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private string StatePath(string ns, string name) => Path.Combine(ServiceFolder(ns, name), "state.json");

    private static string DefaultFolder()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        var root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state")
            : xdg;
        return Path.Combine(root, "inferenceoperator");
    }
}
