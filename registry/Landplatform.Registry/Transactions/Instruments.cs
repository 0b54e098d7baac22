using System.Numerics;
using Landplatform.Cadastre.Contracts;

namespace Landplatform.Registry.Transactions;

/// <summary>
/// A party as an instrument names it: an existing party by id, a person by UIN, or an organisation by
/// registration number (a name is needed when the register does not know them yet), with a share where
/// the instrument gives one (<c>"1/2"</c>).
/// </summary>
public sealed record PartyReference(long? PartyId, string? Uin, string? RegistrationNumber, string? Name, string? Share)
{
    /// <summary>A new person's date of birth, matched against the civil registry when given.</summary>
    public DateOnly? DateOfBirth { get; init; }

    /// <summary>Set by the registry from the civil registry's answer for a person new to the register: a recorded death is flagged.</summary>
    public bool? Deceased { get; init; }

    public DateOnly? DateOfDeath { get; init; }

    /// <summary>When the civil registry confirmed the new person (set by the registry, never by the notary).</summary>
    public DateTimeOffset? VerifiedAt { get; init; }

    /// <summary>Set by the registry from the civil registry's answer: true when it records the person as a citizen (R-ALIEN).</summary>
    public bool? Citizen { get; init; }

    /// <summary>
    /// For an organisation: the notary declares it controlled by non-citizens, so it needs an Alien Land-Holding Licence
    /// (R-ALIEN). The register cannot see who controls a company; an organisation not flagged is treated as needing none.
    /// </summary>
    public bool? ForeignControlled { get; init; }
}

/// <summary>What a notary lodges. Which fields a kind needs is listed in the README (Registry).</summary>
/// <param name="Kind">transfer, mortgage, discharge, caveat, caveat-withdrawal, subdivision, rectification.</param>
/// <param name="Reason">For a transfer: sale, gift or inheritance.</param>
/// <param name="Grantors">The registered owners who sign (transfer, mortgage).</param>
/// <param name="Grantees">The new owners with their shares (transfer), or the corrected owners (rectification, lodged by the registrar).</param>
/// <param name="Beneficiary">The mortgagee (mortgage) or the caveator (caveat).</param>
/// <param name="RightId">The mortgage discharged or the caveat withdrawn.</param>
public sealed record Lodgement(
    string Kind,
    string TitleNumber,
    DateOnly? InstrumentDate,
    string? Reason,
    IReadOnlyList<PartyReference>? Grantors,
    IReadOnlyList<PartyReference>? Grantees,
    PartyReference? Beneficiary,
    decimal? Amount,
    string? Terms,
    long? RightId)
{
    /// <summary>For a rectification: why the register is wrong and what the correction rests on.</summary>
    public string? Grounds { get; init; }

    /// <summary>For a rectification without a court order: the day notice was served on the registered proprietor.</summary>
    public DateOnly? NoticeServedAt { get; init; }

    /// <summary>For a subdivision or merge the registry lodges on a survey's approval: the survey's reference and the fabric transaction it made.</summary>
    public string? Survey { get; init; }

    public Guid? FabricTransaction { get; init; }
}

/// <summary>An exact share of a title, as a reduced fraction (no floating point anywhere).</summary>
public readonly record struct Share(long Numerator, long Denominator)
{
    public static readonly Share Whole = new(1, 1);

    /// <summary>Reads <c>"n/d"</c> (or <c>"1"</c>) and reduces it.</summary>
    public static Share Parse(string? text, string parameter)
    {
        var parts = (text ?? string.Empty).Trim().Split('/');
        var d = 1L;
        if (parts.Length is 1 or 2 && Digits(parts[0], out var n) && (parts.Length == 1 || Digits(parts[1], out d)) && n > 0 && d > 0 && n <= d)
        {
            var g = (long)BigInteger.GreatestCommonDivisor(n, d);
            return new Share(n / g, d / g);
        }

        throw new InvalidParameterException(parameter, "share-format",
            $"'{text}' is not a share: write a fraction numerator/denominator between 0 and 1, e.g. 1/2.");
    }

    private static bool Digits(string text, out long value) =>
        long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value);

    /// <summary>True when the shares add up to exactly one.</summary>
    public static bool SumToOne(IEnumerable<Share> shares)
    {
        BigInteger numerator = 0, denominator = 1;
        foreach (var s in shares)
        {
            numerator = (numerator * s.Denominator) + (s.Numerator * denominator);
            denominator *= s.Denominator;
            var g = BigInteger.GreatestCommonDivisor(numerator, denominator);
            numerator /= g;
            denominator /= g;
        }

        return numerator == denominator;
    }

    public override string ToString() => $"{Numerator}/{Denominator}";
}
