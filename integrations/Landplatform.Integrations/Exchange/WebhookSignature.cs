using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Landplatform.Integrations.Exchange;

/// <summary>
/// HMAC-SHA256 over "timestamp.body" with a shared secret, as our webhooks carry it and as receivers
/// check it: the timestamp inside the signature is what stops an old message being replayed.
/// </summary>
public static class WebhookSignature
{
    public const string TimestampHeader = "X-LP-Timestamp";
    public const string SignatureHeader = "X-LP-Signature";
    public const string EventIdHeader = "X-LP-Event-Id";
    public const string EventTypeHeader = "X-LP-Event-Type";
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const string CorrelationIdHeader = "X-Correlation-Id";

    /// <summary>The signature header's value: <c>sha256=</c> and the lower-case hex HMAC.</summary>
    public static string Sign(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    /// <summary>True when <paramref name="signature"/> is ours for this timestamp and body; compared in constant time.</summary>
    public static bool Verify(string secret, long unixSeconds, ReadOnlySpan<byte> body, string? signature)
    {
        if (signature is null)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(secret, unixSeconds, body));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature));
    }
}
