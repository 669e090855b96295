using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

public sealed class AtomicPostgreSqlLocationTests : LocationContractTests<AtomicPostgreSqlTestProvider>;

public sealed class PessimisticPostgreSqlLocationTests : LocationContractTests<PessimisticPostgreSqlTestProvider>;

public sealed class OptimisticPostgreSqlLocationTests : LocationContractTests<OptimisticPostgreSqlTestProvider>;

public sealed class CoalescingPostgreSqlLocationTests : LocationContractTests<CoalescingPostgreSqlTestProvider>;

public sealed class PessimisticPgBouncerLocationTests : LocationContractTests<PessimisticPgBouncerTestProvider>;
