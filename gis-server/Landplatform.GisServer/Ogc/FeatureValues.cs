using System.Globalization;
using System.Text.Json;

namespace Landplatform.GisServer.Ogc;

/// <summary>How a property value read from PostGIS is written in JSON, the same in every OGC service.</summary>
public static class FeatureValues
{
    /// <summary>Writes one value: numbers as numbers (doubles to the millimetre), instants as UTC ISO 8601, null as null.</summary>
    public static void WriteJson(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null or DBNull:
                json.WriteNullValue();
                break;
            case string s:
                json.WriteStringValue(s);
                break;
            case short or int or long:
                json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case decimal d:
                json.WriteNumberValue(d);
                break;
            case double d:
                json.WriteNumberValue(Math.Round(d, 3));
                break;
            case float f:
                json.WriteNumberValue(Math.Round(f, 3));
                break;
            case DateTime t:
                json.WriteStringValue(DateTime.SpecifyKind(t, DateTimeKind.Utc));
                break;
            case DateTimeOffset t:
                json.WriteStringValue(t.ToUniversalTime());
                break;
            default:
                json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
