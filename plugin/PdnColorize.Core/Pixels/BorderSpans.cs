namespace PdnColorize.Core.Pixels;

/// <summary>
/// The columns of one row that lie within <c>band</c> of the border of a width x height area: the whole row near the
/// top or bottom, else the first and the last <c>band</c> columns (the whole row again when those two meet). Shared by
/// what works only along a picture's border (the detail pass's hand-over, the border error metric), so neither walks
/// the middle of a row.
/// </summary>
/// <param name="End1">Exclusive.</param>
/// <param name="End2">Exclusive; the second span is empty when <paramref name="Start2"/> = <paramref name="End2"/>.</param>
public readonly record struct BorderSpans(int Start1, int End1, int Start2, int End2)
{
    public static BorderSpans OfRow(int y, int width, int height, int band) =>
        y < band || y >= height - band || 2L * band >= width
            ? new BorderSpans(0, width, 0, 0)
            : new BorderSpans(0, band, width - band, width);
}
