using System.Globalization;
using System.Text;
using Landplatform.Cadastre.Contracts;
using Microsoft.AspNetCore.Http.Features;

namespace Landplatform.GisServer;

/// <summary>
/// One gate for the text of every request, before any endpoint sees it: the path, each query parameter and each header
/// must be valid UTF-8 without control characters. A request that is merely odd (a NUL, a newline, a stray byte) gets a
/// 400 problem naming the parameter (<c>path</c>, the query parameter as sent, or <c>header:Name</c>) instead of reaching
/// code, a database or a log that would choke on it. The request line is judged as sent (its raw target), because the
/// server's own decoding turns invalid bytes into U+FFFD and would hide them.
/// </summary>
public static class RequestTextGuard
{
    public const string Rule = "request-text";

    /// <summary>Parameters whose value is an expression or a document (CQL2, FES XML), where line breaks and tabs are whitespace.</summary>
    private static readonly HashSet<string> Multiline = new(StringComparer.OrdinalIgnoreCase) { "filter" };

    /// <summary>
    /// The OGC XML services judge every one of their parameters against their own allow-lists and answer a bad value in
    /// the exception format their clients read (WMS ServiceExceptionReport, OWS ExceptionReport), so their query is theirs.
    /// </summary>
    private static readonly string[] OwnFormatServices = ["/wms", "/wfs", "/wmts"];

    /// <summary>Printable ASCII except '%' (an escape to decode): a part made only of these is clean as it stands.</summary>
    private static readonly System.Buffers.SearchValues<char> PlainText =
        System.Buffers.SearchValues.Create(" !\"#$&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static IApplicationBuilder UseRequestTextGuard(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            Check(context);
            return next(context);
        });

    /// <summary>Throws <see cref="InvalidParameterException"/> for the first part of the request that is not clean text.</summary>
    public static void Check(HttpContext context)
    {
        var request = context.Request;
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var target = string.IsNullOrEmpty(raw) ? request.PathBase + request.Path + request.QueryString : raw;
        var mark = target.IndexOf('?', StringComparison.Ordinal);
        var path = mark < 0 ? target : target[..mark];
        var query = mark < 0 ? string.Empty : target[(mark + 1)..];

        if (Fault(path, plusIsSpace: false, multiline: false) is { } pathFault)
        {
            throw Refusal("path", "The path " + pathFault);
        }

        var ownFormat = OwnFormatServices.Any(s => request.Path.StartsWithSegments(s, StringComparison.OrdinalIgnoreCase));
        var position = 0;
        foreach (var pair in ownFormat ? [] : query.Split('&'))
        {
            position++;
            if (pair.Length == 0)
            {
                continue;
            }

            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var rawName = equals < 0 ? pair : pair[..equals];
            if (Fault(rawName, plusIsSpace: true, multiline: false) is { } nameFault)
            {
                throw Refusal("query", $"The name of query parameter {position.ToString(CultureInfo.InvariantCulture)} {nameFault}");
            }

            var name = Uri.UnescapeDataString(rawName.Replace('+', ' '));
            if (equals >= 0 && Fault(pair[(equals + 1)..], plusIsSpace: true, multiline: Multiline.Contains(name)) is { } valueFault)
            {
                throw Refusal(name, $"The value of {name} {valueFault}");
            }
        }

        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                if (value is not null && ControlIn(value, allowTab: true) is { } at)
                {
                    throw Refusal("header:" + name, $"The header {name} {Describe(value, at)}");
                }
            }
        }
    }

    private static InvalidParameterException Refusal(string parameter, string detail) =>
        new(parameter, Rule, detail + " Parameters, paths and headers must be UTF-8 text without control characters.");

    /// <summary>What is wrong with a percent-encoded part of the request line, or null when it is clean text.</summary>
    private static string? Fault(string encoded, bool plusIsSpace, bool multiline)
    {
        // Most requests (every tile, most API calls) are plain printable ASCII without escapes: nothing to decode.
        if (!encoded.AsSpan().ContainsAnyExcept(PlainText))
        {
            return null;
        }

        var bytes = new List<byte>(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c == '%' && i + 2 < encoded.Length && IsHex(encoded[i + 1]) && IsHex(encoded[i + 2]))
            {
                bytes.Add((byte)((HexValue(encoded[i + 1]) << 4) | HexValue(encoded[i + 2])));
                i += 2;
            }
            else if (c == '+' && plusIsSpace)
            {
                bytes.Add((byte)' ');
            }
            else if (c < 0x80)
            {
                bytes.Add((byte)c);
            }
            else
            {
                // The server already decoded this part (a raw non-ASCII request line, or an in-memory host).
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        string text;
        try
        {
            text = StrictUtf8.GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            return "is not valid UTF-8.";
        }

        if (text.Contains('\uFFFD', StringComparison.Ordinal) && !encoded.Contains("%EF%BF%BD", StringComparison.OrdinalIgnoreCase))
        {
            return "is not valid UTF-8.";
        }

        return ControlIn(text, allowTab: multiline, allowLineBreaks: multiline) is { } at ? Describe(text, at) : null;
    }

    private static int? ControlIn(string text, bool allowTab, bool allowLineBreaks = false)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var control = c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F);
            if (control && !(allowTab && c == '\t') && !(allowLineBreaks && c is '\n' or '\r'))
            {
                return i;
            }
        }

        return null;
    }

    private static string Describe(string text, int at) =>
        $"contains the control character U+{(int)text[at]:X4} at character {(at + 1).ToString(CultureInfo.InvariantCulture)}.";

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
