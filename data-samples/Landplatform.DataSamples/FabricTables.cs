namespace Landplatform.DataSamples;

/// <summary>The CSV files of one generated fabric, open for streaming.</summary>
internal sealed class FabricTables : IDisposable
{
    public FabricTables(string directory)
    {
        Districts = new CsvTable(Path.Combine(directory, "districts.csv"), "code", "name", "wkt");
        Blocks = new CsvTable(Path.Combine(directory, "blocks.csv"), "code", "district_code", "wkt");
        Roads = new CsvTable(Path.Combine(directory, "roads.csv"), "id", "name", "road_class", "wkt");
        Parcels = new CsvTable(Path.Combine(directory, "parcels.csv"), "upi", "district_code", "block_code", "land_use", "address", "official_area", "wkt");
        Buildings = new CsvTable(Path.Combine(directory, "buildings.csv"), "id", "upi", "use", "storeys", "wkt");
        Hazards = new CsvTable(Path.Combine(directory, "hazards.csv"), "id", "hazard", "level", "wkt");
        Parties = new CsvTable(Path.Combine(directory, "parties.csv"), "party_id", "kind", "uin", "registration_number", "name", "date_of_birth");
        Ownership = new CsvTable(Path.Combine(directory, "ownership.csv"), "upi", "party_id", "share_numerator", "share_denominator");
    }

    public CsvTable Districts { get; }

    public CsvTable Blocks { get; }

    public CsvTable Roads { get; }

    public CsvTable Parcels { get; }

    public CsvTable Buildings { get; }

    public CsvTable Hazards { get; }

    public CsvTable Parties { get; }

    public CsvTable Ownership { get; }

    public IReadOnlyList<CsvTable> All => [Blocks, Buildings, Districts, Hazards, Ownership, Parcels, Parties, Roads];

    public void Dispose()
    {
        foreach (var table in All)
        {
            table.Dispose();
        }
    }
}
