using BenchmarkDotNet.Attributes;
using StockGuard.Benchmarks.Load;
using StockGuard.MySql;
using StockGuard.PostgreSql;
using StockGuard.Sqlite;

namespace StockGuard.Benchmarks.Database;

/// <summary>
/// The database stores under contention: each invocation is a fixed batch of <see cref="DeductsPerInvoke"/> one-unit
/// deducts split evenly over <see cref="Callers"/> concurrent callers (each sends its next deduct when the last one is
/// answered), so the reported mean is wall time per deduct of the whole batch (1 / throughput) and two means of one run
/// compare directly. A store whose server does not answer is left out of the <see cref="Store"/> values, with a note on
/// the console (with <c>STOCKGUARD_REQUIRE_SERVERS=1</c> the run fails instead). <c>STOCKGUARD_BENCH_SMOKE=1</c> keeps
/// one caller count (4) for a quick check that every case runs; <c>STOCKGUARD_BENCH_STRATEGIES</c> and
/// <c>STOCKGUARD_BENCH_CALLERS</c> narrow a run to some strategies and caller counts (BenchmarkDotNet's filter names
/// methods, not parameters).
/// </summary>
public class DatabaseDeductBenchmarks
{
    /// <summary>Deducts per invocation, whatever the caller count: divisible by 1, 4, 16 and 64.</summary>
    public const int DeductsPerInvoke = 768;

    /// <summary>Items of <see cref="ItemSpread.Uniform"/>: enough that callers rarely meet on a row, few enough to stock quickly in every setup.</summary>
    private const int UniformItems = 1_000;

    /// <summary>Units each item receives: far more than a run sells.</summary>
    private const int UnitsPerItem = 1_000_000_000;

    /// <summary>Requests built per caller, cycled through.</summary>
    private const int RequestsPerCaller = 1_024;

    /// <summary>The schema (PostgreSQL) or database (MySQL) of the suite, apart from the load harness's; emptied in every setup.</summary>
    private const string Schema = "stockguard_bdn";

    private static readonly Lazy<IReadOnlyList<DatabaseStore>> Reachable = new(FindReachableStores);

    private IStockStore? _store;
    private string? _sqliteFile;
    private StockKey[] _keys = [];
    private DeductRequest[][] _requests = [];
    private int[] _cursors = [];
    private long _granted;
    private long _conflicts;

    /// <summary>The store: PostgreSQL, MySQL/MariaDB or SQLite.</summary>
    [ParamsSource(nameof(Stores))]
    public DatabaseStore Store { get; set; }

    /// <summary>The strategy every deduct asks for.</summary>
    [ParamsSource(nameof(Strategies))]
    public ConcurrencyStrategy Strategy { get; set; }

    /// <summary>Callers that deduct at once.</summary>
    [ParamsSource(nameof(CallerCounts))]
    public int Callers { get; set; }

    /// <summary>One hot item, or 1,000 items chosen uniformly.</summary>
    [ParamsAllValues]
    public ItemSpread Items { get; set; }

    /// <summary>
    /// Whether every deduct carries an idempotency key of its own (a new 32-character key and request per deduct, about
    /// 0.3 KB that the key-less case builds once); see <see cref="KeyedValues"/>.
    /// </summary>
    [ParamsSource(nameof(KeyedValues))]
    public bool Keyed { get; set; }

    /// <summary>The stores whose servers answer (SQLite always).</summary>
    public static IEnumerable<DatabaseStore> Stores() => Reachable.Value;

    /// <summary>Every strategy, or those <c>STOCKGUARD_BENCH_STRATEGIES</c> lists (comma-separated names).</summary>
    public static IEnumerable<ConcurrencyStrategy> Strategies() =>
        Environment.GetEnvironmentVariable("STOCKGUARD_BENCH_STRATEGIES") is { Length: > 0 } names
            ? [.. names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(TargetSpec.ParseStrategy)]
            : [ConcurrencyStrategy.Atomic, ConcurrencyStrategy.Pessimistic, ConcurrencyStrategy.Optimistic, ConcurrencyStrategy.Coalescing];

    /// <summary>
    /// Key-less deducts only, or with <c>STOCKGUARD_BENCH_KEYED=1</c> key-less and keyed ones side by side (what a key
    /// adds per deduct, in time and in the memory diagnoser's allocated bytes).
    /// </summary>
    public static IEnumerable<bool> KeyedValues() =>
        Environment.GetEnvironmentVariable("STOCKGUARD_BENCH_KEYED") is "1" or "true" ? [false, true] : [false];

