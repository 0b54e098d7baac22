using System.Globalization;

namespace Landplatform.DataSamples;

/// <summary>Persons and organisations that hold land; streams parties.csv as parties come into being.</summary>
internal sealed class PartyRegister
{
    public const long CrownId = 1;
    private const string CrownName = "Government of Saint Vincent and the Grenadines";
    private static readonly DateOnly EarliestBirth = new(1935, 1, 1);
    private static readonly DateOnly LatestBirth = new(2005, 12, 31);
    private readonly CsvTable table;
    private readonly ulong seed;
    private readonly ulong uinOffset;

    public PartyRegister(CsvTable table, ulong seed, int parcelsRequested)
    {
        this.table = table;
        this.seed = seed;
        uinOffset = SeededRandom.Key(seed, 311) % 1_000_000_000UL;
        Organisations = 100 + (parcelsRequested / 100);
        table.Field(CrownId).Field("organisation").Field(string.Empty).Field("G-1979-00001").Field(CrownName).Field(string.Empty).EndRow();
        var places = Gazetteer.CompanyWords.Concat(Gazetteer.Settlements.Select(s => s.Name)).ToArray();
        var combinations = places.Length * Gazetteer.CompanyKinds.Count * Gazetteer.CompanySuffixes.Count;
        var stride = CoprimeStride(combinations);
        for (var k = 2; k <= Organisations; k++)
        {
            var random = SeededRandom.For(seed, 301, k);
            var index = k - 2;
            var slot = (int)(((long)index * stride % combinations + (long)(uinOffset % (ulong)combinations)) % combinations);
            var place = places[slot % places.Length];
            var kind = Gazetteer.CompanyKinds[slot / places.Length % Gazetteer.CompanyKinds.Count];
            var suffix = Gazetteer.CompanySuffixes[slot / places.Length / Gazetteer.CompanyKinds.Count];
            var round = index / combinations;
            var name = round == 0 ? $"{place} {kind} {suffix}" : $"{place} {kind} (No. {round + 1}) {suffix}";
            var year = random.Between(1960, 2024);
            var registration = string.Create(CultureInfo.InvariantCulture, $"C-{year}-{k:D5}");
            table.Field(k).Field("organisation").Field(string.Empty).Field(registration).Field(name).Field(string.Empty).EndRow();
        }
    }

    public int Organisations { get; }

    public long Persons { get; private set; }

    public long PersonId(long index) => Organisations + 1 + index;

    public long AnyOrganisation(SeededRandom random) => 2 + random.Below(Organisations - 1);

    public long NewPerson()
    {
        var index = Persons++;
        var random = SeededRandom.For(seed, 321, index);
        var first = random.Pick(Gazetteer.FirstNames);
        var last = random.Pick(Gazetteer.LastNames);
        var name = random.Chance(0.3) ? $"{first} {(char)('A' + random.Below(26))}. {last}" : $"{first} {last}";
        var days = LatestBirth.DayNumber - EarliestBirth.DayNumber;
        var born = EarliestBirth.AddDays(random.Below(days + 1));

        // An affine map with a multiplier coprime to 10^9 is a bijection, so numbers never repeat.
        var number = (((ulong)index * 738_219_731UL) + uinOffset) % 1_000_000_000UL;
        var digits = number.ToString("D9", CultureInfo.InvariantCulture);
        var uin = string.Create(CultureInfo.InvariantCulture, $"VC{digits}{Verhoeff.CheckDigit(digits)}");
        var id = PersonId(index);
        table.Field(id).Field("person").Field(uin).Field(string.Empty).Field(name)
            .Field(born.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).EndRow();
        return id;
    }

    private static int CoprimeStride(int modulus)
    {
        foreach (var candidate in new[] { 7919, 7907, 7901, 1 })
        {
            if (Gcd(candidate, modulus) == 1)
            {
                return candidate;
            }
        }

        return 1;
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
}
