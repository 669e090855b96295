namespace StockGuard.Benchmarks.Micro;

/// <summary>
/// Persistent threads that run one slice of work each per invocation, released together by a barrier.
/// The benchmark thread is worker 0, so a gang of one is the plain single-threaded loop with no barrier.
/// Starting threads or calling Parallel.Invoke per invocation would measure the thread pool, not the store.
/// </summary>
public sealed class WorkerGang : IDisposable
{
    private readonly Action<int> _slice;
    private readonly Barrier? _start;
    private readonly Barrier? _end;
    private readonly Thread[] _threads;
    private volatile bool _stopping;
    private Exception? _failure;

    /// <summary>Starts <paramref name="size"/> − 1 threads that wait for <see cref="Run"/>.</summary>
    /// <param name="size">Threads that run a slice per invocation, the calling thread included.</param>
    /// <param name="slice">The work of one thread per invocation, given the thread's index.</param>
    public WorkerGang(int size, Action<int> slice)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _slice = slice;
        _threads = new Thread[size - 1];
        if (size == 1)
        {
            return;
        }

        _start = new Barrier(size);
        _end = new Barrier(size);
        for (var i = 0; i < _threads.Length; i++)
        {
            var index = i + 1;
            _threads[i] = new Thread(() => Loop(index)) { IsBackground = true, Name = $"bench-worker-{index}" };
            _threads[i].Start();
        }
    }

    /// <summary>Runs one slice on every thread and returns when all are done.</summary>
    public void Run()
    {
        if (_start is null)
        {
            _slice(0);
            return;
        }

        _start.SignalAndWait();
        try
        {
            _slice(0);
        }
        finally
        {
            _end!.SignalAndWait();
        }

        if (_failure is { } failure)
        {
            throw new InvalidOperationException("A benchmark worker thread failed.", failure);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_start is not null)
        {
            _stopping = true;
            _start.SignalAndWait();
            foreach (var thread in _threads)
            {
                thread.Join();
            }

            _start.Dispose();
            _end!.Dispose();
        }
    }

    private void Loop(int index)
    {
        while (true)
        {
            _start!.SignalAndWait();
            if (_stopping)
            {
                return;
            }

            try
            {
                _slice(index);
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref _failure, ex, null);
            }

            _end!.SignalAndWait();
        }
    }
}
