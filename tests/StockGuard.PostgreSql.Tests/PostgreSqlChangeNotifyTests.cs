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

        // The writer follows the feed too (its first wait starts its listener), so it tells the others of its commits.
        await writer.WaitForChangesAsync(TimeSpan.FromMilliseconds(1));
        await SaleWakesAnotherInstanceAsync(writer);
    }

    [Test]
    public async Task A_writer_that_does_not_follow_the_feed_notifies_when_told_to_always()
    {
        var writer = (PostgreSqlStockStore)DisposedAfterTest(Provider.CreateStore(
            TimeProvider.System, o => ((PostgreSqlStockStoreOptions)o).ChangeNotifications = PostgreSqlChangeNotifications.Always));
        await SaleWakesAnotherInstanceAsync(writer);
    }

    [Test]
    public async Task A_writer_behind_a_transaction_pooler_notifies_a_dispatcher_connected_directly()
    {
        await PgBouncerServer.EnsureReachableAsync();
        var options = Provider.Options();
        options.ChangeNotifications = PostgreSqlChangeNotifications.Always;
        options.Pooling = PostgreSqlPooling.Transaction;
        var writer = DisposedAfterTest(new PostgreSqlStockStore(PgBouncerServer.ConnectionString, options));
        await SaleWakesAnotherInstanceAsync(writer);
    }

    [Test]
    public void An_undefined_notification_setting_is_refused()
    {
        var options = Provider.Options();
        options.ChangeNotifications = (PostgreSqlChangeNotifications)7;
        var create = () => new PostgreSqlStockStore(Provider.DataSource, options);
        create.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().WithMessage("*ChangeNotifications is 7*");
    }

    /// <summary>
    /// A dispatcher in another instance that would poll only hourly delivers the writer's sale: only a NOTIFY can have
    /// woken it. The writer has made no wait of its own unless the caller did.
    /// </summary>
    private async Task SaleWakesAnotherInstanceAsync(PostgreSqlStockStore writer)
    {
        var reader = (PostgreSqlStockStore)DisposedAfterTest(Provider.CreateStore(TimeProvider.System));
        var key = await StockedAsync(reader, 10);
        var consumer = $"notify-{Guid.NewGuid():N}";
        (await reader.TryAcquireLeaseAsync(consumer, "setup", TimeSpan.FromMinutes(1))).Should().NotBeNull();
        (await reader.SaveCheckpointAsync(consumer, "setup", await reader.GetLastPositionAsync(), TimeSpan.FromMinutes(1))).Should().BeTrue();
        await reader.ReleaseLeaseAsync(consumer, "setup");
        var received = new ConcurrentQueue<StockChange>();
        var dispatcher = new StockChangeDispatcher(consumer, new Handler(key, received), reader, reader, new StockChangeDispatcherOptions { PollInterval = TimeSpan.FromHours(1), LeaseDuration = TimeSpan.FromHours(1) });
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
