using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

public sealed class AtomicMySqlChangeFeedTests : ChangeFeedTests<AtomicMySqlTestProvider>;

public sealed class PessimisticMySqlChangeFeedTests : ChangeFeedTests<PessimisticMySqlTestProvider>;

public sealed class OptimisticMySqlChangeFeedTests : ChangeFeedTests<OptimisticMySqlTestProvider>;

public sealed class CoalescingMySqlChangeFeedTests : ChangeFeedTests<CoalescingMySqlTestProvider>;

public sealed class AtomicMySqlSqlChangeFeedTests : SqlChangeFeedTests<AtomicMySqlTestProvider>
{
    protected override bool ReadersWaitForOpenWriters => true;
}

public sealed class PessimisticMySqlSqlChangeFeedTests : SqlChangeFeedTests<PessimisticMySqlTestProvider>
{
    protected override bool ReadersWaitForOpenWriters => true;
}

public sealed class OptimisticMySqlSqlChangeFeedTests : SqlChangeFeedTests<OptimisticMySqlTestProvider>
{
    protected override bool ReadersWaitForOpenWriters => true;
}

public sealed class CoalescingMySqlSqlChangeFeedTests : SqlChangeFeedTests<CoalescingMySqlTestProvider>
{
    protected override bool ReadersWaitForOpenWriters => true;
}
