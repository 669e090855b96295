using FluentAssertions;
using NUnit.Framework;
using StockGuard.Changes;

namespace StockGuard.Testing;

/// <summary>
/// The change feed's gap guarantee on a database store: a change whose transaction took its place in the ledger before
/// later changes but commits after them is read exactly once, never passed. A writing transaction is held open through
/// <c>InTransaction(connection, transaction)</c> while later changes commit and a reader reads. A provider closes this
/// class in one line, overriding <see cref="ReadersWaitForOpenWriters"/> or <see cref="WritersWaitForEachOther"/> where
/// its engine works that way.
/// </summary>
/// <typeparam name="TProvider">Makes the stores under test.</typeparam>
public abstract class SqlChangeFeedTests<TProvider> : SqlProviderFixture<TProvider>
    where TProvider : ISqlStoreTestProvider, new()
{
    /// <summary>Whether a feed read waits for a transaction that wrote a movement and has not ended (MySQL's locking read). Default: no.</summary>
    protected virtual bool ReadersWaitForOpenWriters => false;

    /// <summary>Whether a write waits while another transaction has written and not ended (SQLite: one writer at a time). Default: no.</summary>
    protected virtual bool WritersWaitForEachOther => false;

    [Test]
    public async Task A_change_committed_after_later_changes_is_read_exactly_once()
    {
        var store = CreateStore();
        var feed = (IStockChangeFeed)store;
        var held = new StockKey(NewSku("held"));
        var later = new StockKey(NewSku("later"));
        await StockedAsync(store, 1, held.Sku);
        await StockedAsync(store, 1, later.Sku);
        var start = await feed.GetLastPositionAsync();

        var before = new List<StockChange>();
        var after = new List<StockChange>();
        await using (var connection = await Server.Tables.Open())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            (await Provider.InTransaction(store, connection, transaction).ReceiveAsync(new ReceiveRequest(new StockLine(held, 5)) { Reference = "held" })).Succeeded.Should().BeTrue();
            if (!WritersWaitForEachOther)
            {
                for (var i = 0; i < 3; i++)
                {
                    (await store.ReceiveAsync(new ReceiveRequest(new StockLine(later, 1)) { Reference = $"later-{i}" })).Succeeded.Should().BeTrue();
                }
            }

            var reading = ReadAllAsync(feed, start);
            if (ReadersWaitForOpenWriters)
            {
                // The read waits on the held row: make sure it got there before the commit.
                await using var lockHolder = await Server.LockItemAsync(later);
                await Server.WaitForLockWaiterAsync(lockHolder);
                reading.IsCompleted.Should().BeFalse("the read waits for the open transaction's row");
            }
            else
            {
                before.AddRange(await reading);
                before.Should().NotContain(c => c.Reference == "held", "the held change is not committed");
            }

            await transaction.CommitAsync();
            if (ReadersWaitForOpenWriters)
            {
                after.AddRange(await reading);
            }
        }

        if (WritersWaitForEachOther)
        {
            for (var i = 0; i < 3; i++)
            {
                (await store.ReceiveAsync(new ReceiveRequest(new StockLine(later, 1)) { Reference = $"later-{i}" })).Succeeded.Should().BeTrue();
            }
        }

        var resume = before.Count > 0 ? before[^1].Position : after.Count > 0 ? after[^1].Position : start;
        // The stocking receipts may come after the start too: on PostgreSQL the last position waits for every older transaction.
        for (var attempt = 0; after.Concat(before).Count(c => c.Reference is "held" or "later-0" or "later-1" or "later-2") < 4; attempt++)
        {
            attempt.Should().BeLessThan(300, "the feed should show the four changes within a minute");
            var page = await ReadAllAsync(feed, resume);
            after.AddRange(page);
            resume = page.Count > 0 ? page[^1].Position : resume;
            if (page.Count == 0)
            {
                Time.Advance(TimeSpan.FromSeconds(5));
                await Task.Delay(TimeSpan.FromMilliseconds(200), TimeProvider.System, CancellationToken.None);
            }
        }

        var all = before.Concat(after).ToList();
        all.Select(c => c.Position).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems("a reader never finds a change before a position it passed");
        all.Where(c => c.Key == held && c.Reference == "held").Should().ContainSingle("the late commit is read once, not passed").Which.LevelAfter!.OnHand.Should().Be(6);
        all.Where(c => c.Key == later && c.Reference != null).Select(c => c.Reference).Should().Equal("later-0", "later-1", "later-2");
        all.Where(c => c.Key == held || c.Key == later).Should().HaveCount(c => c == 4 || c == 5 || c == 6, "besides, at most the two stocking receipts");
    }

    private static async Task<List<StockChange>> ReadAllAsync(IStockChangeFeed feed, StockChangePosition after)
    {
        var changes = new List<StockChange>();
        while (true)
        {
            var page = await feed.ReadChangesAsync(after, maxCount: 100);
            changes.AddRange(page.Changes);
            after = page.Next;
            if (!page.HasMore)
            {
                return changes;
            }
        }
    }
}
