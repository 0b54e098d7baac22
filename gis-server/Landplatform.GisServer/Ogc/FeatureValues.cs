using System.Globalization;
using System.Text.Json;
using Npgsql;

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

    /// <summary>
    /// Writes column <paramref name="ordinal"/> of the current row as <see cref="WriteJson(Utf8JsonWriter, object?)"/> would,
    /// but read by its own type, without boxing: the feature writers call this a dozen times per feature.
    /// </summary>
    public static void WriteJson(Utf8JsonWriter json, NpgsqlDataReader row, int ordinal)
    {
        if (row.IsDBNull(ordinal))
        {
            json.WriteNullValue();
            return;
        }

        var type = row.GetFieldType(ordinal);
        if (type == typeof(string))
        {
            json.WriteStringValue(row.GetString(ordinal));
        }
        else if (type == typeof(int))
        {
            json.WriteNumberValue(row.GetInt32(ordinal));
        }
        else if (type == typeof(long))
        {
            json.WriteNumberValue(row.GetInt64(ordinal));
        }
        else if (type == typeof(short))
        {
            json.WriteNumberValue(row.GetInt16(ordinal));
        }
        else if (type == typeof(decimal))
        {
            json.WriteNumberValue(row.GetDecimal(ordinal));
        }
        else if (type == typeof(double))
        {
            json.WriteNumberValue(Math.Round(row.GetDouble(ordinal), 3));
        }
        else if (type == typeof(DateTime))
        {
            json.WriteStringValue(DateTime.SpecifyKind(row.GetDateTime(ordinal), DateTimeKind.Utc));
        }
        else
        {
            WriteJson(json, row.GetValue(ordinal));
        }
    }
}
