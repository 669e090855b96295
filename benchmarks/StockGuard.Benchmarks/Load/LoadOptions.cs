using System.Globalization;

namespace StockGuard.Benchmarks.Load;

/// <summary>The <c>load</c> command's options.</summary>
internal sealed class LoadOptions
{
    public const string Usage = """
        dotnet run -c Release --project benchmarks/StockGuard.Benchmarks -- load [options]

        Targets (default: --store inmemory)
          --store NAME              one store: inmemory, raw-postgres, ledger-postgres, naive-postgres, raw-mysql,
                                    ledger-mysql, naive-mysql, ledger-sqlite,
                                    redis, redis-cluster, redis-cluster1, redis-cluster-wait, lock-redis,
                                    lock-redis-cluster (and the library's other stores in Load/LoadTargets.cs)
          --strategy NAME           atomic | pessimistic | optimistic (sent on each request; in-memory ignores it)
          --idempotency             give every request a fresh idempotency key
          --targets A,B,...         several targets, each store[/strategy][+idem][+feed][+cache][+alloc][+hold][+notify],
                                    e.g. raw-postgres,inmemory
                                    (+feed: a change dispatcher consumes the feed, its delivery latency reported;
                                    +cache: the level cache follows the feed, its staleness and reads reported;
                                    +alloc: each order allocates a bundle of three SKUs over three locations;
                                    +hold: each order is a cart: hold, think, then confirm, release or abandon;
                                    on the library's stores and ledger-postgres, ledger-mysql, ledger-sqlite;
                                    +notify: a PostgreSQL store sends NOTIFY after its changes though nothing
                                    in its process follows the feed: ChangeNotifications = Always)
        Grid
          --workload W,...          hot | sellout | zipf | uniform (default: hot)
          --clients N,...           concurrent clients (default: 16)
          --duration TIME           per cell, e.g. 10s, 500ms (default: 10s; 5s with --matrix)
          --warmup TIME             unmeasured run before each timed cell (default: 1s; 0 for none; none for
                                    sell-out and --ops cells, whose budget is the stock)
          --ops N                   stop each cell after N requests instead (capped by --max-duration)
          --max-duration TIME       cap of a budgeted cell (sell-out, --ops) (default: 60s)
          --repeat N                run the whole grid N times, each round after the other, every cell once per
                                    round (for ratios on a noisy machine: compare cells within a round; each round
                                    is its own row) (default: 1)
          --matrix                  every registered target x every workload x clients 1,16,64
                                    (unless --targets/--workload/--clients narrow it)
          --smoke                   every reachable target, hot and sell-out, 4 clients, about 2 s each: for CI
          --processes N,...         run each library store's cell in N OS processes (a fleet of application
                                    servers), each with its own store and its share of the clients and of the
                                    request budget; the report sums them and checks the levels against all of
                                    them (plain deducts only; other targets run once, in this process)
        Workload shape
          --skus N                  items in the zipf and uniform catalogues (default: 10000)
          --sellout-stock N         units of the sell-out item; demand is 10x (default: 1000)
          --seed N                  random seed (default: 1)
        Carts (+hold targets)
          --hold-mix C,R,A          shares of holds confirmed, released, abandoned (default: 0.8,0.15,0.05)
          --hold-think TIME         between the hold and its confirm or release (default: 0, none)
          --hold-ttl TIME           the holds' time-to-live; each cell ends by waiting it out and sweeping
                                    (default: 2s; 500ms with --smoke)
        Output
          --out FILE.md             also write the Markdown report (and FILE.csv beside it)
          --csv FILE.csv            write the CSV here instead

        Exit code: 0, or 1 when a target other than a naive baseline oversold or a +hold cell left units reserved
        after its closing sweep, or 2 on a usage or setup error.
        An unreachable server skips its targets, unless STOCKGUARD_REQUIRE_SERVERS=1.
        """;

    public List<TargetSpec> Targets { get; } = [];

    public List<WorkloadKind> Workloads { get; } = [];

    public List<int> Clients { get; } = [];

    public TimeSpan? Duration { get; set; }

    public long? Operations { get; set; }

    public TimeSpan? Warmup { get; set; }

    public TimeSpan MaxDuration { get; set; } = TimeSpan.FromSeconds(60);

    public bool Matrix { get; set; }

    /// <summary>How many interleaved rounds of the grid to run (<c>--repeat</c>).</summary>
    public int Repeat { get; set; } = 1;

    public bool Smoke { get; set; }

    public int CatalogSize { get; set; } = 10_000;

    public int? SelloutStock { get; set; }

    public int Seed { get; set; } = 1;

