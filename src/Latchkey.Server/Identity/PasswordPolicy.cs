namespace Latchkey.Server.Identity;

/// <summary>
/// The one rule for every password Latchkey sets: an invitation's, a change, the first admin's.
/// Length is what makes a password strong; the other checks refuse the few long ones that are
/// trivially guessed (one character repeated, a short pattern repeated, the e-mail address).
/// </summary>
internal static class PasswordPolicy
{
    public const int MinLength = 12;
    public const int MaxLength = 1024;
    private const int MinDistinct = 5;

    public static string? Problem(string? password, string? email = null)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinLength)
        {
            return $"Choose a password of at least {MinLength} characters.";
        }

        if (password.Length > MaxLength)
        {
            return $"The password may be at most {MaxLength} characters long.";
        }

        if (password.Distinct().Count() < MinDistinct || IsRepeatedPattern(password))
        {
            return $"That password is too easy to guess: use at least {MinDistinct} different characters, not a short pattern repeated.";
        }

        if (email is { Length: > 0 } && (string.Equals(password, email, StringComparison.OrdinalIgnoreCase)
            || string.Equals(password, email.Split('@')[0], StringComparison.OrdinalIgnoreCase)))
        {
            return "The password may not be your e-mail address or its name part.";
        }

        return null;
    }

    /// <summary>"abcabcabcabc", "12121212121212": a unit of up to four characters repeated.</summary>
    private static bool IsRepeatedPattern(string password)
    {
        for (var unit = 1; unit <= 4; unit++)
        {
            if (password.Length % unit == 0 && Enumerable.Range(unit, password.Length - unit).All(i => password[i] == password[i % unit]))
            {
                return true;
            }
        }

        return false;
    }
}
