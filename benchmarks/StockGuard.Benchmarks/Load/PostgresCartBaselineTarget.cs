using Npgsql;
using NpgsqlTypes;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// <c>ledger-postgres+hold</c>: carts on PostgreSQL without the library, the least a correct cart sends, on tables of
/// its own in the baselines' schema (<see cref="ServerSettings.BenchSchema"/>: <c>cart_stock</c>, <c>cart_holds</c>, <c>cart_movements</c>). Each step
/// is one prepared, autocommitted statement of data-modifying CTEs, as <c>ledger-postgres</c>'s deduct is:
/// <list type="bullet">
/// <item>hold: raise the item's <c>reserved</c> (and <c>version</c>) where <c>on_hand − reserved</c> covers the units,
/// insert the hold (id, item, units, expiry, state) and a movement;</item>
/// <item>confirm: finish the hold where it is active and unexpired, lower the item's <c>on_hand</c> and
/// <c>reserved</c>, write a movement; release likewise, without the expiry test and leaving <c>on_hand</c>;</item>
/// <item>expiry: finish every expired active hold (of one item when a hold is refused, of every item in the sweep),
/// give the units back and write a movement each.</item>
/// </list>
/// The invariants kept are the library's: every change is a movement, <c>version</c> grows on every change,
/// <c>reserved</c> is the sum of the active holds, an expired hold never blocks a buyer (a refused hold gives back the
/// item's expired holds and tries once more), and a confirm after expiry sells nothing. Every statement locks the hold
/// rows before the item's row, so a confirm, a release and an expiry never wait for each other in a cycle. The holds'
/// one secondary index is on <c>expires_at</c>, for the sweep; a state change leaves it alone (a HOT update when the
/// page has room).
/// </summary>
internal sealed class PostgresCartBaselineTarget(string name, NpgsqlDataSource dataSource, string schema) : IHoldTarget
{
    private readonly string _stock = schema + ".cart_stock";
    private readonly string _holds = schema + ".cart_holds";
    private readonly string _movements = schema + ".cart_movements";

    // Hold states; a movement's kind is the state its change put the hold in (Active: the hold was placed).
    private const int Active = 0, Confirmed = 1, Released = 2, Expired = 3;

    private string HoldSql =>
        $"""
        WITH changed AS (
            UPDATE {_stock} SET reserved = reserved + @q, version = version + 1
            WHERE sku = @s AND on_hand - reserved >= @q
            RETURNING sku, version),
        held AS (
            INSERT INTO {_holds} (id, sku, quantity, expires_at, state) SELECT @id, sku, @q, now() + @ttl, {Active} FROM changed),
        moved AS (
            INSERT INTO {_movements} (occurred_at, sku, hold_id, kind, on_hand_delta, reserved_delta, version)
            SELECT now(), sku, @id, {Active}, 0, @q, version FROM changed)
        SELECT version FROM changed
        """;

    private string ConfirmSql => FinishSql(Confirmed, "AND expires_at > now()", "on_hand = s.on_hand - f.quantity, ", "-f.quantity");

    private string ReleaseSql => FinishSql(Released, "", "", "0");

    private string[] _skus = [];

    public string Name => name;

    public bool ExpectedToOversell => false;

    public bool ReportsRetries => false;

    public string? Server { get; private set; }

    /// <summary>
    /// Finishes the active hold @id: its state, its item's counters and a movement, in one statement. The hold's row is
    /// locked first (the <c>finished</c> step), then its item's.
    /// </summary>
    private string FinishSql(int state, string condition, string onHand, string onHandDelta) =>
        $"""
        WITH finished AS (
            UPDATE {_holds} SET state = {state} WHERE id = @id AND state = {Active} {condition}
            RETURNING sku, quantity),
        changed AS (
            UPDATE {_stock} s SET {onHand}reserved = s.reserved - f.quantity, version = s.version + 1
            FROM finished f WHERE s.sku = f.sku
            RETURNING s.sku, s.version, f.quantity),
        moved AS (
            INSERT INTO {_movements} (occurred_at, sku, hold_id, kind, on_hand_delta, reserved_delta, version)
            SELECT now(), f.sku, @id, {state}, {onHandDelta}, -f.quantity, f.version FROM changed f)
        SELECT version FROM changed
        """;

