using Npgsql;
using StockGuard.Sql;
using StockGuard.Testing;
using StockGuard.Tests.Shared;

namespace StockGuard.PostgreSql.Tests;

/// <summary>
/// Makes PostgreSQL stores of one strategy, in a schema of their own that is dropped afterwards: connected directly, or
/// through PgBouncer in transaction pooling mode (the stores detect it: <see cref="PostgreSqlPooling.Auto"/>).
/// </summary>
public abstract class PostgreSqlTestProvider : ISqlStoreTestProvider
{
    private readonly string _schema;
    private NpgsqlDataSource? _dataSource;

    protected PostgreSqlTestProvider(ConcurrencyStrategy strategy, bool throughPgBouncer = false)
    {
        Strategy = strategy;
        ThroughPgBouncer = throughPgBouncer;
        _schema = PostgreSqlServer.NewSchemaName((throughPgBouncer ? "pgb_" : "") + strategy.ToString().ToLowerInvariant());
        Server = new PostgreSqlStockServer(_schema);
    }

    /// <summary>The hooks into the server, over direct connections also when the stores go through PgBouncer.</summary>
    public IStockServer Server { get; }

    public TimeSpan MaxClockError => new PostgreSqlStockStoreOptions().MaxClockError;

    /// <summary>The connection string the stores use: the server's, or PgBouncer's.</summary>
    public string ConnectionString => ThroughPgBouncer ? PgBouncerServer.ConnectionString : PostgreSqlServer.ConnectionString;

    public ConcurrencyStrategy Strategy { get; }

    /// <summary>Whether the stores connect through PgBouncer (transaction pooling).</summary>
    public bool ThroughPgBouncer { get; }

    public string Name => ThroughPgBouncer ? $"PostgreSQL through PgBouncer ({Strategy})" : $"PostgreSQL ({Strategy})";

    public string Schema => _schema;

    public NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("Not initialised.");

    public async Task InitializeAsync()
    {
        await (await PostgreSqlServer.OpenOrSkipAsync()).DisposeAsync();
        if (ThroughPgBouncer)
        {
            await PgBouncerServer.EnsureReachableAsync();
        }

        _dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var store = new PostgreSqlStockStore(_dataSource, Options());
        await store.EnsureSchemaAsync();
    }

    /// <summary>
    /// A store for the contract suite: the optimistic back-off is the default one and runs in real time (see
    /// <see cref="RealTimersClock"/>), so that the suite's races finish however busy the machine is.
    /// </summary>
    public IStockStore CreateStore(TimeProvider time, Action<StockStoreOptions>? configure = null)
    {
        var options = Options();
        options.OptimisticBackoff = new PostgreSqlStockStoreOptions().OptimisticBackoff;
        configure?.Invoke(options);
        return new PostgreSqlStockStore(DataSource, options, new RealTimersClock(time));
    }

    /// <summary>
    /// A store for the shared SQL suites. A lock timeout is the server's lock_timeout, set for the store's own pool; an
    /// endpoint replaces the host and port of <see cref="ConnectionString"/>.
    /// </summary>
    public IStockStore InTransaction(IStockStore store, System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction) =>
        ((StockGuard.Sql.SqlStockStore)store).InTransaction(connection, transaction);

    public IStockStore InAmbientTransaction(IStockStore store, System.Data.Common.DbConnection connection) =>
        ((StockGuard.Sql.SqlStockStore)store).InTransaction(connection);

    /// <summary>The caller's connection for the caller-transaction suite: through PgBouncer when the stores go through it.</summary>
    public async Task<System.Data.Common.DbConnection> OpenCallerConnectionAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public IStockStore CreateStore(TimeProvider time, SqlStoreSettings settings)
    {
        var options = Options();
        var clock = settings.ApplyTo(options, time);
        if (!settings.NeedsOwnPool(lockTimeoutInConnectionString: true))
        {
            return new PostgreSqlStockStore(DataSource, options, clock);
        }

        var connection = new NpgsqlConnectionStringBuilder(ConnectionString);
        (connection.Host, connection.Port) = settings.Endpoint ?? (connection.Host!, connection.Port);
        connection.Options = settings.LockTimeout is { } timeout ? $"-c lock_timeout={(int)timeout.TotalMilliseconds}" : connection.Options;
        return new PostgreSqlStockStore(connection.ConnectionString, options, clock);
    }

    /// <summary>
    /// The options of the fixtures' stores, whose clock is a FakeTimeProvider that only moves when a test advances it
    /// (<see cref="SqlClock.TimeProvider"/>): the optimistic back-off (timed by that clock) is zero here, and the attempts are raised so that heavy races
    /// finish; the back-off itself is tested in <see cref="PostgreSqlStrategyTests"/>.
    /// </summary>
    public PostgreSqlStockStoreOptions Options() => new()
    {
        Schema = _schema,
        Strategy = Strategy,
        AutoCreateSchema = false,
        Clock = SqlClock.TimeProvider,
        OptimisticBackoff = TimeSpan.Zero,
        MaxOptimisticAttempts = 100,
    };

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
            await PostgreSqlServer.DropSchemaAsync(_schema);
        }

        GC.SuppressFinalize(this);
    }
}

public sealed class AtomicPostgreSqlTestProvider() : PostgreSqlTestProvider(ConcurrencyStrategy.Atomic);

public sealed class PessimisticPostgreSqlTestProvider() : PostgreSqlTestProvider(ConcurrencyStrategy.Pessimistic);

public sealed class OptimisticPostgreSqlTestProvider() : PostgreSqlTestProvider(ConcurrencyStrategy.Optimistic);

public sealed class CoalescingPostgreSqlTestProvider() : PostgreSqlTestProvider(ConcurrencyStrategy.Coalescing);

public sealed class AtomicPgBouncerTestProvider() : PostgreSqlTestProvider(ConcurrencyStrategy.Atomic, throughPgBouncer: true);

public sealed class PessimisticPgBouncerTestProvider() : PostgreSqlTestProvider(ConcurrencyStrategy.Pessimistic, throughPgBouncer: true);

public sealed class OptimisticPgBouncerTestProvider() : PostgreSqlTestProvider(ConcurrencyStrategy.Optimistic, throughPgBouncer: true);

public sealed class CoalescingPgBouncerTestProvider() : PostgreSqlTestProvider(ConcurrencyStrategy.Coalescing, throughPgBouncer: true);
