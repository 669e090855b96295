using BenchmarkDotNet.Attributes;
using StockGuard.InMemory;

namespace StockGuard.Benchmarks.Micro;

/// <summary>
/// The shared shape of the in-memory micro benchmarks: a fixed number of operations per invocation, split evenly
/// over 1, 2 or 8 persistent threads, on one hot item or on items private to each thread. A reported mean is
/// therefore wall time per operation of the whole gang: 1 / throughput, and the ratio of two means is the scaling.
/// </summary>
public abstract class InMemoryBenchmarkBase
{
    /// <summary>Operations per invocation, whatever the thread count: divisible by 1, 2 and 8.</summary>
    public const int OperationsPerInvoke = 16_384;

    /// <summary>Items each thread cycles through in <see cref="SkuSpread.ManySkus"/>.</summary>
    protected const int SkusPerThread = 16;

    /// <summary>
    /// Receipts of int.MaxValue units per item up front: 8.6 billion units, where a whole benchmark sells a few
    /// hundred million at most, so no run ever sells out.
    /// </summary>
    private const int ReceiptsPerItem = 4;

    private WorkerGang? _gang;

    /// <summary>Threads that run the operation at once.</summary>
    [Params(1, 2, 8)]
    public int Threads { get; set; }

    /// <summary>Whether the threads share one hot item or each has its own.</summary>
    [Params(SkuSpread.HotSku, SkuSpread.ManySkus)]
    public SkuSpread Skus { get; set; }

    /// <summary>The store under test, created by <see cref="CreateStore"/>.</summary>
    protected InMemoryStockStore Store { get; private set; } = null!;

    /// <summary>Operations each thread runs per invocation.</summary>
    protected int OperationsPerThread => OperationsPerInvoke / Threads;

    /// <summary>Stops the worker threads.</summary>
    [GlobalCleanup]
    public void StopWorkers() => _gang?.Dispose();

    /// <summary>Runs one invocation: every thread runs its slice.</summary>
    protected void RunGang() => _gang!.Run();

    /// <summary>Creates the store and the items, and starts the threads.</summary>
    /// <param name="store">The store.</param>
    /// <param name="slice">One thread's work per invocation, given the thread's index and its items.</param>
    /// <param name="prepare">Builds what the slices need from every thread's items, before the threads start.</param>
    protected void Start(InMemoryStockStore store, Action<int, StockKey[]> slice, Action<StockKey[][]> prepare)
    {
        Store = store;
        var keys = CreateItems();
        prepare(keys);
        _gang = new WorkerGang(Threads, thread => slice(thread, keys[thread]));
    }

    /// <summary>Waits for a store call that the in-memory store completes synchronously, and fails loudly if it did not.</summary>
    protected static T Completed<T>(Task<T> task) =>
        task.IsCompletedSuccessfully ? task.Result : throw new InvalidOperationException("The in-memory store did not complete the call synchronously.");

    /// <summary>Each thread's items: three shared hot items, or <see cref="SkusPerThread"/> items of its own.</summary>
    private StockKey[][] CreateItems()
    {
        var keys = new StockKey[Threads][];
        if (Skus == SkuSpread.HotSku)
        {
            StockKey[] hot = ["hot-a", "hot-b", "hot-c"];
            Receive(hot);
            Array.Fill(keys, hot);
            return keys;
        }

        for (var t = 0; t < Threads; t++)
        {
            keys[t] = new StockKey[SkusPerThread];
            for (var k = 0; k < SkusPerThread; k++)
            {
                keys[t][k] = new StockKey($"t{t}-sku{k}");
            }

            Receive(keys[t]);

            // Two unused items between threads' items keep their objects off each other's cache lines, so that
            // "no shared item" also means no false sharing that the benchmark, not the store, would cause.
            Receive([new StockKey($"t{t}-pad1"), new StockKey($"t{t}-pad2")]);
        }

        return keys;
    }

    private void Receive(StockKey[] keys)
    {
        // A receipt line holds at most int.MaxValue units; a few of them are far more than any run can sell.
        for (var i = 0; i < ReceiptsPerItem; i++)
        {
            var lines = Array.ConvertAll(keys, key => new StockLine(key, int.MaxValue));
            if (!Completed(Store.ReceiveAsync(new ReceiveRequest(lines) { Reference = "benchmark setup" })).Succeeded)
            {
                throw new InvalidOperationException("Could not stock the benchmark's items.");
            }
        }
    }
}
