using Microsoft.Data.Sqlite;
using StockGuard.InMemory;
using StockGuard.MySql;
using StockGuard.PostgreSql;
using StockGuard.Sqlite;

namespace StockGuard.Benchmarks.Load;

/// <summary>How to build one kind of target and whether it can run here.</summary>
/// <param name="Description">What the target is, for <c>--help</c> and the report.</param>
/// <param name="MatrixTargets">The target names <c>--matrix</c> and <c>--smoke</c> run for this store.</param>
/// <param name="ProbeAsync">Null when the target can run here, else why not.</param>
/// <param name="Create">Builds the target for a spec (the strategy and idempotency flag are on the spec).</param>
internal sealed record TargetFactory(
    string Description,
    IReadOnlyList<string> MatrixTargets,
    Func<CancellationToken, Task<string?>> ProbeAsync,
    Func<TargetSpec, ILoadTarget> Create);

/// <summary>
/// Every target the harness knows, keyed by store name. This is the plug-in point for the library's SQL stores:
/// when a store lands, add one entry whose <see cref="TargetFactory.Create"/> wraps it in a
/// <see cref="StockStoreTarget"/>, e.g.
/// <code>
/// ["postgres"] = new(
///     "StockGuard.PostgreSql",
///     ["postgres/atomic", "postgres/pessimistic", "postgres/optimistic", "postgres/coalescing", "postgres/atomic+idem", "postgres/coalescing+idem"],
///     ServerSettings.ProbePostgresAsync,
///     spec => new StockStoreTarget(spec, async ct =>
///     {
///         var store = new PostgreSqlStockStore(ServerSettings.PostgresDataSource, new PostgreSqlStockStoreOptions());
///         await store.EnsureSchemaAsync(ct);   // whatever the store offers to create its tables
///         return store;
///     }, "PostgreSQL")),
/// </code>
/// The strategy and the idempotency key travel on each request (<see cref="StockRequest.Strategy"/>), so the
/// factory does not need them; a store that takes its default strategy from options may read <c>spec.Strategy</c>.
/// </summary>
internal static class LoadTargets
{
    private static readonly Func<CancellationToken, Task<string?>> AlwaysAvailable = _ => Task.FromResult<string?>(null);

