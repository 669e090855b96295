using System.Data.Common;
using System.Transactions;
using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>
/// The store in an ambient System.Transactions transaction (a <see cref="TransactionScope"/>): a connection the caller
/// opens inside the scope enlists, and the store's view on it commits and rolls back with the scope; the store's own
/// writes refuse to run inside a scope, whose rollback they would otherwise ignore.
/// </summary>
public abstract partial class CallerTransactionTests<TProvider>
{
    private static TransactionScope ReadCommittedScope() =>
        new(TransactionScopeOption.Required, new TransactionOptions { IsolationLevel = System.Transactions.IsolationLevel.ReadCommitted }, TransactionScopeAsyncFlowOption.Enabled);

    [Test]
    public async Task A_connection_opened_in_a_TransactionScope_commits_and_rolls_back_the_stock_change_with_the_scope()
    {
        var key = await StockedAsync(_store, 10);
        var kept = new DeductRequest(new StockLine(key, 3)) { Reference = "order-1", IdempotencyKey = NewSku("key") };
        var dropped = new DeductRequest(new StockLine(key, 4)) { Reference = "order-2", IdempotencyKey = NewSku("key") };

        using (var scope = ReadCommittedScope())
        {
            await using var connection = await Provider.OpenCallerConnectionAsync();
            var view = AmbientViewOrIgnore(connection);
            await InsertOrderAsync(connection, null, "order-1", key, 3);
            (await view.DeductAsync(kept)).Succeeded.Should().BeTrue();
            (await view.GetLevelAsync(key))!.OnHand.Should().Be(7, "the view reads the scope's own change");
            scope.Complete();
        }

        using (ReadCommittedScope())
        {
            await using var connection = await Provider.OpenCallerConnectionAsync();
            await InsertOrderAsync(connection, null, "order-2", key, 4);
            (await Provider.InAmbientTransaction(_store, connection).DeductAsync(dropped)).Succeeded.Should().BeTrue();

            // Not completed: the scope rolls back.
        }

        (await OrdersAsync()).Should().Equal(("order-1", 3L));
        (await _store.GetLevelAsync(key))!.OnHand.Should().Be(7);
        (await Server.LedgerAsync(key)).Should().Be((7L, 0L));
        (await Server.SalesAsync(key)).Should().Equal((-3L, 0L, "order-1"));
        (await _store.DeductAsync(kept)).IsReplay.Should().BeTrue("the key committed with the scope");
        (await _store.DeductAsync(dropped)).IsReplay.Should().BeFalse("the key rolled back with the scope");
    }

    [Test]
    public async Task A_refused_or_failed_store_call_in_a_TransactionScope_takes_back_only_its_own_part()
    {
        var key = await StockedAsync(_store, 5);
        var unknown = new StockKey(NewSku("unknown"));
        using (var scope = ReadCommittedScope())
        {
            await using var connection = await Provider.OpenCallerConnectionAsync();
            var view = AmbientViewOrIgnore(connection);
            await InsertOrderAsync(connection, null, "order-1", key, 2);
            (await view.DeductAsync(new DeductRequest(new StockLine(key, 6)))).Succeeded.Should().BeFalse();
            var withUnknown = () => view.DeductAsync(new DeductRequest(new StockLine(key, 1), new StockLine(unknown, 1)));
            await withUnknown.Should().ThrowAsync<StockItemNotFoundException>();
            var returnWithUnknown = () => view.ReceiveAsync(new ReceiveRequest(new StockLine(key, 4), new StockLine(unknown, 1)) { Kind = StockMovementKind.Return });
            await returnWithUnknown.Should().ThrowAsync<StockItemNotFoundException>();
            (await view.DeductAsync(new DeductRequest(new StockLine(key, 2)) { Reference = "order-1" })).Succeeded.Should().BeTrue();
            scope.Complete();
        }

        (await OrdersAsync()).Should().Equal(("order-1", 2L));
        (await _store.GetLevelAsync(key))!.OnHand.Should().Be(3);
        (await Server.LedgerAsync(key)).Should().Be((3L, 0L));
        (await Server.SalesAsync(key)).Should().Equal((-2L, 0L, "order-1"));
    }

