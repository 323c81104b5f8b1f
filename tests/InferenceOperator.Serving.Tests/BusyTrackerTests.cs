using InferenceOperator.Serving.Engine;
using Microsoft.Extensions.Time.Testing;

namespace InferenceOperator.Serving.Tests;

/// <summary>inference_busy_ratio and inference_energy_joules_total come from here: busy time, and the linear power model over it.</summary>
public sealed class BusyTrackerTests
{
    private const double IdleWatts = 10, BusyWatts = 100;

    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>A tracker that has run the model for 3 s and then idled for 1 s.</summary>
    private BusyTracker BusyThreeSecondsThenIdleOne()
    {
        var tracker = new BusyTracker(time, IdleWatts, BusyWatts);
        tracker.Begin();
        time.Advance(TimeSpan.FromSeconds(3));
        tracker.End();
        time.Advance(TimeSpan.FromSeconds(1));
        return tracker;
    }

    [Fact]
    public void Should_ChargeBusyWattsForRunsAndIdleWattsForTheRest()
    {
        var tracker = BusyThreeSecondsThenIdleOne();

        var (ratio, joules) = tracker.Sample();

        Assert.Equal(0.75, ratio, 9);
        Assert.Equal((3 * BusyWatts) + (1 * IdleWatts), joules, 6);
    }

    [Fact]
    public void Should_CountOnlyTheTimeSinceThePreviousSample_When_SampledAgain()
    {
        var tracker = new BusyTracker(time, IdleWatts, BusyWatts);
        tracker.Begin();
        time.Advance(TimeSpan.FromSeconds(2));
        tracker.End();
        tracker.Sample();
        time.Advance(TimeSpan.FromSeconds(5));

        var (_, joules) = tracker.Sample();

        Assert.Equal(5 * IdleWatts, joules, 6);
    }

    [Fact]
    public void Should_CountARunStillGoing_When_Sampled()
    {
        var tracker = new BusyTracker(time, IdleWatts, BusyWatts);
        time.Advance(TimeSpan.FromSeconds(6));
        tracker.Begin();
        time.Advance(TimeSpan.FromSeconds(2));

        var (ratio, joules) = tracker.Sample();
        time.Advance(TimeSpan.FromSeconds(2));
        tracker.End();
        var (_, rest) = tracker.Sample();

        Assert.Equal(0.25, ratio, 9);
        Assert.Equal((6 * IdleWatts) + (2 * BusyWatts), joules, 6);
        Assert.Equal(2 * BusyWatts, rest, 6); // the run's remaining two seconds, counted once
    }

    [Fact]
    public void Should_GiveTheRatioOfTheLastInterval_When_ScrapesAreFurtherApartThanTheWindow()
    {
        var tracker = BusyThreeSecondsThenIdleOne();
        tracker.Sample();

        time.Advance(TimeSpan.FromSeconds(40)); // idle for a whole scrape interval longer than the 30 s window
        var (idle, _) = tracker.Sample();
        tracker.Begin();
        time.Advance(TimeSpan.FromSeconds(10));
        var (busy, _) = tracker.Sample();

        Assert.Equal(0.0, idle, 9);
        Assert.Equal(10.0 / 50.0, busy, 9); // since the sample 50 s ago, the newest one at least 30 s old
    }
}
