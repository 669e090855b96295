using System.Reflection;
using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Tests;

/// <summary>Rules every shipped package follows, checked over the built assemblies and the sources under src/.</summary>
public sealed class ConventionTests
{
    private static readonly string RepositoryRoot = Repository.Root;

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
    public void Every_store_package_has_its_own_test_project()
    {
        var untested = PackageNames()
            .Where(name => name is not "StockGuard" and not "StockGuard.Sql" and not "StockGuard.Testing")
            .Where(name => !File.Exists(Path.Combine(RepositoryRoot, "tests", name + ".Tests", name + ".Tests.csproj")));

        untested.Should().BeEmpty("each store closes the shared contract suite in a test project of its own");
    }

    [Test]
    public void Packages_share_internals_only_with_the_packages_built_on_them_and_with_tests()
    {
        // The core is reached through its public API, but for the server clock (Clocks/ServerClock) that the SQL and
        // Redis stores share; StockGuard.Sql's internal dialect is the seam the provider packages share. Packages depend
        // on each other by exact version. Any package may open itself to its tests.
        var allowed = new Dictionary<string, string[]>
        {
            ["StockGuard"] = ["StockGuard.Benchmarks", "StockGuard.Sql", "StockGuard.Redis"],
            ["StockGuard.Sql"] = ["StockGuard.PostgreSql", "StockGuard.MySql", "StockGuard.Sqlite", "StockGuard.PostgreSql.Tests", "StockGuard.MySql.Tests", "StockGuard.Sqlite.Tests"],
        };

        foreach (var assembly in PackageAssemblies())
        {
            var name = assembly.GetName().Name!;
            var friends = assembly.GetCustomAttributes<System.Runtime.CompilerServices.InternalsVisibleToAttribute>().Select(a => a.AssemblyName);
            friends.Should().BeSubsetOf([.. allowed.GetValueOrDefault(name, []), name + ".Tests"], "{0} shares its internals only where the design says", name);
        }
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
            .Where(x => !(x.Type.Namespace is "Microsoft.Extensions.DependencyInjection" or "Microsoft.AspNetCore.Builder" && x.Type.IsAbstract && x.Type.IsSealed && x.Type.Name.EndsWith("Extensions", StringComparison.Ordinal)))
            .Select(x => $"{x.Type.FullName} in {x.Assembly}");

        misplaced.Should().BeEmpty("a type's namespace starts with its assembly's name (DI extension classes live in Microsoft.Extensions.DependencyInjection, endpoint extension classes in Microsoft.AspNetCore.Builder)");
    }
}
