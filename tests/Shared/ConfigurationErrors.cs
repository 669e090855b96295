using FluentAssertions;

namespace StockGuard.Tests.Shared;

/// <summary>What a server store configured wrongly must say: a non-transient error that names the cause, so a retry loop stops.</summary>
internal static class ConfigurationErrors
{
    /// <summary>Reads, sells with a key and creates the schema through <paramref name="store"/>: each must fail as a configuration error. Returns the last error.</summary>
    public static async Task<StockStoreException> OnEveryCallAsync(IStockStore store, Func<Task> ensureSchema)
    {
        StockStoreException? last = null;
        foreach (var act in new Func<Task>[]
        {
            () => store.GetLevelAsync("anything"),
            () => store.DeductAsync(new DeductRequest(new StockLine("anything", 1)) { IdempotencyKey = "order-1" }),
            ensureSchema,
        })
        {
            last = (await act.Should().ThrowAsync<StockStoreException>()).Which;
            last.Should().BeEquivalentTo(new { IsTransient = false, OutcomeUnknown = false });
            last.Message.Should().Contain("cannot work as configured").And.NotContain("connection broke");
        }

        return last!;
    }

    /// <summary><paramref name="act"/>, on a store without its schema and with auto-creation off, must fail saying which script to apply.</summary>
    public static async Task<StockStoreException> MissingSchemaAsync(Func<Task> act, string script)
    {
        var error = (await act.Should().ThrowAsync<StockStoreException>()).Which;
        error.Should().BeEquivalentTo(new { IsTransient = false, OutcomeUnknown = false });
        error.Message.Should().Contain($"Apply the shipped script ({script}");
        return error;
    }

    /// <summary>
    /// Creates a schema with <paramref name="create"/>, drops tables with <paramref name="drop"/>, and receives through a
    /// store without auto-creation from <paramref name="store"/>: it must fail saying which script to apply. The schema
    /// is removed by <paramref name="cleanUp"/> in any case.
    /// </summary>
    public static async Task<StockStoreException> AfterTablesDroppedAsync(Func<Task> create, Func<Task> drop, Func<IStockStore> store, string script, Func<Task> cleanUp)
    {
        try
        {
            await create();
            await drop();
            var withoutAutoCreation = store();
            try
            {
                return await MissingSchemaAsync(() => withoutAutoCreation.ReceiveAsync(new ReceiveRequest(new StockLine("anything", 1))), script);
            }
            finally
            {
                await ((IAsyncDisposable)withoutAutoCreation).DisposeAsync();
            }
        }
        finally
        {
            await cleanUp();
        }
    }
}