    /// <summary>
    /// Finishes every expired active hold (of item @s, or of every item when @s is null), gives their units back and
    /// writes a movement each, the versions counting up per item. The holds are all locked (the aggregate reads them
    /// all) before any item is.
    /// </summary>
    private string ExpireSql =>
        $"""
        WITH expired AS (
            UPDATE {_holds} SET state = {Expired}
            WHERE state = {Active} AND expires_at <= now() AND (sku = @s OR @s IS NULL)
            RETURNING id, sku, quantity),
        total AS (SELECT sku, sum(quantity) AS quantity, count(*) AS holds FROM expired GROUP BY sku),
        changed AS (
            UPDATE {_stock} s SET reserved = s.reserved - t.quantity, version = s.version + t.holds
            FROM total t WHERE s.sku = t.sku
            RETURNING s.sku, s.version - t.holds AS base),
        moved AS (
            INSERT INTO {_movements} (occurred_at, sku, hold_id, kind, on_hand_delta, reserved_delta, version)
            SELECT now(), e.sku, e.id, {Expired}, 0, -e.quantity, c.base + row_number() OVER (PARTITION BY e.sku ORDER BY e.id)
            FROM expired e JOIN changed c ON c.sku = e.sku)
        SELECT count(*) FROM expired
        """;

