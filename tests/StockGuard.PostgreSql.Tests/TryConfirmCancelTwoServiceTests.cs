using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using StockGuard.Sql;
using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>
/// Holds as Try-Confirm-Cancel between two services, each a store on a schema of its own: a coordinator places one hold
/// per service for each order and dies at a different step for different orders; after the holds' expiry another buyer
/// takes units of the second service, and a recovering coordinator runs every order again, twice, with the same keys.
/// Every order ends sold on both services or on neither, the counts are exact, and each schema passes the audit.
/// </summary>
[TestFixture]
public sealed class TryConfirmCancelTwoServiceTests
{
    private const int Orders = 20;
    private const int Stock = 100;
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);

    private readonly string[] _schemas = [PostgreSqlServer.NewSchemaName("tcc_a"), PostgreSqlServer.NewSchemaName("tcc_b")];

    [OneTimeSetUp]
    public async Task ConnectAsync() => await (await PostgreSqlServer.OpenOrSkipAsync()).DisposeAsync();

    [OneTimeTearDown]
    public async Task DropSchemasAsync()
    {
        foreach (var schema in _schemas)
        {
            await PostgreSqlServer.DropSchemaAsync(schema);
        }
    }

    [Test]
    public async Task A_coordinator_that_dies_at_any_step_and_runs_again_after_expiry_sells_each_order_on_both_services_or_on_neither()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        await using var a = new PostgreSqlStockStore(PostgreSqlServer.ConnectionString, new PostgreSqlStockStoreOptions { Schema = _schemas[0], Clock = SqlClock.TimeProvider }, time);
        await using var b = new PostgreSqlStockStore(PostgreSqlServer.ConnectionString, new PostgreSqlStockStoreOptions { Schema = _schemas[1], Clock = SqlClock.TimeProvider }, time);
        var x = new StockKey("x");
        var y = new StockKey("y");
        await a.ReceiveAsync(new ReceiveRequest(new StockLine(x, Stock)));
        await b.ReceiveAsync(new ReceiveRequest(new StockLine(y, Stock)));
        var run = Guid.NewGuid().ToString("N")[..8];

        // First run: order i dies after its tries (i % 4 == 0), after the first confirm (1), after both confirms (2), or finishes (3).
        for (var i = 0; i < Orders; i++)
        {
            var (holdA, holdB) = await TryAsync(a, x, b, y, $"{run}-{i}");
            if (i % 4 >= 1)
            {
                (await a.ConfirmAsync(holdA)).Outcome.Should().Be(HoldOutcome.Confirmed);
            }

            if (i % 4 >= 2)
            {
                (await b.ConfirmAsync(holdB)).Outcome.Should().Be(HoldOutcome.Confirmed);
            }
        }

        // The coordinator stays away past the holds' expiry; meanwhile another buyer takes units the dead holds kept.
        time.Advance(Ttl + TimeSpan.FromSeconds(1));
        (await b.DeductAsync(new DeductRequest(new StockLine(y, 5)) { Reference = "walk-in" })).Succeeded.Should().BeTrue();

        var sold = new bool[Orders];
        for (var pass = 0; pass < 2; pass++)
        {
            for (var i = 0; i < Orders; i++)
            {
                sold[i] = await RecoverAsync(a, x, b, y, $"{run}-{i}");
            }
        }

        var expectedSold = Enumerable.Range(0, Orders).Select(i => i % 4 >= 2).ToArray();
        sold.Should().Equal(expectedSold, "an order both of whose confirms landed before the expiry is sold; any other is not");
        var orders = expectedSold.Count(s => s);
        (await a.GetLevelAsync(x))!.Should().BeEquivalentTo(new { OnHand = Stock - (2L * orders), Reserved = 0L });
        (await b.GetLevelAsync(y))!.Should().BeEquivalentTo(new { OnHand = Stock - (3L * orders) - 5, Reserved = 0L });
        foreach (var schema in _schemas)
        {
            var report = await StockAudit.RunAsync(new PostgreSqlStockServer(schema).Tables, time.GetUtcNow());
            report.Violations.Should().BeEmpty(report.ToString());
        }
    }

    /// <summary>The tries: one hold per service, each keyed by the order and the service.</summary>
    private static async Task<(Guid A, Guid B)> TryAsync(IStockStore a, StockKey x, IStockStore b, StockKey y, string order)
    {
        var heldA = await a.ReserveAsync(new ReserveRequest(Ttl, new StockLine(x, 2)) { IdempotencyKey = $"{order}-try-a", Reference = order });
        var heldB = await b.ReserveAsync(new ReserveRequest(Ttl, new StockLine(y, 3)) { IdempotencyKey = $"{order}-try-b", Reference = order });
        return (heldA.Hold!.Id, heldB.Hold!.Id);
    }

    /// <summary>Runs an order again from the start: confirm both, or cancel both (an expired hold gave its units back already; a confirmed one's units are returned).</summary>
    private static async Task<bool> RecoverAsync(IStockStore a, StockKey x, IStockStore b, StockKey y, string order)
    {
        var (holdA, holdB) = await TryAsync(a, x, b, y, order);
        var confirmedA = await a.ConfirmAsync(holdA);
        var confirmedB = await b.ConfirmAsync(holdB);
        if (confirmedA.Outcome == HoldOutcome.Confirmed && confirmedB.Outcome == HoldOutcome.Confirmed)
        {
            return true;
        }

        foreach (var (store, result, service) in new[] { (a, confirmedA, "a"), (b, confirmedB, "b") })
        {
            if (result.Outcome == HoldOutcome.Confirmed)
            {
                await store.ReturnAsync(new HoldReturnRequest(result.Hold.Id, $"{order}-cancel-{service}", result.ConfirmedLines) { Reference = order });
            }
        }

        return false;
    }
}
