using System.Text;
using MySqlConnector;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// MySQL/MariaDB without the library, on its own table in database <c>stockguard_bench</c> (or the one given) so that it never touches
/// the library's tables. Each client holds one connection and its prepared statements for the whole cell.
/// <list type="bullet">
/// <item><c>raw</c>: the conditional decrement in one autocommitted statement; without <c>RETURNING</c>, one
/// affected row means granted.</item>
/// <item><c>ledger</c>: in one transaction, the same decrement and, when it was granted, a row in a movement ledger:
/// prepared statements, the least a hand-written shop that records its sales sends.</item>
/// <item><c>naive</c>: read the level, and if enough write the new one: the check-then-write that oversells.</item>
/// </list>
/// </summary>
internal sealed class MySqlBaselineTarget(string name, BaselineKind kind, string connectionString, string schema = "stockguard_bench") : ILoadTarget
{
    private readonly string _table = schema + ".stock";
    private readonly string _ledger = schema + ".movements";
    private const int RowsPerInsert = 1_000;

    // A client's session lives for one cell only, as the library store's pool does (it is disposed with the store after
    // every cell): every cell of every target starts on new server sessions, none on sessions an earlier cell warmed.
    private readonly string _clientConnectionString = new MySqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    private string[] _skus = [];

    public string Name => name;

    public bool ExpectedToOversell => kind == BaselineKind.Naive;

    public bool ReportsRetries => false;

    public string? Server { get; private set; }

    public async Task PrepareAsync(string cellId, int skuCount, int stockPerSku, CancellationToken cancellationToken)
    {
        _skus = CellSkus.All(cellId, skuCount);

        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        Server = $"MySQL-compatible {connection.ServerVersion}";
        await ExecuteAsync(
            connection,
            $"""
            CREATE DATABASE IF NOT EXISTS {schema};
            CREATE TABLE IF NOT EXISTS {_table} (sku VARCHAR(64) NOT NULL PRIMARY KEY, on_hand BIGINT NOT NULL) ENGINE=InnoDB;
            CREATE TABLE IF NOT EXISTS {_ledger} (
                id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, occurred_at DATETIME(6) NOT NULL, sku VARCHAR(64) NOT NULL, delta BIGINT NOT NULL,
                KEY movements_by_sku (sku, id)) ENGINE=InnoDB;
            TRUNCATE TABLE {_table};
            TRUNCATE TABLE {_ledger};
            """,
            cancellationToken);

        // The SKUs are the harness's own "<cell>-<digits>" names, so literal values are safe here.
        foreach (var chunk in _skus.Chunk(RowsPerInsert))
        {
            var sql = new StringBuilder($"INSERT INTO {_table} (sku, on_hand) VALUES ");
            for (var i = 0; i < chunk.Length; i++)
            {
                sql.Append(i == 0 ? "" : ",").Append("('").Append(chunk[i]).Append("',").Append(stockPerSku).Append(')');
            }

            await ExecuteAsync(connection, sql.ToString(), cancellationToken);
        }

        await MySqlCellStart.SettleAsync(name, [_table, _ledger], cancellationToken);
    }

