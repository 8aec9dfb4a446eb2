using System.Net;
using System.Net.Http.Json;
using CsCheck;
using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Iam;
using Latchkey.Server.Identity;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Security;

/// <summary>
/// Random sequences of everything that makes, changes or ends a token, across two users in two
/// organizations; after every step every token is tried at every door and compared with
/// <see cref="TokenAuthorityModel"/>, and at the end every secret must have appeared in exactly
/// one answer: the one that handed it to its owner.
/// </summary>
public class TokenAuthorityPropertyTests
{
    private const string Password = "model-password-for-tests";

    private static readonly TimeSpan[] Steps =
        [TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(61), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(61), TimeSpan.FromDays(31)];

    [Fact]
    public async Task Every_door_agrees_with_the_model_after_every_step()
    {
        await using var app = await TestApp.StartAsync();
        var orgs = new[] { await AddOrganizationAsync(app, "model-a"), await AddOrganizationAsync(app, "model-b") };
        var hash = app.Services.GetRequiredService<PasswordCheck>().Hash(new User { Email = "", NormalizedEmail = "", DisplayName = "", PasswordHash = "" }, Password);
        var sequences = 0;
        var op = Gen.Select(Gen.Int[0, 12], Gen.Int[0, 1], Gen.Int[0, 99], Gen.Int[0, 4], (kind, who, target, amount) => new Op(kind, who, target, amount));
        await op.Array[1, 8].SampleAsync(async ops =>
        {
            var run = Interlocked.Increment(ref sequences);
            var seen = app.Traffic.Responses.Count;
            var model = await StartSequenceAsync(app, orgs, run, hash);
            foreach (var step in ops)
            {
                await ApplyAsync(app, model, step);
                await CheckDoorsAsync(app, model, step);
            }

            // No answer ever carried a secret to anyone but its owner, and each secret was shown once.
            var answers = app.Traffic.Responses.Skip(seen).ToList();
            foreach (var token in model.Tokens)
            {
                Assert.True(answers.Count(a => a.Contains(token.Secret, StringComparison.Ordinal)) == 1, $"secret of {token} in {answers.Count(a => a.Contains(token.Secret, StringComparison.Ordinal))} answers");
            }
        }, iter: Iterations, threads: 1, print: ops => string.Join("; ", ops));
        Assert.Equal(Iterations, sequences);
    }

    /// <summary>
    /// 1,000 sequences on SQLite, 100 on PostgreSQL (the same rules; each store's own paths are exercised either way);
    /// <c>LATCHKEY_MODEL_SEQUENCES</c> asks for more (or fewer, while working on the model).
    /// </summary>
    private static int Iterations => int.TryParse(Environment.GetEnvironmentVariable("LATCHKEY_MODEL_SEQUENCES"), out var n) ? n
        : TestApp.Provider == "postgres" ? 100 : 1000;

    private sealed record Op(int Kind, int Who, int Target, int Amount)
    {
        public override string ToString() => $"{Names[Kind]}(user {Who}, token #{Target}, {Amount})";

        private static readonly string[] Names =
            ["create", "login", "rotate", "rotate-others", "exec", "revoke", "advance", "disable-enable", "grant-revoke", "policy", "rotate-now",
                "revoke-a-parent", "exec-from-newest"];
    }

