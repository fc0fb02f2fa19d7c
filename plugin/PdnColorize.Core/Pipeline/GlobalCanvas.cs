using PdnColorize.Core.Detail;
using PdnColorize.Core.Model;

namespace PdnColorize.Core.Pipeline;

/// <summary>Which input shape the global pass runs at when the detail pass tiles (docs/architecture.md, steps 4-5).</summary>
public enum GlobalPassShape
{
    /// <summary>
    /// One shape where a change of shape costs a set-up (<see cref="IChromaModel.ShapeChangesCost"/>: GPU engines) and
    /// it needs no padding: a fixed-size model's global grid already has the tiles' height and width (S x S), and a
    /// dynamic model's tiles take the global grid's shape (<see cref="GlobalGrid"/>), so only the batch is filled and
    /// the global pass's colours cannot change. Its own shape elsewhere: on the CPU, and where the grid would have to
    /// be padded, because padding changed the embedded model's colours (CPU, six 2560x1600 photos: drift 0.10 -> 2.27
    /// ΔE2000 mean, 5.64 worst, against the target of 2; docs/performance.md).
    /// </summary>
    Auto,

    /// <summary>Its own grid (the region's aspect, long side S; S x S for a fixed-size model) at batch 1.</summary>
    Own,

    /// <summary>The tiles' shape on any device, the grid padded to it where smaller: one shape for dynamic models too
    /// (faster on a GPU, other colours); opt-in, and the CPU's way to measure what the padding changes.</summary>
    Tiles,

    /// <summary>
    /// A dynamic model's detail tiles take the global grid's shape (the region's aspect, long side S) and the global
    /// pass fills their batch, on any device: one shape without padding. What <see cref="Auto"/> does on a GPU when
    /// the device's tiles are at least that large; on the CPU, the way to measure what the tiles' shape changes.
    /// </summary>
    GlobalGrid,
}

/// <summary>
/// The global pass run at the detail tiles' input shape, so that a tiled job on a GPU runs the model at one shape
/// (B x 3 x H x W) from the first tile to the last photo of a batch: ONNX Runtime's CUDA EP sets its convolutions up
/// again for every new input shape (H200, embedded model: 378 ms for a run right after another shape against 2.3 ms;
/// docs/performance.md), and a tiled job would otherwise switch between its global grid at batch 1 and its tiles
/// twice per photo (H200, DDColor-tiny: 2.9 s for a batch of 8 tiles right after a global pass at batch 1). The global
/// grid (gw x gh) is placed at the canvas's top-left corner, so the model's stride lattice stays where it was on the
/// grid, the rest of the canvas is mirrored, the batch is filled with copies of it, and only the real region of the
/// first output is kept. Mirroring (without repeating the last row and column) continues the photo with its own
/// content, so the canvas holds about the same mix of tones; repeated edges add a band of streaks that the model
/// colours as one more region (drift against the unpadded pass, CPU, six 2560x1600 photos: 2.27 ΔE2000 mirrored,
/// 2.87 repeated in a 256 x 256 canvas; docs/performance.md). Images of a batch are independent, so where no padding is needed the
/// result is the unpadded pass's, up to the rounding of another batch size's kernels (<see cref="GlobalPassShape.Auto"/>
/// keeps to that).
/// <para>
/// Memory: the run is exactly one tile batch (same B, H, W), which the VRAM planner (<see cref="VramDetailCapacity"/>:
/// base + k * B * S^2 under the budget) has already admitted for the tiles, so it asks for nothing more on the GPU.
/// </para>
/// </summary>
/// <param name="Width">The canvas, the tiles' input width.</param>
/// <param name="Height">The canvas, the tiles' input height.</param>
/// <param name="Batch">Images per run: the tiles' batch as one engine run carries it (<see cref="IChromaModel.RunBatch"/>).</param>
/// <param name="GridWidth">The global grid placed in the canvas.</param>
/// <param name="GridHeight">The global grid placed in the canvas.</param>
public sealed record GlobalCanvas(int Width, int Height, int Batch, int GridWidth, int GridHeight)
{
    /// <summary>
    /// The shape a dynamic model's detail tiles take for this job: the global grid's, where
    /// <see cref="TilesTakeGlobalGrid"/> says so and the grid is no longer than 2:1 (a panorama's or a tall selection's
    /// tiles would see too little across); null = the device's square tiles.
    /// </summary>
    public static (int Width, int Height)? TileShape(GlobalPassShape shape, IChromaModel model, (int Width, int Height) globalGrid) =>
        TilesTakeGlobalGrid(shape, model) && 2 * Math.Min(globalGrid.Width, globalGrid.Height) >= Math.Max(globalGrid.Width, globalGrid.Height)
            ? globalGrid
            : null;

