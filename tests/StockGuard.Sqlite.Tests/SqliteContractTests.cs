using StockGuard.Testing;

namespace StockGuard.Sqlite.Tests;

public sealed class AtomicSqliteContractTests : StockStoreContractTests<AtomicSqliteTestProvider>;

public sealed class PessimisticSqliteContractTests : StockStoreContractTests<PessimisticSqliteTestProvider>;

public sealed class OptimisticSqliteContractTests : StockStoreContractTests<OptimisticSqliteTestProvider>;

public sealed class InMemorySqliteContractTests : StockStoreContractTests<InMemorySqliteTestProvider>;

public sealed class CoalescingSqliteContractTests : StockStoreContractTests<CoalescingSqliteTestProvider>;
