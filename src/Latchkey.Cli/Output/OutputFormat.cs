using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Latchkey.Core.Kubeconfigs;
using YamlDotNet.RepresentationModel;

namespace Latchkey.Cli.Output;

/// <summary>The <c>-o</c> option: a table (or text) for people, JSON or YAML for programs.</summary>
internal static class OutputFormat
{
    public const string Table = "table";
    public const string Json = "json";
    public const string Yaml = "yaml";

    public static Option<string> Option(string defaultFormat = Table, params string[] formats)
    {
        string[] allowed = formats.Length == 0 ? [Table, Json, Yaml] : formats;
        var option = new Option<string>("--output", "-o")
        {
            Description = $"Output format: {string.Join(", ", allowed)}.",
            DefaultValueFactory = _ => defaultFormat,
            HelpName = "format",
        };
        option.AcceptOnlyFromAmong(allowed);
        return option;
    }

    /// <summary>Writes <paramref name="value"/> as JSON or YAML; false for the table format (the caller prints its own).</summary>
    public static bool TryWrite<T>(TextWriter output, string format, T value, JsonTypeInfo<T> type)
    {
        switch (format)
        {
            case Json:
                output.WriteLine(JsonSerializer.Serialize(value, type));
                return true;
            case Yaml:
                output.Write(YamlNodes.Write(ToYaml(JsonSerializer.SerializeToNode(value, type))));
                return true;
            default:
                return false;
        }
    }

    private static YamlNode ToYaml(JsonNode? node) => node switch
    {
        JsonObject o => new YamlMappingNode(o.Select(p => new KeyValuePair<YamlNode, YamlNode>(YamlNodes.Scalar(p.Key), ToYaml(p.Value)))),
        JsonArray a => new YamlSequenceNode(a.Select(ToYaml)),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => YamlNodes.Scalar(v.GetValue<string>()),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => new YamlScalarNode(v.ToJsonString()),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => YamlNodes.Boolean(v.GetValueKind() == JsonValueKind.True),
        _ => new YamlScalarNode("null"),
    };
}
