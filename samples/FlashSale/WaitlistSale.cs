using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using StockGuard;

namespace FlashSale;

/// <summary>
/// A launch through the waitlist: every buyer joins the queue of a sold-out item; the stock arrives in slices while
/// buy-now buyers hammer the item; each claim is bought, or abandoned and left to lapse (its unit then goes to the next
/// in line). The report shows which queue places got claims in which round, and checks that they went out in queue
/// order, that the hammering buyers got nothing while anybody waited, and that nothing was oversold.
/// </summary>
internal static class WaitlistSale
{
    /// <summary>One claimant in this many (every fifth place of the queue) abandons the claim and lets it lapse.</summary>
    private const int AbandonEvery = 5;

    /// <summary>The stock arrives in this many receipts.</summary>
    private const int Slices = 4;

    public static async Task<int> RunAsync(SaleSettings settings, CancellationToken cancellationToken)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var services = new ServiceCollection();
        var stockGuard = services.AddStockGuard(o => o.EnableSweeper = false);
        await using var database = Stores.Configure(stockGuard, settings, run);
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<IStockStore>();
        var waitlist = provider.GetRequiredService<IStockWaitlist>();
        var key = new StockKey($"LAUNCH-{run}");
        await store.SetPolicyAsync(key, StockPolicy.Default, cancellationToken);
        database.Stocked = true;

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = cancellationToken };
        Console.WriteLine(
            $"Launch through the waitlist on the {Stores.Describe(settings)}: {settings.Buyers:N0} buyers join the queue of a sold-out item " +
            $"({Math.Min(settings.Concurrency, settings.Buyers):N0} at a time), {settings.Stock:N0} units arrive in {Slices} receipts, " +
            $"claims last {settings.ClaimWindow.TotalSeconds:N0} s and one claimant in {AbandonEvery} lets the claim lapse.");

        // Everybody joins at once; the store decides the queue's order, and each join says its place.
        var customers = Enumerable.Range(0, settings.Buyers).Select(i => $"customer-{run}-{i:D6}").ToArray();
        var positions = new long[customers.Length];
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, customers.Length), parallel, async (i, ct) =>
            positions[i] = (await waitlist.JoinWaitlistAsync(new JoinWaitlistRequest(key, customers[i]), ct)).Place?.Position ?? 0);
        var joining = stopwatch.Elapsed;
        var violations = new List<string>();
        if (!positions.Order().SequenceEqual(Enumerable.Range(1, customers.Length).Select(p => (long)p)))
        {
            violations.Add("the joins did not take the places 1, 2, 3, … one each");
        }

        var queue = Enumerable.Range(0, customers.Length).OrderBy(i => positions[i]).Select(i => customers[i]).ToArray();

        // Rounds: a receipt (or, once all stock is in, the lapse of the abandoned claims) raced by buy-now buyers; then
        // the new claims are read in queue order, and bought or abandoned.
        var claimRound = new int[queue.Length];
        int next = 0, received = 0, round = 0, bought = 0, abandoned = 0;
        long hammered = 0, hammerSold = 0, hammerSoldWhileWaiting = 0;
        var live = new List<(int Place, Guid HoldId)>();
        while (next < queue.Length && (received < settings.Stock || abandoned > 0 && live.Count > 0))
        {
            round++;
            var slice = received < settings.Stock ? Math.Min(settings.Stock - received, (settings.Stock + Slices - 1) / Slices) : 0;
            var sold = await RaceAsync(store, key, settings.Concurrency, async () =>
            {
                if (slice > 0)
                {
                    await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, slice)) { Reference = $"launch receipt {round}" }, cancellationToken);
                }
                else
                {
                    await Task.Delay(settings.ClaimWindow, cancellationToken);
                    await store.SweepAsync(cancellationToken);
                }
            }, cancellationToken);
            received += slice;
            hammered += settings.Concurrency;
            hammerSold += sold;
            live.Clear();

            // The new claims must be the next places of the queue, with nobody skipped: the places after the last served
            // one are read together (as many as units can have arrived, and some more), and must be claimed up to some
            // point and waiting after it.
            var window = Math.Min(queue.Length - next, slice + abandoned + settings.Concurrency);
            var read = new WaitlistPlace?[window];
            await Parallel.ForEachAsync(Enumerable.Range(0, window), parallel, async (j, ct) =>
                read[j] = await waitlist.GetWaitlistPlaceAsync(key, queue[next + j], ct));
            var claimed = read.TakeWhile(p => p is not null && p.State != WaitlistState.Waiting).Count();
            if (read.Skip(claimed).Any(p => p is null || p.State != WaitlistState.Waiting))
            {
                violations.Add($"round {round}: a place after queue place {next + claimed + 1} got a claim before it");
            }

            for (var j = 0; j < claimed; j++)
            {
                claimRound[next + j] = round;
                if (read[j]!.State == WaitlistState.Claimed)
                {
                    live.Add((next + j, read[j]!.HoldId!.Value));
                }
            }

            next += claimed;
            if (next < queue.Length)
            {
                hammerSoldWhileWaiting += sold;
            }

            // The claimants pay at once, all together, as buyers told by mail would; one in five never comes back.
            var boughtBefore = bought;
            await Parallel.ForEachAsync(live.Where(c => c.Place % AbandonEvery != AbandonEvery - 1), parallel, async (claim, ct) =>
            {
                if ((await store.ConfirmAsync(claim.HoldId, ct)).Outcome == HoldOutcome.Confirmed)
                {
                    Interlocked.Increment(ref bought);
                }
            });

            // Claims not bought (abandoned, or paid too late) lapse: their units go to the next places in a round of their own.
            abandoned = live.Count - (bought - boughtBefore);
        }

        stopwatch.Stop();

        // Every place: a prefix of the queue was served, in rounds that never go back; everybody after it still waits.
        var states = new WaitlistState[queue.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, queue.Length), parallel, async (i, ct) =>
            states[i] = (await waitlist.GetWaitlistPlaceAsync(key, queue[i], ct))?.State ?? WaitlistState.Left);

        var served = states.TakeWhile(s => s != WaitlistState.Waiting).Count();
        if (states.Skip(served).Any(s => s != WaitlistState.Waiting))
        {
            violations.Add($"a place after queue place {served} got a claim before a place ahead of it");
        }

        for (var i = 1; i < served; i++)
        {
            if (claimRound[i] < claimRound[i - 1])
            {
                violations.Add($"queue place {i + 1} got its claim in round {claimRound[i]}, before place {i} (round {claimRound[i - 1]})");
                break;
            }
        }

        var fulfilled = states.Count(s => s == WaitlistState.Fulfilled);
        var lapsed = states.Count(s => s == WaitlistState.Lapsed);
        var level = await store.GetLevelAsync(key, cancellationToken) ?? throw new InvalidOperationException("The launch item is gone.");
        if (fulfilled != bought)
        {
            violations.Add($"{bought:N0} claims were confirmed, but {fulfilled:N0} places read as fulfilled");
        }

        if (hammerSoldWhileWaiting > 0)
        {
            violations.Add($"buy-now buyers took {hammerSoldWhileWaiting:N0} units while people waited");
        }

        if (level.OnHand != received - bought - hammerSold || level.OnHand < 0 || level.Reserved < 0)
        {
            violations.Add($"on hand is {level.OnHand:N0}, but {received:N0} received less {bought:N0} bought by claims and {hammerSold:N0} by buy-now leaves {received - bought - hammerSold:N0}");
        }

        if (store is IStockReconciler reconciler && !(await reconciler.VerifyAsync(new ReconciliationRequest([key]), cancellationToken)).IsClean)
        {
            violations.Add("the item's counters do not match its ledger and live holds");
        }

        Print(Console.Out, [
            ("buyers in the queue", $"{queue.Length:N0}"),
            ("units received", $"{received:N0}"),
            ("rounds (receipts, then lapses)", $"{round:N0}"),
            ("queue places served (claimed)", $"{served:N0}"),
            ("  bought (claim confirmed)", $"{fulfilled:N0}"),
            ("  lapsed (unit passed on)", $"{lapsed:N0}"),
            ("  still claimed", $"{states.Count(s => s == WaitlistState.Claimed):N0}"),
            ("still waiting", $"{states.Count(s => s == WaitlistState.Waiting):N0}"),
            ("buy-now attempts during arrivals", $"{hammered:N0}"),
            ("  units they got while people waited", $"{hammerSoldWhileWaiting:N0}"),
            ("units left / reserved", $"{level.OnHand:N0} / {level.Reserved:N0}"),
            ("elapsed (joins)", $"{joining.TotalSeconds:N2} s"),
            ("elapsed (arrivals and claims)", $"{(stopwatch.Elapsed - joining).TotalSeconds:N2} s"),
        ]);
        Console.WriteLine();
        Console.WriteLine("Claims by queue place (round in which each place got its unit):");
        foreach (var group in Enumerable.Range(0, served).GroupBy(i => claimRound[i]))
        {
            Console.WriteLine($"  round {group.Key,2}: places {group.Min() + 1,6:N0} to {group.Max() + 1,6:N0} ({group.Count():N0})");
        }

        Console.WriteLine();
        if (violations.Count == 0)
        {
            Console.WriteLine($"Units went out in queue order: places 1 to {served:N0} were served in rounds that never went back, everybody after them still waits, and nobody jumped the queue.");
            return 0;
        }

        foreach (var violation in violations)
        {
            Console.WriteLine($"VIOLATION: {violation}");
        }

        return 1;
    }

    /// <summary>Runs <paramref name="arrival"/> while <paramref name="buyers"/> buy-now buyers try for one unit each; returns the units they got.</summary>
    private static async Task<long> RaceAsync(IStockStore store, StockKey key, int buyers, Func<Task> arrival, CancellationToken cancellationToken)
    {
        long sold = 0;
        var hammering = Parallel.ForEachAsync(
            Enumerable.Range(0, buyers),
            new ParallelOptions { MaxDegreeOfParallelism = buyers, CancellationToken = cancellationToken },
            async (_, ct) =>
            {
                if ((await store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { Reference = "buy now" }, ct)).Succeeded)
                {
                    Interlocked.Increment(ref sold);
                }
            });
        await arrival();
        await hammering;
        return sold;
    }

    private static void Print(TextWriter output, (string Name, string Value)[] rows)
    {
        var width = rows.Max(r => r.Name.Length);
        output.WriteLine();
        output.WriteLine($"| {"".PadRight(width)} | {"",15} |");
        output.WriteLine($"|{new string('-', width + 2)}|{new string('-', 17)}|");
        foreach (var (name, value) in rows)
        {
            output.WriteLine($"| {name.PadRight(width)} | {value,15} |");
        }
    }
}
