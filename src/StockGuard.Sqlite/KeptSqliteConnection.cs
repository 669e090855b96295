using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace StockGuard.Sqlite;

/// <summary>
/// A connection that <see cref="SqliteStockDataSource"/> keeps open between operations, with the statements it has
/// prepared. Microsoft.Data.Sqlite prepares a command's SQL again for every new command, and the store's item statements
/// (whose <c>RETURNING</c> counts expired holds in subqueries) cost far more to plan than to run; here a command made
/// through <see cref="DbConnection.CreateCommand"/> runs on a prepared statement kept per SQL text. Closing the
/// connection hands it back to its data source (which releases the gate); a connection handed back inside a
/// transaction, or no longer open, is closed for real and never handed out again.
/// </summary>
internal sealed class KeptSqliteConnection : SqliteConnection
{
    /// <summary>
    /// How many SQL texts keep a prepared statement per connection: the store's statements are a fixed set, save the
    /// multi-row ones whose text grows with their row count; those past the bound run unprepared as before.
    /// </summary>
    private const int MaxStatements = 256;

    private readonly Dictionary<string, SqliteCommand> _statements = new(StringComparer.Ordinal);
    private readonly HashSet<SqliteCommand> _inUse = [];
    private Action<KeptSqliteConnection>? _handBack;
    private bool _lent;

    public KeptSqliteConnection(string connectionString)
        : base(connectionString)
    {
    }

    /// <summary>Lends the connection to one operation; <see cref="Close"/> calls <paramref name="handBack"/> once.</summary>
    public void Lend(Action<KeptSqliteConnection> handBack)
    {
        _lent = true;
        _handBack = handBack;
    }

    /// <summary>
    /// Whether the connection can serve another operation: open, with no command of it still in use and no transaction
    /// left in it, by the driver's count and by SQLite's own (a failed commit or rollback can leave the two apart).
    /// </summary>
    public bool Reusable =>
        State == ConnectionState.Open
        && Transaction is null
        && _inUse.Count == 0
        && Handle is { } handle
        && SQLitePCL.raw.sqlite3_get_autocommit(handle) != 0;

    /// <summary>
    /// Ends the operation that holds the connection (handing it back). Once the connection has been lent, a second close
    /// by the same operation changes nothing: the connection may already serve the next one, and only its data source
    /// closes it for real (<see cref="Shut"/>). A connection never lent closes as any other.
    /// </summary>
    public override void Close()
    {
        if (Interlocked.Exchange(ref _handBack, null) is { } handBack)
        {
            handBack(this);
            return;
        }

        if (!_lent)
        {
            Shut();
        }
    }

    /// <summary>Finalizes the kept statements and closes the connection for real.</summary>
    public void Shut()
    {
        _handBack = null;
        foreach (var command in _statements.Values)
        {
            command.Dispose();
        }

        _statements.Clear();
        _inUse.Clear();
        base.Close();
    }

    protected override DbCommand CreateDbCommand() => new KeptCommand(this);

    /// <summary>The kept command of <paramref name="sql"/>, or a new one when it is in use or the bound is reached; <c>Kept</c> says which.</summary>
    private (SqliteCommand Command, bool Kept) Rent(string sql)
    {
        if (_statements.TryGetValue(sql, out var kept))
        {
            if (_inUse.Add(kept))
            {
                return (kept, true);
            }
        }
        else if (_statements.Count < MaxStatements)
        {
            var command = CreateCommand();
            command.CommandText = sql;
            _statements.Add(sql, command);
            _inUse.Add(command);
            return (command, true);
        }

        var single = CreateCommand();
        single.CommandText = sql;
        return (single, false);
    }

    private void Return(SqliteCommand command)
    {
        command.Parameters.Clear();
        command.Transaction = null;
        _inUse.Remove(command);
    }

