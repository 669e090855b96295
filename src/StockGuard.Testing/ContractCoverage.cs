using System.Reflection;

namespace StockGuard.Testing;

/// <summary>Finds which concurrency strategies a test assembly closes the contract suite for, and which shared SQL suites it closes.</summary>
public static class ContractCoverage
{
    /// <summary>
    /// The strategies of the providers of every closed <see cref="StockStoreContractTests{TProvider}"/> in
    /// <paramref name="testAssembly"/>, read from the provider's public <c>Strategy</c> property.
    /// </summary>
    /// <param name="testAssembly">A provider's test assembly.</param>
    public static IReadOnlySet<ConcurrencyStrategy> ClosedStrategies(Assembly testAssembly) =>
        ClosedStrategies(testAssembly, typeof(StockStoreContractTests<>));

    /// <summary>
    /// The strategies of the providers of every closed <paramref name="suite"/> (a generic suite definition such as
    /// <see cref="LocationContractTests{TProvider}"/>) in <paramref name="testAssembly"/>.
    /// </summary>
    /// <param name="testAssembly">A provider's test assembly.</param>
    /// <param name="suite">The generic suite definition, closed once per strategy.</param>
    public static IReadOnlySet<ConcurrencyStrategy> ClosedStrategies(Assembly testAssembly, Type suite)
    {
        ArgumentNullException.ThrowIfNull(testAssembly);
        ArgumentNullException.ThrowIfNull(suite);
        var strategies = new HashSet<ConcurrencyStrategy>();
        foreach (var type in testAssembly.GetTypes().Where(t => !t.IsAbstract))
        {
            for (var baseType = type.BaseType; baseType is not null; baseType = baseType.BaseType)
            {
                if (baseType.IsGenericType && baseType.GetGenericTypeDefinition() == suite)
                {
                    var provider = baseType.GetGenericArguments()[0];
                    if (provider.GetProperty("Strategy", BindingFlags.Public | BindingFlags.Instance) is { } property
                        && property.GetValue(Activator.CreateInstance(provider)) is ConcurrencyStrategy strategy)
                    {
                        strategies.Add(strategy);
                    }

                    break;
                }
            }
        }

        return strategies;
    }

    /// <summary>The shared suites every SQL store closes, as generic type definitions.</summary>
    public static IReadOnlyList<Type> SqlSuites { get; } =
    [
        typeof(SqlFaultTests<>),
        typeof(OneLineDeductFaultTests<>),
        typeof(SqlPoolTests<>),
        typeof(OneLineDeductTests<>),
        typeof(OneCommandHoldTests<>),
        typeof(CoalescingTests<>),
        typeof(ClockSkewTests<>),
        typeof(CallerTransactionTests<>),
        typeof(SqlReconciliationTests<>),
        typeof(ChangeFeedTests<>),
        typeof(SqlChangeFeedTests<>),
        typeof(ChangeDeliveryTests<>),
    ];

    /// <summary>The generic suite definitions that the concrete test classes of <paramref name="testAssembly"/> derive from.</summary>
    /// <param name="testAssembly">A provider's test assembly.</param>
    public static IReadOnlySet<Type> ClosedSuites(Assembly testAssembly)
    {
        ArgumentNullException.ThrowIfNull(testAssembly);
        var suites = new HashSet<Type>();
        foreach (var type in testAssembly.GetTypes().Where(t => !t.IsAbstract))
        {
            for (var baseType = type.BaseType; baseType is not null; baseType = baseType.BaseType)
            {
                if (baseType.IsGenericType)
                {
                    suites.Add(baseType.GetGenericTypeDefinition());
                }
            }
        }

        return suites;
    }
}
