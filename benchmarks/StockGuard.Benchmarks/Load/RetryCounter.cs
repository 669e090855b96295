using System.Diagnostics.Metrics;
using StockGuard.Diagnostics;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// Counts the retries library stores report on the StockGuard meter (<c>stockguard.retries</c>) and the sizes of
/// coalesced batches (<c>stockguard.batch.size</c>). Only those are enabled, so the duration histogram stays off and
/// costs the stores nothing.
/// </summary>
internal sealed class RetryCounter : IDisposable
{
    private const string RetriesInstrument = "stockguard.retries";
    private const string BatchSizeInstrument = "stockguard.batch.size";

    private readonly MeterListener _listener = new();
    private long _retries;
    private long _batches;
    private long _batchedRequests;
    private long _singles;
    private long _largest;

    public RetryCounter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == StockGuardDiagnostics.MeterName && instrument.Name is RetriesInstrument or BatchSizeInstrument)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _retries, value));
        _listener.SetMeasurementEventCallback<int>((_, value, _, _) =>
        {
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _batchedRequests, value);
            if (value == 1)
            {
                Interlocked.Increment(ref _singles);
            }

            long largest;
            while (value > (largest = Volatile.Read(ref _largest)) && Interlocked.CompareExchange(ref _largest, value, largest) != largest)
            {
            }
        });
        _listener.Start();
    }

    /// <summary>Returns the retries counted since the last call and starts again from zero.</summary>
    public long TakeCount() => Interlocked.Exchange(ref _retries, 0);

    /// <summary>Returns the coalesced batches counted since the last call and starts again from zero.</summary>
    public BatchStats TakeBatches() => new(
        Interlocked.Exchange(ref _batches, 0),
        Interlocked.Exchange(ref _batchedRequests, 0),
        Interlocked.Exchange(ref _singles, 0),
        Interlocked.Exchange(ref _largest, 0));

    public void Dispose() => _listener.Dispose();
}

/// <summary>The coalesced batches one process ran (<c>stockguard.batch.size</c>).</summary>
/// <param name="Batches">Batches taken from an item's queue.</param>
/// <param name="Requests">Requests in them.</param>
/// <param name="Singles">Batches of one request (it runs alone, on the atomic path).</param>
/// <param name="Largest">The largest batch.</param>
internal readonly record struct BatchStats(long Batches, long Requests, long Singles, long Largest);
