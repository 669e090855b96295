namespace StockGuard.Benchmarks.Micro;

/// <summary>Which stock items the threads of a micro benchmark share.</summary>
public enum SkuSpread
{
    /// <summary>Every thread takes from the same item (or, for a 3-line order, the same three items): a flash sale.</summary>
    HotSku,

    /// <summary>Each thread cycles through 16 items of its own; no two threads ever touch the same item.</summary>
    ManySkus,
}
