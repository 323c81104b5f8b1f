using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace InferenceOperator.Serving.Hosting;

/// <summary>
/// Decodes large request bodies (JSON tensors, above all) on dedicated threads that run below inference's CPU priority.
/// On a saturated machine a decode at equal priority preempts one of ONNX Runtime's threads and the others wait for it
/// at the next operator boundary: measured here, one busy decoding thread halved ResNet18 throughput (26 → 15 images/s
/// on 2 cores), while at nice 19 the same thread decoded 15–48 images/s in the gaps and inference kept its full rate.
/// Results are handed back through one normal-priority thread, because a thread the runtime's pool starts from a niced
/// thread would inherit its nice and the request work after decoding would run starved.
/// </summary>
internal sealed class BackgroundDecoder : IDisposable
{
    private readonly BlockingCollection<IWork> pending = new();
    private readonly BlockingCollection<IWork> decoded = new();
    private readonly List<Thread> decoders = [];
    private readonly Thread? completions;
    private readonly long minBodyBytes;

    public BackgroundDecoder(IOptions<ServingOptions> options, ILogger<BackgroundDecoder> logger)
    {
        var settings = options.Value.BackgroundDecode;
        Enabled = settings.Enabled;
        minBodyBytes = settings.MinBodyBytes;
        Threads = settings.Threads > 0 ? settings.Threads : CpuLimit.Detect();
        if (!Enabled)
        {
            return;
        }

        for (var i = 0; i < Threads; i++)
        {
            decoders.Add(Start($"request-decoder-{i}", () =>
            {
                if (settings.Nice != 0 && !ThreadNice.TrySetCurrent(settings.Nice))
                {
                    Log.DecoderPriorityUnchanged(logger, settings.Nice);
                }

                Decode();
            }));
        }

        completions = Start("request-decoder-completions", Complete);
        Log.BackgroundDecoding(logger, Threads, settings.Nice, minBodyBytes);
    }

    /// <summary>False when configured off: every body is decoded on the request's own thread.</summary>
    public bool Enabled { get; }

    /// <summary>Decoder threads, and how many parts a large JSON tensor is split into when the engine is idle.</summary>
    public int Threads { get; }

    /// <summary>Whether a body whose JSON part has this many bytes is decoded here rather than inline.</summary>
    public bool Handles(long jsonBytes) => Enabled && jsonBytes >= minBodyBytes;

    /// <summary>Runs <paramref name="decode"/> on a decoder thread; its result or exception completes the task.</summary>
    public Task<T> DecodeAsync<T>(Func<T> decode)
    {
        var work = new Work<T>(decode);
        try
        {
            pending.Add(work);
        }
        catch (InvalidOperationException)
        {
            throw new ObjectDisposedException(nameof(BackgroundDecoder), "the server is stopping");
        }

        return work.Task;
    }

    private static Thread Start(string name, Action body)
    {
        var thread = new Thread(new ThreadStart(body)) { IsBackground = true, Name = name };
        thread.Start();
        return thread;
    }

    private void Decode()
    {
        foreach (var work in pending.GetConsumingEnumerable())
        {
            work.Run();
            try
            {
                decoded.Add(work);
            }
            catch (InvalidOperationException)
            {
                work.Complete(); // stopping: complete here rather than lose the request
            }
        }
    }

    private void Complete()
    {
        foreach (var work in decoded.GetConsumingEnumerable())
        {
            work.Complete();
        }
    }

    public void Dispose()
    {
        // Decoders finish what was queued, then the completion thread hands out the last results.
        pending.CompleteAdding();
        foreach (var thread in decoders)
        {
            thread.Join(TimeSpan.FromSeconds(10));
        }

        decoded.CompleteAdding();
        completions?.Join(TimeSpan.FromSeconds(10));
        pending.Dispose();
        decoded.Dispose();
    }

    private interface IWork
    {
        void Run();

        void Complete();
    }

    private sealed class Work<T>(Func<T> decode) : IWork
    {
        // Continuations go to the thread pool, never inline on the completion thread that serves every request.
        private readonly TaskCompletionSource<T> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? result;
        private Exception? error;

        public Task<T> Task => completion.Task;

        public void Run()
        {
            try
            {
                result = decode();
            }
#pragma warning disable CA1031 // Any failure belongs to the request that sent the body, which gets it rethrown.
            catch (Exception e)
#pragma warning restore CA1031
            {
                error = e;
            }
        }

        public void Complete()
        {
            if (error is not null)
            {
                completion.TrySetException(error);
            }
            else
            {
                completion.TrySetResult(result!);
            }
        }
    }
}
