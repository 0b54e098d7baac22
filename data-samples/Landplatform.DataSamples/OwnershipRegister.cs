namespace Landplatform.DataSamples;

/// <summary>Decides who holds each parcel and in what shares; writes ownership.csv.</summary>
internal sealed class OwnershipRegister(CsvTable table, PartyRegister parties, ulong seed)
{
    private const double ParcelsPerPerson = 1.6;
    private readonly SeededRandom random = new(SeededRandom.Key(seed, 401));
    private readonly List<long> owners = [];
    private long parcels;

    public void Assign(string upi, LandUse use, bool roadless)
    {
        parcels++;
        owners.Clear();
        var holder = Holder(use, roadless);
        if (holder is not null)
        {
            table.Field(upi).Field(holder.Value).Field(1).Field(1).EndRow();
            return;
        }

        // About 70% of parcels are privately held, so 21% of those makes ~15% of all parcels jointly owned.
        if (!random.Chance(0.21))
        {
            table.Field(upi).Field(Person()).Field(1).Field(1).EndRow();
            return;
        }

        var kind = random.Weighted([0.5, 0.3, 0.2]);
        var count = kind == 1 ? 3 : 2;
        for (var k = 0; k < count; k++)
        {
            owners.Add(Person());
        }

        for (var k = 0; k < count; k++)
        {
            var (numerator, denominator) = kind switch
            {
                0 => (1, 2),
                1 => (1, 3),
                _ => k == 0 ? (1, 4) : (3, 4),
            };
            table.Field(upi).Field(owners[k]).Field(numerator).Field(denominator).EndRow();
        }
    }

    /// <summary>The Crown or a company when the land use calls for one; null for private persons.</summary>
    private long? Holder(LandUse use, bool roadless)
    {
        if (roadless || use is LandUse.Forest or LandUse.Conservation)
        {
            return PartyRegister.CrownId;
        }

        return use switch
        {
            LandUse.Institutional => random.Chance(0.6) ? PartyRegister.CrownId : parties.AnyOrganisation(random),
            LandUse.Industrial when random.Chance(0.7) => parties.AnyOrganisation(random),
            LandUse.Commercial when random.Chance(0.5) => parties.AnyOrganisation(random),
            LandUse.Agricultural when random.Chance(0.12) => parties.AnyOrganisation(random),
            LandUse.Residential when random.Chance(0.03) => parties.AnyOrganisation(random),
            _ => null,
        };
    }

    /// <summary>A new person while the register is short of one per 1.6 parcels, else an existing one.</summary>
    private long Person()
    {
        if (parties.Persons == 0 || parties.Persons < Math.Ceiling(parcels / ParcelsPerPerson))
        {
            return parties.NewPerson();
        }

        for (var attempt = 0; attempt < 8; attempt++)
        {
            var id = parties.PersonId(random.Below((int)Math.Min(int.MaxValue, parties.Persons)));
            if (!owners.Contains(id))
            {
                return id;
            }
        }

        return parties.NewPerson();
    }
}
