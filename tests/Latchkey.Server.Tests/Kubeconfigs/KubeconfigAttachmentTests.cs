using Latchkey.Core.Kubeconfigs;
using Latchkey.Data;
using Latchkey.Server.Kubeconfigs;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Kubeconfigs;

public class KubeconfigAttachmentTests
{
    private const string Ca = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJmYWtlCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K";

    [Fact]
    public void A_kubeconfig_has_the_shape_of_the_golden_file_with_names_that_reference_each_other()
    {
        var cluster = new Cluster
        {
            Name = "prod-1",
            Server = "https://prod-1.k8s.eu-1.example.com:6443",
            CertificateAuthorityData = Ca,
            Audience = "https://prod-1.k8s.eu-1.example.com:6443",
            DefaultNamespace = "team-a",
        };
        const string secret = "placeholder-secret-of-the-golden-file";

        var yaml = KubeconfigAttachment.Build(cluster, "0123456789abcdef", "CI deploy (infra)", secret);

        // Compared by meaning: the golden file, read by the same YAML model, written back out.
        var golden = Golden.Read("Kubeconfigs/Assets/kubeconfig-prod-1.yaml", new Dictionary<string, string> { ["CA"] = Ca, ["SECRET"] = secret });
        Assert.Equal(Kubeconfig.Parse(golden, "golden").ToYaml(), yaml);
        Assert.Equal("prod-1-kubeconfig.yaml", KubeconfigAttachment.FileName("prod-1"));
    }

    [Fact]
    public void Without_ca_data_the_cluster_has_no_certificate_authority_line()
    {
        var cluster = new Cluster { Name = "dev", Server = "https://dev.example.test", Audience = "a", DefaultNamespace = "default" };

        Assert.DoesNotContain("certificate-authority-data", KubeconfigAttachment.Build(cluster, "id", "x", "s"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CI deploy (infra)", "ci-deploy-infra")]
    [InlineData("laptop kubectl", "laptop-kubectl")]
    [InlineData("  --Ünïcode only ÄÖ-- ", "n-code-only")]
    [InlineData("日本語", "token")]
    [InlineData("a-very-long-token-name-that-goes-on-and-on-and-on-and-on", "a-very-long-token-name-that-goes-on-and")]
    public void Token_names_become_short_dns_safe_slugs(string name, string slug) => Assert.Equal(slug, KubeconfigNames.Slug(name));
}
