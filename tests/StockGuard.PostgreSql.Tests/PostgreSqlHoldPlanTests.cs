using FluentAssertions;
using Npgsql;
using NUnit.Framework;

namespace StockGuard.PostgreSql.Tests;

/// <summary>
/// How the one-command confirm and release find their hold: by its primary key, never by a scan of the partial indexes
/// of active holds or open lines, which keep an entry for every hold changed since the table's last vacuum (so such a
/// scan for one hold grows with the holds placed recently). Both the generic plan (a prepared statement's, after its
/// first executions) and the custom one.
/// </summary>
[TestFixture]
public sealed class PostgreSqlHoldPlanTests : PostgreSqlFixture
{
    [Test]
    public async Task The_one_command_confirm_and_release_look_the_hold_and_its_lines_up_by_the_hold_id()
    {
        await using var store = CreateStore();
        var key = await StockedAsync(store, 1_000);
        for (var i = 0; i < 500; i++)
        {
            var placed = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 1)))).Hold!;
            (await store.ConfirmAsync(placed.Id)).Outcome.Should().Be(HoldOutcome.Confirmed);
        }

        // Statistics taken with nothing on hold, as autovacuum takes them between a shop's busy times: the partial
        // indexes then look empty to the planner, and cheaper than the primary keys.
        await using var connection = await OpenAsync();
        await Exec(connection, $"ANALYZE \"{Schema}\".stock_holds, \"{Schema}\".stock_hold_lines");
        var hold = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 1)))).Hold!;
        var dialect = new PostgreSqlDialect(Schema, new PostgreSqlConnections(Provider.DataSource, PostgreSqlPooling.Auto));

        var statements = dialect.ConfirmHoldOne.Concat(dialect.ReleaseHoldOne).ToList();
        foreach (var mode in new[] { "force_generic_plan", "force_custom_plan" })
        {
            await Exec(connection, $"SET plan_cache_mode = {mode}");
            for (var i = 0; i < statements.Count; i++)
            {
                var name = $"hold_plan_{i}";
                await Exec(connection, $"PREPARE {name}(uuid, timestamptz, text) AS {statements[i]}");
                var plan = await ExplainAsync(connection, $"EXPLAIN EXECUTE {name}('{hold.Id}', '{Time.GetUtcNow():O}', '{Schema}')");
                await Exec(connection, $"DEALLOCATE {name}");

                plan.Should().NotContain("stock_holds_active_by_expiry", $"statement {i} ({mode}) looks the hold up by its key").And
                    .NotContain("stock_hold_lines_open_by_item", $"statement {i} ({mode}) looks the hold's lines up by its key");
            }
        }
    }

    private static async Task<string> ExplainAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
