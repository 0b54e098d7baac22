using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Landplatform.GisServer.Ogc.Features;

/// <summary>Describes the items parameters in the OpenAPI document, where clients (GDAL among them) read the page size limits.</summary>
public static class ItemsOpenApi
{
    public static RouteHandlerBuilder WithItemsParameters(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(Parameter("limit", "Features per page, 1-10000 (larger values are answered with 10000).",
                new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1", Maximum = "10000", Default = JsonValue.Create(ItemsParameters.DefaultLimit) }));
            operation.Parameters.Add(Parameter("offset", "Features to skip (paging).", new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "0", Default = JsonValue.Create(0) }));
            operation.Parameters.Add(Parameter("cursor", "Where a page starts, as the next link gives it (keyset paging: every page costs what the first does); not with offset.", Text()));
            operation.Parameters.Add(Parameter("sortby", "Comma-separated properties (see sortables), each + (ascending, default) or - (descending); next links then page by offset.", Text()));
            operation.Parameters.Add(Parameter("q", "Free text: comma-separated terms, any of which occurs (case-insensitively) in a text property.", Text()));
            operation.Parameters.Add(Parameter("bbox", "minx,miny,maxx,maxy (or minx,miny,minz,maxx,maxy,maxz) in bbox-crs (CRS84 by default).", Text()));
            operation.Parameters.Add(Parameter("bbox-crs", "CRS of bbox.", Text()));
            operation.Parameters.Add(Parameter("crs", "Output CRS: CRS84 (default), EPSG:4326 (latitude first), EPSG:3857, EPSG:2007.", Text()));
            operation.Parameters.Add(Parameter("datetime", "An instant or an interval start/end ('..' open); parcels only.", Text()));
            operation.Parameters.Add(Parameter("properties", "Comma-separated properties to return.", Text()));
            operation.Parameters.Add(Parameter("filter", "A CQL2 filter (see queryables).", Text()));
            operation.Parameters.Add(Parameter("filter-lang", "cql2-text (default) or cql2-json.",
                new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("cql2-text"), JsonValue.Create("cql2-json")], Default = JsonValue.Create("cql2-text") }));
            operation.Parameters.Add(Parameter("filter-crs", "CRS of the filter's geometry literals (CRS84 by default).", Text()));
            operation.Parameters.Add(Parameter("zoom-level", "For maps: the WebMercatorQuad zoom (0-24) the features are drawn at; geometries are simplified by half a pixel of it (topology kept).",
                new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "0", Maximum = "24" }));
            operation.Parameters.Add(Parameter("f", "json (GeoJSON), html, csv, fgb (FlatGeobuf) or gpkg (a GeoPackage file: without limit, every feature selected).", Text()));
            return Task.CompletedTask;
        });

    private static OpenApiSchema Text() => new() { Type = JsonSchemaType.String };

    private static OpenApiParameter Parameter(string name, string description, OpenApiSchema schema) =>
        new() { Name = name, In = ParameterLocation.Query, Required = false, Description = description, Schema = schema };
}
