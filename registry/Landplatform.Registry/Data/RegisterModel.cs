namespace Landplatform.Registry.Data;

/// <summary>Whether a party is a natural person (by UIN) or an organisation (by registration number).</summary>
public enum PartyKind
{
    Person,
    Organisation,
}

/// <summary>
/// A party (LADM LA_Party): a person identified by UIN or an organisation by registration number. Joint
/// owners form a group through the ownership rights they hold on one title, each with its share.
/// </summary>
public sealed class Party
{
    public long Id { get; init; }

    public PartyKind Kind { get; init; }

    public string? Uin { get; init; }

    public string? RegistrationNumber { get; init; }

    public required string Name { get; init; }

    public DateOnly? DateOfBirth { get; init; }

    public DateTimeOffset RecordedAt { get; init; }

    /// <summary>The civil registry records this person's death (flagged when the party was entered).</summary>
    public bool Deceased { get; init; }

    public DateOnly? DateOfDeath { get; init; }

    /// <summary>When the civil registry confirmed the UIN and name; null for parties loaded before the check existed.</summary>
    public DateTimeOffset? VerifiedAt { get; init; }
}

/// <summary>A title (LADM basic administrative unit) over one or more parcels; closed, never deleted, when a subdivision replaces it.</summary>
public sealed class Title
{
    public required string TitleNumber { get; init; }

    public DateTimeOffset OpenedAt { get; init; }

    public Guid OpenedByTransactionId { get; init; }

    public DateTimeOffset? ClosedAt { get; set; }

    public Guid? ClosedByTransactionId { get; set; }
}

/// <summary>A parcel a title covers: written once, by the journaled transaction that opened the title, never changed.</summary>
public sealed class TitleParcel
{
    public required string TitleNumber { get; init; }

    public required string Upi { get; init; }

    public Guid CreatedByTransactionId { get; init; }
}

/// <summary>The kinds of rights, restrictions and responsibilities a title carries.</summary>
public enum RightKind
{
    Ownership,
    Lease,
    Mortgage,
    Caveat,
    Easement,
    Covenant,
}

/// <summary>
/// A right, restriction or responsibility on a title. Never changed in place: a transaction ends it
/// (sets <see cref="ValidTo"/> and <see cref="EndedByTransactionId"/> once) and writes new ones.
/// </summary>
public sealed class RegisteredRight
{
    public long Id { get; init; }

    public required string TitleNumber { get; init; }

    public RightKind Kind { get; init; }

    public long PartyId { get; init; }

    /// <summary>The share of an ownership as an exact fraction; 1/1 for other rights.</summary>
    public long ShareNumerator { get; init; } = 1;

    public long ShareDenominator { get; init; } = 1;

    /// <summary>The sum secured (mortgage) or the rent (lease), in EC dollars.</summary>
    public decimal? Amount { get; init; }

    public string? Terms { get; init; }

    public DateTimeOffset ValidFrom { get; init; }

    public DateTimeOffset? ValidTo { get; set; }

    public Guid CreatedByTransactionId { get; init; }

    public Guid? EndedByTransactionId { get; set; }
}

/// <summary>What a notary may lodge.</summary>
public enum TransactionKind
{
    Transfer,
    Mortgage,
    Discharge,
    Caveat,
    CaveatWithdrawal,
    Subdivision,
    Rectification,
    InitialLoad,

    /// <summary>Several parcels an approved survey merged into one: each parent's title closes into the child's (lodged by the registry, never a notary).</summary>
    Merge,

    /// <summary>A first registration (conversion from the register of deeds) opens a provisional title: the registrar's, never a notary's.</summary>
    FirstRegistration,

    /// <summary>An objection lodged against a first registration during its challenge period.</summary>
    ConversionObjection,

    /// <summary>The registrar's decision on an objection: dismissed, or upheld (the provisional title is cancelled).</summary>
    ConversionDecision,

    /// <summary>A provisional title made absolute after its challenge period.</summary>
    AbsoluteTitle,
}

/// <summary>Where a transaction stands: lodged → fees due → paid → examined → registered or rejected; requisitioned sends it back to the notary.</summary>
public enum TransactionState
{
    Lodged,
    FeesDue,
    Paid,
    Examined,
    Registered,
    Rejected,
    Requisitioned,

    /// <summary>Not submitted or paid in time, or a requisition not answered by its deadline: it never registers; a paid fee is refunded.</summary>
    Lapsed,

    /// <summary>Withdrawn by the notary who lodged it: it never registers; a paid fee is refunded.</summary>
    Withdrawn,
}

/// <summary>A registry transaction: the instrument a notary lodges and its way through the registry.</summary>
public sealed class RegistryTransaction
{
    public Guid Id { get; init; }

