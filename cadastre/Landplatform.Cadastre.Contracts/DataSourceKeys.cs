namespace Landplatform.Cadastre.Contracts;

/// <summary>
/// Keys of the host's database connections. A read-only path (features, tiles, search, extracts) takes
/// <c>[FromKeyedServices(DataSourceKeys.Reads)] NpgsqlDataSource</c>: a streaming replica when the host has one
/// (<c>LP_REPLICA_CONNECTION_STRING</c> or <c>Database:Replica</c>), else the primary. Everything that writes, and
/// every read a write depends on, takes the plain <c>NpgsqlDataSource</c>: always the primary.
/// </summary>
public static class DataSourceKeys
{
    /// <summary>
    /// The connection for reads that may lag the primary by the replica's replay delay. Its connections, like
    /// <see cref="Stateless"/>'s, go back to the pool without a reset: a read path leaves no session state.
    /// </summary>
    public const string Reads = "reads";

    /// <summary>
    /// The primary, for hot paths whose statements leave no session state behind (no SET, LISTEN, session
    /// advisory locks, temporary tables or open cursors): its connections go back to the pool without the
    /// reset statements Npgsql otherwise sends before the next use (RESET ALL, UNLISTEN *, …), which cost
    /// PostgreSQL more than a cached tile's lookup.
    /// </summary>
    public const string Stateless = "stateless";
}
