using Microsoft.Data.Sqlite;

namespace StockGuard.Sqlite.Tests;

/// <summary>A database file in a directory of its own under the temporary folder, deleted with the directory on dispose.</summary>
internal sealed class SqliteTestFile : IDisposable
{
    public SqliteTestFile()
    {
        Directory = Path.Combine(Path.GetTempPath(), "stockguard-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        ConnectionString = $"Data Source={Path.Combine(Directory, "stock.db")}";
    }

    /// <summary>The directory that holds the file (and its WAL and shared-memory files).</summary>
    public string Directory { get; }

    /// <summary>Opens <c>stock.db</c> in <see cref="Directory"/>.</summary>
    public string ConnectionString { get; }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
