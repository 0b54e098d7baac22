namespace Landplatform.Cadastre.Contracts.Tax;

/// <summary>A transfer the registry asks the tax module to assess, before it invoices the duty.</summary>
/// <param name="Kind">sale, gift or inheritance.</param>
/// <param name="Upis">The parcels the title covers.</param>
/// <param name="Consideration">The price stated in the deed (0 for gifts and inheritances).</param>
/// <param name="Currency">ISO 4217, e.g. XCD.</param>
/// <param name="EffectiveOn">The day the transfer takes effect; the duty schedule of that day applies.</param>
public sealed record TransferDutyRequest(string Kind, IReadOnlyList<string> Upis, decimal Consideration, string Currency, DateOnly EffectiveOn);

/// <summary>The duty owed, and how it was reached in words a notary can check.</summary>
/// <param name="Amount">The whole duty (every share); 0 when nothing is owed; the registry then invoices no duty line.</param>
/// <param name="Basis">e.g. "5 % buyer + 5 % seller of the greater of the consideration (300,000.00) and the roll value (350,000.00)".</param>
public sealed record TransferDuty(decimal Amount, string Currency, string Basis)
{
    /// <summary>The value the duty (and the registration fee) is charged on: for a sale the greater of the price and the roll value.</summary>
    public decimal DutiableValue { get; init; }

    /// <summary>Who pays what: a sale's stamp duty is split between buyer and seller; a gift's is the grantee's alone.</summary>
    public IReadOnlyList<DutyShare> Shares { get; init; } = [];
}

/// <summary>One party's share of the duty.</summary>
/// <param name="Payer"><c>buyer</c> or <c>seller</c>.</param>
/// <param name="FeeCode">The invoice line it goes on: <c>tax.stamp-duty.buyer</c> or <c>tax.stamp-duty.seller</c>.</param>
/// <param name="Rate">The rate of the schedule in force, e.g. 0.05.</param>
public sealed record DutyShare(string Payer, string FeeCode, decimal Rate, decimal Amount);

/// <summary>
/// Implemented by the tax module (the Valuation Office's value and the duty rates); the registry calls it when a
/// transfer reaches "fees due" and puts each share on the invoice under its fee code (computed lines of the fee schedule).
/// </summary>
public interface ITransferDutyAssessor
{
    Task<TransferDuty> AssessAsync(TransferDutyRequest request, CancellationToken ct);
}