    public async Task PrepareAsync(string cellId, int skuCount, int stockPerSku, CancellationToken cancellationToken)
    {
        _skus = CellSkus.All(cellId, skuCount);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        Server = $"PostgreSQL {connection.PostgreSqlVersion}";
        await using var command = new NpgsqlCommand(
            $"""
            CREATE SCHEMA IF NOT EXISTS {schema};
            CREATE TABLE IF NOT EXISTS {_stock} (
                sku text PRIMARY KEY, on_hand bigint NOT NULL, reserved bigint NOT NULL, version bigint NOT NULL);
            CREATE TABLE IF NOT EXISTS {_holds} (
                id uuid PRIMARY KEY, sku text NOT NULL, quantity bigint NOT NULL, expires_at timestamptz NOT NULL, state smallint NOT NULL);
            CREATE INDEX IF NOT EXISTS cart_holds_by_expiry ON {_holds} (expires_at);
            CREATE TABLE IF NOT EXISTS {_movements} (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, occurred_at timestamptz NOT NULL, sku text NOT NULL,
                hold_id uuid NOT NULL, kind smallint NOT NULL, on_hand_delta bigint NOT NULL, reserved_delta bigint NOT NULL,
                version bigint NOT NULL);
            CREATE INDEX IF NOT EXISTS cart_movements_by_sku ON {_movements} (sku, id);
            TRUNCATE {_stock}, {_holds}, {_movements};
            INSERT INTO {_stock} (sku, on_hand, reserved, version) SELECT unnest(@skus), @stock, 0, 1;
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
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var sweep = new NpgsqlCommand(ExpireSql, connection);
        sweep.Parameters.Add(new NpgsqlParameter<string?>("s", NpgsqlDbType.Text) { TypedValue = null });
        var swept = (long)(await sweep.ExecuteScalarAsync(cancellationToken))!;

        await using var reserved = new NpgsqlCommand($"SELECT coalesce(sum(reserved), 0)::bigint FROM {_stock} WHERE sku = ANY(@skus)", connection);
        reserved.Parameters.Add(new NpgsqlParameter<string[]>("skus", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = _skus });
        return (swept, (long)(await reserved.ExecuteScalarAsync(cancellationToken))!);
    }

    public async Task<long[]> ReadLevelsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await BaselineLevels.ReadAsync(connection, $"SELECT sku, on_hand FROM {_stock}", _skus, cancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class CartClient : IHoldClient
    {
        private readonly NpgsqlConnection _connection;
        private readonly string[] _skus;
        private readonly NpgsqlCommand _hold;
        private readonly NpgsqlCommand _expire;
        private readonly NpgsqlCommand _confirm;
        private readonly NpgsqlCommand _release;
        private readonly NpgsqlCommand _state;
        private readonly NpgsqlParameter<string> _holdSku = new("s", NpgsqlDbType.Text);
        private readonly NpgsqlParameter<long> _holdQuantity = new("q", NpgsqlDbType.Bigint);
        private readonly NpgsqlParameter<Guid> _holdId = new("id", NpgsqlDbType.Uuid);
        private readonly NpgsqlParameter<TimeSpan> _holdTimeToLive = new("ttl", NpgsqlDbType.Interval);
        private readonly NpgsqlParameter<string?> _expireSku = new("s", NpgsqlDbType.Text);
        private readonly NpgsqlParameter<Guid> _confirmId = new("id", NpgsqlDbType.Uuid);
        private readonly NpgsqlParameter<Guid> _releaseId = new("id", NpgsqlDbType.Uuid);
        private readonly NpgsqlParameter<Guid> _stateId = new("id", NpgsqlDbType.Uuid);

        private CartClient(NpgsqlConnection connection, PostgresCartBaselineTarget target)
        {
            _connection = connection;
            _skus = target._skus;
            _hold = new NpgsqlCommand(target.HoldSql, connection) { Parameters = { _holdQuantity, _holdSku, _holdId, _holdTimeToLive } };
            _expire = new NpgsqlCommand(target.ExpireSql, connection) { Parameters = { _expireSku } };
            _confirm = new NpgsqlCommand(target.ConfirmSql, connection) { Parameters = { _confirmId } };
            _release = new NpgsqlCommand(target.ReleaseSql, connection) { Parameters = { _releaseId } };
            _state = new NpgsqlCommand($"SELECT state, expires_at <= now() FROM {target._holds} WHERE id = @id", connection) { Parameters = { _stateId } };
        }

        public static async Task<IHoldClient> CreateAsync(NpgsqlConnection connection, PostgresCartBaselineTarget target, CancellationToken cancellationToken)
        {
            var client = new CartClient(connection, target);
            foreach (var command in client.Commands)
            {
                await command.PrepareAsync(cancellationToken);
            }

            return client;
        }

        private NpgsqlCommand[] Commands => [_hold, _expire, _confirm, _release, _state];

        public async Task<Guid?> ReserveAsync(int sku, int quantity, TimeSpan timeToLive, CancellationToken cancellationToken)
        {
            var id = Guid.CreateVersion7();
            _holdSku.TypedValue = _skus[sku];
            _holdQuantity.TypedValue = quantity;
            _holdId.TypedValue = id;
            _holdTimeToLive.TypedValue = timeToLive;
            if (await _hold.ExecuteScalarAsync(cancellationToken) is not null)
            {
                return id;
            }

            // Short on the stored counts: expired holds never block a buyer, so give this item's back and try again.
            _expireSku.TypedValue = _skus[sku];
            if ((long)(await _expire.ExecuteScalarAsync(cancellationToken))! == 0)
            {
                return null;
            }

            return await _hold.ExecuteScalarAsync(cancellationToken) is not null ? id : null;
        }

        public async Task<bool> ConfirmAsync(Guid hold, CancellationToken cancellationToken)
        {
            _confirmId.TypedValue = hold;
            if (await _confirm.ExecuteScalarAsync(cancellationToken) is not null)
            {
                return true;
            }

            // Nothing sold: an expired hold is the typed answer; anything else is the caller's mistake.
            await EnsureExpiredAsync(hold, "confirm", cancellationToken);
            return false;
        }

        public async Task ReleaseAsync(Guid hold, CancellationToken cancellationToken)
        {
            _releaseId.TypedValue = hold;
            if (await _release.ExecuteScalarAsync(cancellationToken) is null)
            {
                await EnsureExpiredAsync(hold, "release", cancellationToken);
            }
        }

        /// <summary>
        /// Why a confirm or release changed nothing: the hold is still active but expired (a confirm's late answer) or
        /// was expired by a buyer's refused hold or the sweep. Throws when the hold is unknown or already confirmed or
        /// released, which the harness never asks.
        /// </summary>
        private async Task EnsureExpiredAsync(Guid hold, string step, CancellationToken cancellationToken)
        {
            _stateId.TypedValue = hold;
            await using var reader = await _state.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                var state = reader.GetInt16(0);
                if (state == Expired || (state == Active && reader.GetBoolean(1)))
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
