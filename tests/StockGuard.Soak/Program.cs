using System.Diagnostics;
using System.Globalization;
using StockGuard;
using StockGuard.MySql;
using StockGuard.PostgreSql;
using StockGuard.Sql;
using StockGuard.Sqlite;

// One process of the soak: buyers that sell, hold, confirm, release, extend and receive at once on a few shared items,
// with short time-to-lives, and a sweeper, until the time is up. Prints one summary line; exits 1 when any operation
// failed with an error (a deadlock that outlived the retries, a timeout, anything unexpected), printing each on stderr.
//
// dotnet StockGuard.Soak.dll --engine postgresql|mysql|sqlite --connection <string> [--schema <name>]
//     --strategy Atomic|Pessimistic|Optimistic|Coalescing --seconds <s> --skus <a,b,c> [--buyers <n>] [--seed <n>]
//     [--pause-ms <n>: each buyer waits up to n ms between operations, so that processes queued for SQLite's one write
//     lock get their turn]
// dotnet StockGuard.Soak.dll --mode hot --engine ... --connection ... [--schema ...] --sku <sku> --prefix <text>
//     [--buyers <n>] [--requests <n> per buyer] [--keyed 1]: one server of a fleet selling one hot item (HotSeller.cs)
// dotnet StockGuard.Soak.dll --mode sql --engine sqlite --connection <string> --sql <text>: another application's
//     statements (a migration of its own, a VACUUM) run once on its own connection to the store's SQLite file
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    options[args[i].TrimStart('-')] = args[i + 1];
}

string Option(string name, string? fallback = null) =>
    options.TryGetValue(name, out var value) ? value : fallback ?? throw new ArgumentException($"--{name} is required.");

if (Option("mode", "soak") == "sql")
{
    if (Option("engine") != "sqlite")
    {
        throw new ArgumentException("--mode sql runs on --engine sqlite only.");
    }

    await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(Option("connection"));
    await connection.OpenAsync();
    await using var command = connection.CreateCommand();
    command.CommandText = "PRAGMA busy_timeout = 60000;";
    await command.ExecuteNonQueryAsync();
    command.CommandText = Option("sql");
    await command.ExecuteNonQueryAsync();
    Console.WriteLine("sql: done");
    return 0;
}

if (Option("mode", "soak") == "hot")
{
    await using var seller = Create(Option("engine"), Option("connection"), Option("schema", "stockguard"), ConcurrencyStrategy.Coalescing);
    return await StockGuard.Soak.HotSeller.RunAsync(seller, (name, fallback) => Option(name, fallback));
}

