using PdnColorize.Core.Detail;

namespace PdnColorize.Core.Model;

/// <summary>
/// What the pipeline needs of a colouriser, owned by Core so the pipeline is tested with fakes and stays ignorant
/// of ONNX Runtime. Input: N gray sRGB images, NCHW with 3 equal channels in [0,1]. Output: NCHW Lab a, b.
/// </summary>
public interface IChromaModel
{
    /// <summary>A short human description: model id, device, precision.</summary>
    string Description { get; }

    /// <summary>The size S the global pass runs at (the long side when sizes are dynamic).</summary>
    int PreferredSize { get; }

    /// <summary>True when any multiple-of-32 height and width are accepted; otherwise only S x S.</summary>
    bool DynamicSize { get; }

    /// <summary>What happened to the engine that the user should hear of (fell back to FP32 or to the CPU); newest last.</summary>
    IReadOnlyList<string> Notes => [];

    /// <summary>What the model's device can run for the detail pass (tile size, batch); the CPU default unless overridden.</summary>
    IDetailCapacity Capacity => CpuDetailCapacity.Default;

    /// <summary>
    /// True when a run whose input shape (batch, height, width) differs from the previous run's pays a set-up of its
    /// own: ONNX Runtime's CUDA convolutions (H200, embedded model: 2.3 ms a run at one shape, 378 ms right after
    /// another shape). The pipeline then runs a tiled job at one shape where it can (<see cref="Pipeline.GlobalCanvas"/>). False
    /// on the CPU, where a run costs what its pixels cost.
    /// </summary>
    bool ShapeChangesCost => false;

    /// <summary>
    /// The batch one engine run carries when <see cref="Predict"/> is asked for <paramref name="batch"/> images: 1 for
    /// a model exported with its batch fixed to 1 (it batches by repeated runs), otherwise <paramref name="batch"/>.
    /// </summary>
    int RunBatch(int batch) => batch;

    void Predict(float[] gray, int batch, int height, int width, Span<float> ab, CancellationToken cancellation);

    /// <summary>
    /// The job is done: give back device memory held only for running (a GPU arena's activations), keeping what the
    /// next job needs at once (weights, the session). A host that stays open between jobs (Paint.NET) calls it.
    /// </summary>
    void ReleaseWorkingMemory() { }
}
