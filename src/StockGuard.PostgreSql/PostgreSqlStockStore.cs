using Microsoft.Extensions.Logging;
using Npgsql;
using StockGuard.Sql;

namespace StockGuard.PostgreSql;

/// <summary>
/// A stock store in PostgreSQL: safe for any number of app servers sharing one database. Each operation is one
/// short transaction under READ COMMITTED; see <see cref="SqlStockStoreOptions.Strategy"/> for how concurrent
/// buyers are kept from overselling. Works without dependency injection:
/// <c>await using var store = new PostgreSqlStockStore(connectionString);</c>.
/// </summary>
public sealed class PostgreSqlStockStore : SqlStockStore
{
    /// <summary>How many statements a pool the store creates prepares per connection: more than the store has.</summary>
    private const int AutoPreparedStatements = 64;

    /// <summary>Creates a store over <paramref name="dataSource"/>, which the caller owns and disposes.</summary>
    /// <param name="dataSource">
    /// The Npgsql data source (connection pool). The store prepares its one-line deduct on each connection itself. A
    /// data source used by nothing that keeps session state may skip the reset on close (<c>No Reset On Close=true</c>):
    /// the store leaves none, and the reset is server work on every operation; <c>Max Auto Prepare</c> (e.g. 64)
    /// prepares the store's other statements too. A store created from a connection string does both.
    /// </param>
    /// <param name="options">Settings; <see langword="null"/> for the defaults.</param>
    /// <param name="timeProvider">The clock for timers, and for holds, retention and row times when <see cref="SqlStockStoreOptions.Clock"/> is <see cref="SqlClock.TimeProvider"/>; by default the database's clock decides them, carried between readings by this provider's monotonic timestamps. <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Where to log; <see langword="null"/> for none. Connection strings are never logged.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is out of range or the schema name is not a plain identifier.</exception>
    public PostgreSqlStockStore(NpgsqlDataSource dataSource, PostgreSqlStockStoreOptions? options = null, TimeProvider? timeProvider = null, ILogger<PostgreSqlStockStore>? logger = null)
        : this(dataSource, false, options ?? new PostgreSqlStockStoreOptions(), timeProvider, logger)
    {
    }

    /// <summary>Creates a store with its own connection pool for <paramref name="connectionString"/>, released when the store is disposed.</summary>
    /// <param name="connectionString">
    /// An Npgsql connection string. Unless it sets them, the pool skips the reset on close (<c>No Reset On Close=true</c>:
    /// the store leaves no session state) and prepares up to 64 statements per connection (<c>Max Auto Prepare=64</c>).
    /// </param>
    /// <param name="options">Settings; <see langword="null"/> for the defaults.</param>
    /// <param name="timeProvider">The clock for timers, and for holds, retention and row times when <see cref="SqlStockStoreOptions.Clock"/> is <see cref="SqlClock.TimeProvider"/>; by default the database's clock decides them, carried between readings by this provider's monotonic timestamps. <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Where to log; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is out of range or the schema name is not a plain identifier.</exception>
    public PostgreSqlStockStore(string connectionString, PostgreSqlStockStoreOptions? options = null, TimeProvider? timeProvider = null, ILogger<PostgreSqlStockStore>? logger = null)
        : this(CreateDataSource(connectionString, options ??= new PostgreSqlStockStoreOptions()), true, options, timeProvider, logger)
    {
    }

    private PostgreSqlStockStore(NpgsqlDataSource dataSource, bool ownsDataSource, PostgreSqlStockStoreOptions options, TimeProvider? timeProvider, ILogger? logger)
        : base(dataSource, ownsDataSource, new PostgreSqlDialect(Validated(options).Schema), options, timeProvider, logger)
    {
    }

    private static PostgreSqlStockStoreOptions Validated(PostgreSqlStockStoreOptions options)
    {
        options.ThrowIfInvalid();
        return options;
    }

    /// <summary>
    /// The store's own pool is used by the store alone, which leaves no session state behind (no <c>SET</c>, temporary
    /// tables, <c>LISTEN</c> or session advisory locks), so unless the connection string says otherwise connections
    /// are not reset when they go back to the pool (a reset is a round of server work per operation and would drop
    /// prepared statements) and the store's statements are prepared automatically.
    /// </summary>
    private static NpgsqlDataSource CreateDataSource(string connectionString, PostgreSqlStockStoreOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        options.ThrowIfInvalid();
        return NpgsqlDataSource.Create(OwnPoolConnectionString(connectionString));
    }

    /// <summary>The connection string of the pool the store creates: <paramref name="connectionString"/> with the store's defaults where it sets none.</summary>
    internal static string OwnPoolConnectionString(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = AutoPreparedStatements;
        }

        return builder.ConnectionString;
    }
}
