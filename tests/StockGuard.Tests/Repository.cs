using NUnit.Framework;

namespace StockGuard.Tests;

/// <summary>The repository these tests were built from: conventions and golden files are checked against its sources.</summary>
internal static class Repository
{
    /// <summary>The folder that holds StockGuard.sln.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StockGuard.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("StockGuard.sln not found above the test directory.");
    }
}
