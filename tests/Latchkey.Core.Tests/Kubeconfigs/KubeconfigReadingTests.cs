using Latchkey.Core.Kubeconfigs;
using YamlDotNet.RepresentationModel;

namespace Latchkey.Core.Tests.Kubeconfigs;

/// <summary>Text that once crashed, hung or changed in the reader and writer (found by fuzz/run.sh kubeconfig), and what it gives now.</summary>
public class KubeconfigReadingTests
{
    [Theory]
    [InlineData("clusters:\n- name: a\n  ? [x]\n  : y\n", "the mapping key at line 3, column 5 is a list or a mapping; a key is a plain string.")]
    [InlineData("users:\n- name: u\n  user: {[token]: a}\n", "the mapping key at line 3, column 10 is a list or a mapping; a key is a plain string.")]
    [InlineData("users:\n- name: u\n  user:\n  ? exec: {command: latchkey}\n  : x\n", "the mapping key at line 4, column 5 is a list or a mapping; a key is a plain string.")]
    [InlineData("x: &m {a: b}\nusers:\n- name: u\n  *m : c\n", "the mapping key at line 4, column 3 is a list or a mapping; a key is a plain string.")]
    [InlineData("users:\n- name: u\n  ~: x\n", "it has an empty mapping key or a null one (line 3, column 3).")]
    [InlineData("users:\n- name: u\n  null: x\n", "it has an empty mapping key or a null one (line 3, column 3).")]
    [InlineData("users:\n- {name: u, : x}\n", "it has an empty mapping key or a null one (line 2, column 13).")]
    [InlineData("users:\n- name: u\n  user: {token: a, !!str token: b}\n", "a mapping has the key 'token' twice (the second at line 3, column 20).")]
    public void A_mapping_key_that_is_not_one_plain_string_is_refused_with_where_it_is(string text, string reason)
    {
        var refused = Assert.Throws<KubeconfigException>(() => Kubeconfig.Parse(text, "config"));

        Assert.Equal($"config is not a valid kubeconfig: {reason}", refused.Message);
    }

    [Theory]
    [InlineData("users:\n- name: u\n  user: {token: !%2b t}\n", "line 3, column 17")]
    [InlineData("users:\n- name: u\n  user: !x {token: t}\n", "line 3, column 9")]
    public void A_tag_other_than_yamls_own_is_refused_with_where_it_is(string text, string at)
    {
        var refused = Assert.Throws<KubeconfigException>(() => Kubeconfig.Parse(text, "config"));

        Assert.Equal($"config is not a valid kubeconfig: the tag at {at} is not one of YAML's own (such as !!str); a kubeconfig has no use for it.", refused.Message);
    }

    [Fact]
    public void Yamls_own_tags_are_kept()
    {
        var written = Kubeconfig.Parse("users:\n- name: u\n  user: {token: !!str 123, n: ! x}\n", "config").ToYaml();

        Assert.Equal("users:\n- name: u\n  user: {token: !!str 123, n: ! x}\n", written);
    }

    [Fact]
    public void A_quoted_null_is_a_string_key()
    {
        var config = Kubeconfig.Parse("users:\n- name: u\n  user: {\"null\": x, token: t}\n", "config");

        Assert.Equal("x", config.Find(KubeconfigSection.Users, "u")!["null"]);
    }

    [Theory]
    [InlineData("!!+!", "near line 1, column 5: Global tags must be valid URIs")]
    [InlineData("clusters: !!]\n", "near line 1, column 9: Global tags must be valid URIs")]
    [InlineData("clusters: [!!a]\n", "near line 1, column 11: Global tags must be valid URIs")]
    [InlineData("... [", "near line 1, column 1: an unclosed [ or {, or a stray character")]
    public void Text_the_yaml_reader_fails_on_with_an_exception_of_its_own_is_refused_as_invalid_yaml(string text, string reason)
    {
        var refused = Assert.Throws<KubeconfigException>(() => Kubeconfig.Parse(text, "config"));

        Assert.Equal($"config is not valid YAML ({reason}).", refused.Message);
    }

    [Theory]
    [InlineData("|+\n      x\n\n", "x\n\n")]
    [InlineData("|+\n      x\n\n\n", "x\n\n\n")]
    [InlineData("|+\n\n", "\n")]
    [InlineData(">+\n      x\n\n", "x\n\n")]
    [InlineData(">+\n\n", "\n")]
    public void A_block_scalar_with_keep_chomping_is_written_double_quoted_and_reads_back_the_same(string block, string value)
    {
        var loaded = Kubeconfig.Parse($"users:\n- name: u\n  user:\n    token: {block}", "config");
        var written = loaded.ToYaml();

        var reread = Kubeconfig.Parse(written, "written");

        Assert.Equal(value, loaded.Find(KubeconfigSection.Users, "u")!["token"]);
        Assert.Equal(value, reread.Find(KubeconfigSection.Users, "u")!["token"]);
        Assert.Contains($"token: \"{value.Replace("\n", "\\n", StringComparison.Ordinal)}\"\n", written, StringComparison.Ordinal);
        Assert.Equal(written, reread.ToYaml());
    }

