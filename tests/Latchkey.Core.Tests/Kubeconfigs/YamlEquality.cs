using YamlDotNet.RepresentationModel;

namespace Latchkey.Core.Tests.Kubeconfigs;

/// <summary>The tests' own idea of "equal in meaning", written apart from the code under test.</summary>
internal static class YamlEquality
{
    public static bool Same(YamlNode a, YamlNode b) => (a, b) switch
    {
        (YamlScalarNode x, YamlScalarNode y) => x.Value == y.Value && x.Tag == y.Tag,
        (YamlSequenceNode x, YamlSequenceNode y) => x.Children.Count == y.Children.Count
            && Enumerable.Range(0, x.Children.Count).All(i => Same(x.Children[i], y.Children[i])),
        (YamlMappingNode x, YamlMappingNode y) => x.Children.Count == y.Children.Count
            && x.Children.All(p => y.Children.Any(q => Same(p.Key, q.Key) && Same(p.Value, q.Value))),
        _ => false,
    };
}
