using k8s;
using k8s.Models;

namespace InferenceOperator.Kube;

/// <summary>
/// Level-triggered reconcile of one object, identified by key: read the current state from the informer cache,
/// never trust an event copy. Must be idempotent.
/// </summary>
public interface IReconciler<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken);
}
