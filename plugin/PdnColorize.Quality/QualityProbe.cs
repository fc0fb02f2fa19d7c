using System.Diagnostics;
using PdnColorize.Core.Detail;
using PdnColorize.Quality.Metrics;
using PdnColorize.Core.Model;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;

namespace PdnColorize.Quality;

/// <summary>Scores of one composed result.</summary>
/// <param name="DeltaE2000">Mean CIEDE2000 against the original colour photo.</param>
/// <param name="EdgeAbError">Mean ab error against the original at its 10 % strongest L* edges.</param>
/// <param name="Seam">Seam score at internal tile edges (fine) or at the same lines (global, as a control).</param>
/// <param name="SeamAtRampCentres">Seam score at the centres of the blend ramps, where a naive stitch would cut.</param>
/// <param name="Drift">CIEDE2000 against the global result after a 32 px blur (fine only; 0 for global).</param>
/// <param name="SeamOfGlobal">The global result's seam score at the same lines (same upsampling): what content and
/// lattices (JPEG blocks, the model's strides) give those lines without any tiles. Seam / SeamOfGlobal is the part the
/// tiles add.</param>
/// <param name="OverlapDisagreement">Fine only: mean |ab_A - ab_B| of two harmonised tiles over the cells where both
/// have blend weight (<see cref="Quality.OverlapDisagreement"/>), in ab units on the detail grid; the same for every
/// upsampling of one fine run.</param>
public sealed record ResultScores(
    string Mode, string Harmonization, string Upsampling,
    double DeltaE2000, double EdgeAbError, double Seam, double SeamAtRampCentres, double Drift, double Seconds)
{
    public double SeamOfGlobal { get; init; } = double.NaN;

    public double OverlapDisagreement { get; init; } = double.NaN;

    /// <summary>
    /// The same image's seam score at the tile edges moved by each of <see cref="QualityProbe.ControlShifts"/> (the
    /// median): what the content around lines of this spacing and JPEG-lattice phase scores without being a tile edge.
    /// </summary>
    public double SeamOfShiftedLines { get; init; } = double.NaN;

    /// <summary>Mean CIEDE2000 against the original within <see cref="QualityProbe.BorderBand"/> px of the photo's border.</summary>
    public double BorderDeltaE2000 { get; init; } = double.NaN;

    /// <summary>How many of the shifted line sets score at least as high as the tile edges themselves (of <see cref="QualityProbe.ControlShifts"/>).</summary>
    public int ShiftedAtLeastAsHigh { get; init; }
}

/// <summary>Upsampling alone, model-free: the photo's true chroma on a grid, brought back to full resolution.</summary>
public sealed record OracleScores(string Grid, string Upsampling, double EdgeAbError, double OverallAbError);

/// <summary>Everything the quality command reports for one photo.</summary>
public sealed record PhotoQuality(
    string Name, int Width, int Height, string Detail, IReadOnlyList<ResultScores> Results, IReadOnlyList<OracleScores> Oracle);

/// <summary>
/// The measurements behind docs/quality.md: a colour photo is made gray (L* kept, a* = b* = 0), colourised in
/// global and fine mode with every harmonisation and upsampling, and scored: seam score (docs/architecture.md), drift of fine
/// against global, CIEDE2000 and edge ab error against the original; plus the model-free oracle of each upsampler.
/// </summary>
public sealed class QualityProbe(IChromaModel model)
{
    public static readonly ChromaUpsampling[] Upsamplers = [ChromaUpsampling.Nearest, ChromaUpsampling.Bilinear, ChromaUpsampling.Guided];
    public static readonly ChromaHarmonization[] Harmonizations = [ChromaHarmonization.FrequencySplit, ChromaHarmonization.AffineFit, ChromaHarmonization.None];

    /// <summary>Width in px of the border band of <see cref="ResultScores.BorderDeltaE2000"/>.</summary>
    public const int BorderBand = 4;

    /// <summary>
    /// Shifts (px, right and down) of the seam control: multiples of 8 keep the lines' phase on the JPEG block lattice,
    /// and 16 px or more puts the 4-px band well away from the edge. 14 sets: a tile edge that adds a seam should
    /// outscore most of them.
    /// </summary>
    public static readonly double[] ControlShifts = [-64, -56, -48, -40, -32, -24, -16, 16, 24, 32, 40, 48, 56, 64];

