using System.ComponentModel.DataAnnotations;

namespace StockGuard.AspNetCore;

/// <summary>Settings of StockGuard's ASP.NET Core integration, set through <c>AddStockGuardHttp(o => …)</c>.</summary>
public sealed class StockGuardHttpOptions
{
    /// <summary>
    /// The <c>Retry-After</c> sent with a 503 (busy, timeout, a transient failure, an unknown outcome) and a 409 for an
    /// optimistic conflict or a request still in flight. Default: 1 second. Range: 1 second to 1 hour (sent in whole seconds).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether a 500 for a store failure carries the store's message as its <c>detail</c> (it names the database, the schema
    /// or the missing table, never a password). Default: <see langword="false"/>: the message is logged, and the client reads
    /// only that the store failed and nothing changed.
    /// </summary>
    public bool IncludeStoreFailureDetail { get; set; }

    /// <summary>
    /// How long a level stream (<c>MapStockLevelStream</c>) waits for a sign of new changes before it reads the feed again.
    /// On PostgreSQL a commit wakes the stream at once: this process's always, another process's when that store notifies
    /// (LISTEN/NOTIFY; see <c>PostgreSqlStockStoreOptions.ChangeNotifications</c>); elsewhere this is the stream's polling
    /// period. Default: 1 second. Range: 10 milliseconds to 1 minute.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan StreamPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a level stream stays silent before it sends a heartbeat (an SSE comment line), so that proxies keep the
    /// connection and a client that went away is noticed. Default: 15 seconds. Range: 1 second to 10 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan StreamHeartbeat { get; set; } = TimeSpan.FromSeconds(15);
}
