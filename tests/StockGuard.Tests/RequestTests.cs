using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Tests;

public sealed class RequestTests
{
    [Test]
    public void Lines_of_one_item_are_merged_in_first_seen_order()
    {
        var request = new DeductRequest(new StockLine("b", 1), new StockLine("a", 2), new StockLine("b", 3), new StockLine("b", 1, "paris"));

        request.Lines.Should().Equal(new StockLine("b", 4), new StockLine("a", 2), new StockLine("b", 1, "paris"));
    }

    [Test]
    public void A_fingerprint_ignores_line_order_key_and_strategy_but_not_content()
    {
        var a = new DeductRequest(new StockLine("x", 1), new StockLine("y", 2)) { IdempotencyKey = "k1", Strategy = ConcurrencyStrategy.Optimistic };
        var b = new DeductRequest(new StockLine("y", 2), new StockLine("x", 1)) { IdempotencyKey = "k2" };

        a.GetFingerprint().Should().Be(b.GetFingerprint());
        new DeductRequest(new StockLine("x", 1), new StockLine("y", 3)).GetFingerprint().Should().NotBe(b.GetFingerprint());
        new ReceiveRequest(new StockLine("x", 1), new StockLine("y", 2)).GetFingerprint().Should().NotBe(b.GetFingerprint());
        (new DeductRequest(new StockLine("x", 1), new StockLine("y", 2)) { Reference = "order-9" }).GetFingerprint().Should().NotBe(b.GetFingerprint());
    }

    [Test]
    public void A_fingerprint_is_the_stored_one_of_every_earlier_version()
    {
        // Fingerprints are stored with their keys and compared by the next version of the store: they never change. The
        // long request's text is beyond the hash's stack buffers, and non-ASCII.
        var longSku = string.Concat(Enumerable.Repeat("é😀x", 31)) + "ab";
        StockRequest[] requests =
        [
            new DeductRequest(new StockLine("sku-1", 3)) { Reference = "order-1" },
            new DeductRequest(new StockLine("b", 1), new StockLine("a", 2, "paris")),
            new DeductRequest(new StockLine(longSku, 1), new StockLine(longSku, 2, "ü-" + longSku[..60]), new StockLine("z" + longSku[..120], 7)) { Reference = new string('r', 200) },
            new ReserveRequest(TimeSpan.FromMinutes(10), new StockLine("sku-1", 1)) { Reference = "cart \"7\"" },
        ];

        requests.Select(r => r.GetFingerprint()).Should().Equal(
            "250F8CC00CE09A9107BC3CE43D63A9F2CDC2509375E3544FC96A0B5DE93E276A",
            "61188730EF27FC224C6F5F48648ECCB5A57103FB6E78971131CBBE5D6DB52330",
            "A9E6EA43CE099E94073D44459C997E11808C4293A7DCDF36662CADAE37DDDB59",
            "9928CB88EB6194EA5605400EBCDD8DD9088806FB649D9FB76F05D42344CAA9C7");
    }

    [Test]
    public void A_fingerprint_cannot_be_forged_by_a_SKU_that_spells_another_line()
    {
        var twoLines = new DeductRequest(new StockLine("a", 1), new StockLine("b", 1));
        var forged = new DeductRequest(new StockLine("a7:default=11:b", 1));

        forged.GetFingerprint().Should().NotBe(twoLines.GetFingerprint());
    }

    [Test]
    public void Keys_compare_ordinally_by_SKU_then_location()
    {
        var keys = new[] { new StockKey("b"), new StockKey("a", "z"), new StockKey("a"), new StockKey("B") };

        keys.Order().Should().Equal(new StockKey("B"), new StockKey("a"), new StockKey("a", "z"), new StockKey("b"));
        new StockKey("a").Should().Be(new StockKey("a", StockKey.DefaultLocation));
        new StockKey("a").ToString().Should().Be("a");
        new StockKey("a", "paris").ToString().Should().Be("a@paris");
    }

    [Test]
    public void Status_is_derived_from_the_quantities()
    {
        Level(onHand: 10, threshold: 3).Status.Should().Be(StockStatus.InStock);
        Level(onHand: 3, threshold: 3).Status.Should().Be(StockStatus.Low);
        Level(onHand: 0).Status.Should().Be(StockStatus.OutOfStock);
        Level(onHand: 0, backorder: 5).Status.Should().Be(StockStatus.Backorder);
        Level(onHand: -5, backorder: 5).Status.Should().Be(StockStatus.OutOfStock);
        Level(onHand: 5, reserved: 3, safety: 2).Available.Should().Be(0);

        static StockLevel Level(long onHand, long reserved = 0, long safety = 0, long backorder = 0, long threshold = 0) =>
            new(new StockKey("s"), onHand, reserved, safety, backorder, threshold, 1);
    }

    [Test]
    public void A_receive_request_is_a_receipt_or_a_return_only()
    {
        var act = () => new ReceiveRequest(new StockLine("x", 1)) { Kind = StockMovementKind.Sale };

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("Kind");
    }
}
