using System.Text.Json;
using System.Text.Json.Serialization;
using Latchkey.Core.Contracts;
using Latchkey.Cli.Commands;
using Latchkey.Cli.Kubeconfigs;

namespace Latchkey.Cli;

/// <summary>Every type the CLI reads or writes as JSON, generated at compile time (no reflection: it is compiled ahead of time).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true)]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(LoginResponse))]
[JsonSerializable(typeof(WhoAmI))]
[JsonSerializable(typeof(EffectiveAccess))]
[JsonSerializable(typeof(CreateTokenRequest))]
[JsonSerializable(typeof(CreatedToken))]
[JsonSerializable(typeof(RotateTokenRequest))]
[JsonSerializable(typeof(TokenUsage))]
[JsonSerializable(typeof(TokenInfo))]
[JsonSerializable(typeof(Page<TokenInfo>))]
[JsonSerializable(typeof(List<TokenInfo>))]
[JsonSerializable(typeof(List<ClusterInfo>))]
[JsonSerializable(typeof(ClusterToken))]
[JsonSerializable(typeof(CachedCredential))]
[JsonSerializable(typeof(WebhookConfig))]
[JsonSerializable(typeof(List<WebhookCredentialInfo>))]
[JsonSerializable(typeof(MemberSummary))]
[JsonSerializable(typeof(List<MemberSummary>))]
[JsonSerializable(typeof(InviteMemberRequest))]
[JsonSerializable(typeof(InvitedMember))]
[JsonSerializable(typeof(GroupNameRequest))]
[JsonSerializable(typeof(GroupInfo))]
[JsonSerializable(typeof(List<GroupInfo>))]
[JsonSerializable(typeof(CreateVpcRequest))]
[JsonSerializable(typeof(VpcInfo))]
[JsonSerializable(typeof(List<VpcInfo>))]
[JsonSerializable(typeof(CreatePolicyRequest))]
[JsonSerializable(typeof(PolicyInfo))]
[JsonSerializable(typeof(List<PolicyInfo>))]
[JsonSerializable(typeof(CliSettings))]
[JsonSerializable(typeof(ExecCredential))]
[JsonSerializable(typeof(ProblemBody))]
[JsonSerializable(typeof(List<ContextRow>))]
[JsonSerializable(typeof(RevokeLeakedRequest))]
[JsonSerializable(typeof(RevokeLeakedResponse))]
[JsonSerializable(typeof(ScanReport))]
internal sealed partial class CliJson : JsonSerializerContext;

/// <summary>An RFC 9457 problem, as the server sends every error.</summary>
internal sealed record ProblemBody(string? Title, string? Detail, int? Status);
