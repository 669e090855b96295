using FluentAssertions;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using StockGuard.Changes;
using StockGuard.DependencyInjection;

namespace StockGuard.AspNetCore.Tests;

/// <summary>The change-dispatcher health check over a real store and a real dispatcher, on the test's clock.</summary>
public abstract class ChangeDispatcherHealthTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private IApiStore _store = null!;
    private TestShop? _shop;

    protected abstract IApiStore CreateStore();

    [SetUp]
    public void CreateDatabase() => _store = CreateStore();

    [TearDown]
    public async Task Cleanup()
    {
        if (_shop is not null)
        {
            await _shop.DisposeAsync();
            _shop = null;
        }

        await _store.DisposeAsync();
    }

    [Test]
    public async Task Without_change_handlers_the_check_is_healthy()
    {
        _shop = await TestShop.StartAsync(_store);

        var entry = await CheckAsync();

        (entry.Status, entry.Description).Should().Be((HealthStatus.Healthy, "No change handlers are registered."));
    }

    [Test]
    public async Task A_dispatcher_whose_handler_keeps_changes_waiting_past_the_bound_is_unhealthy()
    {
        // A change in the feed before the dispatcher starts, so that its first read hands it to the handler.
        await using (var seed = await TestShop.StartAsync(_store))
        {
            await seed.ReceiveAsync("A", 5);
        }

        _shop = await TestShop.StartAsync(_store, b => b.AddChangeHandler<StuckHandler>("erp"));
        var handler = (StuckHandler)_shop.App.Services.GetRequiredKeyedService<IStockChangeHandler>("erp");
        await handler.Entered.Task.WaitAsync(Patience);

        var now = await CheckAsync();
        _shop.Time.Advance(TimeSpan.FromSeconds(61));
        var later = await CheckAsync();

        (now.Status, now.Description).Should().Be((HealthStatus.Healthy, "1 change dispatcher(s) keep up."));
        later.Status.Should().Be(HealthStatus.Unhealthy);
        later.Description.Should().Be("Change consumer 'erp': changes have waited 61 s for its handler (more than 60 s); it lags behind the feed.");
    }

    [Test]
    public async Task A_dispatcher_that_cannot_reach_its_lease_past_the_bound_is_unhealthy()
    {
        await using (var seed = await TestShop.StartAsync(_store))
        {
            await seed.ReceiveAsync("A", 5);
        }

        await BreakConsumersAsync();
        var failed = new LogSignal(24);
        _shop = await TestShop.StartAsync(_store, b =>
        {
            b.AddChangeHandler<StuckHandler>("erp");
            b.Services.AddSingleton<ILoggerProvider>(failed);
        }, autoCreateSchema: false);
        await failed.Seen.Task.WaitAsync(Patience);

        _shop.Time.Advance(TimeSpan.FromSeconds(61));
        var later = await CheckAsync();

        later.Status.Should().Be(HealthStatus.Unhealthy);
        later.Description.Should().Be("Change consumer 'erp': the store has not answered about its lease for 61 s; unless another instance delivers, nobody holds the lease and its changes wait.");
        _shop.App.Services.GetRequiredService<StockChangeDispatcher>().IsActive.Should().BeFalse();
    }

    /// <summary>Drops the table of the consumers' leases, so that every lease request fails.</summary>
    protected abstract Task BreakConsumersAsync();

    private async Task<HealthReportEntry> CheckAsync()
    {
        var report = await _shop!.App.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Name == StockGuardHealthChecks.ChangeDispatchers);
        return report.Entries[StockGuardHealthChecks.ChangeDispatchers];
    }

    protected IApiStore Store => _store;
}

/// <summary>A handler that takes the first change and keeps it until the host stops.</summary>
public sealed class StuckHandler : IStockChangeHandler
{
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task HandleAsync(StockChange change, CancellationToken cancellationToken)
    {
        Entered.TrySetResult();
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }
}

/// <summary>Completes when a log event with the id is written.</summary>
public sealed class LogSignal(int eventId) : ILoggerProvider, ILogger
{
    public TaskCompletionSource Seen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId id, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (id.Id == eventId)
        {
            Seen.TrySetResult();
        }
    }

    public void Dispose()
    {
    }
}

public sealed class SqliteChangeDispatcherHealthTests : ChangeDispatcherHealthTests
{
    protected override IApiStore CreateStore() => new SqliteApiStore();

    protected override async Task BreakConsumersAsync()
    {
        await using var connection = new SqliteConnection(((SqliteApiStore)Store).ConnectionString);
        await connection.OpenAsync();
        await using var command = new SqliteCommand("DROP TABLE stock_change_consumers;", connection);
        await command.ExecuteNonQueryAsync();
    }
}
