using System.Globalization;

namespace Latchkey.Server.Http;

/// <summary>
/// What free text that people read (token names and notes, e-mail addresses, display names,
/// reasons) may hold. Direction overrides and invisible characters (Unicode's format category:
/// U+202A-U+202E, U+2066-U+2069, U+200B-U+200F, U+2060, U+FEFF and the like) make one name look
/// like another in a list or an audit log, so they are refused everywhere, not stripped.
/// </summary>
internal static class TextRules
{
    /// <summary>One line: no control characters at all.</summary>
    public static bool IsCleanLine(string text) => !text.Any(c => char.IsControl(c) || IsHidden(c));

    /// <summary>Several lines (a note): line breaks and tabs are fine, other control and hidden characters are not.</summary>
    public static bool IsCleanText(string text) => !text.Any(c => (char.IsControl(c) && c is not ('\n' or '\r' or '\t')) || IsHidden(c));

    public const string HiddenCharacters = "control characters, direction overrides or invisible characters (such as U+202E or U+200B)";

    private static bool IsHidden(char c) =>
        CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
