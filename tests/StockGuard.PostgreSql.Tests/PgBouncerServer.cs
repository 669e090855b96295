using Npgsql;
using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>
/// PgBouncer in transaction pooling mode in front of the test server (eng/servers.sh starts it): connection string from
/// STOCKGUARD_PGBOUNCER, loopback default. Each transaction may run on another server session.
/// </summary>
internal static class PgBouncerServer
{
    public const string Variable = "STOCKGUARD_PGBOUNCER";

    public static string ConnectionString { get; } = TestServers.ConnectionString(Variable, "Host=127.0.0.1;Port=6432;Username=stockguard;Password=stockguard;Database=stockguard");

    public static string Describe()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        return $"PgBouncer at {builder.Host}:{builder.Port}";
    }

    /// <summary>Connects once through the pooler, or skips (fails under STOCKGUARD_REQUIRE_SERVERS=1) when it is unreachable.</summary>
    public static async Task EnsureReachableAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        try
        {
            await connection.OpenAsync();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
        {
            TestServers.Unavailable(Describe(), Variable, ex);
            throw;
        }
    }
}
