using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace InferenceOperator.Kube.Tests;

/// <summary>Keeps log lines so a test can assert on them or print them when it fails.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        Lines.Enqueue($"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}");
    }

    public override string ToString() => string.Join(Environment.NewLine, Lines);
}
