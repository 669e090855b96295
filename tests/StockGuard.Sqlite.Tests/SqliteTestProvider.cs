using Microsoft.Data.Sqlite;
using StockGuard.Testing;

namespace StockGuard.Sqlite.Tests;

/// <summary>Makes SQLite stores of one strategy over a database file of their own (WAL mode), deleted afterwards. Needs no server.</summary>
public abstract class SqliteTestProvider : IStockStoreTestProvider
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
