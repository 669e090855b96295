using System.Text;
using MySqlConnector;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// <c>ledger-mysql+hold</c>: carts on MySQL/MariaDB without the library, the least a correct cart sends, on tables of
/// its own in the baselines' database (<see cref="ServerSettings.BenchSchema"/>: <c>cart_stock</c>, <c>cart_holds</c>, <c>cart_movements</c>), as
/// prepared statements in a transaction, as <c>ledger-mysql</c>'s deduct is (no <c>RETURNING</c>, no data-modifying
/// CTE):
/// <list type="bullet">
/// <item>hold: <c>BEGIN</c>; raise the item's <c>reserved</c> (and <c>version</c>) where <c>on_hand − reserved</c>
/// covers the units; insert the hold (id, item, units, expiry, state); insert a movement carrying the item's new version;
/// <c>COMMIT</c>;</item>
/// <item>confirm: <c>BEGIN</c>; one two-table <c>UPDATE</c> that finishes the hold where it is active and unexpired and
/// lowers its item's <c>on_hand</c> and <c>reserved</c>; a movement; <c>COMMIT</c>: the four round trips of the deduct.
/// Release likewise, without the expiry test and leaving <c>on_hand</c>;</item>
/// <item>expiry: each expired active hold (of one item when a hold is refused, of every item in the sweep) finished as a
/// release is, with its own movement.</item>
/// </list>
/// The invariants are <see cref="PostgresCartBaselineTarget"/>'s, and so is the lock order: the hold's row, then its
/// item's.
/// </summary>
internal sealed class MySqlCartBaselineTarget(string name, string connectionString, string schema) : IHoldTarget
{
    private readonly string _stock = schema + ".cart_stock";
    private readonly string _holds = schema + ".cart_holds";
    private readonly string _movements = schema + ".cart_movements";
    private const int RowsPerInsert = 1_000;

    // Hold states; a movement's kind is the state its change put the hold in (Active: the hold was placed).
    private const int Active = 0, Confirmed = 1, Released = 2, Expired = 3;

    /// <summary>The hold and its item, finished and changed in one statement: the hold's row is read (and locked) first.</summary>
    private string FinishSql(int state, string condition, string onHand) =>
        $"""
        UPDATE {_holds} h JOIN {_stock} s ON s.sku = h.sku
        SET h.state = {state}, {onHand}s.reserved = s.reserved - h.quantity, s.version = s.version + 1
        WHERE h.id = @id AND h.state = {Active} {condition}
        """;

    private string FinishedMovementSql(int state, string onHandDelta) =>
        $"""
        INSERT INTO {_movements} (occurred_at, sku, hold_id, kind, on_hand_delta, reserved_delta, version)
        SELECT NOW(6), h.sku, h.id, {state}, {onHandDelta}, 0 - h.quantity, s.version
        FROM {_holds} h JOIN {_stock} s ON s.sku = h.sku WHERE h.id = @id
        """;

    private string[] _skus = [];

    public string Name => name;

