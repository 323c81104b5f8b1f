using System.Security.Cryptography;
using System.Text;

namespace InferenceOperator.Serving.Engine;

/// <summary>
/// Least-recently-used response cache bounded by bytes, with an optional time to live.
/// Key: SHA-256 over model name, version, every input (name, datatype, shape, data) and the requested output names.
/// </summary>
internal sealed class ResponseCache(long maxBytes, TimeSpan? ttl, TimeProvider time)
{
    private readonly Lock gate = new();
    private readonly Dictionary<UInt128x2, LinkedListNode<Entry>> entries = [];
    private readonly LinkedList<Entry> recency = new();
    private long bytes;

    public long Bytes
    {
        get
        {
            lock (gate)
            {
                return bytes;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return entries.Count;
            }
        }
    }

    public static UInt128x2 Key(string model, string version, IReadOnlyList<InferTensor> inputs, IReadOnlyList<string> outputs)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var number = new byte[8];
        void AppendString(string text)
        {
            var utf8 = Encoding.UTF8.GetBytes(text);
            AppendLong(utf8.Length);
            hash.AppendData(utf8);
        }

        void AppendLong(long value)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(number, value);
            hash.AppendData(number);
        }

        AppendString(model);
        AppendString(version);
        AppendLong(inputs.Count);
        foreach (var input in inputs)
        {
            AppendString(input.Name);
            AppendLong((long)input.DataType);
            AppendLong(input.Shape.Length);
            foreach (var dim in input.Shape)
            {
                AppendLong(dim);
            }

            if (input.Strings is { } strings)
            {
                foreach (var element in strings)
                {
                    AppendLong(element.Length);
                    hash.AppendData(element);
                }
            }
            else
            {
                AppendLong(input.Data.Length);
                hash.AppendData(input.Data);
            }
        }

        AppendLong(outputs.Count);
        foreach (var output in outputs)
        {
            AppendString(output);
        }

        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return new UInt128x2(
            System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(digest),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(digest[16..]));
    }

    public bool TryGet(UInt128x2 key, out InferTensor[] outputs)
    {
        lock (gate)
        {
            if (entries.TryGetValue(key, out var node))
            {
                if (node.Value.ExpiresAt is { } expires && time.GetUtcNow() >= expires)
                {
                    Remove(node);
                }
                else
                {
                    recency.Remove(node);
                    recency.AddFirst(node);
                    outputs = node.Value.Outputs;
                    return true;
                }
            }
        }

        outputs = [];
        return false;
    }

    public void Add(UInt128x2 key, InferTensor[] outputs)
    {
        var size = outputs.Sum(o => o.SizeInBytes) + 128;
        if (size > maxBytes)
        {
            return;
        }

        lock (gate)
        {
            if (entries.TryGetValue(key, out var existing))
            {
                Remove(existing);
            }

            while (bytes + size > maxBytes && recency.Last is { } oldest)
            {
                Remove(oldest);
            }

            var node = recency.AddFirst(new Entry(key, outputs, size, ttl is { } t ? time.GetUtcNow() + t : null));
            entries[key] = node;
            bytes += size;
        }
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        recency.Remove(node);
        entries.Remove(node.Value.Key);
        bytes -= node.Value.Size;
    }

    private sealed record Entry(UInt128x2 Key, InferTensor[] Outputs, long Size, DateTimeOffset? ExpiresAt);
}

/// <summary>A 256-bit digest used as a dictionary key.</summary>
internal readonly record struct UInt128x2(UInt128 Low, UInt128 High);