    public ColorizeSettings Settings { get; init; } = new();
    public DetailTuning Tuning { get; init; } = DetailTuning.Default;
    public IDetailCapacity Capacity { get; init; } = CpuDetailCapacity.Default;

    /// <summary>Only the default harmonisation (faster); false = all three.</summary>
    public bool DefaultHarmonizationOnly { get; init; }

    /// <summary>Only the model-free oracle of each upsampler (no model runs).</summary>
    public bool OracleOnly { get; init; }

    /// <summary>
    /// Sees every image the probe makes, labelled "gray", "truth", "global-&lt;upsampling&gt;" or
    /// "fine-&lt;harmonisation&gt;-&lt;upsampling&gt;" (for crops); the buffer is reused after the call returns.
    /// </summary>
    public Action<string, BgraImage>? OnImage { get; init; }

    public PhotoQuality Measure(string name, BgraImage truth, CancellationToken cancellation = default)
    {
        var gray = GrayVersion.Of(truth);
        var edges = EdgeReference.Of(truth);
        OnImage?.Invoke("truth", truth);
        OnImage?.Invoke("gray", gray);
        if (OracleOnly)
        {
            int size = Settings.ModelSize ?? model.PreferredSize;
            var (gw, gh) = RegionPlanner.GlobalGrid(truth.Bounds, size, model.DynamicSize);
            var (dw, dh) = DetailPlanner.DetailGrid(truth.Bounds, size, Settings.DetailScale);
            return new PhotoQuality(name, truth.Width, truth.Height, "oracle only", [],
                Oracle(gray, truth, edges, [($"global {gw}x{gh}", gw, gh), ($"detail {dw}x{dh}", dw, dh)], cancellation));
        }
        var colorizer = new Colorizer(model) { Tuning = Tuning, Capacity = Capacity };
        var results = new List<ResultScores>();
        var output = new BgraImage(truth.Width, truth.Height);

        var clock = Stopwatch.StartNew();
        var global = colorizer.Predict(gray, null, Settings with { Detail = DetailMode.Global }, cancellation);
        double globalSeconds = clock.Elapsed.TotalSeconds;
        var globalImages = new Dictionary<ChromaUpsampling, BgraImage>();
        var globalBlurred = new Dictionary<ChromaUpsampling, Drift.Blurred>();
        foreach (var up in Upsamplers)
        {
            var image = new BgraImage(truth.Width, truth.Height);
            colorizer.Compose(gray, image, global, null, Settings with { Upsampling = up }, null, cancellation);
            globalImages[up] = image;
            OnImage?.Invoke($"global-{up}", image);
            globalBlurred[up] = Metrics.Drift.Blur(image);
        }

        var harmonizations = DefaultHarmonizationOnly ? [Settings.Harmonization] : Harmonizations;
        DetailPlan? plan = null;
        string detail = "";
        foreach (var h in harmonizations)
        {
            clock.Restart();
            var overlap = new OverlapDisagreement();
            var observed = new Colorizer(model) { Tuning = Tuning, Capacity = Capacity, TileObserver = overlap };
            var fine = observed.Predict(gray, null, Settings with { Detail = DetailMode.Fine, Harmonization = h }, cancellation);
            double fineSeconds = clock.Elapsed.TotalSeconds;
            if (plan is null) detail = fine.Detail?.ToString() ?? ""; // the default harmonisation's, which runs first
            plan = fine.Detail?.Plan;
            if (plan is null) break; // the region fits the model: there is no fine mode to score
            foreach (var up in Upsamplers)
            {
                colorizer.Compose(gray, output, fine, null, Settings with { Upsampling = up }, null, cancellation);
                OnImage?.Invoke($"fine-{h}-{up}", output);
                results.Add(Score("fine", h.ToString(), up, output, truth, edges, globalBlurred[up], plan, fineSeconds)
                    with { OverlapDisagreement = overlap.Measure().Mean });
            }
        }
        foreach (var up in Upsamplers)
            results.Insert(0 + Array.IndexOf(Upsamplers, up),
                Score("global", "-", up, globalImages[up], truth, edges, null, plan, globalSeconds));
        for (int i = 0; i < results.Count; i++)
        {
            var r = results[i];
            var g = results.First(x => x.Mode == "global" && x.Upsampling == r.Upsampling);
            if (r.Mode == "fine") results[i] = r with { SeamOfGlobal = g.Seam };
        }

        var grids = new List<(string, int, int)> { ($"global {global.GridWidth}x{global.GridHeight}", global.GridWidth, global.GridHeight) };
        if (plan is not null) grids.Add(($"detail {plan.GridWidth}x{plan.GridHeight}", plan.GridWidth, plan.GridHeight));
        var oracle = Oracle(gray, truth, edges, grids, cancellation);
        return new PhotoQuality(name, truth.Width, truth.Height, detail, results, oracle);
    }

