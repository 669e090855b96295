using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

public sealed class AtomicMySqlLocationTests : LocationContractTests<AtomicMySqlTestProvider>;

public sealed class PessimisticMySqlLocationTests : LocationContractTests<PessimisticMySqlTestProvider>;

public sealed class OptimisticMySqlLocationTests : LocationContractTests<OptimisticMySqlTestProvider>;

public sealed class CoalescingMySqlLocationTests : LocationContractTests<CoalescingMySqlTestProvider>;
