namespace StockGuard.Benchmarks.Load;

/// <summary>Which items buyers ask for, and how much stock there is.</summary>
internal enum WorkloadKind
{
    /// <summary>Every order is for one item with ample stock: a flash sale's contention without its end.</summary>
    Hot,

    /// <summary>One item whose stock covers a tenth of the demand: the flash sale that sells out.</summary>
    Sellout,

    /// <summary>Items chosen with Zipf-skewed popularity (s = 1.0): a few best sellers and a long tail.</summary>
    Zipf,

    /// <summary>Items chosen uniformly: little contention.</summary>
    Uniform,
}

/// <summary>A workload with its parameters resolved for one cell.</summary>
internal sealed class Workload
{
    /// <summary>Share of orders for a single unit; the rest ask for 1–5 units uniformly.</summary>
    public const double SingleUnitShare = 0.8;

    /// <summary>Units per order on average: 0.8 × 1 + 0.2 × 3.</summary>
    public const double MeanQuantity = SingleUnitShare + (1 - SingleUnitShare) * 3;

    /// <summary>Stock of every item in the workloads that must not sell out: far more than any run takes.</summary>
    public const int AmpleStock = 1_000_000_000;

    private readonly double[]? _zipfCumulative;

    public Workload(WorkloadKind kind, int catalogSize, int selloutStock)
    {
        Kind = kind;
        SkuCount = kind is WorkloadKind.Hot or WorkloadKind.Sellout ? 1 : catalogSize;
        StockPerSku = kind == WorkloadKind.Sellout ? selloutStock : AmpleStock;

        // Demand ten times the stock, counted in units: the request budget is what sells it out ten times over.
        RequestBudget = kind == WorkloadKind.Sellout ? (long)Math.Ceiling(10.0 * selloutStock / MeanQuantity) : null;
        if (kind == WorkloadKind.Zipf)
        {
            _zipfCumulative = new double[SkuCount];
            double sum = 0;
            for (var rank = 1; rank <= SkuCount; rank++)
            {
                sum += 1.0 / rank;
                _zipfCumulative[rank - 1] = sum;
            }

            for (var i = 0; i < SkuCount; i++)
            {
                _zipfCumulative[i] /= sum;
            }
        }
    }

    public WorkloadKind Kind { get; }

    public string Name => Kind.ToString().ToLowerInvariant();

    public int SkuCount { get; }

    public int StockPerSku { get; }

    /// <summary>For the sell-out workload, the number of requests that makes demand ten times the stock.</summary>
    public long? RequestBudget { get; }

    public int NextSku(Random random)
    {
        switch (Kind)
        {
            case WorkloadKind.Uniform:
                return random.Next(SkuCount);
            case WorkloadKind.Zipf:
                var at = Array.BinarySearch(_zipfCumulative!, random.NextDouble());
                return Math.Min(at < 0 ? ~at : at, SkuCount - 1);
            default:
                return 0;
        }
    }

    public static int NextQuantity(Random random) =>
        random.NextDouble() < SingleUnitShare ? 1 : random.Next(1, 6);

    public static bool TryParse(string text, out WorkloadKind kind) =>
        Enum.TryParse(text, ignoreCase: true, out kind) && Enum.IsDefined(kind);
}
