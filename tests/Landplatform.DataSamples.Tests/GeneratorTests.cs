using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Landplatform.DataSamples.Tests;

/// <summary>The generator as a user runs it: the real command line, real files.</summary>
public sealed class GeneratorTests : IDisposable
{
    private readonly string scratch = Directory.CreateTempSubdirectory("lp-datagen-").FullName;

    [Fact]
    public async Task The_same_seed_gives_byte_identical_files_and_another_seed_a_different_fabric()
    {
        var first = await GenerateAsync(3000, 7, "a");
        var second = await GenerateAsync(3000, 7, "b");
        var other = await GenerateAsync(3000, 8, "c");

        var files = Directory.GetFiles(first).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Contains("parcels.csv", files);
        Assert.Contains("manifest.json", files);
        foreach (var file in files)
        {
            Assert.Equal(Hash(Path.Combine(first, file!)), Hash(Path.Combine(second, file!)));
        }

        Assert.NotEqual(Hash(Path.Combine(first, "parcels.csv")), Hash(Path.Combine(other, "parcels.csv")));
    }

    [Fact]
    public async Task The_fabric_has_about_the_parcels_asked_for_with_unique_UPIs_and_a_manifest_that_matches_the_files()
    {
        var dir = await GenerateAsync(5000, 1, "n");
        var parcels = ReadCsv(Path.Combine(dir, "parcels.csv"));
        Assert.InRange(parcels.Count, 4500, 5500);
        Assert.Equal(parcels.Count, parcels.Select(p => p["upi"]).Distinct(StringComparer.Ordinal).Count());
        Assert.All(parcels, p => Assert.Matches(@"^[A-Z]{2}[0-9]{0,2}-[0-9]{5}-[0-9]{4}$", p["upi"]));
        Assert.All(parcels, p => Assert.StartsWith("MULTIPOLYGON", p["wkt"], StringComparison.Ordinal));

        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "manifest.json")));
        Assert.Equal(parcels.Count, manifest.RootElement.GetProperty("counts").GetProperty("parcels").GetInt32());
        Assert.Equal(2007, manifest.RootElement.GetProperty("srid").GetInt32());
        foreach (var file in manifest.RootElement.GetProperty("files").EnumerateObject())
        {
            Assert.Equal(file.Value.GetString(), Hash(Path.Combine(dir, file.Name)), ignoreCase: true);
        }
    }

    [Fact]
    public async Task Every_parcel_has_owners_whose_shares_sum_to_one_and_every_person_a_valid_UIN()
    {
        var dir = await GenerateAsync(2000, 3, "o");
        var parcels = ReadCsv(Path.Combine(dir, "parcels.csv")).Select(p => p["upi"]).ToHashSet(StringComparer.Ordinal);
        var parties = ReadCsv(Path.Combine(dir, "parties.csv"));
        var ownership = ReadCsv(Path.Combine(dir, "ownership.csv"));

        var shares = ownership.GroupBy(o => o["upi"], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Aggregate(0m, (sum, o) =>
                sum + decimal.Parse(o["share_numerator"], CultureInfo.InvariantCulture) / decimal.Parse(o["share_denominator"], CultureInfo.InvariantCulture)));
        Assert.Equal(parcels, shares.Keys.ToHashSet(StringComparer.Ordinal));
        Assert.All(shares, s => Assert.True(Math.Abs(s.Value - 1m) < 0.000001m, $"{s.Key}: shares sum to {s.Value}"));

        var partyIds = parties.Select(p => p["party_id"]).ToHashSet(StringComparer.Ordinal);
        Assert.All(ownership, o => Assert.Contains(o["party_id"], partyIds));

        var persons = parties.Where(p => p["kind"] == "person").ToList();
        Assert.NotEmpty(persons);
        Assert.All(persons, p => Assert.True(HasValidVerhoeffUin(p["uin"]), $"{p["uin"]} fails its check digit"));
        Assert.Equal(persons.Count, persons.Select(p => p["uin"]).Distinct(StringComparer.Ordinal).Count());
        Assert.Contains(parties, p => p["kind"] == "organisation" && p["registration_number"].Length > 0);
    }

    [Theory]
    [InlineData("--parcels", "ten")]
    [InlineData("--parcels", "5")]
    [InlineData("--parcels", "99999999")]
    [InlineData("--seed", "x")]
    public async Task Bad_arguments_exit_with_code_2_and_say_what_is_wrong(string option, string value)
    {
        var (code, _, error) = await RunAsync(["generate", option, value, "--out", Path.Combine(scratch, "bad")]);
        Assert.Equal(2, code);
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.False(File.Exists(Path.Combine(scratch, "bad", "parcels.csv")));
    }

    private async Task<string> GenerateAsync(int parcels, int seed, string name)
    {
        var dir = Path.Combine(scratch, name);
        var (code, output, error) = await RunAsync(["generate", "--parcels", parcels.ToString(CultureInfo.InvariantCulture),
            "--seed", seed.ToString(CultureInfo.InvariantCulture), "--out", dir]);
        Assert.True(code == 0, $"lp-datagen exited {code}: {output} {error}");
        return dir;
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lp-datagen.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    private static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    internal static List<Dictionary<string, string>> ReadCsv(string path)
    {
        using var reader = new StreamReader(path);
        var header = ParseLine(reader.ReadLine()!);
        var rows = new List<Dictionary<string, string>>();
        while (reader.ReadLine() is { } line)
        {
            var fields = ParseLine(line);
            rows.Add(header.Zip(fields).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal));
        }

        return rows;
    }

    // RFC 4180 fields on one line (the generator never writes line breaks inside a field).
    private static List<string> ParseLine(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }

    // An independent Verhoeff check, written from the published tables, so the test does not trust the generator's own.
    private static bool HasValidVerhoeffUin(string uin)
    {
        if (uin.Length != 12 || !uin.StartsWith("VC", StringComparison.Ordinal) || !uin[2..].All(char.IsAsciiDigit))
        {
            return false;
        }

        int[,] d =
        {
            { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 2, 3, 4, 0, 6, 7, 8, 9, 5 }, { 2, 3, 4, 0, 1, 7, 8, 9, 5, 6 },
            { 3, 4, 0, 1, 2, 8, 9, 5, 6, 7 }, { 4, 0, 1, 2, 3, 9, 5, 6, 7, 8 }, { 5, 9, 8, 7, 6, 0, 4, 3, 2, 1 },
            { 6, 5, 9, 8, 7, 1, 0, 4, 3, 2 }, { 7, 6, 5, 9, 8, 2, 1, 0, 4, 3 }, { 8, 7, 6, 5, 9, 3, 2, 1, 0, 4 },
            { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 },
        };
        int[,] p =
        {
            { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 5, 7, 6, 2, 8, 3, 0, 9, 4 }, { 5, 8, 0, 3, 7, 9, 6, 1, 4, 2 },
            { 8, 9, 1, 6, 0, 4, 3, 5, 2, 7 }, { 9, 4, 5, 3, 1, 2, 6, 8, 7, 0 }, { 4, 2, 8, 6, 5, 7, 3, 9, 0, 1 },
            { 2, 7, 9, 3, 8, 0, 6, 4, 1, 5 }, { 7, 0, 4, 6, 9, 1, 3, 2, 5, 8 },
        };
        var digits = uin[2..];
        var c = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            c = d[c, p[i % 8, digits[digits.Length - 1 - i] - '0']];
        }

        return c == 0;
    }

    public void Dispose() => Directory.Delete(scratch, recursive: true);
}
