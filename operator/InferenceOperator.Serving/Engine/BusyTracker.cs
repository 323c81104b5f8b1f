namespace InferenceOperator.Serving.Engine;

/// <summary>
/// Accumulates the time the engine spends executing, and turns it into a busy ratio over a sliding window and an
/// energy estimate from the configured linear power model.
/// </summary>
internal sealed class BusyTracker(TimeProvider time, double idleWatts, double busyWatts)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(30);
    private readonly Lock gate = new();
    private readonly Queue<(long At, double Busy)> samples = new();
    private readonly long started = time.GetTimestamp();
    private double busySeconds;
    private long runningSince = -1;
    private long lastEnergyAt = -1;
    private double lastEnergyBusy;

    public void Begin()
    {
        lock (gate)
        {
            runningSince = time.GetTimestamp();
        }
    }

    public void End()
    {
        lock (gate)
        {
            if (runningSince >= 0)
            {
                busySeconds += time.GetElapsedTime(runningSince).TotalSeconds;
                runningSince = -1;
            }
        }
    }

    /// <summary>
    /// Busy ratio since the newest earlier sample that is at least 30 s old (since start until there is one), so a
    /// scrape interval longer than 30 s still gets the ratio of its own interval; and the joules since the previous call.
    /// </summary>
    public (double Ratio, double Joules) Sample()
    {
        lock (gate)
        {
            var now = time.GetTimestamp();
            var busy = busySeconds + (runningSince >= 0 ? time.GetElapsedTime(runningSince, now).TotalSeconds : 0);
            samples.Enqueue((now, busy));
            while (samples.Count > 2 && time.GetElapsedTime(samples.ElementAt(1).At, now) >= Window)
            {
                samples.Dequeue();
            }

            var (fromAt, fromBusy) = samples.Count > 1 ? samples.Peek() : (started, 0.0);
            var wall = time.GetElapsedTime(fromAt, now).TotalSeconds;
            var ratio = wall > 0 ? Math.Clamp((busy - fromBusy) / wall, 0, 1) : 0;

            var sinceAt = lastEnergyAt >= 0 ? lastEnergyAt : started;
            var wallDelta = time.GetElapsedTime(sinceAt, now).TotalSeconds;
            var busyDelta = Math.Min(busy - lastEnergyBusy, wallDelta);
            var joules = (idleWatts * (wallDelta - busyDelta)) + (busyWatts * busyDelta);
            lastEnergyAt = now;
            lastEnergyBusy = busy;
            return (ratio, Math.Max(0, joules));
        }
    }
}
