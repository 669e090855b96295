using FluentAssertions;
using Npgsql;
using NUnit.Framework;

namespace StockGuard.PostgreSql.Tests;

/// <summary>
/// The result the one-command keyed sale stores with its key: the store writes its opening (the item's key, escaped as
/// JSON) and the statement appends the numbers of the row it changed. The stored value is exactly the jsonb the ledger's
/// form gives (so that every version of the store reads it), and a retry replays the first answer, whatever characters
/// the item's key holds.
/// </summary>
[TestFixture]
public sealed class PostgreSqlKeyedSaleResultTests : PostgreSqlFixture
{
    private const string EscapedLocation = "shelf \"A\\1\" ü";

    /// <summary>Every printable ASCII character but the quote and the backslash: written into the result as it is.</summary>
    private static readonly string PlainAscii = new([.. Enumerable.Range(0x20, 0x5F).Select(c => (char)c).Where(c => c is not '"' and not '\\')]);

    private static readonly object[] Keys =
    [
        new object[] { "plain", EscapedLocation },
        new object[] { "quote\"back\\slash/solidus", EscapedLocation },
        new object[] { "zero\u200Bwidth\u00A0space +%25#?={}[]:,", EscapedLocation },
        new object[] { "é–ü€ 😀 \u2028<>&'", EscapedLocation },
        new object[] { PlainAscii, PlainAscii[..32] },
        new object[] { "plain", PlainAscii[32..] },
        new object[] { "plain", "default" },
        new object[] { "a<b>&c'd+e`f", "<html>&'+`" },
    ];

    [TestCaseSource(nameof(Keys))]
    public async Task A_keyed_sale_stores_the_ledgers_result_and_a_retry_replays_it(string name, string location)
    {
        await using var store = CreateStore();
        var key = new StockKey(name + "-" + Guid.NewGuid().ToString("N"), location);
        await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)));
        var idempotencyKey = "idem-" + Guid.NewGuid().ToString("N");
        DeductRequest Request() => new(new StockLine(key, 3)) { IdempotencyKey = idempotencyKey };

        var first = await store.DeductAsync(Request());
        var retry = await store.DeductAsync(Request());

        first.Should().BeEquivalentTo(new { Succeeded = true, IsReplay = false });
        first.Levels.Should().Equal(new StockLevel(key, 7, 0, 0, 0, 0, 2));
        retry.IsReplay.Should().BeTrue();
        retry.Levels.Should().Equal(first.Levels);
        retry.ShortLines.Should().BeEmpty();

        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT result = jsonb_build_object('Ok', true, 'Levels', jsonb_build_array(jsonb_build_object('Sku', @sku, 'Loc', @location, " +
            "'OnHand', 7::bigint, 'Reserved', 0::bigint, 'Safety', 0::bigint, 'Backorder', 0::bigint, 'Low', 0::bigint, 'Version', 2::bigint, 'Released', true)), " +
            $"'Short', '[]'::jsonb) FROM \"{Schema}\".stock_idempotency_keys WHERE idempotency_key = @key",
            connection);
        command.Parameters.AddWithValue("sku", key.Sku);
        command.Parameters.AddWithValue("location", key.Location);
        command.Parameters.AddWithValue("key", idempotencyKey);

        (await command.ExecuteScalarAsync()).Should().Be(true, "the one command stores the ledger's form of its answer");
    }
}
