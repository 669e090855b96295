using FluentAssertions;
using Npgsql;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>Failures in the middle of a transaction on PostgreSQL.</summary>
public sealed class PostgreSqlSqlFaultTests : SqlFaultTests<AtomicPostgreSqlTestProvider>;

/// <summary>Failures of the one-command sale on PostgreSQL.</summary>
public sealed class PostgreSqlOneLineDeductFaultTests : OneLineDeductFaultTests<AtomicPostgreSqlTestProvider>;

/// <summary>Store instances over separate pools on one PostgreSQL schema.</summary>
public sealed class PostgreSqlPoolTests : SqlPoolTests<AtomicPostgreSqlTestProvider>;

/// <summary>Store instances over separate pools through PgBouncer in transaction pooling mode.</summary>
public sealed class PgBouncerPoolTests : SqlPoolTests<AtomicPgBouncerTestProvider>;

/// <summary>
/// Failures only PostgreSQL has: a statement timeout (the shared suites cover the lock timeout every server has), and
/// the sweep's SKIP LOCKED over holds another transaction has locked.
/// </summary>
[TestFixture]
public sealed class PostgreSqlFaultTests : PostgreSqlFixture
{
    [Test]
    public async Task A_statement_timeout_is_a_typed_timeout_and_changes_nothing()
    {
        await using var dataSource = NpgsqlDataSource.Create(PostgreSqlServer.ConnectionString + ";Options=-c statement_timeout=300");
        await using var store = CreateStore(ConcurrencyStrategy.Atomic, dataSource);
        var key = await StockedAsync(store, 5);
        var other = await StockedAsync(store, 5);
        var before = await store.GetLevelsAsync([key, other]);
        await using var blocker = await LockRowAsync(key);

        var error = await FluentActions.Awaiting(() => store.DeductAsync(new DeductRequest(new StockLine(other, 1), new StockLine(key, 1))))
            .Should().ThrowAsync<StockStoreTimeoutException>();

        error.Which.IsTransient.Should().BeTrue();
        error.Which.InnerException.Should().BeOfType<PostgresException>().Which.SqlState.Should().Be("57014");
        await blocker.ReleaseAsync();
        (await store.GetLevelsAsync([key, other])).Should().Equal(before);
    }

    [Test]
    public async Task The_sweep_skips_a_hold_another_transaction_has_locked_and_releases_the_rest()
    {
        await using var store = CreateStore();
        var key = await StockedAsync(store, 10);
        var locked = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 2)))).Hold!;
        var free = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 3)))).Hold!;
        Time.Advance(TimeSpan.FromMinutes(2));
        await using var blocker = await OpenAsync();
        await Exec(blocker, "BEGIN");
        await Exec(blocker, $"SELECT id FROM \"{Schema}\".stock_holds WHERE id = '{locked.Id}' FOR UPDATE");

        var swept = await store.SweepAsync().WaitAsync(TimeSpan.FromSeconds(30));

        swept.ExpiredHolds.Should().BeGreaterThanOrEqualTo(1);
        await Exec(blocker, "ROLLBACK");
        (await Server.StoredAsync(key)).Reserved.Should().Be(0, "the sweep gave back the free hold's line and, with the item locked, every expired line on it");
        (await store.GetHoldAsync(free.Id))!.State.Should().Be(HoldState.Expired);
        (await store.SweepAsync()).ExpiredHolds.Should().Be(1, "the skipped hold is claimed by the next sweep");
        (await Server.LedgerAsync(key)).Should().Be((10L, 0L));
    }
}
