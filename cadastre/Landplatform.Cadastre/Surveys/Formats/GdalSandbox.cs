using System.Diagnostics;

namespace Landplatform.Cadastre.Surveys.Formats;

/// <summary>
/// Runs a GDAL command on an uploaded file as confined as this machine allows: a clean environment (no
/// connection strings, no PG* variables, nothing of the server's), every driver but the one the format needs
/// skipped (VRT, databases and network drivers among them), no network (a network namespace of its own, <c>unshare --net</c>, when the kernel allows it),
/// an unprivileged user when the server runs as root (<c>setpriv</c> to nobody), and caps on time, memory,
/// CPU and output. What GDAL prints is never passed on: a refusal says only that the file could not be read.
/// </summary>
internal static class GdalSandbox
{
    private static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(30);
    private const long MaxOutputBytes = 64L * 1024 * 1024;
    private const long MemoryBytes = 1024L * 1024 * 1024;

    private static readonly Lazy<IReadOnlyList<string>> AllDrivers = new(ListDrivers);

    private static readonly Lazy<string[]> Confinement = new(ProbeConfinement);

    private static bool RunningAsRoot => Environment.UserName == "root";

    /// <summary>When the confined child runs as nobody, it must be able to read the upload's folder and file.</summary>
    public static void OpenToConfinedUser(string folder, string file)
    {
        if (!RunningAsRoot || OperatingSystem.IsWindows())
        {
            return;
        }

        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
    }

    /// <summary>Runs GDAL with <paramref name="onlyDriver"/> as its one input driver (and GeoJSON, the output): every other driver is skipped.</summary>
    public static async Task<byte[]> RunAsync(string program, string onlyDriver, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var skipped = string.Join(',', AllDrivers.Value.Where(d => d != onlyDriver && d != "GeoJSON"));
        var wrapper = Confinement.Value;
        var start = new ProcessStartInfo(wrapper.Length > 0 ? wrapper[0] : program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var part in wrapper.Skip(1))
        {
            start.ArgumentList.Add(part);
        }

        if (wrapper.Length > 0)
        {
            start.ArgumentList.Add(program);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/bin:/bin";
        start.Environment["LANG"] = "C.UTF-8";
        start.Environment["GDAL_SKIP"] = skipped;
        start.Environment["GDAL_HTTP_TIMEOUT"] = "1";
        start.Environment["GDAL_HTTP_MAX_RETRY"] = "0";
        start.Environment["CPL_VSIL_CURL_ALLOWED_EXTENSIONS"] = ".none";
        start.Environment["GDAL_DISABLE_READDIR_ON_OPEN"] = "EMPTY_DIR";
        start.Environment["OGR_SQLITE_LOAD_EXTENSIONS"] = "";
        start.Environment["GDAL_DATA"] = "/usr/share/gdal";
        start.Environment["PROJ_NETWORK"] = "OFF";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start; is gdal-bin installed?");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeLimit);
        var output = new MemoryStream();
        var copy = CopyCappedAsync(process.StandardOutput.BaseStream, output, limit.Token);
        var errors = process.StandardError.ReadToEndAsync(limit.Token);
        try
        {
            await process.WaitForExitAsync(limit.Token);
            await copy;
            await errors;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw SurveyUnreadableException.Because($"Reading the file took longer than {TimeLimit.TotalSeconds:0} s; it is refused.");
        }
        catch (InvalidDataException)
        {
            process.Kill(entireProcessTree: true);
            throw SurveyUnreadableException.Because($"The file converts to more than {MaxOutputBytes / (1024 * 1024)} MiB of geometry; a survey holds far less.");
        }

        if (process.ExitCode != 0 || output.Length == 0)
        {
            // GDAL's own words may quote the file or what it points at: never passed on.
            throw SurveyUnreadableException.Because("GDAL could not read the file as the format its name says; check that it is a valid file of that format.");
        }

        return output.ToArray();
    }

    private static async Task CopyCappedAsync(Stream from, MemoryStream to, CancellationToken ct)
    {
        var buffer = new byte[81920];
        int read;
        while ((read = await from.ReadAsync(buffer, ct)) > 0)
        {
            if (to.Length + read > MaxOutputBytes)
            {
                throw new InvalidDataException("output cap");
            }

            to.Write(buffer, 0, read);
        }
    }

    /// <summary>Every driver this GDAL has (ogrinfo --formats); none listed means GDAL is not usable, and uploads are refused.</summary>
    private static IReadOnlyList<string> ListDrivers()
    {
        var start = new ProcessStartInfo("ogrinfo") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--formats");
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/bin:/bin";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("ogrinfo did not start; is gdal-bin installed?");
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var drivers = text.Split('\n')
            .Select(line => System.Text.RegularExpressions.Regex.Match(line, @"^  (.+?) -[a-z]"))
            .Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        return drivers.Count > 0 ? drivers : throw new InvalidOperationException("ogrinfo --formats listed no drivers; GDAL is not usable.");
    }

    /// <summary>The strongest wrapper this machine runs: a network namespace, nobody when root, resource limits.</summary>
    private static string[] ProbeConfinement()
    {
        var limits = new[] { "prlimit", $"--as={MemoryBytes}", "--cpu=30", $"--fsize={MaxOutputBytes}", "--nofile=64", "--" };
        var candidates = new List<string[]>();
        if (RunningAsRoot)
        {
            candidates.Add(["unshare", "--net", "--", "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--no-new-privs", "--", .. limits]);
        }

        candidates.Add(["unshare", "--user", "--net", "--", .. limits]);
        candidates.Add(limits);
        foreach (var candidate in candidates)
        {
            if (Works(candidate))
            {
                return candidate;
            }
        }

        return [];
    }

    private static bool Works(string[] wrapper)
    {
        try
        {
            var start = new ProcessStartInfo(wrapper[0]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var part in wrapper.Skip(1))
            {
                start.ArgumentList.Add(part);
            }

            start.ArgumentList.Add("true");
            using var process = Process.Start(start);
            if (process is null || !process.WaitForExit(5000))
            {
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
