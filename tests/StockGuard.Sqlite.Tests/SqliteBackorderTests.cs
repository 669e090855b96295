using StockGuard.Testing;

namespace StockGuard.Sqlite.Tests;

public sealed class AtomicSqliteBackorderTests : BackorderContractTests<AtomicSqliteTestProvider>;

public sealed class PessimisticSqliteBackorderTests : BackorderContractTests<PessimisticSqliteTestProvider>;

public sealed class OptimisticSqliteBackorderTests : BackorderContractTests<OptimisticSqliteTestProvider>;

public sealed class CoalescingSqliteBackorderTests : BackorderContractTests<CoalescingSqliteTestProvider>;
