using PdnColorize.Engines;

namespace PdnColorize.Core.Model;

/// <summary>An <see cref="IChromaModel"/> over an Engines session and the model's manifest.</summary>
public sealed class OnnxChromaModel : IChromaModel
{
    private readonly ChromaSession _session;

    public OnnxChromaModel(ChromaSession session, ModelManifest manifest, int? sizeOverride = null)
    {
        _session = session;
        Manifest = manifest;
        PreferredSize = session.Signature.ResolveSize(sizeOverride ?? manifest.InputSize);
    }

    public ModelManifest Manifest { get; }
    public string Description => $"{Manifest.Id} on {_session.ExecutionProvider} (FP32, {PreferredSize}px)";
    public int PreferredSize { get; }
    public bool DynamicSize => _session.Signature.DynamicSize;
    public string ExecutionProvider => _session.ExecutionProvider;

    /// <summary>Resolves a model (null = the embedded default) and opens it through the shared session cache.</summary>
    public static OnnxChromaModel Load(string? idOrPath, int? sizeOverride = null, ModelStore? store = null)
    {
        var entry = (store ?? ModelStore.Default()).Resolve(idOrPath);
        var session = SessionCache.Shared.GetCpu(entry.ModelPath);
        return new OnnxChromaModel(session, entry.Manifest, sizeOverride);
    }

    public void Predict(float[] gray, int batch, int height, int width, Span<float> ab, CancellationToken cancellation)
    {
        if (_session.Signature.FixedBatch is 1 && batch > 1)
        {
            // Batch by repeated runs: the model was exported with N fixed to 1.
            long inPlane = 3L * height * width, outPlane = 2L * height * width;
            var one = new float[inPlane];
            for (int n = 0; n < batch; n++)
            {
                Array.Copy(gray, n * inPlane, one, 0, inPlane);
                _session.Run(one, 1, height, width, ab.Slice((int)(n * outPlane), (int)outPlane), cancellation);
            }
            return;
        }
        _session.Run(gray, batch, height, width, ab, cancellation);
    }
}
