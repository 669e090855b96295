using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

public sealed class MySqlReconciliationTests : SqlReconciliationTests<AtomicMySqlTestProvider>;

public sealed class PessimisticMySqlReconciliationTests : SqlReconciliationTests<PessimisticMySqlTestProvider>;

public sealed class OptimisticMySqlReconciliationTests : SqlReconciliationTests<OptimisticMySqlTestProvider>;

public sealed class CoalescingMySqlReconciliationTests : SqlReconciliationTests<CoalescingMySqlTestProvider>;
