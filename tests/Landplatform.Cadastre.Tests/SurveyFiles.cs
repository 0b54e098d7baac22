using System.Net.Http.Headers;
using System.Text.Json;
using Landplatform.Testing;

namespace Landplatform.Cadastre.Tests;

/// <summary>The committed sample surveys (data-samples/surveys) and how a surveyor lodges them over HTTP.</summary>
internal static class SurveyFiles
{
    public static string Directory { get; } = Path.Combine(RepositoryRoot(), "data-samples", "surveys");

    public static string Parent { get; } = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "SAMPLE.json"))).RootElement.GetProperty("parent").GetString()!;

    public static async Task<(int Status, JsonElement Body)> LodgeAsync(
        PlatformServer server, string token, string file, string? crs = null, string? parents = null, string? path = null, string? reference = null)
    {
        using var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(Directory, file)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(content, "file", file);
        if (crs is not null)
        {
            form.Add(new StringContent(crs), "crs");
        }

        if (parents is not null)
        {
            form.Add(new StringContent(parents), "parents");
        }

        if (reference is not null)
        {
            form.Add(new StringContent(reference), "reference");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, path ?? "/api/surveys") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static async Task<(int Status, JsonElement Body)> PostAsync(PlatformServer server, string token, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = System.Net.Http.Json.JsonContent.Create(body ?? new { }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static string[] ErrorRules(JsonElement lodged) =>
        lodged.GetProperty("report").GetProperty("findings").EnumerateArray()
            .Where(f => f.GetProperty("severity").GetString() == "error")
            .Select(f => f.GetProperty("rule").GetString()!)
            .Distinct().Order(StringComparer.Ordinal).ToArray();

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Landplatform.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Landplatform.slnx not found above the test binaries.");
    }
}
