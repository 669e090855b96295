using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace StockGuard.Benchmarks.Load;

/// <summary>The run's results as a Markdown table (with the command and the machine) and as CSV.</summary>
internal sealed class Report(
    string[] args,
    IReadOnlyList<CellResult> results,
    IReadOnlyList<ILoadTarget> targets,
    IReadOnlyList<string> skipped,
    IReadOnlyList<string> failures,
    TimeSpan duration,
    TimeSpan warmup,
    long? operations,
    int selloutStock,
    int catalogSize)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string ProgressLine(CellResult r) =>
        string.Create(Invariant, $"[load] {r.Target + (r.Fleet ? $" in {r.Processes}p" : ""),-22} {r.Workload,-8} x{r.Clients,-3} {r.GrantedPerSecond,12:N0} ok/s{(r.HoldsPerSecond is { } hps ? $"  {hps:N0} holds/s" : "")}  p50 {Ms(r.P50Milliseconds)} ms  p99 {Ms(r.P99Milliseconds)} ms  refused {r.Refused}  oversold {r.Oversold}  undersold {Count(r.Undersold)}  errors {r.Errors}  cpu µs/req {Cpu(r)}{(r.MeanBatch is { } batch ? $"  batch {batch:0.#}" : "")}{(r.Holds is not null ? $"  released {r.Releases}  abandoned {r.Abandons}  late confirms {r.LateConfirms}  swept {r.SweptHolds}  reserved after sweep {r.ReservedAfterSweep}" : "")}");

    /// <summary>A fleet cell's evidence: each process's rate and batches, the requests that ran alone, the transactions, the server's waits.</summary>
    public static string FleetLine(CellResult r)
    {
        var text = new StringBuilder();
        text.Append(Invariant, $"{r.Target} {r.Workload} x{r.Clients} in {r.Processes} processes: ok/s per process ")
            .AppendJoin(" / ", r.Shares.Select(s => (s.Grants / Math.Max(s.Seconds, 1e-9)).ToString("N0", Invariant)))
            .Append("; batch (mean of batches of 2+, largest) per process ")
            .AppendJoin(" / ", r.Shares.Select(s => s.MeanMultiBatch is { } m ? string.Create(Invariant, $"{m:0.#} ({s.LargestBatch})") : "none"))
            .Append(Invariant, $"; requests alone {r.AloneRequests:N0} of {r.Shares.Sum(s => s.Answered):N0} ({100.0 * r.AloneRequests / Math.Max(1, r.Shares.Sum(s => s.Answered)):0.#} %)")
            .Append(Invariant, $"; deduct transactions/s {r.TransactionsPerSecond:N0}");
        if (r.Server is { } server)
        {
            text.Append("; ").Append(server);
        }

        return text.ToString();
    }

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine("### Load harness results").AppendLine();
        text.Append("Command: `dotnet run -c Release --project benchmarks/StockGuard.Benchmarks -- load ").Append(string.Join(' ', args)).AppendLine("`  ");
        text.Append(Invariant, $"Run: {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC; {Machine()}").AppendLine("  ");
        var servers = targets.Select(t => t.Server).OfType<string>().Distinct().ToList();
        if (servers.Count > 0)
        {
            text.Append("Servers (loopback): ").AppendJoin(", ", servers).AppendLine("  ");
        }

        text.Append(Invariant, $"Cells: {(operations is { } ops ? $"{ops:N0} requests" : $"{duration.TotalSeconds:0.###} s measured after a {warmup.TotalSeconds:0.###} s warm-up")} each; sell-out: {selloutStock:N0} units, demand 10x ({Math.Ceiling(10.0 * selloutStock / Workload.MeanQuantity):N0} requests); ")
            .Append(Invariant, $"zipf (s = 1.0) and uniform over {catalogSize:N0} items; orders of 1 unit (80 %) or 1–5 units (20 %), one line each.").AppendLine()
            .AppendLine();
        var carts = results.Any(r => r.Holds is not null);
        if (carts)
        {
            text.Append("Carts (+hold): ").Append(results.First(r => r.HoldMix is not null).HoldMix).AppendLine("; each cell ends by waiting out the TTL and sweeping.").AppendLine();
        }

        var fleet = results.Any(r => r.Fleet);
        var rounds = results.Any(r => r.Round > 1);
        text.AppendLine($"| target |{(fleet ? " processes |" : "")}{(rounds ? " round |" : "")} workload | clients | ok/s |{(carts ? " holds/s |" : "")} p50 ms | p99 ms | retries/ok | refused | oversold | undersold | errors | batch | cpu µs/req |");
        text.AppendLine($"| --- |{(fleet ? " ---: |" : "")}{(rounds ? " ---: |" : "")} --- | ---: | ---: |{(carts ? " ---: |" : "")} ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in results)
        {
            text.Append(Invariant, $"| {r.Target}{(r.ExpectedToOversell ? " †" : "")} |{(fleet ? (r.Fleet ? $" {r.Processes} |" : " — |") : "")}{(rounds ? $" {r.Round} |" : "")} {r.Workload}{(r.HitTimeCap ? " (time cap)" : "")} | {r.Clients} | {r.GrantedPerSecond:N0} |{(carts ? (r.HoldsPerSecond is { } hps ? $" {hps:N0} |" : " |") : "")} {Ms(r.P50Milliseconds)} | {Ms(r.P99Milliseconds)} | ")
                .Append(r.RetriesPerGrant is { } retries ? retries.ToString("0.00", Invariant) : "n/a")
                .Append(Invariant, $" | {r.Refused:N0} | {(r.Oversold > 0 ? $"**{r.Oversold:N0}**" : "0")} | {Count(r.Undersold)} | {r.Errors:N0} | {(r.MeanBatch is { } batch ? batch.ToString("0.#", Invariant) : "")} | {Cpu(r)} |")
                .AppendLine();
        }

        text.AppendLine();
        if (results.Any(r => r.ExpectedToOversell))
        {
            text.AppendLine("† naive read-then-write baseline (no library): expected to oversell; its oversell is reported, not failed.  ");
        }

        text.AppendLine("ok/s: granted deducts (committed decrements) per second. Latency over all answered requests. oversold: units granted beyond received − final level, summed per item. undersold: refused requests the item's final level could still have served. batch: requests per coalesced batch, on average. cpu µs/req: CPU time per answered request, of the harness process (clients and library) / of the whole machine (adding the loopback servers).");
        if (carts)
        {
            text.AppendLine().Append("+hold: each order is a cart. ok/s counts confirmed holds (sales); holds/s the holds granted; latency and cpu µs/req are per request (hold, confirm or release). Undersold is not judged for carts (released holds raise availability again).");
        }

        foreach (var r in results.Where(r => r.Holds is not null))
        {
            text.AppendLine().Append(Invariant, $"- {r.Target} {r.Workload} x{r.Clients}: {r.Holds:N0} holds, {r.Granted:N0} confirmed, {r.Releases:N0} released, {r.Abandons:N0} abandoned in the measured window; {r.LateConfirms:N0} confirms found their hold expired; the closing sweep gave back {r.SweptHolds:N0} holds and left {(r.ReservedAfterSweep > 0 ? $"**{r.ReservedAfterSweep:N0}**" : "0")} units reserved");
        }

        if (fleet)
        {
            text.AppendLine().Append("processes: OS processes that ran the cell's clients, each with its own store and its share of the clients (—: this process). ")
                .Append("Per fleet cell below: each process's rate and batches, the requests that ran in a transaction of their own, and what the server's connections were doing, sampled every 20 ms.");
        }

        foreach (var r in results.Where(r => r.Fleet))
        {
            text.AppendLine().Append("- ").Append(FleetLine(r));
        }

        foreach (var r in results.Where(r => r.Errors > 0))
        {
            text.AppendLine().Append(Invariant, $"- {r.Target} {r.Workload} x{r.Clients}: {r.Errors:N0} errors, first: {r.FirstError}");
        }

        foreach (var r in results.Where(r => r.Unaccounted > 0))
        {
            text.AppendLine().Append(Invariant, $"- {r.Target} {r.Workload} x{r.Clients}: {r.Unaccounted:N0} units left stock with no grant seen by a client (errors after commit)");
        }

        foreach (var line in skipped)
        {
            text.AppendLine().Append("- skipped ").Append(line);
        }

        foreach (var line in failures)
        {
            text.AppendLine().Append("- cell failed: ").Append(line);
        }

        return text.ToString().TrimEnd() + Environment.NewLine;
    }

    public string ToCsv()
    {
        var text = new StringBuilder();
        text.AppendLine("target,workload,clients,seconds,granted,granted_per_s,p50_ms,p99_ms,retries,retries_per_grant,refused,errors,units_received,units_granted,units_left,oversold,undersold,unaccounted,expected_to_oversell,hit_time_cap,mean_batch,client_cpu_us_per_request,machine_cpu_us_per_request,holds,holds_per_s,releases,abandons,late_confirms,swept_holds,reserved_after_sweep,processes,round,alone_requests,transactions_per_s,mean_multi_batch,first_error");
        foreach (var r in results)
        {
            text.AppendJoin(',',
                    r.Target, r.Workload, r.Clients.ToString(Invariant), r.Seconds.ToString("0.###", Invariant), r.Granted.ToString(Invariant),
                    r.GrantedPerSecond.ToString("0.#", Invariant), r.P50Milliseconds.ToString("0.####", Invariant), r.P99Milliseconds.ToString("0.####", Invariant),
                    r.Retries?.ToString(Invariant) ?? "", r.RetriesPerGrant?.ToString("0.####", Invariant) ?? "", r.Refused.ToString(Invariant), r.Errors.ToString(Invariant),
                    r.UnitsReceived.ToString(Invariant), r.UnitsGranted.ToString(Invariant), r.UnitsLeft.ToString(Invariant), r.Oversold.ToString(Invariant),
                    r.Undersold?.ToString(Invariant) ?? "", r.Unaccounted.ToString(Invariant), r.ExpectedToOversell ? "true" : "false", r.HitTimeCap ? "true" : "false",
                    r.MeanBatch?.ToString("0.##", Invariant) ?? "", r.ClientCpuPerRequest?.ToString("0.#", Invariant) ?? "",
                    r.MachineCpuPerRequest?.ToString("0.#", Invariant) ?? "", r.Holds?.ToString(Invariant) ?? "", r.HoldsPerSecond?.ToString("0.#", Invariant) ?? "",
                    r.Releases?.ToString(Invariant) ?? "", r.Abandons?.ToString(Invariant) ?? "", r.LateConfirms?.ToString(Invariant) ?? "",
                    r.SweptHolds?.ToString(Invariant) ?? "", r.ReservedAfterSweep?.ToString(Invariant) ?? "",
                    r.Fleet ? r.Processes.ToString(Invariant) : "", r.Round.ToString(Invariant), r.Fleet ? r.AloneRequests.ToString(Invariant) : "",
                    r.Fleet ? r.TransactionsPerSecond.ToString("0.#", Invariant) : "", r.MeanMultiBatch?.ToString("0.##", Invariant) ?? "", Quote(r.FirstError))
                .AppendLine();
        }

        return text.ToString();
    }

    /// <summary>Three significant digits: in-memory latencies are fractions of a microsecond, database ones milliseconds.</summary>
    private static string Ms(double value) =>
        double.IsNaN(value) ? "n/a"
        : value <= 0 || value >= 100 ? value.ToString("0", Invariant)
        : Math.Round(value, 2 - (int)Math.Floor(Math.Log10(value))).ToString("0.#########", Invariant);

    private static string Cpu(CellResult r) =>
        r.ClientCpuPerRequest is not { } client ? "n/a"
        : string.Create(Invariant, $"{client:0} / {(r.MachineCpuPerRequest is { } machine ? machine.ToString("0", Invariant) : "n/a")}");

    private static string Count(long? value) => value is { } count ? count.ToString("N0", Invariant) : "n/a";

    private static string Quote(string? text) => text is null ? "" : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal).ReplaceLineEndings(" ") + "\"";

    private static string Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{Environment.ProcessorCount} logical cores{(cpu is null ? "" : $" ({cpu})")}; {RuntimeInformation.OSDescription}; {RuntimeInformation.FrameworkDescription}";
    }
}
