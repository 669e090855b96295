using BenchmarkDotNet.Running;
using StockGuard.Benchmarks.Failover;
using StockGuard.Benchmarks.Load;
using StockGuard.Benchmarks.Micro;

// `load ...` runs the load harness; anything else goes to BenchmarkDotNet (see docs/benchmarks.md).
if (args.Length > 0 && args[0] == "load")
{
    return await LoadCommand.RunAsync(args[1..]);
}

// `failover ...` measures the acknowledged units a Redis Cluster failover loses (docs/redis.md).
if (args.Length > 0 && args[0] == "failover")
{
    return await FailoverCommand.RunAsync(args[1..]);
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchmarkConfig).Assembly).Run(args, BenchmarkConfig.Create(args));
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
