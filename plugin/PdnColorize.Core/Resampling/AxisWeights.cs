namespace PdnColorize.Core.Resampling;

/// <summary>
/// Area (box) resampling along one axis as a sparse list of (source index, target index, weight): each target cell
/// averages the source pixels its footprint overlaps, weighted by overlap, so the weights of a target sum to 1.
/// Works in both directions; shrinking a 6000-pixel side to 256 gives ~6256 terms.
/// </summary>
public sealed class AxisWeights
{
    public AxisWeights(int sourceLength, int targetLength)
    {
        if (sourceLength <= 0 || targetLength <= 0) throw new ArgumentOutOfRangeException(nameof(sourceLength));
        SourceLength = sourceLength;
        TargetLength = targetLength;
        var src = new List<int>(sourceLength + targetLength);
        var dst = new List<int>(sourceLength + targetLength);
        var w = new List<float>(sourceLength + targetLength);
        double scale = (double)sourceLength / targetLength; // source pixels per target cell
        for (int t = 0; t < targetLength; t++)
        {
            double start = t * scale, end = (t + 1) * scale;
            int s0 = (int)Math.Floor(start), s1 = Math.Min(sourceLength, (int)Math.Ceiling(end));
            for (int s = s0; s < s1; s++)
            {
                double overlap = Math.Min(end, s + 1) - Math.Max(start, s);
                if (overlap <= 1e-12) continue;
                src.Add(s); dst.Add(t); w.Add((float)(overlap / scale));
            }
        }
        Source = src.ToArray(); Target = dst.ToArray(); Weight = w.ToArray();
        // First term of each source index, so a streamed source row finds its terms without searching.
        FirstTermOfSource = new int[sourceLength + 1];
        Array.Fill(FirstTermOfSource, -1);
        for (int k = Source.Length - 1; k >= 0; k--) FirstTermOfSource[Source[k]] = k;
    }

    public int SourceLength { get; }
    public int TargetLength { get; }
    public int[] Source { get; }
    public int[] Target { get; }
    public float[] Weight { get; }
    internal int[] FirstTermOfSource { get; }

    /// <summary>Resamples one line: target[t] = sum of weight * source[s].</summary>
    public void Apply(ReadOnlySpan<float> source, Span<float> target)
    {
        // Terms are ordered by target, so each sum lives in a register and is stored once.
        var s = Source; var t = Target; var w = Weight;
        target[..TargetLength].Clear();
        int current = t[0];
        float sum = 0;
        for (int k = 0; k < s.Length; k++)
        {
            int tk = t[k];
            if (tk != current) { target[current] = sum; sum = 0; current = tk; }
            sum += w[k] * source[s[k]];
        }
        target[current] = sum;
    }

    /// <summary>The terms that read source index <paramref name="sourceIndex"/>, as a range into the arrays.</summary>
    public Range TermsOf(int sourceIndex)
    {
        int first = FirstTermOfSource[sourceIndex];
        if (first < 0) return 0..0;
        int end = first;
        while (end < Source.Length && Source[end] == sourceIndex) end++;
        return first..end;
    }
}
