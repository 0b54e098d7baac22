using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Landplatform.Simulators;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Landplatform.Testing;

/// <summary>
/// The external systems (payment gateway, bank, civil registry) in-process on a loopback port, as
/// <c>./lp run</c> starts them: the civil registry knows the persons of the sample's <c>parties.csv</c> and the
/// demo accounts' persons (from the people file <c>seed-demo</c> writes).
/// </summary>
public sealed class ExternalSystems : IAsyncDisposable
{
    private readonly WebApplication app;

    private ExternalSystems(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress };
    }

    public Uri BaseAddress { get; }

    /// <summary>The payer's browser, the bank's export, the control endpoints.</summary>
    public HttpClient Http { get; }

    public PaymentGateway Gateway => app.Services.GetRequiredService<PaymentGateway>();

    public BankLedger Bank => app.Services.GetRequiredService<BankLedger>();

    public CivilRegistry CivilRegistry => app.Services.GetRequiredService<CivilRegistry>();

    /// <param name="samplePeople">False for a civil registry that knows only the persons a test registers itself.</param>
    public static async Task<ExternalSystems> StartAsync(bool samplePeople = true)
    {
        var demoPeople = Path.Combine(Path.GetTempPath(), $"lp-demo-people-{Environment.ProcessId}.csv");
        if (samplePeople)
        {
            await Landplatform.Integrations.Identity.DemoAccounts.WritePeopleCsvAsync(demoPeople, CancellationToken.None);
        }

        string[] args = samplePeople ? [$"--Simulators:CivilRegistry:PeopleCsv={Path.Combine(TemplateDatabase.SampleDirectory(), "parties.csv")};{demoPeople}"] : [];
        var app = SimulatorApp.Build(args, b =>
        {
            b.Logging.ClearProviders();
            b.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        });
        await app.StartAsync();
        return new ExternalSystems(app, new Uri(app.Urls.First().TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await app.DisposeAsync();
    }
}

/// <summary>
/// The host on a loopback port beside the external systems: the gateway posts its signed webhooks to it,
/// the civil registry answers its person checks, the exchange polls every second.
/// </summary>
public class SingleWindowServer : PlatformServer
{
    public ExternalSystems Systems { get; private set; } = null!;

    protected override bool ListensOnLoopback => true;

    /// <summary>How long the host waits for the gateway: long enough for fifty payments at once on a busy machine; a fault test shortens it.</summary>
    public virtual int GatewayTimeoutSeconds => 10;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Payments:Gateway:BaseUrl"] = new Uri(Systems.BaseAddress, "gateway/").ToString(),
        ["Payments:Gateway:TimeoutSeconds"] = GatewayTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Identity:CivilRegistry:BaseUrl"] = new Uri(Systems.BaseAddress, "civil-registry/").ToString(),
        // As for the gateway: long enough on a machine busy with the other test projects (2 s timed out once
        // under CI load); the civil registry's own timeout is tested in CivilRegistryTests with 1 s.
        ["Identity:CivilRegistry:TimeoutSeconds"] = "10",
        ["Exchange:PollSeconds"] = "1",
    };

    public override async Task InitializeAsync()
    {
        Systems = await ExternalSystems.StartAsync();
        await base.InitializeAsync();
        Systems.Gateway.WebhookUrl = new Uri(BaseAddress, "/api/payments/gateway/webhook").ToString();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Systems.DisposeAsync();
    }
}

/// <summary>
/// A notary's own signing kit: an RSA key the notary holds, a certificate for it from the platform's notary
/// CA (through <c>POST /api/documents/notary-certificates</c>), and deeds signed with it (detached CMS) and
/// lodged at <c>POST /api/documents/deeds</c>.
/// </summary>
public sealed class NotarySigningKit : IDisposable
{
    private readonly RSA key;
    private readonly X509Certificate2 certificate;
    private readonly HttpClient client;
    private readonly string token;

