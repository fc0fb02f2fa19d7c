using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace PdnColorize.Cli;

/// <summary>
/// Parsers for the number options. System.CommandLine's own conversion leaves a value it cannot read ("abc") to
/// validators that then throw from <c>GetValueOrDefault</c> (a stack trace, exit 134), and the current culture would
/// read "0,5" as 5. These parse the token themselves in the invariant culture, check the range in the same place and
/// report one error naming the option and the text it got; the CLI turns that into exit 2.
/// </summary>
public static class NumberOptions
{
    /// <summary>A decimal number in [min, max] (finite: "inf" and "NaN" are refused; no hex, no thousands separators).</summary>
    public static Option<double> InRange(this Option<double> option, double min, double max, bool minExclusive = false)
    {
        option.CustomParser = r => ParseReal(r, option.Name, min, max, minExclusive) ?? default;
        return option;
    }

    /// <summary>A whole number in [min, max] (decimal digits only).</summary>
    public static Option<int> InRange(this Option<int> option, int min, int max = int.MaxValue)
    {
        option.CustomParser = r => ParseWhole(r, option.Name, min, max) ?? default;
        return option;
    }

    /// <summary>An optional whole number in [min, max].</summary>
    public static Option<int?> InRange(this Option<int?> option, int min, int max = int.MaxValue)
    {
        option.CustomParser = r => ParseWhole(r, option.Name, min, max);
        return option;
    }

    private static string Token(ArgumentResult r) => r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";

    private static double? ParseReal(ArgumentResult r, string name, double min, double max, bool minExclusive)
    {
        string text = Token(r);
        string range = $"{(minExclusive ? "above " : "")}{Format(min)}..{Format(max)}";
        if (!double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
        {
            string hint = text.Contains(',') ? " (write the decimal point as '.', e.g. 0.5)" : "";
            r.AddError($"{name} takes a number in {range}; got '{text}'{hint}.");
            return null;
        }
        if (value < min || value > max || (minExclusive && value == min))
        {
            r.AddError($"{name} must lie in {range}; got '{text}'.");
            return null;
        }
        return value;
    }

    private static int? ParseWhole(ArgumentResult r, string name, int min, int max)
    {
        string text = Token(r);
        string range = max == int.MaxValue ? $"{min} or more" : $"{min}..{max}";
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
        {
            r.AddError($"{name} takes a whole number ({range}); got '{text}'.");
            return null;
        }
        if (value < min || value > max)
        {
            r.AddError($"{name} must lie in {range}; got '{text}'.");
            return null;
        }
        return value;
    }

    private static string Format(double v) => v.ToString(CultureInfo.InvariantCulture);
}
