using Microsoft.Data.Sqlite;
using StockGuard.Testing;
using StockGuard.Tests.Shared;

namespace StockGuard.Sqlite.Tests;

/// <summary>Makes SQLite stores of one strategy over a database file of their own (WAL mode), deleted afterwards. Needs no server.</summary>
public abstract class SqliteTestProvider : ISqlStoreTestProvider
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "stockguard-tests", Guid.NewGuid().ToString("N"));

    protected SqliteTestProvider(ConcurrencyStrategy strategy)
    {
        Strategy = strategy;
        ConnectionString = $"Data Source={Path.Combine(_directory, "stock.db")}";
    }

    public ConcurrencyStrategy Strategy { get; }

    public virtual string Name => $"SQLite ({Strategy})";

    public string ConnectionString { get; protected init; }

    public virtual async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        await using var store = new SqliteStockStore(ConnectionString, Options());
        await store.EnsureSchemaAsync();
    }

    /// <summary>The table reads; SQLite has no server for the other hooks.</summary>
    public IStockServer Server => new SqliteStockServer(ConnectionString);

    public TimeSpan MaxClockError => Options().MaxClockError;

    /// <summary>
    /// A store for the shared SQL suites that apply to SQLite: a pool of its own is a connection string that turns
    /// pooling off (a pool is keyed by its connection string); a lock timeout is the busy timeout.
    /// </summary>
    public IStockStore InTransaction(IStockStore store, System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction) =>
        ((StockGuard.Sql.SqlStockStore)store).InTransaction(connection, transaction);

    public IStockStore InAmbientTransaction(IStockStore store, System.Data.Common.DbConnection connection) =>
        ((StockGuard.Sql.SqlStockStore)store).InTransaction(connection);

    public IStockStore CreateStore(TimeProvider time, SqlStoreSettings settings)
    {
        var options = Options();
        var clock = settings.ApplyTo(options, time);
        options.BusyTimeout = settings.LockTimeout ?? options.BusyTimeout;
        return new SqliteStockStore(settings.NeedsOwnPool(lockTimeoutInConnectionString: false) ? ConnectionString + ";Pooling=False" : ConnectionString, options, clock);
    }

    public IStockStore CreateStore(TimeProvider time, Action<StockStoreOptions>? configure = null)
    {
        var options = Options();
        configure?.Invoke(options);
        return new SqliteStockStore(ConnectionString, options, time);
    }

    public SqliteStockStoreOptions Options() => new() { Strategy = Strategy, AutoCreateSchema = false, BusyTimeout = TimeSpan.FromSeconds(60) };

    public virtual ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }

        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

public sealed class AtomicSqliteTestProvider() : SqliteTestProvider(ConcurrencyStrategy.Atomic);

public sealed class PessimisticSqliteTestProvider() : SqliteTestProvider(ConcurrencyStrategy.Pessimistic);

public sealed class OptimisticSqliteTestProvider() : SqliteTestProvider(ConcurrencyStrategy.Optimistic);

public sealed class CoalescingSqliteTestProvider() : SqliteTestProvider(ConcurrencyStrategy.Coalescing);

/// <summary>A named, shared-cache in-memory database (atomic strategy), kept alive by the provider's own connection between the tests' stores.</summary>
public sealed class InMemorySqliteTestProvider : SqliteTestProvider
{
    private SqliteConnection? _keepAlive;

    public InMemorySqliteTestProvider()
        : base(ConcurrencyStrategy.Atomic) =>
        ConnectionString = $"Data Source=stockguard-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";

    public override string Name => "SQLite in memory (Atomic)";

    public override async Task InitializeAsync()
    {
        _keepAlive = new SqliteConnection(ConnectionString);
        await _keepAlive.OpenAsync();
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        if (_keepAlive is not null)
        {
            await _keepAlive.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}
