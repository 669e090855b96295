using FluentAssertions;
using NUnit.Framework;
using StockGuard.Changes;
using StockGuard.InMemory;

namespace StockGuard.Tests;

/// <summary>The in-memory store keeps the latest <see cref="InMemoryStockStoreOptions.ChangeRetention"/> movements: a reader behind them is told, not skipped.</summary>
public sealed class InMemoryChangeFeedRetentionTests
{
    [Test]
    public async Task A_reader_behind_the_retained_movements_gets_a_typed_error_not_a_skip()
    {
        var store = new InMemoryStockStore(new InMemoryStockStoreOptions { ChangeRetention = 5 });
        var key = new StockKey("retained");
        await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)));
        for (var i = 0; i < 7; i++)
        {
            await store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { Reference = $"order-{i}" });
        }

        (await store.GetLastPositionAsync()).Should().Be(new StockChangePosition(0, 8));
        var behind = await FluentActions.Awaiting(() => store.ReadChangesAsync(new StockChangePosition(0, 2)))
            .Should().ThrowAsync<StockChangePositionExpiredException>();
        behind.Which.Position.Should().Be(new StockChangePosition(0, 2));
        behind.Which.OldestRetained.Should().Be(new StockChangePosition(0, 4), "movements 4 to 8 are kept");
        await FluentActions.Awaiting(() => store.ReadChangesAsync(StockChangePosition.Start)).Should().ThrowAsync<StockChangePositionExpiredException>();

        var page = await store.ReadChangesAsync(new StockChangePosition(0, 3));
        page.Changes.Select(c => c.Position.Sequence).Should().Equal(4, 5, 6, 7, 8);
        page.Changes.Select(c => c.LevelAfter!.OnHand).Should().Equal(7, 6, 5, 4, 3);
        page.HasMore.Should().BeFalse();
        (await store.ReadHistoryAsync(key, StockHistoryOrder.OldestFirst)).Changes.Should().Equal(page.Changes, "an item's history reaches back as far as the store keeps movements");
    }

    [Test]
    public void Retention_is_validated_by_name()
    {
        var create = () => new InMemoryStockStore(new InMemoryStockStoreOptions { ChangeRetention = 0 });
        create.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().WithMessage("*ChangeRetention*");
    }
}
