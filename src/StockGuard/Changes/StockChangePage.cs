namespace StockGuard.Changes;

/// <summary>A page of changes read from the feed or from an item's history.</summary>
/// <param name="Changes">The changes, in the order asked for.</param>
/// <param name="Next">
/// Where the next page starts: pass it as <c>after</c> to read on. It is the position of the last change of this page,
/// or the position the read started after when the page is empty. For the feed, store it as the checkpoint once the
/// page is handled.
/// </param>
/// <param name="HasMore">
/// Whether more changes could be read at once. For the feed, <see langword="false"/> means the reader has caught up
/// with what is committed and visible now (later commits will follow); for a history, that the history ends here.
/// </param>
public sealed record StockChangePage(IReadOnlyList<StockChange> Changes, StockChangePosition Next, bool HasMore);
