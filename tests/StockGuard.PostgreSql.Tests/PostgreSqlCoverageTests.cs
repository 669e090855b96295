using FluentAssertions;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

public sealed class PostgreSqlCoverageTests
{
    [Test]
    public void The_contract_suite_is_closed_for_every_strategy() =>
        ContractCoverage.ClosedStrategies(typeof(PostgreSqlCoverageTests).Assembly)
            .Should().BeEquivalentTo(Enum.GetValues<ConcurrencyStrategy>(), "a strategy without its closed contract class is untested");
}
