using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

public abstract partial class StockStoreContractTests<TProvider>
{
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