    private NotarySigningKit(RSA key, X509Certificate2 certificate, HttpClient client, string token)
    {
        this.key = key;
        this.certificate = certificate;
        this.client = client;
        this.token = token;
    }

    public X509Certificate2 Certificate => certificate;

    public static async Task<NotarySigningKit> CreateAsync(HttpClient client, string notaryToken)
    {
        var key = RSA.Create(2048);
        var csr = new CertificateRequest("CN=notary", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/documents/notary-certificates") { Content = JsonContent.Create(new { csr }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", notaryToken);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"notary certificate: {(int)response.StatusCode} {text}");
        var pem = JsonDocument.Parse(text).RootElement.GetProperty("certificatePem").GetString()!;
        return new NotarySigningKit(key, X509Certificate2.CreateFromPem(pem), client, notaryToken);
    }

    /// <summary>A small well-formed PDF page carrying the text.</summary>
    public static byte[] Pdf(string text)
    {
        var stream = $"BT /F1 12 Tf 72 720 Td ({text.Replace("(", "[", StringComparison.Ordinal).Replace(")", "]", StringComparison.Ordinal)}) Tj ET";
        var objects = new[]
        {
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            $"<< /Length {stream.Length} >>\nstream\n{stream}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        };
        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(pdf.Length);
            pdf.Append($"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }

        var xref = pdf.Length;
        pdf.Append($"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            pdf.Append($"{offset:D10} 00000 n \n");
        }

        pdf.Append($"trailer\n<< /Size {objects.Length + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());
    }

    /// <summary>What the notary's own software does: a detached CMS signature (SHA-256) with the signing time.</summary>
    public byte[] Sign(byte[] content) => Sign(content, DateTime.UtcNow);

    /// <summary>A detached signature claiming the given signing time (a signer's tool writes whatever time it is told).</summary>
    public byte[] Sign(byte[] content, DateTime claimedSigningTime)
    {
        using var withKey = X509CertificateLoader.LoadCertificate(certificate.RawData).CopyWithPrivateKey(key);
        var cms = new SignedCms(new ContentInfo(content), detached: true);
        var signer = new CmsSigner(withKey) { IncludeOption = X509IncludeOption.EndCertOnly, DigestAlgorithm = new Oid("2.16.840.1.101.3.4.2.1") };
        signer.SignedAttributes.Add(new Pkcs9SigningTime(claimedSigningTime));
        cms.ComputeSignature(signer);
        return cms.Encode();
    }

    /// <summary>Signs a deed carrying the text and lodges it with the documents module; returns the deed (its contentSha256 is what the registry is given).</summary>
    public async Task<JsonElement> LodgeDeedAsync(string text, string? parcelUpi = null)
    {
        var (status, body) = await TryLodgeDeedAsync(text, DateTime.UtcNow, parcelUpi);
        Assert.True(status == 201, $"lodging a signed deed: {status} {body}");
        return body;
    }

    /// <summary>Signs (claiming the given signing time) and lodges a deed; returns the status and body, whatever they are.</summary>
    public async Task<(int Status, JsonElement Body)> TryLodgeDeedAsync(string text, DateTime claimedSigningTime, string? parcelUpi = null)
    {
        var deed = Pdf(text);
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(deed) { Headers = { ContentType = new MediaTypeHeaderValue("application/pdf") } }, "file", "deed.pdf");
        form.Add(new ByteArrayContent(Sign(deed, claimedSigningTime)) { Headers = { ContentType = new MediaTypeHeaderValue("application/pkcs7-signature") } }, "signature", "deed.p7s");
        if (parcelUpi is not null)
        {
            form.Add(new StringContent(parcelUpi), "parcelUpi");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/documents/deeds") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        var answer = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonDocument.Parse(answer).RootElement.Clone());
    }

    public void Dispose()
    {
        certificate.Dispose();
        key.Dispose();
    }
}
