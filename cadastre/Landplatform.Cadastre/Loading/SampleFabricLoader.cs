using System.Text.Json;
using Npgsql;

namespace Landplatform.Cadastre.Loading;

/// <summary>
/// Loads a fabric written by the generator (<c>lp-datagen generate</c>) into an empty cadastre: one
/// initial-load transaction, every CSV streamed through COPY, geometry parsed by PostGIS.
/// </summary>
public sealed class SampleFabricLoader(NpgsqlDataSource db)
{
    /// <summary>When the sample fabric's first versions take effect; as-of queries before it find nothing.</summary>
    public static readonly DateTimeOffset SampleEffectiveAt = new(2010, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public async Task<int> LoadAsync(string directory, IProgress<string> progress, CancellationToken ct)
    {
        var manifestPath = Path.Combine(directory, "manifest.json");
        if (!File.Exists(manifestPath))
        {
            throw new FileNotFoundException($"{manifestPath} is missing: generate the fabric first (./lp data generate).", manifestPath);
        }

        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath, ct));
        var seed = manifest.RootElement.GetProperty("seed").GetInt64();
        var requested = manifest.RootElement.GetProperty("parcelsRequested").GetInt64();

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (await ScalarAsync(connection, "SELECT count(*) FROM cadastre.parcel_records", ct) is long existing && existing > 0)
        {
            throw new InvalidOperationException($"The cadastre already holds {existing} parcels; a sample loads only into an empty fabric (./lp db reset).");
        }

        var transactionId = Guid.CreateVersion7();
        await ExecuteAsync(connection, """
            INSERT INTO cadastre.fabric_transactions (id, kind, reference, effective_at, recorded_at, recorded_by)
            VALUES (@id, 'initial_load', @reference, @effective, now(), 'lp data load')
            """, ct, ("id", transactionId), ("reference", $"Sample island from lp-datagen, seed {seed}, {requested} parcels requested"),
            ("effective", SampleEffectiveAt));

        await StageAsync(connection, directory, "districts.csv", "code text, name text, wkt text", progress, ct);
        await ExecuteAsync(connection, "INSERT INTO cadastre.districts (code, name, boundary) SELECT code, name, ST_Multi(ST_GeomFromText(wkt, 2007)) FROM staging_districts", ct);

        await StageAsync(connection, directory, "blocks.csv", "code text, district_code text, wkt text", progress, ct);
        await ExecuteAsync(connection, "INSERT INTO cadastre.blocks (code, district_code, boundary) SELECT code, district_code, ST_Multi(ST_GeomFromText(wkt, 2007)) FROM staging_blocks", ct);

        await StageAsync(connection, directory, "roads.csv", "id bigint, name text, road_class text, wkt text", progress, ct);
        await ExecuteAsync(connection, "INSERT INTO cadastre.road_reserves (name, road_class, boundary) SELECT name, road_class, ST_Multi(ST_GeomFromText(wkt, 2007)) FROM staging_roads ORDER BY id", ct);

        await StageAsync(connection, directory, "parcels.csv",
            "upi text, district_code text, block_code text, land_use text, address text, official_area numeric, wkt text", progress, ct);
        await ExecuteAsync(connection, """
            INSERT INTO cadastre.parcel_records (upi, district_code, block_code, lot_number, issued_at, issued_by_transaction_id)
            SELECT upi, district_code, block_code, split_part(upi, '-', 3)::int, @effective, @tx FROM staging_parcels
            """, ct, ("effective", SampleEffectiveAt), ("tx", transactionId));
        var parcels = await ExecuteAsync(connection, """
            INSERT INTO cadastre.parcel_versions (upi, version, boundary, official_area, land_use, address, district_code, block_code,
                                                  status, valid_from, transaction_id)
            SELECT upi, 1, ST_Multi(ST_GeomFromText(wkt, 2007)), official_area, land_use, NULLIF(address, ''), district_code, block_code,
                   'current', @effective, @tx
            FROM staging_parcels ORDER BY upi
            """, ct, ("effective", SampleEffectiveAt), ("tx", transactionId));
        progress.Report($"parcels: {parcels} versions written");

        await StageAsync(connection, directory, "buildings.csv", "id bigint, upi text, use text, storeys int, wkt text", progress, ct);
        await ExecuteAsync(connection, "INSERT INTO cadastre.buildings (upi, use, storeys, footprint) SELECT upi, use, storeys, ST_GeomFromText(wkt, 2007) FROM staging_buildings ORDER BY id", ct);

        await StageAsync(connection, directory, "hazards.csv", "id bigint, hazard text, level text, wkt text", progress, ct);
        await ExecuteAsync(connection, "INSERT INTO cadastre.hazard_zones (hazard, level, boundary) SELECT hazard, level, ST_Multi(ST_GeomFromText(wkt, 2007)) FROM staging_hazards ORDER BY id", ct);

        await transaction.CommitAsync(ct);
        progress.Report("analysing tables");
        await ExecuteAsync(connection, "ANALYZE cadastre.parcel_versions; ANALYZE cadastre.parcel_records; ANALYZE cadastre.buildings; ANALYZE cadastre.hazard_zones; ANALYZE cadastre.road_reserves; ANALYZE cadastre.blocks", ct);
        return parcels;
    }

    private static async Task StageAsync(NpgsqlConnection connection, string directory, string file, string columns, IProgress<string> progress, CancellationToken ct)
    {
        var table = "staging_" + Path.GetFileNameWithoutExtension(file);
        await ExecuteAsync(connection, $"CREATE TEMP TABLE {table} ({columns}) ON COMMIT DROP", ct);
        var path = Path.Combine(directory, file);
        using (var source = new StreamReader(path, System.Text.Encoding.UTF8))
        await using (var copy = await connection.BeginTextImportAsync($"COPY {table} FROM STDIN (FORMAT csv, HEADER true)", ct))
        {
            var buffer = new char[64 * 1024];
            int read;
            while ((read = await source.ReadAsync(buffer, ct)) > 0)
            {
                await copy.WriteAsync(buffer.AsMemory(0, read), ct);
            }
        }

        progress.Report($"{file}: {new FileInfo(path).Length / 1024} KiB staged");
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(ct);
    }
}
