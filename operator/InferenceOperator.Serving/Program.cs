using InferenceOperator.Serving.Hosting;
using Microsoft.Extensions.Options;

// inference-server: serves one ONNX model over the Open Inference Protocol (REST + gRPC) with dynamic batching.
// Configuration: --config file.json, INFERENCE_* environment variables, --Key=value or --model/--http-port/... arguments.
WebApplication app;
try
{
    app = ServingHost.Build(args);                         // configuration + validated options, Kestrel on two ports
}
catch (OptionsValidationException ex)
{
    await Console.Error.WriteLineAsync("inference-server: invalid configuration:");
    foreach (var failure in ex.Failures)
    {
        await Console.Error.WriteLineAsync("  - " + failure);
    }

    return 2;
}

await app.RunAsync();                                       // loads + warms the model; SIGTERM drains, then exits
return 0;
