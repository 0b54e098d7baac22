using System.Buffers.Binary;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Landplatform.Testing;
using Microsoft.Data.Sqlite;

namespace Landplatform.Cadastre.Tests;

/// <summary>
/// GeoPackage and zipped Shapefile are parsed in process: a GeoPackage that carries a program (a view, a trigger the
/// specification does not define) is refused naming it, a spec GeoPackage with its rtree index is read, a shapefile
/// whose .prj is unknown or whose .shp is cut short is refused with S-SCHEMA, and nothing refused is stored.
/// </summary>
public sealed class SurveyInProcessFormatTests(PlatformServer server) : IClassFixture<PlatformServer>, IDisposable
{
    private readonly string marker = "LPMARKER" + Guid.NewGuid().ToString("N");
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("lp-inproc-");

    public void Dispose() => work.Delete(recursive: true);

    /// <summary>The committed clean GeoPackage, changed by <paramref name="sql"/> with SQLite itself.</summary>
    private byte[] GeoPackageWith(string sql)
    {
        var path = Path.Combine(work.FullName, Guid.NewGuid().ToString("N") + ".gpkg");
        File.Copy(Path.Combine(SurveyFiles.Directory, "clean-subdivision.gpkg"), path);
        using (var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            db.Open();
            using var command = new SqliteCommand(sql, db);
            command.ExecuteNonQuery();
        }

        return File.ReadAllBytes(path);
    }

