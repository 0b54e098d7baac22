using System.Globalization;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Contracts.Tax;
using Npgsql;

namespace Landplatform.Integrations.Tax;

/// <summary>
/// Transfer duty by the schedule in force on the day the transfer takes effect: on a sale, the sale rate
/// of the greater of the consideration and the roll value of the parcels; on a gift, the gift rate of the
/// roll value; an inheritance at the inheritance rate (0: exempt).
/// </summary>
public sealed class TransferDutyAssessor(NpgsqlDataSource dataSource) : ITransferDutyAssessor
{
    private static readonly string[] Kinds = ["sale", "gift", "inheritance"];

    public async Task<TransferDuty> AssessAsync(TransferDutyRequest request, CancellationToken ct)
    {
        if (!Kinds.Contains(request.Kind))
        {
            throw new InvalidParameterException("kind", "duty-kind", $"Transfer duty is assessed for a sale, gift or inheritance, not '{request.Kind}'.");
        }

        if (!string.Equals(request.Currency, TaxSchedule.Currency, StringComparison.Ordinal))
        {
            throw new InvalidParameterException("currency", "duty-currency", $"The roll and the duty are in {TaxSchedule.Currency}; the consideration is in {request.Currency}.");
        }

        if (request.Consideration < 0)
        {
            throw new InvalidParameterException("consideration", "duty-consideration", "The consideration cannot be negative.");
        }

        if (request.Upis.Count == 0)
        {
            throw new InvalidParameterException("upis", "duty-parcels", "Name the parcels the transfer covers.");
        }

        await using var command = dataSource.CreateCommand("""
            SELECT (SELECT rate FROM tax.rates WHERE category = 'transfer-duty' AND code = @kind AND valid_from <= @on ORDER BY valid_from DESC LIMIT 1),
                   coalesce(sum(e.value) FILTER (WHERE e.status = 'valued'), 0),
                   count(*) FILTER (WHERE e.status = 'valued')
            FROM (SELECT DISTINCT ON (upi) upi, value, status FROM tax.roll_entries WHERE upi = ANY(@upis) ORDER BY upi, version DESC) e
            """);
        command.Parameters.AddWithValue("kind", request.Kind);
        command.Parameters.AddWithValue("on", request.EffectiveOn);
        command.Parameters.AddWithValue("upis", request.Upis.Distinct().ToArray());
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        if (reader.IsDBNull(0))
        {
            throw new DomainRuleViolationException("duty-schedule", $"No transfer duty rate for a {request.Kind} is in force on {request.EffectiveOn:yyyy-MM-dd}.");
        }

        var rate = reader.GetDecimal(0);
        var rollValue = reader.GetDecimal(1);
        if (reader.GetInt64(2) < request.Upis.Distinct().Count())
        {
            throw new InvalidParameterException("upis", "duty-parcel-unvalued", "A parcel of the transfer is not on the valuation roll (unknown, or retired from the fabric).");
        }

        var percent = (rate * 100).ToString("0.##", CultureInfo.InvariantCulture);
        var (dutyBase, basis) = request.Kind switch
        {
            "sale" => (Math.Max(request.Consideration, rollValue),
                $"{percent} % of the greater of the consideration ({Money(request.Consideration)}) and the roll value ({Money(rollValue)})"),
            "gift" => (rollValue, $"{percent} % of the roll value ({Money(rollValue)}) of a gift"),
            _ => (rollValue, rate == 0 ? $"an inheritance is exempt (roll value {Money(rollValue)})" : $"{percent} % of the roll value ({Money(rollValue)}) of an inheritance"),
        };
        return new TransferDuty(decimal.Round(dutyBase * rate, 2, MidpointRounding.AwayFromZero), TaxSchedule.Currency, basis);
    }

    private static string Money(decimal amount) => amount.ToString("#,##0.00", CultureInfo.InvariantCulture);
}
