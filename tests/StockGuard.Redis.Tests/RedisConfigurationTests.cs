using FluentAssertions;
using Microsoft.Extensions.Options;
using NUnit.Framework;

namespace StockGuard.Redis.Tests;

public sealed class RedisConfigurationTests
{
    [TestCase("")]
    [TestCase("a:b")]
    [TestCase("{tag}")]
    [TestCase("has space")]
    public void A_bad_key_prefix_is_refused_naming_the_setting(string prefix)
    {
        var act = () => new RedisStockStoreOptions { KeyPrefix = prefix }.ThrowIfInvalid();
        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("KeyPrefix");
    }

    [Test]
    public void The_clock_defaults_to_the_servers_within_100_ms_read_every_30_seconds()
    {
        new RedisStockStoreOptions().Should().BeEquivalentTo(new
        {
            Clock = RedisClock.Server,
            MaxClockError = TimeSpan.FromMilliseconds(100),
            ClockReadInterval = TimeSpan.FromSeconds(30),
        });
    }

    [Test]
    public void An_unknown_clock_is_refused_naming_the_setting()
    {
        var act = () => new RedisStockStoreOptions { Clock = (RedisClock)7 }.ThrowIfInvalid();
        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("RedisStockStoreOptions.Clock is 7");
    }

    [TestCase(0)]
    [TestCase(10_001)]
    public void A_max_clock_error_out_of_range_is_refused_naming_the_setting(int milliseconds)
    {
        var act = () => new RedisStockStoreOptions { MaxClockError = TimeSpan.FromMilliseconds(milliseconds) }.ThrowIfInvalid();
        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("RedisStockStoreOptions.MaxClockError");
    }

    [TestCase(999)]
    [TestCase(3_600_001)]
    public void A_clock_read_interval_out_of_range_is_refused_naming_the_setting(int milliseconds)
    {
        var act = () => new RedisStockStoreOptions { ClockReadInterval = TimeSpan.FromMilliseconds(milliseconds) }.ThrowIfInvalid();
        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("RedisStockStoreOptions.ClockReadInterval");
    }

    [Test]
    public void The_clock_settings_at_their_limits_are_accepted()
    {
        var act = () =>
        {
            new RedisStockStoreOptions { MaxClockError = TimeSpan.FromMilliseconds(1), ClockReadInterval = TimeSpan.FromSeconds(1), Clock = RedisClock.TimeProvider }.ThrowIfInvalid();
            new RedisStockStoreOptions { MaxClockError = TimeSpan.FromSeconds(10), ClockReadInterval = TimeSpan.FromHours(1) }.ThrowIfInvalid();
        };
        act.Should().NotThrow();
    }
}
