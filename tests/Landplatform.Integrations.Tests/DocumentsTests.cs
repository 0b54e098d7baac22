using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Landplatform.Integrations.Documents;
using Landplatform.Integrations.Identity;
using Landplatform.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Landplatform.Integrations.Tests;

public sealed class DocumentsTests(PlatformServer server) : IClassFixture<PlatformServer>, IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("lp-documents-").FullName;

    [Fact]
    public async Task A_signed_deed_verifies_offline_with_openssl_and_a_tampered_one_is_refused()
    {
        var notary = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Notary);
        using var key = RSA.Create(2048);
        var csr = new CertificateRequest("CN=anything the notary typed", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();
        var issued = await SendAsync(HttpMethod.Post, "/api/documents/notary-certificates", notary, new { csr }, HttpStatusCode.Created);
        using var certificate = X509Certificate2.CreateFromPem(issued.GetProperty("certificatePem").GetString()!);
        Assert.Contains("O=Landplatform notaries", certificate.Subject);
        Assert.DoesNotContain("anything the notary typed", certificate.Subject);

        var deed = NotarySigningKit.Pdf("Transfer of CH-00053-0001 from the vendor to the purchaser for XCD 250,000.");
        var signature = Sign(deed, certificate, key);
        var lodged = await LodgeAsync(notary, deed, signature, HttpStatusCode.Created);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(deed)), lodged.GetProperty("contentSha256").GetString());
        Assert.Equal(certificate.SerialNumber, lodged.GetProperty("signerSerialNumber").GetString());

        // The real peer: OpenSSL verifies what the registry hands out, against the published CA certificate alone.
        var registrar = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Registrar);
        var stored = await GetBytesAsync(lodged.GetProperty("contentUrl").GetString()!, registrar);
        var storedSignature = await GetBytesAsync(lodged.GetProperty("signatureUrl").GetString()!, registrar);
        Assert.Equal(deed, stored);
        await File.WriteAllBytesAsync(Path.Combine(work, "deed.pdf"), stored);
        await File.WriteAllBytesAsync(Path.Combine(work, "deed.p7s"), storedSignature);
        await File.WriteAllTextAsync(Path.Combine(work, "authority.pem"), await server.Client.GetStringAsync("/api/documents/authority.pem"));
        var (verified, output) = await OpenSslVerifyAsync("deed.pdf");
        Assert.True(verified, output);
        Assert.Contains("Verification successful", output);

        var tampered = NotarySigningKit.Pdf("Transfer of CH-00053-0001 from the vendor to the purchaser for XCD 25,000.");
        await File.WriteAllBytesAsync(Path.Combine(work, "tampered.pdf"), tampered);
        var (tamperedVerified, tamperedOutput) = await OpenSslVerifyAsync("tampered.pdf");
        Assert.False(tamperedVerified, tamperedOutput);

        var deedsBefore = await server.Database.ScalarAsync<long>("SELECT count(*) FROM documents.deeds");
        var refused = await LodgeAsync(notary, tampered, signature, HttpStatusCode.BadRequest);
        Assert.Equal("deed-signature", refused.GetProperty("rule").GetString());
        Assert.Equal("signature", refused.GetProperty("parameter").GetString());
        Assert.Equal(deedsBefore, await server.Database.ScalarAsync<long>("SELECT count(*) FROM documents.deeds"));
        Assert.Equal(0L, await server.Database.ScalarAsync<long>("SELECT count(*) FROM documents.contents WHERE sha256 = @s",
            ("s", Convert.ToHexStringLower(SHA256.HashData(tampered)))));
    }

    [Fact]
    public async Task A_deed_signed_with_a_certificate_the_platform_did_not_issue_is_refused()
    {
        var notary = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Notary);
        using var key = RSA.Create(2048);
        using var selfMade = new CertificateRequest("CN=Landplatform Notary CA, O=Landplatform, C=VC", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var deed = NotarySigningKit.Pdf("A deed signed by an impostor.");
        var refused = await LodgeAsync(notary, deed, Sign(deed, selfMade, key), HttpStatusCode.BadRequest);
        Assert.Equal("deed-signer-untrusted", refused.GetProperty("rule").GetString());

        var notPdf = await LodgeAsync(notary, Encoding.UTF8.GetBytes("just text"), Sign(deed, selfMade, key), HttpStatusCode.BadRequest);
        Assert.Equal("deed-file-type", notPdf.GetProperty("rule").GetString());

        var citizen = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Citizen);
        using var forbidden = await RequestAsync(HttpMethod.Post, "/api/documents/notary-certificates", citizen, new { csr = "x" });
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    [Fact]
    public async Task Scanned_deeds_are_imported_from_a_folder_with_bad_rows_refused_and_found_by_the_index()
    {
        var scans = Directory.CreateDirectory(Path.Combine(work, "scans")).FullName;
        var pdf = NotarySigningKit.Pdf("Indenture of 1974, book 12 page 301.");
        var png = (byte[])[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 1, 2, 3];
        var tiff = (byte[])[0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0, 0, 0];
        await File.WriteAllBytesAsync(Path.Combine(scans, "b12-p301.pdf"), pdf);
        await File.WriteAllBytesAsync(Path.Combine(scans, "b12-p302.png"), png);
        await File.WriteAllBytesAsync(Path.Combine(scans, "b13-p001.tif"), tiff);
        await File.WriteAllTextAsync(Path.Combine(scans, "notes.txt"), "not a scan");
        await File.WriteAllBytesAsync(Path.Combine(work, "outside.pdf"), pdf);
        await using (var huge = File.Create(Path.Combine(scans, "huge.pdf")))
        {
            huge.SetLength(ScanImport.MaxScanBytes + 1);
        }

        File.CreateSymbolicLink(Path.Combine(scans, "link.pdf"), Path.Combine(work, "outside.pdf"));
        await File.WriteAllLinesAsync(Path.Combine(scans, ScanImport.IndexFileName),
        [
            "file,book,page,date,parties,upi",
            "b12-p301.pdf,12,301,1974-03-15,\"Joseph, Ann; Baptiste Holdings Ltd\",CH-00053-0001",
            "b12-p302.png,12,302,1974-03-18,Kingstown Town Board; Mary Samuel,",
            "b13-p001.tif,13,1,1981-11-02,Gregory Cupid,GR-00004-0002",
            "../outside.pdf,14,1,1990-01-01,Someone Else,",
            "missing.pdf,14,2,1990-01-01,Someone Else,",
            "notes.txt,14,3,1990-01-01,Someone Else,",
            "huge.pdf,14,4,1990-01-01,Someone Else,",
            "link.pdf,14,5,1990-01-01,Someone Else,",
            "b12-p301.pdf,14,6,1990-13-01,Someone Else,",
            "b12-p301.pdf,14,7,2999-01-01,Someone Else,",
            "b12-p301.pdf,14,8,1990-01-01,Someone Else,NOT-A-UPI",
            "b12-p301.pdf,0,9,1990-01-01,Someone Else,",
            "b12-p302.png,12,301,1974-03-15,Duplicate Page,",
            "b12-p301.pdf,14,10,1990-01-01",
        ]);

        var (code, output) = await ImportAsync(scans);
        Assert.True(code == 3, output);
        Assert.Contains("3 imported, 0 already present, 11 refused", output);
        foreach (var (line, rule) in new[]
        {
            (5, "scan-file-name"), (6, "scan-file-missing"), (7, "scan-file-type"), (8, "scan-file-size"), (9, "scan-file-name"),
            (10, "scan-date"), (11, "scan-date"), (12, "upi-format"), (13, "scan-book"), (14, "scan-duplicate"), (15, "scan-index-columns"),
        })
        {
            Assert.Contains($"line {line} ", output);
            Assert.Contains(output.Split('\n'), l => l.Contains($"line {line} ", StringComparison.Ordinal) && l.Contains(rule, StringComparison.Ordinal));
        }

        // Importing the same folder again changes nothing.
        var (again, secondOutput) = await ImportAsync(scans);
        Assert.Equal(3, again);
        Assert.Contains("0 imported, 3 already present, 11 refused", secondOutput);
        Assert.Equal(3L, await server.Database.ScalarAsync<long>("SELECT count(*) FROM documents.scanned_deeds"));

        var registrar = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Registrar);
        var byParty = await SendAsync(HttpMethod.Get, "/api/documents/scans?party=baptiste", registrar);
        var found = Assert.Single(byParty.EnumerateArray());
        Assert.Equal(12, found.GetProperty("book").GetInt32());
        Assert.Equal(301, found.GetProperty("page").GetInt32());
        Assert.Equal(pdf, await GetBytesAsync(found.GetProperty("contentUrl").GetString()!, registrar));

        var byUpi = await SendAsync(HttpMethod.Get, "/api/documents/scans?upi=gr-00004-0002", registrar);
        Assert.Equal("b13-p001.tif", Assert.Single(byUpi.EnumerateArray()).GetProperty("fileName").GetString());
        var byDates = await SendAsync(HttpMethod.Get, "/api/documents/scans?from=1974-01-01&to=1974-12-31", registrar);
        Assert.Equal([301, 302], byDates.EnumerateArray().Select(s => s.GetProperty("page").GetInt32()));
        var byPage = await SendAsync(HttpMethod.Get, "/api/documents/scans?book=12&page=302", registrar);
        Assert.Equal("image/png", (await GetAsync(Assert.Single(byPage.EnumerateArray()).GetProperty("contentUrl").GetString()!, registrar)).Content.Headers.ContentType?.MediaType);

        using var badUpi = await RequestAsync(HttpMethod.Get, "/api/documents/scans?upi=nonsense", registrar);
        var problem = JsonDocument.Parse(await badUpi.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.BadRequest, badUpi.StatusCode);
        Assert.Equal("upi", problem.GetProperty("parameter").GetString());
        Assert.Equal("upi-format", problem.GetProperty("rule").GetString());
        using var anonymous = await RequestAsync(HttpMethod.Get, "/api/documents/scans?party=baptiste", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    public void Dispose() => Directory.Delete(work, recursive: true);

    private async Task<(int Code, string Output)> ImportAsync(string directory)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var output = new StringWriter();
        var code = await DocumentsCommands.ImportAsync(scope.ServiceProvider, directory, output, CancellationToken.None);
        return (code, output.ToString());
    }

    /// <summary>What the notary's own software does: a detached CMS signature with the signing time.</summary>
    private static byte[] Sign(byte[] content, X509Certificate2 certificate, RSA key)
    {
        using var withKey = certificate.HasPrivateKey ? X509CertificateLoader.LoadCertificate(certificate.RawData).CopyWithPrivateKey(key) : certificate.CopyWithPrivateKey(key);
        var cms = new SignedCms(new ContentInfo(content), detached: true);
        var signer = new CmsSigner(withKey) { IncludeOption = X509IncludeOption.EndCertOnly, DigestAlgorithm = new Oid("2.16.840.1.101.3.4.2.1") };
        signer.SignedAttributes.Add(new Pkcs9SigningTime(DateTime.UtcNow));
        cms.ComputeSignature(signer);
        return cms.Encode();
    }

    private async Task<(bool Verified, string Output)> OpenSslVerifyAsync(string contentFile)
    {
        var start = new ProcessStartInfo("openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", "deed.p7s", "-content", contentFile, "-CAfile", "authority.pem", "-out", "/dev/null"])
        {
            WorkingDirectory = work,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode == 0, await stdout + await stderr);
    }

    private async Task<JsonElement> LodgeAsync(string token, byte[] deed, byte[] signature, HttpStatusCode expected)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(deed) { Headers = { ContentType = new MediaTypeHeaderValue("application/pdf") } }, "file", "deed.pdf");
        form.Add(new ByteArrayContent(signature) { Headers = { ContentType = new MediaTypeHeaderValue("application/pkcs7-signature") } }, "signature", "deed.p7s");
        form.Add(new StringContent("CH-00053-0001"), "parcelUpi");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/documents/deeds") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string token) => await RequestAsync(HttpMethod.Get, path, token);

    private async Task<byte[]> GetBytesAsync(string path, string token)
    {
        using var response = await RequestAsync(HttpMethod.Get, path, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private async Task<HttpResponseMessage> RequestAsync(HttpMethod method, string path, string? token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await server.Client.SendAsync(request);
    }

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, string token, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await RequestAsync(method, path, token, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
