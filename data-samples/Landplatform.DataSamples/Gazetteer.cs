namespace Landplatform.DataSamples;

internal sealed record Settlement(string Name, double X, double Y);

internal sealed record Parish(string Code, string Name, IReadOnlyList<(double X, double Y)> Seeds);

/// <summary>Fixed place names and positions (EPSG:2007, main island frame) the fabric is dressed with.</summary>
internal static class Gazetteer
{
    public const double KingstownX = 484_000;
    public const double KingstownY = 1_455_000;
    public const double SoufriereX = 486_000;
    public const double SoufriereY = 1_469_000;

    // Several seeds per parish approximate the real parish shapes with a Voronoi split.
    public static readonly IReadOnlyList<Parish> Parishes =
    [
        new("CH", "Charlotte", [(492_600, 1_461_000), (492_200, 1_469_000), (490_600, 1_477_000), (488_000, 1_462_600)]),
        new("SA", "Saint Andrew", [(480_600, 1_458_200), (482_600, 1_457_400)]),
        new("SD", "Saint David", [(481_800, 1_470_000), (484_600, 1_474_600), (485_600, 1_468_600)]),
        new("SG", "Saint George", [(486_600, 1_454_800), (489_500, 1_455_000), (486_900, 1_457_600)]),
        new("SP", "Saint Patrick", [(479_600, 1_463_600), (481_400, 1_463_200)]),
    ];

    public static readonly IReadOnlyList<Settlement> Settlements =
    [
        new("Kingstown", 484_000, 1_455_000),
        new("Calliaqua", 487_000, 1_452_400),
        new("Arnos Vale", 485_300, 1_453_300),
        new("Villa", 486_200, 1_452_500),
        new("Stubbs", 489_900, 1_453_600),
        new("Marriaqua", 489_000, 1_455_400),
        new("Mesopotamia", 490_200, 1_456_800),
        new("Biabou", 492_600, 1_458_800),
        new("Colonarie", 493_300, 1_462_600),
        new("Georgetown", 494_300, 1_468_000),
        new("Sandy Bay", 492_500, 1_476_500),
        new("Owia", 491_300, 1_477_900),
        new("Fancy", 489_700, 1_478_300),
        new("Chateaubelair", 481_300, 1_468_700),
        new("Troumaca", 481_500, 1_466_700),
        new("Spring Village", 480_800, 1_465_100),
        new("Barrouallie", 479_000, 1_462_800),
        new("Layou", 479_000, 1_459_100),
        new("Vermont", 483_300, 1_459_100),
        new("Questelles", 480_300, 1_456_400),
        new("Clare Valley", 479_900, 1_457_100),
        new("Buccament", 479_600, 1_458_000),
        new("Belair", 485_800, 1_455_100),
        new("Greiggs", 491_400, 1_459_900),
        new("Byera", 494_000, 1_465_100),
        new("Richmond", 482_600, 1_471_000),
        new("South Rivers", 491_300, 1_463_100),
    ];

    public static readonly IReadOnlyList<string> KingstownStreets =
    [
        "Bay Street", "Middle Street", "Back Street", "Halifax Street", "Grenville Street", "Granby Street",
        "Hillsborough Street", "Higginson Street", "Sharpe Street", "Tyrrel Street", "Egmont Street",
        "Melville Street", "Lower Bay Street", "James Street", "Long Lane", "Heron Street", "Murray Road",
        "Paul's Avenue", "Bentinck Square", "Richmond Hill Road",
    ];

    public static readonly IReadOnlyList<string> PlaceRoots =
    [
        "Layou", "Vermont", "Mesopotamia", "Belmont", "Montrose", "Dorsetshire Hill", "Francois", "Lowmans",
        "Penniston", "Hermitage", "Grove", "Lauders", "Greiggs", "Fenton", "Richland Park", "Carriere",
        "Peruvian Vale", "Evesham", "Glen", "Ratho Mill", "Argyle", "Chester Cottage", "Cane Hall", "Pembroke",
        "Akers", "Troumaca", "Rose Bank", "Petit Bordel", "Coulls Hill", "Fitz Hughes", "Wallibou", "Orange Hill",
        "Overland", "Mount Bentinck", "Park Hill", "South Rivers", "Byera", "Langley Park", "Colonarie", "Biabou",
        "Sion Hill", "Kingstown Park", "Campden Park", "Questelles", "Rillan Hill", "Cumberland", "Mount Wynne",
        "Peter's Hope", "Cane Garden", "Green Hill", "Ottley Hall", "Edinboro", "Calder", "Diamond", "Brighton",
        "Prospect", "Union", "Carapan", "Vigie", "Belle Isle",
    ];

