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
}
