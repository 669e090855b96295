namespace StockGuard.Testing;

/// <summary>
/// A provider of SQL stores for the shared SQL suites (<see cref="SqlFaultTests{TProvider}"/>,
/// <see cref="SqlPoolTests{TProvider}"/>, <see cref="OneLineDeductTests{TProvider}"/>,
/// <see cref="OneLineDeductFaultTests{TProvider}"/>, <see cref="CoalescingTests{TProvider}"/>,
/// <see cref="ClockSkewTests{TProvider}"/>, <see cref="CallerTransactionTests{TProvider}"/>, <see cref="SqlReconciliationTests{TProvider}"/>): stores set up as a suite asks, and the server's hooks.
/// </summary>
public interface ISqlStoreTestProvider : IStockStoreTestProvider
{
    /// <summary>The hooks into the stores' server and schema; valid after <see cref="IStockStoreTestProvider.InitializeAsync"/>.</summary>
    IStockServer Server { get; }

    /// <summary>How far a store's clock may be from the database's when it reads the database clock: the store's documented bound.</summary>
    TimeSpan MaxClockError { get; }

    /// <summary>Creates a store on the provider's schema, set up as <paramref name="settings"/> says.</summary>
    /// <param name="time">The store's clock (a host's wall clock when <see cref="SqlStoreSettings.DatabaseClock"/> is set).</param>
    /// <param name="settings">What the suite needs of the store.</param>
    IStockStore CreateStore(TimeProvider time, SqlStoreSettings settings);

    /// <summary>The view of <paramref name="store"/> that works in the caller's open <paramref name="transaction"/> (<c>SqlStockStore.InTransaction</c>).</summary>
    /// <param name="store">A store made by <see cref="CreateStore(TimeProvider, SqlStoreSettings)"/>.</param>
    /// <param name="connection">The caller's open connection to the store's database.</param>
    /// <param name="transaction">The caller's transaction on <paramref name="connection"/>.</param>
    IStockStore InTransaction(IStockStore store, System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction);

    /// <summary>
    /// The view of <paramref name="store"/> that works on <paramref name="connection"/>, opened inside an ambient
    /// System.Transactions transaction (<c>SqlStockStore.InTransaction(connection)</c>). By default not supported: the
    /// suite's ambient-transaction tests are then skipped.
    /// </summary>
    /// <param name="store">A store made by <see cref="CreateStore(TimeProvider, SqlStoreSettings)"/>.</param>
    /// <param name="connection">The caller's connection, opened inside the scope.</param>
    IStockStore InAmbientTransaction(IStockStore store, System.Data.Common.DbConnection connection) =>
        throw new NotSupportedException("This provider does not make views in an ambient transaction.");

    /// <summary>
    /// Opens a connection of the caller's own, as a shop would open it for its transaction: by default the server's
    /// <see cref="StockTables.Open"/>; a provider whose stores go through a pooler opens it through the pooler too.
    /// </summary>
    Task<System.Data.Common.DbConnection> OpenCallerConnectionAsync() => Server.Tables.Open();
}
