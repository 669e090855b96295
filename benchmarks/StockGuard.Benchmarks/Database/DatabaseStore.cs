namespace StockGuard.Benchmarks.Database;

/// <summary>The database store a benchmark of <see cref="DatabaseDeductBenchmarks"/> runs against.</summary>
public enum DatabaseStore
{
    /// <summary>PostgreSqlStockStore, built from the connection string with its own pool.</summary>
    PostgreSql,

    /// <summary>MySqlStockStore (MariaDB here), with its own pool.</summary>
    MySql,

    /// <summary>SqliteStockStore on a new WAL file in the temp folder.</summary>
    Sqlite,
}
