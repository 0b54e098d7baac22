using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Landplatform.Integrations.Payments;

/// <summary>A fee in the published schedule: per registry transaction type, per survey, per permit.</summary>
public sealed class Fee
{
    /// <summary>E.g. <c>registry.transfer</c>, <c>survey.per-lot</c>, <c>permit.building</c>.</summary>
    public required string Code { get; init; }

    /// <summary><c>registry</c>, <c>survey</c>, <c>permit</c> or <c>tax</c>.</summary>
    public required string Category { get; init; }

    public required string Description { get; init; }

    /// <summary>The fixed amount per unit; null where the issuing module computes it (transfer duty).</summary>
    public decimal? Amount { get; init; }

    /// <summary>What one unit is: <c>per transaction</c>, <c>per lot</c>, <c>per day</c>, <c>per page</c>, <c>by value</c>, <c>computed</c>.</summary>
    public required string Unit { get; init; }

    /// <summary>For a fee by value band: the amount per 1,000 or part of the value above <see cref="Threshold"/>, added to <see cref="Amount"/>.</summary>
    public decimal? PerThousand { get; init; }

    public decimal? Threshold { get; init; }

    public DateOnly ValidFrom { get; init; }
}

/// <summary>What someone owes for a subject (a registry transaction, a survey, a permit application).</summary>
public sealed class Invoice
{
    public Guid Id { get; init; }

    /// <summary><c>INV-2026-000001</c>: what the payer and the bank statement quote.</summary>
    public required string Number { get; init; }

    /// <summary>What the invoice is for, e.g. <c>registry-transaction</c>.</summary>
    public required string SubjectType { get; init; }

    /// <summary>The subject's identifier in its module, e.g. the registry transaction id.</summary>
    public required string SubjectReference { get; init; }

    public required string PayerName { get; init; }

    public string? PayerUin { get; init; }

    public required string Currency { get; init; }

    public decimal Total { get; init; }

    /// <summary><c>open</c> or <c>paid</c>.</summary>
    public required string Status { get; set; }

    public DateTimeOffset IssuedAt { get; init; }

    public required string IssuedBy { get; init; }

    public DateTimeOffset? PaidAt { get; set; }

    public Guid CorrelationId { get; init; }

    public List<InvoiceLine> Lines { get; init; } = [];
}

public sealed class InvoiceLine
{
    public long Id { get; init; }

    public Guid InvoiceId { get; init; }

    public required string FeeCode { get; init; }

    public required string Description { get; init; }

    public int Quantity { get; init; }

    public decimal UnitAmount { get; init; }

    public decimal Amount { get; init; }
}

/// <summary>One attempt to collect an invoice through the payment gateway.</summary>
public sealed class GatewayPayment
{
    public Guid Id { get; init; }

    public Guid InvoiceId { get; init; }

    /// <summary>Sent as the gateway's Idempotency-Key: a retry after a timeout cannot create a second charge.</summary>
    public required string IdempotencyKey { get; init; }

    /// <summary>The gateway's payment intent id (<c>pi_…</c>), once it answered.</summary>
    public string? GatewayPaymentId { get; set; }

    /// <summary><c>creating</c> (asked, no answer yet), <c>requires_payment</c>, <c>succeeded</c>, <c>failed</c>.</summary>
    public required string Status { get; set; }

    public decimal Amount { get; init; }

