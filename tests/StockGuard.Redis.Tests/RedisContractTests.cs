using StockGuard.Testing;

namespace StockGuard.Redis.Tests;

public sealed class RedisContractTests : StockStoreContractTests<SingleRedisTestProvider>;

public sealed class RedisClusterContractTests : StockStoreContractTests<ClusterRedisTestProvider>;
