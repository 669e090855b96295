namespace StockGuard;

/// <summary>One line of an order to allocate: a quantity of a SKU, its location left to the policy.</summary>
public readonly record struct AllocationLine
{
    /// <summary>Creates a line of <paramref name="quantity"/> units of <paramref name="sku"/>.</summary>
    /// <param name="sku">The SKU, as <see cref="StockKey"/> accepts it.</param>
    /// <param name="quantity">The units, at least 1.</param>
    /// <exception cref="ArgumentException">The SKU is not valid.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="quantity"/> is zero or negative.</exception>
    public AllocationLine(string sku, int quantity)
    {
        Sku = new StockKey(sku).Sku;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        Quantity = quantity;
    }

    /// <summary>The SKU.</summary>
    public string Sku { get; }

    /// <summary>The units, at least 1.</summary>
    public int Quantity { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Quantity} x {Sku}";
}
