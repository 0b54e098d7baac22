using System.Globalization;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Contracts.Tax;
using Npgsql;

namespace Landplatform.Integrations.Tax;

/// <summary>
/// Stamp duty by the schedule in force on the day the transfer takes effect: on a sale, the buyer's rate and
/// the seller's rate (5 % + 5 % by default) of the greater of the consideration and the Valuation Office's roll
/// value of the parcels; on a gift, the gift rate of the roll value, the grantee's; an inheritance at the
/// inheritance rate (0: exempt).
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

        // A sale's stamp duty is split: the buyer's and the seller's rate, each a row of the schedule of its own.
        var payers = request.Kind == "sale" ? new[] { ("buyer", "sale-buyer"), ("seller", "sale-seller") } : new[] { ("buyer", request.Kind) };
        await using var command = dataSource.CreateCommand("""
            SELECT c.code,
                   (SELECT rate FROM tax.rates WHERE category = 'transfer-duty' AND code = c.code AND valid_from <= @on ORDER BY valid_from DESC LIMIT 1),
                   roll.value, roll.valued
            FROM unnest(@codes) WITH ORDINALITY AS c(code, n)
            CROSS JOIN (SELECT coalesce(sum(e.value) FILTER (WHERE e.status = 'valued'), 0) AS value, count(*) FILTER (WHERE e.status = 'valued') AS valued
                        FROM (SELECT DISTINCT ON (upi) upi, value, status FROM tax.roll_entries WHERE upi = ANY(@upis) ORDER BY upi, version DESC) e) roll
            ORDER BY c.n
            """);
        command.Parameters.AddWithValue("codes", payers.Select(p => p.Item2).ToArray());
        command.Parameters.AddWithValue("on", request.EffectiveOn);
        command.Parameters.AddWithValue("upis", request.Upis.Distinct().ToArray());
        var rates = new List<decimal>();
        decimal rollValue = 0;
        long valued = 0;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                if (reader.IsDBNull(1))
                {
                    throw new DomainRuleViolationException("duty-schedule", $"No transfer duty rate '{reader.GetString(0)}' for a {request.Kind} is in force on {request.EffectiveOn:yyyy-MM-dd}.");
                }

                rates.Add(reader.GetDecimal(1));
                rollValue = reader.GetDecimal(2);
                valued = reader.GetInt64(3);
            }
        }

        if (valued < request.Upis.Distinct().Count())
        {
            throw new InvalidParameterException("upis", "duty-parcel-unvalued", "A parcel of the transfer is not on the valuation roll (unknown, or retired from the fabric).");
        }

        var dutyBase = request.Kind == "sale" ? Math.Max(request.Consideration, rollValue) : rollValue;
        var shares = payers.Select((p, i) => new DutyShare(p.Item1, "tax.stamp-duty." + p.Item1, rates[i],
            decimal.Round(dutyBase * rates[i], 2, MidpointRounding.AwayFromZero))).ToList();
        var split = string.Join(" + ", shares.Select(s => $"{Percent(s.Rate)} % {s.Payer} ({Money(s.Amount)})"));
        var basis = request.Kind switch
        {
            "sale" => $"{split} of the greater of the consideration ({Money(request.Consideration)}) and the roll value ({Money(rollValue)})",
            "gift" => $"{split} of the roll value ({Money(rollValue)}) of a gift",
            _ => rates[0] == 0 ? $"an inheritance is exempt (roll value {Money(rollValue)})" : $"{split} of the roll value ({Money(rollValue)}) of an inheritance",
        };
        return new TransferDuty(shares.Sum(s => s.Amount), TaxSchedule.Currency, basis)
        {
            DutiableValue = dutyBase,
            Shares = shares.Where(s => s.Amount > 0).ToList(),
        };
    }

    private static string Percent(decimal rate) => (rate * 100).ToString("0.##", CultureInfo.InvariantCulture);

    private static string Money(decimal amount) => amount.ToString("#,##0.00", CultureInfo.InvariantCulture);
}