    private List<OracleScores> Oracle(BgraImage gray, BgraImage truth, EdgeReference edges, List<(string, int, int)> grids,
        CancellationToken cancellation)
    {
        var colorizer = new Colorizer(model);
        var output = new BgraImage(truth.Width, truth.Height);
        var oracle = new List<OracleScores>();
        foreach (var (label, gw, gh) in grids)
        {
            var field = EdgeBleed.Oracle(truth, gw, gh) with { GuidedFilter = (Tuning.GuidedRadius, Tuning.GuidedEps), GuidedForm = Tuning.GuidedForm };
            foreach (var up in Upsamplers)
            {
                colorizer.Compose(gray, output, field, null, Settings with { Upsampling = up }, null, cancellation);
                var e = edges.Compare(output);
                oracle.Add(new OracleScores(label, up.ToString(), e.AtEdges, e.Overall));
            }
        }
        return oracle;
    }

    private static ResultScores Score(string mode, string harmonization, ChromaUpsampling up, BgraImage image, BgraImage truth,
        EdgeReference edges, Drift.Blurred? global, DetailPlan? plan, double seconds)
    {
        var comparison = ImageMetrics.Compare(image, truth);
        var edge = edges.Compare(image);
        double seam = double.NaN, centres = double.NaN, drift = 0, shiftedMedian = double.NaN;
        int atLeastAsHigh = 0;
        if (plan is not null)
        {
            var gradient = AbGradient.Of(image, plan.Region);
            seam = gradient.Score(plan.TileEdgesX, plan.TileEdgesY).Score;
            centres = gradient.Score(plan.RampCentresX, plan.RampCentresY).Score;
            var shifted = ControlShifts
                .Select(d => gradient.Score(SeamScore.Shifted(plan.TileEdgesX, d), SeamScore.Shifted(plan.TileEdgesY, d)).Score)
                .OrderBy(v => v).ToList();
            shiftedMedian = (shifted[(shifted.Count - 1) / 2] + shifted[shifted.Count / 2]) / 2;
            atLeastAsHigh = shifted.Count(v => v >= seam);
        }
        if (global is not null) drift = Metrics.Drift.Between(Metrics.Drift.Blur(image), global);
        return new ResultScores(mode, harmonization, up.ToString(), comparison.DeltaE2000, edge.AtEdges, seam, centres, drift, seconds)
        {
            SeamOfShiftedLines = shiftedMedian,
            BorderDeltaE2000 = ImageMetrics.MeanCiede2000NearBorder(image, truth, BorderBand),
            ShiftedAtLeastAsHigh = atLeastAsHigh,
        };
    }

    /// <summary>
    /// The synthetic step edge (model-free apart from a stand-in that answers what a perfect model would): bleed in
    /// pixels per row for each upsampler, on a width x height image, averaged over edges at eight positions across a
    /// grid cell (an edge on a cell boundary favours nearest).
    /// </summary>
    public static IReadOnlyList<(string Upsampling, double BleedPixels)> StepEdge(int width = 1024, int height = 64, int modelSize = 128,
        DetailTuning? tuning = null)
    {
        var model = new EdgeBleed.StepModel(modelSize);
        var colorizer = new Colorizer(model) { Tuning = tuning ?? DetailTuning.Default };
        var settings = new ColorizeSettings { Detail = DetailMode.Global };
        var output = new BgraImage(width, height);
        var sums = new double[Upsamplers.Length];
        double cell = (double)width / modelSize;
        const int positions = 8;
        for (int k = 0; k < positions; k++)
        {
            double edgeX = (Math.Floor(0.4 * modelSize) + (k + 0.5) / positions) * cell;
            var image = EdgeBleed.StepImage(width, height, edgeX);
            var field = colorizer.Predict(image, null, settings);
            for (int u = 0; u < Upsamplers.Length; u++)
            {
                colorizer.Compose(image, output, field, null, settings with { Upsampling = Upsamplers[u] });
                sums[u] += EdgeBleed.Step(output, edgeX, model);
            }
        }
        return Upsamplers.Select((u, i) => (u.ToString(), sums[i] / positions)).ToList();
    }
}
