using System.Globalization;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// CPU time spent during a cell: by this process (the clients and the library) and by the whole machine (which, on
/// a loopback run, adds the database server). Divided by the requests answered, the two tell where a target's cost
/// lies, which throughput alone cannot on a machine whose cores the clients and the server share.
/// </summary>
internal readonly struct CpuMeter
{
    private readonly TimeSpan _process;
    private readonly TimeSpan? _machine;

    private CpuMeter(TimeSpan process, TimeSpan? machine)
    {
        _process = process;
        _machine = machine;
    }

    public static CpuMeter Start() => new(Environment.CpuUsage.TotalTime, MachineBusy());

    /// <summary>The CPU time since <see cref="Start"/>: this process's, and the machine's (null where <c>/proc/stat</c> is missing).</summary>
    public (TimeSpan Process, TimeSpan? Machine) Elapsed() =>
        (Environment.CpuUsage.TotalTime - _process, MachineBusy() - _machine);

    /// <summary>Busy time of all cores since boot: every state of <c>/proc/stat</c>'s first line but idle and iowait.</summary>
    private static TimeSpan? MachineBusy()
    {
        const double TicksPerSecond = 100; // USER_HZ, which Linux fixes at 100 for /proc/stat
        if (!File.Exists("/proc/stat"))
        {
            return null;
        }

        using var reader = new StreamReader("/proc/stat");
        var fields = reader.ReadLine()?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields is not { Length: > 5 } || fields[0] != "cpu")
        {
            return null;
        }

        long busy = 0;
        for (var i = 1; i < Math.Min(fields.Length, 9); i++)
        {
            if (i is 4 or 5)
            {
                continue; // idle, iowait
            }

            busy += long.Parse(fields[i], CultureInfo.InvariantCulture);
        }

        return TimeSpan.FromSeconds(busy / TicksPerSecond);
    }
}
