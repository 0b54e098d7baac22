using Npgsql;

namespace Landplatform.GisServer.Tests;

public sealed class PlatformDatabaseTests
{
    [Theory]
    [InlineData("Host=127.0.0.1;Database=lp", 64 * 1024)]
    [InlineData("Host=127.0.0.1;Database=lp;Read Buffer Size=16384", 16384)]
    [InlineData("Host=127.0.0.1;Database=lp;ReadBufferSize=16384", 16384)]
    [InlineData("Host=127.0.0.1;Database=lp;readbuffersize=8192", 8192)]
    public async Task Feature_pages_read_with_a_64_KiB_buffer_unless_the_connection_string_names_one(string connectionString, int expected)
    {
        await using var source = PlatformDatabase.Open(connectionString);
        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(source.ConnectionString).ReadBufferSize);
    }
}
