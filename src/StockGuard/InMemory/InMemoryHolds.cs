using System.Collections.Concurrent;
using StockGuard.Diagnostics;

namespace StockGuard.InMemory;

/// <summary>
/// The in-memory store's holds: placed, confirmed, released, extended and expired. Lock order everywhere: the hold,
/// then its items in key order. An item drops an expired hold's units on its own when it next reads the clock, so an
/// expired hold never blocks a buyer.
/// </summary>
internal sealed class InMemoryHolds(InMemoryItems items, TimeProvider time)
{
    private readonly ConcurrentDictionary<Guid, InMemoryHold> _holds = new();
    private readonly InMemoryItems _items = items;
    private readonly TimeProvider _time = time;

    /// <summary>Expires active holds past their expiry and forgets finished ones older than <paramref name="retention"/>.</summary>
    public (int Expired, int Purged) Sweep(DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken)
    {
        int expired = 0, purged = 0;
        foreach (var (id, hold) in _holds)
        {
            cancellationToken.ThrowIfCancellationRequested();
            lock (hold)
            {
                if (hold.State == HoldState.Active && now >= hold.ExpiresAt)
                {
                    Expire(hold, now);
                    expired++;
                }
                else if (hold.State != HoldState.Active && now - hold.FinishedAt >= retention)
                {
                    _holds.TryRemove(id, out _);
                    purged++;
                }
            }
        }

        return (expired, purged);
    }

    public Task<StockHold?> GetHoldAsync(Guid holdId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_holds.TryGetValue(holdId, out var hold))
        {
            return Task.FromResult<StockHold?>(null);
        }

