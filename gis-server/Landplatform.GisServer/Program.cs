using Landplatform.Cadastre;
using Microsoft.AspNetCore.HttpOverrides;
using Landplatform.Cadastre.Api;
using Landplatform.GisServer;
using Landplatform.GisServer.Ogc;
using Landplatform.GisServer.Ogc.Features;
using Landplatform.GisServer.Ogc.Wfs;
using Landplatform.GisServer.Ogc.Wms;
using Landplatform.GisServer.Ogc.Records;
using Landplatform.GisServer.Ogc.Ladm;
using Landplatform.Integrations.Deeds;
using Landplatform.Integrations.Documents;
using Landplatform.Integrations.Exchange;
using Landplatform.Integrations.Identity;
using Landplatform.Integrations.Security;
using Landplatform.Integrations.Customs;
using Landplatform.Integrations.Payments;
using Landplatform.Integrations.Permits;
using Landplatform.Integrations.Tax;
using Landplatform.Registry;
using Landplatform.Registry.Api;
using Landplatform.Tiles;
using Landplatform.Tiles.Raster;

var builder = WebApplication.CreateBuilder(args.Where(a => !HostCommands.Names.Contains(a)).ToArray());
var serving = !(args.Length > 0 && HostCommands.Names.Contains(args[0]));
StartupSettings.AddDemoValues(builder.Configuration);
if (serving)
{
    StartupSettings.ThrowIfUnsafe(builder.Configuration);
}

builder.Services.Configure<ForwardedHeadersOptions>(o => StartupSettings.ConfigureForwardedHeaders(o, builder.Configuration));
builder.AddPlatformTelemetry(serving);
builder.Services.AddPlatformResponseCompression();
builder.Services.AddPlatformDatabase(asOwner: args.Length > 0 && HostCommands.AsOwner.Contains(args[0]));
builder.Services.AddKeyRing(builder.Configuration, StartupSettings.DemoMode(builder.Configuration));

builder.Services.AddCadastre();
builder.Services.AddPlatformIdentity(builder.Configuration);
builder.Services.AddExchange();
builder.Services.AddExchangeDispatcher(builder.Configuration);
builder.Services.AddPayments(builder.Configuration);
builder.Services.AddDocuments();
builder.Services.AddDeeds(builder.Configuration);
builder.Services.AddCivilRegistryClient(builder.Configuration);
builder.Services.AddRegistry();
if (serving)
{
    builder.Services.AddJournalCheckpoints();
    builder.Services.AddApplicationSweep();
}

builder.Services.AddTax();
builder.Services.AddPermits();
builder.Services.AddCustoms();
builder.Services.AddSingleton<CollectionExtents>();
builder.Services.AddOgcFeatures();
builder.Services.AddWms(builder.Configuration);
builder.Services.AddTiles(followOutbox: !(args.Length > 0 && HostCommands.Names.Contains(args[0])) && builder.Configuration.GetValue("Tiles:ListenToOutbox", true));
builder.Services.AddSingleton<IRasterTileRenderer, WmsTileRenderer>();
builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
    c.ProblemDetails.Extensions.TryAdd("traceId", c.HttpContext.TraceIdentifier));
builder.Services.AddExceptionHandler<ProblemMapping>();
builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
{
    document.Info.Title = "Landplatform API";
    document.Info.Description = "The parcel fabric of the sample island and the land register services built on it.";
    return Task.CompletedTask;
}));

var app = builder.Build();

if (args.Length > 0 && HostCommands.Names.Contains(args[0]))
{
    return await HostCommands.RunAsync(app, args, CancellationToken.None);
}

// First: the client address (rate limits, audit) and the scheme (OpenID) come from the proxy, when it is a known one.
app.UseForwardedHeaders();
app.UsePlatformTelemetry();
app.UsePlatformResponseCompression();
app.UseSecurityHeaders();
app.UseCrossOrigin();
app.UseExceptionHandler();
app.UseRequestTextGuard();
app.UseMapPage();
app.UseStatusCodePages();
app.UseHeadAsGet();
app.UseRouting();
app.UsePrimaryReadsWhenAsked();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();
app.UseHttpsForForms();
app.UseAntiforgery();

app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
app.MapHealthEndpoint();
app.MapServiceIndex();
app.MapMapPage();
app.MapParcelEndpoints().AllowAnonymous().RequireRateLimiting(RateLimits.Public);
app.MapSurveyEndpoints();
app.MapConnectEndpoints();
app.MapSignInPage();
app.MapIdentityEndpoints();
app.MapExchangeEndpoints();
app.MapPaymentsEndpoints();
app.MapDocumentsEndpoints();
app.MapDeedsEndpoints();
app.MapCivilRegistryEndpoints();
app.MapTaxEndpoints();
app.MapPermitsEndpoints();
app.MapCustomsEndpoints();
app.MapOgcFeatures();
app.MapMetadataRecords();
app.MapLadmExport();
app.MapWfs();
app.MapWms();
app.MapRegistryEndpoints().RequireRateLimiting(RateLimits.Public);
app.MapTiles();
await app.RunAsync();
return 0;

/// <summary>The host's program, visible to the functional tests' WebApplicationFactory.</summary>
public partial class Program;
