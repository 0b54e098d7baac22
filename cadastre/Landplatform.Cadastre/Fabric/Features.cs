using NetTopologySuite.Geometries;

namespace Landplatform.Cadastre.Fabric;

/// <summary>An administrative district (parish); the first part of every UPI in it.</summary>
public sealed class District
{
    public required string Code { get; init; }

    public required string Name { get; init; }

    public required MultiPolygon Boundary { get; init; }
}

/// <summary>A block of parcels between road reserves; the second part of a UPI.</summary>
public sealed class Block
{
    public required string Code { get; init; }

    public required string DistrictCode { get; init; }

    public required MultiPolygon Boundary { get; init; }
}

/// <summary>A road reserve: land set aside for a road, between blocks.</summary>
public sealed class RoadReserve
{
    public long Id { get; init; }

    public required string Name { get; init; }

    public required string RoadClass { get; init; }

    public required MultiPolygon Boundary { get; init; }
}

/// <summary>A building footprint on a parcel.</summary>
public sealed class Building
{
    public long Id { get; init; }

    public required string Upi { get; init; }

    public required string Use { get; init; }

    public int Storeys { get; init; }

    public required Polygon Footprint { get; init; }
}

/// <summary>A zone of one natural hazard at one level, as planners overlay it.</summary>
public sealed class HazardZone
{
    public long Id { get; init; }

    public required string Hazard { get; init; }

    public required string Level { get; init; }

    public required MultiPolygon Boundary { get; init; }
}
