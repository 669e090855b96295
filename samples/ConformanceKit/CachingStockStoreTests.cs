using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using StockGuard;
using StockGuard.InMemory;

namespace ConformanceKit;

/// <summary>What the decorator adds: the kit proves it kept the guarantees; these prove it caches at all.</summary>
public sealed class CachingStockStoreTests
{
    [Test]
    public async Task Repeated_reads_are_served_from_the_cache_until_a_write_or_the_time_to_live()
    {
        var time = new FakeTimeProvider();
        await using var store = new CachingStockStore(new InMemoryStockStore(new InMemoryStockStoreOptions(), time), time, TimeSpan.FromSeconds(5));
        var key = new StockKey("tee-shirt");
        await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)));

        (await store.GetLevelAsync(key))!.OnHand.Should().Be(10);
        (await store.GetLevelAsync(key))!.OnHand.Should().Be(10);
        store.Hits.Should().Be(1);

        await store.DeductAsync(new DeductRequest(new StockLine(key, 3)));
        (await store.GetLevelAsync(key))!.OnHand.Should().Be(7, "a write through the cache forgets the item");

        time.Advance(TimeSpan.FromSeconds(5));
        await store.GetLevelAsync(key);
        store.Hits.Should().Be(1, "an entry past its time-to-live is read again");
    }
}
