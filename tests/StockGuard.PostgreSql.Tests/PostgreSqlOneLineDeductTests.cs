using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>The one-command sale on PostgreSQL (its failures are in <see cref="PostgreSqlDeductOneTests"/>).</summary>
[TestFixture]
public sealed class PostgreSqlOneLineDeductTests : PostgreSqlOneLineDeductSuite<AtomicPostgreSqlTestProvider>;

/// <summary>The one-command sale on PostgreSQL through PgBouncer in transaction pooling mode.</summary>
[TestFixture]
public sealed class PgBouncerOneLineDeductTests : PostgreSqlOneLineDeductSuite<AtomicPgBouncerTestProvider>;

/// <summary>The one-command suite closed for a PostgreSQL provider; the ledger is read over a direct connection.</summary>
/// <typeparam name="TProvider">Makes the stores under test.</typeparam>
public abstract class PostgreSqlOneLineDeductSuite<TProvider> : OneLineDeductTests<TProvider>
    where TProvider : PostgreSqlTestProvider, new()
{
    protected override Task<(long OnHand, long Reserved)> LedgerAsync(StockKey key) => PostgreSqlServer.LedgerAsync(Provider.Schema, key);

    protected override Task<IReadOnlyList<(long OnHand, long Reserved, string? Reference)>> SalesAsync(StockKey key) => PostgreSqlServer.SalesAsync(Provider.Schema, key);
}
