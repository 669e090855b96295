using System.Collections.Concurrent;
using System.Diagnostics;
using FluentAssertions;
using NUnit.Framework;
using StockGuard.Changes;
using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>LISTEN/NOTIFY between two application instances: a dispatcher that would poll only hourly still delivers at once.</summary>
public sealed class PostgreSqlChangeNotifyTests : ProviderFixture<AtomicPostgreSqlTestProvider>
{
    [Test]
    public async Task A_commit_in_one_instance_wakes_the_dispatcher_of_another()
    {
        var writer = (PostgreSqlStockStore)DisposedAfterTest(Provider.CreateStore(TimeProvider.System));
        var reader = (PostgreSqlStockStore)DisposedAfterTest(Provider.CreateStore(TimeProvider.System));
        var key = await StockedAsync(writer, 10);

        // The writer follows the feed too (its first wait starts its listener), so it tells the others of its commits.
        await writer.WaitForChangesAsync(TimeSpan.FromMilliseconds(1));
        var consumer = $"notify-{Guid.NewGuid():N}";
        (await reader.TryAcquireLeaseAsync(consumer, "setup", TimeSpan.FromMinutes(1))).Should().NotBeNull();
        (await reader.SaveCheckpointAsync(consumer, "setup", await reader.GetLastPositionAsync(), TimeSpan.FromMinutes(1))).Should().BeTrue();
        await reader.ReleaseLeaseAsync(consumer, "setup");
        var received = new ConcurrentQueue<StockChange>();
        var dispatcher = new StockChangeDispatcher(consumer, new Handler(key, received), reader, reader, new StockChangeDispatcherOptions { PollInterval = TimeSpan.FromHours(1) });
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => dispatcher.RunAsync(stop.Token));
        try
        {
            await EventuallyAsync(() => dispatcher.IsActive && reader.IsListening);
            var sold = Stopwatch.StartNew();
            (await writer.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue();

            await EventuallyAsync(() => !received.IsEmpty);
            sold.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10), "the NOTIFY woke the dispatcher, which would otherwise wait an hour");
            received.Single().Kind.Should().Be(StockMovementKind.Sale);
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }
    }

    private static async Task EventuallyAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            deadline.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30));
            await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System);
        }
    }

    private sealed class Handler(StockKey key, ConcurrentQueue<StockChange> received) : IStockChangeHandler
    {
        public Task HandleAsync(StockChange change, CancellationToken cancellationToken)
        {
            if (change.Key == key)
            {
                received.Enqueue(change);
            }

            return Task.CompletedTask;
        }
    }
}
