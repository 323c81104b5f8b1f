using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

namespace InferenceOperator.Serving.Engine;

/// <summary>Batching settings: MaxBatchSize 1 (or a model without a batch dimension) runs requests one at a time.</summary>
internal sealed record SchedulerSettings(int MaxBatchSize, TimeSpan MaxQueueDelay, int QueueCapacity);

/// <summary>
/// The dynamic batcher. Requests wait in one bounded FIFO queue; a single execution thread takes the oldest request
/// and every queued request with the same non-batch shapes (its group), up to MaxBatchSize rows, once the group is
/// full or the oldest has waited MaxQueueDelay. The batch is concatenated along dimension 0, run as one ONNX Runtime
/// call, and the outputs are split back by each request's rows. Requests of different groups are never mixed.
/// A request whose deadline passes (or whose caller goes away) while queued is removed and never runs. With no queue
/// delay (or no batching), a request that finds the model idle and the queue empty runs on its caller's thread; the
/// model still runs one call at a time. A batch that fails is run again one request at a time, so a request the model
/// cannot run fails alone and the others in its batch are answered.
/// </summary>
internal sealed class BatchScheduler : IDisposable
{
    private readonly OnnxModel model;
    private readonly string modelName;
    private readonly SchedulerSettings settings;
    private readonly ServingMetrics metrics;
    private readonly BusyTracker busy;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly object gate = new();
    private readonly LinkedList<WorkItem> queue = new();
    private readonly Thread thread;
    private readonly bool batching;
    private readonly bool runsInline;
    private readonly byte[][] batchInputs; // per model input: what batches are concatenated into (see Concatenate)
    private bool draining; // shutting down: run what is queued without waiting for batches to fill
    private bool disposed;
    private bool modelBusy; // a batch or an inline run holds the model (guarded by gate)

    /// <summary>Largest concatenated input kept for the next batch; larger batches get an array of their own.</summary>
    public const int MaxRetainedBatchBytes = 64 << 20;

    public BatchScheduler(OnnxModel model, string modelName, SchedulerSettings settings, ServingMetrics metrics, BusyTracker busy, TimeProvider time, ILogger logger)
    {
        this.model = model;
        this.modelName = modelName;
        this.settings = settings;
        this.metrics = metrics;
        this.busy = busy;
        this.time = time;
        this.logger = logger;
        batching = model.HasBatchDimension && settings.MaxBatchSize > 1;
        batchInputs = [.. model.Inputs.Select(_ => Array.Empty<byte>())];
        // When a request would not wait for others anyway, an idle model runs it on the caller's thread: that saves
        // two thread hand-offs (to the batcher and back), ~0.1-0.2 ms each on the 2-CPU development machine.
        runsInline = !batching || settings.MaxQueueDelay <= TimeSpan.Zero;
        thread = new Thread(Loop) { IsBackground = true, Name = "inference-batcher" };
        thread.Start();
    }

    public bool Batching => batching;

    /// <summary>Whether the model is running or requests are queued: then other CPU work competes with inference.</summary>
    public bool IsBusy
    {
        get
        {
            lock (gate)
            {
                return modelBusy || queue.Count > 0;
            }
        }
    }

    /// <summary>Queued requests (not yet executing).</summary>
    public int Depth
    {
        get
        {
            lock (gate)
            {
                return queue.Count;
            }
        }
    }