        lock (hold)
        {
            return Task.FromResult<StockHold?>(hold.Snapshot(_time.GetUtcNow()));
        }
    }

    public ReserveResult Place(ReserveRequest request)
    {
        var lines = request.Lines;
        var items = _items.Resolve(lines, create: false);
        using var locks = LockSet.Enter(items);
        var now = _time.GetUtcNow();
        var refused = _items.CheckSellable(lines, items, now);
        if (refused is not null)
        {
            StockGuardTelemetry.RecordRefused(InMemoryStockStore.StoreName, StockOperation.Reserve);
            return new ReserveResult(null, refused.Levels, refused.ShortLines);
        }

        var hold = new InMemoryHold(Guid.CreateVersion7(now), [.. lines], now, now + request.TimeToLive, request.Reference);
        var levels = new StockLevel[items.Count];
        List<BackorderedLine>? backordered = null;
        for (var i = 0; i < items.Count; i++)
        {
            items[i].AddHold(hold.Id, lines[i].Quantity, hold.ExpiresAt, hold.Reference, _items.Ledger);
            if (_items.Backorders.Record(items[i], lines[i].Quantity, request.Reference ?? request.IdempotencyKey, hold.Id) is { } line)
            {
                (backordered ??= []).Add(line);
            }

            levels[i] = items[i].Snapshot();
        }

        _holds[hold.Id] = hold;
        return new ReserveResult(hold.Snapshot(now), levels, []) { Backordered = backordered ?? [] };
    }

    /// <summary>Places a hold of <paramref name="lines"/> on <paramref name="lineItems"/> (one per line), which the caller has locked and checked.</summary>
    public StockHold PlaceLocked(StockLine[] lines, InMemoryItem[] lineItems, DateTimeOffset now, TimeSpan timeToLive, string? reference)
    {
        var hold = new InMemoryHold(Guid.CreateVersion7(now), lines, now, now + timeToLive, reference);
        for (var i = 0; i < lineItems.Length; i++)
        {
            lineItems[i].AddHold(hold.Id, lines[i].Quantity, hold.ExpiresAt, hold.Reference, _items.Ledger);
        }

        _holds[hold.Id] = hold;
        return hold.Snapshot(now);
    }

    public Task<HoldResult> Finish(Guid holdId, StockOperation operation, TimeSpan? timeToLive, CancellationToken cancellationToken, IReadOnlyList<StockLine>? sell = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var scope = StockGuardTelemetry.Start(InMemoryStockStore.StoreName, operation);
        try
        {
            var result = FinishCore(holdId, operation, timeToLive, sell);
            scope.Complete(result.Outcome == HoldOutcome.Expired ? "expired" : result.WasAlreadyDone ? "repeated" : "applied");
            return Task.FromResult(result);
        }
        catch (Exception ex)
        {
            scope.Fail(ex);
            throw;
        }
    }

    private HoldResult FinishCore(Guid holdId, StockOperation operation, TimeSpan? timeToLive, IReadOnlyList<StockLine>? sell)
    {
        if (!_holds.TryGetValue(holdId, out var hold))
        {
            throw new HoldNotFoundException(holdId);
        }

        // Lock order everywhere: the hold, then its items in key order.
        lock (hold)
        {
            var now = _time.GetUtcNow();
            var wanted = operation switch
            {
                StockOperation.Confirm => HoldState.Confirmed,
                StockOperation.Release => HoldState.Released,
                _ => HoldState.Active,
            };
            var outcome = operation switch
            {
                StockOperation.Confirm => HoldOutcome.Confirmed,
                StockOperation.Release => HoldOutcome.Released,
                _ => HoldOutcome.Extended,
            };

            if (hold.State == HoldState.Active && now >= hold.ExpiresAt)
            {
                Expire(hold, now);
                StockGuardTelemetry.RecordExpired(InMemoryStockStore.StoreName, 1);
            }

            switch (hold.State)
            {
                case HoldState.Expired:
                    return new HoldResult(HoldOutcome.Expired, hold.Snapshot(now));
                case HoldState.Confirmed when operation == StockOperation.Confirm:
                    if (sell is not null && !HoldSale.SameUnits(sell, hold.Sold))
                    {
                        throw new HoldStateException(holdId, hold.State, "confirm other quantities of");
                    }

                    return new HoldResult(outcome, hold.Snapshot(now)) { WasAlreadyDone = true, ConfirmedLines = hold.Sold };
                case var state when state == wanted && state != HoldState.Active:
                    return new HoldResult(outcome, hold.Snapshot(now)) { WasAlreadyDone = true };
                case not HoldState.Active:
                    throw new HoldStateException(holdId, hold.State, StockGuardTelemetry.OperationName(operation));
            }

            var sold = operation == StockOperation.Confirm ? HoldSale.Sold(holdId, hold.Lines, sell) : [];

            var items = _items.Resolve(hold.Lines, create: false);
            using var locks = LockSet.Enter(items);

            // An item may have dropped the hold's entry already if its own clock reading passed the expiry.
            for (var i = 0; i < items.Count; i++)
            {
                if (!items[i].HasHold(hold.Id))
                {
                    Expire(hold, now);
                    StockGuardTelemetry.RecordExpired(InMemoryStockStore.StoreName, 1);
                    return new HoldResult(HoldOutcome.Expired, hold.Snapshot(now));
                }
            }

            long units = 0;
            for (var i = 0; i < items.Count; i++)
            {
                var quantity = hold.Lines[i].Quantity;
                switch (operation)
                {
                    case StockOperation.Confirm:
                        var selling = HoldSale.UnitsOf(sold, hold.Lines[i].Key);
                        items[i].RemoveHold(hold.Id);
                        InMemoryBackorders.HoldConfirmed(items[i], hold.Id, quantity - (int)selling);
                        items[i].OnHand -= selling;
                        items[i].LedgerSold += selling;
                        _items.Ledger.Record(
                            items[i],
                            selling > 0 ? StockMovementKind.HoldConfirmed : StockMovementKind.HoldReleased,
                            -selling,
                            -quantity,
                            hold.Id,
                            hold.Reference,
                            null,
                            now);
                        units += selling;
                        break;
                    case StockOperation.Release:
                        items[i].RemoveHold(hold.Id);
                        _items.Ledger.Record(items[i], StockMovementKind.HoldReleased, 0, -quantity, hold.Id, hold.Reference, null, now);
                        break;
                    default:
                        items[i].ExtendHold(hold.Id, now + timeToLive!.Value);
                        break;
                }
            }

            if (operation == StockOperation.Extend)
            {
                hold.ExpiresAt = now + timeToLive!.Value;
            }
            else
            {
                hold.State = wanted;
                hold.FinishedAt = now;
                hold.Sold = sold;

                // Units given back (a release, or a confirm that sold less than it held) go to waiters first.
                for (var i = 0; i < items.Count; i++)
                {
                    items[i].ServeWaitlist(now);
                }
            }

            if (units > 0)
            {
                StockGuardTelemetry.RecordSold(InMemoryStockStore.StoreName, units);
            }

            return new HoldResult(outcome, hold.Snapshot(now)) { ConfirmedLines = sold };
        }
    }

    /// <summary>Puts back on hand units a confirmed hold sold; never more of an item than it sold less what came back before.</summary>
    public StockChangeResult Return(HoldReturnRequest request)
    {
        if (!_holds.TryGetValue(request.HoldId, out var hold))
        {
            throw new HoldNotFoundException(request.HoldId);
        }

        // Lock order everywhere: the hold, then its items in key order.
        lock (hold)
        {
            if (hold.State != HoldState.Confirmed)
            {
                throw new HoldStateException(hold.Id, hold.Snapshot(_time.GetUtcNow()).State, "return units of");
            }

            foreach (var line in request.Lines)
            {
                HoldSale.CheckReturnable(hold.Id, line, HoldSale.UnitsOf(hold.Sold, line.Key), hold.Returned.GetValueOrDefault(line.Key));
            }

            var result = _items.Add(request.Lines, nameof(request), StockMovementKind.Return, request.Reference, hold.Id);
            foreach (var line in request.Lines)
            {
                hold.Returned[line.Key] = hold.Returned.GetValueOrDefault(line.Key) + line.Quantity;
            }

            return result;
        }
    }

    /// <summary>Marks an active hold expired and gives its units back. The caller holds the hold's lock.</summary>
    private void Expire(InMemoryHold hold, DateTimeOffset now)
    {
        foreach (var line in hold.Lines)
        {
            if (_items.TryGet(line.Key, out var item))
            {
                lock (item)
                {
                    // Only where the item still held it: an item that dropped it on its own recorded the expiry then.
                    if (item.RemoveHold(hold.Id) is var units and > 0)
                    {
                        _items.Ledger.Record(item, StockMovementKind.HoldExpired, 0, -units, hold.Id, hold.Reference, null, now);
                        item.ServeWaitlist(now);
                    }
                }
            }
        }

        hold.State = HoldState.Expired;
        hold.FinishedAt = now;
    }
}
