using Landplatform.Cadastre.Contracts;

namespace Landplatform.Integrations.Identity;

/// <summary>
/// A country prefix, then digits whose last is a Verhoeff check digit over the others: the default
/// scheme, e.g. <c>VC</c> + nine digits + check digit. Verhoeff catches every single-digit error and
/// every swap of adjacent digits.
/// </summary>
public sealed class VerhoeffUinScheme(string prefix = "VC", int digits = 10) : IUinScheme
{
    private static readonly byte[,] Multiplication =
    {
        { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 2, 3, 4, 0, 6, 7, 8, 9, 5 }, { 2, 3, 4, 0, 1, 7, 8, 9, 5, 6 },
        { 3, 4, 0, 1, 2, 8, 9, 5, 6, 7 }, { 4, 0, 1, 2, 3, 9, 5, 6, 7, 8 }, { 5, 9, 8, 7, 6, 0, 4, 3, 2, 1 },
        { 6, 5, 9, 8, 7, 1, 0, 4, 3, 2 }, { 7, 6, 5, 9, 8, 2, 1, 0, 4, 3 }, { 8, 7, 6, 5, 9, 3, 2, 1, 0, 4 },
        { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 },
    };

    private static readonly byte[,] Permutation =
    {
        { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 5, 7, 6, 2, 8, 3, 0, 9, 4 }, { 5, 8, 0, 3, 7, 9, 6, 1, 4, 2 },
        { 8, 9, 1, 6, 0, 4, 3, 5, 2, 7 }, { 9, 4, 5, 3, 1, 2, 6, 8, 7, 0 }, { 4, 2, 8, 6, 5, 7, 3, 9, 0, 1 },
        { 2, 7, 9, 3, 8, 0, 6, 4, 1, 5 }, { 7, 0, 4, 6, 9, 1, 3, 2, 5, 8 },
    };

    private static readonly byte[] Inverse = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

    public UinCheck Check(string uin)
    {
        if (string.IsNullOrEmpty(uin))
        {
            return UinCheck.Invalid("uin-format", "The UIN is empty.");
        }

        if (!uin.StartsWith(prefix, StringComparison.Ordinal))
        {
            return UinCheck.Invalid("uin-prefix", $"A UIN starts with the country prefix {prefix}.");
        }

        var body = uin[prefix.Length..];
        if (!body.All(char.IsAsciiDigit))
        {
            return UinCheck.Invalid("uin-format", $"After {prefix} a UIN holds digits only.");
        }

        if (body.Length != digits)
        {
            return UinCheck.Invalid("uin-length", $"A UIN has {prefix} and {digits} digits; this one has {body.Length}.");
        }

        return Checksum(body) == 0
            ? UinCheck.Valid
            : UinCheck.Invalid("uin-check-digit", "The UIN's last digit does not match the others: it was mistyped or made up.");
    }

    /// <summary>The check digit to append to <paramref name="payload"/> (digits only).</summary>
    public static int CheckDigit(string payload)
    {
        var c = 0;
        for (var i = 0; i < payload.Length; i++)
        {
            c = Multiplication[c, Permutation[(i + 1) % 8, payload[payload.Length - 1 - i] - '0']];
        }

        return Inverse[c];
    }

    private static int Checksum(string number)
    {
        var c = 0;
        for (var i = 0; i < number.Length; i++)
        {
            c = Multiplication[c, Permutation[i % 8, number[number.Length - 1 - i] - '0']];
        }

        return c;
    }
}
