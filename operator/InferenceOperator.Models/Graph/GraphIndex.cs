using InferenceOperator.Models.Onnx;

namespace InferenceOperator.Models.Graph;

/// <summary>Lookups over a graph: initializers by name, producers and consumers of each value.</summary>
internal sealed class GraphIndex
{
    private readonly Dictionary<string, List<NodeProto>> consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NodeProto> producers = new(StringComparer.Ordinal);

    public GraphIndex(GraphProto graph)
    {
        Graph = graph;
        Initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        GraphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var input in node.Input.Where(i => i.Length > 0))
            {
                if (!consumers.TryGetValue(input, out var list))
                {
                    consumers[input] = list = [];
                }

                list.Add(node);
            }

            foreach (var output in node.Output.Where(o => o.Length > 0))
            {
                producers[output] = node;
            }
        }
    }

    public GraphProto Graph { get; }

    public Dictionary<string, TensorProto> Initializers { get; }

    public HashSet<string> GraphOutputs { get; }

    public IReadOnlyList<NodeProto> ConsumersOf(string value) =>
        consumers.TryGetValue(value, out var list) ? list : [];

    public NodeProto? ProducerOf(string value) => producers.GetValueOrDefault(value);

    /// <summary>A constant tensor feeding <paramref name="value"/>: an initializer or a Constant node's value.</summary>
    public TensorProto? ConstantOf(string value)
    {
        if (Initializers.TryGetValue(value, out var tensor))
        {
            return tensor;
        }

        var producer = ProducerOf(value);
        return producer is { OpType: "Constant" }
            ? producer.Attribute.FirstOrDefault(a => a.Name == "value")?.T
            : null;
    }

    /// <summary>A name not yet used by any value or initializer in the graph.</summary>
    public string UniqueName(string stem)
    {
        var name = stem;
        for (var i = 1; producers.ContainsKey(name) || Initializers.ContainsKey(name) || consumers.ContainsKey(name); i++)
        {
            name = stem + "_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        producers[name] = null!;
        return name;
    }
}
