namespace InferenceOperator.TestApiServer;

/// <summary>Knobs a test turns to provoke protocol edge cases quickly.</summary>
public sealed record TestApiServerOptions
{
    /// <summary>How many watch events are retained; a watch from an older resourceVersion gets 410 Expired.</summary>
    public int HistoryLimit { get; init; } = 10_000;

    /// <summary>How often an open watch with allowWatchBookmarks receives a BOOKMARK (kube-apiserver: about a minute).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long before timeoutSeconds ends the last BOOKMARK is sent.</summary>
    public TimeSpan BookmarkBeforeTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Watch duration when the client sends no timeoutSeconds.</summary>
    public TimeSpan DefaultWatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Clock for timestamps and bookmark timers.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
