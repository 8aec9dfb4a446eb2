using Latchkey.Core.Kubeconfigs;

namespace Latchkey.Core.Tests.Kubeconfigs;

public class KubeconfigMergeTests
{
    private static Kubeconfig Ours() => KubeconfigTemplates.WithToken(Samples.Cluster(), Samples.TokenId, "CI deploy", Samples.FakeSecret);

    private static Task<MergeResult> MergeAsync(string path, Kubeconfig incoming, bool setCurrentContext = false) =>
        KubeconfigFile.UpdateAsync(path, config => KubeconfigMerge.Merge(config, incoming, setCurrentContext));

    [Fact]
    public async Task Into_a_missing_file_writes_exactly_the_generated_kubeconfig()
    {
        using var dir = new TempFolder();
        var path = Path.Combine(dir.Path, ".kube", "config");

        var result = await MergeAsync(path, Ours());

        Assert.Equal(Samples.ReadAsset("token-form.yaml"), await File.ReadAllTextAsync(path));
        Assert.Equal(3, result.Added.Count);
        Assert.Equal("prod-1-ci-deploy", result.CurrentContext);
        Assert.False(File.Exists(path + ".bak"), "there was nothing to back up");
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("# nothing here yet\n")]
    public async Task Into_an_empty_file_writes_exactly_the_generated_kubeconfig(string empty)
    {
        using var dir = new TempFolder();
        var path = dir.File("config");
        await File.WriteAllTextAsync(path, empty);

        await MergeAsync(path, Ours());

        Assert.Equal(Samples.ReadAsset("token-form.yaml"), await File.ReadAllTextAsync(path));
        Assert.Equal(empty, await File.ReadAllTextAsync(path + ".bak"));
    }

    [Fact]
    public async Task Into_a_file_with_other_entries_appends_ours_and_keeps_theirs_and_the_current_context()
    {
        using var dir = new TempFolder();
        var path = dir.File("config");
        File.Copy(Samples.Asset("existing-unrelated.yaml"), path);

        var result = await MergeAsync(path, Ours());

        var text = await File.ReadAllTextAsync(path);
        Assert.Equal(Samples.ReadAsset("existing-unrelated-merged.yaml"), text);
        Assert.Equal("staging-admin", result.CurrentContext);
        AssertKeepsMeaning(Kubeconfig.Parse(Samples.ReadAsset("existing-unrelated.yaml"), "before"), Kubeconfig.Parse(text, "after"));
    }

    [Fact]
    public async Task Set_current_context_switches_to_the_new_context()
    {
        using var dir = new TempFolder();
        var path = dir.File("config");
        File.Copy(Samples.Asset("existing-unrelated.yaml"), path);

        var result = await MergeAsync(path, Ours(), setCurrentContext: true);

        Assert.Equal("prod-1-ci-deploy", result.CurrentContext);
        Assert.Equal("prod-1-ci-deploy", KubeconfigFile.Load(path).CurrentContext);
    }

    [Fact]
    public async Task Into_a_file_with_500_unrelated_contexts_keeps_every_one_of_them()
    {
        using var dir = new TempFolder();
        var path = dir.File("config");
        var before = ManyContexts(500);
        await File.WriteAllTextAsync(path, before);

        await MergeAsync(path, Ours());

        var after = KubeconfigFile.Load(path);
        Assert.Equal(501, after.Entries(KubeconfigSection.Contexts).Count);
        AssertKeepsMeaning(Kubeconfig.Parse(before, "before"), after);
        Assert.Equal("ctx-0007", after.CurrentContext);
    }

    [Fact]
    public async Task A_cluster_name_taken_by_another_server_is_a_clear_error_and_changes_nothing()
    {
        using var dir = new TempFolder();
        var path = dir.File("config");
        File.Copy(Samples.Asset("existing-same-cluster-other-server.yaml"), path);
        var before = await File.ReadAllBytesAsync(path);

        var error = await Assert.ThrowsAsync<KubeconfigConflictException>(() => MergeAsync(path, Ours()));

        Assert.Contains("cluster named 'prod-1'", error.Message, StringComparison.Ordinal);
        Assert.Contains("https://old-prod-1.example.test", error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(path));
        Assert.False(File.Exists(path + ".bak"));
    }

