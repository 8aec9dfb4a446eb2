using System.Text.Json;
using Latchkey.Server.ClusterAuth;

namespace Latchkey.Fuzz;

/// <summary>
/// A TokenReview or SubjectAccessReview body parses or is refused with a <see cref="JsonException"/>
/// (a 400). A parsed review holds no null where the decision reads a string, its type check
/// answers without throwing, and written out it reads back the same.
/// </summary>
internal static class ReviewHarness
{
    public static void Run(byte[] input)
    {
        if (input.Length > ReviewRequests.MaxBodyBytes)
        {
            return;
        }

        if (Parse<TokenReview>(input) is { } tokenReview)
        {
            ReviewRequests.CheckType(tokenReview.ApiVersion, tokenReview.Kind, TokenReviewEndpoints.Group, "v1", "TokenReview", tokenReview.Spec is not null);
            FuzzPropertyException.Check(tokenReview.Spec?.Audiences?.Contains(null!) != true, "a null audience was let through");
            RoundTrips(tokenReview);
        }

        if (Parse<SubjectAccessReview>(input) is { } accessReview)
        {
            ReviewRequests.CheckType(accessReview.ApiVersion, accessReview.Kind, SubjectAccessReviewEndpoints.Group, "v1", "SubjectAccessReview", accessReview.Spec is not null);
            var spec = accessReview.Spec;
            FuzzPropertyException.Check(spec?.Groups?.Contains(null!) != true && spec?.Group?.Contains(null!) != true, "a null group was let through");
            FuzzPropertyException.Check(spec?.Extra?.Values.Any(values => values?.Contains(null!) == true) != true, "a null in extra was let through");
            RoundTrips(accessReview);
        }
    }

    private static T? Parse<T>(byte[] input) where T : class
    {
        try
        {
            using var body = new MemoryStream(input, writable: false);
            return ReviewRequests.DeserializeAsync<T>(body, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void RoundTrips<T>(T review) where T : class
    {
        var written = JsonSerializer.Serialize(review, ReviewJson.Options);
        using var body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(written), writable: false);
        var again = ReviewRequests.DeserializeAsync<T>(body, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        FuzzPropertyException.Check(JsonSerializer.Serialize(again, ReviewJson.Options) == written, $"{typeof(T).Name} does not read back as written: {written}");
    }
}
