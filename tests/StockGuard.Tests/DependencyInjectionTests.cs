using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using System.Diagnostics.Metrics;
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
    public void Bad_settings_fail_at_start_with_a_message_naming_them()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddStockGuard(o => o.SweepInterval = TimeSpan.Zero)
            .UseInMemory(o => o.SweepBatchSize = 0);
        using var provider = services.BuildServiceProvider();

        Exception? thrown = null;
        try
        {
            provider.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (Exception ex)
        {
            thrown = ex;
        }

        thrown.Should().NotBeNull();
        var failures = (thrown is AggregateException aggregate ? aggregate.Flatten().InnerExceptions : [thrown])
            .OfType<OptionsValidationException>().SelectMany(e => e.Failures).ToList();
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
}
