namespace PdnColorize.Installer;

public static class Program
{
    public static Task<int> Main(string[] args) => SetupApp.RunAsync(args, SetupContext.FromEnvironment());
}
