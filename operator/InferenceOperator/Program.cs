using InferenceOperator.Hosting;

// The InferenceService operator. Configuration: section "Operator" (env Operator__*), the cluster from the current
// kubeconfig or the in-cluster service account. Contents:
//   options (validated on start) → Kubernetes client → informers → controller + reconciler → leader election (if enabled)
//   → Kestrel: /metrics on Operator:MetricsPort, /healthz and /readyz on Operator:HealthPort.
await OperatorHost.Build(args).RunAsync();
