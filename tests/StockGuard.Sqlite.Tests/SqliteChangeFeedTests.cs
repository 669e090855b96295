using StockGuard.Testing;

namespace StockGuard.Sqlite.Tests;

public sealed class AtomicSqliteChangeFeedTests : ChangeFeedTests<AtomicSqliteTestProvider>;

public sealed class PessimisticSqliteChangeFeedTests : ChangeFeedTests<PessimisticSqliteTestProvider>;

public sealed class OptimisticSqliteChangeFeedTests : ChangeFeedTests<OptimisticSqliteTestProvider>;

public sealed class CoalescingSqliteChangeFeedTests : ChangeFeedTests<CoalescingSqliteTestProvider>;

public sealed class AtomicSqliteSqlChangeFeedTests : SqlChangeFeedTests<AtomicSqliteTestProvider>
{
    protected override bool WritersWaitForEachOther => true;
}

public sealed class PessimisticSqliteSqlChangeFeedTests : SqlChangeFeedTests<PessimisticSqliteTestProvider>
{
    protected override bool WritersWaitForEachOther => true;
}

public sealed class OptimisticSqliteSqlChangeFeedTests : SqlChangeFeedTests<OptimisticSqliteTestProvider>
{
    protected override bool WritersWaitForEachOther => true;
}

public sealed class CoalescingSqliteSqlChangeFeedTests : SqlChangeFeedTests<CoalescingSqliteTestProvider>
{
    protected override bool WritersWaitForEachOther => true;
}
