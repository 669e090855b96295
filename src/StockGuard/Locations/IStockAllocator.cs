namespace StockGuard;

/// <summary>
/// Stock over many locations, decided inside the store: allocation of orders whose lines name no location, transfers
/// between locations, and a SKU's totals. Every store implements it beside <see cref="IStockStore"/>; <c>AddStockGuard</c>
/// registers the configured store as this interface too. See docs/locations.md.
/// </summary>
/// <remarks>
/// An allocation locks every candidate item (each line's SKU at each candidate location) in <see cref="StockKey"/> order,
/// reads them, lets the policy decide from that snapshot and applies its choice, in one transaction; so two allocations
/// over the same locations in opposite priority orders neither deadlock nor sell the same units twice. Allocation always
/// takes these locks, whatever the store's <see cref="ConcurrencyStrategy"/>: the decision spans rows a conditional update
/// cannot express, and a version check would redo the whole decision on every conflict.
/// </remarks>
public interface IStockAllocator
{
    /// <summary>
    /// Fulfils every line of an order from the candidate locations, all lines or none, as the request's policy decides.
    /// Each allocated part writes a sale (or, for a hold, a placed hold line) at its location.
    /// </summary>
    /// <param name="request">The lines, the candidate locations in priority order and the policy.</param>
    /// <param name="cancellationToken">Cancels the operation; it then takes effect entirely or not at all.</param>
    /// <returns>Where each line's units came from, or why the order was refused.</returns>
    /// <exception cref="AllocationPolicyException">A custom policy chose units that are not there or do not add up; nothing was changed.</exception>
    /// <exception cref="IdempotencyConflictException">The idempotency key was used for a different request.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The hold's time-to-live is longer than the store allows.</exception>
    Task<AllocationResult> AllocateAsync(AllocateRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves units of one SKU from one location to another in one transaction: a <c>transfer_out</c> movement at the
    /// source and a <c>transfer_in</c> movement at the destination (or its transit item, see
    /// <see cref="TransferRequest.InTransit"/>), both noting the transfer id.
    /// </summary>
    /// <param name="request">The SKU, the two locations and the units.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The transfer, or the source's short line when its units are not available.</returns>
    /// <exception cref="StockItemNotFoundException">The source item does not exist.</exception>
    Task<TransferResult> TransferAsync(TransferRequest request, CancellationToken cancellationToken = default);

    /// <summary>Lands the units of a transfer sent in transit at a destination: they leave the transit item and become available there.</summary>
    /// <param name="request">The transfer, its SKU and the destination.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The units landed; 0 when they had already landed.</returns>
    /// <exception cref="StockItemNotFoundException">No transfer of that SKU with that id was sent in transit.</exception>
    Task<TransferResult> ReceiveTransferAsync(ReceiveTransferRequest request, CancellationToken cancellationToken = default);

    /// <summary>One SKU's level summed over all its locations or over <paramref name="locations"/>: what a storefront shows.</summary>
    /// <param name="sku">The SKU.</param>
    /// <param name="locations">The locations to sum; <see langword="null"/> for every location that stocks the SKU (transit items counted apart).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The totals; zeros when no location stocks the SKU.</returns>
    Task<StockTotal> GetTotalAsync(string sku, IEnumerable<string>? locations = null, CancellationToken cancellationToken = default);
}
