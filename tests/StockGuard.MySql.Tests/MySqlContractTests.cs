using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

public sealed class AtomicMySqlContractTests : StockStoreContractTests<AtomicMySqlTestProvider>;

public sealed class PessimisticMySqlContractTests : StockStoreContractTests<PessimisticMySqlTestProvider>;

public sealed class OptimisticMySqlContractTests : StockStoreContractTests<OptimisticMySqlTestProvider>;

public sealed class CoalescingMySqlContractTests : StockStoreContractTests<CoalescingMySqlTestProvider>;
