using System.Collections.Concurrent;
using System.Diagnostics;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using StockGuard.Caching;
using StockGuard.Changes;

namespace StockGuard.Tests;

/// <summary>.AddChangeHandler and .UseReadCache through dependency injection and a host.</summary>
public sealed class ChangeRegistrationTests
{
    [Test]
    public async Task A_registered_handler_receives_changes_while_the_host_runs()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddHybridCache();
        builder.Services.AddStockGuard(o => o.EnableSweeper = false).UseInMemory()
            .AddChangeHandler<Recorder>("erp", o => o.PollInterval = TimeSpan.FromMilliseconds(10))
            .UseReadCache(o => o.PollInterval = TimeSpan.FromMilliseconds(10));
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var store = host.Services.GetRequiredService<IStockStore>();
            var cache = host.Services.GetRequiredService<StockLevelCache>();
            await store.ReceiveAsync(new ReceiveRequest(new StockLine("sku", 3)));
            await store.DeductAsync(new DeductRequest(new StockLine("sku", 1)));

            var recorder = (Recorder)host.Services.GetRequiredKeyedService<IStockChangeHandler>("erp");
            await EventuallyAsync(() => recorder.Changes.Count == 2 && cache.IsFollowing);
            recorder.Changes.Select(c => c.Kind).Should().Equal(StockMovementKind.Receipt, StockMovementKind.Sale);
            (await cache.GetLevelAsync("sku"))!.Available.Should().Be(2);
            host.Services.GetRequiredService<IStockChangeConsumerStore>().Should().BeOfType<StockGuard.InMemory.InMemoryStockChangeConsumers>();
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Test]
    public async Task A_cache_that_starts_following_clears_its_own_entries_and_no_other_caches()
    {
        var services = new ServiceCollection();
        services.AddHybridCache();
        await using var provider = services.BuildServiceProvider();
        var hybrid = provider.GetRequiredService<Microsoft.Extensions.Caching.Hybrid.HybridCache>();
        var storeA = new StockGuard.InMemory.InMemoryStockStore();
        var storeB = new StockGuard.InMemory.InMemoryStockStore();
        var fast = TimeSpan.FromMilliseconds(10);
        var cacheA = new StockLevelCache(storeA, storeA, hybrid, new StockLevelCacheOptions { KeyPrefix = "shop-a:", PollInterval = fast });
        var cacheB = new StockLevelCache(storeB, storeB, hybrid, new StockLevelCacheOptions { KeyPrefix = "shop-b:", PollInterval = fast });
        using var stop = new CancellationTokenSource();
        var runA = cacheA.RunAsync(stop.Token);
        await EventuallyAsync(() => cacheA.IsFollowing);
        await storeA.ReceiveAsync(new ReceiveRequest(new StockLine("sku", 5)));
        var received = await storeA.GetLastPositionAsync();
        await EventuallyAsync(() => cacheA.Position >= received);
        (await cacheA.GetLevelAsync("sku"))!.OnHand.Should().Be(5);

        // A counter moved behind the feed's back: only a read of the store would see it.
        storeA.Corrupt("sku", StockCounter.OnHand, 2);
        var runB = cacheB.RunAsync(stop.Token);
        await EventuallyAsync(() => cacheB.IsFollowing);

        (await cacheA.GetLevelAsync("sku"))!.OnHand.Should().Be(5, "another cache starting on the same HybridCache leaves this one's entries alone");
        await stop.CancelAsync();
        await Task.WhenAll(runA, runB);
    }

    [Test]
    public void A_consumer_name_is_checked_and_given_once()
    {
        var builder = new ServiceCollection().AddStockGuard().UseInMemory().AddChangeHandler<Recorder>("erp");

        builder.Invoking(b => b.AddChangeHandler<Recorder>("erp")).Should().Throw<ArgumentException>().WithMessage("*already registered*'erp'*");
        builder.Invoking(b => b.AddChangeHandler<Recorder>("erp feed")).Should().Throw<ArgumentException>().WithMessage("*'erp feed' is not a change consumer name*");
        builder.Invoking(b => b.AddChangeHandler<Recorder>("")).Should().Throw<ArgumentException>();
    }

    [Test]
    public void Bad_dispatcher_and_cache_settings_fail_at_start_naming_them()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHybridCache();
        services.AddStockGuard().UseInMemory()
            .AddChangeHandler<Recorder>("erp", o => (o.BatchSize, o.RetryDelay, o.MaxRetryDelay) = (0, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)))
            .UseReadCache(o => o.MaxAge = TimeSpan.Zero);
        using var provider = services.BuildServiceProvider();

        var failures = StartupValidation.Failures(provider);
        failures.Should().NotBeEmpty("start-up validation refuses the settings");
        failures.Should().Contain(m => m.Contains("StockChangeDispatcherOptions.BatchSize", StringComparison.Ordinal));
        failures.Should().Contain(m => m.Contains("StockChangeDispatcherOptions.MaxRetryDelay", StringComparison.Ordinal));
        failures.Should().Contain(m => m.Contains("StockLevelCacheOptions.MaxAge", StringComparison.Ordinal));
    }

    [Test]
    public void The_read_cache_asks_for_a_HybridCache()
    {
        var services = new ServiceCollection();
        services.AddStockGuard().UseInMemory().UseReadCache();
        using var provider = services.BuildServiceProvider();

        provider.Invoking(p => p.GetRequiredService<StockLevelCache>()).Should().Throw<InvalidOperationException>().WithMessage("*AddHybridCache()*");
    }

    private static async Task EventuallyAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            deadline.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30));
            await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System);
        }
    }

    private sealed class Recorder : IStockChangeHandler
    {
        private readonly ConcurrentQueue<StockChange> _changes = new();

        public IReadOnlyList<StockChange> Changes => [.. _changes];

        public Task HandleAsync(StockChange change, CancellationToken cancellationToken)
        {
            _changes.Enqueue(change);
            return Task.CompletedTask;
        }
    }
}
