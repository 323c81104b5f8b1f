using InferenceOperator.Api;
using k8s.Models;

namespace InferenceOperator.Desired;

/// <summary>The Service in front of the serving pods (REST on http, gRPC on grpc) and, with more than one replica, its PodDisruptionBudget.</summary>
internal static class ServingService
{
    public static V1Service Build(InferenceService service, PlanStatus plan, OperatorOptions options) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = Owner.Metadata(service, Names.Workload(service), ServingLabels.For(service, plan)),
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            Selector = ServingLabels.Selector(service),
            Ports =
            [
                new V1ServicePort { Name = "http", Port = options.HttpPort, TargetPort = "http", Protocol = "TCP", AppProtocol = "http" },
                new V1ServicePort { Name = "grpc", Port = options.GrpcPort, TargetPort = "grpc", Protocol = "TCP", AppProtocol = "grpc" },
            ],
        },
    };

    /// <summary>At most one serving pod voluntarily down at a time; none when a single replica could never be drained.</summary>
    public static V1PodDisruptionBudget? DisruptionBudget(InferenceService service, PlanStatus plan, int minimumReplicas) =>
        minimumReplicas <= 1
            ? null
            : new V1PodDisruptionBudget
            {
                ApiVersion = "policy/v1",
                Kind = "PodDisruptionBudget",
                Metadata = Owner.Metadata(service, Names.Workload(service), ServingLabels.For(service, plan)),
                Spec = new V1PodDisruptionBudgetSpec
                {
                    MaxUnavailable = 1,
                    Selector = new V1LabelSelector { MatchLabels = ServingLabels.Selector(service) },
                },
            };
}
