using Npgsql;

namespace Landplatform.Benchmarks;

/// <summary>
/// The benchmarks write thousands of transfers: they run only on a database ./lp bench made for them
/// (named landplatform_bench_N and marked 'loaded generator V' once its sample was loaded), never on a register in use.
/// </summary>
public static class BenchDatabase
{
    public const string NamePrefix = "landplatform_bench_";

    /// <summary>Null when the database is a bench database; otherwise why it is refused.</summary>
    public static async Task<string?> RefusalAsync(NpgsqlDataSource data, CancellationToken ct)
    {
        await using var command = data.CreateCommand(
            "SELECT current_database(), coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = current_database()");
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var (name, comment) = (reader.GetString(0), reader.GetString(1));
        if (!name.StartsWith(NamePrefix, StringComparison.Ordinal))
        {
            return $"database '{name}' is not a bench database ({NamePrefix}N, made by ./lp bench): the benchmarks write transfers and are refused anywhere else";
        }

        // './lp bench' names the generator version of the loaded fabric; an older ./lp wrote 'loaded' alone.
        return comment == "loaded" || comment.StartsWith("loaded generator ", StringComparison.Ordinal)
            ? null
            : $"bench database '{name}' is not marked loaded (./lp bench loads it first)";
    }
}
