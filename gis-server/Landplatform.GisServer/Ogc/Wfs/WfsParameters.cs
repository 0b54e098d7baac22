using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace Landplatform.GisServer.Ogc.Wfs;

/// <summary>
/// The KVP parameters of one WFS request. Names are case-insensitive (WFS 2.0, 6.2.5.2); a refusal
/// names the parameter as the caller spelled it.
/// </summary>
public sealed class WfsParameters(IQueryCollection query)
{
    public const int MaxValueLength = 64 * 1024;

    /// <summary>The parameter's value, or null when absent or empty.</summary>
    public string? Get(string name)
    {
        if (!query.TryGetValue(name, out var values) || StringValues.IsNullOrEmpty(values))
        {
            return null;
        }

        if (values.Count > 1)
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, Locator(name), $"{name} is given {values.Count} times; give it once.");
        }

        var value = values[0]!;
        if (value.Length > MaxValueLength)
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, Locator(name),
                $"{name} is {value.Length} characters long; at most {MaxValueLength} are accepted.");
        }

        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    public string Require(string name) =>
        Get(name) ?? throw new WfsException(OwsExceptionCode.MissingParameterValue, Locator(name), $"The parameter {name} is required.");

    /// <summary>The first of several alternative names that is present (e.g. TYPENAMES and TYPENAME).</summary>
    public (string Name, string Value)? GetAny(params string[] names)
    {
        foreach (var name in names)
        {
            if (Get(name) is { } value)
            {
                return (name, value);
            }
        }

        return null;
    }

    /// <summary>The parameter name as the caller wrote it, or the canonical name when absent.</summary>
    public string Locator(string name) =>
        query.Keys.FirstOrDefault(k => k.Equals(name, StringComparison.OrdinalIgnoreCase)) ?? name;

    public int? GetInt(string name, int min, int max)
    {
        if (Get(name) is not { } text)
        {
            return null;
        }

        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, Locator(name),
                $"{name} must be a whole number from {min} to {max}; got '{text}'.");
        }

        return value;
    }

    /// <summary>The query string without the named parameters, for paging links.</summary>
    public IEnumerable<KeyValuePair<string, string?>> Without(params string[] names) =>
        query.Where(p => !names.Contains(p.Key, StringComparer.OrdinalIgnoreCase))
            .SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string?>(p.Key, v)));
}
