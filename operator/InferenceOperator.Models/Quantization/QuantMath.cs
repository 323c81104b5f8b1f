namespace InferenceOperator.Models.Quantization;

/// <summary>Scale, zero point and rounding for linear quantization.</summary>
internal static class QuantMath
{
    /// <summary>Symmetric per-column quantization of a [K, N] row-major matrix: q = round(w / s) + zeroPoint.</summary>
    public static (byte[] Quantized, float[] Scales) SymmetricPerColumn(float[] weights, int k, int n, int maxLevel, int zeroPoint)
    {
        var scales = new float[n];
        for (var row = 0; row < k; row++)
        {
            var offset = row * n;
            for (var col = 0; col < n; col++)
            {
                scales[col] = Math.Max(scales[col], Math.Abs(weights[offset + col]));
            }
        }

        for (var col = 0; col < n; col++)
        {
            scales[col] = scales[col] > 0 ? scales[col] / maxLevel : 1f;
        }

        var quantized = new byte[weights.Length];
        for (var row = 0; row < k; row++)
        {
            var offset = row * n;
            for (var col = 0; col < n; col++)
            {
                var q = (int)MathF.Round(weights[offset + col] / scales[col], MidpointRounding.ToEven);
                quantized[offset + col] = unchecked((byte)(Math.Clamp(q, -maxLevel, maxLevel) + zeroPoint));
            }
        }

        return (quantized, scales);
    }

    /// <summary>Asymmetric uint8 quantization per column of a [rows, columns] table (range always includes zero).</summary>
    public static (byte[] Quantized, float[] Scales, byte[] ZeroPoints) AsymmetricPerColumn(float[] table, int rows, int columns)
    {
        var min = new float[columns];
        var max = new float[columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                var v = table[(r * columns) + c];
                min[c] = Math.Min(min[c], v);
                max[c] = Math.Max(max[c], v);
            }
        }

        var scales = new float[columns];
        var zeroPoints = new byte[columns];
        for (var c = 0; c < columns; c++)
        {
            scales[c] = max[c] > min[c] ? (max[c] - min[c]) / 255f : 1f;
            zeroPoints[c] = (byte)Math.Clamp((int)MathF.Round(-min[c] / scales[c]), 0, 255);
        }

        var quantized = new byte[table.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                var q = (int)MathF.Round(table[(r * columns) + c] / scales[c]) + zeroPoints[c];
                quantized[(r * columns) + c] = (byte)Math.Clamp(q, 0, 255);
            }
        }

        return (quantized, scales, zeroPoints);
    }

    /// <summary>
    /// Asymmetric 4-bit quantization of consecutive blocks of <paramref name="blockSize"/> values in <paramref name="values"/>
    /// (one row, padded with zeros to whole blocks). Writes packed codes (low nibble first), one scale and one zero point per block.
    /// </summary>
    public static void Blockwise4Bit(ReadOnlySpan<float> values, int blockSize, Span<byte> packed, Span<float> scales, Span<byte> zeroPoints)
    {
        var blocks = scales.Length;
        for (var b = 0; b < blocks; b++)
        {
            var start = b * blockSize;
            var end = Math.Min(start + blockSize, values.Length);
            float min = 0, max = 0;
            for (var i = start; i < end; i++)
            {
                min = Math.Min(min, values[i]);
                max = Math.Max(max, values[i]);
            }

            var scale = max > min ? (max - min) / 15f : 1f;
            var zeroPoint = (byte)Math.Clamp((int)MathF.Round(-min / scale), 0, 15);
            scales[b] = scale;
            zeroPoints[b] = zeroPoint;
            for (var i = 0; i < blockSize; i++)
            {
                var index = start + i;
                var q = index < end ? Math.Clamp((int)MathF.Round(values[index] / scale) + zeroPoint, 0, 15) : zeroPoint;
                var at = (start + i) / 2;
                packed[at] = (i & 1) == 0 ? (byte)q : (byte)(packed[at] | (q << 4));
            }
        }
    }

    /// <summary>Packs 4-bit values two per byte, low nibble first, padding an odd count with zero.</summary>
    public static byte[] PackNibbles(ReadOnlySpan<byte> values)
    {
        var packed = new byte[(values.Length + 1) / 2];
        for (var i = 0; i < values.Length; i++)
        {
            packed[i / 2] |= (byte)((values[i] & 0xF) << ((i & 1) * 4));
        }

        return packed;
    }
}
