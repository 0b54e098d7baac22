using System.Globalization;
using System.Xml.Linq;

namespace Landplatform.Cadastre.Surveys.Formats;

/// <summary>
/// A LandXML plan's units (its <c>Units/Metric</c> or <c>Units/Imperial</c>): lengths and areas to metres and square
/// metres, directions (<c>directionUnit</c>, else <c>angularUnit</c>) to decimal degrees; an unknown unit is refused.
/// </summary>
internal sealed record LandXmlUnits(double MetresPerLinearUnit, double SquareMetresPerAreaUnit, string DirectionUnit)
{
    private static readonly Dictionary<string, double> Lengths = new(StringComparer.Ordinal)
    {
        ["millimeter"] = 0.001, ["centimeter"] = 0.01, ["meter"] = 1, ["kilometer"] = 1000,
        ["foot"] = 0.3048, ["USSurveyFoot"] = 1200.0 / 3937, ["inch"] = 0.0254, ["mile"] = 1609.344,
    };

    private static readonly Dictionary<string, double> Areas = new(StringComparer.Ordinal)
    {
        ["squareMillimeter"] = 1e-6, ["squareCentimeter"] = 1e-4, ["squareMeter"] = 1, ["hectare"] = 10_000, ["squareKilometer"] = 1e6,
        ["squareFoot"] = 0.09290304, ["squareInch"] = 0.00064516, ["acre"] = 4046.8564224, ["squareMiles"] = 2_589_988.110336,
    };

    private static readonly string[] Directions = ["decimal degrees", "decimal dd.mm.ss", "radians", "grads"];

    public static LandXmlUnits From(XElement root)
    {
        var units = root.Elements().FirstOrDefault(e => e.Name.LocalName == "Units")?.Elements().FirstOrDefault(e => e.Name.LocalName is "Metric" or "Imperial");
        var imperial = units?.Name.LocalName == "Imperial";
        var linear = (string?)units?.Attribute("linearUnit") ?? (imperial ? "foot" : "meter");
        var area = (string?)units?.Attribute("areaUnit") ?? (imperial ? "squareFoot" : "squareMeter");
        var direction = (string?)units?.Attribute("directionUnit") ?? (string?)units?.Attribute("angularUnit") ?? "decimal degrees";
        if (!Lengths.TryGetValue(linear, out var metres))
        {
            throw SurveyUnreadableException.Because($"Units linearUnit '{SurveyFeatureSet.Printable(linear)}' is not a LandXML length unit (meter, millimeter, foot, USSurveyFoot, ...).");
        }

        if (!Areas.TryGetValue(area, out var squareMetres))
        {
            throw SurveyUnreadableException.Because($"Units areaUnit '{SurveyFeatureSet.Printable(area)}' is not a LandXML area unit (squareMeter, hectare, squareFoot, acre, ...).");
        }

        foreach (var angular in new[] { direction, (string?)units?.Attribute("angularUnit") ?? direction })
        {
            if (!Directions.Contains(angular, StringComparer.Ordinal))
            {
                throw SurveyUnreadableException.Because($"Units angle unit '{SurveyFeatureSet.Printable(angular)}' is not one of {string.Join(", ", Directions)}.");
            }
        }

        return new LandXmlUnits(metres, squareMetres, direction);
    }

    /// <summary>A direction (azimuth) as decimal degrees; <paramref name="what"/> names it in a refusal.</summary>
    public double Direction(string text, string what)
    {
        var value = text.Trim();
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
        {
            throw SurveyUnreadableException.Because($"{what} '{SurveyFeatureSet.Printable(value)}' is not a number.");
        }

        return DirectionUnit switch
        {
            "radians" => number * 180 / Math.PI,
            "grads" => number * 0.9,
            "decimal dd.mm.ss" => DegreesMinutesSeconds(value, what),
            _ => number,
        };
    }

    /// <summary>
    /// <c>ddd.mmss</c> with optional decimals of seconds: 45.3025 is 45° 30′ 25″, 12.051234 is 12° 05′ 12.34″; minutes
    /// and seconds are two digits each, under 60.
    /// </summary>
    public static double DegreesMinutesSeconds(string value, string what)
    {
        var negative = value.StartsWith('-');
        var body = negative ? value[1..] : value;
        var dot = body.IndexOf('.', StringComparison.Ordinal);
        var degreesText = dot < 0 ? body : body[..dot];
        var rest = dot < 0 ? string.Empty : body[(dot + 1)..];
        if (degreesText.Length == 0 || !degreesText.All(char.IsAsciiDigit) || !rest.All(char.IsAsciiDigit))
        {
            throw SurveyUnreadableException.Because($"{what} '{SurveyFeatureSet.Printable(value)}' is not in dd.mm.ss.");
        }

        rest = rest.PadRight(4, '0');
        var minutes = int.Parse(rest[..2], CultureInfo.InvariantCulture);
        var seconds = double.Parse(rest[2..4] + (rest.Length > 4 ? "." + rest[4..] : string.Empty), CultureInfo.InvariantCulture);
        if (minutes >= 60 || seconds >= 60)
        {
            throw SurveyUnreadableException.Because($"{what} '{SurveyFeatureSet.Printable(value)}' has minutes or seconds of 60 or more; dd.mm.ss writes each as two digits under 60.");
        }

        var degrees = int.Parse(degreesText, CultureInfo.InvariantCulture) + (minutes / 60.0) + (seconds / 3600.0);
        return negative ? -degrees : degrees;
    }
}