    /// <summary>
    /// Queues one validated request (inputs in model order, all sharing dimension 0 = rows) and completes with its outputs.
    /// Throws 429 when the queue is full, 504 when the deadline passes while queued, 503 while draining. When the model
    /// is idle, nothing is queued and the request would not wait for a batch, it runs at once on the caller's thread.
    /// </summary>
    public Task<InferTensor[]> Enqueue(InferTensor[] inputs, string[] outputNames, int rows, CancellationToken deadline)
    {
        var item = new WorkItem(inputs, outputNames, rows, GroupKey(inputs), time.GetTimestamp());
        lock (gate)
        {
            if (disposed)
            {
                throw new InferenceException(ErrorKind.Unavailable, "the server has stopped and accepts no new requests");
            }

            if (runsInline && !modelBusy && queue.Count == 0)
            {
                modelBusy = true;
            }
            else
            {
                if (queue.Count >= settings.QueueCapacity)
                {
                    throw new InferenceException(ErrorKind.TooManyRequests, $"the request queue is full ({settings.QueueCapacity} waiting); retry later");
                }

                item.Node = queue.AddLast(item);
                metrics.QueueDepth(modelName, queue.Count);
                Monitor.Pulse(gate);
            }
        }

        if (item.Node is null)
        {
            RunInline(item);
            return item.Completion.Task;
        }

        if (deadline.CanBeCanceled)
        {
            item.Registration = deadline.Register(static state =>
            {
                var (scheduler, work) = ((BatchScheduler, WorkItem))state!;
                scheduler.Expire(work);
            }, (this, item));
        }

        return item.Completion.Task;
    }

    private void RunInline(WorkItem item)
    {
        try
        {
            Execute([item]);
        }
        finally
        {
            lock (gate)
            {
                modelBusy = false;
                if (queue.Count > 0)
                {
                    Monitor.Pulse(gate); // requests that arrived meanwhile are the batcher's
                }
            }
        }
    }

    private void Expire(WorkItem item)
    {
        lock (gate)
        {
            if (item.Node?.List is null)
            {
                return; // already taken for execution: it will complete normally
            }

            queue.Remove(item.Node);
            metrics.QueueDepth(modelName, queue.Count);
        }

        item.Completion.TrySetException(new InferenceException(ErrorKind.DeadlineExceeded, "the request's deadline passed while it was queued; it was not run"));
    }

    /// <summary>
    /// Shutting down: no more requests will arrive to fill a batch, so queued requests run now instead of waiting out
    /// MaxQueueDelay. Requests still arriving (accepted before the web server stopped listening) are run as well.
    /// </summary>
    public void Drain()
    {
        lock (gate)
        {
            draining = true;
            Monitor.Pulse(gate);
        }
    }

    private static string GroupKey(InferTensor[] inputs)
    {
        // Everything but dimension 0 must agree for requests to share a batch.
        var key = new System.Text.StringBuilder();
        foreach (var input in inputs)
        {
            for (var d = 1; d < input.Shape.Length; d++)
            {
                key.Append(input.Shape[d]).Append(',');
            }

            key.Append('|');
        }

        return key.ToString();
    }

    private void Loop()
    {
        while (true)
        {
            List<WorkItem> batch;
            lock (gate)
            {
                while (true)
                {
                    if (queue.Count == 0 || modelBusy)
                    {
                        if (disposed && queue.Count == 0)
                        {
                            return;
                        }

                        Monitor.Wait(gate);
                        continue;
                    }

                    if (!batching)
                    {
                        break;
                    }

                    var oldest = queue.First!.Value;
                    var waited = time.GetElapsedTime(oldest.EnqueuedAt);
                    var remaining = settings.MaxQueueDelay - waited;
                    if (remaining <= TimeSpan.Zero || draining || GroupRows(oldest.GroupKey) >= settings.MaxBatchSize)
                    {
                        break;
                    }

                    Monitor.Wait(gate, remaining);
                }

                batch = Take();
                modelBusy = true;
                metrics.QueueDepth(modelName, queue.Count);
            }

            try
            {
                Execute(batch);
            }
            finally
            {
                lock (gate)
                {
                    modelBusy = false;
                }
            }
        }
    }

    private int GroupRows(string key)
    {
        var rows = 0;
        foreach (var item in queue)
        {
            if (item.GroupKey == key)
            {
                rows += item.Rows;
                if (rows >= settings.MaxBatchSize)
                {
                    break;
                }
            }
        }

        return rows;
    }

    private List<WorkItem> Take()
    {
        var first = queue.First!.Value;
        queue.RemoveFirst();
        var batch = new List<WorkItem> { first };
        if (!batching)
        {
            return batch;
        }

        var rows = first.Rows;
        var node = queue.First;
        while (node is not null && rows < settings.MaxBatchSize)
        {
            var next = node.Next;
            var item = node.Value;
            if (item.GroupKey == first.GroupKey && rows + item.Rows <= settings.MaxBatchSize)
            {
                queue.Remove(node);
                batch.Add(item);
                rows += item.Rows;
            }

            node = next;
        }

        return batch;
    }

