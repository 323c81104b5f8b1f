using InferenceOperator.Models;

namespace InferenceOperator.Cli.Commands.Model;

/// <summary>Parsing shared by the model commands.</summary>
internal static class ModelSettings
{
    public static ModelPrecision Precision(string value, string option) => value.ToLowerInvariant() switch
    {
        "fp32" => ModelPrecision.Fp32,
        "fp16" => ModelPrecision.Fp16,
        "int8" => ModelPrecision.Int8,
        "int4" => ModelPrecision.Int4,
        _ => throw new CliException($"{option} {value}: use fp32, fp16, int8 or int4"),
    };

    public static string Name(this ModelPrecision precision) => precision.ToString().ToLowerInvariant();

    public static string ExistingFile(string? path, string what)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new CliException($"{what}: no file given");
        }

        return File.Exists(path) ? path : throw new CliException($"{what} {path}: no such file");
    }
}
