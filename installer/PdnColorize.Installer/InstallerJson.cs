using System.Text.Json.Serialization;
using PdnColorize.Installer.Catalog;
using PdnColorize.Installer.Downloads;
using PdnColorize.Installer.Install;

namespace PdnColorize.Installer;

/// <summary>
/// The JSON the installer reads and writes (the model catalog, the install manifest, a download's resume state),
/// through source-generated metadata so that a trimmed single-file pdncolorize-setup reads and writes it too.
/// </summary>
[JsonSerializable(typeof(CatalogDocument))]
[JsonSerializable(typeof(InstallManifest))]
[JsonSerializable(typeof(Downloader.PartState))]
internal sealed partial class InstallerJson : JsonSerializerContext;
