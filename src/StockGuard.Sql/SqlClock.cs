namespace StockGuard.Sql;

/// <summary>Which clock decides when a hold expires and stamps the rows a SQL store writes.</summary>
public enum SqlClock
{
    /// <summary>
    /// The database server's clock, one for every host that uses the database. The store reads it at first use and
    /// again before its error can pass <see cref="SqlStockStoreOptions.MaxClockError"/>, and between readings counts
    /// on the host's monotonic clock, so that an operation costs no extra round trip and a host whose wall clock is
    /// wrong or steps still agrees with the others.
    /// </summary>
    Database = 0,

    /// <summary>
    /// The store's <see cref="System.TimeProvider"/>: for one host (SQLite), and for tests that drive a fake clock.
    /// Hosts whose clocks disagree then disagree on expiry by as much.
    /// </summary>
    TimeProvider = 1,
}
