using Microsoft.AspNetCore.Http.HttpResults;

namespace Latchkey.Server.Http;

internal enum Refusal
{
    Invalid,
    Forbidden,
    NotFound,
    Conflict,
}

/// <summary>Why a change was not made (nothing was changed), with the field at fault when the input was invalid.</summary>
internal sealed record Refused(Refusal Kind, string Message, string? Field = null)
{
    public static Refused Invalid(string field, string message) => new(Refusal.Invalid, message, field);

    public static Refused Forbidden(string message) => new(Refusal.Forbidden, message);

    public static Refused NotFound(string message) => new(Refusal.NotFound, message);

    public static Refused Conflict(string message, string? field = null) => new(Refusal.Conflict, message, field);

    /// <summary>The API's answer: a problem+json with a 4xx status (and <c>errors</c> naming the field when invalid).</summary>
    public ProblemHttpResult ToProblem() => Kind switch
    {
        Refusal.Invalid => TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [Field ?? ""] = [Message] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is not valid.",
            Detail = Message,
        }),
        Refusal.Forbidden => Problems.Forbidden(Message),
        Refusal.NotFound => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: Message),
        _ => Problems.Conflict(Message),
    };
}

/// <summary>What a service that changes something answers: the result, or why nothing was changed.</summary>
internal readonly record struct Outcome<T>(T? Value, Refused? Refused)
    where T : class
{
    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(Refused refused) => new(null, refused);
}
