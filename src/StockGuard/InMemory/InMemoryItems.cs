using System.Collections.Concurrent;
using StockGuard.Diagnostics;

namespace StockGuard.InMemory;

/// <summary>
/// The in-memory store's items and the changes that touch items only: reads, deducts, receipts, corrections and
/// policies. Each item has its own lock; an order of several items locks them in key order.
/// </summary>
internal sealed partial class InMemoryItems(TimeProvider time, InMemoryLedger ledger)
{
    /// <summary>The backorders that sales below zero record and receipts fill, under the items' locks.</summary>
    public InMemoryBackorders Backorders { get; } = new();

    private readonly ConcurrentDictionary<StockKey, InMemoryItem> _items = new();
    private readonly TimeProvider _time = time;

    /// <summary>The movement ledger every change of an item records into, under the item's lock.</summary>
    public InMemoryLedger Ledger { get; } = ledger;

    /// <summary>The item of <paramref name="key"/>, if it exists.</summary>
    public bool TryGet(StockKey key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out InMemoryItem item) => _items.TryGetValue(key, out item);

    /// <summary>Every item of <paramref name="sku"/>, by a scan of all items.</summary>
    public IEnumerable<InMemoryItem> OfSku(string sku) =>
        _items.Where(p => string.Equals(p.Key.Sku, sku, StringComparison.Ordinal)).Select(p => p.Value);

    public Task<StockLevel?> GetLevelAsync(StockKey key, CancellationToken cancellationToken)
    {
        CheckKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_items.TryGetValue(key, out var item))
        {
            return Task.FromResult<StockLevel?>(null);
        }

