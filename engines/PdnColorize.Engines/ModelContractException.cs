namespace PdnColorize.Engines;

/// <summary>A model file that is missing, unreadable or does not honour the I/O contract. CLI exit code 3.</summary>
public sealed class ModelContractException : Exception
{
    public ModelContractException(string message, Exception? inner = null) : base(message, inner) { }
}
