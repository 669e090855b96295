using StockGuard.InMemory;
using StockGuard.Testing;

namespace StockGuard.Tests;

/// <summary>The reconciliation suite on the in-memory store, whose counters are corrupted through its test-only hook.</summary>
public sealed class InMemoryReconciliationTests : ReconciliationTests<InMemoryTestProvider>
{
    protected override Task CorruptCounterAsync(StockKey key, StockCounter counter, long delta)
    {
        ((InMemoryStockStore)Store).Corrupt(key, counter, delta);
        return Task.CompletedTask;
    }

    protected override Task CorruptHoldLineAsync(StockKey key, Guid holdId, long delta)
    {
        ((InMemoryStockStore)Store).Corrupt(key, StockCounter.Reserved, delta, holdId);
        return Task.CompletedTask;
    }
}