        var now = _time.GetUtcNow();
        lock (item)
        {
            item.Prune(now, Ledger);
            return Task.FromResult<StockLevel?>(item.Snapshot());
        }
    }

    public Task<IReadOnlyList<StockLevel>> GetLevelsAsync(IEnumerable<StockKey> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        cancellationToken.ThrowIfCancellationRequested();
        var now = _time.GetUtcNow();
        var seen = new HashSet<StockKey>();
        var levels = new List<StockLevel>();
        foreach (var key in keys)
        {
            CheckKey(key);
            if (seen.Add(key) && _items.TryGetValue(key, out var item))
            {
                lock (item)
                {
                    item.Prune(now, Ledger);
                    levels.Add(item.Snapshot());
                }
            }
        }

        return Task.FromResult<IReadOnlyList<StockLevel>>(levels);
    }

    public Task<StockLevel> SetPolicyAsync(StockKey key, StockPolicy policy, CancellationToken cancellationToken)
    {
        CheckKey(key);
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var scope = StockGuardTelemetry.Start(InMemoryStockStore.StoreName, StockOperation.SetPolicy);
        var item = _items.GetOrAdd(key, static k => InMemoryItem.Create(k));
        var now = _time.GetUtcNow();
        lock (item)
        {
            item.Prune(now, Ledger);
            item.SafetyStock = policy.SafetyStock;
            item.BackorderLimit = policy.BackorderLimit;
            item.LowStockThreshold = policy.LowStockThreshold;
            item.PreOrderLimit = policy.PreOrderLimit;
            item.ExpectedRestock = policy.ExpectedRestock?.ToUniversalTime();
            item.Version++;
            item.ServeWaitlist(now);
            scope.Complete("applied");
            return Task.FromResult(item.Snapshot());
        }
    }

    public ItemSet Resolve(IReadOnlyList<StockLine> lines, bool create)
    {
        if (lines.Count == 1)
        {
            return new ItemSet(Find(lines[0].Key, create));
        }

        var items = new InMemoryItem[lines.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = Find(lines[i].Key, create);
        }

        return new ItemSet(items);
    }

    public InMemoryItem Find(StockKey key, bool create) => create
        ? _items.GetOrAdd(key, static k => InMemoryItem.Create(k))
        : _items.TryGetValue(key, out var item) ? item : throw new StockItemNotFoundException(key);

    public StockChangeResult Take(DeductRequest request)
    {
        var lines = request.Lines;
        var items = Resolve(lines, create: false);
        using var locks = LockSet.Enter(items);
        var refused = CheckSellable(lines, items, now: null);
        if (refused is not null)
        {
            StockGuardTelemetry.RecordRefused(InMemoryStockStore.StoreName, StockOperation.Deduct);
            return refused;
        }

        var levels = new StockLevel[items.Count];
        List<BackorderedLine>? backordered = null;
        long units = 0;
        for (var i = 0; i < items.Count; i++)
        {
            items[i].OnHand -= lines[i].Quantity;
            items[i].LedgerSold += lines[i].Quantity;
            items[i].Version++;
            Ledger.Record(items[i], StockMovementKind.Sale, -lines[i].Quantity, 0, null, request.Reference, null);
            if (Backorders.Record(items[i], lines[i].Quantity, request.Reference ?? request.IdempotencyKey, holdId: null) is { } line)
            {
                (backordered ??= []).Add(line);
            }

            levels[i] = items[i].Snapshot();
            units += lines[i].Quantity;
        }

        StockGuardTelemetry.RecordSold(InMemoryStockStore.StoreName, units);
        return backordered is null ? StockChangeResult.Applied(levels) : new StockChangeResult(true, levels, []) { Backordered = backordered };
    }

    public StockChangeResult Add(ReceiveRequest request) =>
        Add(request.Lines, nameof(request), request.Kind, request.Reference, holdId: null, create: request.Kind == StockMovementKind.Receipt);

    /// <summary>
    /// Adds the units of <paramref name="lines"/> to existing items (or creates them when <paramref name="create"/>), all
    /// or none, each line recorded as a <paramref name="kind"/> movement.
    /// </summary>
    public StockChangeResult Add(IReadOnlyList<StockLine> lines, string paramName, StockMovementKind kind, string? reference, Guid? holdId, bool create = false)
    {
        var items = Resolve(lines, create);
        using var locks = LockSet.Enter(items);
        var now = _time.GetUtcNow();
        for (var i = 0; i < items.Count; i++)
        {
            items[i].Prune(now, Ledger);
            if (items[i].OnHand + lines[i].Quantity > StockLimits.MaxStock)
            {
                throw new ArgumentOutOfRangeException(paramName, lines[i].Quantity, $"Receiving {lines[i].Quantity} units of {lines[i].Key} would take its on-hand units past {StockLimits.MaxStock}. Nothing was changed.");
            }
        }

        var levels = new StockLevel[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            items[i].OnHand += lines[i].Quantity;
            items[i].LedgerReceived += lines[i].Quantity;
            items[i].Version++;
            Ledger.Record(items[i], kind, lines[i].Quantity, 0, holdId, reference, null, now);
            if (kind == StockMovementKind.Receipt)
            {
                items[i].Released = true;
            }

            if (kind is StockMovementKind.Receipt or StockMovementKind.Return)
            {
                InMemoryBackorders.Fill(items[i], Ledger, now);
            }

            items[i].ServeWaitlist(now);
            levels[i] = items[i].Snapshot();
        }

        return StockChangeResult.Applied(levels);
    }

    public StockChangeResult Correct(AdjustRequest request)
    {
        if (!_items.TryGetValue(request.Key, out var item))
        {
            throw new StockItemNotFoundException(request.Key);
        }

        lock (item)
        {
            var now = _time.GetUtcNow();
            item.Prune(now, Ledger);
            if (request.Delta < 0 && item.Sellable < -(long)request.Delta)
            {
                return StockChangeResult.Refused([item.Snapshot()], [new ShortLine(item.Key, -request.Delta, item.Sellable)]);
            }

            if (item.OnHand + request.Delta > StockLimits.MaxStock)
            {
                throw new ArgumentOutOfRangeException(nameof(request), request.Delta, $"The correction would take the on-hand units of {item.Key} past {StockLimits.MaxStock}. Nothing was changed.");
            }

            item.OnHand += request.Delta;
            item.LedgerAdjusted += request.Delta;
            item.Version++;
            Ledger.Record(item, StockMovementKind.Adjustment, request.Delta, 0, null, request.Reference, request.Reason, now);
            item.ServeWaitlist(now);
            return StockChangeResult.Applied([item.Snapshot()]);
        }
    }

    /// <summary>
    /// Checks every line under the items' locks; returns the refusal, or null when all lines can be served.
    /// Without <paramref name="now"/> the clock is read only if an item has a hold that may have expired: a clock
    /// read costs about as much as the rest of a deduct, and most items have no holds.
    /// </summary>
    public StockChangeResult? CheckSellable(IReadOnlyList<StockLine> lines, ItemSet items, DateTimeOffset? now)
    {
        List<ShortLine>? shortLines = null;
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i].MayHaveExpiredHolds)
            {
                now ??= _time.GetUtcNow();
                items[i].Prune(now.Value, Ledger);
            }

            if (items[i].Sellable < lines[i].Quantity)
            {
                (shortLines ??= []).Add(new ShortLine(items[i].Key, lines[i].Quantity, items[i].Sellable));
            }
        }

        if (shortLines is null)
        {
            return null;
        }

        var levels = new StockLevel[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            levels[i] = items[i].Snapshot();
        }

        return StockChangeResult.Refused(levels, shortLines);
    }

    public static void CheckKey(StockKey key)
    {
        if (!key.IsValid)
        {
            throw new ArgumentException("default(StockKey) names no stock item.", nameof(key));
        }
    }
}
