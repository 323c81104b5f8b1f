using System.Globalization;
using InferenceOperator.Api;
using k8s.Models;

namespace InferenceOperator.Desired;

/// <summary>
/// What owns the replica count of a service, derived from spec.autoscaling, the plan and the policy's budgets:
/// an autoscaling/v2 HPA, a KEDA ScaledObject, or nothing (the Deployment then carries the plan's replicas).
/// </summary>
internal sealed record AutoscalerPlan(
    AutoscalingEngine Engine,
    ScalingMetric Metric,
    double Target,
    int MinReplicas,
    int MaxReplicas,
    BudgetCap? Cap,
    V2HorizontalPodAutoscaler? Hpa,
    ScaledObject? ScaledObject)
{
    /// <summary>Replicas the Deployment owns: the plan's with engine none, otherwise null (the autoscaler owns spec.replicas).</summary>
    public int? DeploymentReplicas => Engine == AutoscalingEngine.None ? MinReplicas : null;

    /// <summary>Fewest pods that can be running in steady state: the PodDisruptionBudget is only worth it above one.</summary>
    public int SteadyStateMinimum => MinReplicas;

    /// <summary>A sentence for the AutoscalerReady condition.</summary>
    public string Describe()
    {
        var what = Engine switch
        {
            AutoscalingEngine.Hpa => $"HorizontalPodAutoscaler on {Autoscaler.MetricName(Metric)} (target {Autoscaler.Show(Target)})",
            AutoscalingEngine.Keda => $"KEDA ScaledObject on {Autoscaler.MetricName(Metric)} (target {Autoscaler.Show(Target)})",
            _ => "no autoscaler",
        };
        var range = Engine == AutoscalingEngine.None
            ? $"{MinReplicas} replicas from the plan"
            : $"{MinReplicas}..{MaxReplicas} replicas";
        return Cap is null ? $"{what}, {range}" : $"{what}, {range}; {Cap.Message}";
    }
}

/// <summary>maxReplicas lowered from <paramref name="Requested"/> to <paramref name="Allowed"/> by the policy's budgets.</summary>
internal sealed record BudgetCap(int Requested, int Allowed, string Message);

/// <summary>Renders the autoscaler of issue 7: HPA or KEDA per metric, behaviour, floors and the budget cap.</summary>
internal static class Autoscaler
{
    public const double DefaultUtilizationTarget = 70;
    public const double DefaultQueueDepthTarget = 4;
    public const int DefaultScaleDownStabilizationSeconds = 300;
    public const int DefaultScaleUpStabilizationSeconds = 0;

    public static AutoscalerPlan Build(InferenceService service, PlanStatus plan, AcceleratorProfile accelerator, InferencePolicySpec? policy, OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(options);
        var spec = service.Spec.Autoscaling;
        var engine = spec?.Engine ?? AutoscalingEngine.Hpa;
        var isCpu = accelerator.Spec.ExecutionProvider == ExecutionProvider.Cpu;
        var metric = spec?.Metric ?? (isCpu ? ScalingMetric.Cpu : ScalingMetric.GpuUtilization);
        var planned = Math.Max(1, plan.Replicas ?? 1);
        var floor = service.Spec.Slo.MinReplicas ?? 1;

        if (engine == AutoscalingEngine.None)
        {
            return new AutoscalerPlan(engine, metric, 0, Math.Max(planned, floor), Math.Max(planned, floor), null, null, null);
        }

        // Scale to zero is an explicit opt-in the validator only allows for keda on request rate (a series from outside the pods).
        var scaleToZero = spec?.MinReplicas == 0 && engine == AutoscalingEngine.Keda && metric == ScalingMetric.Requests;
        var min = scaleToZero ? 0 : Math.Max(spec?.MinReplicas ?? floor, floor);
        var requestedMax = Math.Max(spec?.MaxReplicas ?? Math.Max(planned * 2, floor), Math.Max(min, 1));
        var cap = Cap(plan, policy, requestedMax, Math.Max(min, 1));
        var max = cap?.Allowed ?? requestedMax;
        var target = spec?.Target ?? DefaultTarget(metric, plan, policy);
        var behavior = Behavior(spec);
        return engine == AutoscalingEngine.Keda
            ? new AutoscalerPlan(engine, metric, target, min, max, cap, null, Keda(service, plan, metric, target, min, max, behavior, options))
            : new AutoscalerPlan(engine, metric, target, min, max, cap, Hpa(service, plan, metric, target, min, max, behavior, options), null);
    }

