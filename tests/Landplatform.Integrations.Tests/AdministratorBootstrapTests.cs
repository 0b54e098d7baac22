using System.Diagnostics;
using Landplatform.Integrations.Identity;
using Landplatform.Testing;

namespace Landplatform.Integrations.Tests;

/// <summary>A real deployment seeds nobody: its first administrator is made with the host's create-admin command.</summary>
public sealed class AdministratorBootstrapTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    [Fact]
    public async Task Create_admin_makes_an_administrator_who_can_sign_in_and_refuses_without_a_password()
    {
        var (refused, _) = await RunHostAsync("create-admin", "ops-admin", password: null);
        Assert.Equal(2, refused);

        var (code, output) = await RunHostAsync("create-admin", "ops-admin", password: "Ops-admin-password-1");
        Assert.True(code == 0, output);
        var token = (await Tokens.PasswordAsync(server.Client, "ops-admin", "Ops-admin-password-1")).GetProperty("access_token").GetString();
        using var users = await Tokens.GetAsync(server.Client, "/api/identity/users", token);
        Assert.Equal(System.Net.HttpStatusCode.OK, users.StatusCode);

        var (again, _) = await RunHostAsync("create-admin", "ops-admin", password: "Ops-admin-password-1");
        Assert.Equal(1, again);
    }

    private async Task<(int Code, string Output)> RunHostAsync(string command, string argument, string? password)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Landplatform.GisServer.dll"));
        start.ArgumentList.Add(command);
        start.ArgumentList.Add(argument);
        start.Environment["LP_CONNECTION_STRING"] = server.Database.RuntimeConnectionString;
        start.Environment["ASPNETCORE_CONTENTROOT"] = AppContext.BaseDirectory;
        if (password is null)
        {
            start.Environment.Remove("LP_ADMIN_PASSWORD");
        }
        else
        {
            start.Environment["LP_ADMIN_PASSWORD"] = password;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }
}
