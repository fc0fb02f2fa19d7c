using CsCheck;
using PdnColorize.Engines.Gpu;

namespace PdnColorize.Engines.Tests;

public class VramPlannerTests
{
    private static readonly int[] Sizes = { 1024, 768, 512, 384, 256 };

    [Fact]
    public void Fit_recovers_a_line_through_two_probes()
    {
        var truth = new MemoryModel(900, 1800);
        var m = MemoryModel.Fit((1, 256, truth.PredictMiB(1, 256)), (2, 512, truth.PredictMiB(2, 512)));
        Assert.Equal(900, m.BaseMiB, 3);
        Assert.Equal(1800, m.MiBPerMegapixel, 3);
        Assert.Equal(m, MemoryModel.FromJson(m.ToJson()));
    }

    [Fact]
    public void The_plan_never_exceeds_the_budget_under_the_model()
    {
        Gen.Double[0, 4000].Select(Gen.Double[0, 20000], Gen.Double[0, 48000], Gen.Int[1, 16]).Select(Gen.Double[100, 30000], Gen.Bool).Sample(t =>
        {
            var ((baseMiB, perMp, free, maxBatch), capValue, hasCap) = t;
            double? cap = hasCap ? capValue : null;
            var model = new MemoryModel(baseMiB, perMp);
            var plan = VramPlanner.Plan(model, free, cap, Sizes, maxBatch);
            double budget = Math.Min(cap ?? double.MaxValue, 0.8 * free);
            if (plan.UseGpu)
            {
                Assert.True(model.PredictMiB(plan.Batch, plan.Size) <= budget + 1e-9);
                Assert.InRange(plan.Batch, 1, maxBatch);
                Assert.Contains(plan.Size, Sizes);
            }
            else
            {
                Assert.True(model.PredictMiB(1, Sizes.Min()) > budget, "fell back to the CPU although the smallest tile fits");
            }
        });
    }

    [Fact]
    public void Less_memory_degrades_to_smaller_tiles_then_to_the_cpu()
    {
        var model = new MemoryModel(800, 4000); // ~4 GiB per megapixel of batch
        double previousWork = double.MaxValue;
        bool sawCpu = false;
        foreach (double free in new[] { 40000.0, 12000, 6000, 4000, 2500, 1500, 1200, 900 })
        {
            var plan = VramPlanner.Plan(model, free, null, Sizes, 4);
            double work = plan.UseGpu ? plan.Batch * (double)plan.Size * plan.Size : 0;
            Assert.True(work <= previousWork);
            previousWork = work;
            sawCpu |= !plan.UseGpu;
        }
        Assert.True(sawCpu);
        Assert.Contains("CPU", VramPlanner.Plan(model, 900, null, Sizes, 4).Reason);
    }

    [Fact]
    public void Buffers_held_by_CUDA_graphs_are_added_to_every_prediction_and_can_tip_the_plan()
    {
        var probed = new MemoryModel(700, 2000, [new ProbeReading(1, 512, 1200)]);
        var held = probed.WithHeld(100);
        Assert.Equal(1300, held.PredictMiB(1, 512), 6);                               // a probed point moves too
        Assert.Equal(probed.PredictMiB(4, 512) + 100, held.PredictMiB(4, 512), 6);   // and the line
        Assert.Same(probed, probed.WithHeld(0));
        // 2 tiles of 512 fit a 2500 MiB budget alone (700 + 2000 x 0.52 = 1749 MiB), not with 800 MiB held beside them.
        Assert.Equal(2, VramPlanner.Plan(probed, 10_000, 2500, [512], 2).Batch);
        Assert.Equal(1, VramPlanner.Plan(probed.WithHeld(800), 10_000, 2500, [512], 2).Batch);
    }

    [Fact]
    public void The_user_cap_wins_over_free_memory() =>
        Assert.Equal(2048, VramPlanner.Budget(freeMiB: 80000, userCapMiB: 2048));

    [Fact]
    public void Nvml_is_absent_here_and_says_so()
    {
        // This machine has no NVIDIA driver: the probe must say so rather than throw.
        if (Nvml.Unavailable is null) return; // on a GPU machine there is nothing to check here
        Assert.Null(Nvml.TryQuery(0));
        Assert.Contains("NVIDIA driver", Nvml.Unavailable);
    }
}
