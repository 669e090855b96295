using BenchmarkDotNet.Attributes;
using StockGuard.InMemory;

namespace StockGuard.Benchmarks.Micro;

/// <summary>
/// The checkout path of the in-memory store: reserve one unit, then confirm the hold. One operation is the pair.
/// Confirmed holds are kept for the retention period (one minute here), so each iteration ends, untimed, by moving
/// the clock two minutes on and sweeping them; that needs a fixed invocation count per iteration. Two invocations
/// keep at most 32,768 finished holds alive, about what a day of a mid-sized shop leaves under the default 24-hour
/// retention. The count matters: with 16 invocations (262,144 live holds) each pair took 2–3 times as long, the
/// difference being gen-2 collections over the retained holds.
/// </summary>
[InvocationCount(2)]
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
