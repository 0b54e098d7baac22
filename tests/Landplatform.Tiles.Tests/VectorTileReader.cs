namespace Landplatform.Tiles.Tests;

/// <summary>A feature of a decoded Mapbox Vector Tile: its attributes and its rings (tile units, 0..extent).</summary>
public sealed record TileFeature(int Type, IReadOnlyDictionary<string, object> Attributes, IReadOnlyList<IReadOnlyList<(int X, int Y)>> Rings)
{
    public string? Text(string key) => Attributes.TryGetValue(key, out var v) ? v as string : null;
}

/// <summary>A layer of a decoded tile.</summary>
public sealed record TileLayerContent(string Name, int Extent, IReadOnlyList<TileFeature> Features);

/// <summary>
/// Decodes Mapbox Vector Tile 2.1 protobuf (tile → layers → features with tags and command-encoded
/// geometry), written from the specification so the tests do not trust the server's own encoder.
/// </summary>
public static class VectorTileReader
{
    public static IReadOnlyList<TileLayerContent> Read(byte[] data)
    {
        var layers = new List<TileLayerContent>();
        var reader = new Protobuf(data);
        while (reader.Next(out var field, out var wire))
        {
            if (field == 3 && wire == 2)
            {
                layers.Add(ReadLayer(reader.Bytes()));
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return layers;
    }

    private static TileLayerContent ReadLayer(byte[] data)
    {
        var reader = new Protobuf(data);
        string name = string.Empty;
        var extent = 4096;
        var keys = new List<string>();
        var values = new List<object>();
        var rawFeatures = new List<byte[]>();
        while (reader.Next(out var field, out var wire))
        {
            switch (field)
            {
                case 1: name = System.Text.Encoding.UTF8.GetString(reader.Bytes()); break;
                case 2: rawFeatures.Add(reader.Bytes()); break;
                case 3: keys.Add(System.Text.Encoding.UTF8.GetString(reader.Bytes())); break;
                case 4: values.Add(ReadValue(reader.Bytes())); break;
                case 5: extent = (int)reader.Varint(); break;
                default: reader.Skip(wire); break;
            }
        }

        return new TileLayerContent(name, extent, rawFeatures.Select(f => ReadFeature(f, keys, values)).ToList());
    }

    private static object ReadValue(byte[] data)
    {
        var reader = new Protobuf(data);
        object value = string.Empty;
        while (reader.Next(out var field, out var wire))
        {
            value = field switch
            {
                1 => System.Text.Encoding.UTF8.GetString(reader.Bytes()),
                2 => BitConverter.ToSingle(reader.Fixed(4)),
                3 => BitConverter.ToDouble(reader.Fixed(8)),
                4 => (long)reader.Varint(),
                5 => (long)reader.Varint(),
                6 => ZigZag(reader.Varint()),
                7 => reader.Varint() != 0,
                _ => Skip(reader, wire),
            };
        }

        return value;
    }

    private static object Skip(Protobuf reader, int wire)
    {
        reader.Skip(wire);
        return string.Empty;
    }

    private static TileFeature ReadFeature(byte[] data, List<string> keys, List<object> values)
    {
        var reader = new Protobuf(data);
        var tags = new List<uint>();
        var geometry = new List<uint>();
        var type = 0;
        while (reader.Next(out var field, out var wire))
        {
            switch (field)
            {
                case 2: tags.AddRange(reader.Packed()); break;
                case 3: type = (int)reader.Varint(); break;
                case 4: geometry.AddRange(reader.Packed()); break;
                default: reader.Skip(wire); break;
            }
        }

        var attributes = new Dictionary<string, object>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < tags.Count; i += 2)
        {
            attributes[keys[(int)tags[i]]] = values[(int)tags[i + 1]];
        }

        var rings = new List<IReadOnlyList<(int, int)>>();
        List<(int, int)>? ring = null;
        int x = 0, y = 0, at = 0;
        while (at < geometry.Count)
        {
            var command = geometry[at] & 7;
            var count = (int)(geometry[at++] >> 3);
            if (command == 7)
            {
                continue;
            }

            for (var n = 0; n < count; n++)
            {
                x += (int)ZigZag(geometry[at++]);
                y += (int)ZigZag(geometry[at++]);
                if (command == 1)
                {
                    ring = [];
                    rings.Add(ring);
                }

                ring!.Add((x, y));
            }
        }

        return new TileFeature(type, attributes, rings);
    }

    private static long ZigZag(ulong n) => (long)(n >> 1) ^ -(long)(n & 1);

    private sealed class Protobuf(byte[] data)
    {
        private int position;

        private bool AtEnd => position >= data.Length;

        public bool Next(out int field, out int wire)
        {
            field = wire = 0;
            if (position >= data.Length)
            {
                return false;
            }

            var key = Varint();
            field = (int)(key >> 3);
            wire = (int)(key & 7);
            return true;
        }

        public ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = data[position++];
                result |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return result;
                }
            }
        }

        public byte[] Bytes()
        {
            var length = (int)Varint();
            var bytes = data[position..(position + length)];
            position += length;
            return bytes;
        }

        public byte[] Fixed(int length)
        {
            var bytes = data[position..(position + length)];
            position += length;
            return bytes;
        }

        public IEnumerable<uint> Packed()
        {
            var inner = new Protobuf(Bytes());
            var list = new List<uint>();
            while (!inner.AtEnd)
            {
                list.Add((uint)inner.Varint());
            }

            return list;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0: Varint(); break;
                case 1: position += 8; break;
                case 2: position += (int)Varint(); break;
                case 5: position += 4; break;
                default: throw new InvalidDataException($"Unknown wire type {wire}");
            }
        }
    }
}
