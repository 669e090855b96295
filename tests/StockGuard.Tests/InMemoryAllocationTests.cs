using FluentAssertions;
using NUnit.Framework;
using StockGuard.InMemory;

namespace StockGuard.Tests;

/// <summary>
/// What the in-memory store allocates per call, counted on the calling thread with
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/>. A count of bytes, not a timing: it is the same on any machine.
/// </summary>
public sealed class InMemoryAllocationTests
{
    private const int WarmUpCalls = 1_000;
    private const int Calls = 10_000;

    // Every measured object is stored here, so that none can be optimised away or kept on the stack.
    private static object? s_sink;

    [Test]
    public void A_single_line_deduct_allocates_nothing_but_its_result()
    {
        var store = new InMemoryStockStore();
        var key = new StockKey("allocation-sku");
        Completed(store.ReceiveAsync(new ReceiveRequest(new StockLine(key, int.MaxValue)))).Succeeded.Should().BeTrue();
        var request = new DeductRequest(new StockLine(key, 1));
        var level = Completed(store.GetLevelAsync(key))!;

        var perDeduct = BytesPerCall(() => store.DeductAsync(request));

        // The irreducible result, allocated the same way: the Task<StockChangeResult>, the StockChangeResult, its
        // one-element StockLevel[] and the StockLevel (a record clone). No short lines: an empty array, not allocated.
        var perResult = BytesPerCall(() => Task.FromResult(new StockChangeResult(true, new[] { level with { } }, [])));

        Completed(store.DeductAsync(request)).Succeeded.Should().BeTrue();
        perDeduct.Should().BeLessThanOrEqualTo(perResult, "a single-line deduct allocates its result and nothing else");
        if (Environment.Is64BitProcess)
        {
            // On x64: Task<T> 72 B, StockChangeResult 48 B, StockLevel[1] 32 B, StockLevel 120 B (its pre-order settings included).
            perResult.Should().Be(272);
        }
    }

    /// <summary>
    /// Bytes allocated per call after a warm-up (first-call initialisation, tiered compilation). Integer division:
    /// a one-off allocation of fewer than <see cref="Calls"/> bytes during the loop rounds away, anything per call does not.
    /// </summary>
    private static long BytesPerCall(Func<object> call)
    {
        for (var i = 0; i < WarmUpCalls; i++)
        {
            s_sink = call();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Calls; i++)
        {
            s_sink = call();
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / Calls;
    }

    private static T Completed<T>(Task<T> task) =>
        task.IsCompletedSuccessfully ? task.Result : throw new AssertionException("The in-memory store did not complete the call synchronously.");
}
