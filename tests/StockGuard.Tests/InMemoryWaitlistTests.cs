using StockGuard.Testing;

namespace StockGuard.Tests;

public sealed class InMemoryWaitlistTests : WaitlistContractTests<InMemoryTestProvider>;
