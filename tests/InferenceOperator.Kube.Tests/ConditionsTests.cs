using k8s.Models;
using Xunit;

namespace InferenceOperator.Kube.Tests;

public sealed class ConditionsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, 500, TimeSpan.Zero);

    [Fact]
    public void Should_AddConditionWithWholeSecondTransitionTime_When_Absent()
    {
        var conditions = new List<V1Condition>();

        var changed = Conditions.Set(conditions, "Ready", Conditions.False, "Pending", "waiting", 3, T0);

        Assert.True(changed);
        var ready = Assert.Single(conditions);
        Assert.Equal(new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc), ready.LastTransitionTime);
        Assert.Equal(3, ready.ObservedGeneration);
    }

    [Fact]
    public void Should_KeepTransitionTime_When_OnlyReasonOrGenerationChanges()
    {
        var conditions = new List<V1Condition>();
        Conditions.Set(conditions, "Ready", Conditions.False, "Pending", "waiting", 1, T0);

        var changed = Conditions.Set(conditions, "Ready", Conditions.False, "StillPending", "still waiting", 2, T0.AddMinutes(5));
        var unchanged = Conditions.Set(conditions, "Ready", Conditions.False, "StillPending", "still waiting", 2, T0.AddMinutes(6));

        Assert.True(changed);
        Assert.False(unchanged);
        Assert.Equal(new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc), conditions[0].LastTransitionTime);
        Assert.Equal("StillPending", conditions[0].Reason);
        Assert.Equal(2, conditions[0].ObservedGeneration);
    }

    [Fact]
    public void Should_MoveTransitionTime_When_StatusChanges()
    {
        var conditions = new List<V1Condition>();
        Conditions.Set(conditions, "Ready", Conditions.False, "Pending", "waiting", 1, T0);

        Conditions.Set(conditions, "Ready", Conditions.True, "Available", "serving", 1, T0.AddMinutes(5));

        Assert.True(Conditions.IsTrue(conditions, "Ready"));
        Assert.Equal(new DateTime(2026, 1, 1, 12, 5, 0, DateTimeKind.Utc), conditions[0].LastTransitionTime);
        Assert.True(Conditions.Remove(conditions, "Ready"));
        Assert.Null(Conditions.Find(conditions, "Ready"));
    }
}
