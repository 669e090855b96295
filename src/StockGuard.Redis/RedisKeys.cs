using System.Buffers.Binary;
using System.Text;
using StackExchange.Redis;

namespace StockGuard.Redis;

/// <summary>
/// Where the store keeps what. An item's keys share the hash tag <c>{prefix:sku.location}</c> (each part base64url, so no
/// SKU can forge another's tag or end the tag early), so one script sees all of them on one cluster slot. A hold's record
/// lives on the slot of its first item: the slot is written into the hold's id, and the record's key carries a short tag
/// that hashes to that slot, so a one-item hold and its item are one script.
/// </summary>
internal sealed class RedisKeys(string prefix)
{
    public const int SlotCount = 16384;

    private static readonly Lazy<string[]> SlotTags = new(BuildSlotTags);

    public string Prefix { get; } = prefix;

    /// <summary>The keys of one item, all on one slot.</summary>
    public ItemKeys Item(StockKey key)
    {
        var tag = "{" + Prefix + ":" + Encode(key.Sku) + "." + Encode(key.Location) + "}";
        return new ItemKeys(tag, Slot(tag));
    }

    /// <summary>
    /// The key whose master the store reads <c>TIME</c> from (see <see cref="RedisClock.Server"/>): never written, it only
    /// picks one master of a cluster for every store with this prefix.
    /// </summary>
    public RedisKey Clock => "{" + Prefix + "}:clock";

    /// <summary>The record of a hold, on the slot written into its id.</summary>
    public RedisKey Hold(Guid holdId) => $"{Prefix}:hold:{{{SlotTags.Value[SlotOf(holdId)]}}}:{holdId:N}";

    /// <summary>The pattern of every hold record, for the sweep's scan.</summary>
    public string HoldPattern => Prefix + ":hold:*";

    /// <summary>The record of an idempotency key, on a slot of its own.</summary>
    public RedisKey Idempotency(string idempotencyKey) =>
        $"{Prefix}:idem:{{{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)), 0, 16)}}}";

    /// <summary>The pattern of every idempotency record, for the sweep's scan.</summary>
    public string IdempotencyPattern => Prefix + ":idem:*";

    /// <summary>A new hold id whose record lives on <paramref name="slot"/>: a version 7 GUID whose last two bytes carry the slot.</summary>
    public static Guid NewHoldId(int slot, DateTimeOffset now)
    {
        Span<byte> bytes = stackalloc byte[16];
        Guid.CreateVersion7(now).TryWriteBytes(bytes, bigEndian: true, out _);
        BinaryPrimitives.WriteUInt16BigEndian(bytes[14..], (ushort)slot);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>The slot written into a hold id (any GUID maps to some slot; an unknown one simply finds no record).</summary>
    public static int SlotOf(Guid holdId)
    {
        Span<byte> bytes = stackalloc byte[16];
        holdId.TryWriteBytes(bytes, bigEndian: true, out _);
        return BinaryPrimitives.ReadUInt16BigEndian(bytes[14..]) % SlotCount;
    }

    /// <summary>The Redis Cluster slot of a key's hash tag (CRC16/XMODEM mod 16384).</summary>
    public static int Slot(string tag)
    {
        var bytes = Encoding.UTF8.GetBytes(tag);
        var span = bytes.AsSpan();
        var open = span.IndexOf((byte)'{');
        if (open >= 0)
        {
            var close = span[(open + 1)..].IndexOf((byte)'}');
            if (close > 0)
            {
                span = span.Slice(open + 1, close);
            }
        }

        return Crc16(span) % SlotCount;
    }

    private static string Encode(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static int Crc16(ReadOnlySpan<byte> data)
    {
        var crc = 0;
        foreach (var b in data)
        {
            crc ^= b << 8;
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }

            crc &= 0xFFFF;
        }

        return crc;
    }

    // For each slot the first short base-36 text whose CRC16 lands on it (about 170,000 hashes once per process).
    private static string[] BuildSlotTags()
    {
        var tags = new string[SlotCount];
        var left = SlotCount;
        for (var n = 0; left > 0; n++)
        {
            var text = ToBase36(n);
            var slot = Crc16(Encoding.ASCII.GetBytes(text)) % SlotCount;
            if (tags[slot] is null)
            {
                tags[slot] = text;
                left--;
            }
        }

        return tags;
    }

    private static string ToBase36(int n)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        if (n == 0)
        {
            return "0";
        }

        var text = new StringBuilder();
        for (; n > 0; n /= 36)
        {
            text.Insert(0, digits[n % 36]);
        }

        return text.ToString();
    }
}

/// <summary>The keys of one item: its counters, its hold lines (and their expiry index), its movement stream.</summary>
/// <param name="Tag">The hash tag every key of the item starts with.</param>
/// <param name="Slot">The tag's cluster slot.</param>
internal readonly record struct ItemKeys(string Tag, int Slot)
{
    public RedisKey Counters => Tag + ":i";

    public RedisKey Lines => Tag + ":l";

    public RedisKey Expiries => Tag + ":x";

    public RedisKey Movements => Tag + ":m";

    public RedisKey Operation(string? token) => Tag + ":o:" + (token ?? "-");
}
