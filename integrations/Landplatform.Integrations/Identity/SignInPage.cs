using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Landplatform.Integrations.Identity;

/// <summary>The sign-in page the host serves for the authorization code flow (and for people who sign in directly).</summary>
public static class SignInPage
{
    public static void MapSignInPage(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account").WithTags("Account").ExcludeFromDescription();
        account.MapGet("/signin", (HttpContext http, IAntiforgery antiforgery, [FromQuery(Name = "ReturnUrl")] string? returnUrl) =>
                Page(http, antiforgery, SafeReturn(returnUrl), message: null, StatusCodes.Status200OK))
            .AllowAnonymous();
        account.MapPost("/signin", SignInAsync).AllowAnonymous().RequireRateLimiting(RateLimits.SignIn);
        // A form post with the antiforgery token (the form binding makes the framework check it), never a bare request.
        account.MapPost("/signout", async (HttpContext http, [FromForm(Name = "confirm")] string? confirm) =>
            {
                await http.SignOutAsync(IdentityConstants.ApplicationScheme);
                return Results.Redirect("/");
            })
            .AllowAnonymous();
    }

    private static async Task<IResult> SignInAsync(
        HttpContext http, IAntiforgery antiforgery, PasswordCheck passwords, SecondFactor factor, SignInThrottle throttle, SignInManager<PlatformUser> signIn, AuditTrail audit,
        [FromForm(Name = "username")] string? userName, [FromForm(Name = "password")] string? password, [FromForm(Name = "returnUrl")] string? returnUrl,
        [FromForm(Name = "code")] string? code)
    {
        var back = SafeReturn(returnUrl);
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password))
        {
            return Page(http, antiforgery, back, "Enter your user name and your password.", StatusCodes.Status400BadRequest);
        }

        var address = SignInThrottle.AddressOf(http);
        var check = await passwords.CheckAsync(userName, password, address);
        if (check.Succeeded && await factor.RequiredAsync(check.User!) && await factor.RefusalAsync(check.User!, code) is { } missing)
        {
            throttle.RecordFailure(check.User!.Id, address);
            await audit.RecordAsync("second-factor-failed", check.User.UserName, null, http, "sign-in page: " + missing, http.RequestAborted);
            return Page(http, antiforgery, back, missing, StatusCodes.Status401Unauthorized);
        }

        if (check.Succeeded)
        {
            await signIn.SignInAsync(check.User!, isPersistent: false);
            await audit.RecordAsync("sign-in", check.User!.UserName, null, http, "sign-in page", http.RequestAborted);
            return Results.Redirect(back);
        }

        await audit.RecordAsync(check.AuditKind, check.User?.UserName ?? userName.Trim(), null, http, "sign-in page: " + check.AuditDetail, http.RequestAborted);
        return Page(http, antiforgery, back, PasswordCheck.Refusal, StatusCodes.Status401Unauthorized);
    }

    /// <summary>
    /// Where a sign-in may send the person back to: only a path on this site. Browsers drop tabs and newlines, read a
    /// backslash as a slash and undo percent-encoding, so the path is judged as a browser would read it: any control
    /// character, whitespace or backslash (raw or percent-encoded, however often), a second leading slash, a scheme or
    /// anything that resolves to another origin sends the person to the site's root instead.
    /// </summary>
    public static string SafeReturn(string? returnUrl)
    {
        const string Home = "/";
        if (string.IsNullOrEmpty(returnUrl) || returnUrl.Length > 4096 || returnUrl[0] != '/' || returnUrl.Any(Unsafe))
        {
            return Home;
        }

        // The path part (before the query) decoded until it no longer changes: what the browser navigates to.
        var end = returnUrl.IndexOfAny(['?', '#']);
        var path = end < 0 ? returnUrl : returnUrl[..end];
        for (var i = 0; i < 8; i++)
        {
            var decoded = Uri.UnescapeDataString(path);
            if (decoded == path)
            {
                break;
            }

            path = decoded;
        }

        if (path.Any(Unsafe) || path.StartsWith("//", StringComparison.Ordinal) || path.Contains(':', StringComparison.Ordinal))
        {
            return Home;
        }

        var origin = new Uri("https://this-site.invalid/");
        return Uri.TryCreate(origin, returnUrl, out var resolved) && resolved.Scheme == origin.Scheme && resolved.Authority == origin.Authority
            ? returnUrl
            : Home;
    }

    private static bool Unsafe(char c) => char.IsControl(c) || char.IsWhiteSpace(c) || c == '\\' || char.IsSurrogate(c) || c == '\uFFFD';

    // The page's only inline code, allowed by its hash so the page's policy needs no 'unsafe-inline'.
    private const string Style = """
          body { font-family: system-ui, sans-serif; margin: 0; background: #f4f6f4; color: #1d2a1d; }
          main { max-width: 24rem; margin: 4rem auto; background: #fff; padding: 2rem; border-radius: .5rem; box-shadow: 0 1px 4px #0002; }
          label { display: block; margin-top: 1rem; font-weight: 600; }
          input { width: 100%; box-sizing: border-box; padding: .6rem; font-size: 1rem; margin-top: .25rem; }
          button { margin-top: 1.5rem; width: 100%; padding: .7rem; font-size: 1rem; background: #1f6f43; color: #fff; border: 0; border-radius: .3rem; }
          button:focus, input:focus { outline: 3px solid #f0b400; }
          .error { color: #a4000f; background: #fdecee; padding: .6rem; border-radius: .3rem; }
        """;

    private static readonly string Policy =
        "default-src 'none'; style-src 'sha256-" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Style)))
        + "'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'";

    // The end-session parameters a relying party may send, carried through the confirmation form.
    private static readonly string[] EndSessionParameters = ["client_id", "post_logout_redirect_uri", "state", "id_token_hint", "logout_hint", "ui_locales"];

    /// <summary>The sign-out confirmation: a GET only shows it; the button posts it back with the antiforgery token.</summary>
    public static IResult SignOutPage(HttpContext http, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        var html = HtmlEncoder.Default;
        var carried = string.Concat(EndSessionParameters
            .Where(name => http.Request.Query.ContainsKey(name))
            .Select(name => $"""
                  <input type="hidden" name="{name}" value="{html.Encode(http.Request.Query[name].ToString())}">
                """));
        return Shell(http, "Sign out · Landplatform", $"""
            <h1>Sign out of Landplatform?</h1>
            <form method="post" action="/connect/logout">
              <input type="hidden" name="{html.Encode(tokens.FormFieldName)}" value="{html.Encode(tokens.RequestToken ?? string.Empty)}">
              <input type="hidden" name="confirm" value="yes">
            {carried}
              <button type="submit" id="signout">Sign out</button>
            </form>
            """, StatusCodes.Status200OK);
    }

    private static IResult Page(HttpContext http, IAntiforgery antiforgery, string returnUrl, string? message, int status)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        var html = HtmlEncoder.Default;
        var error = message is null ? string.Empty : $"""<p class="error" role="alert" id="signin-error">{html.Encode(message)}</p>""";
        return Shell(http, "Sign in · Landplatform", $"""
            <h1>Sign in to Landplatform</h1>
            {error}
            <form method="post" action="/account/signin">
              <input type="hidden" name="{html.Encode(tokens.FormFieldName)}" value="{html.Encode(tokens.RequestToken ?? string.Empty)}">
              <input type="hidden" name="returnUrl" value="{html.Encode(returnUrl)}">
              <label for="username">User name</label>
              <input id="username" name="username" autocomplete="username" required autofocus>
              <label for="password">Password</label>
              <input id="password" name="password" type="password" autocomplete="current-password" required>
              <label for="code">Authenticator or recovery code (registry staff and administrators)</label>
              <input id="code" name="code" autocomplete="one-time-code" inputmode="numeric">
              <button type="submit">Sign in</button>
            </form>
            """, status);
    }

    private static IResult Shell(HttpContext http, string title, string main, int status)
    {
        http.Response.Headers.ContentSecurityPolicy = Policy;
        var body = $"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{title}</title>
            <style>{Style}</style>
            </head>
            <body>
            <main>
            {main}
            </main>
            </body>
            </html>
            """;
        return Results.Content(body, "text/html; charset=utf-8", statusCode: status);
    }
}
