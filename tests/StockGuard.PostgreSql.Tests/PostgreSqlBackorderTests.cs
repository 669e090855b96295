using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

public sealed class AtomicPostgreSqlBackorderTests : BackorderContractTests<AtomicPostgreSqlTestProvider>;

public sealed class PessimisticPostgreSqlBackorderTests : BackorderContractTests<PessimisticPostgreSqlTestProvider>;

public sealed class OptimisticPostgreSqlBackorderTests : BackorderContractTests<OptimisticPostgreSqlTestProvider>;

public sealed class CoalescingPostgreSqlBackorderTests : BackorderContractTests<CoalescingPostgreSqlTestProvider>;

public sealed class PessimisticPgBouncerBackorderTests : BackorderContractTests<PessimisticPgBouncerTestProvider>;
