namespace PdnColorize.Engines.Providers;

/// <summary>
/// Remembers (model, precision, provider) combinations that produced NaN or infinity, so later runs go straight to
/// FP32 instead of failing and rerunning every time.
/// </summary>
public sealed class UnsafePrecisions(string file)
{
    private readonly RememberedKeys _keys = new(file);

    public static string Key(string modelSha, Precision precision, ProviderKind provider) => $"{modelSha}|{precision}|{provider}";

    public bool IsUnsafe(string modelSha, Precision precision, ProviderKind provider) => _keys.Contains(Key(modelSha, precision, provider));

    public void MarkUnsafe(string modelSha, Precision precision, ProviderKind provider) => _keys.Add(Key(modelSha, precision, provider));
}
