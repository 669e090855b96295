namespace StockGuard;

/// <summary>One line of an order, hold or delivery: a quantity of one stock item.</summary>
public readonly struct StockLine : IEquatable<StockLine>
{
    /// <summary>Creates a line of <paramref name="quantity"/> units of <paramref name="key"/>.</summary>
    /// <param name="key">The stock item.</param>
    /// <param name="quantity">The number of units, at least 1.</param>
    /// <exception cref="ArgumentException"><paramref name="key"/> is <c>default</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="quantity"/> is zero or negative.</exception>
    [System.Text.Json.Serialization.JsonConstructor]
    public StockLine(StockKey key, int quantity)
    {
        if (!key.IsValid)
        {
            throw new ArgumentException("The line names no stock item: default(StockKey) is not a key.", nameof(key));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        Key = key;
        Quantity = quantity;
    }

    /// <summary>Creates a line of <paramref name="quantity"/> units of <paramref name="sku"/> at <paramref name="location"/>.</summary>
    /// <param name="sku">The SKU.</param>
    /// <param name="quantity">The number of units, at least 1.</param>
    /// <param name="location">The location, or <see langword="null"/> for the default one.</param>
    public StockLine(string sku, int quantity, string? location = null)
        : this(new StockKey(sku, location), quantity)
    {
    }

    /// <summary>The stock item.</summary>
    public StockKey Key { get; }

    /// <summary>The number of units, at least 1.</summary>
    public int Quantity { get; }

    /// <inheritdoc/>
    public bool Equals(StockLine other) => Key == other.Key && Quantity == other.Quantity;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is StockLine other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Key, Quantity);

    /// <summary>Whether two lines are equal.</summary>
    /// <param name="left">A line.</param>
    /// <param name="right">Another line.</param>
    public static bool operator ==(StockLine left, StockLine right) => left.Equals(right);

    /// <summary>Whether two lines differ.</summary>
    /// <param name="left">A line.</param>
    /// <param name="right">Another line.</param>
    public static bool operator !=(StockLine left, StockLine right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => $"{Quantity} x {Key}";
}
