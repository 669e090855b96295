using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

public abstract partial class StockStoreContractTests<TProvider>
{
    [Test]
    public async Task Receive_creates_an_unknown_item_and_reports_its_level()
    {
        var key = new StockKey(NewSku());

        var result = await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 7)) { Reference = "delivery-1" });

        result.Succeeded.Should().BeTrue();
        result.IsReplay.Should().BeFalse();
        var level = result.Levels.Should().ContainSingle().Subject;
        level.Should().BeEquivalentTo(new { Key = key, OnHand = 7L, Reserved = 0L, Available = 7L, Status = StockStatus.InStock });
        (await LevelAsync(key)).Should().Be(level);
    }

    [Test]
    public async Task Reading_an_unknown_item_returns_nothing()
    {
        (await Store.GetLevelAsync(new StockKey(NewSku()))).Should().BeNull();
    }

    [Test]
    public async Task Reading_many_returns_the_existing_items_in_the_order_asked_once_each()
    {
        var a = await StockedAsync(1);
        var b = await StockedAsync(2);
        var missing = new StockKey(NewSku());

        var levels = await Store.GetLevelsAsync([b, missing, a, b]);

        levels.Select(l => l.Key).Should().Equal(b, a);
        levels.Select(l => l.OnHand).Should().Equal(2L, 1L);
    }

    [Test]
    public async Task Deduct_takes_the_units_and_bumps_the_version_once()
    {
        var key = await StockedAsync(10);
        var before = await LevelAsync(key);

        var result = await Store.DeductAsync(new DeductRequest(new StockLine(key, 3)));

        result.Succeeded.Should().BeTrue();
        result.ShortLines.Should().BeEmpty();
        var after = await LevelAsync(key);
        after.OnHand.Should().Be(7);
        after.Version.Should().Be(before.Version + 1);
        result.Levels.Should().ContainSingle().Which.Should().Be(after);
    }

    [Test]
    public async Task Deduct_of_more_than_is_available_is_refused_and_changes_nothing()
    {
        var key = await StockedAsync(2);
        var before = await LevelAsync(key);

        var result = await Store.DeductAsync(new DeductRequest(new StockLine(key, 3)));

        result.Succeeded.Should().BeFalse();
        result.ShortLines.Should().Equal(new ShortLine(key, 3, 2));
        await ShouldBeUnchangedAsync(key, before);
    }

    [Test]
    public async Task An_order_with_one_short_line_takes_nothing_from_any_line()
    {
        var plenty = await StockedAsync(50);
        var scarce = await StockedAsync(1);
        var alsoPlenty = await StockedAsync(50);
        var before = await Store.GetLevelsAsync([plenty, scarce, alsoPlenty]);

        var result = await Store.DeductAsync(new DeductRequest(new StockLine(plenty, 5), new StockLine(scarce, 2), new StockLine(alsoPlenty, 5)));

        result.Succeeded.Should().BeFalse();
        result.ShortLines.Should().Equal(new ShortLine(scarce, 2, 1));
        (await Store.GetLevelsAsync([plenty, scarce, alsoPlenty])).Should().Equal(before);
    }

    [Test]
    public async Task A_multi_line_order_takes_every_line_and_reports_levels_in_line_order()
    {
        var a = await StockedAsync(5);
        var b = await StockedAsync(5);

        var result = await Store.DeductAsync(new DeductRequest(new StockLine(b, 2), new StockLine(a, 1)));

        result.Succeeded.Should().BeTrue();
        result.Levels.Select(l => (l.Key, l.OnHand)).Should().Equal((b, 3L), (a, 4L));
    }

    [Test]
    public async Task Duplicate_lines_of_one_item_are_merged_and_checked_together()
    {
        var key = await StockedAsync(1);
        var before = await LevelAsync(key);

        var result = await Store.DeductAsync(new DeductRequest(new StockLine(key, 1), new StockLine(key, 1)));

        result.Succeeded.Should().BeFalse("two lines of one unit each need two units, and there is one");
        result.ShortLines.Should().Equal(new ShortLine(key, 2, 1));
        await ShouldBeUnchangedAsync(key, before);
    }

    [Test]
    public async Task Deduct_of_an_unknown_item_throws_and_changes_no_other_line()
    {
        var known = await StockedAsync(5);
        var before = await LevelAsync(known);
        var unknown = new StockKey(NewSku());

        var act = () => Store.DeductAsync(new DeductRequest(new StockLine(known, 1), new StockLine(unknown, 1)));

        (await act.Should().ThrowAsync<StockItemNotFoundException>()).Which.Key.Should().Be(unknown);
        await ShouldBeUnchangedAsync(known, before);
    }

    [Test]
    public async Task A_return_adds_units_to_an_existing_item_and_refuses_an_unknown_one()
    {
        var key = await StockedAsync(4);
        await Store.DeductAsync(new DeductRequest(new StockLine(key, 3)));

        var result = await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 2)) { Kind = StockMovementKind.Return });

        result.Levels.Single().OnHand.Should().Be(3);
        var unknown = () => Store.ReceiveAsync(new ReceiveRequest(new StockLine(NewSku(), 1)) { Kind = StockMovementKind.Return });
        await unknown.Should().ThrowAsync<StockItemNotFoundException>();
    }

    [Test]
    public async Task Adjust_corrects_on_hand_both_ways()
    {
        var key = await StockedAsync(10);

        (await Store.AdjustAsync(new AdjustRequest(key, 5, "count found five more"))).Levels.Single().OnHand.Should().Be(15);
        (await Store.AdjustAsync(new AdjustRequest(key, -12, "water damage"))).Levels.Single().OnHand.Should().Be(3);
    }

    [Test]
    public async Task A_negative_adjust_of_units_promised_to_a_hold_is_refused()
    {
        var key = await StockedAsync(5);
        (await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(10), new StockLine(key, 4)))).Succeeded.Should().BeTrue();
        var before = await LevelAsync(key);

        var result = await Store.AdjustAsync(new AdjustRequest(key, -2, "shrinkage"));

        result.Succeeded.Should().BeFalse();
        result.ShortLines.Should().Equal(new ShortLine(key, 2, 1));
        await ShouldBeUnchangedAsync(key, before);
    }

    [Test]
    public async Task Adjust_of_an_unknown_item_throws()
    {
        var act = () => Store.AdjustAsync(new AdjustRequest(new StockKey(NewSku()), 1, "count"));
        await act.Should().ThrowAsync<StockItemNotFoundException>();
    }

    [Test]
    public async Task Safety_stock_is_never_sold()
    {
        var key = await StockedAsync(10, new StockPolicy(SafetyStock: 3));

        var level = await LevelAsync(key);
        level.Available.Should().Be(7);
        (await Store.DeductAsync(new DeductRequest(new StockLine(key, 8)))).Succeeded.Should().BeFalse();
        (await Store.DeductAsync(new DeductRequest(new StockLine(key, 7)))).Succeeded.Should().BeTrue();
        (await LevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 3L, Available = 0L, Status = StockStatus.OutOfStock });
    }

    [Test]
    public async Task Backorders_sell_below_zero_down_to_the_limit_and_no_further()
    {
        var key = await StockedAsync(2, new StockPolicy(BackorderLimit: 5));

        (await Store.DeductAsync(new DeductRequest(new StockLine(key, 6)))).Succeeded.Should().BeTrue();
        (await LevelAsync(key)).Should().BeEquivalentTo(new { OnHand = -4L, Available = -4L, Status = StockStatus.Backorder });

        var refused = await Store.DeductAsync(new DeductRequest(new StockLine(key, 2)));
        refused.Succeeded.Should().BeFalse();
        refused.ShortLines.Should().Equal(new ShortLine(key, 2, 1));
        (await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue();
        (await LevelAsync(key)).Should().BeEquivalentTo(new { Available = -5L, Sellable = 0L, Status = StockStatus.OutOfStock });
    }

    [Test]
    public async Task Status_follows_the_low_stock_threshold()
    {
        var key = await StockedAsync(5, new StockPolicy(LowStockThreshold: 3));
        (await LevelAsync(key)).Status.Should().Be(StockStatus.InStock);

        await Store.DeductAsync(new DeductRequest(new StockLine(key, 2)));
        (await LevelAsync(key)).Status.Should().Be(StockStatus.Low);

        await Store.DeductAsync(new DeductRequest(new StockLine(key, 3)));
        (await LevelAsync(key)).Status.Should().Be(StockStatus.OutOfStock);
    }

    [Test]
    public async Task SetPolicy_creates_an_item_and_bumps_the_version_of_an_existing_one()
    {
        var key = new StockKey(NewSku());
        var created = await Store.SetPolicyAsync(key, new StockPolicy(SafetyStock: 1, BackorderLimit: 2, LowStockThreshold: 3));
        created.Should().BeEquivalentTo(new { OnHand = 0L, SafetyStock = 1L, BackorderLimit = 2L, LowStockThreshold = 3L });

        var changed = await Store.SetPolicyAsync(key, StockPolicy.Default);

        changed.Version.Should().Be(created.Version + 1);
        changed.SafetyStock.Should().Be(0);
    }

    [Test]
    public async Task Locations_of_one_SKU_are_separate_items()
    {
        var sku = NewSku();
        var berlin = new StockKey(sku, "berlin");
        var paris = new StockKey(sku, "paris");
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(berlin, 1), new StockLine(paris, 5)));
        await Store.SetPolicyAsync(berlin, new StockPolicy(BackorderLimit: 3));

        (await Store.DeductAsync(new DeductRequest(new StockLine(berlin, 4)))).Succeeded.Should().BeTrue();

        (await LevelAsync(berlin)).OnHand.Should().Be(-3);
        (await LevelAsync(paris)).OnHand.Should().Be(5, "stock below zero in one location must not touch another");
        (await Store.GetLevelAsync(new StockKey(sku))).Should().BeNull("the default location is a third item");
    }

    [Test]
    public async Task SKUs_are_compared_exactly()
    {
        var sku = "Case-" + Guid.NewGuid().ToString("N");
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(sku, 1)));

        (await Store.GetLevelAsync(new StockKey(sku.ToUpperInvariant()))).Should().BeNull("SKUs are case-sensitive");
        (await Store.GetLevelAsync(new StockKey(sku + " "))).Should().BeNull("trailing spaces are part of the SKU");
    }

    [TestCase("quote'd\"sku;--")]
    [TestCase("semi;colon; DROP TABLE stock_items;")]
    [TestCase("back\\slash%_wild*")]
    [TestCase("üñíçødé-ß-漢字-🛒")]
    public async Task Hostile_SKUs_are_stored_and_read_back_exactly(string prefix)
    {
        var key = new StockKey(prefix + Guid.NewGuid().ToString("N")[..8], "lo'c;ation");
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 3)));

        (await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue();

        var level = await LevelAsync(key);
        level.Key.Sku.Should().Be(key.Sku);
        level.Key.Location.Should().Be(key.Location);
        level.OnHand.Should().Be(2);
    }

    [Test]
    public async Task A_SKU_of_the_longest_accepted_length_works()
    {
        var key = new StockKey(NewSku().PadRight(StockKey.MaxSkuLength, 'x'));
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 1)));
        (await LevelAsync(key)).Key.Sku.Should().HaveLength(StockKey.MaxSkuLength);
    }
}