    public string? CheckoutUrl { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>Proof of payment, issued once per invoice when the gateway confirms it.</summary>
public sealed class Receipt
{
    public Guid Id { get; init; }

    public required string Number { get; init; }

    public Guid InvoiceId { get; init; }

    public Guid PaymentId { get; init; }

    public required string GatewayPaymentId { get; init; }

    public decimal Amount { get; init; }

    public required string Currency { get; init; }

    public DateTimeOffset PaidAt { get; init; }
}

/// <summary>A gateway webhook event we processed: its id is the idempotency key for repeats.</summary>
public sealed class GatewayEvent
{
    public required string EventId { get; init; }

    public required string Type { get; init; }

    public string? GatewayPaymentId { get; init; }

    public DateTimeOffset ReceivedAt { get; init; }
}

/// <summary>One run of the daily reconciliation of our receipts against a bank statement.</summary>
public sealed class Reconciliation
{
    public Guid Id { get; init; }

    public required string FileName { get; init; }

    public required string FileSha256 { get; init; }

    public required string StatementId { get; init; }

    public DateOnly PeriodFrom { get; init; }

    public DateOnly PeriodTo { get; init; }

    public int BankEntries { get; init; }

    public int LedgerEntries { get; init; }

    public int Matched { get; init; }

    public DateTimeOffset RunAt { get; init; }

    public required string RunBy { get; init; }

    public List<ReconciliationFinding> Findings { get; init; } = [];
}

/// <summary>A mismatch: <c>missing-in-ledger</c>, <c>missing-at-bank</c> or <c>amount-differs</c>.</summary>
public sealed class ReconciliationFinding
{
    public long Id { get; init; }

    public Guid ReconciliationId { get; init; }

    public required string Kind { get; init; }

    /// <summary>The gateway payment id both sides quote (the bank's end-to-end id).</summary>
    public required string Reference { get; init; }

    public string? InvoiceNumber { get; init; }

    public decimal? LedgerAmount { get; init; }

    public decimal? BankAmount { get; init; }

    public DateOnly? Date { get; init; }
}

/// <summary>The payments module's store: schema <c>payments</c>.</summary>
public sealed class PaymentsStore(DbContextOptions<PaymentsStore> options) : DbContext(options)
{
    public const string Schema = "payments";

    public DbSet<Fee> Fees => Set<Fee>();

    public DbSet<Invoice> Invoices => Set<Invoice>();

    public DbSet<GatewayPayment> Payments => Set<GatewayPayment>();

    public DbSet<Receipt> Receipts => Set<Receipt>();

    public DbSet<GatewayEvent> GatewayEvents => Set<GatewayEvent>();

    public DbSet<Reconciliation> Reconciliations => Set<Reconciliation>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.HasSequence<long>("document_number");
        modelBuilder.Entity<Fee>(e =>
        {
            e.ToTable("fees");
            e.HasKey(f => f.Code);
            e.Property(f => f.Code).HasColumnName("code").HasMaxLength(60);
            e.Property(f => f.Category).HasColumnName("category").HasMaxLength(20);
            e.Property(f => f.Description).HasColumnName("description").HasMaxLength(200);
            e.Property(f => f.Amount).HasColumnName("amount").HasPrecision(12, 2);
            e.Property(f => f.Unit).HasColumnName("unit").HasMaxLength(30);
            e.Property(f => f.PerThousand).HasColumnName("per_thousand").HasPrecision(12, 2);
            e.Property(f => f.Threshold).HasColumnName("threshold").HasPrecision(14, 2);
            e.Property(f => f.ValidFrom).HasColumnName("valid_from");
            e.HasData(FeeSchedule.Initial);
        });
        modelBuilder.Entity<Invoice>(e =>
        {
            e.ToTable("invoices");
            e.HasKey(i => i.Id);
            e.Property(i => i.Id).HasColumnName("id");
            e.Property(i => i.Number).HasColumnName("number").HasMaxLength(30);
            e.HasIndex(i => i.Number).IsUnique();
            e.Property(i => i.SubjectType).HasColumnName("subject_type").HasMaxLength(40);
            e.Property(i => i.SubjectReference).HasColumnName("subject_reference").HasMaxLength(100);
            e.HasIndex(i => new { i.SubjectType, i.SubjectReference });
            e.Property(i => i.PayerName).HasColumnName("payer_name").HasMaxLength(200);
            e.Property(i => i.PayerUin).HasColumnName("payer_uin").HasMaxLength(20);
            e.Property(i => i.Currency).HasColumnName("currency").HasMaxLength(3);
            e.Property(i => i.Total).HasColumnName("total").HasPrecision(12, 2);
            e.Property(i => i.Status).HasColumnName("status").HasMaxLength(20);
            e.Property(i => i.IssuedAt).HasColumnName("issued_at");
            e.Property(i => i.IssuedBy).HasColumnName("issued_by").HasMaxLength(200);
            e.Property(i => i.PaidAt).HasColumnName("paid_at");
            e.Property(i => i.CorrelationId).HasColumnName("correlation_id");
            e.HasMany(i => i.Lines).WithOne().HasForeignKey(l => l.InvoiceId);
        });
        modelBuilder.Entity<InvoiceLine>(e =>
        {
            e.ToTable("invoice_lines");
            e.HasKey(l => l.Id);
            e.Property(l => l.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            e.Property(l => l.InvoiceId).HasColumnName("invoice_id");
            e.Property(l => l.FeeCode).HasColumnName("fee_code").HasMaxLength(60);
            e.HasOne<Fee>().WithMany().HasForeignKey(l => l.FeeCode).OnDelete(DeleteBehavior.Restrict);
            e.Property(l => l.Description).HasColumnName("description").HasMaxLength(200);
            e.Property(l => l.Quantity).HasColumnName("quantity");
            e.Property(l => l.UnitAmount).HasColumnName("unit_amount").HasPrecision(12, 2);
            e.Property(l => l.Amount).HasColumnName("amount").HasPrecision(12, 2);
        });
        modelBuilder.Entity<GatewayPayment>(e =>
        {
            e.ToTable("gateway_payments");
            e.HasKey(p => p.Id);
            e.Property(p => p.Id).HasColumnName("id");
            e.Property(p => p.InvoiceId).HasColumnName("invoice_id");
            e.HasOne<Invoice>().WithMany().HasForeignKey(p => p.InvoiceId).OnDelete(DeleteBehavior.Restrict);
            e.Property(p => p.IdempotencyKey).HasColumnName("idempotency_key").HasMaxLength(100);
            e.HasIndex(p => p.IdempotencyKey).IsUnique();
            e.Property(p => p.GatewayPaymentId).HasColumnName("gateway_payment_id").HasMaxLength(100);
            e.HasIndex(p => p.GatewayPaymentId).IsUnique();
            e.Property(p => p.Status).HasColumnName("status").HasMaxLength(20);
            e.Property(p => p.Amount).HasColumnName("amount").HasPrecision(12, 2);
            e.Property(p => p.CheckoutUrl).HasColumnName("checkout_url").HasMaxLength(2000);
            e.Property(p => p.LastError).HasColumnName("last_error");
            e.Property(p => p.CreatedAt).HasColumnName("created_at");
            e.Property(p => p.UpdatedAt).HasColumnName("updated_at");
        });
        modelBuilder.Entity<Receipt>(e =>
        {
            e.ToTable("receipts");
            e.HasKey(r => r.Id);
            e.Property(r => r.Id).HasColumnName("id");
            e.Property(r => r.Number).HasColumnName("number").HasMaxLength(30);
            e.HasIndex(r => r.Number).IsUnique();
            e.Property(r => r.InvoiceId).HasColumnName("invoice_id");
            e.HasIndex(r => r.InvoiceId).IsUnique();
            e.HasOne<Invoice>().WithMany().HasForeignKey(r => r.InvoiceId).OnDelete(DeleteBehavior.Restrict);
            e.Property(r => r.PaymentId).HasColumnName("payment_id");
            e.HasOne<GatewayPayment>().WithMany().HasForeignKey(r => r.PaymentId).OnDelete(DeleteBehavior.Restrict);
            e.Property(r => r.GatewayPaymentId).HasColumnName("gateway_payment_id").HasMaxLength(100);
            e.Property(r => r.Amount).HasColumnName("amount").HasPrecision(12, 2);
            e.Property(r => r.Currency).HasColumnName("currency").HasMaxLength(3);
            e.Property(r => r.PaidAt).HasColumnName("paid_at");
            e.HasIndex(r => r.PaidAt);
        });
        modelBuilder.Entity<GatewayEvent>(e =>
        {
            e.ToTable("gateway_events");
            e.HasKey(g => g.EventId);
            e.Property(g => g.EventId).HasColumnName("event_id").HasMaxLength(100);
            e.Property(g => g.Type).HasColumnName("type").HasMaxLength(100);
            e.Property(g => g.GatewayPaymentId).HasColumnName("gateway_payment_id").HasMaxLength(100);
            e.Property(g => g.ReceivedAt).HasColumnName("received_at");
        });
        modelBuilder.Entity<Reconciliation>(e =>
        {
            e.ToTable("reconciliations");
            e.HasKey(r => r.Id);
            e.Property(r => r.Id).HasColumnName("id");
            e.Property(r => r.FileName).HasColumnName("file_name").HasMaxLength(260);
            e.Property(r => r.FileSha256).HasColumnName("file_sha256").HasMaxLength(64);
            e.Property(r => r.StatementId).HasColumnName("statement_id").HasMaxLength(100);
            e.Property(r => r.PeriodFrom).HasColumnName("period_from");
            e.Property(r => r.PeriodTo).HasColumnName("period_to");
            e.Property(r => r.BankEntries).HasColumnName("bank_entries");
            e.Property(r => r.LedgerEntries).HasColumnName("ledger_entries");
            e.Property(r => r.Matched).HasColumnName("matched");
            e.Property(r => r.RunAt).HasColumnName("run_at");
            e.Property(r => r.RunBy).HasColumnName("run_by").HasMaxLength(200);
            e.HasMany(r => r.Findings).WithOne().HasForeignKey(f => f.ReconciliationId);
        });
        modelBuilder.Entity<ReconciliationFinding>(e =>
        {
            e.ToTable("reconciliation_findings");
            e.HasKey(f => f.Id);
            e.Property(f => f.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            e.Property(f => f.ReconciliationId).HasColumnName("reconciliation_id");
            e.Property(f => f.Kind).HasColumnName("kind").HasMaxLength(30);
            e.Property(f => f.Reference).HasColumnName("reference").HasMaxLength(100);
            e.Property(f => f.InvoiceNumber).HasColumnName("invoice_number").HasMaxLength(30);
            e.Property(f => f.LedgerAmount).HasColumnName("ledger_amount").HasPrecision(12, 2);
            e.Property(f => f.BankAmount).HasColumnName("bank_amount").HasPrecision(12, 2);
            e.Property(f => f.Date).HasColumnName("date");
        });
    }
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the payments model without a database.</summary>
internal sealed class PaymentsDesignTimeFactory : IDesignTimeDbContextFactory<PaymentsStore>
{
    public PaymentsStore CreateDbContext(string[] args) =>
        new((DbContextOptions<PaymentsStore>)new DbContextOptionsBuilder<PaymentsStore>()
            .UseNpgsql("Host=localhost;Database=design", o => o.MigrationsHistoryTable("__migrations", PaymentsStore.Schema))
            .Options);
}
