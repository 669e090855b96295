using System.ComponentModel.DataAnnotations;

namespace Shop;

/// <summary>The shop's settings, section <c>Shop</c> of the configuration (appsettings.json, <c>--Shop:HoldTime 00:01:00</c>, …).</summary>
internal sealed class ShopOptions
{
    public const string Section = "Shop";

    /// <summary>The store: <c>sqlite</c> (the default, a file beside the shop) or <c>postgres</c>. Also <c>--store postgres</c>.</summary>
    [Required]
    [RegularExpression("^(sqlite|postgres)$", ErrorMessage = "Shop:Store must be 'sqlite' or 'postgres'.")]
    public string Store { get; set; } = "sqlite";

    /// <summary>How long an item put in the cart is held for the buyer. Default: 10 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan HoldTime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long the holds of a cart are extended to while its payment is in flight. Default: 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan PaymentWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the pages ask for fresh stock levels (answered by 304 when nothing changed). Default: 2 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The catalog; each product is stocked with its <see cref="Product.InitialStock"/> the first time the shop sees it.</summary>
    [MinLength(1)]
    public List<Product> Products { get; set; } = [];
}

/// <summary>A product of the catalog, sold from one stock item with the same SKU at the default location.</summary>
internal sealed class Product
{
    [Required]
    public string Sku { get; set; } = "";

    [Required]
    public string Name { get; set; } = "";

    public string Description { get; set; } = "";

    /// <summary>The price in cents.</summary>
    [Range(1, 100_000_000)]
    public long PriceCents { get; set; }

    /// <summary>The units received when the shop first starts on an empty database.</summary>
    [Range(0, 1_000_000)]
    public int InitialStock { get; set; }

    /// <summary>At or below this many available units the catalog shows "only N left".</summary>
    [Range(0, 1_000_000)]
    public int LowStockThreshold { get; set; } = 3;

    /// <summary>The colour of the product's tile (a CSS colour).</summary>
    public string Colour { get; set; } = "#6b7280";
}

/// <summary>The simulated payment provider's settings, section <c>Payment</c>.</summary>
internal sealed class PaymentOptions
{
    public const string Section = "Payment";

    /// <summary>How long a payment takes. Default: 1.5 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>The share of payments the provider declines, 0 to 1. Default: 0.15.</summary>
    [Range(0.0, 1.0)]
    public double DeclineRate { get; set; } = 0.15;

    /// <summary>
    /// The share of approved payments that arrive only after the cart's holds have run out, 0 to 1. Default: 0.1.
    /// </summary>
    [Range(0.0, 1.0)]
    public double LateRate { get; set; } = 0.1;

    /// <summary>Seeds the provider's dice, so that a run's outcomes repeat; none (the default) rolls differently each run.</summary>
    public int? Seed { get; set; }
}
