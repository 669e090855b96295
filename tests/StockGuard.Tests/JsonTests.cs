using System.Text.Json;
using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Tests;

/// <summary>The JSON form of the results, levels and holds, with the serializer's default options.</summary>
public sealed class JsonTests
{
    [Test]
    public void A_level_writes_its_key_as_text_and_its_status_by_name()
    {
        var level = new StockLevel(new StockKey("TSHIRT-M", "berlin"), OnHand: 10, Reserved: 2, SafetyStock: 1, BackorderLimit: 0, LowStockThreshold: 3, Version: 7);

        var json = JsonSerializer.Serialize(level);

        json.Should().Be(
            """{"Key":"TSHIRT-M@berlin","OnHand":10,"Reserved":2,"SafetyStock":1,"BackorderLimit":0,"LowStockThreshold":3,"Version":7,"Available":7,"PreOrderLimit":0,"ExpectedRestock":null,"IsReleased":false,"IsPreOrder":false,"BelowZeroLimit":0,"Sellable":7,"Status":"InStock"}""");
    }

    [Test]
    public void A_hold_writes_its_lines_keys_and_state_by_name()
    {
        var at = new DateTimeOffset(2026, 11, 30, 18, 0, 0, TimeSpan.Zero);
        var hold = new StockHold(Guid.Empty, [new StockLine("A", 2)], at, at.AddMinutes(10), HoldState.Confirmed, "order-1");

        var json = JsonSerializer.Serialize(new HoldResult(HoldOutcome.Confirmed, hold));

        json.Should().Be(
            """{"Outcome":"Confirmed","Hold":{"Id":"00000000-0000-0000-0000-000000000000","Lines":[{"Key":"A","Quantity":2}],"CreatedAt":"2026-11-30T18:00:00+00:00","ExpiresAt":"2026-11-30T18:10:00+00:00","State":"Confirmed","Reference":"order-1"},"WasAlreadyDone":false,"ConfirmedLines":[]}""");
    }

    [TestCase("A", null, "\"A\"")]
    [TestCase("A", "berlin", "\"A@berlin\"")]
    [TestCase("A@B", null, "\"A@B@default\"")]
    [TestCase("A@B", "x", "\"A@B@x\"")]
    [TestCase("A", "x@y", """{"sku":"A","location":"x@y"}""")]
    public void Every_key_round_trips_exactly(string sku, string? location, string expected)
    {
        var key = new StockKey(sku, location);

        var json = JsonSerializer.Serialize(key);

        json.Should().Be(expected);
        JsonSerializer.Deserialize<StockKey>(json).Should().Be(key);
    }

    [Test]
    public void A_key_that_breaks_the_key_rules_is_a_json_error_naming_the_rule()
    {
        var tooLong = JsonSerializer.Serialize(new string('x', 200));

        var read = () => JsonSerializer.Deserialize<StockKey>(tooLong);

        read.Should().Throw<JsonException>().WithMessage("*200 characters long; at most 128*");
    }

    [Test]
    public void The_default_key_has_no_json_form()
    {
        var write = () => JsonSerializer.Serialize(default(StockKey));

        write.Should().Throw<JsonException>();
    }
}
