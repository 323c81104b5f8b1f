using System.Buffers;
using System.Collections.Frozen;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace InferenceOperator.Serving.Engine;

/// <summary>An input or output as the model declares it; variable dimensions are -1.</summary>
internal sealed record TensorSpec(string Name, TensorDataType DataType, long[] Shape);

/// <summary>How the session was created: the provider actually used and, when it differs from the configured one, why.</summary>
internal sealed record ExecutionProviderChoice(string Requested, string Actual, bool FellBack, string? Reason);

/// <summary>One ONNX Runtime session and the metadata the protocol reports. Runs are serialised by the scheduler.</summary>
internal sealed class OnnxModel : IDisposable
{
    private static readonly FrozenDictionary<string, string> OrtProviderNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["CPU"] = "CPUExecutionProvider",
        ["CUDA"] = "CUDAExecutionProvider",
        ["TensorRT"] = "TensorrtExecutionProvider",
        ["ROCm"] = "ROCMExecutionProvider",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly InferenceSession session;
    private readonly string[] inputNames;

    private OnnxModel(InferenceSession session, ExecutionProviderChoice provider)
    {
        this.session = session;
        Provider = provider;
        Inputs = Describe(session.InputMetadata);
        Outputs = Describe(session.OutputMetadata);
        inputNames = Inputs.Select(i => i.Name).ToArray();
        // A batch dimension is a variable first dimension on every input and output: then requests can be
        // concatenated along it and the outputs split back by rows.
        HasBatchDimension = Inputs.Concat(Outputs).All(t => t.Shape.Length >= 1 && t.Shape[0] == -1);
    }

    public IReadOnlyList<TensorSpec> Inputs { get; }

    public IReadOnlyList<TensorSpec> Outputs { get; }

    public bool HasBatchDimension { get; }

    public ExecutionProviderChoice Provider { get; }

    /// <summary>
    /// Loads the model on the configured provider. When the provider is not available and fallback is not allowed
    /// the result carries the reason instead of a model: the pod stays unready rather than quietly running on CPU.
    /// </summary>
    public static (OnnxModel? Model, ExecutionProviderChoice Provider) Load(string path, string provider, bool allowCpuFallback, int intraOpThreads)
    {
        var ortName = OrtProviderNames[provider];
        var available = OrtEnv.Instance().GetAvailableProviders();
        string? reason = null;
        if (!available.Contains(ortName, StringComparer.Ordinal))
        {
            reason = $"execution provider {provider} ({ortName}) is not available in this ONNX Runtime build (available: {string.Join(", ", available)})";
        }

        if (reason is null && provider != "CPU")
        {
            using var probe = CreateSessionOptions(intraOpThreads);
            try
            {
                AppendProvider(probe, provider);
                var session = new InferenceSession(path, probe);
                var native = new ExecutionProviderChoice(provider, provider, FellBack: false, Reason: null);
                return (new OnnxModel(session, native), native);
            }
            catch (OnnxRuntimeException ex)
            {
                reason = $"execution provider {provider} failed to initialise: {ex.Message}";
            }
        }

        if (reason is not null && !allowCpuFallback)
        {
            return (null, new(provider, "none", false, reason + "; set AllowCpuFallback=true to run on CPU instead"));
        }

        using var options = CreateSessionOptions(intraOpThreads);
        var cpu = new InferenceSession(path, options);
        var choice = new ExecutionProviderChoice(provider, "CPU", reason is not null, reason);
        return (new OnnxModel(cpu, choice), choice);
    }