    public static IReadOnlyDictionary<string, TargetFactory> Factories { get; } = new Dictionary<string, TargetFactory>(StringComparer.OrdinalIgnoreCase)
    {
        ["inmemory"] = new(
            "StockGuard InMemoryStockStore (the in-process ceiling; ignores the strategy)",
            ["inmemory", "inmemory+hold"],
            AlwaysAvailable,
            spec => new StockStoreTarget(spec, _ => Task.FromResult<IStockStore>(new InMemoryStockStore()))),
        ["postgres"] = new(
            "StockGuard.PostgreSql: PostgreSqlStockStore built from the connection string, as UsePostgreSql(connectionString) builds it (its own pool: no reset on close, auto-prepare), schema stockguard_load (emptied before each cell)",
            ["postgres/atomic", "postgres/pessimistic", "postgres/optimistic", "postgres/coalescing", "postgres/atomic+idem", "postgres/coalescing+idem", "postgres/atomic+hold"],
            ServerSettings.ProbePostgresAsync,
            spec => PostgresStoreTarget(spec, options => new PostgreSqlStockStore(ServerSettings.PostgresConnectionString, options))),
        ["postgres-shared"] = new(
            "StockGuard.PostgreSql: PostgreSqlStockStore over the run's shared NpgsqlDataSource with Npgsql's defaults (reset on close, no auto-prepare), schema stockguard_load (emptied before each cell)",
            [],
            ServerSettings.ProbePostgresAsync,
            spec => PostgresStoreTarget(spec, options => new PostgreSqlStockStore(ServerSettings.PostgresDataSource, options))),
        ["postgres-txpool"] = new(
            "StockGuard.PostgreSql: PostgreSqlStockStore built from the direct connection string with Pooling = Transaction (the pooler-safe path: nothing prepared on the server, no reset on close), schema stockguard_load (emptied before each cell)",
            ["postgres-txpool/atomic", "postgres-txpool/atomic+idem"],
            ServerSettings.ProbePostgresAsync,
            spec => PostgresStoreTarget(spec, options =>
            {
                options.Pooling = PostgreSqlPooling.Transaction;
                return new PostgreSqlStockStore(ServerSettings.PostgresConnectionString, options);
            })),
        ["pgbouncer"] = new(
            "StockGuard.PostgreSql: PostgreSqlStockStore built from the PgBouncer connection string (STOCKGUARD_PGBOUNCER, transaction pooling; the store detects it), schema stockguard_load (emptied before each cell)",
            ["pgbouncer/atomic", "pgbouncer/atomic+idem"],
            ServerSettings.ProbePgBouncerAsync,
            spec => PostgresStoreTarget(spec, options => new PostgreSqlStockStore(ServerSettings.PgBouncerConnectionString, options))),
        ["mysql"] = new(
            "StockGuard.MySql: MySqlStockStore with its own pool, database stockguard_load (emptied before each cell)",
            ["mysql/atomic", "mysql/pessimistic", "mysql/optimistic", "mysql/coalescing", "mysql/atomic+idem", "mysql/coalescing+idem", "mysql/atomic+hold"],
            ServerSettings.ProbeMySqlAsync,
            spec => new StockStoreTarget(spec, async cancellationToken =>
            {
                var store = new MySqlStockStore(ServerSettings.MySqlConnectionString, new MySqlStockStoreOptions { Schema = ServerSettings.LoadSchema });
                await store.EnsureSchemaAsync(cancellationToken);
                await ServerSettings.EmptyMySqlLoadSchemaAsync(cancellationToken);
                return store;
            }, "MySQL", cancellationToken => MySqlCellStart.SettleAsync(
                spec.Name,
                [$"{ServerSettings.LoadSchema}.stock_items", $"{ServerSettings.LoadSchema}.stock_movements", $"{ServerSettings.LoadSchema}.stock_idempotency_keys"],
                cancellationToken))),
        ["sqlite"] = new(
            "StockGuard.Sqlite: SqliteStockStore on a new WAL file in the temp folder (one writer at a time)",
            ["sqlite/atomic", "sqlite/pessimistic", "sqlite/coalescing", "sqlite/atomic+idem", "sqlite/atomic+hold"],
            AlwaysAvailable,
            spec =>
            {
                // Each cell's database file is deleted with its store.
                var files = new Dictionary<IStockStore, string>();
                return new StockStoreTarget(
                    spec,
                    async cancellationToken =>
                    {
                        var file = Path.Combine(Path.GetTempPath(), $"stockguard-load-{Guid.NewGuid():N}.db");
                        var store = new SqliteStockStore($"Data Source={file}");
                        files[store] = file;
                        await store.EnsureSchemaAsync(cancellationToken);
                        return store;
                    },
                    disposed: store =>
                    {
                        if (files.Remove(store, out var file))
                        {
                            SqliteConnection.ClearAllPools();
                            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
                            {
                                File.Delete(path);
                            }
                        }
                    });
            }),
        ["raw-postgres"] = new(
            "baseline, no library: one conditional UPDATE ... RETURNING through plain Npgsql",
            ["raw-postgres"],
            ServerSettings.ProbePostgresAsync,
            spec => new PostgresBaselineTarget(spec.Name, BaselineKind.Raw, ServerSettings.PostgresDataSource, ServerSettings.BenchSchema)),
        ["ledger-postgres"] = new(
            "baseline, no library: the same UPDATE and a movement-ledger row in one prepared statement (a data-modifying CTE): raw SQL doing the library's work; "
            + "with +hold, carts: the hold, the confirm and the release each one prepared statement of data-modifying CTEs (item, hold, movement), the least a correct cart sends",
            ["ledger-postgres", "ledger-postgres+hold"],
            ServerSettings.ProbePostgresAsync,
            spec => spec.Hold
                ? new PostgresCartBaselineTarget(spec.Name, ServerSettings.PostgresDataSource, ServerSettings.BenchSchema)
                : new PostgresBaselineTarget(spec.Name, BaselineKind.Ledger, ServerSettings.PostgresDataSource, ServerSettings.BenchSchema)),
        ["pgbench"] = new(
            "baseline, no library: pgbench -M prepared running benchmarks/pgbench/hot-deduct.sql on the hot row (hot workload only)",
            ["pgbench"],
            PgbenchTarget.ProbeAsync,
            _ => new PgbenchTarget()),
        ["naive-postgres"] = new(
            "baseline, no library: SELECT then UPDATE SET on_hand = @new (expected to oversell)",
            ["naive-postgres"],
            ServerSettings.ProbePostgresAsync,
            spec => new PostgresBaselineTarget(spec.Name, BaselineKind.Naive, ServerSettings.PostgresDataSource, ServerSettings.BenchSchema)),
        ["raw-mysql"] = new(
            "baseline, no library: one conditional UPDATE through plain MySqlConnector, granted when 1 row is affected",
            ["raw-mysql"],
            ServerSettings.ProbeMySqlAsync,
            spec => new MySqlBaselineTarget(spec.Name, BaselineKind.Raw, ServerSettings.MySqlConnectionString, ServerSettings.BenchSchema)),
        ["ledger-mysql"] = new(
            "baseline, no library: in one transaction the same UPDATE and, when granted, a movement-ledger INSERT, as prepared statements: raw SQL doing the library's work; "
            + "with +hold, carts: the hold (item, hold, movement) and the confirm or release (hold and item in one UPDATE, movement) each one transaction of prepared statements, the least a correct cart sends",
            ["ledger-mysql", "ledger-mysql+hold"],
            ServerSettings.ProbeMySqlAsync,
            spec => spec.Hold
                ? new MySqlCartBaselineTarget(spec.Name, ServerSettings.MySqlConnectionString, ServerSettings.BenchSchema)
                : new MySqlBaselineTarget(spec.Name, BaselineKind.Ledger, ServerSettings.MySqlConnectionString, ServerSettings.BenchSchema)),
        ["ledger-sqlite"] = new(
            "baseline, no library: SQLite on a new WAL file per cell, a connection and prepared statements per client, each operation one BEGIN IMMEDIATE transaction behind one in-process gate: "
            + "the conditional UPDATE and a movement-ledger INSERT; with +hold, carts: the hold (item, hold, movement) and the confirm or release (hold, item, movement)",
            ["ledger-sqlite", "ledger-sqlite+hold"],
            AlwaysAvailable,
            spec => new SqliteLedgerBaselineTarget(spec.Name, spec.Hold)),
        ["naive-mysql"] = new(
            "baseline, no library: SELECT then UPDATE SET on_hand = @new (expected to oversell)",
            ["naive-mysql"],
            ServerSettings.ProbeMySqlAsync,
            spec => new MySqlBaselineTarget(spec.Name, BaselineKind.Naive, ServerSettings.MySqlConnectionString, ServerSettings.BenchSchema)),
        ["redis"] = new(
            "StockGuard.Redis: RedisStockStore on the single Redis (one Lua script per item operation), the run's one multiplexer, a key prefix per cell (its keys deleted after the cell)",
            ["redis/atomic", "redis/atomic+idem", "redis/atomic+hold"],
            ct => RedisSettings.ProbeAsync(RedisSettings.Single, ct),
            spec => new RedisStoreTarget(spec, RedisSettings.Single)),
        ["redis-cluster"] = new(
            "StockGuard.Redis: RedisStockStore on the Redis Cluster of the test suites (three masters, three replicas; STOCKGUARD_REDIS_CLUSTER), a key prefix per cell",
            ["redis-cluster/atomic", "redis-cluster/atomic+idem", "redis-cluster/atomic+hold"],
            ct => RedisSettings.ProbeAsync(RedisSettings.Cluster, ct),
            spec => new RedisStoreTarget(spec, RedisSettings.Cluster)),
        ["redis-cluster1"] = new(
            "StockGuard.Redis: RedisStockStore on a one-master Redis Cluster with its replica (eng/servers.sh redis-cluster1, 127.0.0.1:7100-7101; STOCKGUARD_REDIS_CLUSTER1), to compare with the three masters; only when named",
            [],
            ct => RedisSettings.ProbeAsync(RedisSettings.ClusterOne, ct),
            spec => new RedisStoreTarget(spec, RedisSettings.ClusterOne)),
        ["redis-cluster-wait"] = new(
            "StockGuard.Redis: RedisStockStore on the three-master Redis Cluster with WaitForReplicas = 1 (every write waits for its replica: WAIT 1); only when named",
            [],
            ct => RedisSettings.ProbeAsync(RedisSettings.Cluster, ct),
            spec => new RedisStoreTarget(spec, RedisSettings.Cluster, waitForReplicas: 1)),
        ["lock-redis"] = new(
            "baseline, no library: lock the SKU with DistributedLock.Redis (RedisDistributedLock, default options), GET, check, SET, unlock, on the single Redis",
            ["lock-redis"],
            ct => RedisSettings.ProbeAsync(RedisSettings.Single, ct),
            spec => new RedisLockBaselineTarget(spec.Name, RedisSettings.Single)),
        ["lock-redis-cluster"] = new(
            "baseline, no library: the same lock, read, check, write and unlock on the three-master Redis Cluster (lock and level under the item's hash tag)",
            ["lock-redis-cluster"],
            ct => RedisSettings.ProbeAsync(RedisSettings.Cluster, ct),
            spec => new RedisLockBaselineTarget(spec.Name, RedisSettings.Cluster)),
    };

