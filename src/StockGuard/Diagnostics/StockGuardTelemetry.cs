using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace StockGuard.Diagnostics;

/// <summary>
/// What every store reports to the <c>StockGuard</c> meter and activity source (<see cref="StockGuardDiagnostics"/>):
/// the stores of these packages call it, and so can a store or decorator of your own, so that its operations are
/// measured and traced like the others. Each method costs nothing measurable when nobody listens.
/// </summary>
public static class StockGuardTelemetry
{
    private static readonly string Version = typeof(StockGuardTelemetry).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    private static readonly Meter Meter = new(StockGuardDiagnostics.MeterName, Version);

    private static readonly ActivitySource ActivitySource = new(StockGuardDiagnostics.ActivitySourceName, Version);

    private static readonly Counter<long> UnitsSold = Meter.CreateCounter<long>("stockguard.units.sold", "{unit}", "Units taken from stock by deducts and confirmed holds.");

    private static readonly Counter<long> Refused = Meter.CreateCounter<long>("stockguard.requests.refused", "{request}", "Deducts and holds refused for lack of stock.");

    private static readonly Counter<long> Conflicts = Meter.CreateCounter<long>("stockguard.conflicts", "{conflict}", "Optimistic version checks that lost a race.");

    private static readonly Counter<long> Retries = Meter.CreateCounter<long>("stockguard.retries", "{retry}", "Attempts repeated after a conflict, deadlock or serialization failure.");

    private static readonly Counter<long> HoldsExpired = Meter.CreateCounter<long>("stockguard.holds.expired", "{hold}", "Holds released because they outlived their time-to-live.");

    private static readonly Counter<long> ChangesDelivered = Meter.CreateCounter<long>("stockguard.changes.delivered", "{change}", "Changes a consumer's handler handled.");

    private static readonly Counter<long> ChangesRetried = Meter.CreateCounter<long>("stockguard.changes.retried", "{attempt}", "Failed handler calls that are tried again after a back-off.");

    private static readonly Counter<long> ChangesParked = Meter.CreateCounter<long>("stockguard.changes.parked", "{change}", "Changes set aside after the consumer's handler kept failing on them.");

    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>(
        "stockguard.batch.size",
        "{request}",
        "Requests applied together by one coalesced batch.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000] });

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "stockguard.operation.duration",
        "s",
        "How long store operations take, retries included.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    /// <summary>Starts timing and tracing an operation; complete or fail the returned scope when it ends.</summary>
    /// <param name="store">The store's name, e.g. <c>postgresql</c>: the <c>stockguard.store</c> tag.</param>
    /// <param name="operation">What it does.</param>
    public static OperationScope Start(string store, StockOperation operation)
    {
        var activity = ActivitySource.HasListeners() ? ActivitySource.StartActivity($"stockguard.{OperationName(operation)}", ActivityKind.Internal) : null;
        activity?.SetTag("stockguard.store", store);

        // Reading the clock costs about as much as an in-memory deduct: only an observed duration pays for it.
        return new OperationScope(store, operation, activity, Duration.Enabled ? Stopwatch.GetTimestamp() : 0);
    }

    /// <summary>The <c>stockguard.operation</c> tag of <paramref name="operation"/>, e.g. <c>set_policy</c>.</summary>
    /// <param name="operation">The operation.</param>
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
        StockOperation.Count => "count",
        StockOperation.Verify => "verify",
        StockOperation.Repair => "repair",
        StockOperation.Allocate => "allocate",
        StockOperation.Transfer => "transfer",
        StockOperation.ReceiveTransfer => "receive_transfer",
        StockOperation.CancelBackorders => "cancel_backorders",
        _ => "other",
    };

