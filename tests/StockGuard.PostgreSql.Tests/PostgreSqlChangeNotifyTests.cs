using System.Collections.Concurrent;
using System.Diagnostics;
using FluentAssertions;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NUnit.Framework;
using StockGuard.Caching;
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

    [Test]
    public async Task A_sign_that_came_after_the_last_read_ends_the_next_wait_at_once_from_this_process_or_another()
    {
        var writer = (PostgreSqlStockStore)DisposedAfterTest(Provider.CreateStore(
            TimeProvider.System, o => ((PostgreSqlStockStoreOptions)o).ChangeNotifications = PostgreSqlChangeNotifications.Always));
        var reader = (PostgreSqlStockStore)DisposedAfterTest(Provider.CreateStore(TimeProvider.System));
        var key = await StockedAsync(reader, 10);
        await reader.WaitForChangesAsync(TimeSpan.FromMilliseconds(1));
        await EventuallyAsync(() => reader.IsListening);

        // Another process's sale, heard while nobody waited.
        var seen = reader.ChangeSignals;
        (await writer.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue();
        await EventuallyAsync(() => reader.ChangeSignals != seen);
        reader.WaitForChangesAsync(seen, TimeSpan.FromHours(1)).IsCompletedSuccessfully.Should().BeTrue("a sign came after the count was taken");

        // This process's own sale.
        seen = reader.ChangeSignals;
        (await reader.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue();
        reader.WaitForChangesAsync(seen, TimeSpan.FromHours(1)).IsCompletedSuccessfully.Should().BeTrue("the store's own sale is a sign");
    }

    [Test]
    public async Task A_notification_in_the_form_earlier_versions_send_is_heard()
    {
        var store = (PostgreSqlStockStore)DisposedAfterTest(Provider.CreateStore(TimeProvider.System));
        await store.WaitForChangesAsync(TimeSpan.FromMilliseconds(1));
        await EventuallyAsync(() => store.IsListening);
        var seen = store.ChangeSignals;

        await using var connection = new NpgsqlConnection(PostgreSqlServer.ConnectionString);
        await connection.OpenAsync();
        await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection);
        notify.Parameters.AddWithValue("channel", PostgreSqlChangeListener.Channel);
        notify.Parameters.AddWithValue("payload", Provider.Schema);
        await notify.ExecuteNonQueryAsync();

        await EventuallyAsync(() => store.ChangeSignals != seen);
    }

    [TestCase("shop/b1", true)]
    [TestCase("shop", true)]
    [TestCase("shop/a1", false)]
    [TestCase("shop2/b1", false)]
    [TestCase("shop2", false)]
    [TestCase("sho", false)]
    [TestCase("shop/", true)]
    public void A_payload_is_a_change_by_another_store_only_for_its_own_schema_and_another_sender(string payload, bool another) =>
        PostgreSqlChangeListener.IsChangeByAnother(payload, "shop", "a1").Should().Be(another);

    [Test]
    public async Task A_store_that_follows_the_feed_does_not_hear_its_own_notifications_back()
    {
        var store = (PostgreSqlStockStore)DisposedAfterTest(Provider.CreateStore(TimeProvider.System));
        var other = (PostgreSqlStockStore)DisposedAfterTest(Provider.CreateStore(
            TimeProvider.System, o => ((PostgreSqlStockStoreOptions)o).ChangeNotifications = PostgreSqlChangeNotifications.Always));

        // Stocked before the store follows the feed, so that nothing is sent for it.
        var key = await StockedAsync(store, 10);
        await store.WaitForChangesAsync(TimeSpan.FromMilliseconds(1));
        await EventuallyAsync(() => store.IsListening);

        var seen = store.ChangeSignals;
        var sent = store.NotificationsSent;
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue();
        await EventuallyAsync(() => store.NotificationsSent > sent && store.NotificationsPending == 0);

        // Another store's notification, sent after the store's own was committed: PostgreSQL delivers them in commit
        // order, so once this one is heard the store's own would have been too.
        var otherSent = other.NotificationsSent;
        (await other.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue();
        await EventuallyAsync(() => other.NotificationsSent > otherSent && store.ChangeSignals >= seen + 2);

        store.ChangeSignals.Should().Be(seen + 2, "one sign for its own sale, one for the other store's notification");
    }

    [Test]
    public async Task A_sale_committed_while_the_dispatcher_handles_the_one_before_is_delivered_at_once()
    {
        var writer = (PostgreSqlStockStore)DisposedAfterTest(Provider.CreateStore(
            TimeProvider.System, o => ((PostgreSqlStockStoreOptions)o).ChangeNotifications = PostgreSqlChangeNotifications.Always));
        var reader = (PostgreSqlStockStore)DisposedAfterTest(Provider.CreateStore(TimeProvider.System));
        var key = await StockedAsync(reader, 10);
        var consumer = await ConsumerFromNowAsync(reader);
        var handling = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new ConcurrentQueue<StockChange>();
        var handler = new Handler(key, received, async () =>
        {
            if (received.Count == 1)
            {
                handling.TrySetResult();
                await gate.Task;
            }
        });
        var dispatcher = new StockChangeDispatcher(consumer, handler, reader, reader, new StockChangeDispatcherOptions { PollInterval = TimeSpan.FromHours(1), LeaseDuration = TimeSpan.FromHours(1) });
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => dispatcher.RunAsync(stop.Token));
        try
        {
            await EventuallyAsync(() => dispatcher.IsActive && reader.IsListening);
            (await writer.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue();
            await handling.Task.WaitAsync(TimeSpan.FromSeconds(30));

            // The second sale's notification arrives while the handler still works on the first.
            var signals = reader.ChangeSignals;
            (await writer.DeductAsync(new DeductRequest(new StockLine(key, 2)))).Succeeded.Should().BeTrue();
            await EventuallyAsync(() => reader.ChangeSignals != signals);
            gate.SetResult();

            // Without the sign the dispatcher would wait for its lease's renewal, 20 minutes away.
            await EventuallyAsync(() => received.Count == 2);
            received.Select(c => -c.OnHandDelta).Should().Equal(1, 2);
        }
        finally
        {
            gate.TrySetResult();
            await stop.CancelAsync();
            await running;
        }
    }

    [Test]
    public async Task A_sale_committed_while_the_level_cache_reads_the_feed_reaches_the_cache_at_once()
    {
        var writer = (PostgreSqlStockStore)DisposedAfterTest(Provider.CreateStore(
            TimeProvider.System, o => ((PostgreSqlStockStoreOptions)o).ChangeNotifications = PostgreSqlChangeNotifications.Always));
        var reader = (PostgreSqlStockStore)DisposedAfterTest(Provider.CreateStore(TimeProvider.System));
        var (key, other) = (await StockedAsync(reader, 10), await StockedAsync(reader, 10));
        var feed = new HeldFeed(reader);
        var services = new ServiceCollection();
        services.AddHybridCache();
        await using var provider = services.BuildServiceProvider();
        var cache = new StockLevelCache(reader, feed, provider.GetRequiredService<HybridCache>(), new StockLevelCacheOptions { PollInterval = TimeSpan.FromMinutes(1) }, reader);
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => cache.RunAsync(stop.Token));
        try
        {
            await EventuallyAsync(() => cache.IsFollowing && reader.IsListening);
            (await cache.GetLevelAsync(key))!.OnHand.Should().Be(10);

            // Another item's sale wakes the follower, whose read is then held after it read the feed.
            var held = feed.HoldNextRead();
            (await writer.DeductAsync(new DeductRequest(new StockLine(other, 1)))).Succeeded.Should().BeTrue();
            await held.WaitAsync(TimeSpan.FromSeconds(30));

            // The sale's notification arrives while the page without it is still being read.
            var signals = reader.ChangeSignals;
            (await writer.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue();
            var sale = (await reader.ReadHistoryAsync(key)).Changes[0].Position;
            await EventuallyAsync(() => reader.ChangeSignals != signals);
            feed.Release();

            // Without the sign the follower would wait out its poll, a minute.
            await EventuallyAsync(() => cache.Position >= sale);
            (await cache.GetLevelAsync(key))!.OnHand.Should().Be(9);
        }
        finally
        {
            feed.Release();
            await stop.CancelAsync();
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>A consumer whose checkpoint is the feed's last position: it delivers only what comes after.</summary>
    private static async Task<string> ConsumerFromNowAsync(PostgreSqlStockStore store)
    {
        var consumer = $"notify-{Guid.NewGuid():N}";
        (await store.TryAcquireLeaseAsync(consumer, "setup", TimeSpan.FromMinutes(1))).Should().NotBeNull();
        (await store.SaveCheckpointAsync(consumer, "setup", await store.GetLastPositionAsync(), TimeSpan.FromMinutes(1))).Should().BeTrue();
        await store.ReleaseLeaseAsync(consumer, "setup");
        return consumer;
    }

    [TestCase(PostgreSqlChangeNotifications.WhenFollowing, true, true)]
    [TestCase(PostgreSqlChangeNotifications.WhenFollowing, false, false)]
    [TestCase(PostgreSqlChangeNotifications.Always, false, true)]
    [TestCase(PostgreSqlChangeNotifications.Never, true, false)]
    public async Task Who_notifies_on_a_direct_connection(PostgreSqlChangeNotifications setting, bool follows, bool notifies)
    {
        await using var listener = await RawListener.StartAsync(PostgreSqlServer.ConnectionString);
        var writer = (PostgreSqlStockStore)DisposedAfterTest(Provider.CreateStore(
            TimeProvider.System, o => ((PostgreSqlStockStoreOptions)o).ChangeNotifications = setting));

        await SellOnceAsync(writer, follows);

        await ExpectNotificationsAsync(writer, listener, notifies);
    }

    [TestCase(PostgreSqlChangeNotifications.Always, true)]
    [TestCase(PostgreSqlChangeNotifications.WhenFollowing, false)]
    public async Task Who_notifies_behind_a_transaction_pooler_it_detected(PostgreSqlChangeNotifications setting, bool notifies)
    {
        await PgBouncerServer.EnsureReachableAsync();
        await using var listener = await RawListener.StartAsync(PostgreSqlServer.ConnectionString);
        var options = Provider.Options();
        options.ChangeNotifications = setting;
        options.Pooling.Should().Be(PostgreSqlPooling.Auto);
        var writer = DisposedAfterTest(new PostgreSqlStockStore(PgBouncerServer.ConnectionString, options));

        // The writer follows the feed too; behind the pooler its own waits poll.
        await SellOnceAsync(writer, follows: true);

        writer.IsListening.Should().BeFalse();
        await ExpectNotificationsAsync(writer, listener, notifies);
    }

    [Test]
    public async Task A_notification_that_cannot_be_sent_leaves_the_next_operation_free_to_try_again()
    {
        // Behind PgBouncer a data source that prepares statements is refused on every connection the store opens, its
        // notification's included: each operation fails, and each one's notification fails after it.
        await PgBouncerServer.EnsureReachableAsync();
        await using var preparing = NpgsqlDataSource.Create(PgBouncerServer.ConnectionString + ";Max Auto Prepare=64");
        var options = Provider.Options();
        options.ChangeNotifications = PostgreSqlChangeNotifications.Always;
        var writer = DisposedAfterTest(new PostgreSqlStockStore(preparing, options));

        for (var attempt = 0; attempt < 3; attempt++)
        {
            var receive = () => writer.ReceiveAsync(new ReceiveRequest(new StockLine(new StockKey(NewSku()), 1)));
            await receive.Should().ThrowAsync<StockStoreException>().WithMessage("*Max Auto Prepare=64*");

            // The failed send gives its requests up, so the next operation's request starts a send of its own.
            await EventuallyAsync(() => writer.NotificationsPending == 0);
        }

        writer.NotificationsSent.Should().Be(0);
    }

    /// <summary>Stocks an item and sells one unit with <paramref name="writer"/>, which first starts following the feed when <paramref name="follows"/>.</summary>
    private async Task SellOnceAsync(PostgreSqlStockStore writer, bool follows)
    {
        if (follows)
        {
            await writer.WaitForChangesAsync(TimeSpan.FromMilliseconds(1));
        }

        var key = await StockedAsync(writer, 10);
        (await writer.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue();
    }

    /// <summary>
    /// Either the listener hears the writer's schema (<c>schema/sender</c>) and the writer counts what it sent, or the writer never even asked
    /// for a notification: a store asks synchronously as each operation ends, so the counters are final here.
    /// </summary>
    private async Task ExpectNotificationsAsync(PostgreSqlStockStore writer, RawListener listener, bool notifies)
    {
        if (notifies)
        {
            // This writer's own payload (other tests' stores notify on the schema too), and its count once its send returned.
            writer.NotificationPayload.Should().StartWith(Provider.Schema + "/");
            await EventuallyAsync(() => listener.Payloads.Contains(writer.NotificationPayload) && writer.NotificationsSent > 0);
        }
        else
        {
            writer.NotificationsPending.Should().Be(0);
            writer.NotificationsSent.Should().Be(0);
        }
    }

    /// <summary>
    /// A dispatcher in another instance that would poll only hourly delivers the writer's sale: only a NOTIFY can have
    /// woken it. The writer has made no wait of its own unless the caller did.
    /// </summary>
    private async Task SaleWakesAnotherInstanceAsync(PostgreSqlStockStore writer)
    {
        var reader = (PostgreSqlStockStore)DisposedAfterTest(Provider.CreateStore(TimeProvider.System));
        var key = await StockedAsync(reader, 10);
        var consumer = await ConsumerFromNowAsync(reader);
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
            await EventuallyAsync(() => writer.NotificationsSent > 0);
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

    /// <summary>A store's feed whose next read, once asked, is held after it has read the store until released.</summary>
    private sealed class HeldFeed(IStockChangeFeed inner) : IStockChangeFeed
    {
        private TaskCompletionSource? _reached;
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Holds the next read; the task completes when that read has read the store.</summary>
        public Task HoldNextRead()
        {
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _reached, reached);
            return reached.Task;
        }

        public void Release() => _released.TrySetResult();

        public async Task<StockChangePage> ReadChangesAsync(StockChangePosition after, int maxCount = 1000, CancellationToken cancellationToken = default)
        {
            var page = await inner.ReadChangesAsync(after, maxCount, cancellationToken);
            if (Interlocked.Exchange(ref _reached, null) is { } reached)
            {
                reached.TrySetResult();
                await _released.Task.WaitAsync(cancellationToken);
            }

            return page;
        }

        public Task<StockChangePosition> GetLastPositionAsync(CancellationToken cancellationToken = default) => inner.GetLastPositionAsync(cancellationToken);

        public Task<StockChangePage> ReadHistoryAsync(StockKey key, StockHistoryOrder order = StockHistoryOrder.NewestFirst, StockChangePosition? after = null, int maxCount = 100, CancellationToken cancellationToken = default) =>
            inner.ReadHistoryAsync(key, order, after, maxCount, cancellationToken);
    }

    /// <summary>A plain Npgsql connection listening on the stores' channel, keeping every payload it hears.</summary>
    private sealed class RawListener : IAsyncDisposable
    {
        private readonly NpgsqlConnection _connection;
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;

        private RawListener(NpgsqlConnection connection) => _connection = connection;

        public ConcurrentQueue<string> Payloads { get; } = new();

        public static async Task<RawListener> StartAsync(string connectionString)
        {
            var listener = new RawListener(new NpgsqlConnection(connectionString));
            listener._connection.Notification += (_, e) => listener.Payloads.Enqueue(e.Payload);
            await listener._connection.OpenAsync();
            await using (var listen = new NpgsqlCommand($"LISTEN {PostgreSqlChangeListener.Channel}", listener._connection))
            {
                await listen.ExecuteNonQueryAsync();
            }

            listener._loop = Task.Run(listener.ReceiveAsync);
            return listener;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            await _connection.DisposeAsync();
            _stop.Dispose();
        }

        private async Task ReceiveAsync()
        {
            try
            {
                while (true)
                {
                    await _connection.WaitAsync(_stop.Token);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
        }
    }

    private sealed class Handler(StockKey key, ConcurrentQueue<StockChange> received, Func<Task>? then = null) : IStockChangeHandler
    {
        public async Task HandleAsync(StockChange change, CancellationToken cancellationToken)
        {
            if (change.Key == key)
            {
                received.Enqueue(change);
                await (then?.Invoke() ?? Task.CompletedTask);
            }
        }
    }
}
