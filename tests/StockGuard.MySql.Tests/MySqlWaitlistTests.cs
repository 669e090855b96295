using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

public sealed class AtomicMySqlWaitlistTests : WaitlistContractTests<AtomicMySqlTestProvider>;

public sealed class PessimisticMySqlWaitlistTests : WaitlistContractTests<PessimisticMySqlTestProvider>;

public sealed class OptimisticMySqlWaitlistTests : WaitlistContractTests<OptimisticMySqlTestProvider>;

public sealed class CoalescingMySqlWaitlistTests : WaitlistContractTests<CoalescingMySqlTestProvider>;