    public TransactionKind Kind { get; init; }

    public TransactionState State { get; set; }

    /// <summary>The title the transaction acts on; none for the initial load, which covers every title.</summary>
    public string? TitleNumber { get; init; }

    /// <summary>The instrument as lodged (parties, shares, amounts), as JSON.</summary>
    public required string Instrument { get; init; }

    public DateOnly InstrumentDate { get; init; }

    public DateTimeOffset LodgedAt { get; init; }

    public required string LodgedBy { get; init; }

    public decimal? Fee { get; set; }

    public DateTimeOffset? RegisteredAt { get; set; }

    /// <summary>The last requisition or rejection reason.</summary>
    public string? Note { get; set; }

    /// <summary>Transfer duty the tax module assessed (0 or null: no duty line), and how.</summary>
    public decimal? Duty { get; set; }

    public string? DutyBasis { get; set; }

    /// <summary>The payments module's invoice for the fee and duty, issued at submission.</summary>
    public Guid? InvoiceId { get; set; }

    public string? InvoiceNumber { get; set; }

    public decimal? InvoiceTotal { get; set; }

    /// <summary>When <c>payments.invoice.paid</c> arrived for the invoice, and its receipt.</summary>
    public DateTimeOffset? InvoicePaidAt { get; set; }

    public string? ReceiptNumber { get; set; }
}

/// <summary>One state change of a transaction: who moved it, when, why.</summary>
public sealed class TransactionStep
{
    public long Id { get; init; }

    public Guid TransactionId { get; init; }

    public TransactionState State { get; init; }

    public DateTimeOffset At { get; init; }

    public required string By { get; init; }

    public string? Note { get; init; }
}

/// <summary>A document attached to a transaction; the registry keeps its SHA-256 (content storage comes with the documents module).</summary>
public sealed class TransactionDocument
{
    public long Id { get; init; }

    public Guid TransactionId { get; init; }

    public required string Kind { get; init; }

    public required string FileName { get; init; }

    public long Length { get; init; }

    public required string Sha256 { get; init; }

    public DateTimeOffset AttachedAt { get; init; }

    public required string AttachedBy { get; init; }
}

/// <summary>A payment recorded against a transaction's fee.</summary>
public sealed class FeePayment
{
    public long Id { get; init; }

    public Guid TransactionId { get; init; }

    public decimal Amount { get; init; }

    public required string Reference { get; init; }

    public DateTimeOffset RecordedAt { get; init; }

    public required string RecordedBy { get; init; }
}

/// <summary>
/// An Alien Land-Holding Licence as the registrar records it: the holder (a person by UIN, an organisation by
/// registration number) may acquire the parcels it names. Never changed or deleted; a revocation is a record of its own.
/// </summary>
public sealed class AlienLicence
{
    public long Id { get; init; }

    /// <summary>The licence number as granted, e.g. <c>ALHL-2026-0042</c>.</summary>
    public required string Number { get; init; }

    public PartyKind HolderKind { get; init; }

    public string? HolderUin { get; init; }

    public string? HolderRegistrationNumber { get; init; }

    public required string HolderName { get; init; }

    public DateOnly GrantedOn { get; init; }

    /// <summary>The last day the licence allows a transfer to register; null when it does not expire.</summary>
    public DateOnly? ExpiresOn { get; init; }

    /// <summary>The licence's conditions as granted (e.g. "to build a dwelling within five years").</summary>
    public string? Conditions { get; init; }

    public required string RecordedBy { get; init; }

    public DateTimeOffset RecordedAt { get; init; }
}

/// <summary>A parcel an Alien Land-Holding Licence names.</summary>
public sealed class AlienLicenceParcel
{
    public long LicenceId { get; init; }

    public required string Upi { get; init; }
}

/// <summary>The revocation of an Alien Land-Holding Licence: from that day it allows no transfer.</summary>
public sealed class AlienLicenceRevocation
{
    public long Id { get; init; }

    public long LicenceId { get; init; }

    public DateOnly RevokedOn { get; init; }

    public required string Reason { get; init; }

    public required string RecordedBy { get; init; }

    public DateTimeOffset RecordedAt { get; init; }
}

/// <summary>
/// One entry of the register journal: append-only, each carrying the SHA-256 of the entry before it
/// and of its own canonical content, so an edit anywhere breaks the chain from there on.
/// </summary>
public sealed class JournalEntry
{
    public long Seq { get; init; }

    public DateTimeOffset RecordedAt { get; init; }

    public Guid TransactionId { get; init; }

    public required string Content { get; init; }

    public required byte[] PreviousHash { get; init; }

    public required byte[] Hash { get; init; }
}
