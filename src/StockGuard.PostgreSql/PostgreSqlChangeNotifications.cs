namespace StockGuard.PostgreSql;

/// <summary>
/// When a store tells other processes of its changes with <c>NOTIFY stockguard_changes</c> (payload: <c>schema/sender</c>, the schema and a name of the sending store), so
/// that change dispatchers and level caches listening in other processes read the feed at once instead of at their next
/// poll. The notification is sent after the commit, on a connection of its own, never in the writer's transaction, and
/// requests that arrive while one is sent share the next: at most one every 2 ms per store, a small autocommitted
/// statement each. A store asks for one after each of its writes, including those that changed nothing (a refused
/// order may have given back expired holds).
/// </summary>
public enum PostgreSqlChangeNotifications
{
    /// <summary>
    /// The default: a store whose process follows the feed (a dispatcher or a level cache waits on it) on a direct
    /// connection notifies; a store that only writes, or one behind a transaction pooler, sends nothing, and its changes
    /// reach other processes at their poll.
    /// </summary>
    WhenFollowing,

    /// <summary>
    /// Every store notifies after its changes, whether or not its process follows the feed: for application servers
    /// that only sell while a dispatcher or cache runs in another process. Works behind a transaction pooler too
    /// (<c>NOTIFY</c> needs no session of its own; only listening does).
    /// </summary>
    Always,

    /// <summary>The store sends nothing; other processes find its changes at their poll.</summary>
    Never,
}
