using Microsoft.Playwright;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.Shop.Tests;

/// <summary>
/// The system's Chromium, driven by Playwright. Nothing is downloaded: Playwright's driver ships in its NuGet package
/// and launches the browser Debian installed (<c>eng/servers.sh</c> installs the <c>chromium</c> package when it is
/// missing). Without it the tests skip, or fail when <c>STOCKGUARD_REQUIRE_SERVERS=1</c>.
/// </summary>
internal static class Browser
{
    /// <summary>Names another Chromium or Chrome executable than <c>/usr/bin/chromium</c>.</summary>
    public const string ExecutableVariable = "STOCKGUARD_CHROMIUM";

    public static string ExecutablePath => Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        var path = ExecutablePath;
        if (!File.Exists(path))
        {
            var message = $"Chromium is not installed at {path}. Run eng/servers.sh (or eng/test.sh), which installs Debian's " +
                $"chromium package, or point {ExecutableVariable} at a Chromium or Chrome executable.";
            if (TestServers.Required)
            {
                Assert.Fail($"{message} {TestServers.RequireServersVariable}=1, so a missing browser is a failure.");
            }

            Assert.Ignore(message);
        }

        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = path, Headless = true });
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }
}
