using System.Reflection;
using System.Text.RegularExpressions;
using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Tests;

/// <summary>Rules every shipped package follows, checked over the built assemblies and the sources under src/.</summary>
public sealed partial class ConventionTests
{
    private static readonly string RepositoryRoot = FindRepositoryRoot();

    private static IEnumerable<string> PackageNames() =>
        Directory.GetDirectories(Path.Combine(RepositoryRoot, "src"))
            .Where(d => File.Exists(Path.Combine(d, Path.GetFileName(d) + ".csproj")))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)!;

    private static IEnumerable<Assembly> PackageAssemblies() => PackageNames().Select(name => Assembly.Load(name));

    [Test]
    public void Every_package_under_src_is_referenced_by_this_test_project_so_the_conventions_cover_it()
    {
        var act = () => PackageAssemblies().ToList();
        act.Should().NotThrow("add a ProjectReference to each package under src/ in StockGuard.Tests.csproj");
    }

    [Test]
    public void Public_classes_are_sealed_unless_a_public_class_derives_from_them()
    {
        var types = PackageAssemblies().SelectMany(a => a.GetExportedTypes()).ToList();
        var bases = types.Select(t => t.BaseType).Where(t => t is not null).ToHashSet();

        var unsealed = types.Where(t => t.IsClass && !t.IsAbstract && !t.IsSealed && !bases.Contains(t)).Select(t => t.FullName);

        unsealed.Should().BeEmpty("public classes are sealed unless designed for inheritance");
    }

    [Test]
    public void Namespaces_match_their_assembly()
    {
        var misplaced = PackageAssemblies()
            .SelectMany(a => a.GetExportedTypes().Select(t => (Assembly: a.GetName().Name!, Type: t)))
            .Where(x => x.Type.Namespace != x.Assembly && x.Type.Namespace?.StartsWith(x.Assembly + ".", StringComparison.Ordinal) != true)
            .Where(x => !(x.Type.Namespace == "Microsoft.Extensions.DependencyInjection" && x.Type.IsAbstract && x.Type.IsSealed && x.Type.Name.EndsWith("Extensions", StringComparison.Ordinal)))
            .Select(x => $"{x.Type.FullName} in {x.Assembly}");

        misplaced.Should().BeEmpty("a type's namespace starts with its assembly's name (DI extension classes live in Microsoft.Extensions.DependencyInjection)");
    }

    [Test]
    public void Every_await_in_library_code_has_ConfigureAwait_false()
    {
        var missing = new List<string>();
        foreach (var (file, text) in LibrarySources())
        {
            foreach (Match match in AwaitPattern().Matches(text))
            {
                var statementEnd = text.IndexOfAny([';', '{'], match.Index);
                var statement = text[match.Index..(statementEnd < 0 ? text.Length : statementEnd)];
                if (!statement.Contains(".ConfigureAwait(false)", StringComparison.Ordinal) && !statement.Contains("Task.Yield()", StringComparison.Ordinal))
                {
                    missing.Add($"{file}:{LineOf(text, match.Index)}: {statement.Trim()}");
                }
            }
        }

        missing.Should().BeEmpty("library code never resumes on the caller's synchronization context");
    }

    [Test]
    public void Library_code_never_writes_to_the_console()
    {
        var writers = LibrarySources()
            .SelectMany(s => ConsolePattern().Matches(s.Text).Select(m => $"{s.File}:{LineOf(s.Text, m.Index)}"));

        writers.Should().BeEmpty("libraries log through ILogger; the console belongs to the application");
    }

    [Test]
    public void Library_code_reads_time_only_from_TimeProvider()
    {
        var clocks = LibrarySources()
            .SelectMany(s => ClockPattern().Matches(s.Text).Select(m => $"{s.File}:{LineOf(s.Text, m.Index)}: {m.Value}"));

        clocks.Should().BeEmpty("time in logic goes through TimeProvider so that holds and expiry can be tested with a fake clock");
    }

    private static IEnumerable<(string File, string Text)> LibrarySources() =>
        Directory.EnumerateFiles(Path.Combine(RepositoryRoot, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (Path.GetRelativePath(RepositoryRoot, f), StripCommentsAndStrings(File.ReadAllText(f))));

    /// <summary>Blanks out comments and string literals, keeping line breaks so line numbers stay right.</summary>
    private static string StripCommentsAndStrings(string source) =>
        CommentOrStringPattern().Replace(source, m => new string(m.Value.Select(c => c == '\n' ? '\n' : ' ').ToArray()));

    private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    private static string FindRepositoryRoot()
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

    [GeneratedRegex(@"\bawait\s")]
    private static partial Regex AwaitPattern();

    [GeneratedRegex(@"\bConsole\s*\.")]
    private static partial Regex ConsolePattern();

    [GeneratedRegex(@"\b(DateTime|DateTimeOffset)\s*\.\s*(Now|UtcNow|Today)\b")]
    private static partial Regex ClockPattern();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/|@""(?:[^""]|"""")*""|\$?""""""[\s\S]*?""""""|\$?""(?:[^""\\\n]|\\.)*""|'(?:[^'\\\n]|\\.)'", RegexOptions.Singleline)]
    private static partial Regex CommentOrStringPattern();
}