    /// <summary>
    /// 1, 16 and 64 callers, as the load harness's grid; 4 in a smoke run; or the counts <c>STOCKGUARD_BENCH_CALLERS</c>
    /// lists (comma-separated divisors of <see cref="DeductsPerInvoke"/>).
    /// </summary>
    public static IEnumerable<int> CallerCounts() =>
        Environment.GetEnvironmentVariable("STOCKGUARD_BENCH_CALLERS") is { Length: > 0 } counts
            ? [.. counts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseCallers)]
            : Environment.GetEnvironmentVariable("STOCKGUARD_BENCH_SMOKE") is "1" or "true" ? [4] : [1, 16, 64];

    /// <summary>Creates the store on an emptied schema, stocks the items and builds each caller's requests.</summary>
    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    /// <summary>The batch: every caller runs its share of the deducts, one after another.</summary>
    [Benchmark(OperationsPerInvoke = DeductsPerInvoke)]
    public Task Deduct()
    {
        var callers = new Task[Callers];
        for (var c = 0; c < callers.Length; c++)
        {
            callers[c] = RunCallerAsync(c);
        }

        return Task.WhenAll(callers);
    }

    /// <summary>Checks that the items lost exactly the units granted, then drops the store (and the SQLite file).</summary>
    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    private async Task RunCallerAsync(int caller)
    {
        var store = _store!;
        var requests = _requests[caller];
        for (var i = 0; i < DeductsPerInvoke / Callers; i++)
        {
            var request = requests[_cursors[caller]++ % requests.Length];
            if (Keyed)
            {
                request = new DeductRequest(request.Lines) { Strategy = Strategy, Reference = request.Reference, IdempotencyKey = Guid.NewGuid().ToString("N") };
            }

            while (true)
            {
                try
                {
                    var result = await store.DeductAsync(request);
                    if (!result.Succeeded)
                    {
                        throw new InvalidOperationException("A benchmark deduct was refused: the items sold out.");
                    }

                    Interlocked.Increment(ref _granted);
                    break;
                }
                catch (ConcurrencyConflictException)
                {
                    // The optimistic strategy's retries ran out on a contended row: the caller sends it again, as an
                    // application would, so that every invocation sells its whole batch.
                    Interlocked.Increment(ref _conflicts);
                }
            }
        }
    }

    private async Task SetupAsync()
    {
        _store = await CreateStoreAsync();
        _keys = Items == ItemSpread.Hot
            ? [new StockKey("bdn-hot")]
            : [.. Enumerable.Range(0, UniformItems).Select(i => new StockKey($"bdn-{i:D5}"))];
        foreach (var chunk in _keys.Chunk(500))
        {
            var receipt = await _store.ReceiveAsync(new ReceiveRequest([.. chunk.Select(k => new StockLine(k, UnitsPerItem))]) { Reference = "benchmark setup" });
            if (!receipt.Succeeded)
            {
                throw new InvalidOperationException("Could not stock the benchmark's items.");
            }
        }

        _requests = new DeductRequest[Callers][];
        for (var c = 0; c < Callers; c++)
        {
            var random = new Random(c);
            _requests[c] = [.. Enumerable.Range(0, RequestsPerCaller).Select(_ =>
                new DeductRequest([new StockLine(_keys[random.Next(_keys.Length)], 1)]) { Strategy = Strategy, Reference = "benchmark" })];
        }

        _cursors = new int[Callers];
        _granted = 0;
        _conflicts = 0;
    }

    private async Task<IStockStore> CreateStoreAsync()
    {
        switch (Store)
        {
            case DatabaseStore.PostgreSql:
                var postgres = new PostgreSqlStockStore(ServerSettings.PostgresConnectionString, new PostgreSqlStockStoreOptions { Schema = Schema });
                await postgres.EnsureSchemaAsync();
                await ServerSettings.EmptyPostgresSchemaAsync(Schema, CancellationToken.None);
                return postgres;
            case DatabaseStore.MySql:
                var mysql = new MySqlStockStore(ServerSettings.MySqlConnectionString, new MySqlStockStoreOptions { Schema = Schema });
                await mysql.EnsureSchemaAsync();
                await ServerSettings.EmptyMySqlSchemaAsync(Schema, CancellationToken.None);
                return mysql;
            default:
                _sqliteFile = Path.Combine(Path.GetTempPath(), $"stockguard-bdn-{Guid.NewGuid():N}.db");
                var sqlite = new SqliteStockStore($"Data Source={_sqliteFile}");
                await sqlite.EnsureSchemaAsync();
                return sqlite;
        }
    }

    private async Task CleanupAsync()
    {
        if (_store is not { } store)
        {
            return;
        }

        long sold = 0;
        foreach (var chunk in _keys.Chunk(500))
        {
            sold += (await store.GetLevelsAsync(chunk)).Sum(l => UnitsPerItem - l.OnHand);
        }

        if (_conflicts > 0)
        {
            Console.WriteLine($"// {Store}/{Strategy}, {Callers} callers, {Items}: {_conflicts} optimistic conflicts sent again by the callers.");
        }

        if (store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }

        _store = null;
        if (_sqliteFile is { } file)
        {
            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(path);
            }
        }

        if (sold != _granted)
        {
            throw new InvalidOperationException($"{Store}/{Strategy}: the items lost {sold} units, but {_granted} deducts of one unit were granted.");
        }
    }

    private static int ParseCallers(string text) =>
        int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var callers) && callers > 0 && DeductsPerInvoke % callers == 0
            ? callers
            : throw new ArgumentException($"STOCKGUARD_BENCH_CALLERS: '{text}' is not a divisor of {DeductsPerInvoke}.");

    private static IReadOnlyList<DatabaseStore> FindReachableStores()
    {
        var stores = new List<DatabaseStore>();
        foreach (var (store, probe) in new (DatabaseStore, Func<CancellationToken, Task<string?>>)[]
        {
            (DatabaseStore.PostgreSql, ServerSettings.ProbePostgresAsync),
            (DatabaseStore.MySql, ServerSettings.ProbeMySqlAsync),
        })
        {
            if (probe(CancellationToken.None).GetAwaiter().GetResult() is { } why)
            {
                if (ServerSettings.ServersRequired)
                {
                    throw new InvalidOperationException($"{why} ({ServerSettings.RequireServersVariable}=1).");
                }

                Console.WriteLine($"// {nameof(DatabaseDeductBenchmarks)}: {store} skipped: {why}");
                continue;
            }

            stores.Add(store);
        }

        stores.Add(DatabaseStore.Sqlite);
        return stores;
    }
}
