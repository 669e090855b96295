using MySqlConnector;
using StockGuard.Sql;
using StockGuard.Testing;
using StockGuard.Tests.Shared;

namespace StockGuard.MySql.Tests;

/// <summary>Makes MySQL stores of one strategy, in a database of their own that is dropped afterwards.</summary>
public abstract class MySqlTestProvider : ISqlStoreTestProvider
{
    private MySqlDataSource? _dataSource;

    protected MySqlTestProvider(ConcurrencyStrategy strategy)
    {
        Strategy = strategy;
        Database = MySqlServer.NewDatabaseName(strategy.ToString().ToLowerInvariant());
        Server = new MySqlStockServer(Database);
    }

    /// <summary>The hooks into the server for the stores' database.</summary>
    public IStockServer Server { get; }

    public TimeSpan MaxClockError => new MySqlStockStoreOptions().MaxClockError;

    public ConcurrencyStrategy Strategy { get; }

    public string Name => $"MySQL ({Strategy})";

    /// <summary>The store's database (its <c>Schema</c>).</summary>
    public string Database { get; }

    public MySqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("Not initialised.");

    public virtual async Task InitializeAsync()
    {
        await (await MySqlServer.OpenOrSkipAsync()).DisposeAsync();
        _dataSource = new MySqlDataSource(MySqlServer.ConnectionString);
        await using var store = new MySqlStockStore(_dataSource, Options());
        await store.EnsureSchemaAsync();
    }

    public IStockStore CreateStore(TimeProvider time, Action<StockStoreOptions>? configure = null)
    {
        var options = Options();
        configure?.Invoke(options);
        return new MySqlStockStore(DataSource, options, new RealTimersClock(time));
    }

    /// <summary>A store for the shared SQL suites; a lock timeout is the store's own LockWaitTimeout.</summary>
    public IStockStore InTransaction(IStockStore store, System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction) =>
        ((StockGuard.Sql.SqlStockStore)store).InTransaction(connection, transaction);

    public IStockStore InAmbientTransaction(IStockStore store, System.Data.Common.DbConnection connection) =>
        ((StockGuard.Sql.SqlStockStore)store).InTransaction(connection);

    public IStockStore CreateStore(TimeProvider time, SqlStoreSettings settings)
    {
        var options = Options();
        var clock = settings.ApplyTo(options, time);
        options.LockWaitTimeout = settings.LockTimeout ?? options.LockWaitTimeout;
        if (!settings.NeedsOwnPool(lockTimeoutInConnectionString: false))
        {
            return new MySqlStockStore(DataSource, options, clock);
        }

        var connection = new MySqlConnectionStringBuilder(MySqlServer.ConnectionString);
        (connection.Server, connection.Port) = settings.Endpoint is var (host, port) ? (host, (uint)port) : (connection.Server, connection.Port);
        return new MySqlStockStore(connection.ConnectionString, options, clock);
    }

    /// <summary>
    /// Attempts are raised so that the suite's 64-buyer races finish: with one winner per round, a buyer may lose
    /// dozens of rounds in a row. The back-off is real (see <see cref="RealTimersClock"/>). The stores' time is the
    /// test's FakeTimeProvider (<see cref="SqlClock.TimeProvider"/>), which only moves when a test advances it.
    /// </summary>
    public MySqlStockStoreOptions Options() => new()
    {
        Schema = Database,
        Strategy = Strategy,
        AutoCreateSchema = false,
        Clock = SqlClock.TimeProvider,
        MaxOptimisticAttempts = 100,
    };

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
            await MySqlServer.DropDatabaseAsync(Database);
        }

        GC.SuppressFinalize(this);
    }
}

public sealed class AtomicMySqlTestProvider() : MySqlTestProvider(ConcurrencyStrategy.Atomic);

public sealed class PessimisticMySqlTestProvider() : MySqlTestProvider(ConcurrencyStrategy.Pessimistic);

public sealed class OptimisticMySqlTestProvider() : MySqlTestProvider(ConcurrencyStrategy.Optimistic);

public sealed class CoalescingMySqlTestProvider() : MySqlTestProvider(ConcurrencyStrategy.Coalescing);

/// <summary>
/// Atomic stores over the procedures as MySQL 8 creates them: the script without MariaDB's executable comments
/// (<c>/*M!… */</c>, which MySQL takes for plain comments), so that a MariaDB server runs MySQL's body of the one-line
/// deduct too. The database is created from that text first; the store's own script then leaves the procedures be.
/// </summary>
public sealed class MySqlBodyAtomicMySqlTestProvider() : MySqlTestProvider(ConcurrencyStrategy.Atomic)
{
    public override async Task InitializeAsync()
    {
        await CreateWithMySqlBodyAsync(Database);
        await base.InitializeAsync();
    }

    /// <summary>Creates <paramref name="database"/> from the schema script as MySQL reads it (MariaDB's executable comments left out).</summary>
    public static async Task CreateWithMySqlBodyAsync(string database)
    {
        await using var connection = await MySqlServer.OpenOrSkipAsync();
        var script = new MySqlDialect(database, null, TimeSpan.Zero).SchemaScript;
        var mysqlScript = System.Text.RegularExpressions.Regex.Replace(script, @"/\*M!.*?\*/", "", System.Text.RegularExpressions.RegexOptions.Singleline);
        if (mysqlScript == script)
        {
            throw new InvalidOperationException("The script has no MariaDB-only text: MySQL's body would be MariaDB's.");
        }

        await MySqlServer.Exec(connection, mysqlScript);
        var fromMySqlText = await MySqlServer.Exec(
            connection,
            "SELECT COUNT(*) FROM information_schema.routines WHERE routine_schema = @db AND routine_name LIKE 'stock\\_deduct\\_one%\\_v9' " +
            "AND routine_definition NOT LIKE '%RETURNING CONVERT%'",
            ("db", database));
        if (Convert.ToInt64(fromMySqlText, System.Globalization.CultureInfo.InvariantCulture) != 2)
        {
            throw new InvalidOperationException("The one-line deduct's procedures were not created from MySQL's text.");
        }
    }
}
