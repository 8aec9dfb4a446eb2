using Latchkey.Core.Kubeconfigs;

namespace Latchkey.Core.Tests.Kubeconfigs;

public class KubeconfigTemplatesTests
{
    [Fact]
    public void Token_form_matches_the_golden_file()
    {
        var config = KubeconfigTemplates.WithToken(Samples.Cluster(), Samples.TokenId, "CI deploy", Samples.FakeSecret);

        Assert.Equal(Samples.ReadAsset("token-form.yaml"), config.ToYaml());
    }

    [Fact]
    public void Exec_form_matches_the_golden_file_and_holds_no_secret()
    {
        var yaml = KubeconfigTemplates.WithExec(Samples.Cluster()).ToYaml();

        Assert.Equal(Samples.ReadAsset("exec-form.yaml"), yaml);
        Assert.DoesNotContain("token", yaml, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Cluster_without_ca_data_has_no_certificate_authority_field()
    {
        var yaml = KubeconfigTemplates.WithToken(Samples.Cluster(ca: ""), Samples.TokenId, "x", Samples.FakeSecret).ToYaml();

        Assert.DoesNotContain("certificate-authority", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_that_read_as_numbers_or_booleans_are_quoted_so_kubectl_reads_strings()
    {
        var config = KubeconfigTemplates.WithToken(Samples.Cluster(name: "123"), Samples.TokenId, "yes", Samples.FakeSecret);
        var yaml = config.ToYaml();

        Assert.Contains("- name: \"123\"", yaml, StringComparison.Ordinal);
        Assert.Contains("cluster: \"123\"", yaml, StringComparison.Ordinal);
        Assert.Equal("123-yes", Kubeconfig.Parse(yaml, "test").CurrentContext);
    }

    [Fact]
    public void Generated_text_reads_back_to_the_same_entries()
    {
        var config = KubeconfigTemplates.WithToken(Samples.Cluster(), Samples.TokenId, "CI deploy", Samples.FakeSecret);
        var again = Kubeconfig.Parse(config.ToYaml(), "test");

        var context = Assert.Single(again.Entries(KubeconfigSection.Contexts));
        var user = Assert.Single(again.Entries(KubeconfigSection.Users));
        Assert.Equal(user.Name, context["user"]);
        Assert.Equal(Assert.Single(again.Entries(KubeconfigSection.Clusters)).Name, context["cluster"]);
        Assert.Equal("team-a", context["namespace"]);
        Assert.Equal(Samples.FakeSecret, user["token"]);
        Assert.Equal(context.Name, again.CurrentContext);
    }
}
