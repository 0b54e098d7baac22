using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace Landplatform.Cadastre.Surveys;

/// <summary>What the checks need to know of a coordinate reference system: whether it is in degrees, and its unit in metres.</summary>
public sealed record SurveyCrsInfo(int Srid, string Name, bool Geographic, double MetresPerUnit)
{
    /// <summary>A distance in metres as a length in this CRS's units (degrees of latitude for a geographic CRS).</summary>
    public double FromMetres(double metres) => Geographic ? metres / 111_320 : metres / MetresPerUnit;
}

/// <summary>
/// The EPSG coordinate reference systems PostGIS can transform, read once from its <c>spatial_ref_sys</c>: a survey in
/// any of them is reprojected to the national grid; any other code is refused.
/// </summary>
public sealed partial class SurveyCrsCatalog(NpgsqlDataSource db)
{
    private readonly SemaphoreSlim loading = new(1, 1);
    private Dictionary<int, SurveyCrsInfo>? known;

    public async Task<IReadOnlyDictionary<int, SurveyCrsInfo>> LoadAsync(CancellationToken ct)
    {
        if (known is { } ready)
        {
            return ready;
        }

        await loading.WaitAsync(ct);
        try
        {
            if (known is not null)
            {
                return known;
            }

            var systems = new Dictionary<int, SurveyCrsInfo>();
            await using var command = db.CreateCommand("""
                SELECT auth_srid, coalesce(substring(srtext from '^[A-Z]+\["([^"]{1,120})"'), ''), coalesce(proj4text, ''), srtext LIKE 'GEOGCS%'
                FROM spatial_ref_sys WHERE auth_name = 'EPSG' AND auth_srid = srid AND proj4text <> ''
                """);
            await using var rows = await command.ExecuteReaderAsync(ct);
            while (await rows.ReadAsync(ct))
            {
                var proj = rows.GetString(2);
                var geographic = rows.GetBoolean(3) || proj.Contains("+proj=longlat", StringComparison.Ordinal);
                systems[rows.GetInt32(0)] = new SurveyCrsInfo(rows.GetInt32(0), rows.GetString(1), geographic, geographic ? 1 : UnitInMetres(proj));
            }

            known = systems;
            return systems;
        }
        finally
        {
            loading.Release();
        }
    }

    private static double UnitInMetres(string proj)
    {
        var toMeter = ToMeter().Match(proj);
        if (toMeter.Success)
        {
            return double.Parse(toMeter.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        return Units().Match(proj) is { Success: true } units
            ? units.Groups[1].Value switch
            {
                "ft" => 0.3048,
                "us-ft" => 1200.0 / 3937,
                "link" => 0.201168,
                "ch" => 20.1168,
                "yd" => 0.9144,
                "km" => 1000,
                _ => 1,
            }
            : 1;
    }

    [GeneratedRegex(@"\+to_meter=([0-9.]+)")]
    private static partial Regex ToMeter();

    [GeneratedRegex(@"\+units=([a-z-]+)")]
    private static partial Regex Units();
}
