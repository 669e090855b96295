using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using Perfolizer.Horology;

namespace StockGuard.Benchmarks.Micro;

/// <summary>The BenchmarkDotNet configuration of the suite.</summary>
public static class BenchmarkConfig
{
    /// <summary>
    /// Memory diagnoser always. Unless the command line names a job (<c>--job short</c>, <c>--job Dry</c>) or runs in
    /// process (<c>--inProcess</c>, whose job takes the command line's counts), a short
    /// job: one launch, 3 warm-up and 5 measured iterations of about 250 ms, so the whole suite runs in a few minutes
    /// on two cores. Enough to compare cells of one run; not a precise absolute figure. The Min column is the least
    /// disturbed iteration: on a machine shared with other work it is the steadier figure for ratios.
    /// </summary>
    /// <param name="args">The command line.</param>
    public static IConfig Create(string[] args)
    {
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(StatisticColumn.OperationsPerSecond)
            .AddColumn(StatisticColumn.Min)
            .WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend))
            .WithOptions(ConfigOptions.JoinSummary);
        // --inProcess makes BenchmarkDotNet add a job of its own (the command line's counts, in this process): the
        // short job beside it would run out of process as well.
        if (!args.Any(a => a is "--job" or "-j" or "--inProcess" or "-i" || a.StartsWith("--job=", StringComparison.Ordinal)))
        {
            config.AddJob(Job.Default
                .WithId("Quick")
                .WithLaunchCount(1)
                .WithWarmupCount(3)
                .WithIterationCount(5)
                .WithIterationTime(TimeInterval.FromMilliseconds(250)));
        }

        return config;
    }
}
