using Landplatform.Tiles.Api;
using Landplatform.Tiles.Cache;
using Landplatform.Tiles.Data;
using Landplatform.Tiles.Raster;
using Landplatform.Tiles.Vector;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Landplatform.Tiles;

/// <summary>Registers and maps the tile services: vector tiles, raster tiles, WMTS, OGC API Tiles, the shared cache.</summary>
public static class TilesModule
{
    /// <param name="followOutbox">False for one-shot commands (migrate, seed) that need no background listener.</param>
    public static IServiceCollection AddTiles(this IServiceCollection services, bool followOutbox = true)
    {
        services.AddDbContext<TilesDbContext>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>(), o => o.MigrationsHistoryTable("__migrations", TilesDbContext.Schema)));
        services.AddSingleton<OutboxFollower>();
        services.AddSingleton<TileWriter>();
        services.AddSingleton<TileCache>();
        services.AddSingleton<VectorTiles>();
        services.AddSingleton<RasterTiles>();
        services.AddSingleton<LayerBounds>();
        services.AddSingleton<TileSeeder>();
        if (followOutbox)
        {
            services.AddHostedService<OutboxListener>();
        }

        return services;
    }

    /// <summary>Maps <c>/tiles</c>, <c>/wmts</c> and the OGC API Tiles paths under <c>/ogc</c>; all anonymous (tiles are public).</summary>
    public static void MapTiles(this IEndpointRouteBuilder app)
    {
        // Tiles answer everyone alike and never ask who is calling, so a matched tile request runs its endpoint
        // straight from routing: the authentication, authorization, rate limiting and antiforgery steps after
        // routing, which cost a cached tile a quarter of its server time, are skipped (the exception handler and
        // status code pages before routing still apply).
        app.MapXyzTiles().ShortCircuit();
        app.MapOgcTiles().ShortCircuit();
        app.MapWmts().ShortCircuit();
    }
}
