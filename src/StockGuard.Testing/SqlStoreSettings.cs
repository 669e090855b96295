namespace StockGuard.Testing;

/// <summary>
/// How a shared SQL suite wants one store set up, beyond the provider's defaults: the suite names what it needs, the
/// provider maps it onto its own options and connection string. A setting left unset keeps the provider's default.
/// </summary>
public sealed class SqlStoreSettings
{
    /// <summary>The store's concurrency strategy; unset: the provider's.</summary>
    public ConcurrencyStrategy? Strategy { get; init; }

    /// <summary>How often the store retries a transient failure by itself; unset: its default.</summary>
    public int? MaxTransientRetries { get; init; }

    /// <summary>How many buyers the coalescing strategy queues per item before it turns one away; unset: its default.</summary>
    public int? MaxCoalescingQueueLength { get; init; }

    /// <summary>How long the server lets the store's statements wait for a row lock; unset: the server's default.</summary>
    public TimeSpan? LockTimeout { get; init; }

    /// <summary>Whether the store gets a connection pool of its own rather than the provider's shared one.</summary>
    public bool OwnPool { get; init; }

    /// <summary>Where the store connects instead of the server (e.g. a <see cref="SeveringProxy"/>); implies <see cref="OwnPool"/>.</summary>
    public (string Host, int Port)? Endpoint { get; init; }

    /// <summary>Whether the store reads the time from the database's clock rather than from its own.</summary>
    public bool DatabaseClock { get; init; }
}
