using System.Buffers;
using System.Runtime.InteropServices;
using InferenceOperator.Serving.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace InferenceOperator.Serving.Tests;

public sealed class LargeBlockMemoryPoolTests
{
    [Fact]
    public void Should_HandBackTheSameBlock_When_AReturnedBlockIsRentedAgain()
    {
        using var pool = new LargeBlockMemoryPool();
        var first = pool.Rent();
        var array = ArrayOf(first);
        first.Dispose();
        first.Dispose(); // a second dispose must not return the block twice

        using var second = pool.Rent(1024);
        using var third = pool.Rent();

        Assert.Same(array, ArrayOf(second));
        Assert.NotSame(array, ArrayOf(third));
        Assert.Equal(LargeBlockMemoryPool.BlockSize, second.Memory.Length);
    }

    [Fact]
    public void Should_KeepAtMostTheRetainedBlocksIdle_When_ManyAreReturned()
    {
        using var pool = new LargeBlockMemoryPool();
        var blocks = Enumerable.Range(0, LargeBlockMemoryPool.RetainedBlocks + 40).Select(_ => pool.Rent()).ToList();
        Parallel.ForEach(blocks, block => block.Dispose());

        Assert.Equal(LargeBlockMemoryPool.RetainedBlocks, pool.IdleBlocks);
    }

    [Fact]
    public void Should_GiveAnUnpooledArrayOfTheAskedSize_When_MoreThanABlockIsAsked()
    {
        using var pool = new LargeBlockMemoryPool();
        using (var large = pool.Rent(LargeBlockMemoryPool.BlockSize + 1))
        {
            Assert.Equal(LargeBlockMemoryPool.BlockSize + 1, large.Memory.Length);
        }

        Assert.Equal(0, pool.IdleBlocks);
    }

    [Fact]
    public async Task Should_ReceiveRequestBodiesInLargeBlocks_When_TheServerRuns()
    {
        await using var server = await TestServer.StartAsync(TestServer.MiniLmPath);
        var factory = Assert.IsType<LargeBlockMemoryPoolFactory>(server.Services.GetRequiredService<IMemoryPoolFactory<byte>>());

        // 300 KB of valid JSON (padding whitespace) that Kestrel must receive before the 400 for the missing input.
        var padded = "{\"inputs\":[]" + new string(' ', 300_000) + "}";
        var (status, _, _) = await server.PostJsonAsync("v2/models/m/infer", padded);

        Assert.Equal(400, status);
        Assert.Contains(factory.Created, pool => pool.IdleBlocks > 0);
    }

    private static byte[] ArrayOf(IMemoryOwner<byte> owner) =>
        MemoryMarshal.TryGetArray<byte>(owner.Memory, out var segment) ? segment.Array! : throw new InvalidOperationException("not array-backed");
}
