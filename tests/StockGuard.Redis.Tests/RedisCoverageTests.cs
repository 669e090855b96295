using FluentAssertions;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.Redis.Tests;

public sealed class RedisCoverageTests
{
    [Test]
    public void The_contract_suite_is_closed_for_the_one_strategy_and_every_other_strategy_is_refused()
    {
        var closed = ContractCoverage.ClosedStrategies(typeof(RedisCoverageTests).Assembly);
        closed.Should().BeEquivalentTo([ConcurrencyStrategy.Atomic]);
        var refused = typeof(RedisStoreTests<>).GetMethod(nameof(RedisStoreTests.Every_strategy_but_atomic_is_refused_at_configuration_and_per_request))!
            .GetCustomAttributes(typeof(TestCaseAttribute), false).Cast<TestCaseAttribute>().Select(t => (ConcurrencyStrategy)t.Arguments[0]!);
        closed.Concat(refused).Should().BeEquivalentTo(Enum.GetValues<ConcurrencyStrategy>(), "every strategy is either run through the contract suite or refused by a test");
    }

    [Test]
    public void Every_suite_runs_on_a_single_Redis_and_on_the_cluster()
    {
        var closed = typeof(RedisCoverageTests).Assembly.GetTypes().Where(t => !t.IsAbstract && t.BaseType is { IsGenericType: true })
            .Select(t => (Suite: t.BaseType!.GetGenericTypeDefinition(), Provider: t.BaseType!.GetGenericArguments()[0]))
            .ToLookup(x => x.Suite, x => x.Provider);

        foreach (var suite in new[] { typeof(StockStoreContractTests<>), typeof(RedisStoreTests<>), typeof(RedisCrashTests<>) })
        {
            closed[suite].Should().BeEquivalentTo([typeof(SingleRedisTestProvider), typeof(ClusterRedisTestProvider)], "{0} runs on both topologies", suite.Name);
        }
    }
}
