using System.Diagnostics;
using System.Globalization;
using System.Text;
using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>
/// Runs the soak: one <c>StockGuard.Soak</c> process per concurrency strategy, all at once on the same items of one
/// store, each selling, holding, confirming, releasing, extending, receiving and sweeping with short time-to-lives;
/// then audits the tables with <see cref="StockAudit"/>, purges every finished hold with a clock a day ahead and
/// audits again. A provider test project references the soak project (so that its dll lies beside the tests) and
/// calls <see cref="RunAndAuditAsync"/>.
/// </summary>
internal static class MultiProcessSoak
{
    /// <summary>The soak's entry assembly, copied beside the test assembly by the project reference.</summary>
    public static string SoakAssembly => Path.Combine(AppContext.BaseDirectory, "StockGuard.Soak.dll");

    /// <summary>
    /// Stocks <paramref name="items"/> items through <paramref name="store"/>, runs the processes for
    /// <paramref name="duration"/>, and fails the test when a process reported an error or the audit found a broken
    /// invariant. Returns what each process and the audits reported, for the test's output.
    /// </summary>
    /// <param name="store">A store on the soak's database, used to stock the items; <paramref name="later"/> makes a store whose clock runs a day ahead.</param>
    /// <param name="later">Makes a store on the same database whose clock reads the given time, for the final sweep.</param>
    /// <param name="tables">The audit's hook.</param>
    /// <param name="engine">The soak's <c>--engine</c>: <c>postgresql</c>, <c>mysql</c> or <c>sqlite</c>.</param>
    /// <param name="connectionString">The processes' connection string.</param>
    /// <param name="schema">The store's schema (MySQL: database).</param>
    /// <param name="duration">How long the processes run.</param>
    /// <param name="items">How many items they share.</param>
    /// <param name="buyers">Concurrent buyers in each process, beside its sweeper.</param>
    /// <param name="pauseMilliseconds">Each buyer waits up to this long between operations (0: never).</param>
    public static async Task<string> RunAndAuditAsync(
        IStockStore store, Func<TimeProvider, IStockStore> later, StockTables tables, string engine, string connectionString, string schema, TimeSpan duration, int items = 6, int buyers = 4, int pauseMilliseconds = 0)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(later);
        var keys = Enumerable.Range(0, items).Select(i => new StockKey($"soak-{i}-{Guid.NewGuid():N}")).ToArray();
        await store.ReceiveAsync(new ReceiveRequest(keys.Select(k => new StockLine(k, 40))));

        var strategies = Enum.GetValues<ConcurrencyStrategy>();
        var runs = strategies.Select((strategy, i) => RunProcessAsync(
            [
                "--engine", engine, "--connection", connectionString, "--schema", schema, "--strategy", strategy.ToString(),
                "--seconds", duration.TotalSeconds.ToString(CultureInfo.InvariantCulture), "--skus", string.Join(',', keys.Select(k => k.Sku)),
                "--seed", (i + 1).ToString(CultureInfo.InvariantCulture), "--buyers", buyers.ToString(CultureInfo.InvariantCulture),
                "--pause-ms", pauseMilliseconds.ToString(CultureInfo.InvariantCulture),
            ],
            duration + TimeSpan.FromMinutes(2))).ToArray();
        var results = await Task.WhenAll(runs);
        var report = new StringBuilder();
        foreach (var (exitCode, output, errors) in results)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"exit {exitCode}: {output.Trim()}");
            if (errors.Length > 0)
            {
                report.AppendLine(errors.Trim());
            }
        }

        var stopped = TimeProvider.System.GetUtcNow();
        var audit = await StockAudit.RunAsync(tables, stopped);
        report.AppendLine(CultureInfo.InvariantCulture, $"audit: {audit}");

        // A day later every hold has expired: a sweep finishes them all; a day after that, a sweep purges every one.
        var dayLater = new FixedClock(stopped + TimeSpan.FromDays(1));
        var twoDaysLater = new FixedClock(stopped + TimeSpan.FromDays(2));
        var expired = await SweepAsync(later(dayLater));
        var expiredAudit = await StockAudit.RunAsync(tables, dayLater.GetUtcNow());
        var purged = await SweepAsync(later(twoDaysLater));
        var purgedAudit = await StockAudit.RunAsync(tables, twoDaysLater.GetUtcNow());
        report.AppendLine(CultureInfo.InvariantCulture, $"a day later: {expired}; audit: {expiredAudit}");
        report.AppendLine(CultureInfo.InvariantCulture, $"two days later: {purged}; audit: {purgedAudit}");
        TestContext.Out.WriteLine(report.ToString());

        Assert.Multiple(() =>
        {
            Assert.That(results.Select(r => r.ExitCode), Is.All.EqualTo(0), "every process ran without an error:\n" + report);
            Assert.That(audit.Violations, Is.Empty, "the tables are consistent after the soak:\n" + report);
            Assert.That(expiredAudit.Violations, Is.Empty, "the tables are consistent after the final sweep:\n" + report);
            Assert.That(expiredAudit.HoldsByState.Keys, Is.All.Not.EqualTo("active"), "the final sweep finished every hold:\n" + report);
            Assert.That(purgedAudit.Violations, Is.Empty, "the tables are consistent after the purge:\n" + report);
            Assert.That(purgedAudit.HoldsByState.Keys, Is.Empty, "every hold was purged:\n" + report);
            Assert.That(results.Sum(r => Count(r.Output, "sold") + Count(r.Output, "held")), Is.GreaterThan(0), "the processes did some work");
        });
        return report.ToString();
    }

    private static async Task<SweepResult> SweepAsync(IStockStore store)
    {
        try
        {
            return await store.SweepAsync();
        }
        finally
        {
            await ((IAsyncDisposable)store).DisposeAsync();
        }
    }

    /// <summary>Starts <c>dotnet StockGuard.Soak.dll</c> with <paramref name="arguments"/> and waits (bounded) for it to exit; kills it past <paramref name="timeout"/>.</summary>
    public static async Task<(int ExitCode, string Output, string Errors)> RunProcessAsync(IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(SoakAssembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("The soak process did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new AssertionException($"A soak process ran past {timeout}.");
        }

        return (process.ExitCode, await output, await errors);
    }

    private static int Count(string output, string what)
    {
        var at = output.IndexOf($" {what} ", StringComparison.Ordinal);
        if (at < 0)
        {
            return 0;
        }

        var digits = output[(at + what.Length + 2)..].TakeWhile(char.IsDigit).ToArray();
        return digits.Length == 0 ? 0 : int.Parse(digits, CultureInfo.InvariantCulture);
    }

    /// <summary>A clock that always reads one time, and whose timers run in real time.</summary>
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
