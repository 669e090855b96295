using StockGuard.Testing;

namespace StockGuard.Sqlite.Tests;

public sealed class SqliteReconciliationTests : SqlReconciliationTests<AtomicSqliteTestProvider>;

/// <summary>The coalescing strategy sells through its own batches: the repair must count them too.</summary>
public sealed class CoalescingSqliteReconciliationTests : SqlReconciliationTests<CoalescingSqliteTestProvider>;