    private static async Task ApplyAsync(TestApp app, TokenAuthorityModel model, Op op)
    {
        var user = model.Users[op.Who];
        var target = op.Kind switch
        {
            // Sequences that end a parent and then use its children, or stack credentials on what was just made, are the ones that break lineage.
            11 => model.Tokens.LastOrDefault(t => t.Parent is not null)?.Parent ?? model.Tokens[op.Target % model.Tokens.Count],
            12 => model.Tokens[^1],
            _ => model.Tokens[op.Target % model.Tokens.Count],
        };
        switch (op.Kind)
        {
            case 0:
                await CreateAsync(app, model, user, op.Amount);
                break;
            case 1:
                var login = await app.Client().PostAsJsonAsync("/api/v1/login", new LoginRequest(user.Email, Password));
                Assert.Equal(user.Active ? HttpStatusCode.OK : HttpStatusCode.Unauthorized, login.StatusCode);
                if (user.Active)
                {
                    var answer = (await login.Content.ReadFromJsonAsync<LoginResponse>())!;
                    model.Tokens.Add(new ModelToken { Id = answer.TokenId, Secret = answer.Token, Owner = user, Kind = TokenKind.Login, ExpiresAt = answer.ExpiresAt });
                }

                break;
            case 2 or 10:
                await RotateAsync(app, model, target, op.Kind == 10 ? 0 : TokenAuthorityModel.Grace);
                break;
            case 3:
                // Admins of the owner's organization see the token and are told why not; another organization's do not see it.
                foreach (var org in model.Orgs)
                {
                    var response = await org.Admin.PostAsJsonAsync($"/api/v1/tokens/{target.Id}/rotate", new RotateTokenRequest(TokenAuthorityModel.Grace));
                    await Api.AssertProblemAsync(response, org == target.Owner.Org ? HttpStatusCode.Forbidden : HttpStatusCode.NotFound);
                }

                break;
            case 4 or 12:
                await ExecAsync(app, model, target);
                break;
            case 5 or 11:
                Assert.Equal(HttpStatusCode.NoContent, (await target.Owner.Org.Admin.DeleteAsync($"/api/v1/tokens/{target.Id}")).StatusCode);
                model.Revoke(target);
                break;
            case 6:
                app.Time.Advance(Steps[op.Amount]);
                break;
            case 7:
                var action = user.Active ? "disable" : "enable";
                Assert.True((await user.Org.Admin.PostAsync($"/api/v1/users/{user.Id}/{action}", null)).IsSuccessStatusCode, action);
                user.Active = !user.Active;
                break;
            case 8:
                await GrantOrRevokeAsync(user);
                break;
            default:
                user.Org.Restricted = !user.Org.Restricted;
                Assert.Equal(HttpStatusCode.OK, (await user.Org.Admin.PutAsJsonAsync("/api/v1/organization/token-policy",
                    new UpdateTokenPolicyRequest(365, true, user.Org.Restricted ? ["metrics:read"] : null))).StatusCode);
                break;
        }

    }

    private static async Task CreateAsync(TestApp app, TokenAuthorityModel model, ModelUser user, int amount)
    {
        var control = model.Tokens.First(t => t.Owner == user && t.Kind == TokenKind.Control);
        var now = app.Time.GetUtcNow();
        var days = amount + 1;
        var response = await app.Client(control.Secret).PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest("made", ExpiresInDays: days));
        var works = TokenAuthorityModel.WorksAtApi(control, now);
        Assert.Equal(!works ? HttpStatusCode.Unauthorized : user.Org.Restricted ? HttpStatusCode.BadRequest : HttpStatusCode.Created, response.StatusCode);
        if (works)
        {
            model.Used(control, now);
        }

