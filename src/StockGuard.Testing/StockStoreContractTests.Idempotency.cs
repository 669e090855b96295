using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

public abstract partial class StockStoreContractTests<TProvider>
{
    private static string NewKey() => "idem-" + Guid.NewGuid().ToString("N");

    [Test]
    public async Task A_retry_with_the_same_key_returns_the_first_result_and_moves_stock_once()
    {
        var key = await StockedAsync(10);
        var idempotencyKey = NewKey();

        var first = await Store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { IdempotencyKey = idempotencyKey, Reference = "order-1" });
        var retry = await Store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { IdempotencyKey = idempotencyKey, Reference = "order-1" });

        first.IsReplay.Should().BeFalse();
        retry.IsReplay.Should().BeTrue();
        retry.Succeeded.Should().BeTrue();
        retry.Levels.Should().Equal(first.Levels);
        (await LevelAsync(key)).OnHand.Should().Be(7);
    }

    [Test]
    public async Task The_same_key_with_a_different_request_is_a_typed_error_and_changes_nothing()
    {
        var key = await StockedAsync(10);
        var idempotencyKey = NewKey();
        await Store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { IdempotencyKey = idempotencyKey });
        var before = await LevelAsync(key);

        var differentQuantity = () => Store.DeductAsync(new DeductRequest(new StockLine(key, 4)) { IdempotencyKey = idempotencyKey });
        var differentOperation = () => Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 3)) { IdempotencyKey = idempotencyKey });

        (await differentQuantity.Should().ThrowAsync<IdempotencyConflictException>()).Which.IdempotencyKey.Should().Be(idempotencyKey);
        await differentOperation.Should().ThrowAsync<IdempotencyConflictException>();
        await ShouldBeUnchangedAsync(key, before);
    }

    [Test]
    public async Task A_refusal_is_a_result_too_and_is_replayed()
    {
        var key = await StockedAsync(1);
        var idempotencyKey = NewKey();
        var request = () => new DeductRequest(new StockLine(key, 2)) { IdempotencyKey = idempotencyKey };
        (await Store.DeductAsync(request())).Succeeded.Should().BeFalse();

        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 5)));
        var retry = await Store.DeductAsync(request());

        retry.Should().BeEquivalentTo(new { Succeeded = false, IsReplay = true });
        retry.ShortLines.Should().Equal(new ShortLine(key, 2, 1));
        (await LevelAsync(key)).OnHand.Should().Be(6);
    }

    [Test]
    public async Task A_reservation_retried_with_its_key_returns_the_same_hold()
    {
        var key = await StockedAsync(5);
        var idempotencyKey = NewKey();

        var first = await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 2)) { IdempotencyKey = idempotencyKey });
        var retry = await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 2)) { IdempotencyKey = idempotencyKey });

        retry.IsReplay.Should().BeTrue();
        retry.Hold!.Id.Should().Be(first.Hold!.Id);
        (await LevelAsync(key)).Reserved.Should().Be(2);
    }

    [Test]
    public async Task Receipts_and_adjustments_honour_their_keys()
    {
        var key = await StockedAsync(1);
        var receipt = NewKey();
        var adjustment = NewKey();

        for (var i = 0; i < 3; i++)
        {
            await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)) { IdempotencyKey = receipt });
            await Store.AdjustAsync(new AdjustRequest(key, -1, "broken") { IdempotencyKey = adjustment });
        }

        (await LevelAsync(key)).OnHand.Should().Be(10);
    }

    [Test]
    public async Task The_same_key_sent_in_parallel_applies_once_and_every_caller_sees_the_first_result()
    {
        var key = await StockedAsync(100);
        var idempotencyKey = NewKey();

        var results = await RaceAsync(32, _ => Store.DeductAsync(new DeductRequest(new StockLine(key, 5)) { IdempotencyKey = idempotencyKey }));

        results.Should().OnlyContain(r => r.Succeeded);
        results.Count(r => !r.IsReplay).Should().Be(1);
        var first = results.Single(r => !r.IsReplay);
        results.Should().AllSatisfy(r => r.Levels.Should().Equal(first.Levels));
        (await LevelAsync(key)).OnHand.Should().Be(95);
    }

    [Test]
    public async Task Idempotency_keys_are_forgotten_after_their_retention_period()
    {
        var key = await StockedAsync(10);
        var idempotencyKey = NewKey();
        await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { IdempotencyKey = idempotencyKey });

        Time.Advance(TimeSpan.FromHours(25));
        (await Store.SweepAsync()).PurgedIdempotencyKeys.Should().BeGreaterThanOrEqualTo(1);
        var again = await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { IdempotencyKey = idempotencyKey });

        again.IsReplay.Should().BeFalse();
        (await LevelAsync(key)).OnHand.Should().Be(8);
    }

    [Test]
    public async Task A_request_that_throws_leaves_its_key_free_for_a_retry()
    {
        var key = new StockKey(NewSku());
        var idempotencyKey = NewKey();

        await FluentActions.Awaiting(() => Store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { IdempotencyKey = idempotencyKey }))
            .Should().ThrowAsync<StockItemNotFoundException>();
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 1)));
        var retry = await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { IdempotencyKey = idempotencyKey });

        retry.Should().BeEquivalentTo(new { Succeeded = true, IsReplay = false });
    }
}
