using Latchkey.Core.Kubeconfigs;

namespace Latchkey.Core.Tests.Kubeconfigs;

public class KubeconfigNamesTests
{
    [Theory]
    [InlineData("ci-deploy", "ci-deploy")]
    [InlineData("CI Deploy (prod)", "ci-deploy-prod")]
    [InlineData("  laptop  ", "laptop")]
    [InlineData("login from latchkey-cli/1.0 at 127.0.0.1", "login-from-latchkey-cli-1-0-at-127-0-0-1")]
    [InlineData("Café ☕ token", "caf-token")]
    [InlineData("☕☕", "token")]
    [InlineData("a--b__c", "a-b-c")]
    [InlineData("this name is far longer than any kubeconfig name should ever be", "this-name-is-far-longer-than-any-kubecon")]
    public void Token_names_become_lower_case_slugs(string name, string slug)
    {
        Assert.Equal(slug, KubeconfigNames.Slug(name));
        Assert.Matches("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", KubeconfigNames.Slug(name));
    }

    [Fact]
    public void Names_follow_the_design_and_reference_each_other()
    {
        Assert.Equal("prod-1-ci-deploy", KubeconfigNames.Context("prod-1", "CI deploy"));
        Assert.Equal("latchkey-0123456789abcdef-ci-deploy", KubeconfigNames.User("0123456789abcdef", "CI deploy"));
        Assert.Equal("0123456789abcdef", KubeconfigNames.TokenIdOf("latchkey-0123456789abcdef-ci-deploy"));
    }

    [Theory]
    [InlineData("latchkey-exec-prod-1")]
    [InlineData("latchkey-0123456789ABCDEF-x")]
    [InlineData("latchkey-0123456789abcdefg")]
    [InlineData("admin@prod")]
    [InlineData("latchkey-0123")]
    public void Other_user_names_carry_no_token_id(string name)
    {
        Assert.Null(KubeconfigNames.TokenIdOf(name));
    }
}
