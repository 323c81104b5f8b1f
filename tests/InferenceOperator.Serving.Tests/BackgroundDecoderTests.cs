using InferenceOperator.Serving.Engine;
using InferenceOperator.Serving.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace InferenceOperator.Serving.Tests;

public sealed class BackgroundDecoderTests
{
    private static BackgroundDecoder Decoder(int threads = 2, int nice = 19, long minBodyBytes = 1024) =>
        new(Options.Create(new ServingOptions { BackgroundDecode = new() { Threads = threads, Nice = nice, MinBodyBytes = minBodyBytes } }), NullLogger<BackgroundDecoder>.Instance);

    [Fact]
    public async Task Should_ReturnTheDecodedValue_And_RethrowTheDecodersError()
    {
        using var decoder = Decoder();

        Assert.Equal(42, await decoder.DecodeAsync(() => 6 * 7));
        var error = await Assert.ThrowsAsync<InferenceException>(() => decoder.DecodeAsync<int>(() => throw InferenceException.BadRequest("field 'data' is bad")));
        Assert.Equal(400, error.HttpStatus);
    }

    [Theory]
    [InlineData(true, 1023, false)]
    [InlineData(true, 1024, true)]
    [InlineData(false, 1 << 20, false)]
    public void Should_TakeOnlyBodiesFromTheConfiguredSize_When_Enabled(bool enabled, long bytes, bool expected)
    {
        using var decoder = new BackgroundDecoder(
            Options.Create(new ServingOptions { BackgroundDecode = new() { Enabled = enabled, MinBodyBytes = 1024, Threads = 1 } }), NullLogger<BackgroundDecoder>.Instance);

        Assert.Equal(expected, decoder.Handles(bytes));
    }

    [SkippableFact]
    public async Task Should_DecodeBelowInferencePriority_And_ContinueAtTheCallersPriority()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "thread nice values are Linux-only");
        var callers = CurrentNice();
        using var decoder = Decoder(nice: 19);

        var decoding = await decoder.DecodeAsync(CurrentNice);
        var continuing = CurrentNice();

        Assert.Equal(19, decoding);
        Assert.Equal(callers, continuing);
    }

    [Fact]
    public async Task Should_FinishEveryAcceptedDecode_When_Disposed()
    {
        var decoder = Decoder(threads: 1);
        using var gate = new ManualResetEventSlim();
        var slow = decoder.DecodeAsync(() => gate.Wait(TimeSpan.FromSeconds(30)) ? 1 : -1);
        var queued = Enumerable.Range(2, 5).Select(i => decoder.DecodeAsync(() => i)).ToArray();

        var disposing = Task.Run(decoder.Dispose);
        gate.Set();
        await disposing;

        int[] results = [await slow, .. await Task.WhenAll(queued)];
        Assert.Equal([1, 2, 3, 4, 5, 6], results);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => decoder.DecodeAsync(() => 0));
    }

    /// <summary>The calling thread's nice value from /proc (field 19 of its stat line).</summary>
    private static int CurrentNice()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        // The command name (field 2) is parenthesised and may hold spaces: count fields after its closing ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[19 - 3], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture);
    }
}