        if (response.StatusCode == HttpStatusCode.Created)
        {
            var created = (await response.Content.ReadFromJsonAsync<CreatedToken>())!;
            Assert.Equal(now.AddDays(days), created.ExpiresAt);
            model.Tokens.Add(new ModelToken { Id = created.Id, Secret = created.Secret, Owner = user, Kind = TokenKind.Api, ExpiresAt = created.ExpiresAt });
        }
    }

    private static async Task RotateAsync(TestApp app, TokenAuthorityModel model, ModelToken token, int grace)
    {
        var now = app.Time.GetUtcNow();
        var response = await app.Client(token.Secret).PostAsJsonAsync("/api/v1/tokens/self/rotate", new RotateTokenRequest(grace));
        var works = TokenAuthorityModel.WorksAtApi(token, now);
        var expected = !works ? HttpStatusCode.Unauthorized
            : token.Rotated || TokenAuthorityModel.PredecessorInGrace(token, now) || token.Owner.Org.Restricted ? HttpStatusCode.Conflict
            : HttpStatusCode.Created;
        Assert.True(expected == response.StatusCode, $"rotate {token}: expected {(int)expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        if (works)
        {
            model.Used(token, now);
        }

        if (expected == HttpStatusCode.Created)
        {
            var created = (await response.Content.ReadFromJsonAsync<CreatedToken>())!;
            token.Rotated = true;
            token.RetiresOnFirstUse = grace == 0;
            token.RetiresAt = grace == 0 ? null : now.AddSeconds(grace);
            model.Tokens.Add(new ModelToken
            {
                Id = created.Id, Secret = created.Secret, Owner = token.Owner, Kind = TokenKind.Rotation, ExpiresAt = created.ExpiresAt, Predecessor = token,
            });
        }
    }

    private static async Task ExecAsync(TestApp app, TokenAuthorityModel model, ModelToken parent)
    {
        var now = app.Time.GetUtcNow();
        var response = await app.Client(parent.Secret).PostAsync($"/api/v1/clusters/{parent.Owner.Org.Cluster}/credentials", null);
        var works = TokenAuthorityModel.WorksAtApi(parent, now);
        var expected = !works ? HttpStatusCode.Unauthorized : !parent.Owner.Viewer ? HttpStatusCode.NotFound
            : parent.Owner.Org.Restricted ? HttpStatusCode.Forbidden : HttpStatusCode.Created;
        Assert.True(expected == response.StatusCode, $"exec from {parent}: expected {(int)expected}, got {(int)response.StatusCode}");
        if (works)
        {
            model.Used(parent, now);
        }

        if (expected == HttpStatusCode.Created)
        {
            var credential = (await response.Content.ReadFromJsonAsync<ClusterToken>())!;
            var end = new[] { now.AddHours(1), parent.ExpiresAt, parent.RetiresAt }.Where(t => t is not null).Min()!.Value;
            Assert.Equal(end, credential.ExpiresAt);
            model.Tokens.Add(new ModelToken
            {
                Id = credential.TokenId, Secret = credential.Token, Owner = parent.Owner, Kind = TokenKind.Exec, ExpiresAt = credential.ExpiresAt, Parent = parent,
            });
        }
    }

    private static async Task GrantOrRevokeAsync(ModelUser user)
    {
        if (user.Viewer)
        {
            Assert.True((await user.Org.Admin.DeleteAsync($"/api/v1/policies/{user.ViewerPolicy}")).IsSuccessStatusCode);
            user.Viewer = false;
            return;
        }

        user.ViewerPolicy = await GrantViewerAsync(user.Org, user.Id);
        user.Viewer = true;
    }

    /// <summary>Every token at every door: the API, forward-auth, TokenReview and SubjectAccessReview at both organizations' clusters.</summary>
    private static async Task CheckDoorsAsync(TestApp app, TokenAuthorityModel model, Op after)
    {
        foreach (var token in model.Tokens)
        {
            var now = app.Time.GetUtcNow();
            var at = $"after {after}: {token}";
            using var client = app.Client(token.Secret);
            var api = TokenAuthorityModel.WorksAtApi(token, now);
            Assert.True((api ? HttpStatusCode.OK : HttpStatusCode.Unauthorized) == (await client.GetAsync("/api/v1/whoami")).StatusCode, $"API {at}");
            Assert.True((api ? HttpStatusCode.OK : HttpStatusCode.Unauthorized) == (await client.GetAsync("/auth/verify")).StatusCode, $"forward-auth {at}");
            if (api)
            {
                model.Used(token, now);
            }

            foreach (var org in model.Orgs)
            {
                var expected = org == token.Owner.Org && TokenAuthorityModel.WorksAtOwnCluster(token, now);
                var verified = TokenAuthorityModel.VerifiesAtKubernetes(token, now);
                Assert.True(expected == await Reviews.AuthenticatesAsync(org.Webhook, token.Secret), $"TokenReview at {org.Cluster} {at}");
                if (verified)
                {
                    model.Used(token, now);
                }

                var authorized = (await Reviews.SubjectAccessReviewAsync(org.Webhook, token.Owner.Email, token.Owner.Id.ToString(), [token.Id]))
                    .GetProperty("allowed").GetBoolean();
                Assert.True(expected == authorized, $"SubjectAccessReview at {org.Cluster} {at}");
            }
        }
    }

    private static async Task<TokenAuthorityModel> StartSequenceAsync(TestApp app, ModelOrg[] orgs, int run, string hash)
    {
        var model = new TokenAuthorityModel();
        model.Orgs.AddRange(orgs);
        foreach (var org in orgs)
        {
            org.Restricted = false;
            org.Webhook = await WebhookAsync(app, org.Admin, org.Cluster);
            Assert.Equal(HttpStatusCode.OK, (await org.Admin.PutAsJsonAsync("/api/v1/organization/token-policy", new UpdateTokenPolicyRequest(365, true))).StatusCode);
            var email = $"u{run}@{org.Cluster}.test";
            var id = await AddUserAsync(app, org, email, hash);
            var user = new ModelUser { Email = email, Id = id, Org = org, ViewerPolicy = await GrantViewerAsync(org, id) };
            model.Users.Add(user);
            var login = (await (await app.Client().PostAsJsonAsync("/api/v1/login", new LoginRequest(email, Password))).Content.ReadFromJsonAsync<LoginResponse>())!;
            model.Tokens.Add(new ModelToken { Id = login.TokenId, Secret = login.Token, Owner = user, Kind = TokenKind.Login, ExpiresAt = login.ExpiresAt });
            var control = await app.CreateTokenAsync(login.Token, new CreateTokenRequest("control", ExpiresInDays: 365));
            model.Tokens.Add(new ModelToken { Id = control.Id, Secret = control.Secret, Owner = user, Kind = TokenKind.Control, ExpiresAt = control.ExpiresAt });
        }

        return model;
    }

    private static async Task<ModelOrg> AddOrganizationAsync(TestApp app, string slug)
    {
        var id = await app.AddOrganizationAsync(slug);
        var adminLogin = await app.AddUserAsync($"admin@{slug}.test", id, Roles.OrgAdmin);
        using var admin = app.Client(adminLogin);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/organization/token-policy", new UpdateTokenPolicyRequest(365, true))).StatusCode);
        // The admin's own token never expires, so that any number of 31-day steps leaves the admin able to act.
        var control = await app.CreateTokenAsync(adminLogin, new CreateTokenRequest("admin control", NoExpiration: true));
        var adminClient = app.Client(control.Secret);
        Assert.Equal(HttpStatusCode.Created, (await adminClient.PostAsJsonAsync("/api/v1/clusters", new CreateClusterRequest(slug, $"https://{slug}.k8s.example.test:6443"))).StatusCode);
        return new ModelOrg { Id = id, Admin = adminClient, Webhook = await WebhookAsync(app, adminClient, slug), Cluster = slug };
    }

    /// <summary>A fresh webhook credential for the cluster (they expire after a year, and the clock runs on by up to 31 days a step).</summary>
    private static async Task<HttpClient> WebhookAsync(TestApp app, HttpClient admin, string cluster)
    {
        var config = await Api.ReadAsync<WebhookConfig>(await admin.GetAsync($"/api/v1/clusters/{cluster}/webhook-config"));
        return app.Client(System.Text.RegularExpressions.Regex.Match(config.AuthenticationConfig, @"token: (lk_\w+)").Groups[1].Value);
    }

    /// <summary>A member with a password, written straight to the store (hashing once per test run, not once per sequence).</summary>
    private static async Task<Guid> AddUserAsync(TestApp app, ModelOrg org, string email, string hash) =>
        await app.WithStoreAsync(async db =>
        {
            var user = new User
            {
                Id = Guid.CreateVersion7(), OrganizationId = org.Id, Email = email, NormalizedEmail = email, DisplayName = email.Split('@')[0], PasswordHash = hash,
                CreatedAt = app.Time.GetUtcNow(),
            };
            db.Users.Add(user);
            await db.SaveChangesAsync();
            return user.Id;
        });

    private static async Task<Guid> GrantViewerAsync(ModelOrg org, Guid userId) =>
        Assert.Single(await Api.ReadAsync<List<PolicyInfo>>(await org.Admin.PostAsJsonAsync("/api/v1/policies",
            new CreatePolicyRequest(new PrincipalRequest("user", userId), new ScopeRequest("cluster", Name: org.Cluster), Roles.ClusterViewer)))).Id;
}
