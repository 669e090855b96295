using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>
/// What every SQL store must do when an operation fails half-way, for every SQL store: in each case the stock is
/// exactly as before and the error is typed. The store's transaction is made to wait by a row lock held from a
/// connection of the test's own (<see cref="IStockServer.LockItemAsync"/>); the order has two lines, so the store has
/// changed the first item (its SKU sorts first) when it waits for the second. A provider closes this class in one line.
/// </summary>
/// <typeparam name="TProvider">Makes the stores under test and the hooks into their server.</typeparam>
public abstract class SqlFaultTests<TProvider> : SqlProviderFixture<TProvider>
    where TProvider : ISqlStoreTestProvider, new()
{
    [TestCase(ConcurrencyStrategy.Atomic)]
    [TestCase(ConcurrencyStrategy.Pessimistic)]
    [TestCase(ConcurrencyStrategy.Optimistic)]
    public async Task A_connection_killed_by_the_server_mid_transaction_is_a_transient_typed_error_and_changes_nothing(ConcurrencyStrategy strategy)
    {
        var store = CreateStore(new() { Strategy = strategy, MaxTransientRetries = 0 });
        var (taken, waited) = await TwoItemsAsync(store, 10);
        var before = await store.GetLevelsAsync([waited, taken]);
        await using var blocker = await Server.LockItemAsync(waited);

        var deduct = store.DeductAsync(new DeductRequest(new StockLine(taken, 1), new StockLine(waited, 1)));
        await Server.KillConnectionAsync(await Server.WaitForLockWaiterAsync(blocker));

        var error = (await FluentActions.Awaiting(() => deduct).Should().ThrowAsync<StockStoreException>()).Which;
        error.Should().NotBeOfType<StockStoreTimeoutException>();
        error.IsTransient.Should().BeTrue();
        error.OutcomeUnknown.Should().BeFalse("the connection died before the commit was sent");
        await blocker.ReleaseAsync();
        (await store.GetLevelsAsync([waited, taken])).Should().Equal(before);
        (await Server.LedgerAsync(taken)).Should().Be((10L, 0L), "the killed transaction's movement was rolled back with it");
        (await store.DeductAsync(new DeductRequest(new StockLine(waited, 1)))).Succeeded.Should().BeTrue("the pool recovers from the dead connection");
    }

    [TestCase(ConcurrencyStrategy.Atomic)]
    [TestCase(ConcurrencyStrategy.Pessimistic)]
    public async Task Cancelling_while_waiting_for_a_row_lock_throws_OperationCanceled_and_changes_nothing(ConcurrencyStrategy strategy)
    {
        var store = CreateStore(new() { Strategy = strategy });
        var (taken, waited) = await TwoItemsAsync(store, 5);
        var before = await store.GetLevelsAsync([waited, taken]);
        await using var blocker = await Server.LockItemAsync(waited);
        using var cancel = new CancellationTokenSource();

        var deduct = store.DeductAsync(new DeductRequest(new StockLine(taken, 2), new StockLine(waited, 2)) { IdempotencyKey = NewSku("key") }, cancel.Token);
        await Server.WaitForLockWaiterAsync(blocker);
        await cancel.CancelAsync();

        await FluentActions.Awaiting(() => deduct).Should().ThrowAsync<OperationCanceledException>();
        await blocker.ReleaseAsync();
        (await store.GetLevelsAsync([waited, taken])).Should().Equal(before);
        (await Server.StoredAsync(taken)).Should().Be((5L, 0L, 1L));
        (await Server.LedgerAsync(taken)).Should().Be((5L, 0L));
        (await store.DeductAsync(new DeductRequest(new StockLine(waited, 2)))).Succeeded.Should().BeTrue();
    }

    [Test]
    public async Task A_lock_timeout_is_a_typed_transient_timeout_and_changes_nothing()
    {
        var store = CreateStore(new() { LockTimeout = TimeSpan.FromSeconds(1) });
        var (taken, waited) = await TwoItemsAsync(store, 5);
        var before = await store.GetLevelsAsync([waited, taken]);
        await using var blocker = await Server.LockItemAsync(waited);

        var error = (await FluentActions.Awaiting(() => store.DeductAsync(new DeductRequest(new StockLine(taken, 1), new StockLine(waited, 1))))
            .Should().ThrowAsync<StockStoreTimeoutException>()).Which;

        error.IsTransient.Should().BeTrue();
        Server.IsLockTimeout(error.InnerException).Should().BeTrue("the server's lock timeout is the cause: {0}", error.InnerException);
        await blocker.ReleaseAsync();
        (await store.GetLevelsAsync([waited, taken])).Should().Equal(before);
        (await Server.LedgerAsync(taken)).Should().Be((5L, 0L));
    }

    [Test]
    public async Task A_store_that_starts_on_a_schema_at_its_version_does_not_wait_for_the_transactions_of_stores_already_running()
    {
        // A rolling deploy: a process starts while the others sell. Its store must not take the schema's table locks
        // (re-running the script would wait for every open transaction, and every sale would queue behind it).
        var running = CreateStore(new() { Strategy = ConcurrencyStrategy.Pessimistic });
        var (taken, waited) = await TwoItemsAsync(running, 5);
        await using var blocker = await Server.LockItemAsync(waited);

        var starting = CreateStore(new() { LockTimeout = TimeSpan.FromSeconds(2) });
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            await ((IStockSchema)starting).EnsureSchemaAsync(deadline.Token);
        }

        (await starting.GetLevelsAsync([taken, waited])).Should().Equal(await running.GetLevelsAsync([taken, waited]));

        await blocker.ReleaseAsync();
        (await starting.DeductAsync(new DeductRequest(new StockLine(taken, 1)))).Succeeded.Should().BeTrue();
        (await Server.StoredAsync(taken)).Should().Be((4L, 0L, 2L));
        (await Server.LedgerAsync(taken)).Should().Be((4L, 0L));
    }
}