    /// <summary>
    /// The most replicas the budgets pay for, from the plan's per-replica cost and power (plan totals / plan replicas).
    /// Null when no budget binds below <paramref name="requestedMax"/>. Never below <paramref name="minimum"/>: the SLO floor wins.
    /// </summary>
    public static BudgetCap? Cap(PlanStatus plan, InferencePolicySpec? policy, int requestedMax, int minimum)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var replicas = Math.Max(1, plan.Replicas ?? 1);
        var allowed = requestedMax;
        var reasons = new List<string>();
        if (policy?.Budgets?.MaxCostPerHour is { } maxCost && plan.CostPerHour is { } cost && cost > 0)
        {
            var perReplica = cost / replicas;
            var byCost = (int)Math.Floor((maxCost / perReplica) + 1e-9);
            if (byCost < allowed)
            {
                allowed = byCost;
            }

            if (byCost < requestedMax)
            {
                reasons.Add(string.Create(CultureInfo.InvariantCulture, $"maxCostPerHour ${Show(maxCost)}/h / ${Show(perReplica)}/h per replica = {byCost}"));
            }
        }

        if (policy?.Budgets?.MaxPowerWatts is { } maxWatts && plan.PowerWatts is { } watts && watts > 0)
        {
            var perReplica = watts / replicas;
            var byPower = (int)Math.Floor((maxWatts / perReplica) + 1e-9);
            if (byPower < allowed)
            {
                allowed = byPower;
            }

            if (byPower < requestedMax)
            {
                reasons.Add(string.Create(CultureInfo.InvariantCulture, $"maxPowerWatts {Show(maxWatts)} W / {Show(perReplica)} W per replica = {byPower}"));
            }
        }

        if (allowed >= requestedMax)
        {
            return null;
        }

        var floored = Math.Max(allowed, minimum);
        var message = string.Create(CultureInfo.InvariantCulture, $"maxReplicas capped from {requestedMax} to {floored} by the policy budget ({string.Join("; ", reasons)})");
        if (floored > allowed)
        {
            message += string.Create(CultureInfo.InvariantCulture, $"; the budget pays for {allowed} but minReplicas is {minimum}");
        }

