namespace InferenceOperator.IntegrationTests;

/// <summary>Bounded polling for conditions that become true asynchronously (no fixed sleeps).</summary>
internal static class Await
{
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}");
            }

            await Task.Delay(20);
        }
    }
}
