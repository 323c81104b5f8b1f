namespace InferenceOperator.Serving.Hosting;

/// <summary>
/// Everything the operator tells a serving pod. Bound from configuration: a JSON file (--config or INFERENCE_CONFIG),
/// environment variables prefixed INFERENCE_ (INFERENCE_MODELPATH, INFERENCE_CACHE__ENABLED) and command-line
/// arguments (--ModelPath=…, --Cache:Enabled=true, or the short forms --model, --model-name, --http-port, --grpc-port…).
/// </summary>
public sealed class ServingOptions
{
    /// <summary>Path of the ONNX file to serve.</summary>
    public string ModelPath { get; set; } = "";

    /// <summary>Name clients use in /v2/models/{name}; default: the file name without extension.</summary>
    public string ModelName { get; set; } = "";

    public string ModelVersion { get; set; } = "1";

    /// <summary>Precision label (fp32, fp16, int8…) reported in inference_model_info and the logs.</summary>
    public string Precision { get; set; } = "fp32";

    /// <summary>CPU, CUDA, TensorRT or ROCm.</summary>
    public string ExecutionProvider { get; set; } = "CPU";

    /// <summary>When the configured provider is unavailable, run on CPU (with a warning and a metric) instead of staying unready.</summary>
    public bool AllowCpuFallback { get; set; }

    /// <summary>ONNX Runtime intra-op threads; 0 = the container's CPU limit (cgroup-aware).</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Largest batch the dynamic batcher builds; 1 turns batching off.</summary>
    public int MaxBatchSize { get; set; } = 8;

    /// <summary>How long the oldest queued request may wait for others to join its batch.</summary>
    public double MaxQueueDelayMs { get; set; } = 2;

    /// <summary>Requests that may wait in the queue; beyond it the server answers 429 / RESOURCE_EXHAUSTED.</summary>
    public int QueueCapacity { get; set; } = 256;

    public CacheOptions Cache { get; set; } = new();

    /// <summary>Largest accepted request body (REST) or message (gRPC); beyond it 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Deadline for requests that do not send one (header Inference-Timeout-Ms or a gRPC deadline); 0 = none.</summary>
    public int DefaultDeadlineMs { get; set; } = 30_000;

    /// <summary>Allow NaN and ±Infinity in floating-point inputs.</summary>
    public bool AllowNonFinite { get; set; }

    /// <summary>Address Kestrel binds; 0.0.0.0 in pods, 127.0.0.1 in tests.</summary>
    public string ListenAddress { get; set; } = "0.0.0.0";

    /// <summary>REST (HTTP/1.1) port; 0 picks a free port.</summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>gRPC (HTTP/2 cleartext) port; 0 picks a free port.</summary>
    public int GrpcPort { get; set; } = 8081;

    /// <summary>Run one inference before reporting ready.</summary>
    public bool Warmup { get; set; } = true;

    /// <summary>How long SIGTERM waits for accepted requests to finish.</summary>
    public int ShutdownTimeoutSeconds { get; set; } = 30;

    public PowerOptions Power { get; set; } = new();

    public BackgroundDecodeOptions BackgroundDecode { get; set; } = new();

    /// <summary>The served model name: ModelName, or the model file's name.</summary>
    public string EffectiveModelName =>
        string.IsNullOrWhiteSpace(ModelName) ? Path.GetFileNameWithoutExtension(ModelPath) : ModelName;
}

public sealed class CacheOptions
{
    public bool Enabled { get; set; }

    /// <summary>Byte budget for cached responses; least recently used entries go first.</summary>
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Entry lifetime; 0 = until evicted.</summary>
    public int TtlSeconds { get; set; }
}

/// <summary>
/// Where large request bodies are decoded while inference runs: on dedicated threads below inference's CPU priority,
/// so that parsing (a JSON image is 150,528 numbers) uses the gaps between ONNX Runtime's work instead of stalling its
/// threads. While the engine is idle the request's own thread decodes.
/// </summary>
public sealed class BackgroundDecodeOptions
{
    /// <summary>False decodes every body on the request's own thread, at inference's priority.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Bodies whose JSON part has at least this many bytes go to the decoder threads; smaller ones, and binary tensor data, are cheaper decoded in place.</summary>
    public long MinBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Decoder threads, and the parts a large JSON tensor is split into when the engine is idle; 0 = the container's CPU limit.</summary>
    public int Threads { get; set; }

    /// <summary>Linux nice value of the decoder threads (0–19; higher yields more readily to inference).</summary>
    public int Nice { get; set; } = 19;
}

/// <summary>A linear power model: the engine draws IdleWatts when idle and BusyWatts while executing.</summary>
public sealed class PowerOptions
{
    public double IdleWatts { get; set; }

    public double BusyWatts { get; set; }
}
