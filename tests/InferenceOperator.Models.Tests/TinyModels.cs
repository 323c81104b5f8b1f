using System.Runtime.InteropServices;
using Google.Protobuf;
using InferenceOperator.Models.Onnx;

namespace InferenceOperator.Models.Tests;

/// <summary>Small hand-built ONNX models for edge cases the real models do not exercise.</summary>
internal static class TinyModels
{
    /// <summary>y[batch, 3] = x[batch, 4] · W[4, 3] (+ Relu), opset <paramref name="opset"/>.</summary>
    public static ModelProto MatMul(long opset = 13, bool externalWeight = false)
    {
        var model = Model(opset);
        var graph = model.Graph;
        graph.Input.Add(Value("x", TensorProto.Types.DataType.Float, "batch", 4));
        graph.Output.Add(Value("y", TensorProto.Types.DataType.Float, "batch", 3));
        var weight = new TensorProto { Name = "W", DataType = (int)TensorProto.Types.DataType.Float };
        weight.Dims.AddRange([4, 3]);
        if (externalWeight)
        {
            weight.DataLocation = TensorProto.Types.DataLocation.External;
            weight.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
        }
        else
        {
            float[] values = [0.5f, -0.25f, 1f, 0.75f, 0.1f, -0.6f, -1f, 0.3f, 0.2f, 0.05f, 0.9f, -0.4f];
            weight.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        }

        graph.Initializer.Add(weight);
        graph.Node.Add(Node("MatMul", ["x", "W"], ["h"]));
        graph.Node.Add(Node("Relu", ["h"], ["y"]));
        return model;
    }

    /// <summary>y = Relu(x + 1): nothing to quantize.</summary>
    public static ModelProto AddOnly()
    {
        var model = Model(13);
        model.Graph.Input.Add(Value("x", TensorProto.Types.DataType.Float, "batch", 4));
        model.Graph.Output.Add(Value("y", TensorProto.Types.DataType.Float, "batch", 4));
        var one = new TensorProto { Name = "one", DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(BitConverter.GetBytes(1f)) };
        model.Graph.Initializer.Add(one);
        model.Graph.Node.Add(Node("Add", ["x", "one"], ["h"]));
        model.Graph.Node.Add(Node("Relu", ["h"], ["y"]));
        return model;
    }

    /// <summary>A fixed batch-1 model that reshapes to the constant shape [1, 4]: batch 1 is baked in.</summary>
    public static ModelProto ReshapeBakesBatch()
    {
        var model = Model(13);
        model.Graph.Input.Add(Value("x", TensorProto.Types.DataType.Float, null, 2, 2));
        model.Graph.Output.Add(Value("y", TensorProto.Types.DataType.Float, null, 4));
        var shape = new TensorProto { Name = "shape", DataType = (int)TensorProto.Types.DataType.Int64, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(new long[] { 1, 4 }.AsSpan())) };
        shape.Dims.Add(2);
        model.Graph.Initializer.Add(shape);
        model.Graph.Node.Add(Node("Reshape", ["x", "shape"], ["y"]));
        model.Graph.Input[0].Type.TensorType.Shape.Dim.Insert(0, new TensorShapeProto.Types.Dimension { DimValue = 1 });
        return model;
    }

    public static void Save(ModelProto model, string path) => File.WriteAllBytes(path, model.ToByteArray());

    private static ModelProto Model(long opset)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "tests", Graph = new GraphProto { Name = "tiny" } };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs)
    {
        var node = new NodeProto { OpType = op, Name = op + "_" + outputs[0] };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        return node;
    }

    private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, string? batch, params long[] dims)
    {
        var shape = new TensorShapeProto();
        if (batch is not null)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batch });
        }

        shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }
}
