using System.Globalization;
using System.Text.Json;
using SkiaSharp;

namespace Landplatform.Registry.Search;

/// <summary>The typeface of printed extracts, loaded once from a font file (DejaVu Sans by default, or <c>Maps:LabelFont</c>).</summary>
public sealed class ExtractFont : IDisposable
{
    public const string DefaultPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

    private ExtractFont(SKTypeface typeface) => Typeface = typeface;

    public SKTypeface Typeface { get; }

    public static ExtractFont Load(string path) =>
        File.Exists(path)
            ? new ExtractFont(SKTypeface.FromFile(path) ?? throw new InvalidOperationException($"The extract font {path} is not a font SkiaSharp can read."))
            : throw new InvalidOperationException($"The extract font {path} is missing; install fonts-dejavu-core (./lp does) or set Maps:LabelFont.");

    public void Dispose() => Typeface.Dispose();
}

/// <summary>
/// The printable title extract: one A4 PDF page (more when the title carries many entries) with the
/// parcel map, owners, rights, restrictions and hazard zones, drawn with SkiaSharp.
/// </summary>
public static class TitleExtractDocument
{
    private const float Width = 595, Height = 842, Margin = 48;

    public static byte[] Render(TitleExtract extract, ExtractFont font)
    {
        using var stream = new MemoryStream();
        using (var document = SKDocument.CreatePdf(stream, new SKDocumentPdfMetadata
               {
                   Title = $"Title extract {extract.TitleNumber}", Creator = "Landplatform registry", Creation = extract.ExtractedAt.UtcDateTime,
               }))
        {
            var page = new PageWriter(document, font.Typeface);
            page.Line($"Title extract {extract.TitleNumber}", 18, bold: true);
            page.Line($"Status: {extract.Status}; opened {Date(extract.OpenedAt)}" + (extract.ClosedAt is { } closed ? $", closed {Date(closed)}" : string.Empty), 10);
            page.Line($"Extracted {extract.ExtractedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC from the land register.", 10);
            page.Gap(8);
            page.Map(extract.Parcels);
            page.Heading("Parcels");
            foreach (var parcel in extract.Parcels)
            {
                page.Line(string.Create(CultureInfo.InvariantCulture,
                    $"{parcel.Upi}   {parcel.Address ?? "(no address)"}   {parcel.LandUse}   {parcel.OfficialArea:N2} m²   {parcel.Status}"), 10);
            }

            page.Heading("Owners");
            foreach (var owner in extract.Owners)
            {
                page.Line($"{owner.Name ?? "(withheld)"}   share {owner.Share}   since {Date(owner.From)}" + (owner.Uin is null ? string.Empty : $"   UIN {owner.Uin}"), 10);
            }

            Entries(page, "Rights", extract.Rights);
            Entries(page, "Restrictions", extract.Restrictions);
            page.Heading("Hazard zones touching the parcels");
            if (extract.Hazards.Count == 0)
            {
                page.Line("None recorded.", 10);
            }

            foreach (var hazard in extract.Hazards)
            {
                page.Line($"{hazard.Hazard.Replace('_', ' ')} ({hazard.Level}): {string.Join(", ", hazard.Parcels)}", 10);
            }

            page.Close();
        }

        return stream.ToArray();
    }

    private static void Entries(PageWriter page, string heading, IReadOnlyList<ExtractRight> entries)
    {
        page.Heading(heading);
        if (entries.Count == 0)
        {
            page.Line("None registered.", 10);
        }

        foreach (var entry in entries)
        {
            var amount = entry.Amount is { } sum ? ", EC$ " + sum.ToString("N2", CultureInfo.InvariantCulture) : string.Empty;
            var terms = entry.Terms is { } text ? ": " + text : string.Empty;
            page.Line($"{entry.Kind} no. {entry.Id} in favour of {entry.Holder}{amount}{terms}, since {Date(entry.From)}", 10);
        }
    }