    private void Execute(List<WorkItem> batch)
    {
        foreach (var item in batch)
        {
            item.Registration.Dispose();
            metrics.Queued(modelName, time.GetElapsedTime(item.EnqueuedAt).TotalSeconds);
        }

        if (!TryRun(batch))
        {
            // One request's data can make the whole run fail (a token id outside the vocabulary, a sequence longer than
            // the model's positions): run each alone, so only the requests that fail on their own get an error.
            Log.BatchIsolated(logger, modelName, batch.Count);
            foreach (var item in batch)
            {
                TryRun([item]);
            }
        }
    }

    /// <summary>Runs the batch and completes its requests; false when a batch of several failed and nothing was completed.</summary>
    private bool TryRun(List<WorkItem> batch)
    {
        var outputNames = batch.Count == 1 ? batch[0].OutputNames : batch.SelectMany(b => b.OutputNames).Distinct(StringComparer.Ordinal).ToArray();
        var rows = batch.Sum(b => b.Rows);
        var started = Stopwatch.GetTimestamp();
        busy.Begin();
        try
        {
            var inputs = batch.Count == 1 ? batch[0].Inputs : Concatenate(batch);
            var outputs = model.Run(inputs, outputNames);
            if (batch.Count == 1)
            {
                batch[0].Completion.TrySetResult(outputs);
            }
            else
            {
                Split(batch, outputNames, outputs, rows);
            }

            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && batch.Count > 1)
        {
            Log.ExecutionFailed(logger, ex, modelName, batch.Count, rows);
            return false;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var error = RunFailure(ex, batch[0].Inputs);
            if (error.Kind == ErrorKind.Internal)
            {
                Log.ExecutionFailed(logger, ex, modelName, batch.Count, rows);
            }

            batch[0].Completion.TrySetException(error);
            return true;
        }
        finally
        {
            busy.End();
            metrics.Executed(modelName, rows, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    /// <summary>
    /// What a request that failed on its own is told. Its inputs matched the model's signature and the model ran its
    /// warm-up, so an ONNX Runtime status of INVALID_ARGUMENT or FAIL (an index out of range, a shape a node cannot
    /// broadcast) comes from this request's data: a 400 with ONNX Runtime's reason. Anything else is the server's 500.
    /// </summary>
    internal static InferenceException RunFailure(Exception exception, InferTensor[] inputs)
    {
        if (exception is InferenceException known)
        {
            return known;
        }

        var message = exception.Message;
        if (exception is OnnxRuntimeException && (message.StartsWith("[ErrorCode:InvalidArgument]", StringComparison.Ordinal)
            || message.StartsWith("[ErrorCode:Fail]", StringComparison.Ordinal)))
        {
            var reason = message[(message.IndexOf(']', StringComparison.Ordinal) + 1)..].Trim();
            return new InferenceException(ErrorKind.BadRequest,
                $"the model could not run on this request's values of {string.Join(", ", inputs.Select(i => $"input '{i.Name}'"))} (fields 'shape' and 'data'); ONNX Runtime said: {reason}",
                exception);
        }

        return new InferenceException(ErrorKind.Internal, $"model execution failed: {message}", exception);
    }

    /// <summary>
    /// Joins the batch's inputs along dimension 0 into arrays kept from batch to batch (one batch runs at a time, and
    /// ONNX Runtime has finished reading them when the run returns): a new 16-image batch would otherwise allocate
    /// 10 MB each time. Pinned, as ONNX Runtime pins them for every run anyway.
    /// </summary>
    private InferTensor[] Concatenate(List<WorkItem> batch)
    {
        var count = batch[0].Inputs.Length;
        var rows = batch.Sum(b => (long)b.Rows);
        var result = new InferTensor[count];
        for (var i = 0; i < count; i++)
        {
            var first = batch[0].Inputs[i];
            var shape = (long[])first.Shape.Clone();
            shape[0] = rows;
            if (first.DataType == TensorDataType.Bytes)
            {
                result[i] = new InferTensor { Name = first.Name, DataType = first.DataType, Shape = shape, Strings = batch.SelectMany(b => b.Inputs[i].Strings!).ToArray() };
                continue;
            }

            var length = batch.Sum(b => b.Inputs[i].Data.Length);
            var data = Reusable(i, length);
            var offset = 0;
            foreach (var item in batch)
            {
                var part = item.Inputs[i].Data;
                part.Span.CopyTo(data.Span[offset..]);
                offset += part.Length;
            }

            result[i] = new InferTensor { Name = first.Name, DataType = first.DataType, Shape = shape, Data = data };
        }

        return result;
    }

    private Memory<byte> Reusable(int input, int length)
    {
        if (length > MaxRetainedBatchBytes)
        {
            return GC.AllocateUninitializedArray<byte>(length);
        }

        if (batchInputs[input].Length < length)
        {
            // Doubling: batches of varying size settle on the largest after a few allocations.
            var capacity = (int)Math.Min(MaxRetainedBatchBytes, Math.Max(length, 2L * batchInputs[input].Length));
            batchInputs[input] = GC.AllocateUninitializedArray<byte>(capacity, pinned: true);
        }

        return batchInputs[input].AsMemory(0, length);
    }

    private static void Split(List<WorkItem> batch, string[] outputNames, InferTensor[] outputs, int rows)
    {
        foreach (var output in outputs)
        {
            if (output.Shape.Length == 0 || output.Shape[0] != rows)
            {
                throw new InferenceException(ErrorKind.Internal,
                    $"output '{output.Name}' has shape {Shapes.Format(output.Shape)} whose first dimension is not the batch of {rows} rows; the model cannot be batched (set MaxBatchSize=1)");
            }
        }

        var rowOffset = 0;
        foreach (var item in batch)
        {
            var mine = new InferTensor[item.OutputNames.Length];
            for (var o = 0; o < mine.Length; o++)
            {
                var output = outputs[Array.IndexOf(outputNames, item.OutputNames[o])];
                var shape = (long[])output.Shape.Clone();
                shape[0] = item.Rows;
                var perRow = Shapes.Product(output.Shape.AsSpan(1));
                if (output.DataType == TensorDataType.Bytes)
                {
                    mine[o] = new InferTensor
                    {
                        Name = output.Name,
                        DataType = output.DataType,
                        Shape = shape,
                        Strings = output.Strings!.AsSpan(checked((int)(rowOffset * perRow)), checked((int)(item.Rows * perRow))).ToArray(),
                    };
                }
                else
                {
                    var rowBytes = checked((int)(perRow * output.DataType.ElementSize()));
                    mine[o] = new InferTensor
                    {
                        Name = output.Name,
                        DataType = output.DataType,
                        Shape = shape,
                        Data = output.Data.Slice(rowOffset * rowBytes, item.Rows * rowBytes).ToArray(), // a copy: a cached answer must not hold the whole batch's output
                    };
                }
            }

            rowOffset += item.Rows;
            item.Completion.TrySetResult(mine);
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
            foreach (var item in queue)
            {
                item.Completion.TrySetException(new InferenceException(ErrorKind.Unavailable, "the server stopped before this request ran"));
            }

            queue.Clear();
            Monitor.PulseAll(gate);
        }

        thread.Join(TimeSpan.FromSeconds(30));
        SpinWait.SpinUntil(() => !IsBusy, TimeSpan.FromSeconds(30)); // inline runs are on callers' threads
    }

    private sealed class WorkItem(InferTensor[] inputs, string[] outputNames, int rows, string groupKey, long enqueuedAt)
    {
        public InferTensor[] Inputs { get; } = inputs;

        public string[] OutputNames { get; } = outputNames;

        public int Rows { get; } = rows;

        public string GroupKey { get; } = groupKey;

        public long EnqueuedAt { get; } = enqueuedAt;

        public TaskCompletionSource<InferTensor[]> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<WorkItem>? Node { get; set; }

        public CancellationTokenRegistration Registration { get; set; }
    }
}
