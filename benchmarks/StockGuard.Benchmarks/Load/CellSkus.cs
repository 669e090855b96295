namespace StockGuard.Benchmarks.Load;

/// <summary>The SKU names of a cell's items, the same for every target: <c>&lt;cell&gt;-&lt;five digits&gt;</c>.</summary>
internal static class CellSkus
{
    /// <summary>The SKU of item <paramref name="index"/> of cell <paramref name="cellId"/>.</summary>
    public static string Name(string cellId, int index) => $"{cellId}-{index:D5}";

    /// <summary>The SKUs of the cell's <paramref name="count"/> items, by item index.</summary>
    public static string[] All(string cellId, int count)
    {
        var skus = new string[count];
        for (var i = 0; i < count; i++)
        {
            skus[i] = Name(cellId, i);
        }

        return skus;
    }
}
