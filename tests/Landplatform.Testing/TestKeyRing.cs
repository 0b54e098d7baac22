using System.Security.Cryptography;

namespace Landplatform.Testing;

/// <summary>A key ring folder and a random master key for one test host (and the instances that share its ring).</summary>
public sealed class TestKeyRing : IDisposable
{
    private TestKeyRing(string path, string masterKey)
    {
        Path = path;
        MasterKey = masterKey;
    }

    public string Path { get; }

    /// <summary>The master key, base64, given as DataProtection:MasterKey.</summary>
    public string MasterKey { get; }

    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["DataProtection:KeyRingPath"] = Path,
        ["DataProtection:MasterKey"] = MasterKey,
    };

    public static TestKeyRing Create() =>
        new(System.IO.Path.Combine(Directory.CreateTempSubdirectory("lp-key-ring-").FullName, "ring"), NewMasterKey());

    public static string NewMasterKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public void Dispose()
    {
        var parent = System.IO.Path.GetDirectoryName(Path)!;
        if (Directory.Exists(parent))
        {
            Directory.Delete(parent, recursive: true);
        }
    }
}
