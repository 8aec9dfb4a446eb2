using System.Net;
using System.Text.Json;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

public class OpenApiTests
{
    [Fact]
    public async Task OpenApi_document_describes_every_api_route_with_its_responses()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();

        var response = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paths = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("paths");

        foreach (var path in new[] { "/api/v1/login", "/api/v1/whoami", "/api/v1/tokens", "/api/v1/tokens/{id}", "/api/v1/clusters", "/api/v1/clusters/{name}", "/api/v1/clusters/{name}/credentials", "/api/v1/clusters/{name}/webhook-credentials", "/api/v1/clusters/{name}/webhook-credentials/{id}", "/api/v1/audit" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is documented");
        }

        var create = paths.GetProperty("/api/v1/tokens").GetProperty("post").GetProperty("responses");
        Assert.True(create.TryGetProperty("201", out _));
        Assert.True(create.TryGetProperty("400", out _));
    }
}