    [Fact]
    public void A_user_name_taken_by_other_credentials_is_a_conflict_that_never_shows_them()
    {
        var target = Kubeconfig.Parse(Ours().ToYaml(), "config");
        var other = KubeconfigTemplates.WithToken(Samples.Cluster(), Samples.TokenId, "CI deploy", "lk_other_fake_test_token");

        var error = Assert.Throws<KubeconfigConflictException>(() => KubeconfigMerge.Merge(target, other, setCurrentContext: false));

        Assert.Contains("user named 'latchkey-0123456789abcdef-ci-deploy'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("lk_", error.Message.Replace("latchkey-", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.False(target.IsChanged);
    }

    [Fact]
    public async Task Merging_the_same_kubeconfig_again_changes_nothing()
    {
        using var dir = new TempFolder();
        var path = dir.File("config");
        await MergeAsync(path, Ours());
        var first = await File.ReadAllBytesAsync(path);

        var again = await MergeAsync(path, Ours());

        Assert.Empty(again.Added);
        Assert.Equal(3, again.Unchanged.Count);
        Assert.Equal(first, await File.ReadAllBytesAsync(path));
        Assert.False(File.Exists(path + ".bak"), "an unchanged file is not rewritten");
    }

    [Fact]
    public async Task A_read_only_file_is_a_clear_error_and_nothing_is_lost()
    {
        using var dir = new TempFolder();
        var path = dir.File("config");
        File.Copy(Samples.Asset("existing-unrelated.yaml"), path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead);
        var before = await File.ReadAllBytesAsync(path);

        var error = await Assert.ThrowsAsync<KubeconfigException>(() => MergeAsync(path, Ours()));

        Assert.Contains("read-only (mode 0400)", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(path));
        Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(path));
        Assert.Equal(["config"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_malformed_file_is_a_clear_error_naming_the_line_and_is_left_untouched()
    {
        using var dir = new TempFolder();
        var path = dir.File("config");
        File.Copy(Samples.Asset("malformed.yaml"), path);
        var before = await File.ReadAllBytesAsync(path);

        var error = await Assert.ThrowsAsync<KubeconfigException>(() => MergeAsync(path, Ours()));

        Assert.StartsWith($"{path} is not valid YAML (", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(path));
        Assert.Equal(["config"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_yaml_error_names_the_line_and_column()
    {
        var error = Assert.Throws<KubeconfigException>(() => Kubeconfig.Parse("clusters:\n- name: a\n   cluster: x\n", "config"));

        Assert.StartsWith("config is not valid YAML (line 3, column ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("- a\n- b\n", "top level is not a mapping")]
    [InlineData("kind: Pod\n", "kind is 'Pod'")]
    [InlineData("contexts: 5\n", "'contexts' is not a list")]
    [InlineData("users:\n- user: {}\n", "entry 1 of 'users' has no name")]
    [InlineData("a: 1\n---\nb: 2\n", "2 YAML documents")]
    public void Yaml_that_is_not_a_kubeconfig_is_refused_with_the_reason(string text, string reason)
    {
        var error = Assert.Throws<KubeconfigException>(() => Kubeconfig.Parse(text, "config"));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    private static void AssertKeepsMeaning(Kubeconfig before, Kubeconfig after)
    {
        foreach (var section in Enum.GetValues<KubeconfigSection>())
        {
            foreach (var entry in before.Entries(section))
            {
                var kept = after.Find(section, entry.Name);
                Assert.True(kept is not null, $"{section} '{entry.Name}' was lost");
                Assert.True(YamlEquality.Same(entry.Node, kept.Node), $"{section} '{entry.Name}' changed");
            }
        }
    }

    /// <summary>A deterministic file with <paramref name="count"/> contexts, each with its own cluster and user, in several styles.</summary>
    internal static string ManyContexts(int count)
    {
        var text = new System.Text.StringBuilder("apiVersion: v1\nkind: Config\ncurrent-context: ctx-0007\nclusters:\n");
        for (var i = 0; i < count; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"- name: cluster-{i:D4}\n  cluster:\n    server: https://c{i}.example.test:6443\n    insecure-skip-tls-verify: {(i % 2 == 0 ? "true" : "false")}\n");
        }

        text.Append("contexts:\n");
        for (var i = 0; i < count; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"- name: ctx-{i:D4}\n  context: {{cluster: cluster-{i:D4}, user: user-{i:D4}, namespace: ns-{i % 7}}}\n");
        }

        text.Append("users:\n");
        for (var i = 0; i < count; i++)
        {
            var credentials = i % 3 == 0
                ? $"    token: 'fake-test-token-{i}'\n"
                : $"    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: fake-plugin\n      args: [\"--n\", \"{i}\"]\n";
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"- name: user-{i:D4}\n  user:\n{credentials}");
        }

        return text.ToString();
    }
}