    /// <summary>
    /// Times one operation. A value type so that an unobserved operation allocates nothing. <c>started</c> is 0 when
    /// no one listened to the duration when the operation began: such an operation records no duration.
    /// </summary>
#pragma warning disable CA1034, CA1815 // Nested with its only factory; a scope is never compared.
    public readonly struct OperationScope
#pragma warning restore CA1034, CA1815
    {
        private readonly string _store;
        private readonly StockOperation _operation;
        private readonly Activity? _activity;
        private readonly long _started;

        internal OperationScope(string store, StockOperation operation, Activity? activity, long started)
        {
            _store = store;
            _operation = operation;
            _activity = activity;
            _started = started;
        }

        /// <summary>Records the operation's duration and ends its activity, tagged with <paramref name="outcome"/>.</summary>
        /// <param name="outcome">The <c>stockguard.outcome</c> tag, e.g. <c>applied</c>, <c>refused</c>, <c>replayed</c>.</param>
        public void Complete(string outcome)
        {
            if (_started != 0 && Duration.Enabled)
            {
                var tags = new TagList
                {
                    { "stockguard.store", _store },
                    { "stockguard.operation", OperationName(_operation) },
                    { "stockguard.outcome", outcome },
                };
                Duration.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, tags);
            }

            if (_activity is not null)
            {
                _activity.SetTag("stockguard.outcome", outcome);
                _activity.Dispose();
            }
        }

        /// <summary>Ends the operation as failed with <paramref name="exception"/> (outcome <c>error</c>).</summary>
        /// <param name="exception">What ended it.</param>
        public void Fail(Exception exception)
        {
            ArgumentNullException.ThrowIfNull(exception);
            _activity?.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
            Complete("error");
        }
    }

    /// <summary>Counts units taken from stock by a deduct or a confirmed hold (<c>stockguard.units.sold</c>).</summary>
    /// <param name="store">The store's name.</param>
    /// <param name="units">How many units.</param>
    public static void RecordSold(string store, long units)
    {
        if (UnitsSold.Enabled)
        {
            UnitsSold.Add(units, new KeyValuePair<string, object?>("stockguard.store", store));
        }
    }

    internal static void RecordChangeDelivered(string consumer) => AddConsumerCount(ChangesDelivered, consumer);

    internal static void RecordChangeRetried(string consumer) => AddConsumerCount(ChangesRetried, consumer);

    internal static void RecordChangeParked(string consumer) => AddConsumerCount(ChangesParked, consumer);

    private static void AddConsumerCount(Counter<long> counter, string consumer)
    {
        if (counter.Enabled)
        {
            counter.Add(1, new KeyValuePair<string, object?>("stockguard.consumer", consumer));
        }
    }

    /// <summary>Counts a deduct or hold refused for lack of stock (<c>stockguard.requests.refused</c>).</summary>
    /// <param name="store">The store's name.</param>
    /// <param name="operation">What was refused.</param>
    public static void RecordRefused(string store, StockOperation operation)
    {
        if (Refused.Enabled)
        {
            Refused.Add(1, new KeyValuePair<string, object?>("stockguard.store", store), new KeyValuePair<string, object?>("stockguard.operation", OperationName(operation)));
        }
    }

    /// <summary>Records how many requests one coalesced batch applied together (<c>stockguard.batch.size</c>).</summary>
    /// <param name="store">The store's name.</param>
    /// <param name="requests">The batch's size.</param>
    public static void RecordBatch(string store, int requests)
    {
        if (BatchSize.Enabled)
        {
            BatchSize.Record(requests, new KeyValuePair<string, object?>("stockguard.store", store));
        }
    }

    /// <summary>Counts holds released because they outlived their time-to-live (<c>stockguard.holds.expired</c>).</summary>
    /// <param name="store">The store's name.</param>
    /// <param name="holds">How many holds.</param>
    public static void RecordExpired(string store, long holds)
    {
        if (holds > 0 && HoldsExpired.Enabled)
        {
            HoldsExpired.Add(holds, new KeyValuePair<string, object?>("stockguard.store", store));
        }
    }

    /// <summary>Counts an optimistic version check that lost a race (<c>stockguard.conflicts</c>).</summary>
    /// <param name="store">The store's name.</param>
    public static void RecordConflict(string store) =>
        Conflicts.Add(1, new KeyValuePair<string, object?>("stockguard.store", store));

    /// <summary>Counts an attempt repeated after a conflict, deadlock or serialization failure (<c>stockguard.retries</c>).</summary>
    /// <param name="store">The store's name.</param>
    public static void RecordRetry(string store) =>
        Retries.Add(1, new KeyValuePair<string, object?>("stockguard.store", store));
}
