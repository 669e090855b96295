using System.Reflection;
using System.Text;
using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Tests;

/// <summary>
/// Every SQL statement each engine's store sends, as the store builds it, written to <c>docs/sql/ENGINE.sql</c>: a
/// reviewer reads one engine's SQL top to bottom in one file, and any change to it shows in the diff. A change that
/// alters a statement fails here until the golden file is rewritten with <c>STOCKGUARD_ACCEPT_SQL=1 dotnet test
/// tests/StockGuard.Tests --filter SqlGoldenFileTests</c> and the new text is reviewed.
/// </summary>
public sealed class SqlGoldenFileTests
{
    private const string AcceptVariable = "STOCKGUARD_ACCEPT_SQL";

    private static readonly DateTimeOffset At = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Each engine's store as <c>new …StockStore(connectionString)</c> builds it, with its default options; nothing connects.</summary>
    public static IEnumerable<TestCaseData> Engines()
    {
        yield return new TestCaseData("postgresql", (Func<IStockStore>)(() => new PostgreSql.PostgreSqlStockStore("Host=127.0.0.1;Database=stockguard")));
        yield return new TestCaseData("mysql", (Func<IStockStore>)(() => new MySql.MySqlStockStore("Server=127.0.0.1;Database=stockguard")));
        yield return new TestCaseData("sqlite", (Func<IStockStore>)(() => new Sqlite.SqliteStockStore("Data Source=stockguard-golden.db")));
    }

    [TestCaseSource(nameof(Engines))]
    public async Task The_SQL_of_each_engine_matches_its_golden_file(string engine, Func<IStockStore> create)
    {
        var store = create();
        await using var disposal = (IAsyncDisposable)store;
        var dialect = store.GetType().GetProperty("Dialect", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(store)!;
        var text = Render(engine, dialect);
        var path = Path.Combine(Repository.Root, "docs", "sql", engine + ".sql");
        if (Environment.GetEnvironmentVariable(AcceptVariable) is "1" or "true")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, text);
        }

        File.Exists(path).Should().BeTrue($"docs/sql/{engine}.sql holds the engine's SQL; write it with {AcceptVariable}=1");
        (await File.ReadAllTextAsync(path)).Should().Be(text, $"the {engine} SQL changed: review it and rewrite docs/sql/{engine}.sql with {AcceptVariable}=1");
    }

    private static string Render(string engine, object dialect)
    {
        var text = new StringBuilder()
            .Append("-- Every statement the ").Append(engine).Append(" store sends with its default options, as the store builds it.\n")
            .Append("-- Written by tests/StockGuard.Tests/SqlGoldenFileTests.cs; do not edit by hand.\n");
        foreach (var (name, sql) in Statements(dialect))
        {
            text.Append("\n-- ").Append(name).Append('\n').Append(sql is null ? "-- (none on this engine)\n" : sql.TrimEnd() + ";\n");
        }

        return text.ToString();
    }

    /// <summary>
    /// Each public string property of the dialect (statement text, and table names), each batch of statements (one per
    /// line), and each public method that builds
    /// a <c>SqlCall</c>, called with two rows of sample arguments. Ordered by name, so that the file reads the same
    /// whatever order the members are declared in.
    /// </summary>
    private static IEnumerable<(string Name, string? Sql)> Statements(object dialect)
    {
        var type = dialect.GetType();
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.PropertyType == typeof(string) && !NotStatements.Contains(p.Name))
            .Select(p => (p.Name, Sql: (string?)p.GetValue(dialect)));
        var batches = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.PropertyType == typeof(IReadOnlyList<string>))
            .Select(p => (p.Name, Sql: p.GetValue(dialect) is IReadOnlyList<string> batch ? string.Join(";\n", batch) : null));
        var calls = type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.ReturnType.Name == "SqlCall")
            .Select(m => (m.Name, Sql: (string?)m.ReturnType.GetProperty("Sql")!.GetValue(m.Invoke(dialect, Samples(m)))));
        var texts = type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.ReturnType == typeof(string) && !m.IsSpecialName && !NotStatements.Contains(m.Name) && m.DeclaringType != typeof(object))
            .Select(m => (m.Name, Sql: (string?)m.Invoke(dialect, Samples(m))));
        return properties.Concat(batches).Concat(calls).Concat(texts).OrderBy(s => s.Name, StringComparer.Ordinal);
    }

    /// <summary>Dialect members that return text but send nothing: names, advice, the quoting rule (the schema script ships as its own file).</summary>
    private static readonly HashSet<string> NotStatements =
        ["StoreName", "Schema", "PoolerAdvice", "SchemaScript", "UpgradeScript", "UpgradeScript4", "Items", "Holds", "HoldLines", "IdempotencyKeys", "Movements", "SchemaVersions", "ChangeConsumers", "ParkedChanges", "BackorderTable", "Quote", "ToString"];

    private static object[] Samples(MethodInfo method) => [.. method.GetParameters().Select(p => Sample(p.ParameterType))];

    private static object Sample(Type type) => type switch
    {
        _ when type == typeof(DateTimeOffset) => At,
        _ when type == typeof(StockKey) => new StockKey("sku"),
        _ when type == typeof(int) => 2,
        _ when type == typeof(IReadOnlyList<long>) => new long[] { -1, -2 },
        _ when type == typeof(IReadOnlyList<string>) || type == typeof(IReadOnlyList<string?>) => new[] { "a", "b" },
        _ when type == typeof(IReadOnlyList<StockKey>) => new[] { new StockKey("a"), new StockKey("b") },
        _ when type == typeof(bool) => true,

        // Internal row types of StockGuard.Sql, made by reflection: two coalesced sales, and the row they leave.
        { Name: "LevelRow" } => Activator.CreateInstance(type)!,
        { IsGenericType: true } when type.GetGenericArguments()[0] is { Name: "SaleMovement" } sale => SaleMovements(sale),
        _ => throw new NotSupportedException($"No sample argument of type {type} for a dialect method: add one here."),
    };

    private static Array SaleMovements(Type sale)
    {
        var sales = Array.CreateInstance(sale, 2);
        sales.SetValue(Activator.CreateInstance(sale, -1L, "a", 9L, 5L), 0);
        sales.SetValue(Activator.CreateInstance(sale, -2L, "b", 7L, 6L), 1);
        return sales;
    }
}
