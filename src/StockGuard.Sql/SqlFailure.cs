namespace StockGuard.Sql;

/// <summary>What a driver exception means to the store, as a dialect classifies it.</summary>
internal enum SqlFailure
{
    /// <summary>Not a failure the store knows: rethrown as a non-transient <see cref="StockStoreException"/>.</summary>
    Other,

    /// <summary>A lock wait or statement exceeded its limit: <see cref="StockStoreTimeoutException"/>.</summary>
    Timeout,

    /// <summary>A deadlock or serialization failure: nothing was applied, and the whole operation may be run again.</summary>
    Retryable,

    /// <summary>The connection broke or the server went away: transient.</summary>
    ConnectionBroken,

    /// <summary>
    /// The server refused a statement because its session did not know the prepared statement named, already had one of
    /// that name, or had another under it: the session is shared with other clients (a transaction pooler). Reported
    /// before the statement ran; not transient, since the next attempt meets the same sessions.
    /// </summary>
    StatementLost,

    /// <summary>
    /// The store cannot work as configured: the database file cannot be opened, the credentials were refused, the
    /// database does not exist, or access to it is denied. Not transient: a retry fails the same way.
    /// </summary>
    Configuration,

    /// <summary>The store's schema or one of its tables does not exist: not transient, the shipped script has to be applied.</summary>
    SchemaMissing,
}