var strategy = Enum.Parse<ConcurrencyStrategy>(Option("strategy"));
var duration = TimeSpan.FromSeconds(double.Parse(Option("seconds"), CultureInfo.InvariantCulture));
var keys = Option("skus").Split(',').Select(s => new StockKey(s)).ToArray();
var buyers = int.Parse(Option("buyers", "4"), CultureInfo.InvariantCulture);
var pause = int.Parse(Option("pause-ms", "0"), CultureInfo.InvariantCulture);
var seed = int.Parse(Option("seed", Environment.ProcessId.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

await using var store = Create(Option("engine"), Option("connection"), Option("schema", "stockguard"), strategy);
var counts = new Dictionary<string, int>(StringComparer.Ordinal);
var failures = new List<string>();
var holds = new List<Guid>();
var clock = Stopwatch.StartNew();

void Count(string what)
{
    lock (counts)
    {
        counts[what] = counts.GetValueOrDefault(what) + 1;
    }
}

Guid? TakeHold(Random random)
{
    lock (holds)
    {
        if (holds.Count == 0)
        {
            return null;
        }

        var index = random.Next(holds.Count);
        var id = holds[index];
        holds[index] = holds[^1];
        holds.RemoveAt(holds.Count - 1);
        return id;
    }
}

void PutHold(Guid id)
{
    lock (holds)
    {
        holds.Add(id);
    }
}

StockLine[] Lines(Random random, int max) =>
    [.. keys.OrderBy(_ => random.Next()).Take(random.Next(1, max + 1)).Select(k => new StockLine(k, random.Next(1, 4)))];

TimeSpan Ttl(Random random) => TimeSpan.FromMilliseconds(random.Next(20, 400));

async Task BuyerAsync(int index)
{
    var random = new Random(seed * 31 + index);
    while (clock.Elapsed < duration)
    {
        if (pause > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(pause + 1)), TimeProvider.System);
        }

        var pick = random.Next(100);
        var what = pick switch
        {
            < 30 => "deduct",
            < 60 => "reserve",
            < 75 => "confirm",
            < 85 => "release",
            < 90 => "extend",
            _ => "receive",
        };
        try
        {
            switch (what)
            {
                case "deduct":
                    Count((await store.DeductAsync(new DeductRequest(Lines(random, 2)) { Reference = "soak" })).Succeeded ? "sold" : "refused");
                    break;
                case "reserve":
                    var reserved = await store.ReserveAsync(new ReserveRequest(Ttl(random), Lines(random, 3)) { Reference = "soak" });
                    Count(reserved.Succeeded ? "held" : "hold-refused");
                    if (reserved.Hold is { } hold)
                    {
                        PutHold(hold.Id);
                    }

                    break;
                case "confirm" or "release" or "extend":
                    if (TakeHold(random) is not { } id)
                    {
                        break;
                    }

                    var result = what switch
                    {
                        "confirm" => await store.ConfirmAsync(id),
                        "release" => await store.ReleaseAsync(id),
                        _ => await store.ExtendAsync(id, Ttl(random)),
                    };
                    Count(result.Outcome switch
                    {
                        HoldOutcome.Expired => "found-expired",
                        HoldOutcome.Confirmed => "confirmed",
                        HoldOutcome.Released => "released",
                        _ => "extended",
                    });
                    if (result.Outcome == HoldOutcome.Extended)
                    {
                        PutHold(id);
                    }

                    break;
                default:
                    await store.ReceiveAsync(new ReceiveRequest(new StockLine(keys[random.Next(keys.Length)], random.Next(5, 30))) { Reference = "soak" });
                    Count("received");
                    break;
            }
        }
        catch (ConcurrencyConflictException)
        {
            Count("optimistic-conflict");
        }
        catch (Exception ex)
        {
            lock (failures)
            {
                failures.Add($"{what}: {ex.GetType().Name}: {ex.Message}{(ex.InnerException is { } inner ? $" ({inner.GetType().Name}: {inner.Message})" : "")}");
            }
        }
    }
}

async Task SweeperAsync()
{
    while (clock.Elapsed < duration)
    {
        try
        {
            var swept = await store.SweepAsync();
            Count(swept.ExpiredHolds > 0 ? "sweeps-that-expired" : "sweeps");
            for (var i = 0; i < swept.ExpiredHolds; i++)
            {
                Count("swept-holds");
            }
        }
        catch (Exception ex)
        {
            lock (failures)
            {
                failures.Add($"sweep: {ex.GetType().Name}: {ex.Message}{(ex.InnerException is { } inner ? $" ({inner.GetType().Name}: {inner.Message})" : "")}");
            }
        }

        await Task.Delay(TimeSpan.FromMilliseconds(25), TimeProvider.System);
    }
}

await Task.WhenAll([.. Enumerable.Range(0, buyers).Select(BuyerAsync), SweeperAsync()]);

Console.WriteLine($"{strategy}: " + string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}")) + $", failures {failures.Count}");
foreach (var failure in failures.Take(20))
{
    Console.Error.WriteLine(failure);
}

return failures.Count == 0 ? 0 : 1;

static SqlStockStore Create(string engine, string connection, string schema, ConcurrencyStrategy strategy) => engine switch
{
    "postgresql" => new PostgreSqlStockStore(
        connection,
        new PostgreSqlStockStoreOptions { Schema = schema, Strategy = strategy, AutoCreateSchema = false, MaxOptimisticAttempts = 100 }),
    "mysql" => new MySqlStockStore(
        connection,
        new MySqlStockStoreOptions { Schema = schema, Strategy = strategy, AutoCreateSchema = false, MaxOptimisticAttempts = 100 }),
    "sqlite" => new SqliteStockStore(
        connection,
        new SqliteStockStoreOptions { Strategy = strategy, AutoCreateSchema = false, MaxOptimisticAttempts = 100, BusyTimeout = TimeSpan.FromSeconds(60) }),
    _ => throw new ArgumentException($"Unknown engine '{engine}'.", nameof(engine)),
};
