using FluentAssertions;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using StockGuard.Sql;

namespace StockGuard.Sqlite.Tests;

/// <summary>SQLite's clock: one host's file, so the store's TimeProvider decides, and the database clock is refused.</summary>
public sealed class SqliteClockTests
{
    private FakeTimeProvider _time = null!;
    private string _connectionString = null!;

    [SetUp]
    public void StartClock()
    {
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        _connectionString = $"Data Source=clock-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
    }

    [TearDown]
    public void ClearPools() => SqliteConnection.ClearAllPools();

    [Test]
    public void The_clock_is_the_TimeProvider_and_the_database_clock_is_refused_naming_the_setting()
    {
        new SqliteStockStoreOptions().Clock.Should().Be(SqlClock.TimeProvider);

        var act = () => new SqliteStockStore(_connectionString, new SqliteStockStoreOptions { Clock = SqlClock.Database });

        act.Should().Throw<OptionsValidationException>()
            .Which.Failures.Should().ContainSingle().Which.Should().StartWith("SqliteStockStoreOptions.Clock is Database; SQLite has no server clock");
    }

    [Test]
    public void The_clock_settings_out_of_range_are_refused_each_by_name()
    {
        var options = new SqliteStockStoreOptions { Clock = (SqlClock)7, MaxClockError = TimeSpan.Zero, ClockReadInterval = TimeSpan.FromHours(2) };

        var act = () => new SqliteStockStore(_connectionString, options);

        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().BeEquivalentTo(
            "SqliteStockStoreOptions.Clock is 7; it must be Database or TimeProvider.",
            "SqliteStockStoreOptions.MaxClockError is 00:00:00; it must lie between 00:00:00.0010000 and 00:00:10.",
            "SqliteStockStoreOptions.ClockReadInterval is 02:00:00; it must lie between 00:00:01 and 01:00:00.",
            "SqliteStockStoreOptions.Clock is 7; SQLite has no server clock, so it must be TimeProvider: the processes that share a SQLite file share one host's clock.");
    }

    [Test]
    public async Task Holds_and_movements_take_their_times_from_the_TimeProvider()
    {
        await using var store = new SqliteStockStore(_connectionString, new SqliteStockStoreOptions(), _time);
        var key = new StockKey($"sku-{Guid.NewGuid():N}");
        await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 5)));

        var hold = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(10), new StockLine(key, 2)))).Hold!;

        hold.Should().BeEquivalentTo(new { CreatedAt = _time.GetUtcNow(), ExpiresAt = _time.GetUtcNow().AddMinutes(10) });
        _time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromTicks(10));
        (await store.GetHoldAsync(hold.Id))!.State.Should().Be(HoldState.Active);
        _time.Advance(TimeSpan.FromTicks(10));
        (await store.GetHoldAsync(hold.Id))!.State.Should().Be(HoldState.Expired);
    }
}
