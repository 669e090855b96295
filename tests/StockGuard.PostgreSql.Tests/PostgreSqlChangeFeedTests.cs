using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

public sealed class AtomicPostgreSqlChangeFeedTests : ChangeFeedTests<AtomicPostgreSqlTestProvider>;

public sealed class PessimisticPostgreSqlChangeFeedTests : ChangeFeedTests<PessimisticPostgreSqlTestProvider>;

public sealed class OptimisticPostgreSqlChangeFeedTests : ChangeFeedTests<OptimisticPostgreSqlTestProvider>;

public sealed class CoalescingPostgreSqlChangeFeedTests : ChangeFeedTests<CoalescingPostgreSqlTestProvider>;

public sealed class AtomicPostgreSqlSqlChangeFeedTests : SqlChangeFeedTests<AtomicPostgreSqlTestProvider>;

public sealed class PessimisticPostgreSqlSqlChangeFeedTests : SqlChangeFeedTests<PessimisticPostgreSqlTestProvider>;

public sealed class OptimisticPostgreSqlSqlChangeFeedTests : SqlChangeFeedTests<OptimisticPostgreSqlTestProvider>;

public sealed class CoalescingPostgreSqlSqlChangeFeedTests : SqlChangeFeedTests<CoalescingPostgreSqlTestProvider>;

public sealed class AtomicPgBouncerChangeFeedTests : ChangeFeedTests<AtomicPgBouncerTestProvider>;

public sealed class AtomicPgBouncerSqlChangeFeedTests : SqlChangeFeedTests<AtomicPgBouncerTestProvider>;
