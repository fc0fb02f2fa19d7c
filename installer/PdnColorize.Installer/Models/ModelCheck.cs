using PdnColorize.Engines;
using PdnColorize.Engines.Descriptors;

namespace PdnColorize.Installer.Models;

/// <summary>What a model passed: its descriptor, its size policy, and what the smoke inference gave.</summary>
public sealed record CheckedModel(ModelDescriptor Descriptor, int? FixedSize, string Summary);

/// <summary>
/// The gate every model passes before it is installed or called intact: its descriptor is resolved and the adapted
/// graph opened the way the plugin opens it (the I/O contract), then one smoke inference on a gray test pattern
/// must give finite, varying a,b. A model that outputs NaN/Inf, or the same colour whatever it is shown, is refused:
/// it would load and then colour nothing (or crash the NaN guard's fallback on every photo).
/// </summary>
public static class ModelCheck
{
    /// <summary>Below this spread (in Lab units) over a pattern from black to white the output counts as constant.</summary>
    public const float ConstantSpread = 1e-3f;

    /// <param name="workDirectory">Where the adapted graph is written for the check (deleted afterwards).</param>
    public static CheckedModel Run(string onnx, ModelManifest manifest, string workDirectory)
    {
        var plan = ContractAdapter.Plan(onnx, manifest);
        string contract = onnx;
        string? temp = null;
        try
        {
            if (plan.NeedsRewrite)
            {
                Directory.CreateDirectory(workDirectory);
                temp = Path.Combine(workDirectory, $".check-{Guid.NewGuid():N}.onnx");
                ContractAdapter.WriteFile(onnx, plan, temp);
                contract = temp;
            }
            using var session = ChromaSession.OpenCpu(contract, intraOpThreads: 1);
            var sig = session.Signature;
            int size = sig.FixedSize ?? Math.Max(64, ((manifest.MinSize ?? 64) + 31) / 32 * 32);
            int batch = sig.FixedBatch ?? 1;
            var input = Pattern(size, batch);
            var output = new float[batch * 2 * size * size];
            session.Run(input, batch, size, size, output);

            int nonFinite = output.Count(v => !float.IsFinite(v));
            if (nonFinite > 0)
                throw new ModelContractException(
                    $"the smoke inference of '{Path.GetFileName(onnx)}' ({plan.Descriptor}, {size}x{size}) gave {nonFinite} of {output.Length} " +
                    "values that are NaN or infinite: the model is broken (or exported wrongly) and was not installed.");
            // Constant: a and b each the same everywhere (a colour image out of one colour gives exactly that).
            int plane = size * size;
            var a = Spread(output, batch, plane, 0);
            var b = Spread(output, batch, plane, 1);
            if (a.Max - a.Min < ConstantSpread && b.Max - b.Min < ConstantSpread)
                throw new ModelContractException(
                    $"the smoke inference of '{Path.GetFileName(onnx)}' ({plan.Descriptor}, {size}x{size}) gave the same a,b ({a.Min:G4}, {b.Min:G4}) " +
                    "for every pixel of a pattern from black to white: the model ignores its input and was not installed.");
            float min = Math.Min(a.Min, b.Min), max = Math.Max(a.Max, b.Max);
            return new CheckedModel(plan.Descriptor, sig.FixedSize, $"{plan.Descriptor}, smoke run at {size}px gave a,b in [{min:F1}, {max:F1}]");
        }
        finally
        {
            if (temp is not null) File.Delete(temp);
        }
    }

    private static (float Min, float Max) Spread(float[] ab, int batch, int plane, int channel)
    {
        float min = float.MaxValue, max = float.MinValue;
        for (int n = 0; n < batch; n++)
            foreach (float v in ab.AsSpan((n * 2 + channel) * plane, plane))
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
        return (min, max);
    }

    /// <summary>Gray sRGB 0..1 in three equal planes: a diagonal ramp from black to white with a bright square on it.</summary>
    private static float[] Pattern(int size, int batch)
    {
        int plane = size * size;
        var data = new float[batch * 3 * plane];
        for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
        {
            float v = (x + y) / (2f * (size - 1));
            if (x > size / 4 && x < size / 2 && y > size / 4 && y < size / 2) v = 0.9f;
            for (int n = 0; n < batch; n++)
            for (int c = 0; c < 3; c++)
                data[(n * 3 + c) * plane + y * size + x] = v;
        }
        return data;
    }
}
