using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Cli.Tests.Infrastructure;

/// <summary>What the store holds after an IAM command: read directly, so that "nothing changed" is checked where it matters.</summary>
internal static class Iam
{
    public static Task<Guid> UserIdAsync(TestApp app, string email) =>
        app.WithStoreAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());

    public static Task<int> UserCountAsync(TestApp app) => app.WithStoreAsync(db => db.Users.CountAsync());

    public static Task<int> PolicyCountAsync(TestApp app) => app.WithStoreAsync(db => db.AccessPolicies.CountAsync());

    public static Task<int> GroupCountAsync(TestApp app) => app.WithStoreAsync(db => db.Groups.CountAsync());

    public static Task<int> VpcCountAsync(TestApp app) => app.WithStoreAsync(db => db.Vpcs.CountAsync());

    /// <summary>The emails of the group's members, sorted.</summary>
    public static Task<List<string>> MembersAsync(TestApp app, string group) =>
        app.WithStoreAsync(db => db.GroupMembers.Where(m => m.Group.Name == group).Select(m => m.User.Email).OrderBy(e => e).ToListAsync());
}
