using System.Data;
using System.Data.Common;
using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>
/// A SQL store working in the caller's own transaction, beside an order table of the test's own in the same database:
/// the order and its stock change are committed together or not at all, whatever ends the transaction (a commit, a
/// rollback, an exception, a killed connection), and under concurrent checkouts orders and stock always agree.
/// A provider closes this class in one line. Every transaction begins at READ COMMITTED, as docs/transactions.md asks
/// (the optimistic strategy refuses MySQL's repeatable read).
/// </summary>
/// <typeparam name="TProvider">Makes the stores under test, their views in a caller's transaction and the hooks into their server.</typeparam>
public abstract partial class CallerTransactionTests<TProvider> : SqlProviderFixture<TProvider>
    where TProvider : ISqlStoreTestProvider, new()
{
    private IStockStore _store = null!;
    private string _orders = null!;

    /// <summary>Creates the store (schema ready) and the test's order table.</summary>
    [SetUp]
    public async Task CreateOrderTableAsync()
    {
        _store = CreateStore();
        await StockedAsync(_store, 1);
        _orders = Server.Tables.Table("orders_" + Guid.NewGuid().ToString("N")[..12]);
        await using var connection = await Server.Tables.Open();
        await ExecuteAsync(connection, null, $"CREATE TABLE {_orders} (id VARCHAR(64) NOT NULL PRIMARY KEY, sku VARCHAR(200) NOT NULL, quantity INT NOT NULL)");
    }

    /// <summary>Drops the test's order table.</summary>
    [TearDown]
    public async Task DropOrderTableAsync()
    {
        await using var connection = await Server.Tables.Open();
        await ExecuteAsync(connection, null, $"DROP TABLE {_orders}");
    }

    [Test]
    public async Task A_commit_commits_the_order_and_its_stock_change_together()
    {
        var key = await StockedAsync(_store, 10);
        await using (var connection = await Provider.OpenCallerConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            await InsertOrderAsync(connection, transaction, "order-1", key, 3);
            var result = await Provider.InTransaction(_store, connection, transaction).DeductAsync(
                new DeductRequest(new StockLine(key, 3)) { Reference = "order-1", IdempotencyKey = NewSku("key") });
            result.Succeeded.Should().BeTrue();
            await transaction.CommitAsync();
        }

        (await OrdersAsync()).Should().Equal(("order-1", 3L));
        (await _store.GetLevelAsync(key))!.OnHand.Should().Be(7);
        (await Server.LedgerAsync(key)).Should().Be((7L, 0L));
        (await Server.SalesAsync(key)).Should().Equal((-3L, 0L, "order-1"));
    }

    [Test]
    public async Task A_rollback_leaves_neither_the_order_nor_the_stock_change_nor_the_idempotency_key()
    {
        var key = await StockedAsync(_store, 10);
        var request = new DeductRequest(new StockLine(key, 3)) { Reference = "order-1", IdempotencyKey = NewSku("key") };
        await using (var connection = await Provider.OpenCallerConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            await InsertOrderAsync(connection, transaction, "order-1", key, 3);
            (await Provider.InTransaction(_store, connection, transaction).DeductAsync(request)).Succeeded.Should().BeTrue();
            await transaction.RollbackAsync();
        }

        (await OrdersAsync()).Should().BeEmpty();
        (await _store.GetLevelAsync(key))!.OnHand.Should().Be(10);
        (await Server.LedgerAsync(key)).Should().Be((10L, 0L));
        (await Server.SalesAsync(key)).Should().BeEmpty();
        var again = await _store.DeductAsync(request);
        again.IsReplay.Should().BeFalse("the key was rolled back with the change it guarded");
        again.Succeeded.Should().BeTrue();
        (await _store.GetLevelAsync(key))!.OnHand.Should().Be(7);
    }

    [Test]
    public async Task An_exception_between_the_stock_change_and_the_order_leaves_neither()
    {
        var key = await StockedAsync(_store, 10);
        var checkout = async () =>
        {
            await using var connection = await Provider.OpenCallerConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted);
            (await Provider.InTransaction(_store, connection, transaction).DeductAsync(new DeductRequest(new StockLine(key, 4)) { Reference = "order-1" }))
                .Succeeded.Should().BeTrue();
            ThrowPaymentDeclined();
            await InsertOrderAsync(connection, transaction, "order-1", key, 4);
            await transaction.CommitAsync();
        };

        await checkout.Should().ThrowAsync<InvalidOperationException>().WithMessage("Payment declined.");
        (await OrdersAsync()).Should().BeEmpty();
        (await _store.GetLevelAsync(key))!.OnHand.Should().Be(10);
        (await Server.LedgerAsync(key)).Should().Be((10L, 0L));
        (await Server.SalesAsync(key)).Should().BeEmpty();
    }

    [Test]
    public async Task A_refused_or_failed_store_call_takes_back_its_own_part_and_leaves_the_callers_rows_and_transaction_usable()
    {
        var key = await StockedAsync(_store, 5);
        var unknown = new StockKey(NewSku("unknown"));
        await using (var connection = await Provider.OpenCallerConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            var view = Provider.InTransaction(_store, connection, transaction);
            await InsertOrderAsync(connection, transaction, "order-1", key, 2);
            (await view.DeductAsync(new DeductRequest(new StockLine(key, 6)) { Reference = "too-many" })).Succeeded.Should().BeFalse();
            var withUnknown = () => view.DeductAsync(new DeductRequest(new StockLine(key, 1), new StockLine(unknown, 1)) { Reference = "unknown" });
            await withUnknown.Should().ThrowAsync<StockItemNotFoundException>();

            // A return of a known and an unknown item fails after the known one's row and movement were written.
            var returnWithUnknown = () => view.ReceiveAsync(new ReceiveRequest(new StockLine(key, 4), new StockLine(unknown, 1)) { Kind = StockMovementKind.Return });
            await returnWithUnknown.Should().ThrowAsync<StockItemNotFoundException>();
            (await view.DeductAsync(new DeductRequest(new StockLine(key, 2)) { Reference = "order-1" })).Succeeded.Should().BeTrue();
            await InsertOrderAsync(connection, transaction, "order-2", key, 0);
            await transaction.CommitAsync();
        }

        (await OrdersAsync()).Should().Equal(("order-1", 2L), ("order-2", 0L));
        (await _store.GetLevelAsync(key))!.OnHand.Should().Be(3);
        (await Server.LedgerAsync(key)).Should().Be((3L, 0L));
        (await Server.SalesAsync(key)).Should().Equal((-2L, 0L, "order-1"));
    }

    [Test]
    public async Task A_hold_reserved_and_confirmed_in_the_callers_transaction_commits_or_rolls_back_with_it()
    {
        var key = await StockedAsync(_store, 10);
        Guid rolledBack;
        await using (var connection = await Provider.OpenCallerConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            var reserved = await Provider.InTransaction(_store, connection, transaction).ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(10), new StockLine(key, 4)));
            rolledBack = reserved.Hold!.Id;
            await transaction.RollbackAsync();
        }

        (await _store.GetHoldAsync(rolledBack)).Should().BeNull();
        (await Server.StoredAsync(key)).Should().Match<(long OnHand, long Reserved, long Version)>(s => s.OnHand == 10 && s.Reserved == 0);

        await using (var connection = await Provider.OpenCallerConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            var view = Provider.InTransaction(_store, connection, transaction);
            var hold = (await view.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(10), new StockLine(key, 4)))).Hold!;
            (await view.GetLevelAsync(key))!.Reserved.Should().Be(4, "the view reads its transaction's own changes");
            (await view.ExtendAsync(hold.Id, TimeSpan.FromMinutes(20))).Outcome.Should().Be(HoldOutcome.Extended);
            await InsertOrderAsync(connection, transaction, "order-1", key, 4);
            (await view.ConfirmAsync(hold.Id)).Outcome.Should().Be(HoldOutcome.Confirmed);
            await transaction.CommitAsync();
        }

        (await OrdersAsync()).Should().Equal(("order-1", 4L));
        (await Server.StoredAsync(key)).Should().Match<(long OnHand, long Reserved, long Version)>(s => s.OnHand == 6 && s.Reserved == 0);
        (await Server.LedgerAsync(key)).Should().Be((6L, 0L));
    }

    [Test]
    public async Task Confirming_part_of_a_hold_and_a_return_against_it_write_one_movement_per_line_naming_the_hold_and_commit_with_the_callers_rows()
    {
        var a = await StockedAsync(_store, 10);
        var b = await StockedAsync(_store, 10);
        var c = await StockedAsync(_store, 10);
        var hold = (await _store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(10), new StockLine(a, 4), new StockLine(b, 3), new StockLine(c, 2)) { Reference = "order-1" })).Hold!;

        await using (var connection = await Provider.OpenCallerConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            var view = Provider.InTransaction(_store, connection, transaction);
            await InsertOrderAsync(connection, transaction, "order-1", a, 4);
            (await view.ConfirmAsync(new ConfirmRequest(hold.Id, new StockLine(a, 4), new StockLine(b, 1)))).ConfirmedLines
                .Should().Equal(new StockLine(a, 4), new StockLine(b, 1));
            (await view.ReturnAsync(new HoldReturnRequest(hold.Id, NewSku("rma"), new StockLine(a, 1)) { Reference = "rma-1" })).Succeeded.Should().BeTrue();
            await transaction.CommitAsync();
        }

        (await OrdersAsync()).Should().Equal(("order-1", 4L));
        var id = hold.Id.ToString();
        (await HoldMovementsAsync(a)).Should().Equal(("hold_placed", 0L, 4L, id), ("hold_confirmed", -4L, -4L, id), ("return", 1L, 0L, id));
        (await HoldMovementsAsync(b)).Should().Equal(("hold_placed", 0L, 3L, id), ("hold_confirmed", -1L, -3L, id));
        (await HoldMovementsAsync(c)).Should().Equal(("hold_placed", 0L, 2L, id), ("hold_released", 0L, -2L, id));
        (await Server.LedgerAsync(a)).Should().Be((7L, 0L));
        (await Server.LedgerAsync(b)).Should().Be((9L, 0L));
        (await Server.LedgerAsync(c)).Should().Be((10L, 0L));
        foreach (var key in new[] { a, b, c })
        {
            var stored = await Server.StoredAsync(key);
            (stored.OnHand, stored.Reserved).Should().Be(await Server.LedgerAsync(key), "the ledger rebuilds the counters");
        }
    }

    /// <summary>The item's movements after its receipt, in ledger order: kind, on-hand delta, reserved delta, hold id.</summary>
    private async Task<IReadOnlyList<(string Kind, long OnHand, long Reserved, string? Hold)>> HoldMovementsAsync(StockKey key)
    {
        var tables = Server.Tables;
        await using var connection = await tables.Open();
        await using var command = connection.CreateCommand();
        command.CommandText =
            $"SELECT {tables.Text("kind")}, on_hand_delta, reserved_delta, {tables.IdText("hold_id")} FROM {tables.Table("stock_movements")} " +
            "WHERE sku = @sku AND location = @location AND kind <> 'receipt' ORDER BY id";
        foreach (var (name, value) in new[] { ("sku", key.Sku), ("location", key.Location) })
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        var rows = new List<(string, long, long, string?)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((
                reader.GetString(0),
                Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture),
                Convert.ToInt64(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture),
                reader.IsDBNull(3) ? null : Convert.ToString(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture)));
        }

        return rows;
    }

    private static void ThrowPaymentDeclined() => throw new InvalidOperationException("Payment declined.");

    private Task InsertOrderAsync(DbConnection connection, DbTransaction? transaction, string id, StockKey key, int quantity) =>
        ExecuteAsync(connection, transaction, $"INSERT INTO {_orders} (id, sku, quantity) VALUES (@id, @sku, @quantity)", ("id", id), ("sku", key.Sku), ("quantity", quantity));

    private async Task<IReadOnlyList<(string Id, long Quantity)>> OrdersAsync()
    {
        await using var connection = await Server.Tables.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Server.Tables.Text("id")}, quantity FROM {_orders} ORDER BY id";
        var orders = new List<(string, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            orders.Add((reader.GetString(0), Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture)));
        }

        return [.. orders.OrderBy(o => o.Item1, StringComparer.Ordinal)];
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        await command.ExecuteNonQueryAsync();
    }
}
