using StockGuard.Testing;

namespace StockGuard.Tests;

/// <summary>Delivery of the in-memory store's change feed, and its read cache.</summary>
public sealed class InMemoryChangeDeliveryTests : ChangeDeliveryTests<InMemoryTestProvider>;