    /// <summary>
    /// Whether a dynamic model's detail tiles should take the global grid's shape for this job (<see cref="GlobalGrid"/>,
    /// or <see cref="GlobalPassShape.Auto"/> where shape changes cost). The planner still checks that the device's
    /// tiles are at least that large, so the batch it admitted fits.
    /// </summary>
    public static bool TilesTakeGlobalGrid(GlobalPassShape shape, IChromaModel model) =>
        model.DynamicSize && (shape == GlobalPassShape.GlobalGrid || (shape == GlobalPassShape.Auto && model.ShapeChangesCost));

    /// <summary>
    /// The canvas for a global grid when the job tiles with <paramref name="plan"/> and <paramref name="shape"/> asks
    /// for the tiles' shape (<see cref="GlobalPassShape"/> says when); null when the global pass runs at its own shape:
    /// no tiles, the CPU, padding that Auto does not do, a grid larger than the tiles' input (it cannot be placed),
    /// or a canvas that would be the global grid at batch 1 anyway (a fixed-size model whose batch is 1).
    /// </summary>
    public static GlobalCanvas? For(GlobalPassShape shape, DetailPlan? plan, int gridWidth, int gridHeight, IChromaModel model)
    {
        if (gridWidth < 1 || gridHeight < 1) throw new ArgumentOutOfRangeException(nameof(gridWidth), $"the global grid {gridWidth}x{gridHeight} is empty");
        if (plan is null || shape == GlobalPassShape.Own) return null;
        bool sameSize = gridWidth == plan.InputWidth && gridHeight == plan.InputHeight;
        if (shape == GlobalPassShape.Auto && !(model.ShapeChangesCost && sameSize)) return null;
        if (shape == GlobalPassShape.GlobalGrid && !sameSize) return null; // the tiles could not take the grid's shape
        if (gridWidth > plan.InputWidth || gridHeight > plan.InputHeight) return null;
        int batch = Math.Max(1, model.RunBatch(plan.Batch));
        if (batch == 1 && sameSize) return null;
        return new GlobalCanvas(plan.InputWidth, plan.InputHeight, batch, gridWidth, gridHeight);
    }

    /// <summary>True when the canvas is larger than the grid (the model sees padding; its colours may change).</summary>
    public bool Padded => Width != GridWidth || Height != GridHeight;

    /// <summary>The model input: <see cref="Batch"/> copies of the padded canvas, three equal planes each.</summary>
    /// <param name="gray">The global grid's gray sRGB plane, <see cref="GridWidth"/> x <see cref="GridHeight"/>.</param>
    public float[] Input(ReadOnlySpan<float> gray)
    {
        int gw = GridWidth, gh = GridHeight, plane = Width * Height;
        if (gray.Length != gw * gh) throw new ArgumentException($"the gray plane holds {gray.Length} cells; the {gw}x{gh} grid needs {gw * gh}");
        var input = new float[(long)Batch * 3 * plane];
        var first = input.AsSpan(0, plane);
        var columns = new int[Width];
        for (int x = 0; x < Width; x++) columns[x] = Source(x, gw);
        for (int y = 0; y < Height; y++)
        {
            var src = gray.Slice(Source(y, gh) * gw, gw);
            var dst = first.Slice(y * Width, Width);
            src.CopyTo(dst);
            for (int x = gw; x < Width; x++) dst[x] = src[columns[x]];
        }
        for (int copy = 1; copy < 3 * Batch; copy++) first.CopyTo(input.AsSpan(copy * plane, plane));
        return input;
    }

    /// <summary>The real region of the first image of <paramref name="output"/> (Batch x 2 x Height x Width) into ab (2 x gh x gw).</summary>
    public void Crop(ReadOnlySpan<float> output, Span<float> ab)
    {
        int gw = GridWidth, gh = GridHeight, plane = Width * Height, grid = gw * gh;
        if (output.Length != (long)Batch * 2 * plane) throw new ArgumentException($"the output holds {output.Length} values; {Batch}x2x{Height}x{Width} needs {(long)Batch * 2 * plane}");
        if (ab.Length != 2 * grid) throw new ArgumentException($"ab holds {ab.Length} values; 2x{gh}x{gw} needs {2 * grid}");
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < gh; y++)
                output.Slice(c * plane + y * Width, gw).CopyTo(ab.Slice(c * grid + y * gw, gw));
    }

    /// <summary>The grid cell that canvas cell <paramref name="i"/> takes along an axis of <paramref name="n"/> cells.</summary>
    private int Source(int i, int n)
    {
        if (i < n) return i;
        if (n == 1) return 0;
        int period = 2 * (n - 1), k = i % period; // mirror without repeating the edge: ... c d | c b a b c d | c b a ...
        return k < n ? k : period - k;
    }

    public override string ToString() =>
        Padded ? $"{Batch}x{Width}x{Height} ({GridWidth}x{GridHeight} reflect-padded)" : $"{Batch}x{Width}x{Height}";
}
