namespace StockGuard.Sql.Strategies.Coalescing;

/// <summary>
/// A single-item deduct waiting in its item's queue for a coalesced batch, and the completion its caller awaits (one
/// object per request rather than a request and a completion source).
/// </summary>
internal sealed class PendingDeduct : TaskCompletionSource<StockChangeResult>
{
    public PendingDeduct(DeductRequest request)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Request = request;
        Line = request.Lines[0];
        Fingerprint = request.IdempotencyKey is null ? null : request.GetFingerprint();
    }

    public DeductRequest Request { get; }

    public StockLine Line { get; }

    /// <summary>The request's fingerprint when it has an idempotency key.</summary>
    public string? Fingerprint { get; }

    /// <summary>Where the request waits in its queue; <see langword="null"/> once a batch took it or it was cancelled.</summary>
    public LinkedListNode<PendingDeduct>? Node { get; set; }

    /// <summary>The queue the request waits in, for its cancellation.</summary>
    public CoalescingQueue? Queue { get; set; }

    /// <summary>The caller's token, for the exception of its cancellation.</summary>
    public CancellationToken CancellationToken { get; set; }

    public CancellationTokenRegistration Cancellation { get; set; }

    public Task<StockChangeResult> Result => Task;

    public void Complete(StockChangeResult result) => TrySetResult(result);

    public void Fail(Exception exception) => TrySetException(exception);
}
