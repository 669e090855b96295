using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>
/// How the failures of the commonest sale (one line, atomic strategy: one command with its own commit, with or without
/// an idempotency key) are reported, for every SQL store; what it records is in <see cref="OneLineDeductTests{TProvider}"/>. The
/// command is made to wait by a row lock held from a connection of the test's own. A provider closes this class in one
/// line with a provider whose strategy is atomic.
/// </summary>
/// <typeparam name="TProvider">Makes the stores under test and the hooks into their server.</typeparam>
public abstract class OneLineDeductFaultTests<TProvider> : SqlProviderFixture<TProvider>
    where TProvider : ISqlStoreTestProvider, new()
{
    [Test]
    public async Task A_connection_killed_while_the_command_waits_for_the_row_lock_reports_whether_anything_changed()
    {
        var store = CreateStore(new() { MaxTransientRetries = 0 });
        var key = await StockedAsync(store, 10);
        await using var blocker = await Server.LockItemAsync(key);

        var deduct = store.DeductAsync(new DeductRequest(new StockLine(key, 1)));
        await Server.KillConnectionAsync(await Server.WaitForLockWaiterAsync(blocker));

        var error = (await FluentActions.Awaiting(() => deduct).Should().ThrowAsync<StockStoreException>()).Which;
        error.IsTransient.Should().BeTrue();
        if (Server.ReportsKills || Server.IsKillReport(error.InnerException))
        {
            Server.IsKillReport(error.InnerException).Should().BeTrue("the server reports every kill: {0}", error.InnerException);
            error.OutcomeUnknown.Should().BeFalse("the server reported the kill before the command completed, and it commits only after");
        }
        else
        {
            error.OutcomeUnknown.Should().BeTrue("the connection closed after the command was sent, with no word from the server");
        }

        await blocker.ReleaseAsync();
        (await Server.StoredAsync(key)).Should().Be((10L, 0L, 1L), "the server never ran the commit of a killed command");
        (await Server.LedgerAsync(key)).Should().Be((10L, 0L));
        (await Server.SalesAsync(key)).Should().BeEmpty();
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue("the pool recovers from the dead connection");
    }

    [Test]
    public async Task Cancelling_while_the_command_waits_for_the_row_lock_throws_OperationCanceled_and_changes_nothing()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 5);
        await using var blocker = await Server.LockItemAsync(key);
        using var cancel = new CancellationTokenSource();

        var deduct = store.DeductAsync(new DeductRequest(new StockLine(key, 2)), cancel.Token);
        await Server.WaitForLockWaiterAsync(blocker);
        await cancel.CancelAsync();

        await FluentActions.Awaiting(() => deduct).Should().ThrowAsync<OperationCanceledException>();
        await blocker.ReleaseAsync();
        (await Server.StoredAsync(key)).Should().Be((5L, 0L, 1L));
        (await Server.LedgerAsync(key)).Should().Be((5L, 0L));
        (await Server.SalesAsync(key)).Should().BeEmpty();
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 2)))).Succeeded.Should().BeTrue();
    }

    [Test]
    public async Task A_lock_timeout_is_a_typed_transient_timeout_and_changes_nothing()
    {
        var store = CreateStore(new() { LockTimeout = TimeSpan.FromSeconds(1) });
        var key = await StockedAsync(store, 5);
        await using var blocker = await Server.LockItemAsync(key);

        var error = (await FluentActions.Awaiting(() => store.DeductAsync(new DeductRequest(new StockLine(key, 1))))
            .Should().ThrowAsync<StockStoreTimeoutException>()).Which;

        error.IsTransient.Should().BeTrue();
        Server.IsLockTimeout(error.InnerException).Should().BeTrue("the server's lock timeout is the cause: {0}", error.InnerException);
        await blocker.ReleaseAsync();
        (await Server.StoredAsync(key)).Should().Be((5L, 0L, 1L));
        (await Server.LedgerAsync(key)).Should().Be((5L, 0L));
    }

    [Test]
    public async Task A_connection_cut_after_the_command_was_sent_leaves_the_outcome_unknown_and_the_ledger_whole()
    {
        var (host, port) = Server.Endpoint;
        await using var proxy = new SeveringProxy(host, port);
        var store = CreateStore(new() { Endpoint = ("127.0.0.1", proxy.Port), MaxTransientRetries = 0 });
        var key = await StockedAsync(store, 10);
        await using var blocker = await Server.LockItemAsync(key);

        var deduct = store.DeductAsync(new DeductRequest(new StockLine(key, 1)));
        await Server.WaitForLockWaiterAsync(blocker);
        proxy.Sever();

        var error = (await FluentActions.Awaiting(() => deduct).Should().ThrowAsync<StockStoreException>()).Which;
        error.OutcomeUnknown.Should().BeTrue("the command reached the server, which may go on with it after the lock is freed");
        error.IsTransient.Should().BeTrue();

        // Whatever the server did with the orphaned command, the change and its movement went together.
        await blocker.ReleaseAsync();
        await Server.WaitUntilIdleAsync();
        var stored = await Server.StoredAsync(key);
        stored.OnHand.Should().BeOneOf(9L, 10L);
        (await Server.LedgerAsync(key)).Should().Be((stored.OnHand, 0L));
    }

    [Test]
    public async Task A_keyed_sale_cut_after_it_was_sent_leaves_the_outcome_unknown_and_a_retry_with_its_key_applies_it_exactly_once()
    {
        var (host, port) = Server.Endpoint;
        await using var proxy = new SeveringProxy(host, port);
        var store = CreateStore(new() { Endpoint = ("127.0.0.1", proxy.Port), MaxTransientRetries = 0 });
        var healthy = CreateStore();
        var key = await StockedAsync(store, 10);
        var idempotencyKey = "idem-" + Guid.NewGuid().ToString("N");
        DeductRequest Request() => new(new StockLine(key, 2)) { IdempotencyKey = idempotencyKey, Reference = "order-11" };
        await using var blocker = await Server.LockItemAsync(key);

        var deduct = store.DeductAsync(Request());
        await Server.WaitForLockWaiterAsync(blocker);
        proxy.Sever();

        var error = (await FluentActions.Awaiting(() => deduct).Should().ThrowAsync<StockStoreException>()).Which;
        error.OutcomeUnknown.Should().BeTrue("the command reached the server, which may go on with it after the lock is freed");
        error.IsTransient.Should().BeTrue();
        await blocker.ReleaseAsync();
        await Server.WaitUntilIdleAsync();
        var orphanApplied = (await Server.StoredAsync(key)).OnHand == 8;

        var retry = await healthy.DeductAsync(Request());

        retry.Should().BeEquivalentTo(new { Succeeded = true, IsReplay = orphanApplied });
        retry.Levels.Should().ContainSingle().Which.Should().Be(new StockLevel(key, 8, 0, 0, 0, 0, 2));
        (await Server.StoredAsync(key)).Should().Be((8L, 0L, 2L));
        (await Server.LedgerAsync(key)).Should().Be((8L, 0L));
        (await Server.SalesAsync(key)).Should().Equal((-2L, 0L, "order-11"));
    }
}
