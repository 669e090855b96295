using System.Diagnostics.Metrics;
using FluentAssertions;
using NUnit.Framework;
using StockGuard.Diagnostics;
using StockGuard.InMemory;

namespace StockGuard.Tests;

public sealed class TelemetryTests
{
    [Test]
    public async Task A_listened_duration_is_recorded_with_the_outcome()
    {
        var store = new InMemoryStockStore();
        await store.ReceiveAsync(new ReceiveRequest(new StockLine("telemetry-sku", 1)));
        var durations = new List<(double Seconds, string? Outcome)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == StockGuardDiagnostics.MeterName && instrument.Name == "stockguard.operation.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            var outcome = default(string);
            foreach (var tag in tags)
            {
                if (tag.Key == "stockguard.outcome")
                {
                    outcome = tag.Value as string;
                }
            }

            lock (durations)
            {
                durations.Add((value, outcome));
            }
        });
        listener.Start();

        (await store.DeductAsync(new DeductRequest(new StockLine("telemetry-sku", 1)))).Succeeded.Should().BeTrue();
        (await store.DeductAsync(new DeductRequest(new StockLine("telemetry-sku", 1)))).Succeeded.Should().BeFalse();

        lock (durations)
        {
            durations.Should().HaveCount(2);
            durations.Select(d => d.Outcome).Should().Equal("applied", "refused");
            durations.Should().OnlyContain(d => d.Seconds > 0 && d.Seconds < 60);
        }
    }
}
