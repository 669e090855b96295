namespace FlashSale;

/// <summary>A progress line redrawn in place while the sale runs, when the output is a terminal.</summary>
internal sealed class ProgressLine : IDisposable
{
    private readonly Timer? _timer;
    private readonly SaleTally _tally;
    private readonly int _buyers;

    public ProgressLine(SaleTally tally, int buyers)
    {
        _tally = tally;
        _buyers = buyers;
        if (!Console.IsOutputRedirected)
        {
            _timer = new Timer(_ => Draw(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(100));
        }
    }

    public void Finish()
    {
        _timer?.Dispose();
        if (_timer is not null)
        {
            Draw();
            Console.WriteLine();
        }
    }

    public void Dispose() => _timer?.Dispose();

    private void Draw()
    {
        const int width = 30;
        var done = _tally.Done;
        var filled = (int)(width * done / Math.Max(1, _buyers));
        Console.Write($"\r  [{new string('#', filled)}{new string('.', width - filled)}] {done,7:N0}/{_buyers:N0} buyers  {_tally.UnitsSold,7:N0} units sold  {_tally.RefusedRequests,7:N0} refused");
    }
}
