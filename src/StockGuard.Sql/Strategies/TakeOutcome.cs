namespace StockGuard.Sql.Strategies;

/// <summary>What a strategy's attempt did: applied every line (with their new rows), or found some lines short or unknown.</summary>
internal sealed class TakeOutcome
{
    private TakeOutcome(IReadOnlyList<LevelRow>? applied, IReadOnlyList<StockKey> shortKeys)
    {
        Applied = applied;
        ShortKeys = shortKeys;
    }

    /// <summary>The new rows, one per line in the order given, when every line was applied.</summary>
    public IReadOnlyList<LevelRow>? Applied { get; }

    /// <summary>The lines that lacked stock or named an unknown item; empty when applied.</summary>
    public IReadOnlyList<StockKey> ShortKeys { get; }

    public static TakeOutcome Done(IReadOnlyList<LevelRow> rows) => new(rows, []);

    public static TakeOutcome Short(IReadOnlyList<StockKey> keys) => new(null, keys);
}
