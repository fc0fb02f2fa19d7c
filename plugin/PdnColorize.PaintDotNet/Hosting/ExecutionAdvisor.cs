using PdnColorize.Engines;

namespace PdnColorize.PaintDotNet.Hosting;

/// <summary>Where a run will go and why; <see cref="Reason"/> is empty when nothing was given up.</summary>
public sealed record ExecutionPlan(string Device, PrecisionChoice Precision, string Reason)
{
    public bool OnGpu => Device != "CPU";

    public string Describe() => $"Runs on {Device} at {Precision}" + (Reason.Length > 0 ? $" ({Reason})" : "");
}

/// <summary>
/// Decides device and precision from the user's choices. Small on purpose: the engines' execution-provider ladder
/// will replace <see cref="ProbeExecutionAdvisor"/> without the effect changing.
/// </summary>
public interface IExecutionAdvisor
{
    ExecutionPlan Plan(DeviceChoice device, PrecisionChoice precision);
}

/// <summary>
/// Probes ONNX Runtime's providers once for the dialog's "Runs on" line; the engines' ladder, which opens the
/// session, has the last word and falls back with a reason when a provider fails to start.
/// </summary>
public sealed class ProbeExecutionAdvisor(Func<IReadOnlyList<ProviderStatus>> probe, bool loaderRunsOnGpu = false, bool loaderRunsInt8 = false)
    : IExecutionAdvisor
{
    private readonly Lazy<(IReadOnlyList<ProviderStatus> Providers, string? Failure)> _probed = new(() =>
    {
        try { return (probe(), null); }
        catch (Exception e) { return (Array.Empty<ProviderStatus>(), ErrorPolicy.Describe(e)); }
    });

    public static ProbeExecutionAdvisor CreateDefault() => new(() =>
    {
        NativeRuntime.EnsureLoaded();
        return EngineInfo.ProbeProviders();
    }, loaderRunsOnGpu: true, loaderRunsInt8: true);

    public ExecutionPlan Plan(DeviceChoice device, PrecisionChoice precision)
    {
        var notes = new List<string>();
        string? gpu = null;
        if (device != DeviceChoice.CPU)
        {
            var (providers, failure) = _probed.Value;
            var gpus = providers.Where(p => p.Name != "CPU").ToList();
            if (failure is not null) notes.Add(failure);
            else if (gpus.FirstOrDefault(p => p.Usable) is { } usable)
            {
                if (loaderRunsOnGpu) gpu = usable.Name;
                else notes.Add($"{usable.Name} is available, but this version runs the model on the CPU only");
            }
            else if (gpus.Count > 0)
                notes.Add("GPU not usable: " + string.Join("; ", gpus.Select(p => $"{p.Name}: {p.Detail}")));
        }
        else notes.Add("CPU chosen");

        var chosen = precision;
        if (chosen == PrecisionChoice.INT8 && !loaderRunsInt8)
        {
            notes.Add("INT8 needs a quantised model, which is not available yet");
            chosen = PrecisionChoice.Auto;
        }
        if (gpu is null && chosen == PrecisionChoice.FP16)
        {
            notes.Add("FP16 runs on a GPU only");
            chosen = PrecisionChoice.FP32;
        }
        if (chosen == PrecisionChoice.Auto) chosen = gpu is null ? PrecisionChoice.FP32 : PrecisionChoice.FP16;
        return new ExecutionPlan(gpu ?? "CPU", chosen, string.Join("; ", notes));
    }
}
