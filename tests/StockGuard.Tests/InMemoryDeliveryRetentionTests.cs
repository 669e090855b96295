using System.Collections.Concurrent;
using System.Diagnostics;
using FluentAssertions;
using NUnit.Framework;
using StockGuard.Changes;
using StockGuard.InMemory;

namespace StockGuard.Tests;

/// <summary>A consumer of the in-memory store that fell behind the store's change retention.</summary>
public sealed class InMemoryDeliveryRetentionTests
{
    [Test]
    public async Task A_consumer_behind_the_retention_goes_on_from_the_oldest_change_kept()
    {
        var store = new InMemoryStockStore(new InMemoryStockStoreOptions { ChangeRetention = 4 });
        var consumers = new InMemoryStockChangeConsumers();
        for (var i = 0; i < 10; i++)
        {
            await store.ReceiveAsync(new ReceiveRequest(new StockLine("sku", 1)) { Reference = $"delivery-{i}" });
        }

        var received = new ConcurrentQueue<StockChange>();
        var dispatcher = new StockChangeDispatcher("erp", new Handler(received), store, consumers, new StockChangeDispatcherOptions { PollInterval = TimeSpan.FromMilliseconds(10) });
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => dispatcher.RunAsync(stop.Token));
        try
        {
            var waited = Stopwatch.StartNew();
            while (received.Count < 4)
            {
                waited.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10), "the consumer goes on past the changes the store no longer keeps");
                await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System);
            }

            received.Select(c => c.Reference).Should().Equal("delivery-6", "delivery-7", "delivery-8", "delivery-9");
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }
    }

    private sealed class Handler(ConcurrentQueue<StockChange> received) : IStockChangeHandler
    {
        public Task HandleAsync(StockChange change, CancellationToken cancellationToken)
        {
            received.Enqueue(change);
            return Task.CompletedTask;
        }
    }
}
