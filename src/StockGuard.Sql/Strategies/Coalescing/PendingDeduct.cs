namespace StockGuard.Sql.Strategies.Coalescing;

/// <summary>A single-item deduct waiting in its item's queue for a coalesced batch.</summary>
internal sealed class PendingDeduct
{
    private readonly TaskCompletionSource<StockChangeResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PendingDeduct(DeductRequest request)
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

    public CancellationTokenRegistration Cancellation { get; set; }

    public Task<StockChangeResult> Result => _completion.Task;

    public void Complete(StockChangeResult result) => _completion.TrySetResult(result);

    public void Fail(Exception exception) => _completion.TrySetException(exception);
}
