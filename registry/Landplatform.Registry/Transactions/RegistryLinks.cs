using Landplatform.Cadastre.Contracts.Documents;
using Landplatform.Cadastre.Contracts.Events;
using Landplatform.Cadastre.Contracts.Payments;
using Landplatform.Cadastre.Contracts.Persons;
using Landplatform.Cadastre.Contracts.Tax;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Landplatform.Registry.Transactions;

/// <summary>
/// The other modules the registry works with, through the contracts, each present when the host composes
/// it: payments invoices the fee and duty, tax assesses the duty, documents verifies signed deeds, the civil
/// registry confirms new persons. The registry composed alone (the registry bench, the continuity drill)
/// has none of them and falls back to its own fee schedule, registrar-recorded payments and recorded hashes.
/// </summary>
public sealed class RegistryLinks(IServiceProvider services)
{
    public IFeeInvoicing? Invoicing { get; } = services.GetService<IFeeInvoicing>();

    public ITransferDutyAssessor? Duty { get; } = services.GetService<ITransferDutyAssessor>();

    public ISignedDeeds? Deeds { get; } = services.GetService<ISignedDeeds>();

    public IPersonRegistry? Persons { get; } = services.GetService<IPersonRegistry>();

    /// <summary>The register of deeds: the root of title a first registration rests on.</summary>
    public Landplatform.Cadastre.Contracts.Deeds.IDeedsChains? DeedsChains { get; } = services.GetService<Landplatform.Cadastre.Contracts.Deeds.IDeedsChains>();

    /// <summary>Days of notice to the registered proprietor before a rectification without a court order (<c>Registry:RectificationNoticeDays</c>).</summary>
    public int RectificationNoticeDays { get; } =
        int.TryParse(services.GetService<Microsoft.Extensions.Configuration.IConfiguration>()?["Registry:RectificationNoticeDays"], out var days) && days >= 0
            ? days
            : ConsentRules.DefaultRectificationNoticeDays;
}

/// <summary>
/// Moves a transaction from "fees due" to "paid" when the payments module reports its invoice paid
/// (<c>payments.invoice.paid</c>, subject type <c>registry-transaction</c>). A repeat of the event, or of
/// the invoice's payment, changes nothing.
/// </summary>
public sealed class RegistryFeesSubscriber(IServiceScopeFactory scopes, ILogger<RegistryFeesSubscriber> log) : IEventSubscriber
{
    public const string SubjectType = "registry-transaction";

    public string Name => "registry.fees";

    public IReadOnlyCollection<string> EventTypes { get; } = [PaymentEvents.InvoicePaid];

    public async Task HandleAsync(PlatformEvent platformEvent, CancellationToken ct)
    {
        var paid = EventPayloads.Read<InvoicePaidPayload>(platformEvent);
        if (paid.SubjectType != SubjectType)
        {
            return;
        }

        if (!Guid.TryParse(paid.SubjectReference, out var transactionId))
        {
            log.LogWarning("Invoice {Invoice} names registry transaction '{Reference}', which is not a transaction id", paid.InvoiceNumber, paid.SubjectReference);
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<TransactionDesk>().SettleInvoiceAsync(transactionId, paid.InvoiceId, paid.ReceiptNumber, paid.Amount, ct);
    }
}