    /// <summary>
    /// Session settings of the server (the benchmark's in-process baseline uses the same): full graph optimisation,
    /// sequential execution, and no spin-waiting in the intra-op pool, so idle ORT threads leave the CPU to request
    /// parsing and encoding between runs.
    /// </summary>
    internal static SessionOptions CreateSessionOptions(int intraOpThreads)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }

    private static void AppendProvider(SessionOptions options, string provider)
    {
        switch (provider)
        {
            case "CUDA":
                options.AppendExecutionProvider_CUDA(0);
                break;
            case "TensorRT":
                options.AppendExecutionProvider_Tensorrt(0);
                break;
            case "ROCm":
                options.AppendExecutionProvider_ROCm(0);
                break;
            default:
                break;
        }
    }

    private static TensorSpec[] Describe(IReadOnlyDictionary<string, NodeMetadata> metadata) =>
        metadata.Select(kv =>
        {
            if (!kv.Value.IsTensor || !TensorDataTypes.TryFromOrt(kv.Value.ElementDataType, out var type))
            {
                throw new NotSupportedException(
                    $"model tensor '{kv.Key}' has type {kv.Value.ElementDataType} ({kv.Value.OnnxValueType}), which the Open Inference Protocol cannot carry");
            }

            return new TensorSpec(kv.Key, type, kv.Value.Dimensions.Select(d => (long)(d < 0 ? -1 : d)).ToArray());
        }).ToArray();

    /// <summary>Runs the model once. <paramref name="inputs"/> are in model input order.</summary>
    public InferTensor[] Run(IReadOnlyList<InferTensor> inputs, IReadOnlyList<string> outputNames)
    {
        var values = new OrtValue[inputs.Count];
        var pins = new MemoryHandle[inputs.Count];
        try
        {
            for (var i = 0; i < inputs.Count; i++)
            {
                values[i] = ToOrtValue(inputs[i], ref pins[i]);
            }

            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, inputNames, values, outputNames.ToArray());
            var outputs = new InferTensor[outputNames.Count];
            for (var i = 0; i < outputs.Length; i++)
            {
                outputs[i] = FromOrtValue(outputNames[i], results[i]);
            }

            return outputs;
        }
        finally
        {
            foreach (var value in values)
            {
                value?.Dispose();
            }

            foreach (var pin in pins)
            {
                pin.Dispose();
            }
        }
    }

    /// <summary>
    /// Numeric inputs are handed to ONNX Runtime in place (pinned for the run): an image is 0.6 MB per row, and a
    /// copy into a native tensor per request or batch is time taken from inference.
    /// </summary>
    private static unsafe OrtValue ToOrtValue(InferTensor tensor, ref MemoryHandle pin)
    {
        if (tensor.DataType == TensorDataType.Bytes)
        {
            var strings = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, tensor.Shape);
            var elements = tensor.Strings!;
            for (var i = 0; i < elements.Length; i++)
            {
                strings.StringTensorSetElementAt(elements[i].AsSpan(), i);
            }

            return strings;
        }

        if (tensor.Data.Length == 0)
        {
            // Nothing to pin (an empty tensor has no address); ONNX Runtime allocates its own empty buffer.
            return OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, tensor.DataType.ToOrt(), tensor.Shape);
        }

        pin = tensor.Data.Pin();
        return OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, tensor.DataType.ToOrt(), tensor.Shape, (nint)pin.Pointer, tensor.Data.Length);
    }

    private static InferTensor FromOrtValue(string name, OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        if (!TensorDataTypes.TryFromOrt(info.ElementDataType, out var type))
        {
            throw new InferenceException(ErrorKind.Internal, $"output '{name}' has element type {info.ElementDataType}, which the protocol cannot carry");
        }

        var shape = info.Shape;
        if (type == TensorDataType.Bytes)
        {
            var count = checked((int)info.ElementCount);
            var strings = new byte[count][];
            for (var i = 0; i < count; i++)
            {
                strings[i] = value.GetStringElementAsSpan(i).ToArray();
            }

            return new InferTensor { Name = name, DataType = type, Shape = shape, Strings = strings };
        }

        var raw = value.GetTensorMutableRawData();
        return new InferTensor { Name = name, DataType = type, Shape = shape, Data = raw.ToArray() };
    }

    public void Dispose() => session.Dispose();

    /// <summary>Zero-filled input for warm-up: variable dimensions become 1.</summary>
    public InferTensor[] WarmupInputs() => Inputs.Select(spec =>
    {
        var shape = spec.Shape.Select(d => d < 0 ? 1 : d).ToArray();
        var count = checked((int)Shapes.Product(shape));
        return spec.DataType == TensorDataType.Bytes
            ? new InferTensor { Name = spec.Name, DataType = spec.DataType, Shape = shape, Strings = Enumerable.Repeat(Array.Empty<byte>(), count).ToArray() }
            : new InferTensor { Name = spec.Name, DataType = spec.DataType, Shape = shape, Data = new byte[count * spec.DataType.ElementSize()] };
    }).ToArray();
}
