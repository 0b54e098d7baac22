using System.Text.RegularExpressions;

namespace Landplatform.Cadastre.Contracts;

/// <summary>
/// The unique parcel identifier (UPI): <c>district-block-lot</c>, e.g. <c>CH-00012-0007</c>.
/// A UPI never changes and is never given to another parcel.
/// </summary>
public static partial class ParcelIdentifier
{
    /// <summary>True when the text has the shape of a UPI (district code, five-digit block, four-digit lot).</summary>
    public static bool IsWellFormed(string text) => Shape().IsMatch(text);

    /// <summary>Normalises a UPI as typed by a person (case, surrounding blanks) and checks its shape.</summary>
    /// <exception cref="InvalidParameterException">The text is not a UPI.</exception>
    public static string Parse(string text, string parameter)
    {
        var upi = text.Trim().ToUpperInvariant();
        if (!IsWellFormed(upi))
        {
            throw new InvalidParameterException(
                parameter,
                "upi-format",
                $"'{text}' is not a parcel identifier; a UPI reads district-block-lot, e.g. CH-00012-0007.");
        }

        return upi;
    }

    /// <summary>The block part of a UPI (<c>CH-00012</c> of <c>CH-00012-0007</c>).</summary>
    public static string BlockOf(string upi) => upi[..upi.LastIndexOf('-')];

    [GeneratedRegex(@"^[A-Z]{2}[0-9]{0,2}-[0-9]{5}-[0-9]{4}$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
