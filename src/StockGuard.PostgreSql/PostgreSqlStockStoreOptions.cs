using StockGuard.Sql;

namespace StockGuard.PostgreSql;

/// <summary>
/// Settings of the <see cref="PostgreSqlStockStore"/>. Defaults: the atomic strategy, schema <c>stockguard</c>
/// created on first use, 30-second command timeout, pooling detected (<see cref="PostgreSqlPooling.Auto"/>). Bound
/// lock waits with PostgreSQL's own <c>lock_timeout</c>, e.g. <c>Options=-c lock_timeout=2s</c> in the connection
/// string, or <c>ALTER ROLE … SET lock_timeout = '2s'</c> behind a pooler that refuses startup options: a timed-out
/// wait becomes a <see cref="StockStoreTimeoutException"/> and changes nothing.
/// </summary>
public sealed class PostgreSqlStockStoreOptions : SqlStockStoreOptions
{
    /// <summary>
    /// Whether a transaction pooler may sit between the store and PostgreSQL, which decides whether the store prepares
    /// statements on the server. Default: <see cref="PostgreSqlPooling.Auto"/> (detected on the first connection). Set
    /// <see cref="PostgreSqlPooling.Transaction"/> behind a pooler that hides itself; a pooler the store is not told of and
    /// cannot detect may run another client's prepared statement in place of the store's.
    /// </summary>
    public PostgreSqlPooling Pooling { get; set; } = PostgreSqlPooling.Auto;

    /// <summary>
    /// When the store tells other processes of its changes with <c>NOTIFY</c>. Default:
    /// <see cref="PostgreSqlChangeNotifications.WhenFollowing"/> (only a store whose process follows the feed). Set
    /// <see cref="PostgreSqlChangeNotifications.Always"/> on application servers that only write while the dispatchers
    /// or caches run elsewhere, so that those wake at once rather than at their poll.
    /// </summary>
    public PostgreSqlChangeNotifications ChangeNotifications { get; set; } = PostgreSqlChangeNotifications.WhenFollowing;

    /// <inheritdoc/>
    protected override void Validate(ICollection<string> failures)
    {
        base.Validate(failures);
        if (!Enum.IsDefined(Pooling))
        {
            failures.Add($"{nameof(PostgreSqlStockStoreOptions)}.{nameof(Pooling)} is {Pooling}; it must be Auto, Session or Transaction.");
        }

        if (!Enum.IsDefined(ChangeNotifications))
        {
            failures.Add($"{nameof(PostgreSqlStockStoreOptions)}.{nameof(ChangeNotifications)} is {ChangeNotifications}; it must be WhenFollowing, Always or Never.");
        }
    }
}
