using StockGuard;

namespace FlashSale;

/// <summary>What the buyers saw, counted without locks: requests in all, units sold item by item.</summary>
internal sealed class SaleTally(IReadOnlyList<StockKey> skus)
{
    private readonly Dictionary<StockKey, int> _index = skus.Select((key, i) => (key, i)).ToDictionary(p => p.key, p => p.i);
    private readonly long[] _soldByItem = new long[skus.Count];
    private long _unitsSold, _orders, _refused, _gaveUp, _abandoned, _expired, _done, _operations;

    public long UnitsSold => Interlocked.Read(ref _unitsSold);

    public long Orders => Interlocked.Read(ref _orders);

    public long RefusedRequests => Interlocked.Read(ref _refused);

    public long GivenUp => Interlocked.Read(ref _gaveUp);

    public long AbandonedHolds => Interlocked.Read(ref _abandoned);

    public long ExpiredBeforePayment => Interlocked.Read(ref _expired);

    public long Done => Interlocked.Read(ref _done);

    public long Operations => Interlocked.Read(ref _operations);

    /// <summary>The units of <paramref name="key"/> that buyers were told they bought.</summary>
    public long SoldOf(StockKey key) => Interlocked.Read(ref _soldByItem[_index[key]]);

    public void Called() => Interlocked.Increment(ref _operations);

    public void Sold(IReadOnlyList<StockLine> lines)
    {
        foreach (var line in lines)
        {
            Interlocked.Add(ref _soldByItem[_index[line.Key]], line.Quantity);
            Interlocked.Add(ref _unitsSold, line.Quantity);
        }

        Interlocked.Increment(ref _orders);
        Interlocked.Increment(ref _done);
    }

    /// <summary>A request the store could not decide under contention (optimistic conflicts, a full queue): nothing changed.</summary>
    public void GaveUp()
    {
        Interlocked.Increment(ref _gaveUp);
        Interlocked.Increment(ref _done);
    }

    public void Refused()
    {
        Interlocked.Increment(ref _refused);
        Interlocked.Increment(ref _done);
    }

    public void Abandoned()
    {
        Interlocked.Increment(ref _abandoned);
        Interlocked.Increment(ref _done);
    }

    public void Expired()
    {
        Interlocked.Increment(ref _expired);
        Interlocked.Increment(ref _done);
    }
}