    public string? MarkdownPath { get; set; }

    public string? CsvPath { get; set; }

    public bool Help { get; set; }

    public HoldMix Hold { get; set; } = HoldMix.Default;

    /// <summary>The fleet sizes of <c>--processes</c>; empty for cells run in this process only.</summary>
    public List<int> Processes { get; } = [];

    /// <summary>Set in a fleet's child process (<c>--fleet-child CELL</c>): the cell whose items it attaches to.</summary>
    public string? FleetChildCell { get; set; }

    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions();
        string? store = null, strategy = null;
        var idempotency = false;
        var timeToLiveGiven = false;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{arg} needs a value.");
            switch (arg)
            {
                case "--store": store = Value(); break;
                case "--strategy": strategy = Value(); break;
                case "--idempotency": idempotency = true; break;
                case "--targets": options.Targets.AddRange(List(Value()).Select(TargetSpec.Parse)); break;
                case "--workload" or "--workloads": options.Workloads.AddRange(List(Value()).Select(ParseWorkload)); break;
                case "--clients": options.Clients.AddRange(List(Value()).Select(v => Positive(arg, v))); break;
                case "--duration": options.Duration = ParseTime(arg, Value()); break;
                case "--warmup":
                {
                    var warmup = Value();
                    options.Warmup = warmup is "0" ? TimeSpan.Zero : ParseTime(arg, warmup);
                    break;
                }
                case "--ops": options.Operations = Positive(arg, Value()); break;
                case "--max-duration": options.MaxDuration = ParseTime(arg, Value()); break;
                case "--matrix": options.Matrix = true; break;
                case "--repeat": options.Repeat = Positive(arg, Value()); break;
                case "--smoke": options.Smoke = true; break;
                case "--processes": options.Processes.AddRange(List(Value()).Select(v => Positive(arg, v))); break;
                case Fleet.ChildOption: options.FleetChildCell = Value(); break;
                case "--skus": options.CatalogSize = Positive(arg, Value()); break;
                case "--sellout-stock": options.SelloutStock = Positive(arg, Value()); break;
                case "--seed": options.Seed = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--out": options.MarkdownPath = Value(); break;
                case "--csv": options.CsvPath = Value(); break;
                case "--hold-mix":
                {
                    var (confirm, release) = HoldMix.ParseShares(Value());
                    options.Hold = options.Hold with { ConfirmShare = confirm, ReleaseShare = release };
                    break;
                }

                case "--hold-think":
                {
                    var think = Value();
                    options.Hold = options.Hold with { ThinkTime = think is "0" ? TimeSpan.Zero : ParseTime(arg, think) };
                    break;
                }

                case "--hold-ttl":
                    options.Hold = options.Hold with { TimeToLive = ParseTime(arg, Value()) };
                    timeToLiveGiven = true;
                    break;
                case "-h" or "--help": options.Help = true; break;
                default: throw new ArgumentException($"Unknown option '{arg}'.");
            }
        }

        if (store is not null || strategy is not null || idempotency)
        {
            options.Targets.Insert(0, new TargetSpec((store ?? "inmemory").ToLowerInvariant(), strategy is null ? null : TargetSpec.ParseStrategy(strategy), idempotency));
        }

        if (options.Smoke && options.Matrix)
        {
            throw new ArgumentException("--smoke and --matrix are different runs: pick one.");
        }

        if (options.Smoke && !timeToLiveGiven)
        {
            // Each cart cell waits its holds' time-to-live out before the closing sweep: keep the CI run short.
            options.Hold = options.Hold with { TimeToLive = TimeSpan.FromMilliseconds(500) };
        }

        if (options.Hold.ThinkTime >= options.Hold.TimeToLive)
        {
            throw new ArgumentException("--hold-think must be shorter than --hold-ttl, or every hold expires before its confirm.");
        }

        options.CsvPath ??= options.MarkdownPath is null ? null : Path.ChangeExtension(options.MarkdownPath, ".csv");
        return options;
    }

    private static IEnumerable<string> List(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static WorkloadKind ParseWorkload(string text) =>
        Workload.TryParse(text, out var kind) ? kind : throw new ArgumentException($"Unknown workload '{text}': use hot, sellout, zipf or uniform.");

    private static int Positive(string option, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{option} needs a positive whole number, not '{text}'.");

    internal static TimeSpan ParseTime(string option, string text)
    {
        var (number, scale) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : (text, 1.0);
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? TimeSpan.FromSeconds(value * scale)
            : throw new ArgumentException($"{option} needs a time such as 10s or 500ms, not '{text}'.");
    }
}
