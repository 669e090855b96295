using StockGuard.Testing;

namespace StockGuard.Sqlite.Tests;

public sealed class AtomicSqliteWaitlistTests : WaitlistContractTests<AtomicSqliteTestProvider>;

public sealed class PessimisticSqliteWaitlistTests : WaitlistContractTests<PessimisticSqliteTestProvider>;

public sealed class OptimisticSqliteWaitlistTests : WaitlistContractTests<OptimisticSqliteTestProvider>;

public sealed class CoalescingSqliteWaitlistTests : WaitlistContractTests<CoalescingSqliteTestProvider>;
