
namespace InferenceOperator.Serving;

/// <summary>Source-generated log messages of the serving engine.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Loading model {Model} from {Path} on {Provider} with {Threads} intra-op threads (precision {Precision})")]
    public static partial void Loading(ILogger logger, string model, string path, string provider, int threads, string precision);

    [LoggerMessage(2, LogLevel.Error, "Model {Model} stays NOT READY: {Reason}")]
    public static partial void ProviderUnavailable(ILogger logger, string model, string reason);

    [LoggerMessage(3, LogLevel.Warning, "Model {Model} runs on CPU although {Requested} was configured (AllowCpuFallback=true): {Reason}")]
    public static partial void ProviderFallback(ILogger logger, string model, string requested, string reason);

    [LoggerMessage(4, LogLevel.Information, "Model {Model} warmed up in {Milliseconds:F1} ms")]
    public static partial void WarmedUp(ILogger logger, string model, double milliseconds);

    [LoggerMessage(5, LogLevel.Information, "Model {Model} version {Version} is ready on {Provider} (dynamic batching {Batching}, max batch {MaxBatch}, max queue delay {DelayMs} ms)")]
    public static partial void Ready(ILogger logger, string model, string version, string provider, bool batching, int maxBatch, double delayMs);

    [LoggerMessage(6, LogLevel.Error, "Model {Model} failed to load from {Path}")]
    public static partial void LoadFailed(ILogger logger, Exception exception, string model, string path);

    [LoggerMessage(7, LogLevel.Information, "Shutting down: model {Model} is no longer ready; finishing {Queued} queued and all in-flight requests")]
    public static partial void Stopping(ILogger logger, string model, int queued);

    [LoggerMessage(8, LogLevel.Error, "Model {Model} failed executing a batch of {Requests} requests ({Rows} rows)")]
    public static partial void ExecutionFailed(ILogger logger, Exception exception, string model, int requests, int rows);

    [LoggerMessage(9, LogLevel.Error, "Unexpected error handling {Method} {Path}")]
    public static partial void Unexpected(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(10, LogLevel.Information, "Serving OIP v2 REST on {Http} and gRPC on {Grpc}")]
    public static partial void Listening(ILogger logger, string http, string grpc);

    [LoggerMessage(11, LogLevel.Information, "Request bodies of {MinBytes} bytes or more are decoded on {Threads} threads at nice {Nice}, below inference")]
    public static partial void BackgroundDecoding(ILogger logger, int threads, int nice, long minBytes);

    [LoggerMessage(12, LogLevel.Warning, "Could not lower a decoder thread's priority to nice {Nice} (not Linux, or refused): large requests are decoded at inference's priority and may slow it")]
    public static partial void DecoderPriorityUnchanged(ILogger logger, int nice);

    [LoggerMessage(13, LogLevel.Warning, "A batch of {Requests} requests for model {Model} failed: running them one at a time, so only a request that fails alone gets an error")]
    public static partial void BatchIsolated(ILogger logger, string model, int requests);

    [LoggerMessage(14, LogLevel.Error, "Model {Model} loaded but its warm-up run failed: it stays not ready")]
    public static partial void WarmupFailed(ILogger logger, Exception exception, string model);
}
