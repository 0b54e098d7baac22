using System.Globalization;
using System.Text.RegularExpressions;
using Landplatform.Cadastre.Contracts;
using Landplatform.Registry.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Landplatform.Registry.Transactions;

/// <summary>The holder a licence names: a person by UIN or an organisation by registration number, and the name as granted.</summary>
public sealed record LicenceHolder(string? Uin, string? RegistrationNumber, string? Name);

/// <summary>An Alien Land-Holding Licence as the registrar records it; dates as <c>yyyy-MM-dd</c>.</summary>
public sealed record LicenceRecord(string? Number, LicenceHolder? Holder, IReadOnlyList<string>? Upis, string? GrantedOn, string? ExpiresOn, string? Conditions);

/// <summary>The revocation of a licence: the day it takes effect (today when left out) and why.</summary>
public sealed record LicenceRevocationRecord(string? RevokedOn, string? Reason);

public sealed record LicenceRevocationView(DateOnly RevokedOn, string Reason, string RecordedBy, DateTimeOffset RecordedAt);

/// <summary>A licence as the API shows it; <paramref name="Status"/> is <c>in-force</c>, <c>not-yet-granted</c>, <c>expired</c> or <c>revoked</c> today.</summary>
public sealed record LicenceView(
    string Number, string HolderKind, string? HolderUin, string? HolderRegistrationNumber, string HolderName, IReadOnlyList<string> Upis,
    DateOnly GrantedOn, DateOnly? ExpiresOn, string? Conditions, string Status, string RecordedBy, DateTimeOffset RecordedAt, LicenceRevocationView? Revocation);

/// <summary>
/// The Alien Land-Holding Licences the registrar records (a buyer who is not a citizen needs one for the parcels
/// before a transfer to them registers) and the check R-ALIEN that examination and registration make. Licences are
/// never changed or deleted: a revocation is a record of its own.
/// </summary>
public sealed partial class AlienLicences(RegistryDbContext db, IUinScheme uins, TimeProvider clock)
{
    public const string Rule = "R-ALIEN";

    private const int MaxParcels = 100;

    public async Task<LicenceView> RecordAsync(LicenceRecord record, string registrar, CancellationToken ct)
    {
        var number = record.Number?.Trim().ToUpperInvariant();
        if (string.IsNullOrEmpty(number) || !NumberShape().IsMatch(number))
        {
            throw new InvalidParameterException("number", "licence-number", "Give the licence number as granted: 1 to 40 letters, digits, '-' or '/', e.g. ALHL-2026-0042.");
        }

        var holder = record.Holder ?? throw new InvalidParameterException("holder", "licence-holder", "Name the holder: a person by uin or an organisation by registrationNumber, with the name.");
        var uin = holder.Uin?.Trim().ToUpperInvariant();
        var registrationNumber = holder.RegistrationNumber?.Trim().ToUpperInvariant();
        if ((uin is { Length: > 0 }) == (registrationNumber is { Length: > 0 }))
        {
            throw new InvalidParameterException("holder", "licence-holder", "The holder is either a person (uin) or an organisation (registrationNumber), exactly one of them.");
        }

        if (uin is { Length: > 0 } && uins.Check(uin) is { IsValid: false } check)
        {
            throw new InvalidParameterException("holder.uin", check.Rule, check.Message);
        }

        if (registrationNumber is { Length: > 32 })
        {
            throw new InvalidParameterException("holder.registrationNumber", "registration-number", "A registration number has at most 32 characters.");
        }

        var name = holder.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 300)
        {
            throw new InvalidParameterException("holder.name", "party-name", "Give the holder's name as the licence states it (1 to 300 characters).");
        }

        if (record.Upis is not { Count: > 0 and <= MaxParcels } given)
        {
            throw new InvalidParameterException("upis", "licence-parcels", $"A licence names the parcels it allows to be acquired: 1 to {MaxParcels} UPIs.");
        }

        var upis = new List<string>();
        for (var i = 0; i < given.Count; i++)
        {
            var upi = ParcelIdentifier.Parse(given[i] ?? string.Empty, $"upis[{i}]");
            if (upis.Contains(upi))
            {
                throw new InvalidParameterException($"upis[{i}]", "licence-parcels", $"Parcel {upi} is named twice.");
            }

            upis.Add(upi);
        }

        var registered = await db.TitleParcels.AsNoTracking().Where(p => upis.Contains(p.Upi)).Select(p => p.Upi).Distinct().ToListAsync(ct);
        var unknown = upis.FindIndex(u => !registered.Contains(u));
        if (unknown >= 0)
        {
            throw new InvalidParameterException($"upis[{unknown}]", "licence-parcel-unknown", $"Parcel {upis[unknown]} is not a parcel of the register.");
        }

        var today = Today();
        var grantedOn = ParseDate(record.GrantedOn, "grantedOn") ?? throw new InvalidParameterException("grantedOn", "licence-date", "Give the day the licence was granted (yyyy-MM-dd).");
        if (grantedOn > today || grantedOn.Year < 1900)
        {
            throw new InvalidParameterException("grantedOn", "licence-date", $"A licence recorded today was granted between 1900 and today, not on {grantedOn:yyyy-MM-dd}.");
        }