    /// <summary>The committed clean shapefile zip with some parts replaced.</summary>
    private static byte[] ShapefileWith(Func<string, byte[], byte[]> change)
    {
        using var source = ZipFile.OpenRead(Path.Combine(SurveyFiles.Directory, "clean-subdivision-shapefile.zip"));
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in source.Entries)
            {
                using var read = entry.Open();
                using var bytes = new MemoryStream();
                read.CopyTo(bytes);
                using var write = zip.CreateEntry(entry.FullName).Open();
                write.Write(change(entry.FullName, bytes.ToArray()));
            }
        }

        return buffer.ToArray();
    }

    private async Task<(int Status, string Body)> LodgeAsync(string fileName, byte[] content)
    {
        var token = await Tokens.AccessTokenForAsync(server.Client, "surveyor");
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        form.Add(new StringContent(SurveyFiles.Parent), "parents");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/surveys") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await server.Client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task AssertRefusedAsync(string fileName, byte[] content, params string[] why)
    {
        var before = await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.surveys");
        var (status, body) = await LodgeAsync(fileName, content);
        Assert.True(status == 400, $"{fileName}: expected 400, got {status}: {body}");
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal("S-SCHEMA", problem.GetProperty("rule").GetString());
        Assert.Equal("file", problem.GetProperty("parameter").GetString());
        Assert.All(why, w => Assert.Contains(w, problem.GetProperty("detail").GetString(), StringComparison.Ordinal));
        Assert.DoesNotContain(marker, body, StringComparison.Ordinal);
        Assert.Equal(before, await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.surveys"));
    }

    /// <summary>Lodges a clean file, withdraws it, and returns its lots as stored: label, stated area and boundary (normalised, since a shapefile draws outer rings clockwise), in label order.</summary>
    private async Task<string> StoredLotsAsync(string fileName, byte[] content)
    {
        var (status, body) = await LodgeAsync(fileName, content);
        Assert.True(status == 201, $"{fileName}: expected 201, got {status}: {body}");
        var lodged = JsonDocument.Parse(body).RootElement;
        Assert.True(lodged.GetProperty("report").GetProperty("passed").GetBoolean(), body);
        var id = Guid.Parse(lodged.GetProperty("survey").GetProperty("id").GetString()!);
        var examiner = await Tokens.AccessTokenForAsync(server.Client, "examiner");
        var (withdrawn, reason) = await SurveyFiles.PostAsync(server, examiner, $"/api/surveys/{id}/rejection", new { reason = "test clean-up" });
        Assert.True(withdrawn == 200, reason.ToString());
        return await server.Database.ScalarAsync<string>(
            "SELECT string_agg(label || ' ' || coalesce(stated_area::text, '-') || ' ' || ST_AsText(ST_Normalize(boundary)), '; ' ORDER BY label) FROM cadastre.survey_lots WHERE survey_id = @id",
            ("id", id));
    }

    [Fact]
    public async Task A_GeoPackage_with_a_trigger_that_writes_elsewhere_is_refused_naming_the_trigger()
    {
        var gpkg = GeoPackageWith($"""
            CREATE TRIGGER lp_copy_lots AFTER INSERT ON lots BEGIN
              INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) VALUES ('dataset', '{marker}', 'text/plain', NEW.label);
            END
            """);
        await AssertRefusedAsync("plan.gpkg", gpkg, "trigger 'lp_copy_lots'", "schema entry", "triggers are refused");
    }

    [Fact]
    public async Task A_trigger_named_like_the_rtree_index_that_writes_another_table_is_refused()
    {
        var gpkg = GeoPackageWith($"""
            DROP TRIGGER rtree_lots_geom_insert;
            CREATE TRIGGER rtree_lots_geom_insert AFTER INSERT ON lots BEGIN
              UPDATE gpkg_contents SET description = '{marker}';
            END
            """);
        await AssertRefusedAsync("plan.gpkg", gpkg, "trigger 'rtree_lots_geom_insert'", "triggers are refused");
    }

    [Fact]
    public async Task A_GeoPackage_with_a_view_is_refused_naming_the_view()
    {
        var gpkg = GeoPackageWith($"CREATE VIEW lots_view AS SELECT fid, geom, '{marker}' AS label FROM lots");
        await AssertRefusedAsync("plan.gpkg", gpkg, "view, 'lots_view'", "views are refused");
    }

    [Fact]
    public async Task A_GeoPackage_with_its_rtree_index_and_the_shapefile_give_the_same_lots_as_the_GeoJSON_they_were_made_from()
    {
        var gpkg = await File.ReadAllBytesAsync(Path.Combine(SurveyFiles.Directory, "clean-subdivision.gpkg"));
        using (var db = new SqliteConnection($"Data Source={Path.Combine(SurveyFiles.Directory, "clean-subdivision.gpkg")};Mode=ReadOnly;Pooling=False"))
        {
            db.Open();
            using var command = new SqliteCommand("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rtree_lots_geom_%'", db);
            Assert.Equal(6L, (long)command.ExecuteScalar()!);
        }

        var geoJson = await StoredLotsAsync("plan.geojson", await File.ReadAllBytesAsync(Path.Combine(SurveyFiles.Directory, "clean-subdivision.geojson")));
        var fromGeoPackage = await StoredLotsAsync("plan.gpkg", gpkg);
        var fromShapefile = await StoredLotsAsync("plan.zip", await File.ReadAllBytesAsync(Path.Combine(SurveyFiles.Directory, "clean-subdivision-shapefile.zip")));
        Assert.StartsWith("Lot 1 1553.28 POLYGON((", fromGeoPackage, StringComparison.Ordinal);
        Assert.Contains("Lot 2 1553.28 POLYGON((", fromGeoPackage, StringComparison.Ordinal);
        Assert.Equal(geoJson, fromGeoPackage);
        Assert.Equal(geoJson, fromShapefile);
    }

    [Fact]
    public async Task A_shapefile_whose_prj_is_unknown_is_refused_rather_than_guessed()
    {
        const string utm = """PROJCS["NAD83 / UTM zone 20N",GEOGCS["NAD83",DATUM["North_American_Datum_1983",SPHEROID["GRS 1980",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["central_meridian",-63],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],UNIT["metre",1]]""";
        var zip = ShapefileWith((name, bytes) => name.EndsWith(".prj", StringComparison.Ordinal) ? Encoding.UTF8.GetBytes(utm) : bytes);
        await AssertRefusedAsync("plan.zip", zip, ".prj names a coordinate reference system the platform does not know");
        var (_, body) = await LodgeAsync("plan.zip", zip);
        Assert.DoesNotContain("NAD83", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_shp_is_a_400_problem_never_a_500()
    {
        var cut = ShapefileWith((name, bytes) => name.EndsWith(".shp", StringComparison.Ordinal) ? bytes[..200] : bytes);
        await AssertRefusedAsync("plan.zip", cut, "The .shp is truncated");

        // The header made to agree with the cut, so the reader itself meets the end of the file inside a record.
        var consistent = ShapefileWith((name, bytes) =>
        {
            if (!name.EndsWith(".shp", StringComparison.Ordinal))
            {
                return bytes;
            }

            var shp = bytes[..200];
            BinaryPrimitives.WriteInt32BigEndian(shp.AsSpan(24, 4), shp.Length / 2);
            return shp;
        });
        await AssertRefusedAsync("plan.zip", consistent, "could not be read at record");
    }
}
