namespace InferenceOperator.Api.Validation;

/// <summary>The C# twins of the [ValidationRule] CEL rules on the API types; each message matches its CEL rule's.</summary>
internal static class CrossFieldRules
{
    public static void Check(InferenceServiceSpec spec, List<SpecError> errors)
    {
        if (spec.Model.Uri.StartsWith("http://", StringComparison.Ordinal) && spec.Model.Sha256 is null)
        {
            errors.Add(new SpecError("spec.model.sha256", "model.sha256 is required for http:// URIs: a model fetched without TLS must be verified by checksum"));
        }

        if (spec.Batching?.MaxQueueDelayMs is { } delay && delay >= spec.Slo.LatencyP95Ms)
        {
            errors.Add(new SpecError("spec.batching.maxQueueDelayMs", "batching.maxQueueDelayMs must be below slo.latencyP95Ms: a request would wait out its whole latency budget in the queue"));
        }

        if (spec.Autoscaling is { } autoscaling)
        {
            if (autoscaling.MaxReplicas is { } max && spec.Slo.MinReplicas is { } floor && floor > max)
            {
                errors.Add(new SpecError("spec.slo.minReplicas", "slo.minReplicas must not exceed autoscaling.maxReplicas"));
            }

            if (autoscaling.MinReplicas is { } min && autoscaling.MaxReplicas is { } upper && min > upper)
            {
                errors.Add(new SpecError("spec.autoscaling.minReplicas", "autoscaling.minReplicas must not exceed autoscaling.maxReplicas"));
            }

            if (autoscaling.MinReplicas is 0 && !(autoscaling.Engine == AutoscalingEngine.Keda && autoscaling.Metric == ScalingMetric.Requests))
            {
                errors.Add(new SpecError("spec.autoscaling.minReplicas", "autoscaling.minReplicas 0 (scale to zero) needs engine keda with metric requests: the pods' own metrics vanish at zero replicas"));
            }

            if (autoscaling.Target is > 100 && autoscaling.Metric is ScalingMetric.GpuUtilization or ScalingMetric.Cpu)
            {
                errors.Add(new SpecError("spec.autoscaling.target", "autoscaling.target is a percentage for gpu-utilization and cpu: use a value from 1 to 100"));
            }
        }
    }

    public static void Check(InferencePolicySpec spec, List<SpecError> errors)
    {
        if (spec.Objective == Objective.Balanced && spec.Weights is null)
        {
            errors.Add(new SpecError("spec.weights", "objective balanced needs weights: set weights.cost, weights.energy, weights.carbon and/or weights.latency"));
        }
    }

    public static void Check(AcceleratorProfileSpec spec, List<SpecError> errors)
    {
        if (spec.ExecutionProvider == ExecutionProvider.Cpu && spec.Cpu is null)
        {
            errors.Add(new SpecError("spec.cpu", "CPU profiles need cpu.vCpus and cpu.memoryGiB: they size each replica"));
        }

        if (spec.ExecutionProvider != ExecutionProvider.Cpu && spec.ResourceName is null)
        {
            errors.Add(new SpecError("spec.resourceName", "GPU profiles need resourceName (e.g. nvidia.com/gpu): it is what the pods request"));
        }

        if (spec.IdlePowerWatts is { } idle && idle > spec.BoardPowerWatts)
        {
            errors.Add(new SpecError("spec.idlePowerWatts", "idlePowerWatts must not exceed boardPowerWatts"));
        }
    }
}
