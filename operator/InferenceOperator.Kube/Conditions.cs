using k8s.Models;

namespace InferenceOperator.Kube;

/// <summary>Helpers for metav1.Condition-shaped conditions.</summary>
public static class Conditions
{
    public const string True = "True";

    public const string False = "False";

    public const string Unknown = "Unknown";

    public static V1Condition? Find(IEnumerable<V1Condition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => c.Type == type);

    public static bool IsTrue(IEnumerable<V1Condition>? conditions, string type) => Find(conditions, type)?.Status == True;

    /// <summary>
    /// Sets a condition. lastTransitionTime changes only when the status changes (whole seconds, as the API stores it);
    /// reason, message and observedGeneration are updated in place. Returns true when anything changed.
    /// </summary>
    public static bool Set(IList<V1Condition> conditions, string type, string status, string reason, string message, long? observedGeneration, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        var existing = Find(conditions, type);
        var transition = new DateTime(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        if (existing is null)
        {
            conditions.Add(new V1Condition
            {
                Type = type,
                Status = status,
                Reason = reason,
                Message = message,
                ObservedGeneration = observedGeneration,
                LastTransitionTime = transition,
            });
            return true;
        }

        var changed = false;
        if (existing.Status != status)
        {
            existing.Status = status;
            existing.LastTransitionTime = transition;
            changed = true;
        }

        if (existing.Reason != reason)
        {
            existing.Reason = reason;
            changed = true;
        }

        if (existing.Message != message)
        {
            existing.Message = message;
            changed = true;
        }

        if (existing.ObservedGeneration != observedGeneration)
        {
            existing.ObservedGeneration = observedGeneration;
            changed = true;
        }

        return changed;
    }

    /// <summary>Removes a condition; true when one was there.</summary>
    public static bool Remove(IList<V1Condition> conditions, string type)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        var existing = Find(conditions, type);
        return existing is not null && conditions.Remove(existing);
    }
}
