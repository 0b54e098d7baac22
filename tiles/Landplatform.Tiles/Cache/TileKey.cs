using Landplatform.Tiles.Vector;
using NpgsqlTypes;

namespace Landplatform.Tiles.Cache;

/// <summary>Everything a cached tile depends on: the layer, the encoding, the variant (as-of instant, style) and the tile.</summary>
public readonly record struct TileKey(string Layer, string Format, string Variant, TileAddress Tile);

/// <summary>A tile's bytes (empty when nothing lies in it) and its strong ETag.</summary>
public sealed record TileContent(byte[] Data, string ETag, bool FromCache)
{
    public bool IsEmpty => Data.Length == 0;

    public static string ETagOf(byte[] data) =>
        "\"" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data))[..32] + "\"";
}

/// <summary>A query that makes a tile in PostGIS: one row, one bytea column (null or empty when the tile is empty).</summary>
/// <param name="Prepare">
/// True to run it as a prepared statement (a generic plan once PostgreSQL finds it no worse): for queries
/// whose plan does not depend on the values, i.e. not the as-of ones, whose dates decide the plan.
/// </param>
public sealed record TileQuery(string Sql, IReadOnlyList<(string Name, object Value, NpgsqlDbType Type)> Parameters, bool Prepare = true);
