using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

public sealed class AtomicPostgreSqlContractTests : StockStoreContractTests<AtomicPostgreSqlTestProvider>;

public sealed class PessimisticPostgreSqlContractTests : StockStoreContractTests<PessimisticPostgreSqlTestProvider>;

public sealed class OptimisticPostgreSqlContractTests : StockStoreContractTests<OptimisticPostgreSqlTestProvider>;

public sealed class CoalescingPostgreSqlContractTests : StockStoreContractTests<CoalescingPostgreSqlTestProvider>;
