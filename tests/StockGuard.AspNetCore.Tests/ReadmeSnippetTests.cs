using System.Text.RegularExpressions;
using FluentAssertions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NUnit.Framework;

namespace StockGuard.AspNetCore.Tests;

/// <summary>
/// Every <c>```csharp</c> block of the repository's README, each package's README and docs/aspnetcore.md compiles as pasted:
/// alone, as the Program.cs (or a file) of a new project with the StockGuard packages and the SDK's implicit usings (the
/// web SDK's for the ASP.NET Core pages, the console's for the others).
/// </summary>
public sealed partial class ReadmeSnippetTests
{
    private static readonly string[] ConsoleUsings =
        ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks"];

    private static readonly string[] WebUsings =
    [
        .. ConsoleUsings, "System.Net.Http.Json", "Microsoft.AspNetCore.Builder", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Http",
        "Microsoft.AspNetCore.Routing", "Microsoft.Extensions.Configuration", "Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.Hosting",
        "Microsoft.Extensions.Logging",
    ];

    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => p.EndsWith(".dll", StringComparison.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToArray());

    public static IEnumerable<TestCaseData> Snippets()
    {
        var root = FindRoot();
        var files = new[] { "README.md", "docs/aspnetcore.md" }
            .Concat(Directory.GetFiles(Path.Combine(root, "src"), "README.md", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)))
            .Select(f => f.Replace('\\', '/'))
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var blocks = CSharpBlock().Matches(File.ReadAllText(Path.Combine(root, file)));
            for (var i = 0; i < blocks.Count; i++)
            {
                yield return new TestCaseData(file, blocks[i].Groups["code"].Value).SetName($"{file} block {i + 1} compiles as pasted");
            }
        }
    }

    [Test]
    public void The_readmes_have_csharp_blocks()
    {
        Snippets().Select(s => (string)s.Arguments[0]!).Distinct()
            .Should().Contain(["README.md", "docs/aspnetcore.md", "src/StockGuard.AspNetCore/README.md", "src/StockGuard/README.md"]);
    }

    [TestCaseSource(nameof(Snippets))]
    public void Compiles(string file, string code)
    {
        var web = file.Contains("aspnetcore", StringComparison.OrdinalIgnoreCase);
        var options = new CSharpParseOptions(LanguageVersion.Latest);
        var snippet = CSharpSyntaxTree.ParseText(code, options, path: file);
        var usings = CSharpSyntaxTree.ParseText(string.Concat((web ? WebUsings : ConsoleUsings).Select(u => $"global using global::{u};\n")), options);
        var program = snippet.GetCompilationUnitRoot().Members.Any(m => m is Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax);
        var compilation = CSharpCompilation.Create(
            "Snippet",
            [snippet, usings],
            References.Value,
            new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString());

        errors.Should().BeEmpty($"the block of {file} must compile as pasted:\n{code}");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StockGuard.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("StockGuard.sln not found above the test directory.");
    }

    [GeneratedRegex(@"^```csharp[ \t]*\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
