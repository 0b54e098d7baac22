using System.Security.Cryptography;
using System.Text;

namespace Landplatform.Cadastre.Contracts;

/// <summary>
/// The <c>Idempotency-Key</c> header every module that takes money or applications honours: a retry with the same key and
/// the same body gets the first answer again; the same key with another body is refused (422 <see cref="ReusedRule"/>).
/// Each module keeps its keys in its own schema, per caller.
/// </summary>
public static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";

    public const string ReusedRule = "idempotency-key-reused";

    public const string FormatRule = "idempotency-key-format";

    public const int MaxLength = 200;

    /// <summary>The key as sent, or null when none was sent; a key that is not 1 to 200 printable ASCII characters is refused naming the header.</summary>
    public static string? Read(string? header)
    {
        if (header is null || header.Length == 0)
        {
            return null;
        }

        if (header.Length > MaxLength || header.Any(c => c < '!' || c > '~'))
        {
            throw new InvalidParameterException(Header, FormatRule, $"An Idempotency-Key is 1 to {MaxLength} printable ASCII characters without spaces, e.g. a UUID.");
        }

        return header;
    }

    /// <summary>The fingerprint of a request's meaning (the path and the body as the module read it): SHA-256, hexadecimal.</summary>
    public static string Fingerprint(string canonical) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));

    /// <summary>The refusal when a key comes back with a different request.</summary>
    public static IdempotencyKeyReusedException Reused(string key) =>
        new($"Idempotency-Key '{key}' was first used with a different request; a key stands for one request only. Send a new key for a new request.");
}

/// <summary>An Idempotency-Key sent again with a request other than the one it was first used with (HTTP 422).</summary>
public sealed class IdempotencyKeyReusedException(string detail) : RequestRejectedException(IdempotencyKeys.ReusedRule, detail)
{
    /// <summary>The header, named as a problem's parameter.</summary>
    public string Parameter => IdempotencyKeys.Header;
}
