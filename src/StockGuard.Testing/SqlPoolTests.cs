using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>
/// Several store instances over separate connection pools on one database, as several application servers run them,
/// for every SQL store: they share the stock exactly, and a retry sent to another instance is recognised by its key.
/// A provider closes this class in one line.
/// </summary>
/// <typeparam name="TProvider">Makes the stores under test and the hooks into their server.</typeparam>
public abstract class SqlPoolTests<TProvider> : SqlProviderFixture<TProvider>
    where TProvider : ISqlStoreTestProvider, new()
{
    [Test]
    public async Task Stores_of_every_strategy_over_separate_pools_conserve_stock_exactly_with_mixed_opposite_orders()
    {
        IStockStore[] stores =
        [
            CreateStore(new() { Strategy = ConcurrencyStrategy.Atomic, OwnPool = true }),
            CreateStore(new() { Strategy = ConcurrencyStrategy.Pessimistic }),
            CreateStore(new() { Strategy = ConcurrencyStrategy.Optimistic, OwnPool = true }),
            CreateStore(new() { Strategy = ConcurrencyStrategy.Atomic }),
        ];
        var a = await StockedAsync(stores[0], 60);
        var b = await StockedAsync(stores[0], 60);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var tasks = Enumerable.Range(0, 160).Select(i => Task.Run(async () =>
        {
            await gate.Task;
            var store = stores[i % stores.Length];
            var quantity = 1 + (i % 2);
            var lines = i % 2 == 0 ? new[] { new StockLine(a, quantity), new StockLine(b, 1) } : [new StockLine(b, 1), new StockLine(a, quantity)];
            return (await store.DeductAsync(new DeductRequest(lines))).Succeeded ? quantity : 0;
        })).ToArray();
        gate.SetResult();
        var sold = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromMinutes(2));

        var levelA = (await stores[1].GetLevelAsync(a))!;
        var levelB = (await stores[2].GetLevelAsync(b))!;
        levelA.OnHand.Should().Be(60 - sold.Sum()).And.BeGreaterThanOrEqualTo(0);
        levelB.OnHand.Should().Be(60 - sold.Count(q => q > 0)).And.BeGreaterThanOrEqualTo(0);
        (levelA.OnHand < 2 || levelB.OnHand < 1).Should().BeTrue("buyers stop only when an item runs out");
        (await Server.LedgerAsync(a)).Should().Be((levelA.OnHand, 0L));
        (await Server.LedgerAsync(b)).Should().Be((levelB.OnHand, 0L));
    }

    [Test]
    public async Task A_commit_whose_reply_was_lost_is_retried_with_its_key_on_another_store_and_moves_stock_once()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 10);
        var request = new DeductRequest(new StockLine(key, 3)) { IdempotencyKey = NewSku("order"), Reference = "order-1" };

        // The first call commits; its caller is taken to have lost the reply and sends the same request again,
        // from another store instance (another application server) over another pool.
        var first = await store.DeductAsync(request);
        var otherServer = CreateStore(new() { Strategy = ConcurrencyStrategy.Pessimistic, OwnPool = true });
        var retry = await otherServer.DeductAsync(new DeductRequest(new StockLine(key, 3)) { IdempotencyKey = request.IdempotencyKey, Reference = "order-1" });

        retry.IsReplay.Should().BeTrue();
        retry.Should().BeEquivalentTo(first, o => o.Excluding(r => r.IsReplay));
        (await store.GetLevelAsync(key))!.OnHand.Should().Be(7);
        (await Server.LedgerAsync(key)).Should().Be((7L, 0L), "one sale movement, not two");
        (await Server.SalesAsync(key)).Should().Equal((-3L, 0L, "order-1"));
    }
}
