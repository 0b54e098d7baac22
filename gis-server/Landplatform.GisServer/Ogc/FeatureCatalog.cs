using System.Text.Json;
using Landplatform.Cadastre.Contracts.Layers;

namespace Landplatform.GisServer.Ogc;

/// <summary>A property a collection publishes: its public name and the column it reads (from the allow-list only).</summary>
public sealed record FeatureProperty(string Name, string Column, AttributeType Type, string Title)
{
    /// <summary>The name as JSON writes it, escaped once rather than for every feature.</summary>
    public JsonEncodedText JsonName { get; } = JsonEncodedText.Encode(Name);
}

/// <summary>
/// A collection the OGC services publish. Table, column and filter SQL come only from here, never from
/// a request: a request names a collection or property, and unknown names are refused.
/// </summary>
/// <param name="Id">The collection id in URLs and type names, e.g. <c>parcels</c>.</param>
/// <param name="Table">Schema-qualified table.</param>
/// <param name="IdColumn">The column that identifies a feature (text or bigint).</param>
/// <param name="GeometryColumn">The geometry column, stored in EPSG:2007.</param>
/// <param name="GeometryType">The OGC geometry type name, e.g. <c>MultiPolygon</c>.</param>
/// <param name="CurrentFilter">SQL that keeps the features in force today (also used when no datetime is asked).</param>
/// <param name="ValidFrom">For versioned collections, the column where a version starts; null otherwise.</param>
/// <param name="ValidTo">For versioned collections, the column where a version ends (null while in force).</param>
/// <param name="VersionColumn">For versioned collections, the column numbering a feature's versions; pages are ordered by id, then it.</param>
public sealed record FeatureCollectionDefinition(
    string Id,
    string Title,
    string Description,
    string Table,
    string IdColumn,
    bool IdIsNumeric,
    string GeometryColumn,
    string GeometryType,
    IReadOnlyList<FeatureProperty> Properties,
    string CurrentFilter,
    string? ValidFrom,
    string? ValidTo,
    string? VersionColumn = null)
{
    public bool IsTemporal => ValidFrom is not null;

    public FeatureProperty? FindProperty(string name) =>
        Properties.FirstOrDefault(p => p.Name.Equals(name, StringComparison.Ordinal));
}

/// <summary>
/// Every collection the OGC services (Features, WFS, WMS) publish, and nothing else: the cadastre's one catalog of
/// published layers (<see cref="PublishedLayers"/>), seen as OGC collections.
/// </summary>
public static class FeatureCatalog
{
    public static IReadOnlyList<FeatureCollectionDefinition> All { get; } = PublishedLayers.All.Select(Collection).ToList();

    public static FeatureCollectionDefinition? Find(string id) =>
        All.FirstOrDefault(c => c.Id.Equals(id, StringComparison.Ordinal));

    private static FeatureCollectionDefinition Collection(PublishedLayer layer) =>
        new(layer.Id, layer.Title, layer.Description, layer.Table, layer.IdColumn, layer.IdIsNumeric, layer.GeometryColumn, layer.GeometryType,
            layer.Attributes.Select(a => new FeatureProperty(a.Name, a.Column, a.Type, a.Title)).ToList(),
            layer.CurrentFilter, layer.ValidFrom, layer.ValidTo, layer.VersionColumn);
}
