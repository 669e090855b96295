namespace StockGuard.InMemory;

/// <summary>The item's waitlist. Every member is used under <c>lock (item)</c>.</summary>
internal sealed partial class InMemoryItem
{
    /// <summary>The item's waitlist; <see langword="null"/> until somebody first joins it.</summary>
    public InMemoryWaitQueue? Waitlist { get; set; }

    /// <summary>
    /// The waitlist step of every change that can make units available (a receipt, a return, a released or expired
    /// hold, an upward correction): while anybody waits, each available unit becomes the head's claim, at once and under
    /// the same lock as the change, so no new buyer ever sees it.
    /// </summary>
    public void ServeWaitlist(DateTimeOffset now)
    {
        if (Waitlist is { WaitingCount: > 0 } waitlist)
        {
            waitlist.Serve(this, now);
        }
    }
}
