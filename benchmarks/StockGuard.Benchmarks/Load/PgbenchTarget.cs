using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// PostgreSQL's own load generator on the hot row: <c>pgbench -M prepared</c> running the shipped script
/// <c>benchmarks/pgbench/hot-deduct.sql</c> (one conditional decrement per transaction) with as many clients as the
/// cell. It shows what the database gives one row with the fastest client there is, so the library's ratios against
/// it need no trust in the harness. Runs the hot workload only; other workloads have no row to aim at.
/// </summary>
internal sealed class PgbenchTarget : ILoadTarget, IExternalCell
{
    private readonly PostgresBaselineTarget _table = new("pgbench", BaselineKind.Raw, ServerSettings.PostgresDataSource);

    public string Name => "pgbench";

    public bool ExpectedToOversell => false;

    public bool ReportsRetries => false;

    public string? Server { get; private set; }

    public static string ScriptPath => Path.Combine(AppContext.BaseDirectory, "pgbench", "hot-deduct.sql");

    /// <summary>Null when pgbench and its script are here and PostgreSQL answers, else why not.</summary>
    public static async Task<string?> ProbeAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(ScriptPath))
        {
            return $"the pgbench script is missing at {ScriptPath}";
        }

        try
        {
            var (exit, output, _) = await RunAsync(["--version"], null, cancellationToken);
            if (exit != 0)
            {
                return $"pgbench --version failed: {output.Trim()}";
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "pgbench is not installed (Debian: it comes with postgresql-15)";
        }

        return await ServerSettings.ProbePostgresAsync(cancellationToken);
    }

    public async Task<CellResult?> RunCellAsync(Workload workload, int clients, TimeSpan duration, string cellId, CancellationToken cancellationToken)
    {
        if (workload.Kind != WorkloadKind.Hot)
        {
            return null;
        }

        // The row is the raw baseline's: same table, same shape, one item.
        await _table.PrepareAsync(cellId, 1, workload.StockPerSku, cancellationToken);
        Server = _table.Server;
        var sku = _table.Skus[0];
        var logs = Directory.CreateTempSubdirectory("stockguard-pgbench-");
        try
        {
            var settings = new NpgsqlConnectionStringBuilder(ServerSettings.PostgresConnectionString);
            var seconds = Math.Max(1, (int)Math.Ceiling(duration.TotalSeconds));
            string[] arguments =
            [
                "-n", "-M", "prepared", "-f", ScriptPath, "-D", $"sku={sku}",
                "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", Math.Min(clients, Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture),
                "-T", seconds.ToString(CultureInfo.InvariantCulture), "-l", "--log-prefix", Path.Combine(logs.FullName, "tx"),
                "-h", settings.Host!, "-p", settings.Port.ToString(CultureInfo.InvariantCulture), "-U", settings.Username!, settings.Database!,
            ];
            var (exit, _, errors) = await RunAsync(arguments, settings.Password, cancellationToken);
            if (exit != 0)
            {
                throw new InvalidOperationException($"pgbench exited with {exit}: {errors.Trim()}");
            }

            var latencies = new LatencyHistogram();
            long transactions = 0;
            double? firstStart = null, lastEnd = null;
            foreach (var file in logs.EnumerateFiles("tx*"))
            {
                // Per transaction: client_id transaction_no latency_us script_no epoch_s epoch_us (at its end).
                foreach (var line in await File.ReadAllLinesAsync(file.FullName, cancellationToken))
                {
                    var fields = line.Split(' ');
                    var latency = long.Parse(fields[2], CultureInfo.InvariantCulture);
                    var end = long.Parse(fields[4], CultureInfo.InvariantCulture) + (long.Parse(fields[5], CultureInfo.InvariantCulture) / 1e6);
                    latencies.Record(latency * 1000);
                    transactions++;
                    firstStart = Math.Min(firstStart ?? double.MaxValue, end - (latency / 1e6));
                    lastEnd = Math.Max(lastEnd ?? 0, end);
                }
            }

            var left = (await _table.ReadLevelsAsync(cancellationToken))[0];
            var granted = workload.StockPerSku - left;
            return new CellResult
            {
                Target = Name,
                Workload = workload.Name,
                Clients = clients,
                ExpectedToOversell = false,
                Seconds = lastEnd - firstStart ?? seconds,
                Granted = granted,
                Refused = transactions - granted,
                Errors = 0,
                Retries = null,
                P50Milliseconds = latencies.QuantileMilliseconds(0.50),
                P99Milliseconds = latencies.QuantileMilliseconds(0.99),
                UnitsReceived = workload.StockPerSku,
                UnitsGranted = granted,
                UnitsLeft = left,
                Oversold = Math.Max(0, -left),
                Undersold = 0,
                Unaccounted = 0,
            };
        }
        finally
        {
            logs.Delete(recursive: true);
        }
    }

    public Task PrepareAsync(string cellId, int skuCount, int stockPerSku, CancellationToken cancellationToken) =>
        throw new NotSupportedException("pgbench runs whole cells (IExternalCell).");

    public Task<ILoadClient> ConnectAsync(CancellationToken cancellationToken) =>
        throw new NotSupportedException("pgbench runs whole cells (IExternalCell).");

    public Task<long[]> ReadLevelsAsync(CancellationToken cancellationToken) =>
        throw new NotSupportedException("pgbench runs whole cells (IExternalCell).");

    public ValueTask DisposeAsync() => _table.DisposeAsync();

    private static async Task<(int Exit, string Output, string Errors)> RunAsync(IEnumerable<string> arguments, string? password, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("pgbench") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (password is not null)
        {
            start.Environment["PGPASSWORD"] = password;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await output, await errors);
    }
}

/// <summary>A target that runs a whole cell itself (an external load generator) instead of serving the harness's clients.</summary>
internal interface IExternalCell
{
    /// <summary>Runs one cell; null when the target has no meaning for <paramref name="workload"/>.</summary>
    Task<CellResult?> RunCellAsync(Workload workload, int clients, TimeSpan duration, string cellId, CancellationToken cancellationToken);
}
