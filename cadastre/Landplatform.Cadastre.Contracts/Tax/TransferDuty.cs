namespace Landplatform.Cadastre.Contracts.Tax;

/// <summary>A transfer the registry asks the tax module to assess, before it invoices the duty.</summary>
/// <param name="Kind">sale, gift or inheritance.</param>
/// <param name="Upis">The parcels the title covers.</param>
/// <param name="Consideration">The price stated in the deed (0 for gifts and inheritances).</param>
/// <param name="Currency">ISO 4217, e.g. XCD.</param>
/// <param name="EffectiveOn">The day the transfer takes effect; the duty schedule of that day applies.</param>
public sealed record TransferDutyRequest(string Kind, IReadOnlyList<string> Upis, decimal Consideration, string Currency, DateOnly EffectiveOn);

/// <summary>The duty owed, and how it was reached in words a notary can check.</summary>
/// <param name="Amount">0 when nothing is owed; the registry then invoices no duty line.</param>
/// <param name="Basis">e.g. "4 % of the greater of the consideration (250,000.00) and the roll value (231,400.00)".</param>
public sealed record TransferDuty(decimal Amount, string Currency, string Basis);

/// <summary>
/// Implemented by the tax module; the registry calls it when a transfer reaches "fees due" and puts the
/// amount on the invoice as fee code <c>tax.transfer-duty</c> (a computed line of the fee schedule).
/// </summary>
public interface ITransferDutyAssessor
{
    Task<TransferDuty> AssessAsync(TransferDutyRequest request, CancellationToken ct);
}
