using System.Text.Json;
using Npgsql;

namespace Landplatform.Cadastre.Api;

/// <summary>
/// Writes parcel rows as GeoJSON features straight from the data reader, so a page of parcels is
/// never held in memory. The column order is <see cref="SelectList"/>'s.
/// </summary>
internal static class ParcelFeatureWriter
{
    /// <summary>The columns every parcel read selects, in the order <see cref="Write"/> reads them.</summary>
    public const string SelectList = """
        p.upi, p.version, p.status, p.land_use, p.address, p.district_code, d.name, p.block_code,
        p.official_area, p.computed_area, p.valid_from, p.valid_to, p.transaction_id,
        ST_AsGeoJSON(ST_Transform(p.boundary, @srid), @decimals)
        """;

    public const string From = "cadastre.parcel_versions p LEFT JOIN cadastre.districts d ON d.code = p.district_code";

    public static void Write(Utf8JsonWriter json, NpgsqlDataReader row, string baseUrl)
    {
        var upi = row.GetString(0);
        json.WriteStartObject();
        json.WriteString("type", "Feature");
        json.WriteString("id", upi);
        json.WritePropertyName("geometry");
        json.WriteRawValue(row.GetString(13), skipInputValidation: true);
        json.WriteStartObject("properties");
        json.WriteString("upi", upi);
        json.WriteNumber("version", row.GetInt32(1));
        json.WriteString("status", row.GetString(2));
        json.WriteString("landUse", row.GetString(3));
        WriteNullableString(json, "address", row, 4);
        // The words of the published-layer catalog (PublishedLayers), camelCase as every /api document writes them:
        // district and block are codes, as in OGC API Features, WFS, WMS and the tiles; the district's name is extra here.
        json.WriteString("district", row.GetString(5));
        WriteNullableString(json, "districtName", row, 6);
        json.WriteString("block", row.GetString(7));
        json.WriteNumber("officialArea", row.GetDecimal(8));
        json.WriteNumber("computedArea", Math.Round(row.GetDouble(9), 2));
        json.WriteString("validFrom", row.GetFieldValue<DateTimeOffset>(10));
        if (row.IsDBNull(11))
        {
            json.WriteNull("validTo");
        }
        else
        {
            json.WriteString("validTo", row.GetFieldValue<DateTimeOffset>(11));
        }

        json.WriteString("transactionId", row.GetGuid(12));
        json.WriteEndObject();
        json.WriteStartArray("links");
        WriteLink(json, "self", $"{baseUrl}/api/parcels/{upi}", "application/geo+json");
        WriteLink(json, "lineage", $"{baseUrl}/api/parcels/{upi}/lineage", "application/json");
        json.WriteEndArray();
        json.WriteEndObject();
    }

    public static void WriteLink(Utf8JsonWriter json, string rel, string href, string type)
    {
        json.WriteStartObject();
        json.WriteString("rel", rel);
        json.WriteString("href", href);
        json.WriteString("type", type);
        json.WriteEndObject();
    }

    private static void WriteNullableString(Utf8JsonWriter json, string name, NpgsqlDataReader row, int ordinal)
    {
        if (row.IsDBNull(ordinal))
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, row.GetString(ordinal));
        }
    }
}
