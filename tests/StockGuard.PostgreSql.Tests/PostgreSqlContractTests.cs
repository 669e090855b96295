using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

public sealed class AtomicPostgreSqlContractTests : StockStoreContractTests<AtomicPostgreSqlTestProvider>;

public sealed class PessimisticPostgreSqlContractTests : StockStoreContractTests<PessimisticPostgreSqlTestProvider>;

public sealed class OptimisticPostgreSqlContractTests : StockStoreContractTests<OptimisticPostgreSqlTestProvider>;

public sealed class CoalescingPostgreSqlContractTests : StockStoreContractTests<CoalescingPostgreSqlTestProvider>;

public sealed class AtomicPgBouncerContractTests : StockStoreContractTests<AtomicPgBouncerTestProvider>;

public sealed class PessimisticPgBouncerContractTests : StockStoreContractTests<PessimisticPgBouncerTestProvider>;

public sealed class OptimisticPgBouncerContractTests : StockStoreContractTests<OptimisticPgBouncerTestProvider>;

public sealed class CoalescingPgBouncerContractTests : StockStoreContractTests<CoalescingPgBouncerTestProvider>;
