using StockGuard.Diagnostics;

namespace StockGuard.InMemory;

/// <summary>
/// The in-memory store's allocations, transfers and totals. An allocation locks every candidate item that exists in key
/// order (as every order does), so allocations over the same locations in any priority order never deadlock.
/// </summary>
internal sealed class InMemoryLocations(InMemoryItems items, InMemoryHolds holds, TimeProvider time)
{
    public AllocationResult Allocate(AllocateRequest request)
    {
        var found = new List<InMemoryItem>();
        foreach (var key in request.CandidateKeys)
        {
            if (items.TryGet(key, out var item))
            {
                found.Add(item);
            }
        }

        if (found.Count == 0)
        {
            return Decide(request, [], time.GetUtcNow());
        }

        using var locks = LockSet.Enter(new ItemSet([.. found]));
        return Decide(request, found, time.GetUtcNow());
    }

    public TransferResult Transfer(TransferRequest request)
    {
        var source = items.Find(request.From, create: false);
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        var to = request.InTransit ? new StockKey(request.From.Sku, TransferRequest.TransitLocation(id)) : request.To;

        // A refusal seen before the destination exists does not create it.
        if (!items.TryGet(to, out _))
        {
            lock (source)
            {
                source.Prune(now, items.Ledger);
                if (Available(source) < request.Quantity)
                {
                    return Refused(request, source);
                }
            }
        }

        var destination = items.Find(to, create: true);
        using (LockSet.Enter(new ItemSet([source, destination])))
        {
            source.Prune(now, items.Ledger);
            destination.Prune(now, items.Ledger);
            if (Available(source) < request.Quantity)
            {
                return Refused(request, source);
            }

            CheckRoom(destination, request.Quantity, nameof(request));
            Move(source, destination, request.Quantity, id, request.Reference, now);
            return new TransferResult(id, request.Quantity, [source.Snapshot(), destination.Snapshot()], null);
        }
    }

    public TransferResult ReceiveTransfer(ReceiveTransferRequest request)
    {
        var transit = items.Find(request.Transit, create: false);
        var destination = items.Find(request.To, create: true);
        using var locks = LockSet.Enter(new ItemSet([transit, destination]));
        var quantity = (int)transit.OnHand;
        if (quantity > 0)
        {
            CheckRoom(destination, quantity, nameof(request));
            Move(transit, destination, quantity, request.TransferId, request.Reference, time.GetUtcNow());
        }

        return new TransferResult(request.TransferId, quantity, [transit.Snapshot(), destination.Snapshot()], null);
    }

    public StockTotal Total(string sku, IEnumerable<string>? locations)
    {
        var keys = StockTotal.KeysOf(sku, locations);
        var now = time.GetUtcNow();
        var levels = new List<StockLevel>();
        foreach (var item in keys is null ? items.OfSku(sku) : keys.Select(k => items.TryGet(k, out var i) ? i : null).OfType<InMemoryItem>())
        {
            lock (item)
            {
                item.Prune(now, items.Ledger);
                levels.Add(item.Snapshot());
            }
        }

        return StockTotal.Sum(sku, levels);
    }

    private AllocationResult Decide(AllocateRequest request, List<InMemoryItem> locked, DateTimeOffset now)
    {
        foreach (var item in locked)
        {
            item.Prune(now, items.Ledger);
        }

        var snapshot = new AllocationSnapshot(request.Lines, request.Locations, locked.Select(i => i.Snapshot()), now);
        var decision = request.Decide(snapshot);
        if (!decision.Succeeded)
        {
            StockGuardTelemetry.RecordRefused(InMemoryStockStore.StoreName, StockOperation.Allocate);
            return decision;
        }

        StockLine[] parts = [.. decision.Parts];
        var partItems = parts.Select(p => locked.First(i => i.Key == p.Key)).ToArray();
        StockHold? hold = null;
        if (request.HoldFor is { } ttl)
        {
            hold = holds.PlaceLocked(parts, partItems, now, ttl, request.Reference);
        }
        else
        {
            for (var i = 0; i < parts.Length; i++)
            {
                partItems[i].OnHand -= parts[i].Quantity;
                partItems[i].LedgerSold += parts[i].Quantity;
                partItems[i].Version++;
                items.Ledger.Record(partItems[i], StockMovementKind.Sale, -parts[i].Quantity, 0, null, request.Reference, null, now);
            }

            StockGuardTelemetry.RecordSold(InMemoryStockStore.StoreName, parts.Sum(p => (long)p.Quantity));
        }

        return new AllocationResult(parts, [.. partItems.Select(i => i.Snapshot())], [], hold);
    }

    private static long Available(InMemoryItem item) => item.OnHand - item.Reserved - item.SafetyStock;

    private static TransferResult Refused(TransferRequest request, InMemoryItem source) =>
        new(Guid.Empty, 0, [source.Snapshot()], new ShortLine(request.From, request.Quantity, Available(source)));

    private static void CheckRoom(InMemoryItem destination, int quantity, string paramName)
    {
        if (destination.OnHand + quantity > StockLimits.MaxStock)
        {
            throw new ArgumentOutOfRangeException(paramName, quantity, $"Moving {quantity} units to {destination.Key} would take its on-hand units past {StockLimits.MaxStock}. Nothing was changed.");
        }
    }

    /// <summary>Moves units between locked items; the ledger counts a transfer with the signed corrections, as a database store's ledger sums every on-hand delta.</summary>
    private void Move(InMemoryItem from, InMemoryItem to, int quantity, Guid transferId, string? reference, DateTimeOffset now)
    {
        var note = "transfer " + transferId.ToString("D");
        from.OnHand -= quantity;
        from.LedgerAdjusted -= quantity;
        from.Version++;
        items.Ledger.Record(from, StockMovementKind.TransferOut, -quantity, 0, null, reference, note, now);
        to.OnHand += quantity;
        to.LedgerAdjusted += quantity;
        to.Released = true;
        to.Version++;
        items.Ledger.Record(to, StockMovementKind.TransferIn, quantity, 0, null, reference, note, now);
        to.ServeWaitlist(now);
    }
}
