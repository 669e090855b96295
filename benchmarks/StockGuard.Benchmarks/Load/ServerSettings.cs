using System.Net;
using MySqlConnector;
using Npgsql;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// Where the database servers are: the same environment variables and loopback defaults as the test suites.
/// The harness refuses any other host: it is a load generator, and it only ever loads this machine.
/// </summary>
internal static class ServerSettings
{
    public const string PostgresVariable = "STOCKGUARD_POSTGRES";
    public const string MySqlVariable = "STOCKGUARD_MYSQL";
    public const string PgBouncerVariable = "STOCKGUARD_PGBOUNCER";
    public const string RequireServersVariable = "STOCKGUARD_REQUIRE_SERVERS";

    private const string PostgresDefault = "Host=127.0.0.1;Port=5432;Username=stockguard;Password=stockguard;Database=stockguard";
    private const string PgBouncerDefault = "Host=127.0.0.1;Port=6432;Username=stockguard;Password=stockguard;Database=stockguard";
    private const string MySqlDefault = "Server=127.0.0.1;Port=3306;User ID=stockguard;Password=stockguard;Database=stockguard";

    private static readonly Lazy<NpgsqlDataSource> PostgresDataSourceInstance = new(() => NpgsqlDataSource.Create(PostgresConnectionString));

    /// <summary>
    /// The schema (PostgreSQL) or database (MySQL) that the library's stores use in the harness. It is emptied before
    /// every cell, as the baselines' table is, so that no cell pays for the rows and ledger of the cells before it.
    /// STOCKGUARD_LOAD_SCHEMA names another (a plain identifier), so that runs of different schema versions on one server
    /// keep apart; default <c>stockguard_load</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The variable holds anything but ASCII letters, digits and '_'.</exception>
    public static string LoadSchema => Read(LoadSchemaVariable, "stockguard_load") is var name && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
        ? name
        : throw new ArgumentException($"{LoadSchemaVariable} must be a plain identifier: ASCII letters, digits and '_' (e.g. stockguard_load).");

    /// <summary>
    /// The schema (PostgreSQL) or database (MySQL) of the no-library baselines' own tables: <c>stockguard_bench</c>, or
    /// <c>&lt;load schema&gt;_bench</c> when STOCKGUARD_LOAD_SCHEMA names one, so that two runs on one server never empty
    /// each other's baseline tables mid-cell.
    /// </summary>
    public static string BenchSchema => Read(LoadSchemaVariable, "") is { Length: > 0 } ? LoadSchema + "_bench" : "stockguard_bench";

    /// <summary>The environment variable that names <see cref="LoadSchema"/>.</summary>
    public const string LoadSchemaVariable = "STOCKGUARD_LOAD_SCHEMA";

    /// <summary>The library's tables that hold data (all but the schema version), children before parents.</summary>
    private static readonly string[] LibraryTables = ["stock_hold_lines", "stock_holds", "stock_idempotency_keys", "stock_movements", "stock_items", "stock_change_consumers", "stock_parked_changes"];

    /// <summary>
    /// Set in a fleet's child process (<see cref="Fleet"/>): its stores attach to the items the parent stocked, so the
    /// load schema is never emptied.
    /// </summary>
    public static bool AttachOnly { get; set; }

    /// <summary>The <c>application_name</c> of the PostgreSQL connections, when set (a fleet's child process sets it).</summary>
    public static string? ApplicationName { get; set; }

    /// <summary>Whether an unreachable server fails the run instead of skipping its targets (CI sets it to 1).</summary>
    public static bool ServersRequired => Environment.GetEnvironmentVariable(RequireServersVariable) is "1" or "true";

    public static string PostgresConnectionString
    {
        get
        {
            var builder = new NpgsqlConnectionStringBuilder(Read(PostgresVariable, PostgresDefault));
            RequireLoopback(builder.Host, PostgresVariable);

            // One connection per baseline client plus the library's pool: 64 clients must never wait for the pool.
            builder.MaxPoolSize = Math.Max(builder.MaxPoolSize, 200);
            builder.ApplicationName = ApplicationName ?? builder.ApplicationName;
            return builder.ConnectionString;
        }
    }

    /// <summary>PgBouncer in transaction pooling mode in front of the PostgreSQL server (eng/servers.sh starts it on 127.0.0.1:6432).</summary>
    public static string PgBouncerConnectionString
    {
        get
        {
            var builder = new NpgsqlConnectionStringBuilder(Read(PgBouncerVariable, PgBouncerDefault));
            RequireLoopback(builder.Host, PgBouncerVariable);
            builder.MaxPoolSize = Math.Max(builder.MaxPoolSize, 200);
            builder.ApplicationName = ApplicationName ?? builder.ApplicationName;
            return builder.ConnectionString;
        }
    }

