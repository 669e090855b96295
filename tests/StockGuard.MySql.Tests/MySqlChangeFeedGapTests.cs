using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using StockGuard.Changes;

namespace StockGuard.MySql.Tests;

/// <summary>
/// MySQL's feed at a gap in the ledger's ids: an id a rolled-back insert used never fills, and one an insert has taken
/// but not yet written looks the same for a moment. The feed stops at a gap until it has seen a higher committed id at
/// least <see cref="MySqlStockStoreOptions.ChangeFeedGapWait"/> ago, then passes it.
/// </summary>
[TestFixture]
public sealed class MySqlChangeFeedGapTests
{
    [Test]
    public async Task A_rolled_back_insert_holds_the_feed_for_the_gap_wait_then_is_passed()
    {
        await using var provider = new AtomicMySqlTestProvider();
        await provider.InitializeAsync();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        var options = provider.Options();
        options.ChangeFeedGapWait = TimeSpan.FromSeconds(1);
        await using var store = new MySqlStockStore(provider.DataSource, options, time);
        var rolledBack = new StockKey("rolled-back");
        var committed = new StockKey("committed");
        await store.ReceiveAsync(new ReceiveRequest(new StockLine(rolledBack, 1), new StockLine(committed, 1)));
        var start = await store.GetLastPositionAsync();
        start.Sequence.Should().Be(2, "a fresh ledger has no gaps: both receipts are visible");

        await using (var connection = await provider.Server.Tables.Open())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await store.InTransaction(connection, transaction).ReceiveAsync(new ReceiveRequest(new StockLine(rolledBack, 5)));
            await transaction.RollbackAsync();
        }

        await store.ReceiveAsync(new ReceiveRequest(new StockLine(committed, 2)) { Reference = "after the gap" });

        var first = await store.ReadChangesAsync(start);
        first.Should().BeEquivalentTo(new { Changes = Array.Empty<StockChange>(), Next = start, HasMore = false }, "the gap at id 3 is young");
        time.Advance(TimeSpan.FromMilliseconds(999));
        (await store.ReadChangesAsync(start)).Changes.Should().BeEmpty("the highest id was read less than the gap wait ago");
        time.Advance(TimeSpan.FromMilliseconds(1));
        var passed = await store.ReadChangesAsync(start);

        passed.Changes.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Position = new StockChangePosition(0, 4), Key = committed, Reference = "after the gap" });
        passed.Changes[0].LevelAfter!.OnHand.Should().Be(3);
        (await store.GetLastPositionAsync()).Should().Be(new StockChangePosition(0, 4));
    }
}