        var expiresOn = ParseDate(record.ExpiresOn, "expiresOn");
        if (expiresOn < grantedOn)
        {
            throw new InvalidParameterException("expiresOn", "licence-expiry", $"The licence cannot expire ({expiresOn:yyyy-MM-dd}) before it was granted ({grantedOn:yyyy-MM-dd}).");
        }

        var conditions = string.IsNullOrWhiteSpace(record.Conditions) ? null : record.Conditions.Trim();
        if (conditions is { Length: > 2000 })
        {
            throw new InvalidParameterException("conditions", "licence-conditions", "The conditions are at most 2,000 characters.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await db.AlienLicences.AnyAsync(l => l.Number == number, ct))
        {
            throw new InvalidParameterException("number", "licence-number-taken", $"Licence {number} is already recorded; a licence is never recorded twice (revoke it and record the new one).");
        }

        var licence = new AlienLicence
        {
            Number = number,
            HolderKind = uin is { Length: > 0 } ? PartyKind.Person : PartyKind.Organisation,
            HolderUin = uin is { Length: > 0 } ? uin : null,
            HolderRegistrationNumber = registrationNumber is { Length: > 0 } ? registrationNumber : null,
            HolderName = name,
            GrantedOn = grantedOn,
            ExpiresOn = expiresOn,
            Conditions = conditions,
            RecordedBy = registrar,
            RecordedAt = clock.GetUtcNow(),
        };
        db.AlienLicences.Add(licence);
        try
        {
            await db.SaveChangesAsync(ct);
            db.AlienLicenceParcels.AddRange(upis.Select(u => new AlienLicenceParcel { LicenceId = licence.Id, Upi = u }));
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw new InvalidParameterException("number", "licence-number-taken", $"Licence {number} is already recorded.");
        }

        return await FindAsync(number, ct);
    }

    public async Task<LicenceView> RevokeAsync(string licenceNumber, LicenceRevocationRecord record, string registrar, CancellationToken ct)
    {
        var reason = record.Reason?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length > 2000)
        {
            throw new InvalidParameterException("reason", "reason-required", "Say why the licence is revoked (1 to 2,000 characters).");
        }

        var today = Today();
        var revokedOn = ParseDate(record.RevokedOn, "revokedOn") ?? today;
        // No row lock (the runtime role may not UPDATE a history table, so not lock one either): the unique index on the
        // revocation's licence id lets one revocation win, the other is told the licence is revoked.
        var number = (licenceNumber ?? string.Empty).Trim().ToUpperInvariant();
        var licence = await db.AlienLicences.AsNoTracking().SingleOrDefaultAsync(l => l.Number == number, ct)
            ?? throw new ResourceNotFoundException("licence-unknown", $"No Alien Land-Holding Licence {licenceNumber} is recorded.");
        if (revokedOn < licence.GrantedOn || revokedOn > today)
        {
            throw new InvalidParameterException("revokedOn", "licence-date", $"A revocation takes effect between the grant ({licence.GrantedOn:yyyy-MM-dd}) and today.");
        }

        if (await db.AlienLicenceRevocations.AnyAsync(r => r.LicenceId == licence.Id, ct))
        {
            throw new DomainRuleViolationException("licence-revoked", $"Licence {licence.Number} is already revoked.");
        }

        db.AlienLicenceRevocations.Add(new AlienLicenceRevocation { LicenceId = licence.Id, RevokedOn = revokedOn, Reason = reason, RecordedBy = registrar, RecordedAt = clock.GetUtcNow() });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw new DomainRuleViolationException("licence-revoked", $"Licence {licence.Number} is already revoked.");
        }

