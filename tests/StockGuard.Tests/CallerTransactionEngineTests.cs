using FluentAssertions;
using Microsoft.Data.Sqlite;
using MySqlConnector;
using Npgsql;
using NUnit.Framework;
using StockGuard.MySql;
using StockGuard.PostgreSql;
using StockGuard.Sqlite;

namespace StockGuard.Tests;

/// <summary>A caller's transaction on a connection of another engine is refused before anything runs.</summary>
public sealed class CallerTransactionEngineTests
{
    [Test]
    public async Task A_store_refuses_a_transaction_on_a_connection_of_another_engine()
    {
        var file = Path.Combine(Path.GetTempPath(), $"stockguard-engine-{Guid.NewGuid():N}.db");
        try
        {
            await using var sqlite = new SqliteConnection($"Data Source={file};Pooling=False");
            await sqlite.OpenAsync();
            await using var sqliteTransaction = await sqlite.BeginTransactionAsync();
            await using var postgres = new PostgreSqlStockStore("Host=127.0.0.1;Username=stockguard;Password=stockguard;Database=stockguard");
            await using var mysql = new MySqlStockStore("Server=127.0.0.1;User ID=stockguard;Password=stockguard;Database=stockguard");

            var onPostgres = () => postgres.InTransaction(sqlite, sqliteTransaction);
            onPostgres.Should().Throw<ArgumentException>().WithParameterName("connection").WithMessage("*SqliteConnection*NpgsqlConnection*");
            var onMySql = () => mysql.InTransaction(sqlite, sqliteTransaction);
            onMySql.Should().Throw<ArgumentException>().WithParameterName("connection").WithMessage("*SqliteConnection*MySqlConnection*");

            await using var store = new SqliteStockStore($"Data Source={file};Pooling=False");
            await using var npgsql = new NpgsqlConnection("Host=127.0.0.1");
            var onSqlite = () => store.InTransaction(npgsql, sqliteTransaction);
            onSqlite.Should().Throw<ArgumentException>().WithParameterName("connection").WithMessage("*NpgsqlConnection*SqliteConnection*");
            await sqliteTransaction.RollbackAsync();
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(file);
        }
    }
}
