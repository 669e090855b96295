using StockGuard.Changes;
using StockGuard.Sql.Execution;

namespace StockGuard.Sql.Operations;

/// <summary>
/// The change consumers' state in the store's database: each call is one short transaction, its time the store's clock
/// (the database's by default, so hosts whose clocks differ agree on when a lease ends).
/// </summary>
internal sealed class ChangeConsumers(SqlExecutor executor)
{
    // Built from every kind the ledger writes, so a kind added there can be parked too.
    private static readonly Dictionary<StockMovementKind, string> LedgerNames =
        Enum.GetValues<MovementKind>().Select(Movements.LedgerName).ToDictionary(Movements.PublicKind);

    private SqlDialect Dialect => executor.Dialect;

    public Task<StockChangeLease?> TryAcquireLeaseAsync(string consumer, string owner, TimeSpan duration, CancellationToken cancellationToken)
    {
        Check(consumer, owner, duration);
        return executor.ReadAsync<StockChangeLease?>(
            async (s, now) =>
            {
                var expiresAt = now + duration;
                await s.ExecuteAsync(Dialect.InsertChangeConsumer, new { consumer }).ConfigureAwait(false);
                await s.ExecuteAsync(Dialect.AcquireChangeLease, new { consumer, owner, now = Dialect.TimeParameter(now), expiresAt = Dialect.TimeParameter(expiresAt) }).ConfigureAwait(false);
                var row = await s.QueryRowAsync<ChangeRow>(Dialect.SelectLeasedConsumer, new { consumer, owner }).ConfigureAwait(false);
                return row is null ? null : new StockChangeLease(consumer, owner, new StockChangePosition(row.Tx, row.Id), expiresAt);
            },
            cancellationToken);
    }

    public Task<bool> SaveCheckpointAsync(string consumer, string owner, StockChangePosition position, TimeSpan duration, CancellationToken cancellationToken)
    {
        Check(consumer, owner, duration);
        return executor.ReadAsync(
            async (s, now) => await s.ExecuteAsync(
                Dialect.SaveChangeCheckpoint,
                new { consumer, owner, now = Dialect.TimeParameter(now), expiresAt = Dialect.TimeParameter(now + duration), tx = position.Transaction, seq = position.Sequence }).ConfigureAwait(false) > 0,
            cancellationToken);
    }

    public Task<bool> ParkAsync(string consumer, string owner, StockChange change, int attempts, string error, CancellationToken cancellationToken)
    {
        StockChangeConsumerNames.ThrowIfInvalid(consumer);
        StockChangeConsumerNames.ThrowIfInvalidOwner(owner);
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        return executor.ReadAsync(
            async (s, now) =>
            {
                // The lease row stays locked until the park commits, so the lease cannot pass to another meanwhile.
                if (await s.QueryRowAsync<int?>(Dialect.LockLeasedConsumer, new { consumer, owner, now = Dialect.TimeParameter(now) }).ConfigureAwait(false) is null)
                {
                    return false;
                }

                await s.ExecuteAsync(
                    Dialect.InsertParkedChange,
                    new
                    {
                        consumer,
                        tx = change.Position.Transaction,
                        seq = change.Position.Sequence,
                        sku = change.Key.Sku,
                        location = change.Key.Location,
                        kind = LedgerNames[change.Kind],
                        attempts,
                        error = error.Length > 4000 ? error[..4000] : error,
                        parkedAt = Dialect.TimeParameter(now),
                    }).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    public Task ReleaseLeaseAsync(string consumer, string owner, CancellationToken cancellationToken)
    {
        StockChangeConsumerNames.ThrowIfInvalid(consumer);
        StockChangeConsumerNames.ThrowIfInvalidOwner(owner);
        return executor.ReadAsync((s, _) => s.ExecuteAsync(Dialect.ReleaseChangeLease, new { consumer, owner }), cancellationToken);
    }

    public async Task<IReadOnlyList<ParkedStockChange>> ReadParkedAsync(string consumer, int maxCount, CancellationToken cancellationToken)
    {
        StockChangeConsumerNames.ThrowIfInvalid(consumer);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxCount, IStockChangeFeed.MaxPageSize);
        var rows = await executor.ReadAsync((s, _) => s.QueryRowsAsync<ParkedRow>(Dialect.SelectParkedChanges, new { consumer, limit = maxCount }), cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => new ParkedStockChange(r.Consumer, new StockChangePosition(r.Tx, r.Id), new StockKey(r.Sku, r.Location), Movements.PublicKind(r.Kind), r.Attempts, r.Error, r.ParkedAtUtc))];
    }

    private static void Check(string consumer, string owner, TimeSpan duration)
    {
        StockChangeConsumerNames.ThrowIfInvalid(consumer);
        StockChangeConsumerNames.ThrowIfInvalidOwner(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
    }
}
