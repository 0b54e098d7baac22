namespace Landplatform.DataSamples;

/// <summary>SplitMix64 stream; every random decision in the fabric is drawn from one of these.</summary>
internal sealed class SeededRandom
{
    private ulong state;

    public SeededRandom(ulong seed)
    {
        state = seed;
    }

    /// <summary>A stream keyed by the run seed and a tuple of indices, so a cell's plan never depends on visiting order.</summary>
    public static SeededRandom For(ulong seed, long a, long b = 0, long c = 0, long d = 0, long e = 0)
    {
        return new SeededRandom(Key(seed, a, b, c, d, e));
    }

    public static ulong Key(ulong seed, long a, long b = 0, long c = 0, long d = 0, long e = 0)
    {
        var h = Mix(seed ^ 0x5EED_1979_0027_1979UL);
        h = Mix(h ^ (ulong)a);
        h = Mix(h ^ (ulong)b);
        h = Mix(h ^ (ulong)c);
        h = Mix(h ^ (ulong)d);
        return Mix(h ^ (ulong)e);
    }

    public static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        state += 0x9E3779B97F4A7C15UL;
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public double Range(double low, double high) => low + ((high - low) * NextDouble());

    /// <summary>Uniform integer in [0, count).</summary>
    public int Below(int count) => (int)((NextUInt64() >> 1) % (ulong)count);

    /// <summary>Uniform integer in [low, high].</summary>
    public int Between(int low, int high) => low + Below(high - low + 1);

    public bool Chance(double probability) => NextDouble() < probability;

    public T Pick<T>(IReadOnlyList<T> items) => items[Below(items.Count)];

    /// <summary>Index drawn in proportion to the weights.</summary>
    public int Weighted(ReadOnlySpan<double> weights)
    {
        var total = 0.0;
        foreach (var w in weights)
        {
            total += w;
        }

        var target = NextDouble() * total;
        for (var i = 0; i < weights.Length; i++)
        {
            target -= weights[i];
            if (target < 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }
}
