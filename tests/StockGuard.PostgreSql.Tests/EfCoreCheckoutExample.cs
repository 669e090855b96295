using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using StockGuard.Sql;

namespace StockGuard.PostgreSql.Tests;

/// <summary>An order as the shop's EF Core model holds it.</summary>
public sealed class ShopOrder
{
    /// <summary>The order's id.</summary>
    public Guid Id { get; set; }

    /// <summary>The one line's SKU.</summary>
    public string Sku { get; set; } = "";

    /// <summary>The one line's units.</summary>
    public int Quantity { get; set; }
}

/// <summary>The shop's own DbContext: its orders, in the same PostgreSQL database as the stock store's schema.</summary>
/// <param name="options">Made with <c>UseNpgsql(…)</c>.</param>
public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    /// <summary>The orders.</summary>
    public DbSet<ShopOrder> Orders => Set<ShopOrder>();

    /// <inheritdoc/>
    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<ShopOrder>(order =>
        {
            order.ToTable("orders");
            order.HasKey(o => o.Id);
            order.Property(o => o.Id).HasColumnName("id");
            order.Property(o => o.Sku).HasColumnName("sku");
            order.Property(o => o.Quantity).HasColumnName("quantity");
        });
}

/// <summary>The checkout of docs/transactions.md with EF Core: the order entity and its stock in one transaction the DbContext owns.</summary>
public static class EfCoreCheckoutExample
{
    /// <summary>Saves the order and deducts its stock, both or neither; false when the stock is short.</summary>
    public static async Task<bool> PlaceOrderAsync(ShopContext db, PostgreSqlStockStore stock, ShopOrder order, CancellationToken cancellationToken = default)
    {
        // Deadlocks and serialization failures end the whole transaction: run all of it again, a bounded number of times.
        for (var attempt = 1; ; attempt++)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
            try
            {
                db.Orders.Add(order);
                await db.SaveChangesAsync(cancellationToken); // written in the transaction, not committed yet

                // The DbContext's own connection and transaction: the stock change commits or rolls back with the order.
                var deducted = await stock.InTransaction(db.Database.GetDbConnection(), transaction.GetDbTransaction()).DeductAsync(
                    new DeductRequest(new StockLine(new StockKey(order.Sku), order.Quantity))
                    {
                        Reference = order.Id.ToString(),
                        IdempotencyKey = $"order-{order.Id}",
                    },
                    cancellationToken);
                if (!deducted.Succeeded)
                {
                    await transaction.RollbackAsync(cancellationToken); // no order without its stock
                    db.ChangeTracker.Clear(); // the context still believes the rolled-back order is saved
                    return false;
                }

                await transaction.CommitAsync(cancellationToken); // the order, the deduct, its movement and its key
                return true;
            }
            catch (StockTransactionAbortedException) when (attempt < 3)
            {
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
            }
        }
    }
}
