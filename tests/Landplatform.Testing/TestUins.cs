using System.Globalization;
using Landplatform.Integrations.Identity;

namespace Landplatform.Testing;

/// <summary>Well-formed UINs that no sample or demo person holds, for the people a test enters in the civil-registry simulator.</summary>
public static class TestUins
{
    /// <summary>VC, nine digits (the test's range start plus the seed), a Verhoeff check digit.</summary>
    public static string New(int rangeStart, int seed)
    {
        var digits = (rangeStart + seed).ToString(CultureInfo.InvariantCulture);
        return "VC" + digits + VerhoeffUinScheme.CheckDigit(digits);
    }
}
