using System.Data;
using System.Data.Common;
using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>The caller's transaction under faults and contention: a killed connection, a deadlock, concurrent checkouts, connections that are not the store's to use.</summary>
public abstract partial class CallerTransactionTests<TProvider>
{
    [Test]
    public async Task A_connection_killed_before_the_commit_leaves_neither()
    {
        var key = await StockedAsync(_store, 10);
        await using (var connection = await Provider.OpenCallerConnectionAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted);
            await InsertOrderAsync(connection, transaction, "order-1", key, 2);

            // Asked inside the transaction: behind a transaction pooler only then is the server connection the transaction's.
            long id;
            try
            {
                id = await Server.ConnectionIdAsync(connection);
            }
            catch (NotSupportedException)
            {
                Assert.Ignore("This database has no server connections to kill.");
                return;
            }

            (await Provider.InTransaction(_store, connection, transaction).DeductAsync(new DeductRequest(new StockLine(key, 2)) { Reference = "order-1" }))
                .Succeeded.Should().BeTrue();
            await Server.KillConnectionAsync(id);
            var commit = async () => await transaction.CommitAsync();
            await commit.Should().ThrowAsync<Exception>();
        }

        (await OrdersAsync()).Should().BeEmpty();
        (await _store.GetLevelAsync(key))!.OnHand.Should().Be(10);
        (await Server.LedgerAsync(key)).Should().Be((10L, 0L));
        (await Server.SalesAsync(key)).Should().BeEmpty();
    }

    [Test]
    public async Task A_deadlock_between_two_callers_transactions_is_not_retried_and_says_the_whole_transaction_must_run_again()
    {
        await using var probe = await Provider.OpenCallerConnectionAsync();
        try
        {
            await Server.ConnectionIdAsync(probe);
        }
        catch (NotSupportedException)
        {
            Assert.Ignore("One writer at a time: two transactions of this database never hold locks at once.");
            return;
        }

        var (x, y) = await TwoItemsAsync(_store, 10);
        await using var first = await Provider.OpenCallerConnectionAsync();
        await using var second = await Provider.OpenCallerConnectionAsync();
        await using var firstTransaction = await first.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        await using var secondTransaction = await second.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        var one = Provider.InTransaction(_store, first, firstTransaction);
        var two = Provider.InTransaction(_store, second, secondTransaction);

        // Each store call locks in key order; across two calls the caller's order decides: x then y against y then x.
        (await one.DeductAsync(new DeductRequest(new StockLine(x, 1)) { Reference = "one" })).Succeeded.Should().BeTrue();
        (await two.DeductAsync(new DeductRequest(new StockLine(y, 2)) { Reference = "two" })).Succeeded.Should().BeTrue();
        async Task<(StockChangeResult? Result, StockStoreException? Error)> CrossAsync(IStockStore view, DbTransaction transaction, StockKey key, int units, string reference)
        {
            try
            {
                return (await view.DeductAsync(new DeductRequest(new StockLine(key, units)) { Reference = reference }), null);
            }
            catch (StockStoreException ex)
            {
                // What the caller does: roll back at once (the other transaction waits for this one's locks).
                await transaction.RollbackAsync();
                return (null, ex);
            }
        }

        var settled = await Task.WhenAll(
            Task.Run(() => CrossAsync(one, firstTransaction, y, 1, "one")),
            Task.Run(() => CrossAsync(two, secondTransaction, x, 2, "two"))).WaitAsync(TimeSpan.FromMinutes(1));

        settled.Count(s => s.Error is not null).Should().Be(1, "the database ends one transaction of the cycle and the store does not run it again");
        var victim = Array.FindIndex(settled, s => s.Error is not null);
        var error = settled[victim].Error!;
        error.GetType().Name.Should().Be("StockTransactionAbortedException", "the SQL stores' type for a caller's transaction the database aborted");
        error.IsTransient.Should().BeTrue();
        error.OutcomeUnknown.Should().BeFalse();
        error.Message.Should().Contain("run the whole transaction again");
        settled[1 - victim].Result!.Succeeded.Should().BeTrue();
        await (victim == 0 ? secondTransaction : firstTransaction).CommitAsync();

        var survivor = victim == 0 ? 2 : 1;
        (await _store.GetLevelAsync(x))!.OnHand.Should().Be(10 - survivor);
        (await _store.GetLevelAsync(y))!.OnHand.Should().Be(10 - survivor);
        (await Server.LedgerAsync(x)).Should().Be((10L - survivor, 0L));
        (await Server.LedgerAsync(y)).Should().Be((10L - survivor, 0L));
    }

    [Test]
    public async Task Concurrent_checkouts_in_their_own_transactions_keep_orders_and_stock_in_exact_agreement()
    {
        const int Stock = 30;
        var key = await StockedAsync(_store, Stock);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var aborted = 0;

        var checkouts = Enumerable.Range(0, 32).Select(i => Task.Run(async () =>
        {
            await gate.Task;
            var orderId = $"order-{i}";
            var quantity = 1 + (i % 3);
            while (true)
            {
                await using var connection = await Provider.OpenCallerConnectionAsync();

                // Read committed, as docs/transactions.md asks: an optimistic retry must see the newer version
                // (MySQL's default, repeatable read, would show it the transaction's first snapshot again and again).
                await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted);
                try
                {
                    await InsertOrderAsync(connection, transaction, orderId, key, quantity);
                    var result = await Provider.InTransaction(_store, connection, transaction).DeductAsync(
                        new DeductRequest(new StockLine(key, quantity)) { Reference = orderId, IdempotencyKey = $"{_orders}-{orderId}" });
                    if (!result.Succeeded || i % 5 == 0)
                    {
                        // Sold out, or the payment failed: the order goes with the stock change.
                        await transaction.RollbackAsync();
                        return (orderId, 0);
                    }

                    await transaction.CommitAsync();
                    return (orderId, quantity);
                }
                catch (StockStoreException ex) when (ex.IsTransient)
                {
                    // A deadlock or serialization failure: the whole transaction runs again.
                    Interlocked.Increment(ref aborted);
                    await transaction.RollbackAsync();
                }
            }
        })).ToArray();
        gate.SetResult();
        var outcomes = await Task.WhenAll(checkouts).WaitAsync(TimeSpan.FromMinutes(2));

        var committed = outcomes.Where(o => o.Item2 > 0).Select(o => (o.orderId, (long)o.Item2)).OrderBy(o => o.orderId, StringComparer.Ordinal).ToArray();
        var sold = committed.Sum(o => o.Item2);
        committed.Should().NotBeEmpty();
        outcomes.Should().Contain(o => o.Item2 == 0, "some checkouts roll back on purpose");
        (await OrdersAsync()).Should().Equal(committed);
        var level = (await _store.GetLevelAsync(key))!;
        level.OnHand.Should().Be(Stock - sold).And.BeGreaterThanOrEqualTo(0);
        (await Server.LedgerAsync(key)).Should().Be((Stock - sold, 0L));
        (await Server.SalesAsync(key)).Select(s => (s.Reference!, -s.OnHand)).OrderBy(s => s.Item1, StringComparer.Ordinal)
            .Should().Equal(committed, "one sale movement per committed order, with its quantity");
        TestContext.Out.WriteLine($"{committed.Length} orders committed, {sold} units sold, {aborted} transactions run again.");
    }

    [Test]
    public async Task A_closed_connection_a_transaction_of_another_connection_or_a_finished_transaction_is_refused()
    {
        var key = await StockedAsync(_store, 5);
        await using var connection = await Provider.OpenCallerConnectionAsync();
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            await transaction.RollbackAsync();
            var finished = async () => await Provider.InTransaction(_store, connection, transaction).DeductAsync(new DeductRequest(new StockLine(key, 1)));
            await finished.Should().ThrowAsync<ArgumentException>().WithParameterName("transaction");
            (await _store.GetLevelAsync(key))!.OnHand.Should().Be(5);
        }

        await using var other = await Provider.OpenCallerConnectionAsync();
        await using var otherTransaction = await other.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        var foreign = () => Provider.InTransaction(_store, connection, otherTransaction);
        foreign.Should().Throw<ArgumentException>().WithParameterName("transaction");

        await connection.CloseAsync();
        var closed = () => Provider.InTransaction(_store, connection, otherTransaction);
        closed.Should().Throw<ArgumentException>().WithParameterName("connection");
    }
}
