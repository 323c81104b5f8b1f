using Prometheus;

namespace InferenceOperator.Serving.Engine;

/// <summary>
/// The engine's Prometheus metrics, registered in the application's own <see cref="CollectorRegistry"/>
/// (no static state, so several servers can run in one process). Names and their Triton equivalents: METRICS.md.
/// </summary>
internal sealed class ServingMetrics
{
    private static readonly double[] LatencyBuckets = Histogram.ExponentialBuckets(0.0001, 2, 18); // 100 µs .. ~13 s

    private readonly Counter requests;
    private readonly Histogram requestDuration;
    private readonly Histogram queueDuration;
    private readonly Histogram computeDuration;
    private readonly Histogram batchSize;
    private readonly Gauge queueDepth;
    private readonly Gauge inflight;
    private readonly Counter cacheHits;
    private readonly Counter cacheMisses;
    private readonly Gauge busyRatio;
    private readonly Counter energy;
    private readonly Gauge fallback;
    private readonly Gauge info;

    public ServingMetrics(CollectorRegistry registry, int maxBatchSize)
    {
        Registry = registry;
        var factory = Metrics.WithCustomRegistry(registry);
        string[] model = ["model"];
        requests = factory.CreateCounter("inference_requests_total", "Inference requests by model and status code (HTTP codes; gRPC mapped to them).", new CounterConfiguration { LabelNames = ["model", "code"] });
        requestDuration = factory.CreateHistogram("inference_request_duration_seconds", "End-to-end server time of an inference request, body read to response written.", new HistogramConfiguration { LabelNames = model, Buckets = LatencyBuckets });
        queueDuration = factory.CreateHistogram("inference_queue_duration_seconds", "Time a request waited in the batching queue before its batch started.", new HistogramConfiguration { LabelNames = model, Buckets = LatencyBuckets });
        computeDuration = factory.CreateHistogram("inference_compute_duration_seconds", "ONNX Runtime execution time of one batch (input copy, run, output copy).", new HistogramConfiguration { LabelNames = model, Buckets = LatencyBuckets });
        var sizes = Enumerable.Range(0, 1 + (int)Math.Ceiling(Math.Log2(Math.Max(1, maxBatchSize)))).Select(i => Math.Pow(2, i)).ToArray();
        batchSize = factory.CreateHistogram("inference_batch_size", "Rows per model execution (requests concatenated along the batch dimension).", new HistogramConfiguration { LabelNames = model, Buckets = sizes });
        queueDepth = factory.CreateGauge("inference_queue_depth", "Requests waiting in the batching queue.", model);
        inflight = factory.CreateGauge("inference_inflight_requests", "Inference requests being handled (queued, executing or being encoded).", model);
        cacheHits = factory.CreateCounter("inference_cache_hits_total", "Requests answered from the response cache.", model);
        cacheMisses = factory.CreateCounter("inference_cache_misses_total", "Requests looked up in the response cache and not found.", model);
        busyRatio = factory.CreateGauge("inference_busy_ratio", "Fraction of wall time the engine executed the model over the last 30 s (CPU or GPU alike).", model);
        energy = factory.CreateCounter("inference_energy_joules_total", "Energy estimated from the power model: idle watts x idle time + busy watts x busy time.", model);
        fallback = factory.CreateGauge("inference_execution_provider_fallback", "1 when the configured execution provider was unavailable and the model runs on CPU (AllowCpuFallback).", ["model", "requested", "actual"]);
        info = factory.CreateGauge("inference_model_info", "Constant 1, labelled with what this pod serves.", ["model", "version", "precision", "execution_provider"]);
    }

    public CollectorRegistry Registry { get; }

    public void Request(string model, int code, double seconds)
    {
        requests.WithLabels(model, code.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        requestDuration.WithLabels(model).Observe(seconds);
    }

    public void Queued(string model, double seconds) => queueDuration.WithLabels(model).Observe(seconds);

    public void Executed(string model, int rows, double seconds)
    {
        computeDuration.WithLabels(model).Observe(seconds);
        batchSize.WithLabels(model).Observe(rows);
    }

    public void QueueDepth(string model, int depth) => queueDepth.WithLabels(model).Set(depth);

    public IDisposable TrackInflight(string model) => inflight.WithLabels(model).TrackInProgress();

    public void Cache(string model, bool hit) => (hit ? cacheHits : cacheMisses).WithLabels(model).Inc();

    public void Utilisation(string model, double ratio, double joules)
    {
        busyRatio.WithLabels(model).Set(ratio);
        if (joules > 0)
        {
            energy.WithLabels(model).Inc(joules);
        }
    }

    public void Fallback(string model, string requested, string actual) => fallback.WithLabels(model, requested, actual).Set(1);

    public void Info(string model, string version, string precision, string provider) => info.WithLabels(model, version, precision, provider).Set(1);

    /// <summary>Ensures series exist from the start (dashboards see zeros rather than gaps).</summary>
    public void Initialise(string model)
    {
        requestDuration.WithLabels(model);
        queueDuration.WithLabels(model);
        computeDuration.WithLabels(model);
        batchSize.WithLabels(model);
        queueDepth.WithLabels(model).Set(0);
        inflight.WithLabels(model).Set(0);
        cacheHits.WithLabels(model);
        cacheMisses.WithLabels(model);
        busyRatio.WithLabels(model).Set(0);
        energy.WithLabels(model);
    }
}
