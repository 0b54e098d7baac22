using System.Data.Common;

namespace Landplatform.Cadastre.Contracts.Register;

/// <summary>An owner on a title, as the survey checks compare them: the party and the exact share (<c>n/d</c>, reduced).</summary>
public sealed record TitleOwner(long PartyId, string Share);

/// <summary>A right in force on a title other than ownership (mortgage, caveat, lease, easement, covenant), named without its holder.</summary>
public sealed record TitleBurden(long RightId, string Kind, DateTimeOffset RegisteredAt);

/// <summary>A dealing lodged against a title and not yet registered or rejected.</summary>
public sealed record PendingDealing(Guid TransactionId, string Kind, string State, DateTimeOffset LodgedAt);

/// <summary>The open title over a parcel: every parcel it holds, its owners, its other rights in force and the dealings pending on it.</summary>
public sealed record ParcelTitle(
    string Upi,
    string TitleNumber,
    IReadOnlyList<string> Parcels,
    IReadOnlyList<TitleOwner> Owners,
    IReadOnlyList<TitleBurden> Burdens,
    IReadOnlyList<PendingDealing> Pending);

/// <summary>A fabric change an approved survey made: the parents it retired and the children it created.</summary>
/// <param name="Kind"><c>subdivision</c> (one parent, several children) or <c>merge</c> (several parents, one child).</param>
public sealed record ApprovedFabricChange(
    Guid FabricTransactionId,
    string Kind,
    string SurveyReference,
    IReadOnlyList<string> ParentUpis,
    IReadOnlyList<string> ChildUpis,
    string Registrar);

/// <summary>What the register did with an approved fabric change: its registry transactions, their journal entries and the titles touched.</summary>
public sealed record CarriedTitles(IReadOnlyList<Guid> Transactions, IReadOnlyList<long> JournalEntries, IReadOnlyList<string> Titles)
{
    public static readonly CarriedTitles None = new([], [], []);
}

/// <summary>
/// What the land register publishes to the fabric (implemented by the registry): the titles over parcels, read for the
/// survey checks, and the carrying forward of a title's rights when an approved survey retires its parcel.
/// </summary>
public interface IParcelTitles
{
    /// <summary>The open titles over these parcels (a parcel with no title, unregistered land, is absent).</summary>
    Task<IReadOnlyList<ParcelTitle>> ReadAsync(IReadOnlyList<string> upis, CancellationToken ct);

    /// <summary>
    /// Registers the approved change in the register inside the caller's database transaction (which has already
    /// written the fabric change): each parent's title is closed and the children's titles carry its rights forward,
    /// journaled. The caller commits; if anything here fails, nothing of the approval stands.
    /// </summary>
    Task<CarriedTitles> CarryForwardAsync(ApprovedFabricChange change, DbTransaction transaction, CancellationToken ct);
}