    public static string MySqlConnectionString
    {
        get
        {
            var builder = new MySqlConnectionStringBuilder(Read(MySqlVariable, MySqlDefault));
            RequireLoopback(builder.Server, MySqlVariable);
            builder.MaximumPoolSize = Math.Max(builder.MaximumPoolSize, 200);
            return builder.ConnectionString;
        }
    }

    /// <summary>One data source for every PostgreSQL target of the run, as an application would have.</summary>
    public static NpgsqlDataSource PostgresDataSource => PostgresDataSourceInstance.Value;

    /// <summary>Null when PostgreSQL answers, else why not.</summary>
    public static async Task<string?> ProbePostgresAsync(CancellationToken cancellationToken)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(PostgresConnectionString) { Timeout = 15, Pooling = false };
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            return null;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or ArgumentException)
        {
            return $"PostgreSQL is not reachable ({ex.GetType().Name}: {ex.Message}); set {PostgresVariable} or run eng/servers.sh";
        }
    }

    /// <summary>Null when PgBouncer answers, else why not.</summary>
    public static async Task<string?> ProbePgBouncerAsync(CancellationToken cancellationToken)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(PgBouncerConnectionString) { Timeout = 3, Pooling = false };
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            return null;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or ArgumentException)
        {
            return $"PgBouncer is not reachable ({ex.GetType().Name}: {ex.Message}); set {PgBouncerVariable} or run eng/servers.sh";
        }
    }

    /// <summary>Null when MySQL/MariaDB answers, else why not.</summary>
    public static async Task<string?> ProbeMySqlAsync(CancellationToken cancellationToken)
    {
        try
        {
            var builder = new MySqlConnectionStringBuilder(MySqlConnectionString) { ConnectionTimeout = 15, Pooling = false };
            await using var connection = new MySqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            return null;
        }
        catch (Exception ex) when (ex is MySqlException or TimeoutException or InvalidOperationException or ArgumentException)
        {
            return $"MySQL/MariaDB is not reachable ({ex.GetType().Name}: {ex.Message}); set {MySqlVariable} or run eng/servers.sh";
        }
    }

    /// <summary>Empties the library's tables in <see cref="LoadSchema"/> on PostgreSQL (the store has created them).</summary>
    public static Task EmptyPostgresLoadSchemaAsync(CancellationToken cancellationToken) => EmptyPostgresSchemaAsync(LoadSchema, cancellationToken);

    /// <summary>Empties the library's tables in <paramref name="schema"/> (a plain identifier) on PostgreSQL (the store has created them).</summary>
    public static async Task EmptyPostgresSchemaAsync(string schema, CancellationToken cancellationToken)
    {
        if (AttachOnly)
        {
            return;
        }

        await using var connection = await PostgresDataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"TRUNCATE {string.Join(", ", LibraryTables.Select(t => $"{schema}.{t}"))}", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Empties the library's tables in <see cref="LoadSchema"/> on MySQL/MariaDB (the store has created them).</summary>
    public static Task EmptyMySqlLoadSchemaAsync(CancellationToken cancellationToken) => EmptyMySqlSchemaAsync(LoadSchema, cancellationToken);

    /// <summary>Empties the library's tables in <paramref name="schema"/> (a plain identifier) on MySQL/MariaDB (the store has created them).</summary>
    public static async Task EmptyMySqlSchemaAsync(string schema, CancellationToken cancellationToken)
    {
        if (AttachOnly)
        {
            return;
        }

        await using var connection = new MySqlConnection(MySqlConnectionString);
        await connection.OpenAsync(cancellationToken);

        // TRUNCATE refuses a parent table while foreign keys are checked, even with its children already empty.
        var statements = LibraryTables.Select(t => $"TRUNCATE TABLE {schema}.{t};");
        await using var command = new MySqlCommand($"SET foreign_key_checks = 0; {string.Join(" ", statements)} SET foreign_key_checks = 1;", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Read(string variable, string fallback) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : fallback;

    private static void RequireLoopback(string? host, string variable)
    {
        var loopback = host is "localhost" || (host?.StartsWith('/') ?? false) || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
        if (!loopback)
        {
            throw new ArgumentException($"{variable} names host '{host}': the load harness only runs against loopback servers (127.0.0.1, ::1, localhost or a Unix socket).");
        }
    }
}
