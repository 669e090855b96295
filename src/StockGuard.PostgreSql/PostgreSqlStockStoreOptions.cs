using StockGuard.Sql;

namespace StockGuard.PostgreSql;

/// <summary>
/// Settings of the <see cref="PostgreSqlStockStore"/>. Defaults: the atomic strategy, schema <c>stockguard</c>
/// created on first use, 30-second command timeout. Bound lock waits with PostgreSQL's own <c>lock_timeout</c>,
/// e.g. <c>Options=-c lock_timeout=2s</c> in the connection string: a timed-out wait becomes a
/// <see cref="StockStoreTimeoutException"/> and changes nothing.
/// </summary>
public sealed class PostgreSqlStockStoreOptions : SqlStockStoreOptions;
