namespace StockGuard.DependencyInjection;

/// <summary>
/// What the hosted sweeper of expired holds has done so far, for a health check that tells when it falls behind.
/// <c>AddStockGuard</c> registers one as a singleton; the sweeper updates it after every sweep. Thread-safe.
/// </summary>
public sealed class StockSweepStatus
{
    private readonly Lock _lock = new();
    private DateTimeOffset? _startedAt;
    private DateTimeOffset? _lastSuccessAt;
    private DateTimeOffset? _lastFailureAt;
    private string? _lastFailure;
    private int _consecutiveFailures;

    /// <summary>When the sweeper started, or <see langword="null"/> when it has not (disabled, or the host not started).</summary>
    public DateTimeOffset? StartedAt
    {
        get
        {
            lock (_lock)
            {
                return _startedAt;
            }
        }
    }

    /// <summary>When the last sweep that succeeded ended, or <see langword="null"/> before the first.</summary>
    public DateTimeOffset? LastSuccessAt
    {
        get
        {
            lock (_lock)
            {
                return _lastSuccessAt;
            }
        }
    }

    /// <summary>When the last sweep that failed ended, or <see langword="null"/> if none has.</summary>
    public DateTimeOffset? LastFailureAt
    {
        get
        {
            lock (_lock)
            {
                return _lastFailureAt;
            }
        }
    }

    /// <summary>The message of the last failure, or <see langword="null"/> if none.</summary>
    public string? LastFailure
    {
        get
        {
            lock (_lock)
            {
                return _lastFailure;
            }
        }
    }

    /// <summary>Sweeps that failed since the last success.</summary>
    public int ConsecutiveFailures
    {
        get
        {
            lock (_lock)
            {
                return _consecutiveFailures;
            }
        }
    }

    internal void Started(DateTimeOffset at)
    {
        lock (_lock)
        {
            _startedAt = at;
        }
    }

    internal void Succeeded(DateTimeOffset at)
    {
        lock (_lock)
        {
            _lastSuccessAt = at;
            _consecutiveFailures = 0;
        }
    }

    internal void Failed(DateTimeOffset at, Exception exception)
    {
        lock (_lock)
        {
            _lastFailureAt = at;
            _lastFailure = exception.Message;
            _consecutiveFailures++;
        }
    }
}