    public bool ExpectedToOversell => false;

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
            CREATE TABLE IF NOT EXISTS {_stock} (
                sku VARCHAR(64) NOT NULL PRIMARY KEY, on_hand BIGINT NOT NULL, reserved BIGINT NOT NULL, version BIGINT NOT NULL) ENGINE=InnoDB;
            CREATE TABLE IF NOT EXISTS {_holds} (
                id BINARY(16) NOT NULL PRIMARY KEY, sku VARCHAR(64) NOT NULL, quantity BIGINT NOT NULL, expires_at DATETIME(6) NOT NULL,
                state TINYINT NOT NULL, KEY cart_holds_by_expiry (expires_at)) ENGINE=InnoDB;
            CREATE TABLE IF NOT EXISTS {_movements} (
                id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, occurred_at DATETIME(6) NOT NULL, sku VARCHAR(64) NOT NULL,
                hold_id BINARY(16) NOT NULL, kind TINYINT NOT NULL, on_hand_delta BIGINT NOT NULL, reserved_delta BIGINT NOT NULL,
                version BIGINT NOT NULL, KEY cart_movements_by_sku (sku, id)) ENGINE=InnoDB;
            TRUNCATE TABLE {_stock};
            TRUNCATE TABLE {_holds};
            TRUNCATE TABLE {_movements};
            """,
            cancellationToken);

        // The SKUs are the harness's own "<cell>-<digits>" names, so literal values are safe here.
        foreach (var chunk in _skus.Chunk(RowsPerInsert))
        {
            var sql = new StringBuilder($"INSERT INTO {_stock} (sku, on_hand, reserved, version) VALUES ");
            for (var i = 0; i < chunk.Length; i++)
            {
                sql.Append(i == 0 ? "" : ",").Append("('").Append(chunk[i]).Append("',").Append(stockPerSku).Append(",0,1)");
            }

            await ExecuteAsync(connection, sql.ToString(), cancellationToken);
        }

        await MySqlCellStart.SettleAsync(name, [_stock, _holds, _movements], cancellationToken);
    }

    public async Task<ILoadClient> ConnectAsync(CancellationToken cancellationToken)
    {
        // New server sessions every cell, as the library store's pool and the deduct baseline's clients have.
        var connection = new MySqlConnection(new MySqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return await CartClient.CreateAsync(connection, this, cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<(long Swept, long ReservedLeft)> SweepAsync(CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var client = (CartClient)await CartClient.CreateAsync(connection, this, cancellationToken);
        var swept = await client.ExpireAsync(sku: null, cancellationToken);

        await using var reserved = new MySqlConnection(connectionString);
        await reserved.OpenAsync(cancellationToken);
        long left = 0;
        foreach (var chunk in _skus.Chunk(RowsPerInsert))
        {
            // The SKUs are the harness's own names, safe as literals.
            await using var command = new MySqlCommand($"SELECT COALESCE(SUM(reserved), 0) FROM {_stock} WHERE sku IN ('{string.Join("','", chunk)}')", reserved);
            left += Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        return (swept, left);
    }

    public async Task<long[]> ReadLevelsAsync(CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return await BaselineLevels.ReadAsync(connection, $"SELECT sku, on_hand FROM {_stock}", _skus, cancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static async Task ExecuteAsync(MySqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private sealed class CartClient : IHoldClient
    {
        private readonly MySqlConnection _connection;
        private readonly string[] _skus;
        private readonly MySqlCommand _reserve;
        private readonly MySqlCommand _insertHold;
        private readonly MySqlCommand _heldMovement;
        private readonly MySqlCommand _confirm;
        private readonly MySqlCommand _confirmedMovement;
        private readonly MySqlCommand _release;
        private readonly MySqlCommand _releasedMovement;
        private readonly MySqlCommand _expire;
        private readonly MySqlCommand _expiredMovement;
        private readonly MySqlCommand _expiredOfItem;
        private readonly MySqlCommand _expiredOfAll;
        private readonly MySqlCommand _state;

        /// <summary>Most runs of one transaction that InnoDB rolls back as a deadlock victim.</summary>
        private const int MaxDeadlockAttempts = 5;

        private CartClient(MySqlConnection connection, MySqlCartBaselineTarget target)
        {
            _connection = connection;
            _skus = target._skus;
            var (stock, holds, movements) = (target._stock, target._holds, target._movements);
            _reserve = Command($"UPDATE {stock} SET reserved = reserved + @q, version = version + 1 WHERE sku = @s AND on_hand - reserved >= @q", ("@q", MySqlDbType.Int64), ("@s", MySqlDbType.VarChar));
            _insertHold = Command(
                $"INSERT INTO {holds} (id, sku, quantity, expires_at, state) VALUES (@id, @s, @q, NOW(6) + INTERVAL @us MICROSECOND, {Active})",
                ("@id", MySqlDbType.Binary), ("@s", MySqlDbType.VarChar), ("@q", MySqlDbType.Int64), ("@us", MySqlDbType.Int64));
            _heldMovement = Command(
                $"INSERT INTO {movements} (occurred_at, sku, hold_id, kind, on_hand_delta, reserved_delta, version) SELECT NOW(6), sku, @id, {Active}, 0, @q, version FROM {stock} WHERE sku = @s",
                ("@id", MySqlDbType.Binary), ("@q", MySqlDbType.Int64), ("@s", MySqlDbType.VarChar));
            _confirm = Command(target.FinishSql(Confirmed, "AND h.expires_at > NOW(6)", "s.on_hand = s.on_hand - h.quantity, "), ("@id", MySqlDbType.Binary));
            _confirmedMovement = Command(target.FinishedMovementSql(Confirmed, "0 - h.quantity"), ("@id", MySqlDbType.Binary));
            _release = Command(target.FinishSql(Released, "", ""), ("@id", MySqlDbType.Binary));
            _releasedMovement = Command(target.FinishedMovementSql(Released, "0"), ("@id", MySqlDbType.Binary));
            _expire = Command(target.FinishSql(Expired, "AND h.expires_at <= NOW(6)", ""), ("@id", MySqlDbType.Binary));
            _expiredMovement = Command(target.FinishedMovementSql(Expired, "0"), ("@id", MySqlDbType.Binary));
            _expiredOfItem = Command($"SELECT id FROM {holds} WHERE expires_at <= NOW(6) AND state = {Active} AND sku = @s", ("@s", MySqlDbType.VarChar));
            _expiredOfAll = Command($"SELECT id FROM {holds} WHERE expires_at <= NOW(6) AND state = {Active}");
            _state = Command($"SELECT state, expires_at <= NOW(6) FROM {holds} WHERE id = @id", ("@id", MySqlDbType.Binary));
        }

        private MySqlCommand[] Commands => [_reserve, _insertHold, _heldMovement, _confirm, _confirmedMovement, _release, _releasedMovement, _expire, _expiredMovement, _expiredOfItem, _expiredOfAll, _state];

        public static async Task<IHoldClient> CreateAsync(MySqlConnection connection, MySqlCartBaselineTarget target, CancellationToken cancellationToken)
        {
            var client = new CartClient(connection, target);
            foreach (var command in client.Commands)
            {
                await command.PrepareAsync(cancellationToken);
            }

            return client;
        }

        private MySqlCommand Command(string sql, params (string Name, MySqlDbType Type)[] parameters)
        {
            var command = new MySqlCommand(sql, _connection);
            foreach (var (parameterName, type) in parameters)
            {
                command.Parameters.Add(new MySqlParameter(parameterName, type));
            }

            return command;
        }

        public async Task<Guid?> ReserveAsync(int sku, int quantity, TimeSpan timeToLive, CancellationToken cancellationToken)
        {
            var id = Guid.CreateVersion7();
            if (await TryReserveAsync(id, _skus[sku], quantity, timeToLive, cancellationToken))
            {
                return id;
            }

            // Short on the stored counts: expired holds never block a buyer, so give this item's back and try again.
            return await ExpireAsync(_skus[sku], cancellationToken) > 0 && await TryReserveAsync(id, _skus[sku], quantity, timeToLive, cancellationToken)
                ? id
                : null;
        }

        private Task<bool> TryReserveAsync(Guid id, string sku, int quantity, TimeSpan timeToLive, CancellationToken cancellationToken) =>
            RetryDeadlocksAsync(() => TryReserveOnceAsync(id, sku, quantity, timeToLive, cancellationToken));

        private async Task<bool> TryReserveOnceAsync(Guid id, string sku, int quantity, TimeSpan timeToLive, CancellationToken cancellationToken)
        {
            var key = id.ToByteArray(bigEndian: true);
            await using var transaction = await _connection.BeginTransactionAsync(cancellationToken);
            _reserve.Transaction = transaction;
            _reserve.Parameters[0].Value = (long)quantity;
            _reserve.Parameters[1].Value = sku;
            if (await _reserve.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                return false; // nothing written: the transaction is rolled back when disposed
            }

            _insertHold.Transaction = transaction;
            _insertHold.Parameters[0].Value = key;
            _insertHold.Parameters[1].Value = sku;
            _insertHold.Parameters[2].Value = (long)quantity;
            _insertHold.Parameters[3].Value = (long)(timeToLive.Ticks / TimeSpan.TicksPerMicrosecond);
            await _insertHold.ExecuteNonQueryAsync(cancellationToken);
            _heldMovement.Transaction = transaction;
            _heldMovement.Parameters[0].Value = key;
            _heldMovement.Parameters[1].Value = (long)quantity;
            _heldMovement.Parameters[2].Value = sku;
            await _heldMovement.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return true;
        }

        public async Task<bool> ConfirmAsync(Guid hold, CancellationToken cancellationToken)
        {
            if (await FinishAsync(hold.ToByteArray(bigEndian: true), _confirm, _confirmedMovement, cancellationToken))
            {
                return true;
            }

            // Nothing sold: an expired hold is the typed answer; anything else is the caller's mistake.
            await EnsureExpiredAsync(hold, "confirm", cancellationToken);
            return false;
        }

        public async Task ReleaseAsync(Guid hold, CancellationToken cancellationToken)
        {
            if (!await FinishAsync(hold.ToByteArray(bigEndian: true), _release, _releasedMovement, cancellationToken))
            {
                await EnsureExpiredAsync(hold, "release", cancellationToken);
            }
        }

        /// <summary>Finishes the expired active holds of <paramref name="sku"/>, or of every item when null, one transaction each.</summary>
        /// <returns>How many this call finished.</returns>
        public async Task<long> ExpireAsync(string? sku, CancellationToken cancellationToken)
        {
            var find = sku is null ? _expiredOfAll : _expiredOfItem;
            if (sku is not null)
            {
                find.Parameters[0].Value = sku;
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
                expired += await FinishAsync(id, _expire, _expiredMovement, cancellationToken) ? 1 : 0;
            }

            return expired;
        }

        /// <summary>One transaction: the hold and its item changed by <paramref name="finish"/> (when the hold qualifies), then the movement.</summary>
        private Task<bool> FinishAsync(byte[] id, MySqlCommand finish, MySqlCommand movement, CancellationToken cancellationToken) =>
            RetryDeadlocksAsync(() => FinishOnceAsync(id, finish, movement, cancellationToken));

        /// <summary>
        /// Runs a transaction again when InnoDB chose it as a deadlock victim (it was rolled back whole), as hand-written
        /// code must: under REPEATABLE READ a hold's insert and a confirm's two-table update of a hot item can wait for each
        /// other's next-key locks.
        /// </summary>
        private static async Task<bool> RetryDeadlocksAsync(Func<Task<bool>> transaction)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await transaction();
                }
                catch (MySqlException ex) when (ex.ErrorCode == MySqlErrorCode.LockDeadlock && attempt < MaxDeadlockAttempts)
                {
                }
            }
        }

        private async Task<bool> FinishOnceAsync(byte[] id, MySqlCommand finish, MySqlCommand movement, CancellationToken cancellationToken)
        {
            await using var transaction = await _connection.BeginTransactionAsync(cancellationToken);
            finish.Transaction = transaction;
            finish.Parameters[0].Value = id;

            // Both rows matched: the hold qualified and its item was changed (the connection counts matched rows).
            if (await finish.ExecuteNonQueryAsync(cancellationToken) != 2)
            {
                return false;
            }

            movement.Transaction = transaction;
            movement.Parameters[0].Value = id;
            await movement.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return true;
        }

        /// <summary>
        /// Why a confirm or release changed nothing: the hold is still active but expired (a confirm's late answer) or
        /// was expired by a buyer's refused hold or the sweep. Throws when the hold is unknown or already confirmed or
        /// released, which the harness never asks.
        /// </summary>
        private async Task EnsureExpiredAsync(Guid hold, string step, CancellationToken cancellationToken)
        {
            _state.Transaction = null;
            _state.Parameters[0].Value = hold.ToByteArray(bigEndian: true);
            await using var reader = await _state.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                var state = reader.GetInt32(0);
                if (state == Expired || (state == Active && reader.GetInt32(1) == 1))
                {
                    return;
                }

                throw new InvalidOperationException($"{step}: hold {hold} is in state {state}, not active.");
            }

            throw new InvalidOperationException($"{step}: no hold {hold}.");
        }

        public Task<bool> DeductAsync(int sku, int quantity, CancellationToken cancellationToken) =>
            throw new NotSupportedException("A +hold client sells through holds.");

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