    public static readonly IReadOnlyList<string> LocalRoots =
    [
        "Mango", "Breadfruit", "Cocoa", "Nutmeg", "Arrowroot", "Hibiscus", "Frangipani", "Flamboyant", "Mahogany",
        "Soursop", "Guava", "Coconut", "Sugar Mill", "Church", "School", "Market", "Mission", "Fort", "Lodge",
        "Chapel", "Pasture", "Ridge", "Valley", "River", "Spring", "Bluff", "Hillside", "Bayview", "Wharf",
        "Estate", "Old Road", "Cedar", "Banana", "Plantain", "Tamarind", "Silk Cotton", "Sea Grape", "Bamboo",
        "Cashew", "Golden Apple", "Pigeon Pea", "Dasheen", "Sweet Potato", "Cassava", "Trade Wind", "Sunrise",
        "Sunset", "Hummingbird", "Parrot", "Soufriere View",
    ];

    public static readonly IReadOnlyList<string> UrbanSuffixes = ["Street", "Street", "Lane", "Avenue", "Close", "Street"];

    public static readonly IReadOnlyList<string> RuralSuffixes = ["Road", "Road", "Lane", "Gap", "Trace", "Drive"];

    public static readonly IReadOnlyList<string> FirstNames =
    [
        "Kenroy", "Shanika", "Deon", "Keisha", "Marlon", "Tamika", "Ralph", "Camillo", "Winston", "Glenford",
        "Everton", "Hyacinth", "Veronica", "Lennox", "Curtis", "Desmond", "Jennifer", "Sharon", "Andrea", "Kadeem",
        "Shamika", "Orande", "Rawlson", "Sylvester", "Ethelbert", "Lystra", "Monica", "Carlene", "Natasha",
        "Rochelle", "Jomo", "Akeem", "Kimani", "Dwight", "Elroy", "Vincent", "Earl", "Petronella", "Lorraine",
        "Beverly", "Dexter", "Nigel", "Shem", "Ashanti", "Kerwin", "Tricia", "Yvette", "Gail", "Junior", "Kelvin",
        "Rhonda", "Sheena", "Kamal", "Anika", "Jamal", "Roxanne", "Clement", "Augustine", "Cecilia", "Maxine",
        "Wendell", "Osbert", "Lucille", "Patrice", "Kezia", "Tyrone", "Shacquille", "Anesia", "Dillon", "Renee",
    ];

    public static readonly IReadOnlyList<string> LastNames =
    [
        "Gonsalves", "Mitchell", "Cummings", "Browne", "Jack", "John", "Williams", "Baptiste", "Charles", "Daniel",
        "Douglas", "Frederick", "Hazell", "Ollivierre", "Cato", "DaSilva", "DaSantos", "Fraser", "Glasgow",
        "Hadaway", "Isaacs", "King", "Lewis", "Matthews", "Nanton", "Providence", "Quow", "Richards", "Samuel",
        "Stephens", "Thomas", "Toney", "Veira", "Walters", "Young", "Cyrus", "Bacchus", "Adams", "Ballantyne",
        "Delpesche", "Eustace", "Francis", "Grant", "Hamilton", "Jackson", "Joseph", "Layne", "McKie", "Primus",
        "Rose", "Sutherland", "Trimmingham", "Wyllie", "Balcombe", "Creese", "Small", "Horne", "Lavia", "Marksman",
        "Haynes", "Bonadie", "Caesar", "Dougan", "Edwards", "Ferdinand", "Gibson", "Hooper", "Jacobs", "Labor",
    ];

    public static readonly IReadOnlyList<string> CompanyWords =
    [
        "Windward", "Leeward", "Grenadines", "Caribbean", "Soufriere", "Hibiscus", "Breadfruit", "Arrowroot",
        "Mariner", "Coral", "Palm", "Trade Wind", "Island", "Vincy", "Bequia", "Union Island", "Yambou", "Rabacca",
        "Buccament", "Cumberland", "Argyle", "Vigie", "Frangipani", "Mahogany", "Nutmeg", "Cocoa", "Seaview",
        "Hillside", "Valley", "Harbour",
    ];

    public static readonly IReadOnlyList<string> CompanyKinds =
    [
        "Holdings", "Estates", "Trading", "Development", "Properties", "Agro", "Investments", "Shipping",
        "Hardware", "Construction", "Enterprises", "Farms", "Supplies", "Realty", "Ventures", "Builders",
        "Distributors", "Land Company", "Housing Cooperative", "Community Trust",
    ];

    public static readonly IReadOnlyList<string> CompanySuffixes = ["Ltd", "Ltd", "Inc.", "Company Ltd"];

    public static int NearestSettlement(double x, double y)
    {
        var best = 0;
        var bestDistance = double.MaxValue;
        for (var i = 0; i < Settlements.Count; i++)
        {
            var dx = Settlements[i].X - x;
            var dy = Settlements[i].Y - y;
            var d = (dx * dx) + (dy * dy);
            if (d < bestDistance)
            {
                bestDistance = d;
                best = i;
            }
        }

        return best;
    }
}
