using Landplatform.Cadastre.Contracts;
using Npgsql;

namespace Landplatform.GisServer;

/// <summary>
/// Where the platform's PostgreSQL is: <c>LP_CONNECTION_STRING</c>, else <c>ConnectionStrings:Landplatform</c>;
/// and, optionally, a streaming replica for read-only paths: <c>LP_REPLICA_CONNECTION_STRING</c>, else <c>Database:Replica</c>.
/// The server connects as the runtime role; migrations and bulk loads connect as the owner role:
/// <c>LP_OWNER_CONNECTION_STRING</c>, else <c>ConnectionStrings:LandplatformOwner</c> (docs/database-roles.md).
/// </summary>
public static class PlatformDatabase
{
    public const string EnvironmentVariable = "LP_CONNECTION_STRING";
    public const string ReplicaEnvironmentVariable = "LP_REPLICA_CONNECTION_STRING";
    public const string OwnerEnvironmentVariable = "LP_OWNER_CONNECTION_STRING";

    public static string ConnectionString(IConfiguration configuration) =>
        configuration[EnvironmentVariable] is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : configuration.GetConnectionString("Landplatform")
              ?? throw new InvalidOperationException(
                  $"No database: set {EnvironmentVariable} (an Npgsql connection string) or ConnectionStrings:Landplatform. ./lp run sets it for the embedded cluster.");

    /// <summary>The owner role's connection (migrations, bulk loads), or null when none is configured.</summary>
    public static string? OwnerConnectionString(IConfiguration configuration) =>
        configuration[OwnerEnvironmentVariable] is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : configuration.GetConnectionString("LandplatformOwner") is { Length: > 0 } configured ? configured : null;

    /// <summary>The replica read-only paths use, or null when every read goes to the primary.</summary>
    public static string? ReplicaConnectionString(IConfiguration configuration) =>
        configuration[ReplicaEnvironmentVariable] is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : configuration["Database:Replica"] is { Length: > 0 } configured ? configured : null;

    /// <param name="stateless">True for <see cref="DataSourceKeys.Stateless"/>: connections are not reset when returned to the pool.</param>
    public static NpgsqlDataSource Open(string connectionString, string applicationName = "landplatform", bool stateless = false)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (stateless)
        {
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        }

        builder.UseNetTopologySuite();
        builder.ConnectionStringBuilder.ApplicationName ??= applicationName;
        // Feature pages stream hundreds of kilobytes: a larger read buffer means fewer socket reads (and
        // fewer thread hops) per page. A connection string that names its own size keeps it, however spelt
        // ("Read Buffer Size" or "ReadBufferSize").
        var keys = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>();
        if (!keys.Any(key => key.Replace(" ", string.Empty, StringComparison.Ordinal).Equals("ReadBufferSize", StringComparison.OrdinalIgnoreCase)))
        {
            builder.ConnectionStringBuilder.ReadBufferSize = 64 * 1024;
        }
        return builder.Build();
    }

    /// <summary>
    /// The primary as the plain <see cref="NpgsqlDataSource"/>, and the source for reads under
    /// <see cref="DataSourceKeys.Reads"/>: the replica when configured, else the primary; and the primary again under
    /// <see cref="DataSourceKeys.Stateless"/>, a pool of its own whose connections skip the reset (as the reads' do).
    /// </summary>
    /// <param name="asOwner">True for the host commands that change the schema or bulk-load: the primary is the owner's connection.</param>
    public static IServiceCollection AddPlatformDatabase(this IServiceCollection services, bool asOwner = false)
    {
        services.AddSingleton(sp =>
        {
            var configuration = sp.GetRequiredService<IConfiguration>();
            return Open(asOwner ? OwnerConnectionString(configuration) ?? ConnectionString(configuration) : ConnectionString(configuration));
        });
        services.AddKeyedSingleton(DataSourceKeys.Stateless, (sp, _) =>
            Open(ConnectionString(sp.GetRequiredService<IConfiguration>()), stateless: true));
        // Read paths leave no session state either, so their connections skip the reset too.
        services.AddKeyedSingleton(DataSourceKeys.Reads, (sp, _) =>
            ReplicaConnectionString(sp.GetRequiredService<IConfiguration>()) is { } replica
                ? Open(replica, "landplatform-reads", stateless: true)
                : sp.GetRequiredKeyedService<NpgsqlDataSource>(DataSourceKeys.Stateless));
        return services;
    }
}
