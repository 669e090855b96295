namespace FlashSale;

/// <summary>What the buyers saw, counted without locks.</summary>
internal sealed class SaleTally
{
    private long _unitsSold, _orders, _refused, _abandoned, _expired, _done, _operations;

    public long UnitsSold => Interlocked.Read(ref _unitsSold);

    public long Orders => Interlocked.Read(ref _orders);

    public long RefusedRequests => Interlocked.Read(ref _refused);

    public long AbandonedHolds => Interlocked.Read(ref _abandoned);

    public long ExpiredBeforePayment => Interlocked.Read(ref _expired);

    public long Done => Interlocked.Read(ref _done);

    public long Operations => Interlocked.Read(ref _operations);

    public void Called() => Interlocked.Increment(ref _operations);

    public void Sold(int units)
    {
        Interlocked.Add(ref _unitsSold, units);
        Interlocked.Increment(ref _orders);
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
