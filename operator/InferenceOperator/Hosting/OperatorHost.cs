using Microsoft.Extensions.Options;

namespace InferenceOperator.Hosting;

/// <summary>Builds the operator's web host: the operator services plus Kestrel on the metrics and health ports.</summary>
internal static class OperatorHost
{
    public static WebApplication Build(string[] args)
    {
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
        return app;
    }
}
