using InferenceOperator.Api;
using InferenceOperator.Kube;
using Prometheus;

namespace InferenceOperator.Metrics;

/// <summary>Per-service planned figures, as gauges labelled namespace/service/accelerator/precision.</summary>
internal interface IPlanMetrics
{
    /// <summary>Sets the service's gauges from its plan; a changed accelerator or precision replaces the old series.</summary>
    void Planned(ObjectKey service, PlanStatus plan, double carbonGramsPerKwh, double latencyBudgetMs);

    /// <summary>Removes the service's series (the service is gone or has no plan).</summary>
    void Forget(ObjectKey service);
}

/// <summary>
/// The operator's Prometheus metrics in a registry of its own (never the static default): reconcile_total{result},
/// reconcile_duration_seconds, workqueue_depth, workqueue_retries_total and the planned $/hour, watts and gCO2e/hour per service.
/// </summary>
internal sealed class OperatorMetrics : IControllerMetrics, IPlanMetrics
{
    private static readonly string[] PlanLabels = ["namespace", "service", "accelerator", "precision"];
    private readonly Counter reconciles;
    private readonly Histogram durations;
    private readonly Gauge depth;
    private readonly Counter retries;
    private readonly Gauge cost;
    private readonly Gauge watts;
    private readonly Gauge carbon;
    private readonly Gauge latencyBudget;
    private readonly Lock gate = new();
    private readonly Dictionary<ObjectKey, string[]> planned = [];

    public OperatorMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        reconciles = factory.CreateCounter("reconcile_total", "Reconciles by controller and result (success, error).", "controller", "result");
        durations = factory.CreateHistogram("reconcile_duration_seconds", "Time one reconcile took.", new HistogramConfiguration
        {
            LabelNames = ["controller"],
            Buckets = Histogram.ExponentialBuckets(0.001, 2, 16),
        });
        depth = factory.CreateGauge("workqueue_depth", "Keys waiting in the work queue.", "controller");
        retries = factory.CreateCounter("workqueue_retries_total", "Failed keys scheduled again with backoff.", "controller");
        cost = factory.CreateGauge("inferenceservice_planned_cost_dollars_per_hour", "Planned cost of all replicas of a service, USD per hour.", PlanLabels);
        watts = factory.CreateGauge("inferenceservice_planned_power_watts", "Planned average power of all replicas of a service at peak traffic, watts.", PlanLabels);
        carbon = factory.CreateGauge("inferenceservice_planned_carbon_grams_per_hour", "Planned emissions of a service at peak traffic, grams CO2e per hour.", PlanLabels);
        // The SLO as a series, so the latency alert compares each service's p95 with its own spec.slo.latencyP95Ms.
        latencyBudget = factory.CreateGauge("inferenceservice_slo_latency_p95_seconds", "The service's p95 latency budget (spec.slo.latencyP95Ms), seconds.", "namespace", "service");
    }

    public CollectorRegistry Registry { get; }

    /// <summary>Reconciles finished so far by a controller, whatever the result (read without exporting the registry).</summary>
    public double Reconciles(string controller) =>
        reconciles.WithLabels(controller, "success").Value + reconciles.WithLabels(controller, "error").Value;

    public void QueueDepth(string controller, int depth) => this.depth.WithLabels(controller).Set(depth);

    public void RetryScheduled(string controller, int attempt, TimeSpan delay) => retries.WithLabels(controller).Inc();

    public void ReconcileCompleted(string controller, ReconcileResult result, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(result);
        reconciles.WithLabels(controller, result.IsSuccess ? "success" : "error").Inc();
        durations.WithLabels(controller).Observe(duration.TotalSeconds);
    }

    public void Planned(ObjectKey service, PlanStatus plan, double carbonGramsPerKwh, double latencyBudgetMs)
    {
        ArgumentNullException.ThrowIfNull(plan);
        string[] labels = [service.Namespace ?? "", service.Name, plan.Accelerator ?? "", plan.Precision?.ToString().ToLowerInvariant() ?? ""];
        lock (gate)
        {
            if (planned.TryGetValue(service, out var old) && !old.SequenceEqual(labels))
            {
                RemoveSeries(old);
            }

            planned[service] = labels;
            cost.WithLabels(labels).Set(plan.CostPerHour ?? 0);
            watts.WithLabels(labels).Set(plan.PowerWatts ?? 0);
            carbon.WithLabels(labels).Set((plan.PowerWatts ?? 0) / 1000 * carbonGramsPerKwh);
            latencyBudget.WithLabels(labels[0], labels[1]).Set(latencyBudgetMs / 1000);
        }
    }

    public void Forget(ObjectKey service)
    {
        lock (gate)
        {
            if (planned.Remove(service, out var old))
            {
                RemoveSeries(old);
                latencyBudget.RemoveLabelled(old[0], old[1]);
            }
        }
    }

    private void RemoveSeries(string[] labels)
    {
        cost.RemoveLabelled(labels);
        watts.RemoveLabelled(labels);
        carbon.RemoveLabelled(labels);
    }
}
