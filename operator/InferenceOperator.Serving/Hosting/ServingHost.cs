using System.Collections.Frozen;
using System.Net;
using InferenceOperator.Serving.Engine;
using InferenceOperator.Serving.Protocol;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Prometheus;

namespace InferenceOperator.Serving.Hosting;

/// <summary>The ports Kestrel actually bound (port 0 in configuration picks a free one).</summary>
internal sealed class ServerEndpoints
{
    internal ListenOptions? Http { get; set; }

    internal ListenOptions? Grpc { get; set; }

    public int HttpPort => Http?.IPEndPoint?.Port ?? 0;

    public int GrpcPort => Grpc?.IPEndPoint?.Port ?? 0;
}

/// <summary>Builds the serving application: configuration, options, engine, REST, gRPC and metrics.</summary>
internal static class ServingHost
{
    /// <summary>Short command-line forms, e.g. <c>--model m.onnx --max-batch-size 16</c>.</summary>
    public static readonly FrozenDictionary<string, string> SwitchMappings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["--model"] = "ModelPath",
        ["--model-name"] = "ModelName",
        ["--model-version"] = "ModelVersion",
        ["--precision"] = "Precision",
        ["--execution-provider"] = "ExecutionProvider",
        ["--allow-cpu-fallback"] = "AllowCpuFallback",
        ["--threads"] = "IntraOpThreads",
        ["--max-batch-size"] = "MaxBatchSize",
        ["--max-queue-delay-ms"] = "MaxQueueDelayMs",
        ["--queue-capacity"] = "QueueCapacity",
        ["--cache"] = "Cache:Enabled",
        ["--cache-max-bytes"] = "Cache:MaxBytes",
        ["--cache-ttl-seconds"] = "Cache:TtlSeconds",
        ["--max-request-body-bytes"] = "MaxRequestBodyBytes",
        ["--default-deadline-ms"] = "DefaultDeadlineMs",
        ["--listen"] = "ListenAddress",
        ["--http-port"] = "HttpPort",
        ["--grpc-port"] = "GrpcPort",
        ["--idle-watts"] = "Power:IdleWatts",
        ["--busy-watts"] = "Power:BusyWatts",
        ["--background-decode"] = "BackgroundDecode:Enabled",
        ["--background-decode-min-bytes"] = "BackgroundDecode:MinBodyBytes",
        ["--config"] = "Config",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Short forms of boolean settings, which may stand alone as flags: <c>--cache</c> means <c>--cache true</c>.</summary>
    private static readonly FrozenSet<string> Flags = SwitchMappings
        .Where(p => SettingReader.TypeOf(typeof(ServingOptions), p.Value) == typeof(bool))
        .Select(p => p.Key)
        .ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Each setting's short form, for error messages.</summary>
    private static readonly FrozenDictionary<string, string> ShortForms =
        SwitchMappings.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.OrdinalIgnoreCase);

    /// <summary>Inserts <c>true</c> after a flag that is last or followed by another option.</summary>
    internal static string[] ExpandFlags(string[] args)
    {
        var expanded = new List<string>(args.Length + 2);
        for (var i = 0; i < args.Length; i++)
        {
            expanded.Add(args[i]);
            var standsAlone = i + 1 == args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal);
            if (standsAlone && Flags.Contains(args[i]))
            {
                expanded.Add("true");
            }
        }

        return [.. expanded];
    }

    /// <summary>
    /// Configuration, later sources winning: optional JSON file (--config / INFERENCE_CONFIG), INFERENCE_* environment
    /// variables, command-line arguments.
    /// </summary>
    public static WebApplication Build(string[] args)
    {
        args = ExpandFlags(args);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        var configuration = builder.Configuration;
        configuration.AddEnvironmentVariables("INFERENCE_");
        configuration.AddCommandLine(args, SwitchMappings);
        if (configuration["Config"] is { Length: > 0 } file)
        {
            if (!File.Exists(file))
            {
                throw new OptionsValidationException(nameof(ServingOptions), typeof(ServingOptions), [$"configuration file '{file}' does not exist"]);
            }

            // The file is the lowest-precedence source: re-add environment and arguments after it.
            configuration.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
            configuration.AddEnvironmentVariables("INFERENCE_");
            configuration.AddCommandLine(args, SwitchMappings);
        }

        var unreadable = SettingReader.Unconvertible(configuration, typeof(ServingOptions), ShortForms).ToList();
        if (unreadable.Count > 0)
        {
            throw new OptionsValidationException(nameof(ServingOptions), typeof(ServingOptions), unreadable);
        }

        ServingOptions options;
        try
        {
            options = configuration.Get<ServingOptions>() ?? new ServingOptions();
        }
        catch (InvalidOperationException ex)
        {
            // Anything SettingReader does not foresee still ends as a named problem and exit code 2, not a crash.
            throw new OptionsValidationException(nameof(ServingOptions), typeof(ServingOptions), [ex.Message]);
        }

        ServingOptionsValidator.Canonicalize(options);
        var failures = ServingOptionsValidator.Check(options).ToList();
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(nameof(ServingOptions), typeof(ServingOptions), failures);
        }

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddInferenceServing(configuration);
        builder.Host.ConfigureHostOptions(h => h.ShutdownTimeout = TimeSpan.FromSeconds(options.ShutdownTimeoutSeconds));
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var endpoints = kestrel.ApplicationServices.GetRequiredService<ServerEndpoints>();
            var address = IPAddress.Parse(options.ListenAddress);
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, options.HttpPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                endpoints.Http = listen;
            });
            kestrel.Listen(address, options.GrpcPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                endpoints.Grpc = listen;
            });
        });

        var app = builder.Build();
        app.MapInferenceServing();
        return app;
    }

    /// <summary>Registers options (validated on start), metrics registry, engine and gRPC.</summary>
    public static IServiceCollection AddInferenceServing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ServingOptions>().Bind(configuration).PostConfigure(ServingOptionsValidator.Canonicalize).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ServingOptions>, ServingOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ServerEndpoints>();
        // Registered after Kestrel's default, so this one is resolved: 64 KB receive blocks for large tensors.
        services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>();
        services.AddSingleton(_ => Metrics.NewCustomRegistry());
        services.AddSingleton(sp => new ServingMetrics(sp.GetRequiredService<CollectorRegistry>(), sp.GetRequiredService<IOptions<ServingOptions>>().Value.MaxBatchSize));
        services.AddSingleton<InferenceEngine>();
        services.AddSingleton<BackgroundDecoder>();
        services.AddHostedService(sp => sp.GetRequiredService<InferenceEngine>());
        services.AddHostedService<ListeningLogger>();
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = null;
            grpc.MaxSendMessageSize = null;
        });
        services.AddOptions<global::Grpc.AspNetCore.Server.GrpcServiceOptions>().Configure<IOptions<ServingOptions>>((grpc, serving) =>
            grpc.MaxReceiveMessageSize = (int)Math.Min(int.MaxValue, serving.Value.MaxRequestBodyBytes));
        return services;
    }

    public static WebApplication MapInferenceServing(this WebApplication app)
    {
        // Created now, on a normal-priority thread: its completion thread must not inherit a decoder's nice.
        app.Services.GetRequiredService<BackgroundDecoder>();
        app.Use((context, next) =>
        {
            // gRPC enforces the same limit on the message itself and answers RESOURCE_EXHAUSTED; Kestrel's body limit
            // would cut the stream first, and the client would see only UNKNOWN. Only on HTTP/2, the gRPC port's protocol;
            // REST (HTTP/1.1) sets its own limit on this feature in any case.
            if (HttpProtocol.IsHttp2(context.Request.Protocol)
                && context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true
                && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = null;
            }

            return next(context);
        });
        app.MapOpenInferenceRest();
        app.MapGrpcService<GrpcInferenceService>();
        app.MapMetrics("/metrics", app.Services.GetRequiredService<CollectorRegistry>());
        app.MapFallback((HttpContext context) => RestEndpoints.WriteError(context, 404, $"no route for {context.Request.Method} {context.Request.Path}"));
        return app;
    }

    /// <summary>Logs the bound addresses once the server has started.</summary>
    private sealed class ListeningLogger(IHostApplicationLifetime lifetime, ServerEndpoints endpoints, ILogger<ListeningLogger> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(() => Log.Listening(logger, endpoints.Http?.ToString() ?? "?", endpoints.Grpc?.ToString() ?? "?"));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
