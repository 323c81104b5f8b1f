using InferenceOperator.Cli.Commands.Model;
using Spectre.Console.Cli;

namespace InferenceOperator.Cli.Commands;

/// <summary>Registers `inferctl model inspect|quantize|profile|fetch`.</summary>
internal static class ModelBranch
{
    public static void Add(IConfigurator config) => config.AddBranch("model", model =>
    {
        model.SetDescription("Analyse, quantize, profile and fetch ONNX models.");
        model.AddCommand<InspectCommand>("inspect").WithDescription("Inputs, outputs, opset, parameters, FLOPs, weight bytes, ops.");
        model.AddCommand<QuantizeCommand>("quantize").WithDescription("Write an fp16, int8 or int4 copy of a model.");
        model.AddCommand<ProfileCommand>("profile").WithDescription("Measure quality against fp32 and CPU speed per precision.");
        model.AddCommand<FetchCommand>("fetch").WithDescription("Download or copy a model, verify it and convert it to a precision.");
    });
}
