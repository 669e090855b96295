using StockGuard.Testing;

namespace StockGuard.Sqlite.Tests;

public sealed class AtomicSqliteLocationTests : LocationContractTests<AtomicSqliteTestProvider>;

public sealed class PessimisticSqliteLocationTests : LocationContractTests<PessimisticSqliteTestProvider>;

public sealed class OptimisticSqliteLocationTests : LocationContractTests<OptimisticSqliteTestProvider>;

public sealed class CoalescingSqliteLocationTests : LocationContractTests<CoalescingSqliteTestProvider>;
