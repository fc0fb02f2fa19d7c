using System.Text.Json;

namespace PdnColorize.Engines.Gpu;

/// <summary>
/// GPU memory of a (model, precision, provider) as a function of the work: peak = Base + K * N * S², in MiB, fitted
/// from two short probe runs. Activations grow with pixels (N * S²); weights, context and workspace do not.
/// <see cref="Measured"/> work (the probes that ran) is answered with what it measured, not the line.
/// </summary>
public sealed record MemoryModel(double BaseMiB, double MiBPerMegapixel, IReadOnlyList<ProbeReading>? Measured = null)
{
    public double PredictMiB(int batch, int size) =>
        Measured?.FirstOrDefault(m => m.Batch == batch && m.Size == size)?.PeakMiB
        ?? BaseMiB + MiBPerMegapixel * batch * (double)size * size / 1e6;

    /// <summary>The same model with <paramref name="mib"/> more held throughout (buffers that outlive a run, e.g. CUDA graphs').</summary>
    public MemoryModel WithHeld(double mib) => mib <= 0 ? this
        : new MemoryModel(BaseMiB + mib, MiBPerMegapixel, Measured?.Select(m => m with { PeakMiB = m.PeakMiB + mib }).ToList());

    /// <summary>The line through two measured (batch, size, peak MiB) points.</summary>
    public static MemoryModel Fit((int Batch, int Size, double PeakMiB) a, (int Batch, int Size, double PeakMiB) b)
    {
        double pa = a.Batch * (double)a.Size * a.Size / 1e6, pb = b.Batch * (double)b.Size * b.Size / 1e6;
        if (Math.Abs(pb - pa) < 1e-9) throw new ArgumentException("probe points need different pixel counts");
        double k = Math.Max(0, (b.PeakMiB - a.PeakMiB) / (pb - pa));
        return new MemoryModel(Math.Max(0, a.PeakMiB - k * pa), k);
    }

    public string ToJson() => JsonSerializer.Serialize(this, EnginesJson.Default.MemoryModel);
    public static MemoryModel? FromJson(string json)
    {
        try { return JsonSerializer.Deserialize(json, EnginesJson.Default.MemoryModel); }
        catch (JsonException) { return null; }
    }
}

/// <summary>The planner's decision.</summary>
public sealed record VramPlan(bool UseGpu, int Size, int Batch, double PredictedMiB, double BudgetMiB, string Reason);

/// <summary>
/// Chooses tile size S and batch N so predicted peak stays under budget = min(user cap, 0.8 x free). It prefers the
/// largest tile (fewer seams, more context), then the largest batch; when even the smallest tile at batch 1 does
/// not fit it falls back to the CPU instead of failing.
/// </summary>
public static class VramPlanner
{
    public const double FreeFraction = 0.8;

    public static double Budget(double freeMiB, double? userCapMiB) =>
        Math.Min(userCapMiB ?? double.MaxValue, FreeFraction * Math.Max(0, freeMiB));

    public static VramPlan Plan(MemoryModel model, double freeMiB, double? userCapMiB, IReadOnlyList<int> sizes, int maxBatch)
    {
        if (sizes.Count == 0) throw new ArgumentException("no candidate sizes");
        double budget = Budget(freeMiB, userCapMiB);
        foreach (int size in sizes.OrderDescending())
            for (int batch = Math.Max(1, maxBatch); batch >= 1; batch--)
            {
                double need = model.PredictMiB(batch, size);
                if (need <= budget)
                    return new VramPlan(true, size, batch, need, budget, $"{batch} x {size}px tiles fit: {need:F0} of {budget:F0} MiB");
            }
        int smallest = sizes.Min();
        double least = model.PredictMiB(1, smallest);
        return new VramPlan(false, smallest, 1, least, budget,
            $"the GPU has too little free memory ({least:F0} MiB needed for one {smallest}px tile, budget {budget:F0} MiB): using the CPU");
    }
}
