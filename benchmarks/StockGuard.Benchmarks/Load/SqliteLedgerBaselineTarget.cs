using Microsoft.Data.Sqlite;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// <c>ledger-sqlite</c> and <c>ledger-sqlite+hold</c>: SQLite without the library, on a new WAL file in the temp folder
/// per cell, as the library's SQLite target. Each client holds its own connection and prepared statements; every
/// operation is one <c>BEGIN IMMEDIATE</c> transaction, and the clients queue for one in-process gate around it, as
/// the library's SQLite data source makes its callers do (SQLite has one writer at a time).
/// <list type="bullet">
/// <item>deduct: the conditional decrement of <c>on_hand</c> (and <c>version</c>) and, when granted, a movement;</item>
/// <item>hold: the conditional raise of <c>reserved</c>, the hold (id, item, units, expiry, state), a movement;</item>
/// <item>confirm: the hold finished where active and unexpired, its item's <c>on_hand</c> and <c>reserved</c>
/// lowered, a movement; release likewise without the expiry test, leaving <c>on_hand</c>;</item>
/// <item>expiry: a refused hold gives back its item's expired holds and tries once more; the sweep does it for all.</item>
/// </list>
/// The invariants kept are <see cref="PostgresCartBaselineTarget"/>'s.
/// </summary>
internal sealed class SqliteLedgerBaselineTarget(string name, bool carts) : IHoldTarget
{
    // Hold states; a movement's kind is the state its change put the hold in (Active: the hold was placed; Sale: a deduct).
    private const int Active = 0, Confirmed = 1, Released = 2, Expired = 3, Sale = 4;

    private const string Movement =
        "INSERT INTO movements (occurred_at, sku, hold_id, kind, on_hand_delta, reserved_delta, version) VALUES (@now, @s, @id, @kind, @onHand, @reserved, @version)";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private string[] _skus = [];
    private string? _file;
    private string _connectionString = "";

    public string Name => name;

    public bool ExpectedToOversell => false;

    public bool ReportsRetries => false;

    public string? Server { get; private set; }

