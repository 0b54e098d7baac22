using Landplatform.Cadastre.Contracts;
using Npgsql;

namespace Landplatform.GisServer;

/// <summary>
/// Read-your-writes on request: a client that has just written and must see it at once sends
/// <c>Landplatform-Read-From: primary</c>, and that request's read paths take the primary instead of the
/// replica. Without the header a read may lag the primary by the replica's replay delay.
/// </summary>
public static class PrimaryReads
{
    public const string Header = "Landplatform-Read-From";

    public static IApplicationBuilder UsePrimaryReadsWhenAsked(this IApplicationBuilder app) =>
        app.Use((http, next) =>
        {
            if (string.Equals(http.Request.Headers[Header], "primary", StringComparison.OrdinalIgnoreCase))
            {
                http.RequestServices = new PrimaryReadServices(http.RequestServices);
            }

            return next(http);
        });

    /// <summary>The request's services, except that the read source is the primary.</summary>
    private sealed class PrimaryReadServices(IServiceProvider inner) : IServiceProvider, IKeyedServiceProvider
    {
        public object? GetService(Type serviceType) => inner.GetService(serviceType);

        public object? GetKeyedService(Type serviceType, object? serviceKey) =>
            IsReadSource(serviceType, serviceKey)
                ? Primary
                : ((IKeyedServiceProvider)inner).GetKeyedService(serviceType, serviceKey);

        public object GetRequiredKeyedService(Type serviceType, object? serviceKey) =>
            IsReadSource(serviceType, serviceKey)
                ? Primary
                : ((IKeyedServiceProvider)inner).GetRequiredKeyedService(serviceType, serviceKey);

        // The primary, on the pool that skips the connection reset (a read leaves no session state).
        private NpgsqlDataSource Primary => inner.GetRequiredKeyedService<NpgsqlDataSource>(DataSourceKeys.Stateless);

        private static bool IsReadSource(Type serviceType, object? serviceKey) =>
            serviceType == typeof(NpgsqlDataSource) && Equals(serviceKey, DataSourceKeys.Reads);
    }
}
