#!/usr/bin/env bash
# Builds the release zip a Paint.NET user downloads (docs/installer.md, "The release zip"):
#
#   PdnColorize-<version>-win-x64/
#     install.cmd, install.ps1         double-click install (asks for administrator rights only when needed)
#     pdncolorize-setup.exe            the installer (self-contained, one file)
#     PdnColorize/                     the plugin folder (package.sh's Effects/PdnColorize)
#     cli/pdncolorize.exe (+ models/)  the command line tool (batch colourising, INT8 calibration)
#     README.md, docs/                 how to install and use it
#     LICENSE.txt, licenses/           our licence, ONNX Runtime's, every NuGet package's licence expression
#     pdncolorize-release.txt          the setup kit's file list (the installer keeps a copy of those files so that
#                                      `repair` works after the unpacked zip is gone)
#
# Usage:
#   release.sh --pdn-root DIR [--website URL] [--out DIR]   a release: the plugin built against Paint.NET 5.1.0's DLLs
#   release.sh --layout-preview [--host-build] [--out DIR]  the compile-facade plugin, marked FACADE-BUILD-NOT-FOR-USE
#                                                           (pdncolorize-setup refuses to install it), zip named -preview
#
# --host-build: the installer and CLI are built framework-dependent for this machine instead of win-x64 single files
# (what the tests run: fast, and runnable on Linux). --models-dir DIR is passed to package.sh.
set -euo pipefail

die() { echo "release.sh: $*" >&2; exit 2; }
command -v jq >/dev/null || die "needs jq"
command -v zip >/dev/null || die "needs zip"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
pdn_root="${PDN_ROOT:-}"
preview=0 host_build=0 website="" out="$repo/artifacts/release" models_args=()

while [[ $# -gt 0 ]]; do
  case "$1" in
    --pdn-root) pdn_root="${2:?--pdn-root needs a folder}"; shift 2 ;;
    --layout-preview) preview=1; shift ;;
    --host-build) host_build=1; shift ;;
    --website) website="${2:?--website needs a URL}"; shift 2 ;;
    --out) out="${2:?--out needs a folder}"; shift 2 ;;
    --models-dir) models_args=(--models-dir "${2:?--models-dir needs a folder}"); shift 2 ;;
    -h|--help) sed -n '2,24p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[[ $preview -eq 1 || -n "$pdn_root" ]] || die "name the Paint.NET 5.1.0 folder to build against (--pdn-root DIR), or --layout-preview for a facade build that no one can install."

version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props" | head -1)"
rid=win-x64
name="PdnColorize-$version-$rid"
[[ $preview -eq 1 ]] && name="PdnColorize-$version-preview-not-for-use"
[[ $host_build -eq 1 ]] && name="$name-host"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
stage="$work/$name"
mkdir -p "$stage" "$out"
out="$(cd "$out" && pwd)"

# 1. The plugin folder (package.sh trims and checks its .deps.json, refuses a facade build unless previewing).
if [[ $preview -eq 1 ]]; then
  "$repo/plugin/PdnColorize.PaintDotNet/package.sh" --layout-preview --out "$work/pkg" "${models_args[@]}"
  cp -r "$work/pkg/preview/Effects/PdnColorize" "$stage/PdnColorize"
else
  PDN_WEBSITE="$website" "$repo/plugin/PdnColorize.PaintDotNet/package.sh" --pdn-root "$pdn_root" --out "$work/pkg" "${models_args[@]}"
  cp -r "$work/pkg/Effects/PdnColorize" "$stage/PdnColorize"
fi

# 2. The installer and the CLI.
host_rid="$(dotnet --info | sed -n 's/^ *RID: *//p' | head -1)"
publish() { # project, output folder
  if [[ $host_build -eq 1 ]]; then
    # Framework-dependent and without a RID, so the build the tests already made is reused; only this machine's
    # native libraries are kept.
    # (no extra build properties either: they would make MSBuild rebuild what the solution build left).
    dotnet publish "$1" -c Release -o "$2" -nologo -v:q
    if [[ -d "$2/runtimes" ]]; then
      find "$2/runtimes" -mindepth 1 -maxdepth 1 ! -name "$host_rid" -exec rm -rf {} +
    fi
    find "$2" -name '*.pdb' -delete
  else
    # Trimmed: every JSON the two programs read or write goes through source-generated contexts, and the publish
    # reports no trim warning (docs/installer.md, "Size of the Windows build": 45 -> 19 MB and 50 -> 23 MB).
    dotnet publish "$1" -c Release -r "$rid" --self-contained -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true \
      -p:EnableCompressionInSingleFile=true -p:PublishTrimmed=true -p:DebugType=none -p:SatelliteResourceLanguages=en -o "$2" -nologo -v:q
  fi
}
publish "$repo/installer/PdnColorize.Installer/PdnColorize.Installer.csproj" "$work/setup"
publish "$repo/plugin/PdnColorize.Cli/PdnColorize.Cli.csproj" "$work/cli"
# The installer reads the plugin's models from the plugin folder; the copy the Engines project drops beside it is not needed.
rm -rf "$work/setup/models"
# Import libraries (.lib) are for linking native code, never loaded.
find "$work/setup" "$work/cli" -name '*.lib' -delete
cp -r "$work/setup/." "$stage/"
mkdir -p "$stage/cli"
cp -r "$work/cli/." "$stage/cli/"
cp "$here/install.cmd" "$here/install.ps1" "$stage/"

