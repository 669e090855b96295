using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;

namespace StockGuard.Benchmarks.Micro;

/// <summary>
/// No store at all: the same gang of threads running private arithmetic, with and without the 256 bytes a deduct
/// allocates. On an idle machine two threads finish the same work in half the time. When these do not scale, the
/// machine is short of free cores (other processes, a shared host) and the store's scaling figures of the same run
/// cannot be read as the store's.
/// </summary>
public class ScalingCalibrationBenchmarks
{
    private WorkerGang? _gang;

    /// <summary>Threads that run at once.</summary>
    [Params(1, 2, 8)]
    public int Threads { get; set; }

    /// <summary>Starts the threads for <see cref="ComputeOnly"/>.</summary>
    [GlobalSetup(Target = nameof(ComputeOnly))]
    public void SetupCompute() => Start(allocate: false);

    /// <summary>Starts the threads for <see cref="ComputeAndAllocate"/>.</summary>
    [GlobalSetup(Target = nameof(ComputeAndAllocate))]
    public void SetupAllocate() => Start(allocate: true);

    /// <summary>Stops the threads.</summary>
    [GlobalCleanup]
    public void Stop() => _gang?.Dispose();

    /// <summary>About as much private work per operation as a deduct, no allocation.</summary>
    [Benchmark(OperationsPerInvoke = InMemoryBenchmarkBase.OperationsPerInvoke)]
    public void ComputeOnly() => _gang!.Run();

    /// <summary>The same work plus 256 bytes of short-lived garbage per operation, like a deduct.</summary>
    [Benchmark(OperationsPerInvoke = InMemoryBenchmarkBase.OperationsPerInvoke)]
    public void ComputeAndAllocate() => _gang!.Run();

    private void Start(bool allocate)
    {
        var perThread = InMemoryBenchmarkBase.OperationsPerInvoke / Threads;
        _gang = new WorkerGang(Threads, thread =>
        {
            var state = (ulong)thread + 1;
            object? sink = null;
            for (var i = 0; i < perThread; i++)
            {
                state = Work(state);
                if (allocate)
                {
                    sink = new byte[232]; // + 24 bytes of array header = 256 B
                }
            }

            GC.KeepAlive(sink);
            if (state == 0)
            {
                throw new InvalidOperationException("unreachable: keeps the loop from being removed");
            }
        });
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong Work(ulong state)
    {
        for (var i = 0; i < 64; i++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
        }

        return state;
    }
}