    private static string Date(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Writes lines down the page, starting a new page when one is full.</summary>
    private sealed class PageWriter(SKDocument document, SKTypeface typeface)
    {
        private SKCanvas? canvas;
        private float y;

        public void Heading(string text)
        {
            Gap(10);
            Line(text, 13, bold: true);
        }

        public void Gap(float points) => y += points;

        public void Line(string text, float size, bool bold = false)
        {
            var page = Canvas(size * 1.5f);
            using var font = new SKFont(typeface, size) { Embolden = bold };
            using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            y += size * 1.4f;
            page.DrawText(Fit(text, font), Margin, y, SKTextAlign.Left, font, paint);
        }

        /// <summary>The parcels' boundaries (CRS84) in a framed box, north up, to scale.</summary>
        public void Map(IReadOnlyList<ExtractParcel> parcels)
        {
            const float box = 220;
            var rings = parcels.SelectMany(p => Rings(p.Boundary)).ToList();
            var page = Canvas(box + 10);
            var frame = new SKRect(Margin, y, Margin + box * 1.6f, y + box);
            using var border = new SKPaint { Color = SKColors.Gray, Style = SKPaintStyle.Stroke, StrokeWidth = 0.5f };
            page.DrawRect(frame, border);
            if (rings.Count > 0)
            {
                var points = rings.SelectMany(r => r).ToList();
                var (minX, maxX, minY, maxY) = (points.Min(p => p.X), points.Max(p => p.X), points.Min(p => p.Y), points.Max(p => p.Y));
                var shrink = Math.Cos((minY + maxY) / 2 * Math.PI / 180);
                var scale = Math.Min((frame.Width - 20) / Math.Max((maxX - minX) * shrink, 1e-12), (frame.Height - 20) / Math.Max(maxY - minY, 1e-12));
                var (cx, cy) = ((minX + maxX) / 2, (minY + maxY) / 2);
                using var fill = new SKPaint { Color = new SKColor(255, 236, 179), Style = SKPaintStyle.Fill, IsAntialias = true };
                using var line = new SKPaint { Color = new SKColor(180, 60, 20), Style = SKPaintStyle.Stroke, StrokeWidth = 1.2f, IsAntialias = true };
                using var builder = new SKPathBuilder { FillType = SKPathFillType.EvenOdd };
                foreach (var ring in rings)
                {
                    var corners = ring.Select(p => new SKPoint(frame.MidX + (float)((p.X - cx) * shrink * scale), frame.MidY - (float)((p.Y - cy) * scale))).ToList();
                    builder.MoveTo(corners[0]);
                    foreach (var corner in corners.Skip(1))
                    {
                        builder.LineTo(corner);
                    }

                    builder.Close();
                }

                using var path = builder.Detach();

                page.DrawPath(path, fill);
                page.DrawPath(path, line);
            }

            y += box;
        }

        public void Close() => document.EndPage();

        private SKCanvas Canvas(float needed)
        {
            if (canvas is null || y + needed > Height - Margin)
            {
                if (canvas is not null)
                {
                    document.EndPage();
                }

                canvas = document.BeginPage(Width, Height);
                y = Margin;
            }

            return canvas;
        }

        private static string Fit(string text, SKFont font)
        {
            var room = Width - (2 * Margin);
            if (font.MeasureText(text) <= room)
            {
                return text;
            }

            while (text.Length > 1 && font.MeasureText(text + "…") > room)
            {
                text = text[..^1];
            }

            return text + "…";
        }

        // Degrees stay doubles until they are relative to the map's centre: a float would round them to half a metre.
        private static IEnumerable<List<(double X, double Y)>> Rings(JsonElement multiPolygon) =>
            multiPolygon.GetProperty("coordinates").EnumerateArray()
                .SelectMany(polygon => polygon.EnumerateArray())
                .Select(ring => ring.EnumerateArray().Select(c => (c[0].GetDouble(), c[1].GetDouble())).ToList());
    }
}