    private static long Now => TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task PrepareAsync(string cellId, int skuCount, int stockPerSku, CancellationToken cancellationToken)
    {
        DeleteFile();
        _skus = CellSkus.All(cellId, skuCount);

        _file = Path.Combine(Path.GetTempPath(), $"stockguard-ledger-{Guid.NewGuid():N}.db");
        _connectionString = new SqliteConnectionStringBuilder { DataSource = _file, DefaultTimeout = 30 }.ToString();
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        Server = $"SQLite {connection.ServerVersion}";
        await using (var schema = connection.CreateCommand())
        {
            schema.CommandText =
                """
                PRAGMA journal_mode = WAL;
                CREATE TABLE stock (sku TEXT NOT NULL PRIMARY KEY, on_hand INTEGER NOT NULL, reserved INTEGER NOT NULL, version INTEGER NOT NULL);
                CREATE TABLE holds (id BLOB NOT NULL PRIMARY KEY, sku TEXT NOT NULL, quantity INTEGER NOT NULL, expires_at INTEGER NOT NULL, state INTEGER NOT NULL);
                CREATE INDEX holds_by_expiry ON holds (expires_at);
                CREATE TABLE movements (
                    id INTEGER PRIMARY KEY, occurred_at INTEGER NOT NULL, sku TEXT NOT NULL, hold_id BLOB NULL, kind INTEGER NOT NULL,
                    on_hand_delta INTEGER NOT NULL, reserved_delta INTEGER NOT NULL, version INTEGER NOT NULL);
                CREATE INDEX movements_by_sku ON movements (sku, id);
                """;
            await schema.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var transaction = connection.BeginTransaction();
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO stock (sku, on_hand, reserved, version) VALUES (@s, @stock, 0, 1)";
        var sku = insert.Parameters.Add("@s", SqliteType.Text);
        insert.Parameters.AddWithValue("@stock", (long)stockPerSku);
        foreach (var item in _skus)
        {
            sku.Value = item;
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<ILoadClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            var client = new Client(this, connection);
            return carts ? client : new DeductClient(client);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<(long Swept, long ReservedLeft)> SweepAsync(CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var client = new Client(this, connection);
        var swept = await client.ExpireAsync(sku: null, cancellationToken);
        await using var reserved = new SqliteConnection(_connectionString);
        await reserved.OpenAsync(cancellationToken);
        await using var command = reserved.CreateCommand();
        command.CommandText = "SELECT COALESCE(SUM(reserved), 0) FROM stock";
        return (swept, (long)(await command.ExecuteScalarAsync(cancellationToken))!);
    }

    public async Task<long[]> ReadLevelsAsync(CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return await BaselineLevels.ReadAsync(connection, "SELECT sku, on_hand FROM stock", _skus, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        DeleteFile();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }

    private void DeleteFile()
    {
        if (_file is null)
        {
            return;
        }

        using (var connection = new SqliteConnection(_connectionString))
        {
            SqliteConnection.ClearPool(connection);
        }

        foreach (var path in new[] { _file, _file + "-wal", _file + "-shm" })
        {
            File.Delete(path);
        }

        _file = null;
    }

    /// <summary>A deduct client: the same session, without the cart interface, so that the runner sends it deducts.</summary>
    private sealed class DeductClient(Client client) : ILoadClient
    {
        public Task<bool> DeductAsync(int sku, int quantity, CancellationToken cancellationToken) => client.DeductAsync(sku, quantity, cancellationToken);

        public ValueTask DisposeAsync() => client.DisposeAsync();
    }

    private sealed class Client : IHoldClient
    {
        private readonly SqliteLedgerBaselineTarget _target;
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _deduct;
        private readonly SqliteCommand _reserve;
        private readonly SqliteCommand _insertHold;
        private readonly SqliteCommand _finish;
        private readonly SqliteCommand _finishUnexpired;
        private readonly SqliteCommand _finishExpired;
        private readonly SqliteCommand _change;
        private readonly SqliteCommand _movement;
        private readonly SqliteCommand _expiredOfItem;
        private readonly SqliteCommand _expiredOfAll;
        private readonly SqliteCommand _state;

        public Client(SqliteLedgerBaselineTarget target, SqliteConnection connection)
        {
            _target = target;
            _connection = connection;
            _deduct = Command("UPDATE stock SET on_hand = on_hand - @q, version = version + 1 WHERE sku = @s AND on_hand - reserved >= @q RETURNING version", "@q", "@s");
            _reserve = Command("UPDATE stock SET reserved = reserved + @q, version = version + 1 WHERE sku = @s AND on_hand - reserved >= @q RETURNING version", "@q", "@s");
            _insertHold = Command($"INSERT INTO holds (id, sku, quantity, expires_at, state) VALUES (@id, @s, @q, @expires, {Active})", "@id", "@s", "@q", "@expires");
            _finish = Command($"UPDATE holds SET state = @state WHERE id = @id AND state = {Active} RETURNING sku, quantity", "@state", "@id");
            _finishUnexpired = Command($"UPDATE holds SET state = @state WHERE id = @id AND state = {Active} AND expires_at > @now RETURNING sku, quantity", "@state", "@id", "@now");
            _finishExpired = Command($"UPDATE holds SET state = @state WHERE id = @id AND state = {Active} AND expires_at <= @now RETURNING sku, quantity", "@state", "@id", "@now");
            _change = Command("UPDATE stock SET on_hand = on_hand + @onHand, reserved = reserved + @reserved, version = version + 1 WHERE sku = @s RETURNING version", "@onHand", "@reserved", "@s");
            _movement = Command(Movement, "@now", "@s", "@id", "@kind", "@onHand", "@reserved", "@version");
            _expiredOfItem = Command($"SELECT id FROM holds WHERE expires_at <= @now AND state = {Active} AND sku = @s", "@now", "@s");
            _expiredOfAll = Command($"SELECT id FROM holds WHERE expires_at <= @now AND state = {Active}", "@now");
            _state = Command("SELECT state, expires_at <= @now FROM holds WHERE id = @id", "@now", "@id");
        }

        private SqliteCommand Command(string sql, params string[] parameters)
        {
            var command = _connection.CreateCommand();
            command.CommandText = sql;
            foreach (var parameter in parameters)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = parameter });
            }

            command.Prepare();
            return command;
        }

        private SqliteCommand[] Commands => [_deduct, _reserve, _insertHold, _finish, _finishUnexpired, _finishExpired, _change, _movement, _expiredOfItem, _expiredOfAll, _state];

        public Task<bool> DeductAsync(int sku, int quantity, CancellationToken cancellationToken) =>
            InTransactionAsync(async transaction =>
            {
                var version = await ScalarAsync(_deduct, transaction, quantity, _target._skus[sku]);
                if (version is null)
                {
                    return false;
                }

                await MovementAsync(transaction, _target._skus[sku], null, Sale, -quantity, 0, version.Value);
                return true;
            }, cancellationToken);

        public async Task<Guid?> ReserveAsync(int sku, int quantity, TimeSpan timeToLive, CancellationToken cancellationToken)
        {
            var id = Guid.CreateVersion7();
            if (await TryReserveAsync(id, _target._skus[sku], quantity, timeToLive, cancellationToken))
            {
                return id;
            }

            // Short on the stored counts: expired holds never block a buyer, so give this item's back and try again.
            return await ExpireAsync(_target._skus[sku], cancellationToken) > 0 && await TryReserveAsync(id, _target._skus[sku], quantity, timeToLive, cancellationToken)
                ? id
                : null;
        }

        private Task<bool> TryReserveAsync(Guid id, string sku, int quantity, TimeSpan timeToLive, CancellationToken cancellationToken) =>
            InTransactionAsync(async transaction =>
            {
                var version = await ScalarAsync(_reserve, transaction, quantity, sku);
                if (version is null)
                {
                    return false;
                }

                var key = id.ToByteArray(bigEndian: true);
                await ExecuteAsync(_insertHold, transaction, key, sku, quantity, Now + (long)timeToLive.TotalMilliseconds);
                await MovementAsync(transaction, sku, key, Active, 0, quantity, version.Value);
                return true;
            }, cancellationToken);

        public async Task<bool> ConfirmAsync(Guid hold, CancellationToken cancellationToken)
        {
            if (await FinishAsync(hold.ToByteArray(bigEndian: true), Confirmed, _finishUnexpired, cancellationToken))
            {
                return true;
            }

            await EnsureExpiredAsync(hold, "confirm", cancellationToken);
            return false;
        }

        public async Task ReleaseAsync(Guid hold, CancellationToken cancellationToken)
        {
            if (!await FinishAsync(hold.ToByteArray(bigEndian: true), Released, _finish, cancellationToken))
            {
                await EnsureExpiredAsync(hold, "release", cancellationToken);
            }
        }

        /// <summary>Finishes the expired active holds of <paramref name="sku"/>, or of every item when null, one transaction each.</summary>
        public async Task<long> ExpireAsync(string? sku, CancellationToken cancellationToken)
        {
            var find = sku is null ? _expiredOfAll : _expiredOfItem;
            find.Parameters[0].Value = Now;
            if (sku is not null)
            {
                find.Parameters[1].Value = sku;
            }

            var ids = new List<byte[]>();
            await using (var reader = await find.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    ids.Add(reader.GetFieldValue<byte[]>(0));
                }
            }

            long expired = 0;
            foreach (var id in ids)
            {
                expired += await FinishAsync(id, Expired, _finishExpired, cancellationToken) ? 1 : 0;
            }

            return expired;
        }

        /// <summary>One transaction: the hold finished by <paramref name="finish"/> when it qualifies, its item changed, a movement.</summary>
        private Task<bool> FinishAsync(byte[] id, int state, SqliteCommand finish, CancellationToken cancellationToken) =>
            InTransactionAsync(async transaction =>
            {
                finish.Transaction = transaction;
                finish.Parameters[0].Value = state;
                finish.Parameters[1].Value = id;
                if (finish.Parameters.Count > 2)
                {
                    finish.Parameters[2].Value = Now;
                }

                string sku;
                long quantity;
                await using (var reader = await finish.ExecuteReaderAsync(cancellationToken))
                {
                    if (!await reader.ReadAsync(cancellationToken))
                    {
                        return false;
                    }

                    (sku, quantity) = (reader.GetString(0), reader.GetInt64(1));
                }

                var onHand = state == Confirmed ? -quantity : 0;
                var version = (await ScalarAsync(_change, transaction, onHand, -quantity, sku))!.Value;
                await MovementAsync(transaction, sku, id, state, onHand, -quantity, version);
                return true;
            }, cancellationToken);

        private async Task EnsureExpiredAsync(Guid hold, string step, CancellationToken cancellationToken)
        {
            _state.Transaction = null;
            _state.Parameters[0].Value = Now;
            _state.Parameters[1].Value = hold.ToByteArray(bigEndian: true);
            await using var reader = await _state.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                var state = reader.GetInt64(0);
                if (state == Expired || (state == Active && reader.GetInt64(1) == 1))
                {
                    return;
                }

                throw new InvalidOperationException($"{step}: hold {hold} is in state {state}, not active.");
            }

            throw new InvalidOperationException($"{step}: no hold {hold}.");
        }