# 3. Documents and licences.
cp "$repo/README.md" "$stage/README.md"
mkdir -p "$stage/docs" "$stage/licenses"
cp "$repo/docs/paintdotnet.md" "$repo/docs/installer.md" "$stage/docs/"
# the embedded model's card and the attribution its training data needs
cp "$repo/docs/models/pdnc-resnet18-v2.md" "$repo/docs/models/pdnc-resnet18-v2-coco-attribution.tsv" "$stage/docs/"
cp "$repo/docs/models/pdnc-resnet18-v2-encoder-LICENSE.txt" "$stage/licenses/"
cp "$repo/LICENSE" "$stage/LICENSE.txt"
for f in "$stage/PdnColorize/onnxruntime-LICENSE.txt" "$stage/PdnColorize/onnxruntime-ThirdPartyNotices.txt"; do
  [[ -f "$f" ]] && cp "$f" "$stage/licenses/"
done
# Every NuGet package the three programs were restored with, with the licence its own .nuspec declares (a licence
# shipped as a file inside the package is copied next to the list).
packages_root="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
{
  echo "NuGet packages the plugin, pdncolorize-setup and pdncolorize were restored with (build-time-only packages, such"
  echo "as ILLink, and other platforms' native-asset packages are among them), and the licence each .nuspec declares."
  echo "Paint.NET's own assemblies are not included (they are referenced, never redistributed)."
  echo
  for assets in "$repo/plugin/PdnColorize.PaintDotNet/obj/project.assets.json" \
                "$repo/installer/PdnColorize.Installer/obj/project.assets.json" \
                "$repo/plugin/PdnColorize.Cli/obj/project.assets.json"; do
    [[ -f "$assets" ]] && jq -r '.libraries | to_entries[] | select(.value.type == "package") | .key' "$assets"
  done | sort -u | while IFS=/ read -r id ver; do
    pkgdir="$packages_root/${id,,}/$ver"
    nuspec="$pkgdir/${id,,}.nuspec"
    lic="unknown"
    if [[ -f "$nuspec" ]]; then
      expr="$(sed -n 's:.*<license type="expression">\(.*\)</license>.*:\1:p' "$nuspec" | head -1)"
      file="$(sed -n 's:.*<license type="file">\(.*\)</license>.*:\1:p' "$nuspec" | head -1)"
      url="$(sed -n 's:.*<licenseUrl>\(.*\)</licenseUrl>.*:\1:p' "$nuspec" | head -1)"
      if [[ -n "$expr" ]]; then lic="$expr"
      elif [[ -n "$file" && -f "$pkgdir/$file" ]]; then
        cp "$pkgdir/$file" "$stage/licenses/$id-$(basename "$file")"
        lic="licenses/$id-$(basename "$file")"
      elif [[ -n "$url" ]]; then lic="see $url"
      fi
    fi
    printf '%-48s %-12s %s\n' "$id" "$ver" "$lic"
  done
} > "$stage/licenses/PACKAGES.txt"

# 4. The setup kit's list: what the installer copies to keep `repair` working without the zip.
(cd "$stage" && find . -type f ! -path './cli/*' ! -path './docs/*' ! -path './licenses/*' ! -name 'README.md' ! -name 'LICENSE.txt' \
   | sed 's:^\./::' | sort) > "$work/kit.txt"
{ cat "$work/kit.txt"; echo "pdncolorize-release.txt"; } | sort > "$stage/pdncolorize-release.txt"

# 5. The zip.
zip_path="$out/$name.zip"
rm -f "$zip_path"
(cd "$work" && zip -qr -X "$zip_path" "$name")
echo "Release: $zip_path ($(stat -c %s "$zip_path") bytes)"
[[ $preview -eq 1 ]] && echo "(a facade build: it shows the layout; pdncolorize-setup refuses to install its plugin)"
(cd "$work" && find "$name" -type f -printf '%10s  %p\n' | sort -k2)
