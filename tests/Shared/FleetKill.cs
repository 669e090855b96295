using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>
/// A fleet of application servers selling one hot item with the coalescing strategy, one of which is killed while its
/// sale is in flight: three <c>StockGuard.Soak --mode hot</c> processes, each with its own store and buyers. Once every
/// process is selling, the test takes the item's row lock so that every process's next batch waits on it, kills the
/// first process, and lets the others go on. Then it checks what every process told its buyers against the tables:
/// each sale a buyer was told of is in the ledger exactly once, no refused request is, a refusal only ever came when
/// the item had sold out, the counters equal the ledger, and nothing was oversold. The killed process's batch took
/// effect as a whole or not at all; nobody heard of it, so either is truthful.
/// </summary>
internal static class FleetKill
{
    private const int Processes = 3;
    private const int Buyers = 8;
    // Enough that no process sells out its buyers' requests before the last one has started (processes start one after
    // another, and a fast one would otherwise be done before the row is locked, leaving no batch of its own to wait).
    private const int Requests = 1000;

    /// <param name="store">A store on the processes' database, to stock the item and read it back.</param>
    /// <param name="tables">The audit's hook, also used to read the ledger.</param>
    /// <param name="engine">The soak's <c>--engine</c>.</param>
    /// <param name="connectionString">The processes' connection string.</param>
    /// <param name="schema">The store's schema (MySQL: database).</param>
    /// <param name="lockItem">Takes the item's row lock in a transaction of the test's own.</param>
    /// <param name="lockWaiters">Counts the sessions waiting for a row lock in the schema.</param>
    /// <param name="keyed">Whether every deduct carries an idempotency key (the batch's transaction path).</param>
    public static async Task<string> RunAsync(
        IStockStore store, StockTables tables, string engine, string connectionString, string schema, Func<StockKey, Task<ILockHolder>> lockItem, Func<Task<int>> lockWaiters, bool keyed)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(lockItem);
        ArgumentNullException.ThrowIfNull(lockWaiters);
        const int stock = Processes * Buyers * Requests / 2;
        var key = new StockKey($"fleet-{Guid.NewGuid():N}");
        await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, stock)));

        var sellers = Enumerable.Range(0, Processes).Select(i => Seller.Start(
        [
            "--mode", "hot", "--engine", engine, "--connection", connectionString, "--schema", schema, "--sku", key.Sku,
            "--prefix", $"p{i}", "--buyers", Buyers.ToString(CultureInfo.InvariantCulture), "--requests", Requests.ToString(CultureInfo.InvariantCulture),
            "--keyed", keyed ? "1" : "0",
        ])).ToArray();
        var report = new StringBuilder();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            foreach (var seller in sellers)
            {
                await seller.WaitForAnswersAsync(Buyers, timeout.Token);
            }

            // Every process is selling: with the row locked, each one's next batch waits on it, sent and unanswered.
            var killed = sellers[0];
            int waiting;
            await using (var blocker = await lockItem(key))
            {
                waiting = await WaitForAsync(lockWaiters, Processes, timeout.Token);
                killed.Kill();
                await blocker.ReleaseAsync();
            }

            var exits = await Task.WhenAll(sellers.Skip(1).Select(s => s.WaitForExitAsync(timeout.Token)));
            await killed.WaitForExitAsync(timeout.Token);
            report.AppendLine(CultureInfo.InvariantCulture, $"{waiting} sessions waited for the row lock when the first process was killed, after {killed.Answers.Count} answers");

            var sales = await SaleReferencesAsync(tables, key);
            var level = (await store.GetLevelsAsync([key])).Single();
            var audit = await StockAudit.RunAsync(tables, TimeProvider.System.GetUtcNow());
            foreach (var (seller, index) in sellers.Select((s, i) => (s, i)))
            {
                report.AppendLine(CultureInfo.InvariantCulture, $"process {index}{(index == 0 ? " (killed)" : "")}: {seller.Answers.Count(a => a.Kind == "applied")} applied, {seller.Answers.Count(a => a.Kind == "refused")} refused, {seller.Answers.Count(a => a.Kind == "error")} errors, {sales.Count(s => s.StartsWith($"p{index}-", StringComparison.Ordinal))} sales in the ledger");
            }

            report.AppendLine(CultureInfo.InvariantCulture, $"level: {level.OnHand} on hand of {stock}; audit: {audit}");
            TestContext.Out.WriteLine(report.ToString());
            var answers = sellers.SelectMany(s => s.Answers).ToList();
            var told = answers.Where(a => a.Kind == "applied").Select(a => a.Reference).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(exits, Is.All.EqualTo(0), "the processes that were not killed answered every buyer without an error:\n" + report + string.Join("\n", sellers.Skip(1).Select(s => s.Errors)));
                Assert.That(sellers.Skip(1).Select(s => s.Answers.Count), Is.All.EqualTo(Buyers * Requests), "every buyer of the other processes got an answer:\n" + report);
                Assert.That(sales, Is.Unique, "each sale is in the ledger once");
                Assert.That(told.Except(sales), Is.Empty, "every sale a buyer was told of is in the ledger");
                Assert.That(answers.Where(a => a.Kind == "refused").Select(a => a.Reference).Intersect(sales), Is.Empty, "no refused request was sold");
                Assert.That(sales.Where(s => !s.StartsWith("p0-", StringComparison.Ordinal)).Except(told), Is.Empty, "every sale of a living process was told to its buyer");
                Assert.That(level.OnHand, Is.EqualTo(stock - sales.Count), "the counter equals the ledger: nothing left stock without a sale row");
                Assert.That(level.OnHand, Is.GreaterThanOrEqualTo(0), "nothing was oversold");
                if (answers.Any(a => a.Kind == "refused"))
                {
                    Assert.That(level.OnHand, Is.Zero, "a one-unit request is refused only when the item has sold out, and stock only falls");
                }

                Assert.That(audit.Violations, Is.Empty, "the tables are consistent:\n" + report);
            });
            return report.ToString();
        }
        finally
        {
            foreach (var seller in sellers)
            {
                seller.Dispose();
            }
        }
    }

    private static async Task<int> WaitForAsync(Func<Task<int>> count, int atLeast, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var value = await count();
            if (value >= atLeast)
            {
                return value;
            }

            if (watch.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new AssertionException($"Only {value} of the {atLeast} processes' batches waited for the row lock within 30 seconds.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
        }
    }

    private static async Task<List<string>> SaleReferencesAsync(StockTables tables, StockKey key)
    {
        await using var connection = await tables.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {tables.Text("reference")} FROM {tables.Table("stock_movements")} WHERE {tables.Text("sku")} = @sku AND kind = 'sale'";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "sku";
        parameter.Value = key.Sku;
        command.Parameters.Add(parameter);
        var references = new List<string>();
        await using DbDataReader reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            references.Add(reader.GetString(0));
        }

        return references;
    }

    /// <summary>One seller process and the answers it printed.</summary>
    private sealed class Seller : IDisposable
    {
        private readonly Process _process;
        private readonly Task _reading;
        private readonly StringBuilder _errors = new();

        private Seller(Process process)
        {
            _process = process;
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    lock (_errors)
                    {
                        _errors.AppendLine(line);
                    }
                }
            };
            _process.BeginErrorReadLine();
            _reading = Task.Run(ReadAsync);
        }

        public ConcurrentQueue<(string Kind, string Reference)> Answers { get; } = new();

        public string Errors
        {
            get
            {
                lock (_errors)
                {
                    return _errors.ToString();
                }
            }
        }

        public static Seller Start(IReadOnlyList<string> arguments)
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(MultiProcessSoak.SoakAssembly);
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            return new Seller(Process.Start(start) ?? throw new InvalidOperationException("A seller process did not start."));
        }

        public async Task WaitForAnswersAsync(int count, CancellationToken cancellationToken)
        {
            while (Answers.Count < count)
            {
                if (_reading.IsCompleted)
                {
                    throw new AssertionException($"A seller process stopped after {Answers.Count} answers: {Errors}");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(5), cancellationToken);
            }
        }

        public void Kill() => _process.Kill(entireProcessTree: true);

        public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
        {
            await _process.WaitForExitAsync(cancellationToken);
            await _reading.WaitAsync(cancellationToken);
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }

        private async Task ReadAsync()
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
            {
                var parts = line.Split(' ');
                if (parts.Length >= 2 && parts[0] is "applied" or "refused" or "error")
                {
                    Answers.Enqueue((parts[0], parts[1]));
                }
            }
        }
    }
}
