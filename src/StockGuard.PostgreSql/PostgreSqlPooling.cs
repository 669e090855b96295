namespace StockGuard.PostgreSql;

/// <summary>
/// What sits between the store and PostgreSQL, which decides whether the store may keep anything on a server session
/// beyond one transaction. The only such thing it would keep is a prepared statement: it sets nothing, holds no
/// session advisory lock, listens to nothing and creates no temporary table.
/// </summary>
public enum PostgreSqlPooling
{
    /// <summary>
    /// Detects a pooler or proxy on the first connection: when the server's session does not match the connection
    /// (its process id differs from the one the connection was given at login, or the server's address or port
    /// differs from the one connected to) or the connection is multiplexed, the store behaves as under
    /// <see cref="Transaction"/>; otherwise as under <see cref="Session"/>.
    /// </summary>
    Auto,

    /// <summary>
    /// Each client connection keeps one server session until it is closed: a direct connection, or a pooler in session
    /// mode. The store prepares its one-line deduct on the server, and a pool it creates prepares its other
    /// statements too (<c>Max Auto Prepare=64</c>).
    /// </summary>
    Session,

    /// <summary>
    /// Each transaction may run on another server session: PgBouncer, PgCat or Odyssey in transaction mode,
    /// Supavisor, RDS Proxy, Npgsql multiplexing. The store prepares nothing on the server (every statement is sent
    /// as an unnamed one), a pool it creates sets <c>Max Auto Prepare=0</c> and <c>No Reset On Close=true</c>, and a
    /// data source or connection string that sets <c>Max Auto Prepare</c> above 0 is refused.
    /// </summary>
    Transaction,
}
