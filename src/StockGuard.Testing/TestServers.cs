using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>How tests that need a database server behave when it cannot be reached.</summary>
public static class TestServers
{
    /// <summary>The environment variable that turns a missing server from a skip into a failure (CI sets it to 1).</summary>
    public const string RequireServersVariable = "STOCKGUARD_REQUIRE_SERVERS";

    /// <summary>Whether a missing server fails the run.</summary>
    public static bool Required => Environment.GetEnvironmentVariable(RequireServersVariable) is "1" or "true";

    /// <summary>Reads a connection string from <paramref name="variable"/>, or the loopback default.</summary>
    public static string ConnectionString(string variable, string loopbackDefault) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : loopbackDefault;

    /// <summary>
    /// Skips the fixture (or fails it when <see cref="RequireServersVariable"/> is set) with a message that
    /// names the server and the variable, never the password.
    /// </summary>
    /// <param name="server">The server, e.g. "PostgreSQL at 127.0.0.1:5432".</param>
    /// <param name="variable">The variable that holds its connection string.</param>
    /// <param name="error">Why it could not be reached.</param>
    public static void Unavailable(string server, string variable, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var message = $"{server} is not reachable ({error.GetType().Name}: {error.Message}). " +
            $"Run eng/test.sh, which installs and starts it, or point {variable} at a server.";
        if (Required)
        {
            Assert.Fail($"{message} {RequireServersVariable}=1, so a missing server is a failure.");
        }

        Assert.Ignore(message);
    }
}
