using Landplatform.Cadastre.Contracts.Tax;

namespace Landplatform.SingleWindow.Tests;

/// <summary>
/// A transfer-duty assessor with a rule stated here, so the test knows the duty it must see on the invoice
/// whether or not the tax module is composed in the host (registered after the host's services, it is the
/// one the registry resolves): 4 % of the consideration of a sale, nothing on a gift or an inheritance.
/// </summary>
public sealed class StatedRuleDutyAssessor : ITransferDutyAssessor
{
    public const decimal Rate = 0.04m;

    public static decimal DutyOn(string kind, decimal consideration) => kind == "sale" ? decimal.Round(consideration * Rate, 2) : 0m;

    public Task<TransferDuty> AssessAsync(TransferDutyRequest request, CancellationToken ct) =>
        Task.FromResult(new TransferDuty(DutyOn(request.Kind, request.Consideration), request.Currency,
            request.Kind == "sale" ? $"4 % of the consideration ({request.Consideration:0.00})" : $"no duty on a {request.Kind}"));
}
