using System.Text.Json;

namespace StockGuard.Benchmarks.Load;

/// <summary>What one client measured, before the clients of a process are summed.</summary>
internal sealed record ClientShare(
    LatencyHistogram Latency,
    long[] UnitsGranted,
    List<(int Sku, int Quantity)> Refused,
    long Grants,
    long Refusals,
    long Holds,
    long Releases,
    long Abandons,
    long LateConfirms,
    long Requests,
    long Errors,
    string? FirstError);

/// <summary>
/// What the clients of one process measured in one cell: everything the cell's result is summed from, in a form a
/// fleet's child process writes to its parent as one line of JSON.
/// </summary>
internal sealed class ProcessShare
{
    private static readonly JsonSerializerOptions Json = new() { IncludeFields = false };

    public int ProcessId { get; set; } = Environment.ProcessId;

    public int Clients { get; set; }

    /// <summary>Wall time from the end of the warm-up to the last client of this process stopping.</summary>
    public double Seconds { get; set; }

    public long Grants { get; set; }

    public long Refusals { get; set; }

    public long Errors { get; set; }

    public string? FirstError { get; set; }

    public long Holds { get; set; }

    public long Releases { get; set; }

    public long Abandons { get; set; }

    public long LateConfirms { get; set; }

    public long Requests { get; set; }

    /// <summary>Units granted per item, warm-up included.</summary>
    public long[] UnitsGranted { get; set; } = [];

    /// <summary>Refused requests, warm-up included, as (item, quantity, count) triples.</summary>
    public int[][] Refused { get; set; } = [];

    /// <summary>The latency histogram's non-empty buckets (<see cref="LatencyHistogram.ToSparse"/>).</summary>
    public long[][] Latency { get; set; } = [];

    public long? Retries { get; set; }

    /// <summary>Coalesced batches taken from a queue in the measured window (<c>stockguard.batch.size</c>), and the requests in them.</summary>
    public long Batches { get; set; }

    public long BatchedRequests { get; set; }

    /// <summary>Batches of one request: it ran alone, as the atomic path does.</summary>
    public long SingleBatches { get; set; }

    public long LargestBatch { get; set; }

    public double ClientCpuMilliseconds { get; set; }

    public double? MachineCpuMilliseconds { get; set; }

    public bool HitTimeCap { get; set; }

    public bool Carts { get; set; }

    /// <summary>Requests answered in the measured window.</summary>
    public long Answered => Grants + Refusals + Errors;

    /// <summary>
    /// Requests that ran in a transaction of their own: on an idle item (the atomic path), or as a batch of one. With
    /// coalescing, every other request shared a batch's transaction.
    /// </summary>
    public long AloneRequests => Math.Max(0, Answered - (BatchedRequests - SingleBatches));

    /// <summary>Transactions this process's deducts ran: its batches of two or more, and the requests that ran alone.</summary>
    public long Transactions => (Batches - SingleBatches) + AloneRequests;

    /// <summary>Requests per batch of two or more, on average; null when there was none.</summary>
    public double? MeanMultiBatch => Batches - SingleBatches is var multi and > 0 ? (double)(BatchedRequests - SingleBatches) / multi : null;

    public static ProcessShare From(IReadOnlyList<ClientShare> clients, double seconds, long? retries, BatchStats batches, TimeSpan clientCpu, TimeSpan? machineCpu, bool hitTimeCap, bool carts)
    {
        var latency = new LatencyHistogram();
        var units = new long[clients.Count == 0 ? 0 : clients[0].UnitsGranted.Length];
        var refused = new Dictionary<(int, int), int>();
        foreach (var client in clients)
        {
            latency.Add(client.Latency);
            for (var i = 0; i < units.Length; i++)
            {
                units[i] += client.UnitsGranted[i];
            }

            foreach (var line in client.Refused)
            {
                refused[line] = refused.GetValueOrDefault(line) + 1;
            }
        }

        return new ProcessShare
        {
            Clients = clients.Count,
            Seconds = seconds,
            Grants = clients.Sum(c => c.Grants),
            Refusals = clients.Sum(c => c.Refusals),
            Errors = clients.Sum(c => c.Errors),
            FirstError = clients.Select(c => c.FirstError).FirstOrDefault(e => e is not null),
            Holds = clients.Sum(c => c.Holds),
            Releases = clients.Sum(c => c.Releases),
            Abandons = clients.Sum(c => c.Abandons),
            LateConfirms = clients.Sum(c => c.LateConfirms),
            Requests = clients.Sum(c => c.Requests),
            UnitsGranted = units,
            Refused = [.. refused.Select(r => new[] { r.Key.Item1, r.Key.Item2, r.Value })],
            Latency = latency.ToSparse(),
            Retries = retries,
            Batches = batches.Batches,
            BatchedRequests = batches.Requests,
            SingleBatches = batches.Singles,
            LargestBatch = batches.Largest,
            ClientCpuMilliseconds = clientCpu.TotalMilliseconds,
            MachineCpuMilliseconds = machineCpu?.TotalMilliseconds,
            HitTimeCap = hitTimeCap,
            Carts = carts,
        };
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ProcessShare FromJson(string json) =>
        JsonSerializer.Deserialize<ProcessShare>(json, Json) ?? throw new InvalidOperationException("A fleet process reported nothing.");
}
