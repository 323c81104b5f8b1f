using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace InferenceOperator.Api.Schema;

/// <summary>Reads the compiler's XML documentation file so that C# doc comments become CRD descriptions.</summary>
internal sealed partial class XmlDocumentation
{
    private readonly Dictionary<string, string> summaries = new(StringComparer.Ordinal);

    public XmlDocumentation(params Assembly[] assemblies)
    {
        foreach (var assembly in assemblies)
        {
            var path = Path.ChangeExtension(assembly.Location, ".xml");
            if (!File.Exists(path))
            {
                continue;
            }

            foreach (var member in XDocument.Load(path).Descendants("member"))
            {
                var name = member.Attribute("name")?.Value;
                var summary = member.Element("summary");
                if (name is not null && summary is not null)
                {
                    summaries[name] = Flatten(summary);
                }
            }
        }
    }

    public string? For(Type type) => summaries.GetValueOrDefault("T:" + type.FullName?.Replace('+', '.'));

    public string? For(PropertyInfo property) =>
        summaries.GetValueOrDefault("P:" + property.DeclaringType?.FullName?.Replace('+', '.') + "." + property.Name);

    private static string Flatten(XElement summary)
    {
        var text = string.Concat(summary.Nodes().Select(node => node switch
        {
            XText t => t.Value,
            XElement { Name.LocalName: "see" or "seealso" } e =>
                (e.Attribute("cref")?.Value ?? e.Attribute("langword")?.Value ?? "").Split('.', ':').Last(),
            XElement e => e.Value,
            _ => "",
        }));
        return Whitespace().Replace(text, " ").Trim();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
