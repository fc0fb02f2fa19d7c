using PdnColorize.Core.Model;

namespace PdnColorize.Core.Tests;

/// <summary>A colouriser stand-in: ab as a function of the gray input, counting its calls.</summary>
internal sealed class FunctionModel(Func<float, (float A, float B)> map, int size = 64, bool dynamic = true) : IChromaModel
{
    public int Calls;
    public (int Height, int Width) LastShape;
    public float[]? LastInput;

    public string Description => "fake";
    public int PreferredSize => size;
    public bool DynamicSize => dynamic;

    public void Predict(float[] gray, int batch, int height, int width, Span<float> ab, CancellationToken cancellation)
    {
        Interlocked.Increment(ref Calls);
        LastShape = (height, width);
        LastInput = gray;
        int plane = height * width;
        for (int n = 0; n < batch; n++)
            for (int i = 0; i < plane; i++)
            {
                var (a, b) = map(gray[n * 3 * plane + i]);
                ab[n * 2 * plane + i] = a;
                ab[n * 2 * plane + plane + i] = b;
            }
    }

    public static FunctionModel Constant(float a, float b, int size = 64) => new(_ => (a, b), size);
}
