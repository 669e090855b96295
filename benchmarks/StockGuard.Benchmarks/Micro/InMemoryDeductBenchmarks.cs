using BenchmarkDotNet.Attributes;
using StockGuard.InMemory;

namespace StockGuard.Benchmarks.Micro;

/// <summary>
/// The "buy now" path of the in-memory store: one unit of one item, and a 3-line order. Requests are built once
/// per thread and reused (they carry no idempotency key), so the allocations reported are the store's own.
/// </summary>
public class InMemoryDeductBenchmarks : InMemoryBenchmarkBase
{
    private DeductRequest[][] _requests = [];

    /// <summary>Prepares <see cref="DeductOneUnit"/>.</summary>
    [GlobalSetup(Target = nameof(DeductOneUnit))]
    public void SetupOneUnit() => Setup(linesPerOrder: 1);

    /// <summary>Prepares <see cref="DeductThreeLineOrder"/>.</summary>
    [GlobalSetup(Target = nameof(DeductThreeLineOrder))]
    public void SetupThreeLines() => Setup(linesPerOrder: 3);

    /// <summary>Deducts one unit of one item.</summary>
    [Benchmark(OperationsPerInvoke = OperationsPerInvoke)]
    public void DeductOneUnit() => RunGang();

    /// <summary>Deducts an order of three lines (1 unit each), all or nothing.</summary>
    [Benchmark(OperationsPerInvoke = OperationsPerInvoke)]
    public void DeductThreeLineOrder() => RunGang();

    private void Setup(int linesPerOrder) => Start(new InMemoryStockStore(), (thread, keys) =>
    {
        if (_requests.Length == 0)
        {
            throw new InvalidOperationException("Setup did not build the requests.");
        }

        var requests = _requests[thread];
        var store = Store;
        for (var i = 0; i < OperationsPerThread; i++)
        {
            if (!Completed(store.DeductAsync(requests[i % requests.Length])).Succeeded)
            {
                throw new InvalidOperationException("A benchmark deduct was refused: the items sold out.");
            }
        }
    }, keys => _requests = Array.ConvertAll(keys, own => BuildRequests(own, linesPerOrder)));

    private static DeductRequest[] BuildRequests(StockKey[] keys, int linesPerOrder)
    {
        var requests = new DeductRequest[keys.Length];
        for (var i = 0; i < requests.Length; i++)
        {
            var lines = new StockLine[linesPerOrder];
            for (var l = 0; l < linesPerOrder; l++)
            {
                lines[l] = new StockLine(keys[(i + l) % keys.Length], 1);
            }

            requests[i] = new DeductRequest(lines);
        }

        return requests;
    }
}
