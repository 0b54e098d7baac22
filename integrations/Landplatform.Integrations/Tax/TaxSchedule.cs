namespace Landplatform.Integrations.Tax;

/// <summary>
/// The valuation and tax rates the platform starts with (XCD), all in force from 1 January 2026. The
/// README (Tax) states the model they feed; a change of rate is a new row with a later valid_from.
/// </summary>
public static class TaxSchedule
{
    public const string Currency = "XCD";

    public const string LandUse = "land-use";
    public const string Location = "location";
    public const string Building = "building";
    public const string PropertyTax = "property-tax";
    public const string TransferDuty = "transfer-duty";

    private static readonly DateOnly Start = new(2026, 1, 1);

    public static TaxRate[] Initial { get; } =
    [
        Rate(1, LandUse, "residential", 45m, "Residential land, XCD per m² of official area"),
        Rate(2, LandUse, "commercial", 90m, "Commercial land, XCD per m² of official area"),
        Rate(3, LandUse, "industrial", 35m, "Industrial land, XCD per m² of official area"),
        Rate(4, LandUse, "institutional", 25m, "Institutional land, XCD per m² of official area"),
        Rate(5, LandUse, "agricultural", 4m, "Agricultural land, XCD per m² of official area"),
        Rate(6, LandUse, "forest", 1.5m, "Forest, XCD per m² of official area"),
        Rate(7, LandUse, "conservation", 0.5m, "Conservation land, XCD per m² of official area"),
        Rate(20, Location, "CH", 1.00m, "Location factor, Charlotte"),
        Rate(21, Location, "SA", 1.10m, "Location factor, Saint Andrew"),
        Rate(22, Location, "SD", 0.85m, "Location factor, Saint David"),
        Rate(23, Location, "SG", 1.40m, "Location factor, Saint George (Kingstown)"),
        Rate(24, Location, "SP", 0.90m, "Location factor, Saint Patrick"),
        Rate(40, Building, "dwelling", 900m, "Dwelling, XCD per m² of floor (footprint × storeys)"),
        Rate(41, Building, "shop", 1100m, "Shop, XCD per m² of floor"),
        Rate(42, Building, "office", 1200m, "Office, XCD per m² of floor"),
        Rate(43, Building, "warehouse", 600m, "Warehouse, XCD per m² of floor"),
        Rate(44, Building, "farm building", 300m, "Farm building, XCD per m² of floor"),
        Rate(45, Building, "school", 800m, "School, XCD per m² of floor"),
        Rate(46, Building, "church", 700m, "Church, XCD per m² of floor"),
        Rate(47, Building, "clinic", 1000m, "Clinic, XCD per m² of floor"),
        Rate(48, Building, "other", 500m, "Any other building, XCD per m² of floor"),
        Rate(60, PropertyTax, "all", 0.004m, "Annual property tax: 0.4 % of the owner's share of the roll value"),
        // Row 70 is kept as written (rates are never rewritten): a sale is charged by rows 73 and 74, the island's split.
        Rate(70, TransferDuty, "sale", 0.04m, "Transfer duty on a sale: 4 % of the greater of the consideration and the roll value"),
        Rate(71, TransferDuty, "gift", 0.02m, "Transfer duty on a gift: 2 % of the roll value"),
        Rate(72, TransferDuty, "inheritance", 0m, "Transfer duty on an inheritance: exempt"),
        Rate(73, TransferDuty, "sale-buyer", 0.05m, "Stamp duty on a sale, the buyer's share: 5 % of the greater of the consideration and the roll value"),
        Rate(74, TransferDuty, "sale-seller", 0.05m, "Stamp duty on a sale, the seller's share: 5 % of the greater of the consideration and the roll value"),
    ];

    private static TaxRate Rate(long id, string category, string code, decimal rate, string description) =>
        new() { Id = id, Category = category, Code = code, Rate = rate, ValidFrom = Start, Description = description };
}
