using Npgsql;

namespace Landplatform.GisServer;

/// <summary>Where the platform's PostgreSQL is: <c>LP_CONNECTION_STRING</c>, else <c>ConnectionStrings:Landplatform</c>.</summary>
public static class PlatformDatabase
{
    public const string EnvironmentVariable = "LP_CONNECTION_STRING";

    public static string ConnectionString(IConfiguration configuration) =>
        configuration[EnvironmentVariable] is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : configuration.GetConnectionString("Landplatform")
              ?? throw new InvalidOperationException(
                  $"No database: set {EnvironmentVariable} (an Npgsql connection string) or ConnectionStrings:Landplatform. ./lp run sets it for the embedded cluster.");

    public static NpgsqlDataSource Open(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.UseNetTopologySuite();
        builder.ConnectionStringBuilder.ApplicationName ??= "landplatform";
        return builder.Build();
    }
}
