namespace InferenceOperator.Cli.Local;

/// <summary>Sentences the demo embeds: two topics, so the similarity matrix shows structure a person can check.</summary>
internal static class DemoText
{
    public static IReadOnlyList<string> Sentences { get; } =
    [
        "The operator picked int8 on a CPU because it met the latency target for a fraction of the price.",
        "Quantizing the model to eight bits cut the serving cost without hurting the answers.",
        "A cheaper precision kept the embeddings almost identical to the full-precision model.",
        "The cat slept all afternoon in a patch of warm sunlight.",
        "My dog loves to chase the ball across the park.",
    ];
}
