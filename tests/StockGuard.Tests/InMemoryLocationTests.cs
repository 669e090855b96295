using StockGuard.Testing;

namespace StockGuard.Tests;

public sealed class InMemoryLocationTests : LocationContractTests<InMemoryTestProvider>;
