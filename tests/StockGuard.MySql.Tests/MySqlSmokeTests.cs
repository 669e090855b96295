using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.MySql.Tests;

public sealed class MySqlSmokeTests
{
    [Test]
    public void Placeholder() => true.Should().BeTrue();
}
