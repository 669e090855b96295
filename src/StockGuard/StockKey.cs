using System.Text.Json.Serialization;

namespace StockGuard;

/// <summary>
/// Identifies one stock item: one SKU at one location. Single-warehouse shops never name a location;
/// <see cref="DefaultLocation"/> stands in. Comparison is ordinal and case-sensitive, on every store.
/// </summary>
[JsonConverter(typeof(StockKeyJsonConverter))]
public readonly struct StockKey : IEquatable<StockKey>, IComparable<StockKey>
{
    /// <summary>The location used when none is named: <c>"default"</c>.</summary>
    public const string DefaultLocation = "default";

    /// <summary>The longest SKU accepted, in UTF-16 code units: 128.</summary>
    public const int MaxSkuLength = 128;

    /// <summary>The longest location accepted, in UTF-16 code units: 64.</summary>
    public const int MaxLocationLength = 64;

    /// <summary>Creates a key for <paramref name="sku"/> at <paramref name="location"/>.</summary>
    /// <param name="sku">The SKU: 1 to 128 characters of well-formed UTF-16, not only white space, no control characters.</param>
    /// <param name="location">The location, or <see langword="null"/> for <see cref="DefaultLocation"/>.</param>
    /// <exception cref="ArgumentException">The SKU or location is empty, white space, too long, has control characters or a lone surrogate.</exception>
    public StockKey(string sku, string? location = null)
    {
        Sku = Guard.Identifier(sku, MaxSkuLength, nameof(sku), "SKU");
        Location = location is null ? DefaultLocation : Guard.Identifier(location, MaxLocationLength, nameof(location), "location");
    }

    /// <summary>The SKU, exactly as given.</summary>
    public string Sku { get; }

    /// <summary>The location, exactly as given, or <see cref="DefaultLocation"/>.</summary>
    public string Location => field ?? DefaultLocation;

    /// <summary><see langword="false"/> for <c>default(StockKey)</c>, which names no item.</summary>
    public bool IsValid => Sku is not null;

    /// <summary>Creates a key at the default location.</summary>
    /// <param name="sku">The SKU.</param>
    public static implicit operator StockKey(string sku) => new(sku);

    /// <inheritdoc/>
    public bool Equals(StockKey other) =>
        string.Equals(Sku, other.Sku, StringComparison.Ordinal) && string.Equals(Location, other.Location, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is StockKey other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(StringComparer.Ordinal.GetHashCode(Sku ?? string.Empty), StringComparer.Ordinal.GetHashCode(Location));

    /// <summary>Orders by SKU, then location, ordinally: the order in which every store locks the items of an order.</summary>
    /// <param name="other">The key to compare with.</param>
    public int CompareTo(StockKey other)
    {
        var bySku = string.CompareOrdinal(Sku, other.Sku);
        return bySku != 0 ? bySku : string.CompareOrdinal(Location, other.Location);
    }

    /// <summary>Whether two keys name the same item.</summary>
    /// <param name="left">A key.</param>
    /// <param name="right">Another key.</param>
    public static bool operator ==(StockKey left, StockKey right) => left.Equals(right);

    /// <summary>Whether two keys name different items.</summary>
    /// <param name="left">A key.</param>
    /// <param name="right">Another key.</param>
    public static bool operator !=(StockKey left, StockKey right) => !left.Equals(right);

    /// <summary>Orders keys as <see cref="CompareTo"/> does.</summary>
    /// <param name="left">A key.</param>
    /// <param name="right">Another key.</param>
    public static bool operator <(StockKey left, StockKey right) => left.CompareTo(right) < 0;

    /// <summary>Orders keys as <see cref="CompareTo"/> does.</summary>
    /// <param name="left">A key.</param>
    /// <param name="right">Another key.</param>
    public static bool operator >(StockKey left, StockKey right) => left.CompareTo(right) > 0;

    /// <summary>Orders keys as <see cref="CompareTo"/> does.</summary>
    /// <param name="left">A key.</param>
    /// <param name="right">Another key.</param>
    public static bool operator <=(StockKey left, StockKey right) => left.CompareTo(right) <= 0;

    /// <summary>Orders keys as <see cref="CompareTo"/> does.</summary>
    /// <param name="left">A key.</param>
    /// <param name="right">Another key.</param>
    public static bool operator >=(StockKey left, StockKey right) => left.CompareTo(right) >= 0;

    /// <summary>The SKU, followed by <c>@location</c> unless it is the default location.</summary>
    public override string ToString() => Location == DefaultLocation ? Sku ?? "(none)" : $"{Sku}@{Location}";
}
