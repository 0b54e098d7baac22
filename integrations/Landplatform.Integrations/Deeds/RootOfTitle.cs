using System.Text;
using Landplatform.Cadastre.Contracts;
using Npgsql;

namespace Landplatform.Integrations.Deeds;

/// <summary>Something the chain of title shows that an attorney must deal with.</summary>
/// <param name="Rule">no-good-root, missing-link, grantor-not-grantee, name-variant or unreleased-mortgage.</param>
/// <param name="Severity">error (the title is not proved) or warning (to be explained, e.g. by a statutory declaration).</param>
public sealed record TitleFinding(string Rule, string Severity, string? RegistrationNumber, string Message);

/// <summary>A deed in the chain, with what it does there.</summary>
public sealed record ChainLink(string Role, RecordedDeed Deed);

/// <summary>The root of title of a parcel: the good root, the chain from it, the encumbrances, what is wrong, and who holds the land now.</summary>
public sealed record RootOfTitleReport(string Upi, DateOnly AsOf, int RootYears, RecordedDeed? Root, IReadOnlyList<ChainLink> Chain,
    IReadOnlyList<RecordedDeed> Mortgages, IReadOnlyList<TitleFinding> Findings, bool Sound, IReadOnlyList<string> Holders);

/// <summary>
/// The 21-day search, done from the linked deeds: a good root is the latest conveyance for value (or gift, assent,
/// vesting) registered at least <c>years</c> before today; from it every later dealing that passes the land must be
/// granted by the previous grantees (an exact match after case, spacing and punctuation; a near or same-sounding
/// name is a name variant to explain; nobody in common is a missing link), and every mortgage on the parcel must be
/// released by a recorded release.
/// </summary>
public sealed class RootOfTitle(DeedBook book, NpgsqlDataSource dataSource, TimeProvider clock)
{
    public const int DefaultYears = 30;

    public async Task<RootOfTitleReport> BuildAsync(string upiText, int? years, CancellationToken ct)
    {
        var upi = ParcelIdentifier.Parse(upiText, "upi");
        var span = years ?? DefaultYears;
        if (span is < 1 or > 200)
        {
            throw new InvalidParameterException("years", "root-years", "A root of title goes back between 1 and 200 years (the office's rule is 30).");
        }

        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var deeds = await book.ViewsAsync("EXISTS (SELECT 1 FROM deeds.parcels l WHERE l.deed_id = d.id AND l.upi = @upi)", [new NpgsqlParameter("upi", upi)], ct, limit: 10_000);
        if (deeds.Count == 0)
        {
            throw new ResourceNotFoundException("deeds-none", $"No recorded deed is linked to parcel {upi}: link the deeds that describe it first.");
        }

        var findings = new List<TitleFinding>();
        var passing = deeds.Where(d => DeedBook.PassingTitle.Contains(d.InstrumentType)).ToList();
        var cutoff = today.AddYears(-span);
        var root = passing.LastOrDefault(d => d.RegisteredOn <= cutoff && (d.InstrumentType != "conveyance" || d.Consideration > 0));
        if (root is null)
        {
            root = passing.FirstOrDefault();
            findings.Add(new TitleFinding("no-good-root", "error", root?.RegistrationNumber, root is null
                ? $"No deed passing parcel {upi} is recorded: there is no root of title."
                : $"No dealing for value is at least {span} years old (before {cutoff:yyyy-MM-dd}): the earliest, {root.RegistrationNumber} of {root.RegisteredOn:yyyy-MM-dd}, is taken as the root but is not a good one."));
        }

        var chain = new List<ChainLink>();
        var holders = new List<string>();
        if (root is not null)
        {
            chain.Add(new ChainLink("root", root));
            holders = [.. root.Grantees];
            foreach (var next in passing.SkipWhile(d => d.Id != root.Id).Skip(1))
            {
                await CompareAsync(holders, next, findings, ct);
                chain.Add(new ChainLink("dealing", next));
                holders = [.. next.Grantees];
            }
        }

        var mortgages = deeds.Where(d => d.InstrumentType == "mortgage").ToList();
        var released = deeds.Where(d => d.InstrumentType == "release" && d.Releases is not null).Select(d => d.Releases!).ToHashSet();
        foreach (var mortgage in mortgages.Where(m => !released.Contains(m.RegistrationNumber)))
        {
            findings.Add(new TitleFinding("unreleased-mortgage", "error", mortgage.RegistrationNumber,
                $"Mortgage {mortgage.RegistrationNumber} of {mortgage.RegisteredOn:yyyy-MM-dd} to {string.Join(", ", mortgage.Grantees)} has no recorded release."));
        }

        return new RootOfTitleReport(upi, today, span, root, chain, mortgages, findings, findings.All(f => f.Severity != "error"), holders);
    }

    /// <summary>The grantors of a dealing against the holders before it.</summary>
    private async Task CompareAsync(IReadOnlyList<string> holders, RecordedDeed next, List<TitleFinding> findings, CancellationToken ct)
    {
        var matched = 0;
        foreach (var grantor in next.Grantors)
        {
            if (holders.Any(h => Normal(h) == Normal(grantor)))
            {
                matched++;
                continue;
            }

            string? variant = null;
            foreach (var holder in holders)
            {
                if (await SimilarAsync(holder, grantor, ct))
                {
                    variant = holder;
                    break;
                }
            }

            if (variant is not null)
            {
                matched++;
                findings.Add(new TitleFinding("name-variant", "warning", next.RegistrationNumber,
                    $"{next.RegistrationNumber} is granted by '{grantor}', recorded before as '{variant}': explain the variant (e.g. by a statutory declaration)."));
                continue;
            }

            findings.Add(new TitleFinding("grantor-not-grantee", "error", next.RegistrationNumber,
                $"{next.RegistrationNumber} is granted by '{grantor}', who is not among the previous grantees ({string.Join(", ", holders)})."));
        }

        if (next.Grantors.Count > 0 && matched == 0)
        {
            findings.RemoveAll(f => f.Rule == "grantor-not-grantee" && f.RegistrationNumber == next.RegistrationNumber);
            findings.Add(new TitleFinding("missing-link", "error", next.RegistrationNumber,
                $"Nobody granting {next.RegistrationNumber} ({string.Join(", ", next.Grantors)}) held the land after the deed before it ({string.Join(", ", holders)}): a deed is missing from the chain."));
        }
    }

    private async Task<bool> SimilarAsync(string a, string b, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT similarity(lower(@a), lower(@b)) >= 0.5 OR {DeedBook.SoundsSql("@a")} = {DeedBook.SoundsSql("@b")}");
        command.Parameters.AddWithValue("a", a);
        command.Parameters.AddWithValue("b", b);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    private static string Normal(string name)
    {
        var text = new StringBuilder();
        foreach (var c in name.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c))
            {
                text.Append(c);
            }
            else if (text.Length > 0 && text[^1] != ' ')
            {
                text.Append(' ');
            }
        }

        return text.ToString().Trim();
    }
}
