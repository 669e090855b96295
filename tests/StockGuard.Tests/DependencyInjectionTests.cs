using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using System.Diagnostics.Metrics;
using StockGuard.Changes;
using StockGuard.Diagnostics;
using StockGuard.DependencyInjection;
using StockGuard.InMemory;

namespace StockGuard.Tests;

public sealed class DependencyInjectionTests
{
    [Test]
    public async Task AddStockGuard_with_UseInMemory_serves_one_store_that_uses_the_registered_clock()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddLogging();
        services.AddStockGuard().UseInMemory();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var store = provider.GetRequiredService<IStockStore>();
        store.Should().BeOfType<InMemoryStockStore>().And.BeSameAs(provider.GetRequiredService<IStockStore>());
        provider.GetRequiredService<IStockAllocator>().Should().BeSameAs(store, "the allocator is the registered store itself");
        await store.ReceiveAsync(new ReceiveRequest(new StockLine("sku", 1)));
        var hold = await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine("sku", 1)));
        hold.Hold!.CreatedAt.Should().Be(time.GetUtcNow());
    }

    [Test]
    public async Task AddStockGuard_serves_the_store_as_its_change_feed()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddStockGuard().UseInMemory(o => o.ChangeRetention = 100);
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var feed = provider.GetRequiredService<IStockChangeFeed>();
        feed.Should().BeSameAs(provider.GetRequiredService<IStockStore>());
        await provider.GetRequiredService<IStockStore>().ReceiveAsync(new ReceiveRequest(new StockLine("sku", 3)));
        (await feed.ReadChangesAsync(StockChangePosition.Start)).Changes.Should().ContainSingle().Which.LevelAfter!.OnHand.Should().Be(3);
    }

    [Test]
    public void A_registered_store_without_a_feed_is_named_when_the_feed_is_asked_for()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddStockGuard().UseStore<InMemoryStockStoreOptions>(null, static (_, _) => new StoreWithoutFeed());
        using var provider = services.BuildServiceProvider();

        var ask = () => provider.GetRequiredService<IStockChangeFeed>();
        ask.Should().Throw<InvalidOperationException>().WithMessage("*StoreWithoutFeed*IStockChangeFeed*");
    }

    [Test]
    public void Bad_settings_fail_at_start_with_a_message_naming_them()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddStockGuard(o => o.SweepInterval = TimeSpan.Zero)
            .UseInMemory(o => o.SweepBatchSize = 0);
        using var provider = services.BuildServiceProvider();

        var failures = StartupValidation.Failures(provider);
        failures.Should().NotBeEmpty("start-up validation refuses the settings");
        failures.Should().Contain(m => m.Contains("StockGuardOptions.SweepInterval", StringComparison.Ordinal));
        failures.Should().Contain(m => m.Contains("InMemoryStockStoreOptions.SweepBatchSize", StringComparison.Ordinal));
    }

    [Test]
    public void A_store_built_without_DI_validates_its_options_too()
    {
        var act = () => new InMemoryStockStore(new InMemoryStockStoreOptions { IdempotencyKeyRetention = TimeSpan.Zero });

        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("InMemoryStockStoreOptions.IdempotencyKeyRetention");
    }

    [Test]
    public async Task The_hosted_sweeper_releases_expired_holds_on_its_interval()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddLogging();
        services.AddStockGuard(o => o.SweepInterval = TimeSpan.FromSeconds(30)).UseInMemory();
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<IStockStore>();
        await store.ReceiveAsync(new ReceiveRequest(new StockLine("sku", 2)));
        await store.ReserveAsync(new ReserveRequest(TimeSpan.FromSeconds(10), new StockLine("sku", 2)));

        // The sweeper reports each hold it expires on the stockguard.holds.expired counter.
        var expired = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == StockGuardDiagnostics.MeterName && instrument.Name == "stockguard.holds.expired")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => expired.TrySetResult(value));
        listener.Start();

        var sweeper = provider.GetServices<IHostedService>().Single();
        await sweeper.StartAsync(CancellationToken.None);
        try
        {
            expired.Task.IsCompleted.Should().BeFalse("nothing runs before the interval passes");
            time.Advance(TimeSpan.FromSeconds(30));

            (await expired.Task.WaitAsync(TimeSpan.FromSeconds(30))).Should().Be(1);
            (await store.SweepAsync()).ExpiredHolds.Should().Be(0, "the hosted sweeper already released the hold");
            (await store.GetLevelAsync("sku"))!.Reserved.Should().Be(0);
        }
        finally
        {
            await sweeper.StopAsync(CancellationToken.None);
        }
    }

    [Test]
    public void UseInMemory_replaces_a_store_registered_before()
    {
        var services = new ServiceCollection();
        var builder = services.AddStockGuard();
        builder.UseInMemory();
        builder.UseInMemory();

        services.Count(d => d.ServiceType == typeof(IStockStore)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IHostedService)).Should().Be(1);
    }

    private sealed class StoreWithoutFeed : IStockStore
    {
        public Task<StockLevel?> GetLevelAsync(StockKey key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<StockLevel>> GetLevelsAsync(IEnumerable<StockKey> keys, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<StockChangeResult> DeductAsync(DeductRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<StockChangeResult> ReceiveAsync(ReceiveRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<StockChangeResult> AdjustAsync(AdjustRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<StockLevel> SetPolicyAsync(StockKey key, StockPolicy policy, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<ReserveResult> ReserveAsync(ReserveRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<HoldResult> ConfirmAsync(Guid holdId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<HoldResult> ReleaseAsync(Guid holdId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<HoldResult> ConfirmAsync(ConfirmRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<StockChangeResult> ReturnAsync(HoldReturnRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<HoldResult> ExtendAsync(Guid holdId, TimeSpan timeToLive, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<StockHold?> GetHoldAsync(Guid holdId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<SweepResult> SweepAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
