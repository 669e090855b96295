using System.Data;
using FluentAssertions;
using MySqlConnector;
using NUnit.Framework;

namespace StockGuard.MySql.Tests;

/// <summary>
/// The optimistic strategy in a caller's transaction on MySQL/MariaDB needs READ COMMITTED: at REPEATABLE READ (InnoDB's
/// default) every retry reads the transaction's first snapshot again and can never see the version that beat it. The
/// store refuses such a transaction up front, naming the fix, instead of looping into a conflict.
/// </summary>
[TestFixture]
public sealed class MySqlCallerIsolationTests : MySqlFixture
{
    [TestCase(IsolationLevel.RepeatableRead)]
    [TestCase(IsolationLevel.Unspecified)] // MySqlConnector begins it as REPEATABLE READ, whatever the session's default
    public async Task An_optimistic_deduct_in_a_repeatable_read_transaction_is_refused_naming_read_committed_and_changes_nothing(IsolationLevel level)
    {
        await using var store = CreateStore(ConcurrencyStrategy.Optimistic);
        var key = new StockKey(NewSku());
        await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)));

        await using var connection = await OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync(level);
        var view = store.InTransaction(connection, transaction);
        (await view.GetLevelAsync(key))!.OnHand.Should().Be(10, "the read fixes the transaction's snapshot");

        // Another buyer changes the item after the snapshot: its version is one the transaction can never see.
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue();

        var deduct = () => view.DeductAsync(new DeductRequest(new StockLine(key, 2)) { Reference = "order-1" });
        (await deduct.Should().ThrowAsync<ArgumentException>()).Which.Should().Match<ArgumentException>(e =>
            e.ParamName == "transaction" && e.Message.Contains("READ COMMITTED", StringComparison.Ordinal) && e.Message.Contains("REPEATABLE READ", StringComparison.Ordinal));

        // A per-call override is refused alike; the atomic strategy is correct at any level and still works.
        var overridden = () => store.InTransaction(connection, transaction).ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 1)) { Strategy = ConcurrencyStrategy.Optimistic });
        await overridden.Should().ThrowAsync<ArgumentException>().WithParameterName("transaction");
        (await view.DeductAsync(new DeductRequest(new StockLine(key, 2)) { Strategy = ConcurrencyStrategy.Atomic })).Succeeded.Should().BeTrue();
        await transaction.CommitAsync();

        (await store.GetLevelAsync(key))!.Should().Match<StockLevel>(l => l.OnHand == 7 && l.Reserved == 0);
        (await Server.LedgerAsync(key)).Should().Be((7L, 0L));
    }

    [Test]
    public async Task An_optimistic_deduct_in_a_read_committed_transaction_sees_the_newer_version_and_succeeds()
    {
        await using var store = CreateStore(ConcurrencyStrategy.Optimistic);
        var key = new StockKey(NewSku());
        await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)));

        await using var connection = await OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        var view = store.InTransaction(connection, transaction);
        (await view.GetLevelAsync(key))!.OnHand.Should().Be(10);
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue();
        (await view.DeductAsync(new DeductRequest(new StockLine(key, 2)))).Succeeded.Should().BeTrue();
        await transaction.CommitAsync();

        (await store.GetLevelAsync(key))!.OnHand.Should().Be(7);
        (await Server.LedgerAsync(key)).Should().Be((7L, 0L));
    }
}
