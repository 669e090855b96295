using System.ComponentModel;

namespace StockGuard.Caching;

/// <summary>
/// A level as the cache keeps it: plain properties for the cache's serializer (a distributed second level), immutable so
/// that the in-process level hands out one instance. <see cref="Exists"/> is false for an item the store does not have.
/// </summary>
[ImmutableObject(true)]
internal sealed class CachedLevel
{
    public bool Exists { get; init; }

    public long OnHand { get; init; }

    public long Reserved { get; init; }

    public long SafetyStock { get; init; }

    public long BackorderLimit { get; init; }

    public long LowStockThreshold { get; init; }

    public long Version { get; init; }

    public static CachedLevel From(StockLevel? level) => level is null
        ? new CachedLevel()
        : new CachedLevel
        {
            Exists = true,
            OnHand = level.OnHand,
            Reserved = level.Reserved,
            SafetyStock = level.SafetyStock,
            BackorderLimit = level.BackorderLimit,
            LowStockThreshold = level.LowStockThreshold,
            Version = level.Version,
        };

    public StockLevel? ToLevel(StockKey key) =>
        Exists ? new StockLevel(key, OnHand, Reserved, SafetyStock, BackorderLimit, LowStockThreshold, Version) : null;
}
