using Npgsql;
using NpgsqlTypes;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// PostgreSQL without the library, on its own table in schema <c>stockguard_bench</c> (or the one given) so that it never touches the
/// library's tables. Each client holds one connection and its prepared statements for the whole cell, as a
/// hand-written service with a connection per worker would.
/// <list type="bullet">
/// <item><c>raw</c>: the conditional decrement in one autocommitted statement, the ceiling for the library's overhead.</item>
/// <item><c>ledger</c>: the same decrement and, in the same transaction, a row in a movement ledger: one prepared
/// statement (a data-modifying CTE), the least a hand-written shop that records its sales can send.</item>
/// <item><c>naive</c>: read the level, and if enough write the new one: the check-then-write that oversells.</item>
/// </list>
/// </summary>
internal sealed class PostgresBaselineTarget(string name, BaselineKind kind, NpgsqlDataSource dataSource, string schema = "stockguard_bench") : ILoadTarget
{
    private readonly string _table = schema + ".stock";
    private readonly string _ledger = schema + ".movements";

    private string[] _skus = [];

    public string Name => name;

    public bool ExpectedToOversell => kind == BaselineKind.Naive;

    public bool ReportsRetries => false;

    public string? Server { get; private set; }

    /// <summary>The SKUs of the cell's items, by item index.</summary>
    public IReadOnlyList<string> Skus => _skus;

    public async Task PrepareAsync(string cellId, int skuCount, int stockPerSku, CancellationToken cancellationToken)
    {
        _skus = CellSkus.All(cellId, skuCount);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        Server = $"PostgreSQL {connection.PostgreSqlVersion}";
        await using var command = new NpgsqlCommand(
            $"""
            CREATE SCHEMA IF NOT EXISTS {schema};
            CREATE TABLE IF NOT EXISTS {_table} (sku text PRIMARY KEY, on_hand bigint NOT NULL);
            CREATE TABLE IF NOT EXISTS {_ledger} (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, occurred_at timestamptz NOT NULL, sku text NOT NULL, delta bigint NOT NULL);
            CREATE INDEX IF NOT EXISTS movements_by_sku ON {_ledger} (sku, id);
            TRUNCATE {_table}, {_ledger};
            INSERT INTO {_table} (sku, on_hand) SELECT unnest(@skus), @stock;
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<string[]>("skus", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = _skus });
        command.Parameters.Add(new NpgsqlParameter<long>("stock", NpgsqlDbType.Bigint) { TypedValue = stockPerSku });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<ILoadClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            return kind == BaselineKind.Naive
                ? await NaiveClient.CreateAsync(connection, _skus, _table, cancellationToken)
                : await RawClient.CreateAsync(connection, _skus, kind == BaselineKind.Ledger ? _ledger : null, _table, cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<long[]> ReadLevelsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await BaselineLevels.ReadAsync(connection, $"SELECT sku, on_hand FROM {_table}", _skus, cancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class RawClient : ILoadClient
    {
        private readonly NpgsqlConnection _connection;
        private readonly string[] _skus;
        private readonly NpgsqlCommand _decrement;
        private readonly NpgsqlParameter<string> _sku = new("s", NpgsqlDbType.Text);
        private readonly NpgsqlParameter<long> _quantity = new("q", NpgsqlDbType.Bigint);

        private RawClient(NpgsqlConnection connection, string[] skus, string? ledger, string table)
        {
            _connection = connection;
            _skus = skus;
            var decrement = $"UPDATE {table} SET on_hand = on_hand - @q WHERE sku = @s AND on_hand >= @q RETURNING on_hand";
            _decrement = new NpgsqlCommand(
                ledger is not null
                    ? $"WITH changed AS ({decrement}), moved AS (INSERT INTO {ledger} (occurred_at, sku, delta) SELECT now(), @s, -@q FROM changed) SELECT on_hand FROM changed"
                    : decrement,
                connection);
            _decrement.Parameters.Add(_quantity);
            _decrement.Parameters.Add(_sku);
        }

        public static async Task<ILoadClient> CreateAsync(NpgsqlConnection connection, string[] skus, string? ledger, string table, CancellationToken cancellationToken)
        {
            var client = new RawClient(connection, skus, ledger, table);
            await client._decrement.PrepareAsync(cancellationToken);
            return client;
        }

        public async Task<bool> DeductAsync(int sku, int quantity, CancellationToken cancellationToken)
        {
            _sku.TypedValue = _skus[sku];
            _quantity.TypedValue = quantity;

            // PostgreSQL re-checks the WHERE on the newest row version after waiting for the row lock: no oversell.
            // With the ledger, the movement is written by the same statement, so in the same transaction.
            return await _decrement.ExecuteScalarAsync(cancellationToken) is not null;
        }

        public async ValueTask DisposeAsync()
        {
            await _decrement.DisposeAsync();
            await _connection.DisposeAsync();
        }
    }

    private sealed class NaiveClient : ILoadClient
    {
        private readonly NpgsqlConnection _connection;
        private readonly string[] _skus;
        private readonly NpgsqlCommand _read;
        private readonly NpgsqlCommand _write;
        private readonly NpgsqlParameter<string> _readSku = new("s", NpgsqlDbType.Text);
        private readonly NpgsqlParameter<string> _writeSku = new("s", NpgsqlDbType.Text);
        private readonly NpgsqlParameter<long> _newLevel = new("n", NpgsqlDbType.Bigint);

        private NaiveClient(NpgsqlConnection connection, string[] skus, string table)
        {
            _connection = connection;
            _skus = skus;
            _read = new NpgsqlCommand($"SELECT on_hand FROM {table} WHERE sku = @s", connection);
            _read.Parameters.Add(_readSku);
            _write = new NpgsqlCommand($"UPDATE {table} SET on_hand = @n WHERE sku = @s", connection);
            _write.Parameters.Add(_newLevel);
            _write.Parameters.Add(_writeSku);
        }

        public static async Task<ILoadClient> CreateAsync(NpgsqlConnection connection, string[] skus, string table, CancellationToken cancellationToken)
        {
            var client = new NaiveClient(connection, skus, table);
            await client._read.PrepareAsync(cancellationToken);
            await client._write.PrepareAsync(cancellationToken);
            return client;
        }

        public async Task<bool> DeductAsync(int sku, int quantity, CancellationToken cancellationToken)
        {
            _readSku.TypedValue = _skus[sku];
            var onHand = (long)(await _read.ExecuteScalarAsync(cancellationToken))!;
            if (onHand < quantity)
            {
                return false;
            }

            // The race on purpose: another client may have written between the read and this write.
            _writeSku.TypedValue = _skus[sku];
            _newLevel.TypedValue = onHand - quantity;
            await _write.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }

        public async ValueTask DisposeAsync()
        {
            await _read.DisposeAsync();
            await _write.DisposeAsync();
            await _connection.DisposeAsync();
        }
    }
}
