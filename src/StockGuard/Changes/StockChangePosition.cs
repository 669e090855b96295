using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace StockGuard.Changes;

/// <summary>
/// A place in a store's change feed: the feed is read in position order, and a reader resumes after the last
/// position it handled. Positions of one store are totally ordered by <see cref="Transaction"/>, then
/// <see cref="Sequence"/>; they mean nothing to another store.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Sequence"/> is the movement's number in the ledger (the row id on SQL stores), unique in the store.
/// <see cref="Transaction"/> is the PostgreSQL transaction id (<c>xid8</c>) that wrote the movement, which is what
/// orders the PostgreSQL feed without gaps; it is 0 on every other store and for movements recorded before schema
/// version 2.
/// </para>
/// <para>
/// The text form, for storing a checkpoint, is <c>"{Transaction}:{Sequence}"</c> in invariant decimal digits
/// (e.g. <c>"0:42"</c>, <c>"48213:1007"</c>); <see cref="ToString"/> writes it and <see cref="Parse"/> reads it back
/// to an equal position.
/// </para>
/// </remarks>
public readonly struct StockChangePosition : IEquatable<StockChangePosition>, IComparable<StockChangePosition>
{
    /// <summary>Creates a position.</summary>
    /// <param name="transaction">The writing transaction's id on PostgreSQL, 0 elsewhere; at least 0.</param>
    /// <param name="sequence">The movement's number in the ledger; at least 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A part is negative.</exception>
    public StockChangePosition(long transaction, long sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(transaction);
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        Transaction = transaction;
        Sequence = sequence;
    }

    /// <summary>The position before every change (<c>"0:0"</c>): reading after it reads the feed from its start.</summary>
    public static StockChangePosition Start => default;

    /// <summary>The PostgreSQL transaction id (<c>xid8</c>) that wrote the change; 0 on other stores.</summary>
    public long Transaction { get; }

    /// <summary>The movement's number in the store's ledger (its row id on SQL stores).</summary>
    public long Sequence { get; }

    /// <summary>Reads the text form <c>"{Transaction}:{Sequence}"</c> written by <see cref="ToString"/>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The position.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException">The text is not a position.</exception>
    public static StockChangePosition Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var position)
            ? position
            : throw new FormatException($"'{text}' is not a stock change position; expected two non-negative integers as \"transaction:sequence\", e.g. \"0:42\".");
    }

    /// <summary>Reads the text form <c>"{Transaction}:{Sequence}"</c>, without throwing.</summary>
    /// <param name="text">The text.</param>
    /// <param name="position">The position read, or <see cref="Start"/>.</param>
    /// <returns>Whether <paramref name="text"/> was a position.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, out StockChangePosition position)
    {
        position = default;
        var colon = text?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (text is null || colon <= 0
            || !TryParsePart(text.AsSpan(0, colon), out var transaction)
            || !TryParsePart(text.AsSpan(colon + 1), out var sequence))
        {
            return false;
        }

        position = new StockChangePosition(transaction, sequence);
        return true;
    }

    private static bool TryParsePart(ReadOnlySpan<char> part, out long value)
    {
        value = 0;
        foreach (var c in part)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return !part.IsEmpty && long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <inheritdoc/>
    public bool Equals(StockChangePosition other) => Transaction == other.Transaction && Sequence == other.Sequence;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is StockChangePosition other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Transaction, Sequence);

    /// <summary>Orders by <see cref="Transaction"/>, then <see cref="Sequence"/>: the order of the feed.</summary>
    /// <param name="other">The position to compare with.</param>
    public int CompareTo(StockChangePosition other)
    {
        var byTransaction = Transaction.CompareTo(other.Transaction);
        return byTransaction != 0 ? byTransaction : Sequence.CompareTo(other.Sequence);
    }

    /// <summary>The text form <c>"{Transaction}:{Sequence}"</c>, which <see cref="Parse"/> reads back.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Transaction}:{Sequence}");

    /// <summary>Whether two positions are the same.</summary>
    /// <param name="left">A position.</param>
    /// <param name="right">Another position.</param>
    public static bool operator ==(StockChangePosition left, StockChangePosition right) => left.Equals(right);

    /// <summary>Whether two positions differ.</summary>
    /// <param name="left">A position.</param>
    /// <param name="right">Another position.</param>
    public static bool operator !=(StockChangePosition left, StockChangePosition right) => !left.Equals(right);

    /// <summary>Orders positions as <see cref="CompareTo"/> does.</summary>
    /// <param name="left">A position.</param>
    /// <param name="right">Another position.</param>
    public static bool operator <(StockChangePosition left, StockChangePosition right) => left.CompareTo(right) < 0;

    /// <summary>Orders positions as <see cref="CompareTo"/> does.</summary>
    /// <param name="left">A position.</param>
    /// <param name="right">Another position.</param>
    public static bool operator >(StockChangePosition left, StockChangePosition right) => left.CompareTo(right) > 0;

    /// <summary>Orders positions as <see cref="CompareTo"/> does.</summary>
    /// <param name="left">A position.</param>
    /// <param name="right">Another position.</param>
    public static bool operator <=(StockChangePosition left, StockChangePosition right) => left.CompareTo(right) <= 0;

    /// <summary>Orders positions as <see cref="CompareTo"/> does.</summary>
    /// <param name="left">A position.</param>
    /// <param name="right">Another position.</param>
    public static bool operator >=(StockChangePosition left, StockChangePosition right) => left.CompareTo(right) >= 0;
}
