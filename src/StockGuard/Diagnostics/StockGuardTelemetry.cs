using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace StockGuard.Diagnostics;

/// <summary>The meter, activity source and instruments every store reports to.</summary>
internal static class StockGuardTelemetry
{
    private static readonly string Version = typeof(StockGuardTelemetry).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    public static readonly Meter Meter = new(StockGuardDiagnostics.MeterName, Version);

    public static readonly ActivitySource ActivitySource = new(StockGuardDiagnostics.ActivitySourceName, Version);

    public static readonly Counter<long> UnitsSold = Meter.CreateCounter<long>("stockguard.units.sold", "{unit}", "Units taken from stock by deducts and confirmed holds.");

    public static readonly Counter<long> Refused = Meter.CreateCounter<long>("stockguard.requests.refused", "{request}", "Deducts and holds refused for lack of stock.");

    public static readonly Counter<long> Conflicts = Meter.CreateCounter<long>("stockguard.conflicts", "{conflict}", "Optimistic version checks that lost a race.");

    public static readonly Counter<long> Retries = Meter.CreateCounter<long>("stockguard.retries", "{retry}", "Attempts repeated after a conflict, deadlock or serialization failure.");

    public static readonly Counter<long> HoldsExpired = Meter.CreateCounter<long>("stockguard.holds.expired", "{hold}", "Holds released because they outlived their time-to-live.");

    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>(
        "stockguard.batch.size",
        "{request}",
        "Requests applied together by one coalesced batch.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000] });

    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "stockguard.operation.duration",
        "s",
        "How long store operations take, retries included.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    /// <summary>Starts timing an operation; the returned scope records its duration and outcome.</summary>
    public static OperationScope Start(string store, StockOperation operation)
    {
        var activity = ActivitySource.HasListeners() ? ActivitySource.StartActivity($"stockguard.{OperationName(operation)}", ActivityKind.Internal) : null;
        activity?.SetTag("stockguard.store", store);

        // Reading the clock costs about as much as an in-memory deduct: only an observed duration pays for it.
        return new OperationScope(store, operation, activity, Duration.Enabled ? Stopwatch.GetTimestamp() : 0);
    }

    public static string OperationName(StockOperation operation) => operation switch
    {
        StockOperation.Deduct => "deduct",
        StockOperation.Receive => "receive",
        StockOperation.Return => "return",
        StockOperation.Adjust => "adjust",
        StockOperation.Reserve => "reserve",
        StockOperation.Confirm => "confirm",
        StockOperation.Release => "release",
        StockOperation.Expire => "expire",
        StockOperation.Extend => "extend",
        StockOperation.SetPolicy => "set_policy",
        _ => "other",
    };

    /// <summary>
    /// Times one operation. A value type so that an unobserved operation allocates nothing. <c>started</c> is 0 when
    /// no one listened to the duration when the operation began: such an operation records no duration.
    /// </summary>
    internal readonly struct OperationScope(string store, StockOperation operation, Activity? activity, long started)
    {
        public void Complete(string outcome)
        {
            if (started != 0 && Duration.Enabled)
            {
                var tags = new TagList
                {
                    { "stockguard.store", store },
                    { "stockguard.operation", OperationName(operation) },
                    { "stockguard.outcome", outcome },
                };
                Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
            }

            if (activity is not null)
            {
                activity.SetTag("stockguard.outcome", outcome);
                activity.Dispose();
            }
        }

        public void Fail(Exception exception)
        {
            activity?.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
            Complete("error");
        }
    }

    public static void RecordSold(string store, long units)
    {
        if (UnitsSold.Enabled)
        {
            UnitsSold.Add(units, new KeyValuePair<string, object?>("stockguard.store", store));
        }
    }

    public static void RecordRefused(string store, StockOperation operation)
    {
        if (Refused.Enabled)
        {
            Refused.Add(1, new KeyValuePair<string, object?>("stockguard.store", store), new KeyValuePair<string, object?>("stockguard.operation", OperationName(operation)));
        }
    }

    public static void RecordBatch(string store, int requests)
    {
        if (BatchSize.Enabled)
        {
            BatchSize.Record(requests, new KeyValuePair<string, object?>("stockguard.store", store));
        }
    }

    public static void RecordExpired(string store, long holds)
    {
        if (holds > 0 && HoldsExpired.Enabled)
        {
            HoldsExpired.Add(holds, new KeyValuePair<string, object?>("stockguard.store", store));
        }
    }
}
