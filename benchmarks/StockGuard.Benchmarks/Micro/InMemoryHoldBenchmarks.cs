using BenchmarkDotNet.Attributes;
using StockGuard.InMemory;

namespace StockGuard.Benchmarks.Micro;

/// <summary>
/// The checkout path of the in-memory store: reserve one unit, then confirm the hold. One operation is the pair.
/// Confirmed holds are kept for the retention period (one minute here), so each iteration ends, untimed, by moving
/// the clock two minutes on and sweeping them; that needs a fixed invocation count per iteration.
/// </summary>
[InvocationCount(16)]
public class InMemoryHoldBenchmarks : InMemoryBenchmarkBase
{
    private readonly SteppedTimeProvider _time = new();
    private ReserveRequest[][] _requests = [];

    /// <summary>Creates the store, its items and the threads.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var options = new InMemoryStockStoreOptions { FinishedHoldRetention = TimeSpan.FromMinutes(1) };
        Start(new InMemoryStockStore(options, _time), (thread, _) =>
        {
            var requests = _requests[thread];
            var store = Store;
            for (var i = 0; i < OperationsPerThread; i++)
            {
                var hold = Completed(store.ReserveAsync(requests[i % requests.Length])).Hold
                    ?? throw new InvalidOperationException("A benchmark hold was refused: the items sold out.");
                if (Completed(store.ConfirmAsync(hold.Id)).Outcome != HoldOutcome.Confirmed)
                {
                    throw new InvalidOperationException("A benchmark hold was not confirmed.");
                }
            }
        }, keys => _requests = Array.ConvertAll(keys, own => Array.ConvertAll(own, key => new ReserveRequest(TimeSpan.FromMinutes(10), new StockLine(key, 1)))));
    }

    /// <summary>Reserves one unit of one item and confirms the hold.</summary>
    [Benchmark(OperationsPerInvoke = OperationsPerInvoke)]
    public void ReserveThenConfirm() => RunGang();

    /// <summary>Purges the iteration's confirmed holds, untimed, so the hold table does not grow across iterations.</summary>
    [IterationCleanup]
    public void PurgeFinishedHolds()
    {
        _time.Advance(TimeSpan.FromMinutes(2));
        _ = Completed(Store.SweepAsync());
    }
}
