using Google.Protobuf;
using InferenceOperator.Models.Onnx;

namespace InferenceOperator.Models.Graph;

/// <summary>Reads, validates and atomically writes ONNX model files.</summary>
internal static class OnnxFile
{
    /// <summary>Lowest default-domain opset we accept (ONNX Runtime's floor).</summary>
    public const long MinOpset = 7;

    /// <summary>Highest default-domain opset ONNX Runtime 1.31 implements.</summary>
    public const long MaxOpset = 23;

    public static ModelProto Load(string path)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new ModelException(path, "file not found");
        }

        ModelProto model;
        try
        {
            using var stream = File.OpenRead(fullPath);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ModelException(path, $"not a valid ONNX file (truncated or not protobuf: {FirstLine(e.Message)})", e);
        }
        catch (IOException e)
        {
            throw new ModelException(path, $"cannot read the file ({FirstLine(e.Message)})", e);
        }

        Validate(path, model);
        return model;
    }

    public static void Validate(string path, ModelProto model)
    {
        if (model.IrVersion is < 3 or > 12 || model.Graph is null || model.Graph.Node.Count == 0 || model.OpsetImport.Count == 0)
        {
            throw new ModelException(path, "not an ONNX model (no IR version, opset import or graph)");
        }

        var opset = DefaultOpset(model);
        if (opset is < MinOpset or > MaxOpset)
        {
            throw new ModelException(path, $"unsupported opset {opset} (supported: {MinOpset} to {MaxOpset})");
        }

        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? ".";
        foreach (var tensor in model.Graph.Initializer)
        {
            if (tensor.DataLocation != TensorProto.Types.DataLocation.External)
            {
                continue;
            }

            var location = tensor.ExternalData.FirstOrDefault(e => e.Key == "location")?.Value;
            if (string.IsNullOrEmpty(location))
            {
                throw new ModelException(path, $"initializer '{tensor.Name}' is external but names no location");
            }

            var dataPath = System.IO.Path.Combine(folder, location);
            if (!File.Exists(dataPath))
            {
                throw new ModelException(path, $"external data file '{location}' for initializer '{tensor.Name}' is missing");
            }

            var (offset, length) = ExternalRange(tensor);
            var needed = offset + (length > 0 ? length : TensorData.ByteSize(tensor));
            if (new FileInfo(dataPath).Length < needed)
            {
                throw new ModelException(path, $"external data file '{location}' is shorter than initializer '{tensor.Name}' needs");
            }
        }
    }

    /// <summary>The default ("" or "ai.onnx") domain's opset version.</summary>
    public static long DefaultOpset(ModelProto model) =>
        model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();

    public static (long Offset, long Length) ExternalRange(TensorProto tensor)
    {
        long offset = 0, length = 0;
        foreach (var entry in tensor.ExternalData)
        {
            if (entry.Key == "offset")
            {
                offset = long.Parse(entry.Value, System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (entry.Key == "length")
            {
                length = long.Parse(entry.Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return (offset, length);
    }

    /// <summary>Copies external initializer data into the model so it is self-contained.</summary>
    public static void InlineExternalData(string path, ModelProto model)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? ".";
        foreach (var tensor in model.Graph.Initializer.Where(t => t.DataLocation == TensorProto.Types.DataLocation.External))
        {
            var location = tensor.ExternalData.First(e => e.Key == "location").Value;
            var (offset, length) = ExternalRange(tensor);
            if (length == 0)
            {
                length = TensorData.ByteSize(tensor);
            }

            var bytes = new byte[length];
            using (var stream = File.OpenRead(System.IO.Path.Combine(folder, location)))
            {
                stream.Seek(offset, SeekOrigin.Begin);
                stream.ReadExactly(bytes);
            }

            tensor.RawData = ByteString.CopyFrom(bytes);
            tensor.ExternalData.Clear();
            tensor.ClearDataLocation();
        }
    }

    /// <summary>Writes beside the target and renames, so no reader ever sees a partial model.</summary>
    public static void SaveAtomically(ModelProto model, string path)
    {
        WriteAtomically(path, stream => model.WriteTo(stream));
    }

    public static void WriteAtomically(string path, Action<Stream> write)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        var folder = System.IO.Path.GetDirectoryName(fullPath) ?? ".";
        Directory.CreateDirectory(folder);
        var temporary = System.IO.Path.Combine(folder, "." + System.IO.Path.GetFileName(fullPath) + "." + Guid.NewGuid().ToString("N") + ".partial");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    private static string FirstLine(string message)
    {
        var newline = message.IndexOfAny(['\r', '\n']);
        return newline < 0 ? message : message[..newline];
    }
}
