using System.IO.Compression;
using System.Text;

namespace Landplatform.Integrations.Documents;

/// <summary>
/// Whether a signed deed names the registry transaction it is for. The reference is part of what the notary
/// signed: anywhere in the PDF's text or its document properties (e.g. Keywords), as the notary's word
/// processor writes it — plain, as a UTF-16 text string, or inside Flate-compressed streams, which are
/// inflated here within a fixed budget (a compressed bomb only spends the budget).
/// </summary>
public static class DeedBinding
{
    private const long InflateBudget = 64L * 1024 * 1024;

    public static bool Names(byte[] pdf, string reference)
    {
        var patterns = Patterns(reference);
        if (ContainsAny(pdf, patterns))
        {
            return true;
        }

        long budget = InflateBudget;
        foreach (var (start, length) in Streams(pdf))
        {
            if (budget <= 0)
            {
                return false;
            }

            var inflated = TryInflate(pdf, start, length, ref budget);
            if (inflated is not null && ContainsAny(inflated, patterns))
            {
                return true;
            }
        }

        return false;
    }

    private static byte[][] Patterns(string reference)
    {
        var lower = reference.ToLowerInvariant();
        var upper = reference.ToUpperInvariant();
        return [Encoding.ASCII.GetBytes(lower), Encoding.ASCII.GetBytes(upper), Encoding.BigEndianUnicode.GetBytes(lower), Encoding.BigEndianUnicode.GetBytes(upper)];
    }

    private static bool ContainsAny(ReadOnlySpan<byte> data, byte[][] patterns)
    {
        foreach (var pattern in patterns)
        {
            if (data.IndexOf(pattern) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The byte ranges between each <c>stream</c> keyword's end of line and the next <c>endstream</c>.</summary>
    private static IEnumerable<(int Start, int Length)> Streams(byte[] pdf)
    {
        var open = "stream"u8.ToArray();
        var close = "endstream"u8.ToArray();
        var at = 0;
        while (at < pdf.Length)
        {
            var found = pdf.AsSpan(at).IndexOf(open);
            if (found < 0)
            {
                yield break;
            }

            var keyword = at + found;
            var start = keyword + open.Length;
            if (keyword >= 3 && pdf.AsSpan(keyword - 3, 3).SequenceEqual("end"u8))
            {
                at = start;
                continue;
            }

            if (start < pdf.Length && pdf[start] == '\r')
            {
                start++;
            }

            if (start < pdf.Length && pdf[start] == '\n')
            {
                start++;
            }

            var end = start < pdf.Length ? pdf.AsSpan(start).IndexOf(close) : -1;
            if (end < 0)
            {
                yield break;
            }

            yield return (start, end);
            at = start + end + close.Length;
        }
    }

    private static byte[]? TryInflate(byte[] pdf, int start, int length, ref long budget)
    {
        try
        {
            using var input = new ZLibStream(new MemoryStream(pdf, start, length, writable: false), CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = input.Read(buffer)) > 0)
            {
                budget -= read;
                if (budget < 0)
                {
                    return null;
                }

                output.Write(buffer, 0, read);
            }

            return output.ToArray();
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }
}
