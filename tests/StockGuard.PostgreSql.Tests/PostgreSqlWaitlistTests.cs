using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

public sealed class AtomicPostgreSqlWaitlistTests : WaitlistContractTests<AtomicPostgreSqlTestProvider>;

public sealed class PessimisticPostgreSqlWaitlistTests : WaitlistContractTests<PessimisticPostgreSqlTestProvider>;

public sealed class OptimisticPostgreSqlWaitlistTests : WaitlistContractTests<OptimisticPostgreSqlTestProvider>;

public sealed class CoalescingPostgreSqlWaitlistTests : WaitlistContractTests<CoalescingPostgreSqlTestProvider>;

public sealed class PessimisticPgBouncerWaitlistTests : WaitlistContractTests<PessimisticPgBouncerTestProvider>;
