namespace StockGuard.Benchmarks.Load;

internal static class LoadCommand
{
    public static Task<int> RunAsync(string[] args) => Task.FromResult(args.Length);
}