        return await FindAsync(licence.Number, ct);
    }

    public async Task<LicenceView> FindAsync(string number, CancellationToken ct) =>
        (await ListAsync(db.AlienLicences.Where(l => l.Number == number.Trim().ToUpperInvariant()), ct)).SingleOrDefault()
        ?? throw new ResourceNotFoundException("licence-unknown", $"No Alien Land-Holding Licence {number} is recorded.");

    /// <summary>Licences by parcel, holder's UIN or holder's registration number, newest first (at most 200).</summary>
    public async Task<IReadOnlyList<LicenceView>> SearchAsync(string? upi, string? uin, string? registrationNumber, CancellationToken ct)
    {
        var query = db.AlienLicences.AsQueryable();
        if (upi is not null)
        {
            var parcel = ParcelIdentifier.Parse(upi, "upi");
            query = query.Where(l => db.AlienLicenceParcels.Any(p => p.LicenceId == l.Id && p.Upi == parcel));
        }

        if (uin is not null)
        {
            query = query.Where(l => l.HolderUin == uin.Trim().ToUpperInvariant());
        }

        if (registrationNumber is not null)
        {
            query = query.Where(l => l.HolderRegistrationNumber == registrationNumber.Trim().ToUpperInvariant());
        }

        return await ListAsync(query.OrderByDescending(l => l.Id).Take(200), ct);
    }

    private async Task<List<LicenceView>> ListAsync(IQueryable<AlienLicence> query, CancellationToken ct)
    {
        var licences = await query.AsNoTracking().ToListAsync(ct);
        var ids = licences.Select(l => l.Id).ToList();
        var parcels = (await db.AlienLicenceParcels.AsNoTracking().Where(p => ids.Contains(p.LicenceId)).ToListAsync(ct)).ToLookup(p => p.LicenceId, p => p.Upi);
        var revocations = await db.AlienLicenceRevocations.AsNoTracking().Where(r => ids.Contains(r.LicenceId)).ToDictionaryAsync(r => r.LicenceId, ct);
        var today = Today();
        return licences.Select(l =>
        {
            var revocation = revocations.GetValueOrDefault(l.Id);
            return new LicenceView(l.Number, RegistryDbContext.SnakeCase(l.HolderKind.ToString()), l.HolderUin, l.HolderRegistrationNumber, l.HolderName,
                parcels[l.Id].Order(StringComparer.Ordinal).ToList(), l.GrantedOn, l.ExpiresOn, l.Conditions, Status(l, revocation, today), l.RecordedBy, l.RecordedAt,
                revocation is null ? null : new LicenceRevocationView(revocation.RevokedOn, revocation.Reason, revocation.RecordedBy, revocation.RecordedAt));
        }).ToList();
    }

    private static string Status(AlienLicence licence, AlienLicenceRevocation? revocation, DateOnly today) =>
        revocation is not null && revocation.RevokedOn <= today ? "revoked"
        : licence.GrantedOn > today ? "not-yet-granted"
        : licence.ExpiresOn < today ? "expired"
        : "in-force";

    /// <summary>
    /// R-ALIEN: every grantee of a transfer who needs a licence (<see cref="NeedsLicence"/>) holds one in force today naming every
    /// parcel of the title. Persons not checked with the civil registry (the registry composed alone) are not judged.
    /// </summary>
    internal static async Task CheckAsync(RegistryDbContext db, Lodgement instrument, IReadOnlyList<string> parcels, DateOnly today, CancellationToken ct)
    {
        var grantees = instrument.Grantees ?? [];
        for (var i = 0; i < grantees.Count; i++)
        {
            var grantee = grantees[i];
            if (!NeedsLicence(grantee))
            {
                continue;
            }

            var (uin, registrationNumber) = (grantee.Uin, grantee.RegistrationNumber);
            if (grantee.PartyId is { } partyId)
            {
                var party = await db.Parties.AsNoTracking().Where(p => p.Id == partyId).Select(p => new { p.Uin, p.RegistrationNumber }).SingleOrDefaultAsync(ct);
                (uin, registrationNumber) = (party?.Uin, party?.RegistrationNumber);
            }

            var holders = db.AlienLicences.Where(l => (uin != null && l.HolderUin == uin) || (uin == null && registrationNumber != null && l.HolderRegistrationNumber == registrationNumber));
            var inForce = holders.Where(l => l.GrantedOn <= today && (l.ExpiresOn == null || l.ExpiresOn >= today)
                && !db.AlienLicenceRevocations.Any(r => r.LicenceId == l.Id && r.RevokedOn <= today));
            var covered = await db.AlienLicenceParcels.AsNoTracking().Where(p => inForce.Any(l => l.Id == p.LicenceId) && parcels.Contains(p.Upi))
                .Select(p => new { p.LicenceId, p.Upi }).ToListAsync(ct);
            // One licence must name every parcel of the title: a licence for another parcel does not count.
            if (!covered.GroupBy(c => c.LicenceId).Any(g => parcels.All(u => g.Any(c => c.Upi == u))))
            {
                var who = grantee.ForeignControlled == true ? "is declared controlled by non-citizens" : "is not recorded by the civil registry as a citizen";
                var id = uin is not null ? $"UIN {uin}" : registrationNumber is not null ? $"registration number {registrationNumber}" : $"party {grantee.PartyId}";
                throw new DomainRuleViolationException(Rule,
                    $"Grantee {grantee.Name ?? "(unnamed)"} ({id}, grantees[{i}]) {who}: a transfer to them registers only when an Alien Land-Holding Licence in force today " +
                    $"naming parcel {string.Join(", ", parcels)} is recorded by the registrar (POST /api/registry/alien-licences).");
            }
        }
    }

    /// <summary>
    /// A person the civil registry answered for without recording them as a citizen (an answer without the citizen claim
    /// establishes nothing), or an organisation the notary flags as controlled by non-citizens.
    /// </summary>
    public static bool NeedsLicence(PartyReference grantee) => (grantee.VerifiedAt is not null && grantee.Citizen != true) || grantee.ForeignControlled == true;

    private static DateOnly? ParseDate(string? text, string parameter)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day
            : throw new InvalidParameterException(parameter, "licence-date", $"'{text}' is not a date: write yyyy-MM-dd.");
    }

    private DateOnly Today() => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    [GeneratedRegex("^[A-Z0-9][A-Z0-9/-]{0,39}$")]
    private static partial Regex NumberShape();
}
