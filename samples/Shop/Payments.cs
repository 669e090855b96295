using Microsoft.Extensions.Options;

namespace Shop;

/// <summary>What the payment provider answered.</summary>
internal enum PaymentAnswer
{
    Approved,
    Declined,
}

/// <summary>An authorisation: money reserved on the buyer's card, captured once the goods are sold, or voided.</summary>
internal sealed record Payment(string Id, long AmountCents, PaymentAnswer Answer, DateTimeOffset AnsweredAt);

/// <summary>
/// A simulated card payment provider: it answers after <see cref="PaymentOptions.Delay"/>, declines some payments
/// and answers some only after the cart's holds have run out, as real providers sometimes do. Its time comes
/// from <see cref="TimeProvider"/>, so a test with a fake clock decides when a payment arrives.
/// </summary>
internal sealed class PaymentGateway(IOptions<PaymentOptions> options, TimeProvider time)
{
    private readonly PaymentOptions _options = options.Value;
    private readonly Random _dice = options.Value.Seed is { } seed ? new Random(seed) : new Random();
    private readonly Lock _diceLock = new();
    private long _captured;
    private long _voided;

    /// <summary>Cents captured so far.</summary>
    public long CapturedCents => Interlocked.Read(ref _captured);

    /// <summary>Cents authorised and then given back so far.</summary>
    public long VoidedCents => Interlocked.Read(ref _voided);

    /// <summary>Raised when a payment starts waiting for the provider's answer (its timer is set): tests advance the clock then.</summary>
    public event EventHandler? AnswerPending;

    /// <summary>
    /// Asks the provider to authorise <paramref name="amountCents"/>. A late answer comes two seconds after
    /// <paramref name="deadline"/>, when the cart's holds have run out.
    /// </summary>
    public async Task<Payment> AuthorizeAsync(long amountCents, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        bool declined, late;
        lock (_diceLock)
        {
            declined = _dice.NextDouble() < _options.DeclineRate;
            late = _dice.NextDouble() < _options.LateRate;
        }

        var delay = !declined && late ? deadline - time.GetUtcNow() + TimeSpan.FromSeconds(2) : _options.Delay;
        if (delay > TimeSpan.Zero)
        {
            var answer = Task.Delay(delay, time, cancellationToken);
            AnswerPending?.Invoke(this, EventArgs.Empty);
            await answer;
        }

        return new Payment($"pay_{Guid.NewGuid():N}"[..16], amountCents, declined ? PaymentAnswer.Declined : PaymentAnswer.Approved, time.GetUtcNow());
    }

    /// <summary>Takes <paramref name="amountCents"/> of an approved authorisation and gives the rest back.</summary>
    public void Capture(Payment payment, long amountCents)
    {
        Interlocked.Add(ref _captured, amountCents);
        Interlocked.Add(ref _voided, payment.AmountCents - amountCents);
    }
}