        return new BudgetCap(requestedMax, floored, message);
    }

    /// <summary>Default target per metric: 70 % utilisation, 4 queued requests, or the plan's per-replica throughput less the policy's headroom.</summary>
    public static double DefaultTarget(ScalingMetric metric, PlanStatus plan, InferencePolicySpec? policy) => metric switch
    {
        ScalingMetric.QueueDepth => DefaultQueueDepthTarget,
        ScalingMetric.Requests => Math.Max(0.1, Math.Round((plan.ThroughputPerReplicaRps ?? 1) * (1 - ((policy?.HeadroomPercent ?? 20) / 100.0)), 1, MidpointRounding.AwayFromZero)),
        _ => DefaultUtilizationTarget,
    };

    /// <summary>Fast scale-up (double or +4 pods every 15 s), slow scale-down (stabilised, at most half every minute). Only 1.26 fields.</summary>
    public static V2HorizontalPodAutoscalerBehavior Behavior(AutoscalingSpec? spec) => new()
    {
        ScaleUp = new V2HPAScalingRules
        {
            StabilizationWindowSeconds = spec?.ScaleUpStabilizationSeconds ?? DefaultScaleUpStabilizationSeconds,
            SelectPolicy = "Max",
            Policies =
            [
                new V2HPAScalingPolicy { Type = "Percent", Value = 100, PeriodSeconds = 15 },
                new V2HPAScalingPolicy { Type = "Pods", Value = 4, PeriodSeconds = 15 },
            ],
        },
        ScaleDown = new V2HPAScalingRules
        {
            StabilizationWindowSeconds = spec?.ScaleDownStabilizationSeconds ?? DefaultScaleDownStabilizationSeconds,
            SelectPolicy = "Max",
            Policies = [new V2HPAScalingPolicy { Type = "Percent", Value = 50, PeriodSeconds = 60 }],
        },
    };

    public static string MetricName(ScalingMetric metric) => metric switch
    {
        ScalingMetric.GpuUtilization => "gpu-utilization",
        ScalingMetric.QueueDepth => "queue-depth",
        ScalingMetric.Requests => "requests",
        _ => "cpu",
    };

    internal static string Show(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private static V2HorizontalPodAutoscaler Hpa(InferenceService service, PlanStatus plan, ScalingMetric metric, double target, int min, int max, V2HorizontalPodAutoscalerBehavior behavior, OperatorOptions options) => new()
    {
        ApiVersion = "autoscaling/v2",
        Kind = "HorizontalPodAutoscaler",
        Metadata = Owner.Metadata(service, Names.Workload(service), ServingLabels.For(service, plan)),
        Spec = new V2HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = Names.Workload(service) },
            MinReplicas = min,
            MaxReplicas = max,
            Metrics = [HpaMetric(service, metric, target, options)],
            Behavior = behavior,
        },
    };

    private static V2MetricSpec HpaMetric(InferenceService service, ScalingMetric metric, double target, OperatorOptions options)
    {
        if (metric == ScalingMetric.Cpu)
        {
            return new V2MetricSpec
            {
                Type = "Resource",
                Resource = new V2ResourceMetricSource
                {
                    Name = "cpu",
                    Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = (int)Math.Round(target, MidpointRounding.AwayFromZero) },
                },
            };
        }

        var name = metric switch
        {
            ScalingMetric.GpuUtilization => service.Spec.Autoscaling?.MetricName ?? options.GpuUtilizationMetric,
            ScalingMetric.QueueDepth => options.QueueDepthMetric,
            _ => options.RequestRateMetric,
        };
        return new V2MetricSpec
        {
            Type = "Pods",
            Pods = new V2PodsMetricSource
            {
                Metric = new V2MetricIdentifier { Name = name },
                Target = new V2MetricTarget { Type = "AverageValue", AverageValue = Quantity(target) },
            },
        };
    }

    private static ScaledObject Keda(InferenceService service, PlanStatus plan, ScalingMetric metric, double target, int min, int max, V2HorizontalPodAutoscalerBehavior behavior, OperatorOptions options) => new()
    {
        Metadata = Owner.Metadata(service, Names.Workload(service), ServingLabels.For(service, plan)),
        Spec = new ScaledObjectSpec
        {
            ScaleTargetRef = new ScaleTarget { ApiVersion = "apps/v1", Kind = "Deployment", Name = Names.Workload(service) },
            PollingInterval = 15,
            CooldownPeriod = service.Spec.Autoscaling?.ScaleDownStabilizationSeconds ?? DefaultScaleDownStabilizationSeconds,
            MinReplicaCount = min,
            MaxReplicaCount = max,
            Advanced = new ScaledObjectAdvanced { HorizontalPodAutoscalerConfig = new HorizontalPodAutoscalerConfig { Behavior = behavior } },
            Triggers = [KedaTrigger(service, metric, target, min, options)],
        },
    };

    private static ScaleTrigger KedaTrigger(InferenceService service, ScalingMetric metric, double target, int min, OperatorOptions options)
    {
        if (metric == ScalingMetric.Cpu)
        {
            return new ScaleTrigger
            {
                Type = "cpu",
                MetricType = "Utilization",
                Metadata = new Dictionary<string, string> { ["value"] = Show(Math.Round(target, MidpointRounding.AwayFromZero)) },
            };
        }

        // KEDA divides a prometheus trigger's value by the replicas (AverageValue): the queries sum over the service's pods.
        var ns = service.Metadata.NamespaceProperty ?? "default";
        var name = service.Metadata.Name;
        var pods = $"namespace=\"{ns}\",pod=~\"{name}-[a-z0-9]+-[a-z0-9]+\"";
        var query = metric switch
        {
            ScalingMetric.GpuUtilization => $"sum({service.Spec.Autoscaling?.MetricName ?? options.GpuUtilizationMetric}{{{pods}}})",
            ScalingMetric.QueueDepth => $"sum({options.QueueDepthMetric}{{{pods}}})",
            _ => options.KedaRequestRateQuery.Replace("{namespace}", ns, StringComparison.Ordinal).Replace("{service}", name, StringComparison.Ordinal),
        };
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["serverAddress"] = options.PrometheusAddress,
            ["query"] = query,
            ["threshold"] = Show(target),
        };
        if (min == 0)
        {
            // Wake from zero on the first request seen at the Service/ingress.
            metadata["activationThreshold"] = "0";
        }

        return new ScaleTrigger { Type = "prometheus", MetricType = "AverageValue", Metadata = metadata };
    }

    private static ResourceQuantity Quantity(double value) =>
        value == Math.Floor(value)
            ? new ResourceQuantity(((long)value).ToString(CultureInfo.InvariantCulture))
            : new ResourceQuantity(((long)Math.Round(value * 1000, MidpointRounding.AwayFromZero)).ToString(CultureInfo.InvariantCulture) + "m");
}
