using InferenceOperator.Models.Graph;
using InferenceOperator.Models.Onnx;

namespace InferenceOperator.Models.Quantization;

/// <summary>
/// Rebuilds a graph's node list in order, letting a quantizer replace individual nodes with several, then drops
/// initializers nothing reads any more. Keeps the topological order the original graph had.
/// </summary>
internal sealed class GraphRewriter
{
    private readonly List<NodeProto> nodes = [];

    public GraphRewriter(ModelProto model)
    {
        Model = model;
        Index = new GraphIndex(model.Graph);
    }

    public ModelProto Model { get; }

    public GraphIndex Index { get; }

    public List<string> Quantized { get; } = [];

    public List<SkippedNode> Skipped { get; } = [];

    public void Emit(NodeProto node) => nodes.Add(node);

    public void AddInitializer(TensorProto tensor)
    {
        Model.Graph.Initializer.Add(tensor);
        Index.Initializers[tensor.Name] = tensor;
    }

    public string Name(string stem) => Index.UniqueName(stem);

    public void Skip(NodeProto node, string reason) => Skipped.Add(new SkippedNode(NodeLabel(node), node.OpType, reason));

    public static string NodeLabel(NodeProto node) => node.Name.Length > 0 ? node.Name : node.OpType + "->" + node.Output[0];

    /// <summary>Installs the rebuilt node list and removes unreferenced initializers (and their graph-input entries).</summary>
    public void Commit()
    {
        var graph = Model.Graph;
        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        var used = nodes.SelectMany(n => n.Input).Concat(graph.Output.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        var unused = graph.Initializer.Where(t => !used.Contains(t.Name)).ToList();
        foreach (var tensor in unused)
        {
            graph.Initializer.Remove(tensor);
        }

        var removed = unused.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var input in graph.Input.Where(i => removed.Contains(i.Name)).ToList())
        {
            graph.Input.Remove(input);
        }

        // Shapes and types recorded for the old graph may not hold any more; the runtime infers them again.
        graph.ValueInfo.Clear();
    }
}
