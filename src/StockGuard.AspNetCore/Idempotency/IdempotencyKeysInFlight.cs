using System.Collections.Concurrent;

namespace StockGuard.AspNetCore;

/// <summary>
/// The Idempotency-Key values whose requests this process is still handling. The draft answers a second request with the
/// same key 409 while the first runs; across processes the store itself serialises them (the second gets the first's result).
/// </summary>
internal sealed class IdempotencyKeysInFlight
{
    private readonly ConcurrentDictionary<string, byte> _keys = new(StringComparer.Ordinal);

    public bool TryEnter(string key) => _keys.TryAdd(key, 0);

    public void Exit(string key) => _keys.TryRemove(key, out _);
}
