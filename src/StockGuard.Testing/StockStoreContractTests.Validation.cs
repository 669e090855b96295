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
        yield return new TestCaseData("k\uD800").SetName("{m}(lone high surrogate at the end)");
        yield return new TestCaseData("k\uDBFFx").SetName("{m}(lone high surrogate)");
        yield return new TestCaseData("k\uDC00").SetName("{m}(lone low surrogate)");
        yield return new TestCaseData("k\uDC00\uD800").SetName("{m}(surrogates in reverse order)");
        yield return new TestCaseData("k\uD800\uD800\uDC00").SetName("{m}(high surrogate before a pair)");
    }

    /// <summary>Strings that are not well-formed UTF-16: a database stores each lone surrogate as U+FFFD.</summary>
    public static IEnumerable<TestCaseData> LoneSurrogates()
    {
        yield return new TestCaseData("\uD800").SetName("{m}(lone high surrogate)");
        yield return new TestCaseData("\uDFFF").SetName("{m}(lone low surrogate)");
    }

    [TestCaseSource(nameof(LoneSurrogates))]
    public async Task A_lone_surrogate_in_a_location_key_reference_or_reason_is_an_ArgumentException(string surrogate)
    {
        var key = await StockedAsync(5);
        var before = await LevelAsync(key);
        var idempotencyKey = "k" + surrogate;

        (await FluentActions.Awaiting(() => Store.ReceiveAsync(new ReceiveRequest(new StockLine(new StockKey(key.Sku, "loc" + surrogate), 1))))
            .Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("location");
        (await FluentActions.Awaiting(() => Store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { IdempotencyKey = idempotencyKey }))
            .Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("idempotency key");
        (await FluentActions.Awaiting(() => Store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { Reference = "order" + surrogate }))
            .Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("reference");
        (await FluentActions.Awaiting(() => Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 1)) { Reference = surrogate + "cart" }))
            .Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("reference");
        (await FluentActions.Awaiting(() => Store.AdjustAsync(new AdjustRequest(key, -1, "count" + surrogate)))
            .Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("reason");
        await ShouldBeUnchangedAsync(key, before);
        (await Store.GetLevelAsync(new StockKey(key.Sku, "loc\uFFFD"))).Should().BeNull("no item was created at any location");
    }

    [Test]
    public async Task Strings_that_differ_only_in_a_replacement_character_or_a_surrogate_pair_stay_distinct()
    {
        // U+FFFD and a surrogate pair are well-formed text: a store keeps each apart from the other and from a plain character.
        var sku = NewSku();
        StockKey replacement = sku + "\uFFFD", pair = sku + "\U0001F600", plain = sku + "?";
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(replacement, 1), new StockLine(pair, 2), new StockLine(plain, 3)));
        var atReplacement = new StockKey(sku, "loc\uFFFD");
        var atPair = new StockKey(sku, "loc\U0001F600");
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(atReplacement, 4), new StockLine(atPair, 5)));

        (await Store.GetLevelsAsync([replacement, pair, plain, atReplacement, atPair])).Select(l => (l.Key, l.OnHand))
            .Should().Equal((replacement, 1L), (pair, 2L), (plain, 3L), (atReplacement, 4L), (atPair, 5L));

        var order = NewKey();
        var first = await Store.DeductAsync(new DeductRequest(new StockLine(plain, 1)) { IdempotencyKey = order + "\uFFFD", Reference = "order-\uFFFD" });
        var second = await Store.DeductAsync(new DeductRequest(new StockLine(plain, 1)) { IdempotencyKey = order + "\U0001F600", Reference = "order-\U0001F600" });

        first.Should().BeEquivalentTo(new { Succeeded = true, IsReplay = false });
        second.Should().BeEquivalentTo(new { Succeeded = true, IsReplay = false });
        (await LevelAsync(plain)).OnHand.Should().Be(1, "two different orders each took a unit");
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
    public async Task An_undefined_strategy_is_refused_when_the_request_is_built()
    {
        var key = await StockedAsync(5);
        var before = await LevelAsync(key);
        var undefined = (ConcurrencyStrategy)42;

        (await FluentActions.Awaiting(() => Store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { Strategy = undefined }))
            .Should().ThrowAsync<ArgumentOutOfRangeException>().WithParameterName(nameof(StockRequest.Strategy)))
            .Which.Message.Should().Contain("42");
        await FluentActions.Awaiting(() => Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 1)) { Strategy = undefined }))
            .Should().ThrowAsync<ArgumentOutOfRangeException>().WithParameterName(nameof(StockRequest.Strategy));
        await FluentActions.Awaiting(() => Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 1)) { Strategy = undefined }))
            .Should().ThrowAsync<ArgumentOutOfRangeException>().WithParameterName(nameof(StockRequest.Strategy));
        await ShouldBeUnchangedAsync(key, before);

        var defined = new DeductRequest(new StockLine(key, 1)) { Strategy = ConcurrencyStrategy.Pessimistic };
        defined.Strategy.Should().Be(ConcurrencyStrategy.Pessimistic);
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
