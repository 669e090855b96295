using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

public abstract partial class StockStoreContractTests<TProvider>
{
    public static IEnumerable<TestCaseData> BadSkus()
    {
        yield return new TestCaseData(string.Empty).SetName("{m}(empty)");
        yield return new TestCaseData("   ").SetName("{m}(white space)");
        yield return new TestCaseData("\t").SetName("{m}(tab)");
        yield return new TestCaseData(new string('x', StockKey.MaxSkuLength + 1)).SetName("{m}(too long)");
        yield return new TestCaseData("nul\0byte").SetName("{m}(control character)");
    }

    [TestCaseSource(nameof(BadSkus))]
    public async Task A_bad_SKU_is_an_ArgumentException(string sku)
    {
        var key = await StockedAsync(5);
        var before = await LevelAsync(key);

        var act = () => Store.DeductAsync(new DeductRequest(new StockLine(key, 1), new StockLine(sku, 1)));

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("SKU");
        await ShouldBeUnchangedAsync(key, before);
    }

    [Test]
    public async Task A_null_SKU_is_an_ArgumentNullException()
    {
        await FluentActions.Awaiting(() => Store.ReceiveAsync(new ReceiveRequest(new StockLine(null!, 1))))
            .Should().ThrowAsync<ArgumentNullException>();
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(int.MinValue)]
    public async Task A_quantity_below_one_is_out_of_range(int quantity)
    {
        var key = await StockedAsync(5);
        var before = await LevelAsync(key);

        await FluentActions.Awaiting(() => Store.DeductAsync(new DeductRequest(new StockLine(key, quantity))))
            .Should().ThrowAsync<ArgumentOutOfRangeException>();
        await FluentActions.Awaiting(() => Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, quantity))))
            .Should().ThrowAsync<ArgumentOutOfRangeException>();
        await ShouldBeUnchangedAsync(key, before);
    }

    [Test]
    public async Task Lines_that_overflow_when_merged_are_out_of_range()
    {
        var key = await StockedAsync(5);
        var before = await LevelAsync(key);

        await FluentActions.Awaiting(() => Store.DeductAsync(new DeductRequest(new StockLine(key, int.MaxValue), new StockLine(key, 1))))
            .Should().ThrowAsync<ArgumentOutOfRangeException>();
        await ShouldBeUnchangedAsync(key, before);
    }

    [Test]
    public async Task A_policy_value_beyond_the_limit_is_out_of_range()
    {
        var key = await StockedAsync(5);
        var before = await LevelAsync(key);

        await FluentActions.Awaiting(() => Store.SetPolicyAsync(key, new StockPolicy(SafetyStock: -1))).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await FluentActions.Awaiting(() => Store.SetPolicyAsync(key, new StockPolicy(BackorderLimit: long.MaxValue))).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await ShouldBeUnchangedAsync(key, before);
    }

    [Test]
    public async Task An_empty_order_is_an_ArgumentException()
    {
        await FluentActions.Awaiting(() => Store.DeductAsync(new DeductRequest())).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), Array.Empty<StockLine>())))
            .Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => Store.DeductAsync(new DeductRequest(default(StockLine)))).Should().ThrowAsync<ArgumentException>();
    }

    [TestCase(0)]
    [TestCase(-1)]
    public async Task A_non_positive_time_to_live_is_out_of_range(int seconds)
    {
        var key = await StockedAsync(5);

        await FluentActions.Awaiting(() => Store.ReserveAsync(new ReserveRequest(TimeSpan.FromSeconds(seconds), new StockLine(key, 1))))
            .Should().ThrowAsync<ArgumentOutOfRangeException>();
        (await LevelAsync(key)).Reserved.Should().Be(0);
    }

    [Test]
    public async Task A_null_request_is_an_ArgumentNullException()
    {
        await FluentActions.Awaiting(() => Store.DeductAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => Store.ReceiveAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => Store.AdjustAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => Store.ReserveAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => Store.SetPolicyAsync(new StockKey(NewSku()), null!)).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => Store.GetLevelsAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
    }

    [Test]
    public async Task A_default_key_is_an_ArgumentException()
    {
        await FluentActions.Awaiting(() => Store.GetLevelAsync(default)).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => Store.SetPolicyAsync(default, StockPolicy.Default)).Should().ThrowAsync<ArgumentException>();
    }

    [Test]
    public async Task Bad_idempotency_keys_references_and_reasons_are_ArgumentExceptions()
    {
        var key = await StockedAsync(5);
        var before = await LevelAsync(key);

        await FluentActions.Awaiting(() => Store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { IdempotencyKey = new string('k', 129) }))
            .Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => Store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { IdempotencyKey = " " }))
            .Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => Store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { Reference = new string('r', 201) }))
            .Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => Store.AdjustAsync(new AdjustRequest(key, -1, " "))).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => Store.AdjustAsync(new AdjustRequest(key, 0, "count"))).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await ShouldBeUnchangedAsync(key, before);
    }

    [Test]
    public async Task A_cancelled_call_changes_nothing()
    {
        var key = await StockedAsync(5);
        var before = await LevelAsync(key);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await FluentActions.Awaiting(() => Store.DeductAsync(new DeductRequest(new StockLine(key, 1)), cancelled.Token))
            .Should().ThrowAsync<OperationCanceledException>();
        await FluentActions.Awaiting(() => Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 1)), cancelled.Token))
            .Should().ThrowAsync<OperationCanceledException>();
        await ShouldBeUnchangedAsync(key, before);
    }
}