    [Fact]
    public void A_block_scalar_that_reads_back_the_same_keeps_its_style()
    {
        var written = Kubeconfig.Parse("users:\n- name: u\n  user:\n    token: |\n      line 1\n      line 2\n", "config").ToYaml();

        Assert.Contains("    token: |\n      line 1\n      line 2\n", written, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plain_value_starting_with_a_colon_is_written_quoted_so_a_flow_collection_before_it_cannot_eat_the_colon()
    {
        // YamlDotNet reads "::x" right after a flow collection as ":x"; written plain, ":x" would come back as "x".
        var loaded = Kubeconfig.Parse("users:\n- name: u\n  user:\n    args:\n    - {a: b}\n    - ::x\n", "config");
        var written = loaded.ToYaml();

        var reread = Kubeconfig.Parse(written, "written");

        Assert.Equal(":x", SecondArg(loaded));
        Assert.Equal(":x", SecondArg(reread));
        Assert.Contains("    - \":x\"\n", written, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plain_key_the_yaml_reader_would_misread_is_written_quoted()
    {
        // Written plain, "x *y: z" reads back as the one string "x *y: z".
        var loaded = Kubeconfig.Parse("users:\n- name: u\n  user:\n    ? x *y\n    : z\n", "config");
        var written = loaded.ToYaml();

        var reread = Kubeconfig.Parse(written, "written");

        Assert.Equal("users:\n- name: u\n  user:\n    \"x *y\": z\n", written);
        Assert.Equal("z", reread.Find(KubeconfigSection.Users, "u")!["x *y"]);
    }

    [Fact]
    public void An_unknown_directive_cut_off_by_the_end_of_the_text_at_1024_characters_is_read_without_hanging()
    {
        var text = ("%x " + new string('[', 2000))[..1024];

        var config = Kubeconfig.Parse(text, "config");

        Assert.Empty(config.Entries(KubeconfigSection.Clusters));
    }

    [Theory]
    [InlineData("[", "it nests lists and mappings more than 64 levels deep.")]
    [InlineData("{a: ", "it nests lists and mappings more than 64 levels deep.")]
    [InlineData("[{a: ", "it nests lists and mappings more than 64 levels deep.")]
    [InlineData("{", "the mapping key at line 1, column 12 is a list or a mapping; a key is a plain string.")]
    public void More_than_64_unclosed_flow_brackets_are_refused_before_they_are_read(string opening, string reason)
    {
        var text = "clusters: " + string.Concat(Enumerable.Repeat(opening, 65_000 / opening.Length));

        var refused = Assert.Throws<KubeconfigException>(() => Kubeconfig.Parse(text, "config"));

        Assert.Equal($"config is not a valid kubeconfig: {reason}", refused.Message);
    }

    [Fact]
    public void Nesting_through_an_alias_counts_the_nesting_of_what_it_stands_for()
    {
        var deep = new string('[', 40) + "x" + new string(']', 40);
        var text = $"users:\n- name: u\n  user:\n    a: &a {deep}\n    b: {new string('[', 40)}*a{new string(']', 40)}\n";

        var refused = Assert.Throws<KubeconfigException>(() => Kubeconfig.Parse(text, "config"));

        Assert.Equal("config is not a valid kubeconfig: it nests lists and mappings more than 64 levels deep counting the nodes its aliases stand for.", refused.Message);
    }

    [Fact]
    public void Aliases_that_stand_for_more_than_256_KiB_are_refused_though_the_whole_is_under_4_MiB()
    {
        // Nine times nine ... six levels: 9^6 scalars of "lol", about 2 MiB expanded.
        var text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
            + string.Concat(Enumerable.Range(1, 5).Select(i => $"{(char)('a' + i)}: &{(char)('a' + i)} [{string.Join(", ", Enumerable.Repeat($"*{(char)('a' + i - 1)}", 9))}]\n"));

        var refused = Assert.Throws<KubeconfigException>(() => Kubeconfig.Parse(text, "config"));

        Assert.Equal("config is not a valid kubeconfig: its aliases stand for over 256 KiB of YAML when expanded.", refused.Message);
    }

    private static string? SecondArg(Kubeconfig config) =>
        Assert.IsType<YamlScalarNode>(Assert.IsType<YamlSequenceNode>(config.Find(KubeconfigSection.Users, "u")!.Body!["args"])[1]).Value;
}
