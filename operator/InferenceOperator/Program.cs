using InferenceOperator;
using InferenceOperator.Hosting;
using Microsoft.Extensions.Options;

// The InferenceService operator: options → Kubernetes client → informers + controller (+ leader election) → health and metrics.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddInferenceOperator(builder.Configuration);

var ports = builder.Configuration.GetSection(OperatorOptions.Section).Get<OperatorOptions>() ?? new OperatorOptions();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.ListenAnyIP(ports.MetricsPort);
    kestrel.ListenAnyIP(ports.HealthPort);
});

var app = builder.Build();
app.MapOperatorEndpoints(app.Services.GetRequiredService<IOptions<OperatorOptions>>().Value);
await app.RunAsync();