    [Test]
    public async Task The_stores_own_writes_refuse_an_ambient_transaction_and_change_nothing_while_its_reads_still_answer()
    {
        var key = await StockedAsync(_store, 10);
        var hold = (await _store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(10), new StockLine(key, 1)))).Hold!;
        var before = await Server.StoredAsync(key);
        Func<Task>[] writes =
        [
            () => _store.DeductAsync(new DeductRequest(new StockLine(key, 1))),
            () => _store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { IdempotencyKey = NewSku("key") }),
            () => _store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 1))),
            () => _store.AdjustAsync(new AdjustRequest(key, -1, "count")),
            () => _store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(10), new StockLine(key, 1))),
            () => _store.ConfirmAsync(hold.Id),
            () => _store.ReleaseAsync(hold.Id),
            () => _store.ExtendAsync(hold.Id, TimeSpan.FromMinutes(20)),
            () => _store.SetPolicyAsync(key, StockPolicy.Default),
        ];

        foreach (var completed in new[] { false, true })
        {
            using var scope = ReadCommittedScope();
            foreach (var write in writes)
            {
                var error = (await write.Should().ThrowAsync<StockGuardException>()).Which;
                error.GetType().Name.Should().Be("AmbientTransactionException", "the SQL stores' type for a write of their own inside a TransactionScope");
                error.Message.Should().Contain("InTransaction(connection)").And.Contain("Nothing was changed");
            }

            (await _store.GetLevelAsync(key))!.OnHand.Should().Be(10, "a read runs on the store's own connection, outside the scope");
            if (completed)
            {
                scope.Complete();
            }
        }

        (await Server.StoredAsync(key)).Should().Be(before);
        (await Server.LedgerAsync(key)).Should().Be((10L, 1L));
        using (new TransactionScope(TransactionScopeOption.Suppress, TransactionScopeAsyncFlowOption.Enabled))
        {
            (await _store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue("a suppressed scope is no ambient transaction");
        }
    }

    [Test]
    public async Task A_connection_that_is_not_in_the_ambient_transaction_is_refused_before_anything_is_written()
    {
        var key = await StockedAsync(_store, 10);
        await using var outside = await Provider.OpenCallerConnectionAsync();
        var noScope = () => Provider.InAmbientTransaction(_store, outside);
        var refused = noScope.Should().Throw<ArgumentException>().Which;
        if (refused.Message.Contains("does not enlist", StringComparison.Ordinal))
        {
            Assert.Ignore("This engine's connections do not enlist in System.Transactions transactions.");
        }

        refused.ParamName.Should().Be("connection");
        using (var scope = ReadCommittedScope())
        {
            // Opened before the scope: not enlisted, so a savepoint would stand alone and the deduct would commit at once.
            var view = Provider.InAmbientTransaction(_store, outside);
            var deduct = () => view.DeductAsync(new DeductRequest(new StockLine(key, 2)) { Reference = "order-1" });
            (await deduct.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("connection");
        }

        (await _store.GetLevelAsync(key))!.OnHand.Should().Be(10);
        (await Server.LedgerAsync(key)).Should().Be((10L, 0L));
    }

    /// <summary>The provider's view on a connection in the ambient transaction; the test is skipped where the engine's connections do not enlist.</summary>
    private IStockStore AmbientViewOrIgnore(DbConnection connection)
    {
        try
        {
            return Provider.InAmbientTransaction(_store, connection);
        }
        catch (Exception ex) when (ex is NotSupportedException || (ex is ArgumentException && ex.Message.Contains("does not enlist", StringComparison.Ordinal)))
        {
            Assert.Ignore($"No view in an ambient transaction here: {ex.Message}");
            throw;
        }
    }
}
