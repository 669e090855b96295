#:property GenerateDocumentationFile=true
#:property NoWarn=$(NoWarn);CS1591
// Checks every .nupkg in a folder the way nuget.org and a debugger will read it:
//   - the nuspec names a README that is in the package, a description that names the Coalescing strategy, the repository
//     URL and the commit it was built from;
//   - the README has no relative links or images (nuget.org cannot resolve them);
//   - every assembly under lib/ has an embedded portable PDB with SourceLink JSON that maps to the repository at that
//     commit, and embeds its sources.
// Usage: dotnet run eng/check-packages.cs -- artifacts/packages   (run by .ci/run after dotnet pack)
using System.IO.Compression;
using System.Reflection.PortableExecutable;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

var folder = args.Length > 0 ? args[0] : "artifacts/packages";
var packages = Directory.GetFiles(folder, "*.nupkg");
if (packages.Length == 0)
{
    Console.Error.WriteLine($"check-packages: no .nupkg in {folder}");
    return 1;
}

var sourceLinkKind = new Guid("CC110556-A091-4D38-9FEC-25AB9A351A6A");
var embeddedSourceKind = new Guid("0E8A571B-6926-466E-B4AD-8AB04611F5FE");
var failures = new List<string>();
foreach (var path in packages.Order())
{
    var name = Path.GetFileName(path);
    using var zip = ZipFile.OpenRead(path);
    var nuspecEntry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/'));
    XDocument nuspec;
    using (var stream = nuspecEntry.Open())
    {
        nuspec = XDocument.Load(stream);
    }

    var ns = nuspec.Root!.Name.Namespace;
    var metadata = nuspec.Root.Element(ns + "metadata")!;
    void Fail(string what) => failures.Add($"{name}: {what}");

    var readme = metadata.Element(ns + "readme")?.Value;
    var readmeEntry = readme is null ? null : zip.GetEntry(readme.Replace('\\', '/'));
    if (readmeEntry is null)
    {
        Fail("no README (nuspec <readme> missing or the file is not in the package)");
    }
    else
    {
        using var reader = new StreamReader(readmeEntry.Open());
        var text = reader.ReadToEnd();
        foreach (Match link in Regex.Matches(text, @"!?\[[^\]]*\]\(([^)\s]+)[^)]*\)"))
        {
            var target = link.Groups[1].Value;
            if (!target.StartsWith("https://", StringComparison.Ordinal) && !target.StartsWith("http://", StringComparison.Ordinal))
            {
                Fail($"README link '{target}' is relative; nuget.org cannot follow it");
            }
        }
    }

    if (metadata.Element(ns + "description")?.Value is not { } description || !description.Contains("Coalescing", StringComparison.Ordinal))
    {
        Fail("the description does not name the Coalescing strategy");
    }

    var repository = metadata.Element(ns + "repository");
    var url = repository?.Attribute("url")?.Value;
    var commit = repository?.Attribute("commit")?.Value;
    if (string.IsNullOrEmpty(url) || string.IsNullOrEmpty(commit))
    {
        Fail("the nuspec has no <repository url=… commit=…>");
        continue;
    }

    var rawPrefix = url.Replace("https://github.com/", "https://raw.githubusercontent.com/", StringComparison.Ordinal).TrimEnd('/') + "/" + commit + "/";
    var assemblies = zip.Entries.Where(e => e.FullName.StartsWith("lib/", StringComparison.Ordinal) && e.FullName.EndsWith(".dll", StringComparison.Ordinal)).ToList();
    if (assemblies.Count == 0)
    {
        Fail("no assembly under lib/");
    }

    foreach (var entry in assemblies)
    {
        using var memory = new MemoryStream();
        using (var stream = entry.Open())
        {
            stream.CopyTo(memory);
        }

        memory.Position = 0;
        using var pe = new PEReader(memory);
        var embedded = pe.ReadDebugDirectory().Where(d => d.Type == DebugDirectoryEntryType.EmbeddedPortablePdb).ToList();
        if (embedded.Count != 1)
        {
            Fail($"{entry.FullName} has no embedded portable PDB");
            continue;
        }

        using var pdbProvider = pe.ReadEmbeddedPortablePdbDebugDirectoryData(embedded[0]);
        var pdb = pdbProvider.GetMetadataReader();
        var sourceLink = pdb.CustomDebugInformation
            .Select(pdb.GetCustomDebugInformation)
            .Where(c => pdb.GetGuid(c.Kind) == sourceLinkKind)
            .Select(c => Encoding.UTF8.GetString(pdb.GetBlobBytes(c.Value)))
            .SingleOrDefault();
        if (sourceLink is null)
        {
            Fail($"{entry.FullName} has no SourceLink in its PDB");
        }
        else if (!sourceLink.Contains(rawPrefix, StringComparison.Ordinal))
        {
            Fail($"{entry.FullName}: SourceLink {sourceLink} does not map to {rawPrefix}");
        }

        var documents = pdb.Documents.Count;
        var embeddedSources = pdb.CustomDebugInformation
            .Select(pdb.GetCustomDebugInformation)
            .Count(c => pdb.GetGuid(c.Kind) == embeddedSourceKind);
        if (embeddedSources < documents)
        {
            Fail($"{entry.FullName}: {embeddedSources} of {documents} source files are embedded in the PDB");
        }

        if (pdb.Documents.Select(pdb.GetDocument).Any(d => !pdb.GetString(d.Name).StartsWith("/_/", StringComparison.Ordinal)))
        {
            Fail($"{entry.FullName}: the PDB has machine paths (not a deterministic CI build)");
        }
    }

    Console.WriteLine($"check-packages: {name}: README, repository {url} @ {commit[..12]}, SourceLink and embedded sources in {assemblies.Count} assembly(ies)");
}

foreach (var failure in failures)
{
    Console.Error.WriteLine($"check-packages: FAIL {failure}");
}

Console.WriteLine($"check-packages: {packages.Length - failures.Select(f => f.Split(':')[0]).Distinct().Count()} of {packages.Length} packages pass");
return failures.Count == 0 ? 0 : 1;