    /// <summary>
    /// A command as the connection makes it (the SQL text set before the parameters, as Dapper and hand-written code do),
    /// run on the connection's prepared statement of its text; a text rewritten after its parameters were added (Dapper's
    /// list expansion) runs unprepared with them. Everything else is the inner <see cref="SqliteCommand"/>'s.
    /// </summary>
    private sealed class KeptCommand(KeptSqliteConnection connection) : DbCommand
    {
        private SqliteCommand? _inner;
        private bool _kept;
        private SqliteDataReader? _reader;
        private string _text = "";
        private DbTransaction? _transaction = connection.Transaction;
        private int _timeout = connection.DefaultTimeout;
        private CommandType _type = CommandType.Text;

        [System.Diagnostics.CodeAnalysis.AllowNull]
        public override string CommandText
        {
            get => _text;
            set
            {
                var text = value ?? "";
                if (_inner is { } inner && (_kept || inner.Parameters.Count > 0))
                {
                    if (string.Equals(text, _text, StringComparison.Ordinal))
                    {
                        return;
                    }

                    if (!_kept)
                    {
                        // Parameters were added before the text: keep them on this command, unprepared.
                        inner.CommandText = text;
                        _text = text;
                        return;
                    }

                    if (inner.Parameters.Count > 0)
                    {
                        // The text is rewritten after its parameters were added, as Dapper does when it expands a list
                        // parameter (`IN @skus` becomes `IN (@skus1, @skus2)`) or a literal: the parameters stay the
                        // command's, as on any command, and go with it to the new text. Such a text is made for one call,
                        // so it runs unprepared and the kept statement of the text as written goes back ready.
                        var parameters = inner.Parameters.Cast<SqliteParameter>().ToArray();
                        ReturnInner();
                        var single = connection.CreateCommand();
                        single.CommandText = text;
                        single.Parameters.AddRange(parameters);
                        (_inner, _kept, _text) = (single, false, text);
                        return;
                    }

                    ReturnInner();
                }

                _inner?.Dispose();
                (_inner, _kept) = connection.Rent(text);
                _text = text;
            }
        }

        public override int CommandTimeout
        {
            get => _timeout;
            set => _timeout = value;
        }

        public override CommandType CommandType
        {
            get => _type;
            set => _type = value;
        }

        public override bool DesignTimeVisible { get; set; }

        public override UpdateRowSource UpdatedRowSource { get; set; }

        protected override DbConnection? DbConnection
        {
            get => connection;
            set
            {
                if (!ReferenceEquals(value, connection))
                {
                    throw new NotSupportedException("A command of the store's kept connection runs on that connection only.");
                }
            }
        }

        protected override DbParameterCollection DbParameterCollection => Inner.Parameters;

        protected override DbTransaction? DbTransaction
        {
            get => _transaction;
            set => _transaction = value;
        }

        private SqliteCommand Inner => _inner ??= connection.CreateCommand();

        public override void Cancel() => _inner?.Cancel();

        public override int ExecuteNonQuery() => Ready().ExecuteNonQuery();

        public override object? ExecuteScalar() => Ready().ExecuteScalar();

        public override void Prepare() => Ready().Prepare();

        public override Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken) => Ready().ExecuteNonQueryAsync(cancellationToken);

        public override Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken) => Ready().ExecuteScalarAsync(cancellationToken);

        protected override DbParameter CreateDbParameter() => new SqliteParameter();

        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => _reader = Ready().ExecuteReader(behavior);

        protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken) =>
            _reader = await Ready().ExecuteReaderAsync(behavior, cancellationToken).ConfigureAwait(false);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                ReturnInner();
            }

            base.Dispose(disposing);
        }

        private SqliteCommand Ready()
        {
            var inner = Inner;
            inner.Transaction = (SqliteTransaction?)_transaction;
            inner.CommandTimeout = _timeout;
            inner.CommandType = _type;
            return inner;
        }

        /// <summary>Closes a reader left open, then gives the kept statement back (or disposes a command of its own).</summary>
        private void ReturnInner()
        {
            _reader?.Dispose();
            _reader = null;
            if (_inner is not { } inner)
            {
                return;
            }

            _inner = null;
            if (_kept)
            {
                connection.Return(inner);
            }
            else
            {
                inner.Dispose();
            }
        }
    }
}