    /// <summary>A PostgreSQL store on <see cref="ServerSettings.LoadSchema"/>, its tables created and emptied for the cell.</summary>
    private static StockStoreTarget PostgresStoreTarget(TargetSpec spec, Func<PostgreSqlStockStoreOptions, PostgreSqlStockStore> create) =>
        new(spec, async cancellationToken =>
        {
            var store = create(new PostgreSqlStockStoreOptions
            {
                Schema = ServerSettings.LoadSchema,
                ChangeNotifications = spec.Notify ? PostgreSqlChangeNotifications.Always : PostgreSqlChangeNotifications.WhenFollowing,
            });
            await store.EnsureSchemaAsync(cancellationToken);
            await ServerSettings.EmptyPostgresLoadSchemaAsync(cancellationToken);
            return store;
        }, "PostgreSQL");

    public static TargetFactory Find(TargetSpec spec) =>
        !Factories.TryGetValue(spec.Store, out var factory)
            ? throw new ArgumentException($"Unknown store '{spec.Store}'. Known: {string.Join(", ", Factories.Keys)}.")
            : spec.Notify && spec.Store is not ("postgres" or "postgres-shared" or "postgres-txpool" or "pgbouncer")
                ? throw new ArgumentException($"{spec.Name}: +notify is a PostgreSQL store's setting (postgres, postgres-shared, postgres-txpool, pgbouncer).")
                : factory;

    /// <summary>Every target of <c>--matrix</c> and <c>--smoke</c>, in report order.</summary>
    public static IEnumerable<TargetSpec> MatrixTargets() =>
        Factories.Values.SelectMany(f => f.MatrixTargets).Select(TargetSpec.Parse);
}
