using System.Text;

namespace InferenceOperator.Serving.Tests;

/// <summary>
/// Writes small ONNX models with a hand-written protobuf encoder, so tests can cover every datatype, fixed and
/// dynamic batch dimensions, and string inputs in milliseconds.
/// </summary>
internal static class TinyOnnx
{
    // onnx.TensorProto.DataType
    public const int Float = 1, UInt8 = 2, Int8 = 3, UInt16 = 4, Int16 = 5, Int32 = 6, Int64 = 7, String = 8, Bool = 9, Float16 = 10, Double = 11, UInt32 = 12, UInt64 = 13;

    /// <summary>The OIP datatype and ONNX element type of every type the protocol carries.</summary>
    public static readonly (string Datatype, int OnnxType)[] AllTypes =
    [
        ("BOOL", Bool), ("UINT8", UInt8), ("UINT16", UInt16), ("UINT32", UInt32), ("UINT64", UInt64),
        ("INT8", Int8), ("INT16", Int16), ("INT32", Int32), ("INT64", Int64),
        ("FP16", Float16), ("FP32", Float), ("FP64", Double), ("BYTES", String),
    ];

    public sealed record Value(string Name, int ElementType, params object[] Dims);

    /// <summary>A graph node; <paramref name="Axis"/>, when set, is its integer 'axis' attribute.</summary>
    public sealed record Node(string OpType, string[] Inputs, string[] Outputs, long? Axis = null);

    /// <summary>in_T [-1, 3] -> Identity -> out_T for every OIP datatype (batchable).</summary>
    public static string IdentityAllTypes(string directory)
    {
        var inputs = AllTypes.Select(t => new Value("in_" + t.Datatype, t.OnnxType, "batch", 3L)).ToArray();
        var outputs = AllTypes.Select(t => new Value("out_" + t.Datatype, t.OnnxType, "batch", 3L)).ToArray();
        var nodes = AllTypes.Select(t => new Node("Identity", ["in_" + t.Datatype], ["out_" + t.Datatype])).ToArray();
        return Save(directory, "identity-all.onnx", Model(inputs, outputs, nodes));
    }

    /// <summary>y = x + x for x FP32 [1, 4]: no batch dimension.</summary>
    public static string FixedDouble(string directory) =>
        Save(directory, "fixed-double.onnx", Model([new Value("x", Float, 1L, 4L)], [new Value("y", Float, 1L, 4L)], [new Node("Add", ["x", "x"], ["y"])]));

    /// <summary>y = x + x for x FP32 [batch, n]: batchable with a variable inner dimension.</summary>
    public static string DynamicDouble(string directory) =>
        Save(directory, "dynamic-double.onnx", Model([new Value("x", Float, "batch", "n")], [new Value("y", Float, "batch", "n")], [new Node("Add", ["x", "x"], ["y"])]));

    /// <summary>
    /// y[b, 0] = x[b, index[b, 0]] (GatherElements on axis 1) for x FP32 [batch, 4]: each row picks one of its own four
    /// values, so batching is row-wise, and an index outside 0..3 makes ONNX Runtime fail the run (INVALID_ARGUMENT).
    /// </summary>
    public static string PickOne(string directory) =>
        Save(directory, "pick-one.onnx", Model([new Value("x", Float, "batch", 4L), new Value("index", Int64, "batch", 1L)], [new Value("y", Float, "batch", 1L)],
            [new Node("GatherElements", ["x", "index"], ["y"], Axis: 1)]));

    /// <summary>As <see cref="PickOne"/> with x declared [batch, 0]: loads, but no run can succeed, the warm-up's included.</summary>
    public static string PickFromNothing(string directory) =>
        Save(directory, "pick-from-nothing.onnx", Model([new Value("x", Float, "batch", 0L), new Value("index", Int64, "batch", 1L)], [new Value("y", Float, "batch", 1L)],
            [new Node("GatherElements", ["x", "index"], ["y"], Axis: 1)]));

    private static string Save(string directory, string name, byte[] model)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name);
        File.WriteAllBytes(path, model);
        return path;
    }

    public static byte[] Model(Value[] inputs, Value[] outputs, Node[] nodes, int opset = 13)
    {
        var graph = new Proto();
        foreach (var node in nodes)
        {
            var n = new Proto();
            foreach (var input in node.Inputs)
            {
                n.String(1, input);
            }

            foreach (var output in node.Outputs)
            {
                n.String(2, output);
            }

            n.String(3, node.OpType + "_" + node.Outputs[0]);
            n.String(4, node.OpType);
            if (node.Axis is { } axis)
            {
                var attribute = new Proto();
                attribute.String(1, "axis");
                attribute.Varint(3, unchecked((ulong)axis)); // i
                attribute.Varint(20, 2); // type INT
                n.Message(5, attribute);
            }

            graph.Message(1, n);
        }

        graph.String(2, "tiny");
        foreach (var input in inputs)
        {
            graph.Message(11, ValueInfo(input));
        }

        foreach (var output in outputs)
        {
            graph.Message(12, ValueInfo(output));
        }

        var opsetId = new Proto();
        opsetId.String(1, "");
        opsetId.Varint(2, (ulong)opset);
        var model = new Proto();
        model.Varint(1, 7); // ir_version
        model.String(2, "InferenceOperator.Serving.Tests");
        model.Message(7, graph);
        model.Message(8, opsetId);
        return model.ToArray();
    }

    private static Proto ValueInfo(Value value)
    {
        var shape = new Proto();
        foreach (var dim in value.Dims)
        {
            var d = new Proto();
            if (dim is string symbol)
            {
                d.String(2, symbol);
            }
            else
            {
                d.Varint(1, (ulong)(long)dim);
            }

            shape.Message(1, d);
        }

        var tensor = new Proto();
        tensor.Varint(1, (ulong)value.ElementType);
        tensor.Message(2, shape);
        var type = new Proto();
        type.Message(1, tensor);
        var info = new Proto();
        info.String(1, value.Name);
        info.Message(2, type);
        return info;
    }

    /// <summary>Just enough of the protobuf wire format: varints and length-delimited fields.</summary>
    private sealed class Proto
    {
        private readonly MemoryStream stream = new();

        public void Varint(int field, ulong value)
        {
            WriteRaw(((ulong)field << 3) | 0);
            WriteRaw(value);
        }

        public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public void Message(int field, Proto message) => Bytes(field, message.ToArray());

        private void Bytes(int field, byte[] bytes)
        {
            WriteRaw(((ulong)field << 3) | 2);
            WriteRaw((ulong)bytes.Length);
            stream.Write(bytes);
        }

        private void WriteRaw(ulong value)
        {
            while (value >= 0x80)
            {
                stream.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }

            stream.WriteByte((byte)value);
        }

        public byte[] ToArray() => stream.ToArray();
    }
}
