using System.Reflection;
using PdnColorize.Core.Pipeline;
using PdnColorize.Core.Pixels;
using PdnColorize.Engines;
using PdnColorize.PaintDotNet.Hosting;
using PdnColorize.Tests.Shared;

namespace PdnColorize.PaintDotNet.Tests;

/// <summary>The host-neutral half: no Paint.NET types, error wording, fingerprints, the facade marker.</summary>
public sealed class HostingTests
{
    [Fact]
    public void Hosting_types_never_touch_paint_net()
    {
        var hosting = typeof(RenderSession).Assembly.GetTypes().Where(t => t.Namespace == typeof(RenderSession).Namespace).ToList();
        Assert.True(hosting.Count > 10);
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in hosting)
        {
            var used = new List<Type?> { type.BaseType };
            used.AddRange(type.GetInterfaces());
            used.AddRange(type.GetFields(all).Select(f => f.FieldType));
            used.AddRange(type.GetProperties(all).Select(p => p.PropertyType));
            foreach (var m in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                used.AddRange(m.GetParameters().Select(p => p.ParameterType));
                if (m is MethodInfo mi) used.Add(mi.ReturnType);
                used.AddRange(m.GetMethodBody()?.LocalVariables.Select(l => l.LocalType) ?? []);
            }
            foreach (var t in used.Where(t => t is not null))
                Assert.False(t!.Namespace?.StartsWith("PaintDotNet", StringComparison.Ordinal) ?? false, $"{type} uses {t}");
        }
    }

    [Fact]
    public void This_test_build_is_marked_as_a_facade_build_so_it_cannot_be_packaged()
    {
        Assert.True(BuildInfo.IsFacadeBuild);
        Assert.Equal("PdnColorize", typeof(RenderSession).Assembly.GetName().Name); // Effects\PdnColorize\PdnColorize.dll
    }

    [Fact]
    public void Error_messages_say_what_to_do()
    {
        Assert.Contains("Reinstall", ErrorPolicy.Describe(new TypeInitializationException("X", new DllNotFoundException("onnxruntime.dll"))));
        Assert.Contains("EntryPoint", ErrorPolicy.Describe(new EntryPointNotFoundException("OrtGetApiBase")) + nameof(EntryPointNotFoundException));
        Assert.Contains("FP32", ErrorPolicy.Describe(new AggregateException(new ModelOutputException("NaN"))));
        Assert.Contains("The model cannot be used: gone", ErrorPolicy.Describe(new ModelContractException("gone")));
        Assert.Contains("not enough memory", ErrorPolicy.Describe(new OutOfMemoryException()));
        Assert.All(new Exception[] { new InvalidOperationException("x"), new ArgumentException("y") },
            e => Assert.StartsWith(ErrorPolicy.Headline, ErrorPolicy.Describe(e)));
        Assert.True(ErrorPolicy.IsCancellation(new AggregateException(new TaskCanceledException())));
        Assert.False(ErrorPolicy.IsCancellation(new InvalidOperationException()));
    }

    [Fact]
    public void Fingerprints_follow_content_and_place()
    {
        var a = TestImages.Gray(37, 21);
        var b = a.Clone();
        var at = new PixelRect(3, 4, 37, 21);
        Assert.Equal(ImageFingerprint.Of(a, at), ImageFingerprint.Of(b, at));
        b.Row(20)[36 * 4 + 1] ^= 1; // one bit of the last pixel
        Assert.NotEqual(ImageFingerprint.Of(a, at), ImageFingerprint.Of(b, at));
        Assert.NotEqual(ImageFingerprint.Of(a, at), ImageFingerprint.Of(a, at with { X = 4 }));
    }

    [Fact]
    public void Settings_map_to_core_in_the_dialogs_units()
    {
        var core = new EffectSettings { StrengthPercent = 150, ContextMarginPercent = 40, Detail = DetailMode.Fine }.ToCore();
        Assert.Equal((1.5, 0.4, 64, DetailMode.Fine, 1), (core.Strength, core.ContextMargin, core.MinContextPixels, core.Detail, core.Threads));
        Assert.Equal(0, new EffectSettings { ContextMarginPercent = 0 }.ToCore().MinContextPixels);
        Assert.Equal(new EffectSettings().ModelKey, new EffectSettings { StrengthPercent = 10, ContextMarginPercent = 90 }.ModelKey);
    }

    [Fact]
    public void Coverage_tiles_are_read_as_nothing_everything_or_a_mask()
    {
        byte[] rows = [0, 0, 9, 0, 0, 9]; // 2 x 2 with a stride of 3
        Assert.True(TileCoverage.Read(rows, 3, 2, 2).Nothing);
        rows = [255, 255, 0, 255, 255, 0];
        Assert.Equal(TileCoverage.Everything, TileCoverage.Read(rows, 3, 2, 2));
        rows = [255, 128, 0, 0, 255, 0];
        var partial = TileCoverage.Read(rows, 3, 2, 2).Partial!;
        Assert.Equal((128, 0, 255), (partial.Coverage(1, 0), partial.Coverage(0, 1), partial.Coverage(1, 1)));
    }
}
