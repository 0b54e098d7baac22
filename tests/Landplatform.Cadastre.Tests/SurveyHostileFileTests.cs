using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Landplatform.Testing;

namespace Landplatform.Cadastre.Tests;

/// <summary>
/// Survey files are data, never programs: documents that point elsewhere (OGR VRTs naming a local file, a URL, a
/// database), disguised as GeoPackage, DXF or inside a Shapefile zip, and files that are not what their name says,
/// are refused with S-SCHEMA; nothing they point at is read, fetched or repeated, and nothing is stored.
/// </summary>
public sealed class SurveyHostileFileTests(PlatformServer server) : IClassFixture<PlatformServer>, IDisposable
{
    private readonly string marker = "LPMARKER" + Guid.NewGuid().ToString("N");
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("lp-hostile-");

    public void Dispose() => work.Delete(recursive: true);

    private static string Vrt(string source, string layer) => $"""
        <OGRVRTDataSource>
          <OGRVRTLayer name="lots">
            <SrcDataSource>{WebUtility.HtmlEncode(source)}</SrcDataSource>
            <SrcLayer>{WebUtility.HtmlEncode(layer)}</SrcLayer>
            <GeometryType>wkbPolygon</GeometryType>
            <LayerSRS>EPSG:2007</LayerSRS>
          </OGRVRTLayer>
        </OGRVRTDataSource>
        """;

    /// <summary>A local CSV with one lot whose label is the marker: what a VRT would read from the server's disk.</summary>
    private string LocalCsv()
    {
        var path = Path.Combine(work.FullName, "secret.csv");
        File.WriteAllText(path, $"label,WKT\n{marker},\"POLYGON((0 0,10 0,10 10,0 10,0 0))\"\n");
        if (!OperatingSystem.IsWindows())
        {
            // Readable by anyone, so only the confinement (never the file's mode) keeps GDAL from it.
            File.SetUnixFileMode(work.FullName, (UnixFileMode)0b111_101_101);
            File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
        }

        return path;
    }

    private static byte[] Zip(params (string Name, byte[] Content)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var stream = zip.CreateEntry(name).Open();
                stream.Write(content);
            }
        }

        return buffer.ToArray();
    }

    private async Task<(int Status, string Body)> LodgeAsync(string fileName, byte[] content, string? crs = "EPSG:2007")
    {
        var token = await Tokens.AccessTokenForAsync(server.Client, "surveyor");
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        if (crs is not null)
        {
            form.Add(new StringContent(crs), "crs");
        }

        form.Add(new StringContent(SurveyFiles.Parent), "parents");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/surveys") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await server.Client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task AssertRefusedAsync(string fileName, byte[] content, string why)
    {
        var before = await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.surveys");
        var (status, body) = await LodgeAsync(fileName, content);
        Assert.True(status == 400, $"{fileName}: expected 400, got {status}: {body}");
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal("S-SCHEMA", problem.GetProperty("rule").GetString());
        Assert.Equal("file", problem.GetProperty("parameter").GetString());
        Assert.Contains(why, body, StringComparison.Ordinal);
        Assert.DoesNotContain(marker, body, StringComparison.Ordinal);
        Assert.DoesNotContain("secret.csv", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", body, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.surveys"));
    }

    public static TheoryData<string> Sources() => new() { "local-file", "http", "postgres" };

    private async Task<(string Source, string Layer, TcpListener? Listener)> SourceAsync(string kind)
    {
        switch (kind)
        {
            case "local-file":
                return ("CSV:" + LocalCsv(), "secret", null);
            case "http":
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                return ($"GeoJSON:http://127.0.0.1:{port}/{marker}.geojson", "lots", listener);
            default:
                var cs = new Npgsql.NpgsqlConnectionStringBuilder(server.Database.ConnectionString);
                await Task.CompletedTask;
                return ($"PG:host={cs.Host} port={cs.Port} dbname={cs.Database} user={cs.Username} password={cs.Password}", "cadastre.parcel_versions", null);
        }
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task A_VRT_disguised_as_a_GeoPackage_a_DXF_or_inside_a_Shapefile_zip_is_refused_and_reads_nothing(string kind)
    {
        var (source, layer, listener) = await SourceAsync(kind);
        try
        {
            var vrt = Encoding.UTF8.GetBytes(Vrt(source, layer));
            await AssertRefusedAsync("plan.gpkg", vrt, "not a GeoPackage");
            await AssertRefusedAsync("plan.dxf", vrt, "not a DXF drawing");
            await AssertRefusedAsync("plan.zip", Zip(("lots.vrt", vrt)), "not part of a shapefile");
            await AssertRefusedAsync("plan.zip", Zip(("lots.shp", vrt), ("lots.dbf", vrt), ("lots.shx", vrt)), "not an ESRI shapefile");
            if (listener is not null)
            {
                Assert.False(listener.Pending(), "the VRT's URL was fetched");
            }
        }
        finally
        {
            listener?.Stop();
        }
    }

    [Fact]
    public async Task An_SQLite_file_that_is_not_a_GeoPackage_is_refused()
    {
        var sqlite = new byte[4096];
        Encoding.ASCII.GetBytes("SQLite format 3\0").CopyTo(sqlite, 0);
        await AssertRefusedAsync("plan.gpkg", sqlite, "not a GeoPackage");
    }

    [Fact]
    public async Task A_GeoPackage_header_over_a_VRT_body_still_reads_nothing_and_SQLite_words_are_not_repeated()
    {
        // The header says GeoPackage, the rest is a VRT pointing at the local file: SQLite finds no database in it; its message stays inside.
        var vrt = Encoding.UTF8.GetBytes(Vrt("CSV:" + LocalCsv(), "secret"));
        var disguised = new byte[100 + vrt.Length];
        Encoding.ASCII.GetBytes("SQLite format 3\0").CopyTo(disguised, 0);
        Encoding.ASCII.GetBytes("GPKG").CopyTo(disguised, 68);
        vrt.CopyTo(disguised, 100);
        await AssertRefusedAsync("plan.gpkg", disguised, "database is damaged");
    }
}
