using System.Buffers.Binary;
using System.IO.Compression;

namespace InferenceOperator.Reports.Tests;

/// <summary>
/// Just enough PNG to check a screenshot is not blank: 8-bit RGB/RGBA, non-interlaced (what Chromium writes). CRCs are not checked.
/// <see cref="Encode"/> exists to test <see cref="Decode"/> with every row filter.
/// </summary>
internal static class Png
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>Width, height and RGBA pixels (4 bytes each, row-major).</summary>
    public static (int Width, int Height, byte[] Rgba) Decode(byte[] png)
    {
        if (png.Length < 8 || !png.AsSpan(0, 8).SequenceEqual(Signature))
        {
            throw new InvalidDataException("not a PNG");
        }

        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (var at = 8; at + 8 <= png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                var (depth, color, interlace) = (data[8], data[9], data[12]);
                channels = color switch { 2 => 3, 6 => 4, _ => throw new InvalidDataException("colour type " + color + " not supported") };
                if (depth != 8 || interlace != 0)
                {
                    throw new InvalidDataException("only 8-bit non-interlaced PNGs are supported");
                }
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }
            else if (type == "IEND")
            {
                break;
            }

            at += 12 + length;
        }

        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionMode.Decompress))
        {
            z.CopyTo(inflated);
        }

        var raw = inflated.ToArray();
        var stride = width * channels;
        var previous = new byte[stride];
        var current = new byte[stride];
        var rgba = new byte[width * height * 4];
        for (var y = 0; y < height; y++)
        {
            var row = y * (stride + 1);
            var filter = raw[row];
            for (var x = 0; x < stride; x++)
            {
                var a = x >= channels ? current[x - channels] : 0;
                var b = previous[x];
                var c = x >= channels ? previous[x - channels] : 0;
                var value = raw[row + 1 + x];
                current[x] = (byte)(filter switch
                {
                    0 => value,
                    1 => value + a,
                    2 => value + b,
                    3 => value + ((a + b) / 2),
                    4 => value + Paeth(a, b, c),
                    _ => throw new InvalidDataException("filter " + filter),
                });
            }

            for (var x = 0; x < width; x++)
            {
                var o = ((y * width) + x) * 4;
                rgba[o] = current[x * channels];
                rgba[o + 1] = current[(x * channels) + 1];
                rgba[o + 2] = current[(x * channels) + 2];
                rgba[o + 3] = channels == 4 ? current[(x * channels) + 3] : (byte)255;
            }

            (previous, current) = (current, previous);
        }

        return (width, height, rgba);
    }

    /// <summary>Standard deviation of luminance over all pixels: about 0 for a blank (single-colour) image.</summary>
    public static double LuminanceStdDev(byte[] rgba)
    {
        double sum = 0, sumSquares = 0;
        var n = rgba.Length / 4;
        for (var i = 0; i < rgba.Length; i += 4)
        {
            var l = (0.2126 * rgba[i]) + (0.7152 * rgba[i + 1]) + (0.0722 * rgba[i + 2]);
            sum += l;
            sumSquares += l * l;
        }

        var mean = sum / n;
        return Math.Sqrt(Math.Max(0, (sumSquares / n) - (mean * mean)));
    }

    /// <summary>An RGBA PNG whose row y uses filter y % 5 (CRCs written as zero).</summary>
    public static byte[] Encode(int width, int height, byte[] rgba)
    {
        var stride = width * 4;
        using var raw = new MemoryStream();
        var previous = new byte[stride];
        for (var y = 0; y < height; y++)
        {
            var filter = (byte)(y % 5);
            raw.WriteByte(filter);
            var row = rgba.AsSpan(y * stride, stride);
            for (var x = 0; x < stride; x++)
            {
                var a = x >= 4 ? row[x - 4] : 0;
                var b = previous[x];
                var c = x >= 4 ? previous[x - 4] : 0;
                raw.WriteByte((byte)(row[x] - filter switch { 0 => 0, 1 => a, 2 => b, 3 => (a + b) / 2, _ => Paeth(a, b, c) }));
            }

            row.CopyTo(previous);
        }

        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(raw.ToArray());
        }

        using var png = new MemoryStream();
        png.Write(Signature);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = 6;
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(MemoryStream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        png.Write(System.Text.Encoding.ASCII.GetBytes(type));
        png.Write(data);
        png.Write(stackalloc byte[4]);
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var (pa, pb, pc) = (Math.Abs(p - a), Math.Abs(p - b), Math.Abs(p - c));
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
