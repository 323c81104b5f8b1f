using InferenceOperator.Models.Onnx;

namespace InferenceOperator.Models.Graph;

/// <summary>What a float initializer is used as, which decides how each precision stores it.</summary>
internal enum WeightRole
{
    Other,
    MatMulWeight,
    GemmWeight,
    ConvWeight,
    EmbeddingTable,
}

internal static class WeightRoles
{
    /// <summary>Gather tables smaller than this stay fp32: quantizing them saves little.</summary>
    public const long MinEmbeddingElements = 1 << 16;

    /// <summary>Classifies each FLOAT initializer by how every one of its consumers uses it.</summary>
    public static Dictionary<string, WeightRole> Classify(GraphIndex index)
    {
        var roles = new Dictionary<string, WeightRole>(StringComparer.Ordinal);
        foreach (var (name, tensor) in index.Initializers)
        {
            if (!TensorData.IsFloat(tensor))
            {
                continue;
            }

            var consumers = index.ConsumersOf(name);
            if (consumers.Count == 0 || index.GraphOutputs.Contains(name))
            {
                roles[name] = WeightRole.Other;
                continue;
            }

            WeightRole? role = null;
            foreach (var node in consumers)
            {
                var this_ = RoleIn(node, name, tensor);
                if (role is null || role == this_)
                {
                    role = this_;
                }
                else
                {
                    role = WeightRole.Other;
                    break;
                }
            }

            roles[name] = role ?? WeightRole.Other;
        }

        return roles;
    }

    private static WeightRole RoleIn(NodeProto node, string name, TensorProto tensor)
    {
        if (node.Domain is not ("" or "ai.onnx"))
        {
            return WeightRole.Other;
        }

        var asSecond = node.Input.Count > 1 && node.Input[1] == name && node.Input[0] != name;
        return node.OpType switch
        {
            "MatMul" when asSecond && tensor.Dims.Count == 2 => WeightRole.MatMulWeight,
            "Gemm" when asSecond && tensor.Dims.Count == 2 && Nodes.GetInt(node, "transA") is null or 0 => WeightRole.GemmWeight,
            "Conv" when asSecond && tensor.Dims.Count == 4 => WeightRole.ConvWeight,
            "Gather" when node.Input[0] == name && node.Input[1] != name && tensor.Dims.Count == 2
                && Nodes.GetInt(node, "axis") is null or 0 && TensorData.ElementCount(tensor) >= MinEmbeddingElements => WeightRole.EmbeddingTable,
            _ => WeightRole.Other,
        };
    }
}
