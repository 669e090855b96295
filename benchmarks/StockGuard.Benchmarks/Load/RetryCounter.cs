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
        });
        _listener.Start();
    }

    /// <summary>Returns the retries counted since the last call and starts again from zero.</summary>
    public long TakeCount() => Interlocked.Exchange(ref _retries, 0);

    /// <summary>Returns the mean coalesced batch size since the last call (null when there was none) and starts again.</summary>
    public double? TakeMeanBatch()
    {
        var batches = Interlocked.Exchange(ref _batches, 0);
        var requests = Interlocked.Exchange(ref _batchedRequests, 0);
        return batches == 0 ? null : (double)requests / batches;
    }

    public void Dispose() => _listener.Dispose();
}
