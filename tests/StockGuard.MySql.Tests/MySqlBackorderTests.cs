using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

public sealed class AtomicMySqlBackorderTests : BackorderContractTests<AtomicMySqlTestProvider>;

public sealed class PessimisticMySqlBackorderTests : BackorderContractTests<PessimisticMySqlTestProvider>;

public sealed class OptimisticMySqlBackorderTests : BackorderContractTests<OptimisticMySqlTestProvider>;

public sealed class CoalescingMySqlBackorderTests : BackorderContractTests<CoalescingMySqlTestProvider>;
