using FluentAssertions;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

public sealed class MySqlCoverageTests
{
    [Test]
    public void The_contract_suite_is_closed_for_every_strategy() =>
        ContractCoverage.ClosedStrategies(typeof(MySqlCoverageTests).Assembly)
            .Should().BeEquivalentTo(Enum.GetValues<ConcurrencyStrategy>(), "a strategy without its closed contract class is untested");
}