    public async Task<ILoadClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var connection = new MySqlConnection(_clientConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
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
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return await BaselineLevels.ReadAsync(connection, $"SELECT sku, on_hand FROM {_table}", _skus, cancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static async Task ExecuteAsync(MySqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private sealed class RawClient : ILoadClient
    {
        private readonly MySqlConnection _connection;
        private readonly string[] _skus;
        private readonly MySqlCommand _decrement;
        private readonly MySqlCommand? _record;
        private readonly MySqlParameter _sku = new("@s", MySqlDbType.VarChar);
        private readonly MySqlParameter _quantity = new("@q", MySqlDbType.Int64);
        private readonly MySqlParameter _recordSku = new("@s", MySqlDbType.VarChar);
        private readonly MySqlParameter _recordQuantity = new("@q", MySqlDbType.Int64);

        private RawClient(MySqlConnection connection, string[] skus, string? ledger, string table)
        {
            _connection = connection;
            _skus = skus;
            _decrement = new MySqlCommand($"UPDATE {table} SET on_hand = on_hand - @q WHERE sku = @s AND on_hand >= @q", connection);
            _decrement.Parameters.Add(_quantity);
            _decrement.Parameters.Add(_sku);
            if (ledger is not null)
            {
                _record = new MySqlCommand($"INSERT INTO {ledger} (occurred_at, sku, delta) VALUES (NOW(6), @s, 0 - @q)", connection);
                _record.Parameters.Add(_recordSku);
                _record.Parameters.Add(_recordQuantity);
            }
        }

        public static async Task<ILoadClient> CreateAsync(MySqlConnection connection, string[] skus, string? ledger, string table, CancellationToken cancellationToken)
        {
            var client = new RawClient(connection, skus, ledger, table);
            await client._decrement.PrepareAsync(cancellationToken);
            if (client._record is not null)
            {
                await client._record.PrepareAsync(cancellationToken);
            }

            return client;
        }

        public async Task<bool> DeductAsync(int sku, int quantity, CancellationToken cancellationToken)
        {
            _sku.Value = _skus[sku];
            _quantity.Value = (long)quantity;
            if (_record is null)
            {
                // InnoDB re-reads the locked row's latest version for the UPDATE's WHERE: one affected row means granted.
                return await _decrement.ExecuteNonQueryAsync(cancellationToken) == 1;
            }

            await using var transaction = await _connection.BeginTransactionAsync(cancellationToken);
            _decrement.Transaction = transaction;
            if (await _decrement.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                return false; // nothing written: the transaction is rolled back when disposed
            }

            _recordSku.Value = _sku.Value;
            _recordQuantity.Value = _quantity.Value;
            _record.Transaction = transaction;
            await _record.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return true;
        }

        public async ValueTask DisposeAsync()
        {
            await _decrement.DisposeAsync();
            if (_record is not null)
            {
                await _record.DisposeAsync();
            }

            await _connection.DisposeAsync();
        }
    }

    private sealed class NaiveClient : ILoadClient
    {
        private readonly MySqlConnection _connection;
        private readonly string[] _skus;
        private readonly MySqlCommand _read;
        private readonly MySqlCommand _write;
        private readonly MySqlParameter _readSku = new("@s", MySqlDbType.VarChar);
        private readonly MySqlParameter _writeSku = new("@s", MySqlDbType.VarChar);
        private readonly MySqlParameter _newLevel = new("@n", MySqlDbType.Int64);

        private NaiveClient(MySqlConnection connection, string[] skus, string table)
        {
            _connection = connection;
            _skus = skus;
            _read = new MySqlCommand($"SELECT on_hand FROM {table} WHERE sku = @s", connection);
            _read.Parameters.Add(_readSku);
            _write = new MySqlCommand($"UPDATE {table} SET on_hand = @n WHERE sku = @s", connection);
            _write.Parameters.Add(_newLevel);
            _write.Parameters.Add(_writeSku);
        }

        public static async Task<ILoadClient> CreateAsync(MySqlConnection connection, string[] skus, string table, CancellationToken cancellationToken)
        {
            var client = new NaiveClient(connection, skus, table);
            await client._read.PrepareAsync(cancellationToken);
            await client._write.PrepareAsync(cancellationToken);
            return client;
        }

        public async Task<bool> DeductAsync(int sku, int quantity, CancellationToken cancellationToken)
        {
            _readSku.Value = _skus[sku];
            var onHand = Convert.ToInt64(await _read.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
            if (onHand < quantity)
            {
                return false;
            }

            // The race on purpose: another client may have written between the read and this write.
            _writeSku.Value = _skus[sku];
            _newLevel.Value = onHand - quantity;
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
