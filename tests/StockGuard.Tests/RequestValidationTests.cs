using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Tests;

/// <summary>
/// What a request refuses to be built from: every store receives only requests that passed these checks, so they are
/// checked once here, not per store (the conformance kit checks what a store itself must refuse).
/// </summary>
public sealed class RequestValidationTests
{
    private static readonly StockKey Key = new("tee-shirt");

    public static IEnumerable<TestCaseData> BadSkus()
    {
        yield return new TestCaseData(string.Empty).SetName("{m}(empty)");
        yield return new TestCaseData("   ").SetName("{m}(white space)");
        yield return new TestCaseData("\t").SetName("{m}(tab)");
        yield return new TestCaseData(new string('x', StockKey.MaxSkuLength + 1)).SetName("{m}(too long)");
        yield return new TestCaseData("nul\0byte").SetName("{m}(control character)");
        yield return new TestCaseData("k\uD800").SetName("{m}(lone high surrogate at the end)");
        yield return new TestCaseData("k\uDBFFx").SetName("{m}(lone high surrogate)");
        yield return new TestCaseData("k\uDC00").SetName("{m}(lone low surrogate)");
        yield return new TestCaseData("k\uDC00\uD800").SetName("{m}(surrogates in reverse order)");
        yield return new TestCaseData("k\uD800\uD800\uDC00").SetName("{m}(high surrogate before a pair)");
    }

    /// <summary>Strings that are not well-formed UTF-16: a database stores each lone surrogate as U+FFFD.</summary>
    public static IEnumerable<TestCaseData> LoneSurrogates()
    {
        yield return new TestCaseData("\uD800").SetName("{m}(lone high surrogate)");
        yield return new TestCaseData("\uDFFF").SetName("{m}(lone low surrogate)");
    }

    [TestCaseSource(nameof(BadSkus))]
    public void A_bad_SKU_is_an_ArgumentException(string sku)
    {
        FluentActions.Invoking(() => new StockLine(sku, 1)).Should().Throw<ArgumentException>().Which.Message.Should().Contain("SKU");
    }

    [Test]
    public void A_null_SKU_is_an_ArgumentNullException()
    {
        FluentActions.Invoking(() => new StockLine(null!, 1)).Should().Throw<ArgumentNullException>();
    }

    [TestCaseSource(nameof(LoneSurrogates))]
    public void A_lone_surrogate_in_a_location_key_reference_or_reason_is_an_ArgumentException(string surrogate)
    {
        FluentActions.Invoking(() => new StockKey("sku", "loc" + surrogate)).Should().Throw<ArgumentException>().Which.Message.Should().Contain("location");
        FluentActions.Invoking(() => new DeductRequest(new StockLine(Key, 1)) { IdempotencyKey = "k" + surrogate })
            .Should().Throw<ArgumentException>().Which.Message.Should().Contain("idempotency key");
        FluentActions.Invoking(() => new DeductRequest(new StockLine(Key, 1)) { Reference = "order" + surrogate })
            .Should().Throw<ArgumentException>().Which.Message.Should().Contain("reference");
        FluentActions.Invoking(() => new AdjustRequest(Key, -1, "count" + surrogate)).Should().Throw<ArgumentException>().Which.Message.Should().Contain("reason");
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(int.MinValue)]
    public void A_quantity_below_one_is_out_of_range(int quantity)
    {
        FluentActions.Invoking(() => new StockLine(Key, quantity)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Test]
    public void Lines_that_overflow_when_merged_are_out_of_range()
    {
        FluentActions.Invoking(() => new DeductRequest(new StockLine(Key, int.MaxValue), new StockLine(Key, 1))).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Test]
    public void An_empty_order_is_an_ArgumentException()
    {
        FluentActions.Invoking(() => new DeductRequest()).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new ReserveRequest(TimeSpan.FromMinutes(1), Array.Empty<StockLine>())).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new DeductRequest(default(StockLine))).Should().Throw<ArgumentException>();
    }

    [TestCase(0)]
    [TestCase(-1)]
    public void A_non_positive_time_to_live_is_out_of_range(int seconds)
    {
        FluentActions.Invoking(() => new ReserveRequest(TimeSpan.FromSeconds(seconds), new StockLine(Key, 1))).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Test]
    public void Bad_idempotency_keys_references_and_reasons_are_ArgumentExceptions()
    {
        FluentActions.Invoking(() => new DeductRequest(new StockLine(Key, 1)) { IdempotencyKey = new string('k', 129) }).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new DeductRequest(new StockLine(Key, 1)) { IdempotencyKey = " " }).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new DeductRequest(new StockLine(Key, 1)) { Reference = new string('r', 201) }).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new AdjustRequest(Key, -1, " ")).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new AdjustRequest(Key, 0, "count")).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Test]
    public void An_undefined_strategy_is_refused_when_the_request_is_built()
    {
        var undefined = (ConcurrencyStrategy)42;

        FluentActions.Invoking(() => new DeductRequest(new StockLine(Key, 1)) { Strategy = undefined })
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName(nameof(StockRequest.Strategy)).Which.Message.Should().Contain("42");
        FluentActions.Invoking(() => new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(Key, 1)) { Strategy = undefined })
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName(nameof(StockRequest.Strategy));
        FluentActions.Invoking(() => new ReceiveRequest(new StockLine(Key, 1)) { Strategy = undefined })
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName(nameof(StockRequest.Strategy));
        new DeductRequest(new StockLine(Key, 1)) { Strategy = ConcurrencyStrategy.Pessimistic }.Strategy.Should().Be(ConcurrencyStrategy.Pessimistic);
    }
}
