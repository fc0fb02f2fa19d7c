using PdnColorize.Core.Pixels;

namespace PdnColorize.Tests.Shared;

/// <summary>Synthetic images for tests: deterministic, no files needed.</summary>
public static class TestImages
{
    /// <summary>A gray gradient with a few shapes, alpha 255 (or a ramp of alpha when asked).</summary>
    public static BgraImage Gray(int width, int height, bool alphaRamp = false)
    {
        var img = new BgraImage(width, height);
        for (int y = 0; y < height; y++)
        {
            var row = img.Row(y);
            for (int x = 0; x < width; x++)
            {
                int v = (x * 255 / Math.Max(1, width - 1) + y * 97 / Math.Max(1, height)) % 256;
                if ((x / 16 + y / 16) % 5 == 0) v = 255 - v;
                row[4 * x] = row[4 * x + 1] = row[4 * x + 2] = (byte)v;
                row[4 * x + 3] = alphaRamp ? (byte)((x * 7 + y * 3) % 256) : (byte)255;
            }
        }
        return img;
    }

    /// <summary>A colourful image with a deterministic pseudo-random texture.</summary>
    public static BgraImage Colour(int width, int height, int seed = 1)
    {
        var img = new BgraImage(width, height);
        var rng = new Random(seed);
        for (int y = 0; y < height; y++)
        {
            var row = img.Row(y);
            for (int x = 0; x < width; x++)
            {
                row[4 * x] = (byte)(x * 255 / Math.Max(1, width - 1));
                row[4 * x + 1] = (byte)(y * 255 / Math.Max(1, height - 1));
                row[4 * x + 2] = (byte)rng.Next(256);
                row[4 * x + 3] = 255;
            }
        }
        return img;
    }
}
