using StockGuard.Sql;

namespace StockGuard.Sqlite;

/// <summary>
/// Settings of the <see cref="SqliteStockStore"/>. Defaults: the atomic strategy, tables created on first use,
/// a 30-second busy timeout. <see cref="SqlStockStoreOptions.Schema"/> is <c>main</c> and must stay so: SQLite keeps
/// the tables in the database file itself (use another file for another store). <see cref="SqlStockStoreOptions.Clock"/>
/// is <see cref="SqlClock.TimeProvider"/> and must stay so: a SQLite database is a file on one host, whose processes
/// share that host's clock, and it has no server clock of its own.
/// </summary>
public sealed class SqliteStockStoreOptions : SqlStockStoreOptions
{
    /// <summary>Creates the defaults.</summary>
    public SqliteStockStoreOptions()
    {
        Schema = "main";
        Clock = SqlClock.TimeProvider;
    }

    /// <summary>
    /// How long an operation waits for the database's single write lock (held by another operation of this process
    /// or by another process) before it fails with <see cref="StockStoreTimeoutException"/>, changing nothing.
    /// Operations of one process wait their turn in order without blocking threads; a wait on another process
    /// uses SQLite's busy timeout. Default: 30 seconds. Range: 1 second to 1 hour.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <inheritdoc/>
    protected override void Validate(ICollection<string> failures)
    {
        base.Validate(failures);
        CheckRange(failures, nameof(SqliteStockStoreOptions), nameof(BusyTimeout), BusyTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        if (!string.Equals(Schema, "main", StringComparison.Ordinal))
        {
            failures!.Add($"{nameof(SqliteStockStoreOptions)}.{nameof(Schema)} is '{Schema}'; SQLite keeps the tables in the database file itself, so it must be 'main'. Use another database file for another store.");
        }

        if (Clock != SqlClock.TimeProvider)
        {
            failures!.Add($"{nameof(SqliteStockStoreOptions)}.{nameof(Clock)} is {Clock}; SQLite has no server clock, so it must be {nameof(SqlClock.TimeProvider)}: the processes that share a SQLite file share one host's clock.");
        }
    }
}
