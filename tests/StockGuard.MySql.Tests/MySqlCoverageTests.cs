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

    [Test]
    public void The_location_suite_is_closed_for_every_strategy() =>
        ContractCoverage.ClosedStrategies(typeof(MySqlCoverageTests).Assembly, typeof(LocationContractTests<>))
            .Should().BeEquivalentTo(Enum.GetValues<ConcurrencyStrategy>(), "allocation locks whatever the strategy, which only a closed class per strategy proves");

    [Test]
    public void The_waitlist_suite_is_closed_for_every_strategy() =>
        ContractCoverage.ClosedStrategies(typeof(MySqlCoverageTests).Assembly, typeof(WaitlistContractTests<>))
            .Should().BeEquivalentTo(Enum.GetValues<ConcurrencyStrategy>(), "a waitlist serves its queue whatever the strategy, which only a closed class per strategy proves");

    [Test]
    public void Every_shared_SQL_suite_is_closed() =>
        ContractCoverage.ClosedSuites(typeof(MySqlCoverageTests).Assembly)
            .Should().Contain(ContractCoverage.SqlSuites, "a shared SQL suite without its closed class is untested on this server");

    [Test]
    public void The_backorder_suite_is_closed_for_every_strategy() =>
        ContractCoverage.ClosedStrategies(typeof(MySqlCoverageTests).Assembly, typeof(BackorderContractTests<>))
            .Should().BeEquivalentTo(Enum.GetValues<ConcurrencyStrategy>(), "every strategy takes units below zero its own way, and each must record the same backorders");
}
