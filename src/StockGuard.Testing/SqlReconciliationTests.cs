using System.Data.Common;
using System.Globalization;
using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>
/// <see cref="ReconciliationTests{TProvider}"/> on a SQL store: counters and hold lines are corrupted with raw SQL on the
/// store's own tables, and the ledger rows a repair or a count writes are read back. A provider closes this class in one
/// line, per strategy where buyers take another path.
/// </summary>
/// <typeparam name="TProvider">Makes the stores under test and the hooks into their server.</typeparam>
public abstract class SqlReconciliationTests<TProvider> : ReconciliationTests<TProvider>
    where TProvider : ISqlStoreTestProvider, new()
{
    private IStockServer Server => Provider.Server;

    [Test]
    public async Task A_repair_writes_one_adjustment_movement_noted_reconciliation_per_item_and_leaves_the_hold_lines()
    {
        var (onHand, reserved, holdLine, clean) = await CorruptedAsync();
        var linesBefore = await HoldLinesAsync(holdLine);
        var cleanMovements = await MovementRowsAsync(clean);

        await Reconciler.RepairAsync(new ReconciliationRequest([onHand, reserved, holdLine, clean]) { Reference = "incident-42" });

        (await MovementRowsAsync(onHand))[^1].Should().Be(("adjustment", 0L, 0L, "incident-42", "reconciliation: on_hand 15 -> 10 (ledger), reserved 0 -> 0 (holds; ledger 0)"));
        (await MovementRowsAsync(reserved))[^1].Should().Be(("adjustment", 0L, 0L, "incident-42", "reconciliation: on_hand 10 -> 10 (ledger), reserved 5 -> 3 (holds; ledger 3)"));
        (await MovementRowsAsync(holdLine))[^1].Should().Be(("adjustment", 0L, 4L, "incident-42", "reconciliation: on_hand 10 -> 10 (ledger), reserved 3 -> 7 (holds; ledger 3)"));
        foreach (var key in new[] { onHand, reserved, holdLine })
        {
            (await MovementRowsAsync(key)).Count(m => m.Kind == "adjustment").Should().Be(1, "one repair movement for {0}", key);
            var stored = await Server.StoredAsync(key);
            (await Server.LedgerAsync(key)).Should().Be((stored.OnHand, stored.Reserved), "the ledger rebuilds the counters of {0}", key);
        }

        (await MovementRowsAsync(clean)).Should().Equal(cleanMovements, "an item without drift gets no movement");
        (await HoldLinesAsync(holdLine)).Should().Equal(linesBefore, "a repair changes no hold line");
    }

    [Test]
    public async Task A_verify_reads_past_a_locked_item_and_a_repair_waits_for_its_lock()
    {
        var consistent = await ItemAsync(10);
        var drifted = await ItemAsync(10);
        await BreakCounterAsync(drifted, StockCounter.OnHand, 5);
        ILockHolder holder;
        try
        {
            holder = await Server.LockItemAsync(drifted);
        }
        catch (NotSupportedException)
        {
            Assert.Ignore("One writer at a time: another transaction never holds an item's row lock while this one reads.");
            return;
        }

        await using (holder)
        {
            var verify = await Reconciler.VerifyAsync(new ReconciliationRequest([consistent, drifted])).WaitAsync(TimeSpan.FromSeconds(10));
            verify.Drifts.Should().Equal(new StockDrift(drifted, StockCounter.OnHand, ReconciliationBasis.Ledger, 10, 15));

            var repair = Reconciler.RepairAsync(new ReconciliationRequest([consistent, drifted]));
            await Server.WaitForLockWaiterAsync(holder);
            repair.IsCompleted.Should().BeFalse("the repair waits for the item's lock");
            await holder.ReleaseAsync();
            (await repair.WaitAsync(TimeSpan.FromSeconds(30))).Repairs.Select(r => (r.Key, r.OnHandDelta)).Should().Equal((drifted, -5L));
        }

        (await Reconciler.VerifyAsync(new ReconciliationRequest([consistent, drifted]))).Drifts.Should().BeEmpty();
    }

    [Test]
    public async Task A_physical_count_writes_one_adjustment_movement_by_the_difference_with_its_reason()
    {
        var key = await ItemAsync(10);

        await Reconciler.CountAsync(new PhysicalCountRequest(key, 4, "cycle count") { Reference = "count-7" });
        await Reconciler.CountAsync(new PhysicalCountRequest(key, 4, "cycle count again"));

        (await MovementRowsAsync(key)).Should().Equal(
            ("receipt", 10L, 0L, null, null),
            ("adjustment", -6L, 0L, "count-7", "cycle count"));
        (await Server.StoredAsync(key)).OnHand.Should().Be(4);
    }

    [Test]
    public async Task The_audit_of_the_whole_schema_finds_no_counter_drift_after_a_repair_of_every_page()
    {
        await CorruptedAsync();
        StockKey? after = null;
        do
        {
            var page = await Reconciler.RepairAsync(new ReconciliationRequest { After = after, PageSize = 50 });
            after = page.NextAfter;
        }
        while (after is not null);

        var audit = await StockAudit.RunAsync(Server.Tables, Time.GetUtcNow());
        audit.Violations.Where(v => v.Contains("ledger rebuilds", StringComparison.Ordinal) || v.Contains("unreleased hold lines hold", StringComparison.Ordinal))
            .Should().BeEmpty("every page was repaired: {0}", audit);
    }

    /// <inheritdoc/>
    protected override Task CorruptCounterAsync(StockKey key, StockCounter counter, long delta) =>
        ExecuteAsync(
            $"UPDATE {Server.Tables.Table("stock_items")} SET {(counter == StockCounter.OnHand ? "on_hand = on_hand" : "reserved = reserved")} + @d WHERE sku = @s AND location = @l",
            key,
            delta);

    /// <inheritdoc/>
    protected override Task CorruptHoldLineAsync(StockKey key, Guid holdId, long delta) =>
        ExecuteAsync($"UPDATE {Server.Tables.Table("stock_hold_lines")} SET quantity = quantity + @d WHERE sku = @s AND location = @l AND released = FALSE", key, delta);

    /// <summary>The item's movements in ledger order: kind, deltas, reference and note.</summary>
    private Task<IReadOnlyList<(string Kind, long OnHand, long Reserved, string? Reference, string? Note)>> MovementRowsAsync(StockKey key) =>
        ItemRows.ReadAsync(
            Server.Tables.Open,
            $"SELECT {Server.Tables.Text("kind")}, on_hand_delta, reserved_delta, reference, note FROM {Server.Tables.Table("stock_movements")} WHERE sku = @s AND location = @l ORDER BY id",
            key,
            r => (r.GetString(0), Long(r, 1), Long(r, 2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4)));

    /// <summary>The item's hold lines: units and whether released.</summary>
    private Task<IReadOnlyList<(long Quantity, bool Released)>> HoldLinesAsync(StockKey key) =>
        ItemRows.ReadAsync(
            Server.Tables.Open,
            $"SELECT quantity, released FROM {Server.Tables.Table("stock_hold_lines")} WHERE sku = @s AND location = @l ORDER BY quantity",
            key,
            r => (Long(r, 0), Convert.ToBoolean(r.GetValue(1), CultureInfo.InvariantCulture)));

    private async Task ExecuteAsync(string sql, StockKey key, long delta)
    {
        await using var connection = await Server.Tables.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add(Parameter(command, "s", key.Sku));
        command.Parameters.Add(Parameter(command, "l", key.Location));
        command.Parameters.Add(Parameter(command, "d", delta));
        (await command.ExecuteNonQueryAsync()).Should().Be(1, "the corruption hits one row of {0}", key);
    }

    private static DbParameter Parameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        return parameter;
    }

    private static long Long(DbDataReader reader, int ordinal) => Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);
}
