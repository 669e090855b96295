using Microsoft.Extensions.Logging;
using MySqlConnector;
using StockGuard.Sql;

namespace StockGuard.MySql;

/// <summary>
/// A stock store in MySQL 8 or MariaDB 10.6+ (InnoDB): safe for any number of app servers sharing one database. Each
/// operation is one short transaction under READ COMMITTED; see <see cref="SqlStockStoreOptions.Strategy"/> for how
/// concurrent buyers are kept from overselling. A deadlock (1213) runs the operation again, a lock wait timeout (1205)
/// becomes a <see cref="StockStoreTimeoutException"/>, a killed or lost connection a transient
/// <see cref="StockStoreException"/>. Works without dependency injection:
/// <c>await using var store = new MySqlStockStore(connectionString);</c>.
/// </summary>
public sealed class MySqlStockStore : SqlStockStore
{
    /// <summary>
    /// Creates a store over <paramref name="dataSource"/>, which the caller owns and disposes. A data source that resets
    /// sessions on reuse (MySqlConnector's default, <c>Connection Reset=true</c>) empties the server's routine cache each
    /// time, so the one-line deduct's procedure is parsed again on every sale; the connection-string constructor's own
    /// pool does not reset.
    /// </summary>
    /// <param name="dataSource">The MySqlConnector data source (connection pool). It must read <c>CHAR(36)</c> as <see cref="Guid"/> (GuidFormat Default or Char36, the default).</param>
    /// <param name="options">Settings; <see langword="null"/> for the defaults.</param>
    /// <param name="timeProvider">The clock for timers, and for holds, retention and row times when <see cref="SqlStockStoreOptions.Clock"/> is <see cref="SqlClock.TimeProvider"/>; by default the database's clock decides them, carried between readings by this provider's monotonic timestamps. <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Where to log; <see langword="null"/> for none. Connection strings are never logged.</param>
    /// <exception cref="ArgumentException">The data source reads GUIDs in another format.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is out of range or the database name is not a plain identifier.</exception>
    public MySqlStockStore(MySqlDataSource dataSource, MySqlStockStoreOptions? options = null, TimeProvider? timeProvider = null, ILogger<MySqlStockStore>? logger = null)
        : this(Checked(dataSource), false, options ?? new MySqlStockStoreOptions(), timeProvider, logger)
    {
    }

    /// <summary>
    /// Creates a store with its own connection pool for <paramref name="connectionString"/>, released when the store is
    /// disposed. The pool does not reset a session when it reuses it (<c>Connection Reset=false</c>), so that the server
    /// keeps the one-line deduct's parsed procedure in the session's routine cache; the store leaves no other session
    /// state behind.
    /// </summary>
    /// <param name="connectionString">A MySqlConnector connection string. Its <c>Database</c> need not be the store's: tables are always qualified with <see cref="SqlStockStoreOptions.Schema"/>.</param>
    /// <param name="options">Settings; <see langword="null"/> for the defaults.</param>
    /// <param name="timeProvider">The clock for timers, and for holds, retention and row times when <see cref="SqlStockStoreOptions.Clock"/> is <see cref="SqlClock.TimeProvider"/>; by default the database's clock decides them, carried between readings by this provider's monotonic timestamps. <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Where to log; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty or malformed.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is out of range or the database name is not a plain identifier.</exception>
    public MySqlStockStore(string connectionString, MySqlStockStoreOptions? options = null, TimeProvider? timeProvider = null, ILogger<MySqlStockStore>? logger = null)
        : this(CreateDataSource(connectionString, options ??= new MySqlStockStoreOptions()), true, options, timeProvider, logger)
    {
    }

    private MySqlStockStore(MySqlDataSource dataSource, bool ownsDataSource, MySqlStockStoreOptions options, TimeProvider? timeProvider, ILogger? logger)
        : base(dataSource, ownsDataSource, new MySqlDialect(Validated(options).Schema, options.LockWaitTimeout, options.ChangeFeedGapWait), options, timeProvider, logger)
    {
    }

    private static MySqlStockStoreOptions Validated(MySqlStockStoreOptions options)
    {
        options.ThrowIfInvalid();
        return options;
    }

    private static MySqlDataSource Checked(MySqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var builder = new MySqlConnectionStringBuilder(dataSource.ConnectionString);
        if (builder.GuidFormat is not (MySqlGuidFormat.Char36 or MySqlGuidFormat.Default) || (builder.GuidFormat == MySqlGuidFormat.Default && builder.OldGuids))
        {
            throw new ArgumentException("The store keeps hold ids as CHAR(36): the data source must use GuidFormat=Char36 (the default without OldGuids).", nameof(dataSource));
        }

        return dataSource;
    }

    private static MySqlDataSource CreateDataSource(string connectionString, MySqlStockStoreOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        options.ThrowIfInvalid();
        // No session reset when a pooled connection is reused: a reset empties the server's routine cache, and the
        // one-line deduct's procedure would be loaded and parsed again on every sale. The pool is the store's own, and
        // the store leaves no session state behind but the same lock wait timeout (a failed one-command sale's open
        // transaction is rolled back before its connection returns to the pool).
        var builder = new MySqlConnectionStringBuilder(connectionString) { GuidFormat = MySqlGuidFormat.Char36, ConnectionReset = false };
        return new MySqlDataSource(builder.ConnectionString);
    }
}
