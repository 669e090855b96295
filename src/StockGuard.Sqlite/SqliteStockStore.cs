using Microsoft.Extensions.Logging;
using StockGuard.Sql;

namespace StockGuard.Sqlite;

/// <summary>
/// A stock store in a SQLite database: the embedded default for single-node apps, tests and samples. The file runs
/// in WAL mode; every operation is one <c>BEGIN IMMEDIATE</c> transaction, so writes are serialised by the database
/// and each strategy's condition still guards them. Concurrent callers of one process queue for the database without
/// blocking threads; callers in other processes wait up to <see cref="SqliteStockStoreOptions.BusyTimeout"/>, then get
/// a <see cref="StockStoreTimeoutException"/>. <c>Data Source=:memory:</c> gives the store a private in-memory
/// database that lives as long as the store. Works without dependency injection:
/// <c>await using var store = new SqliteStockStore("Data Source=stock.db");</c>.
/// </summary>
public sealed class SqliteStockStore : SqlStockStore
{
    /// <summary>Creates a store over the SQLite database of <paramref name="connectionString"/>, creating its tables on first use.</summary>
    /// <param name="connectionString">
    /// A Microsoft.Data.Sqlite connection string, e.g. <c>Data Source=stock.db</c>. <c>:memory:</c> means a private
    /// in-memory database for this store; <c>Mode=Memory</c> with a name, an in-memory database shared (in this
    /// process) by every store with that name, kept while one of them lives. Foreign keys are always turned on.
    /// </param>
    /// <param name="options">Settings; <see langword="null"/> for the defaults.</param>
    /// <param name="timeProvider">The clock for holds and retention; <see langword="null"/> for <see cref="TimeProvider.System"/>. SQLite has no server clock: the processes that share a file share this host's clock.</param>
    /// <param name="logger">Where to log; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty, malformed or read-only.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is out of range.</exception>
    public SqliteStockStore(string connectionString, SqliteStockStoreOptions? options = null, TimeProvider? timeProvider = null, ILogger<SqliteStockStore>? logger = null)
        : this(connectionString, Validated(options ?? new SqliteStockStoreOptions()), timeProvider, (ILogger?)logger)
    {
    }

    private SqliteStockStore(string connectionString, SqliteStockStoreOptions options, TimeProvider? timeProvider, ILogger? logger)
        : base(new SqliteStockDataSource(connectionString, options.BusyTimeout), true, new SqliteDialect(), options, timeProvider, logger)
    {
    }

    private static SqliteStockStoreOptions Validated(SqliteStockStoreOptions options)
    {
        options.ThrowIfInvalid();
        return options;
    }
}
