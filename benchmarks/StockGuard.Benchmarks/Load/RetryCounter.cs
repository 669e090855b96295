using System.Diagnostics.Metrics;
using StockGuard.Diagnostics;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// Counts the retries library stores report on the StockGuard meter (<c>stockguard.retries</c>). Only that counter
/// is enabled, so the duration histogram stays off and costs the stores nothing.
/// </summary>
internal sealed class RetryCounter : IDisposable
{
    private const string RetriesInstrument = "stockguard.retries";

    private readonly MeterListener _listener = new();
    private long _retries;

    public RetryCounter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == StockGuardDiagnostics.MeterName && instrument.Name == RetriesInstrument)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _retries, value));
        _listener.Start();
    }

    /// <summary>Returns the retries counted since the last call and starts again from zero.</summary>
    public long TakeCount() => Interlocked.Exchange(ref _retries, 0);

    public void Dispose() => _listener.Dispose();
}