        /// <summary>Runs <paramref name="work"/> in a <c>BEGIN IMMEDIATE</c> transaction behind the target's gate; commits unless it returns false.</summary>
        private async Task<bool> InTransactionAsync(Func<SqliteTransaction, Task<bool>> work, CancellationToken cancellationToken)
        {
            await _target._gate.WaitAsync(cancellationToken);
            try
            {
                await using var transaction = _connection.BeginTransaction(deferred: false);
                if (!await work(transaction))
                {
                    return false; // nothing written: rolled back when disposed
                }

                await transaction.CommitAsync(cancellationToken);
                return true;
            }
            finally
            {
                _target._gate.Release();
            }
        }

        private static async Task<long?> ScalarAsync(SqliteCommand command, SqliteTransaction transaction, params object[] values)
        {
            command.Transaction = transaction;
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters[i].Value = values[i];
            }

            return await command.ExecuteScalarAsync() is long value ? value : null;
        }

        private static async Task ExecuteAsync(SqliteCommand command, SqliteTransaction transaction, params object[] values)
        {
            command.Transaction = transaction;
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters[i].Value = values[i];
            }

            await command.ExecuteNonQueryAsync();
        }

        private Task MovementAsync(SqliteTransaction transaction, string sku, byte[]? hold, int kind, long onHand, long reserved, long version) =>
            ExecuteAsync(_movement, transaction, Now, sku, (object?)hold ?? DBNull.Value, kind, onHand, reserved, version);

        public async ValueTask DisposeAsync()
        {
            foreach (var command in Commands)
            {
                await command.DisposeAsync();
            }

            await _connection.DisposeAsync();
        }
    }
}
