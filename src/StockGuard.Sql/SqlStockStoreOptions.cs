using System.Text.RegularExpressions;

namespace StockGuard.Sql;

/// <summary>Settings every SQL store shares. Each provider's options class derives from this one.</summary>
public abstract partial class SqlStockStoreOptions : StockStoreOptions
{
    /// <summary>The schema the store's tables live in, unless a provider says otherwise: <c>stockguard</c>.</summary>
    public const string DefaultSchema = "stockguard";

    /// <summary>
    /// The concurrency strategy used when a request names none (<see cref="StockRequest.Strategy"/>).
    /// Default: <see cref="ConcurrencyStrategy.Atomic"/>.
    /// </summary>
    public ConcurrencyStrategy Strategy { get; set; } = ConcurrencyStrategy.Atomic;

    /// <summary>The limits of the <see cref="ConcurrencyStrategy.Coalescing"/> strategy: batch size, wait and queue length.</summary>
    public CoalescingOptions Coalescing { get; } = new();

    /// <summary>
    /// How many times the optimistic strategy tries before it throws <see cref="ConcurrencyConflictException"/>.
    /// Default: 5. Range: 1 to 100.
    /// </summary>
    public int MaxOptimisticAttempts { get; set; } = 5;

    /// <summary>
    /// The base of the optimistic strategy's full-jitter back-off: before attempt <c>n</c> it waits a random time
    /// between zero and <c>OptimisticBackoff × 2^(n−2)</c>, capped at one second. Default: 10 milliseconds.
    /// Range: 0 to 1 second.
    /// </summary>
    public TimeSpan OptimisticBackoff { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// How many times a whole operation is run again after the database reports a deadlock or a serialization
    /// failure before the commit was sent. Default: 3. Range: 0 to 10.
    /// </summary>
    public int MaxTransientRetries { get; set; } = 3;

    /// <summary>
    /// The time limit of each command, in seconds; 0 waits without limit. Default: 30. Range: 0 to 3,600.
    /// Lock waits are better bounded by the database's own lock timeout (see the provider's documentation).
    /// </summary>
    public int CommandTimeout { get; set; } = 30;

    /// <summary>
    /// The schema (database namespace) the tables live in: a plain identifier of letters, digits and underscores
    /// that does not start with a digit, up to 63 characters. It is always quoted. Default: <c>stockguard</c>.
    /// </summary>
    public string Schema { get; set; } = DefaultSchema;

    /// <summary>
    /// Whether the store creates or upgrades its tables on first use. Turn it off when a DBA applies the shipped
    /// script instead; the store then only checks the schema version. Default: <see langword="true"/>.
    /// </summary>
    public bool AutoCreateSchema { get; set; } = true;

    /// <summary>
    /// Which clock decides when a hold expires and stamps holds, movements and idempotency keys. Default:
    /// <see cref="SqlClock.Database"/>, so that every host on the database agrees within <see cref="MaxClockError"/>
    /// however wrong its own clock is. <see cref="SqlClock.TimeProvider"/> takes the store's
    /// <see cref="System.TimeProvider"/> instead: for tests that drive a fake clock, or a single host. SQLite has no
    /// server clock and accepts only <see cref="SqlClock.TimeProvider"/>, its default.
    /// </summary>
    public SqlClock Clock { get; set; } = SqlClock.Database;

    /// <summary>
    /// With <see cref="SqlClock.Database"/>, how far this store's time may be from the database server's clock: the store
    /// accepts a reading of that clock only when half its round trip (the reading's uncertainty) is at most half of this,
    /// and reads again before the drift of the host's monotonic clock since the reading (assumed up to 0.05 %, or twice
    /// the drift it measured, whichever is more) can use up the rest. When no reading can be taken within the bound, an
    /// operation fails with a transient <see cref="StockStoreException"/> and changes nothing. Two stores therefore
    /// agree on expiry within twice this. Default: 100 milliseconds. Range: 1 millisecond to 10 seconds.
    /// </summary>
    public TimeSpan MaxClockError { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// With <see cref="SqlClock.Database"/>, the longest time between two readings of the database server's clock
    /// (one query each); the store reads sooner when <see cref="MaxClockError"/> requires it. Default: 30 seconds.
    /// Range: 1 second to 1 hour.
    /// </summary>
    public TimeSpan ClockReadInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether <paramref name="name"/> is a plain identifier the stores accept as a schema name.</summary>
    /// <param name="name">The name to check.</param>
    public static bool IsPlainIdentifier(string? name) => name is not null && PlainIdentifier().IsMatch(name);

    /// <inheritdoc/>
    protected override void Validate(ICollection<string> failures)
    {
        base.Validate(failures);
        var name = GetType().Name;
        if (!Enum.IsDefined(Strategy))
        {
            failures.Add($"{name}.{nameof(Strategy)} is {Strategy}; it must be Atomic, Pessimistic, Optimistic or Coalescing.");
        }

        CheckRange(failures, name, nameof(MaxOptimisticAttempts), MaxOptimisticAttempts, 1, 100);
        CheckRange(failures, name, nameof(OptimisticBackoff), OptimisticBackoff, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        CheckRange(failures, name, nameof(MaxTransientRetries), MaxTransientRetries, 0, 10);
        CheckRange(failures, name, $"{nameof(Coalescing)}.{nameof(CoalescingOptions.MaxBatchSize)}", Coalescing.MaxBatchSize, 1, 1_000);
        CheckRange(failures, name, $"{nameof(Coalescing)}.{nameof(CoalescingOptions.MaxWait)}", Coalescing.MaxWait, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        CheckRange(failures, name, $"{nameof(Coalescing)}.{nameof(CoalescingOptions.MaxQueueLength)}", Coalescing.MaxQueueLength, 1, 1_000_000);
        CheckRange(failures, name, nameof(CommandTimeout), CommandTimeout, 0, 3600);
        if (!Enum.IsDefined(Clock))
        {
            failures.Add($"{name}.{nameof(Clock)} is {Clock}; it must be Database or TimeProvider.");
        }

        CheckRange(failures, name, nameof(MaxClockError), MaxClockError, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10));
        CheckRange(failures, name, nameof(ClockReadInterval), ClockReadInterval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        if (!IsPlainIdentifier(Schema))
        {
            failures.Add($"{name}.{nameof(Schema)} is '{Schema}'; it must be a plain identifier: a letter or underscore, then letters, digits or underscores, up to 63 characters.");
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainIdentifier();
}
