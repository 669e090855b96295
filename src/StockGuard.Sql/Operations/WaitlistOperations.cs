using StockGuard.Sql.Execution;
using StockGuard.Sql.Strategies;

namespace StockGuard.Sql.Operations;

/// <summary>
/// Waitlists (see <see cref="IStockWaitlist"/>). Every change of a waitlist row happens while its item's row is locked,
/// whatever the strategy: a join, a leave, and <see cref="ServeAsync"/>, the step every arrival of units takes in its own
/// transaction. So the queue's order is the order of that lock, and no buyer can see a unit between its arrival and its
/// claim.
/// </summary>
internal sealed class WaitlistOperations(SqlExecutor executor)
{
    private const string Waiting = "waiting";
    private const string Claimed = "claimed";

    private SqlDialect Dialect => executor.Dialect;

    public Task<WaitlistJoinResult> JoinAsync(JoinWaitlistRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        executor.RefuseAmbientTransaction(nameof(IStockWaitlist.JoinWaitlistAsync));
        return executor.RunAsync(
            async s =>
            {
                var now = executor.Now();
                var key = request.Key;

                // Locks the item and gives back its expired holds (which serves the queue) before anything is decided.
                var row = (await ItemCalls.LockAndReleaseExpiredAsync(s, [key], now).ConfigureAwait(false))[0]
                    ?? throw new StockItemNotFoundException(key);
                var existing = await PlaceRowAsync(s, key, request.CustomerReference).ConfigureAwait(false);
                if (existing is null && row.Sellable >= 1)
                {
                    return new WaitlistJoinResult(WaitlistJoinOutcome.InStock, null, row.ToLevel());
                }

                if (existing is null)
                {
                    await s.ExecuteAsync(Dialect.InsertWaiter, new { sku = key.Sku, location = key.Location, reference = request.CustomerReference, joinedAt = Dialect.TimeParameter(Dialect.Truncate(now)) }).ConfigureAwait(false);
                }

                var place = await PlaceRowAsync(s, key, request.CustomerReference).ConfigureAwait(false);
                return new WaitlistJoinResult(
                    existing is null ? WaitlistJoinOutcome.Joined : WaitlistJoinOutcome.AlreadyJoined,
                    ToPlace(key, request.CustomerReference, place!, now),
                    row.ToLevel());
            },
            cancellationToken);
    }

    public Task<WaitlistPlace?> LeaveAsync(StockKey key, string customerReference, CancellationToken cancellationToken)
    {
        _ = new JoinWaitlistRequest(key, customerReference); // the same checks as a join
        executor.RefuseAmbientTransaction(nameof(IStockWaitlist.LeaveWaitlistAsync));
        return executor.RunAsync(
            async s =>
            {
                var now = executor.Now();
                await s.ExecuteAllAsync([ItemCalls.Key(Dialect.LockItem, key)]).ConfigureAwait(false);
                await s.ExecuteAsync(Dialect.LeaveWaiter, new { sku = key.Sku, location = key.Location, reference = customerReference }).ConfigureAwait(false);
                var place = await PlaceRowAsync(s, key, customerReference).ConfigureAwait(false);
                return place is null ? null : ToPlace(key, customerReference, place, now);
            },
            cancellationToken);
    }

    public Task<WaitlistPlace?> GetAsync(StockKey key, string customerReference, CancellationToken cancellationToken)
    {
        _ = new JoinWaitlistRequest(key, customerReference); // the same checks as a join
        return executor.ReadAsync(
            async (s, now) =>
            {
                var place = await PlaceRowAsync(s, key, customerReference).ConfigureAwait(false);
                return place is null ? null : ToPlace(key, customerReference, place, now);
            },
            cancellationToken);
    }

    /// <summary>
    /// The waitlist step of every change that can make units available (a receipt, a return, a released, expired or
    /// partly sold hold, an upward correction): while anybody waits on an item of <paramref name="keys"/>, each of its
    /// available units becomes a one-unit claim hold of the head of its queue, in queue order, in the caller's
    /// transaction. The caller has locked every item of <paramref name="keys"/>. Returns whether any claim was placed.
    /// </summary>
    public static async Task<bool> ServeAsync(SqlSession s, IReadOnlyList<StockKey> keys, DateTimeOffset now)
    {
        if (keys.Count == 0)
        {
            return false;
        }

        var dialect = s.Dialect;
        var calls = new List<SqlCall>();
        foreach (var key in keys)
        {
            var waiters = await s.QueryRowsAsync<WaiterRow>(dialect.SelectWaitersToClaim, new { sku = key.Sku, location = key.Location }).ConfigureAwait(false);
            foreach (var waiter in waiters)
            {
                var holdId = Guid.CreateVersion7(now);
                var hold = dialect.HoldIdParameter(holdId);
                StockLine[] line = [new StockLine(key, 1)];
                calls.Add(new SqlCall(dialect.InsertHold, new { id = hold, createdAt = dialect.TimeParameter(now), expiresAt = dialect.TimeParameter(dialect.Truncate(now + s.WaitlistClaimWindow)), reference = waiter.CustomerReference }));
                calls.Add(new SqlCall(dialect.InsertHoldLine, new { holdId = hold, lineNo = 0, sku = key.Sku, location = key.Location, quantity = 1 }));

                // One change and one movement per claim, so each hold_placed movement carries the level right after it.
                calls.Add(ItemCalls.Change(dialect, key, 0, 1, now));
                calls.AddRange(Movements.For(dialect, line, MovementKind.HoldPlaced, static _ => (0, 1), waiter.CustomerReference, holdId, null, now));
                calls.Add(new SqlCall(dialect.ClaimWaiter, new { id = waiter.Id, holdId = hold }));
            }
        }

        if (calls.Count == 0)
        {
            return false;
        }

        await s.ExecuteAllAsync(calls).ConfigureAwait(false);
        return true;
    }

    private Task<WaitlistRow?> PlaceRowAsync(SqlSession s, StockKey key, string customerReference) =>
        s.QueryRowAsync<WaitlistRow>(Dialect.SelectWaitlistPlace, new { sku = key.Sku, location = key.Location, reference = customerReference });

    /// <summary>The place a row tells; <see langword="null"/> for a claim whose hold was purged.</summary>
    private static WaitlistPlace? ToPlace(StockKey key, string reference, WaitlistRow row, DateTimeOffset now)
    {
        var joinedAt = Utc(row.JoinedAt);
        switch (row.State)
        {
            case Waiting:
                return new WaitlistPlace(key, reference, WaitlistState.Waiting, row.Position, null, null, joinedAt);
            case Claimed:
                if (row.HoldState is null || row.HoldId is null || row.ExpiresAt is null)
                {
                    return null;
                }

                var expiresAt = Utc(row.ExpiresAt.Value);
                var state = row.HoldState switch
                {
                    "confirmed" => WaitlistState.Fulfilled,
                    "active" when now < expiresAt => WaitlistState.Claimed,
                    _ => WaitlistState.Lapsed,
                };
                return new WaitlistPlace(key, reference, state, null, row.HoldId, expiresAt, joinedAt);
            default:
                return new WaitlistPlace(key, reference, WaitlistState.Left, null, null, null, joinedAt);
        }
    }

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}
