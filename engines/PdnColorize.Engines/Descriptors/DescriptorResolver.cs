namespace PdnColorize.Engines.Descriptors;

/// <summary>
/// Decides a model's descriptor: the manifest's <c>"input"</c>/<c>"output"</c> where given, else the I/O shapes where
/// they leave no doubt (3 channels in and 2 out: gray-rgb01/lab-ab, DDColor; 1 in and 2 out: L100/lab-ab, Zhang).
/// A colour image out (3 channels) cannot say whether it is 0..1 or 0..255, nor can 3 gray channels in front of it:
/// those need the manifest, and the error names the field to add.
/// </summary>
public static class DescriptorResolver
{
    private const string Preamble = "does not fit PdnColorize's I/O contract";

    public static ModelDescriptor Resolve(OnnxIo io, ModelManifest? manifest, string modelPath)
    {
        string file = Path.GetFileName(modelPath);
        string manifestName = Path.GetFileNameWithoutExtension(modelPath) + ".json";
        bool zeros = manifest?.ExtraInputs is { } extra && extra.Trim() == "zeros";
        if (manifest?.ExtraInputs is { Length: > 0 } e && !zeros)
            throw new ModelContractException($"model manifest {manifestName}: \"extra_inputs\": \"{e}\" is not known; the one value is \"zeros\".");
        if (zeros && io.Outputs.Count == 1 && io.Inputs.Count > 1)
        {
            foreach (var x in io.Inputs.Skip(1))
                if (!x.IsFloat32 || x.Rank != 4 || x.Fixed(1) is null)
                    throw new ModelContractException(
                        $"The model '{file}' {Preamble}: its extra input '{x.Name}' {x.Shape} cannot be fed zeros; only float32 [N,C,H,W] " +
                        "inputs with a fixed channel count can.");
        }
        else if (io.Inputs.Count != 1 || io.Outputs.Count != 1)
            throw new ModelContractException(
                $"The model '{file}' {Preamble}: a colouriser takes one input and gives one output; it has {io.Inputs.Count} input(s) " +
                $"({string.Join(", ", io.Inputs.Select(i => i.Name + " " + i.Shape))}) and {io.Outputs.Count} output(s). " +
                "A model whose extra inputs (colour hints, masks) may be left empty can say \"extra_inputs\": \"zeros\" in its manifest.");
        var input = io.Inputs[0];
        var output = io.Outputs[0];
        if (!input.IsFloat32 || !output.IsFloat32 || input.Rank != 4 || output.Rank != 4)
            throw new ModelContractException(
                $"The model '{file}' {Preamble}: input and output must be float32 tensors of rank 4 (NCHW); found input " +
                $"'{input.Name}' {input.Shape}, output '{output.Name}' {output.Shape}" +
                (input.IsFloat32 && output.IsFloat32 ? "." : " (not float32: an FP16 export must be converted back to float32 I/O)."));

        string where = $"model manifest {manifestName}";
        InputConvention? declaredIn = manifest?.Input is { Length: > 0 } i ? ModelDescriptor.ParseInput(i, where) : null;
        OutputConvention? declaredOut = manifest?.Output is { Length: > 0 } o ? ModelDescriptor.ParseOutput(o, where) : null;
        int? cin = input.Fixed(1), cout = output.Fixed(1);
        string found = $"input '{input.Name}' {input.Shape}, output '{output.Name}' {output.Shape}";

        var outConv = declaredOut ?? cout switch
        {
            2 => OutputConvention.LabAb,
            3 => throw Ambiguous(file, found, manifestName,
                "its output has 3 channels, a colour image, and the shapes cannot say whether it is 0..1 or 0..255",
                declaredIn is null ? "\"input\" (gray-rgb01 or gray-rgb255) and \"output\" (rgb01 or rgb255)" : "\"output\" (rgb01 or rgb255)"),
            _ => throw Unknown(file, found, manifestName),
        };
        var inConv = declaredIn ?? cin switch
        {
            1 => InputConvention.L100,
            3 when outConv == OutputConvention.LabAb => InputConvention.GrayRgb01,
            3 => throw Ambiguous(file, found, manifestName,
                "its input has 3 channels, and the shapes cannot say whether it takes gray 0..1 or 0..255", "\"input\" (gray-rgb01 or gray-rgb255)"),
            _ => throw Unknown(file, found, manifestName),
        };

        var descriptor = new ModelDescriptor(inConv, outConv);
        if (cin is { } ci && ci != descriptor.InputChannels)
            throw new ModelContractException(
                $"The model '{file}' {Preamble}: its manifest says \"input\": \"{descriptor.InputName}\" ({descriptor.InputChannels} channel(s)), " +
                $"but {found}.");
        if (cout is { } co && co != descriptor.OutputChannels)
            throw new ModelContractException(
                $"The model '{file}' {Preamble}: its manifest says \"output\": \"{descriptor.OutputName}\" ({descriptor.OutputChannels} channels), " +
                $"but {found}.");
        return descriptor;
    }

    private static ModelContractException Ambiguous(string file, string found, string manifestName, string why, string fields) =>
        new($"The model '{file}' {Preamble} as is and its I/O shapes do not say how to adapt it ({found}): {why}. " +
            $"Add {fields} to its manifest {manifestName} beside the .onnx, or import it with " +
            "'pdncolorize-setup models import FILE --input ... --output ...'.");

    private static ModelContractException Unknown(string file, string found, string manifestName) =>
        new($"The model '{file}' {Preamble}. Expected one float32 input [N,3,H,W] (gray sRGB) or [N,1,H,W] (L*) and one " +
            $"float32 output [N,2,h,w] (Lab a,b) or [N,3,h,w] (colour sRGB); found {found}. If its channel counts are " +
            $"dynamic, say \"input\" and \"output\" in its manifest {manifestName}.");
}
