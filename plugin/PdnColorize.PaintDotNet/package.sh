#!/usr/bin/env bash
# Packages the Paint.NET plugin the way Paint.NET loads plugins with dependencies:
#
#   artifacts/Effects/PdnColorize/                  PdnColorize.dll (+ .deps.json), our other DLLs,
#                                                   runtimes/win-x64/native/ and runtimes/win-arm64/native/ (CPU ONNX
#                                                   Runtime for both Windows architectures Paint.NET runs on), models/
#   artifacts/PdnColorize-<version>-paintdotnet-win.zip   the same, rooted at Effects/
#
# It builds against Paint.NET's own DLLs and refuses anything else: a build against our compile facade must never
# reach users. Usage:
#
#   package.sh --pdn-root "C:/Program Files/paint.net"     (or PDN_ROOT=...; the oldest supported 5.1.x install)
#   package.sh --layout-preview                            facade build into artifacts/preview/, marked NOT FOR USE, no zip
#
# Options: --models-dir DIR (default engines/models: every *.onnx with its .json manifest), --out DIR (default
# artifacts). The GPU ONNX Runtime is not packaged here: it is an optional installer download.
set -euo pipefail

die() { echo "package.sh: $*" >&2; exit 2; }
command -v jq >/dev/null || die "needs jq (the .deps.json is trimmed and checked with it)"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
pdn_root="${PDN_ROOT:-}"
preview=0
models_dir="$repo/engines/models"
out="$repo/artifacts"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --pdn-root) pdn_root="${2:?--pdn-root needs a folder}"; shift 2 ;;
    --layout-preview) preview=1; shift ;;
    --models-dir) models_dir="${2:?--models-dir needs a folder}"; shift 2 ;;
    --out) out="${2:?--out needs a folder}"; shift 2 ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

project="$here/PdnColorize.PaintDotNet.csproj"
version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props" | head -1)"
# Paint.NET 5.1 runs natively on Windows x64 and Windows ARM64: the package carries ONNX Runtime's CPU build for both.
rids=(win-x64 win-arm64)

# 1. The embedded model(s): every .onnx with its manifest. Nothing to ship without one.
shopt -s nullglob
models=()
for onnx in "$models_dir"/*.onnx; do
  [[ -f "${onnx%.onnx}.json" ]] || die "model $onnx has no manifest ${onnx%.onnx}.json beside it"
  models+=("$onnx")
done
[[ ${#models[@]} -gt 0 ]] || die "no model to embed: $models_dir holds no *.onnx with a .json manifest. Export or train the embedded model first (engines/models), or pass --models-dir."

# 2. Build. A release needs Paint.NET's DLLs; the preview is the facade build and says so.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [[ $preview -eq 0 ]]; then
  [[ -n "$pdn_root" ]] || die "refusing to package: no Paint.NET folder given. Pass --pdn-root (or PDN_ROOT) pointing at a Paint.NET 5.1 install; a build against the compile facade is never packaged (use --layout-preview to inspect the layout)."
  [[ -f "$pdn_root/PaintDotNet.Effects.Core.dll" ]] || die "refusing to package: $pdn_root holds no PaintDotNet.Effects.Core.dll, so the build would use the compile facade."
  dotnet publish "$project" -c Release -o "$work/bin" -p:PdnRoot="$pdn_root" -p:PdnColorizeWebsite="${PDN_WEBSITE:-}" -nologo -v:q
  dest_root="$out"
else
  dotnet build "$project" -c Release -o "$work/bin" -nologo -v:q
  dest_root="$out/preview"
fi

# 3. Check what was built: a facade build references the facade assembly and not Paint.NET's.
dll="$work/bin/PdnColorize.dll"
[[ -f "$dll" ]] || die "the build produced no PdnColorize.dll"
if grep -aq 'PdnColorize.PaintDotNet.Facade' "$dll" || ! grep -aq 'PaintDotNet.Effects.Core' "$dll"; then
  [[ $preview -eq 1 ]] || die "refusing to package: $dll was built against the compile facade, not Paint.NET's DLLs."
  facade=1
else
  facade=0
fi
[[ -f "$work/bin/PdnColorize.deps.json" ]] || die "the build produced no PdnColorize.deps.json"
for rid in "${rids[@]}"; do
  [[ -f "$work/bin/runtimes/$rid/native/onnxruntime.dll" ]] || die "no runtimes/$rid/native/onnxruntime.dll in the build output"
done

# 4. Assemble Effects/PdnColorize/.
pkg="$dest_root/Effects/PdnColorize"
rm -rf "$pkg"
mkdir -p "$pkg/models"
# Only the assemblies the plugin's .deps.json names (a referenced project's own output, such as the facade, is not ours).
for f in "$work/bin/"*.dll; do
  name="$(basename "$f")"
  if grep -qF -e "\"$name\"" -e "/$name\"" "$work/bin/PdnColorize.deps.json"; then cp "$f" "$pkg/"; fi
done
# The deps file keeps only what ships: the Windows RIDs' native DLLs. The build lists every RID ORT's package has
# (Linux, macOS, Android, iOS) and its .lib import libraries, none of which Paint.NET can use; the host must not look
# for them.
keep_rids="$(printf '"%s",' "${rids[@]}")"
jq --argjson keep "[${keep_rids%,}]" '
  .targets |= map_values(map_values(
    if has("runtimeTargets") then
      .runtimeTargets |= with_entries(select((.value.rid as $r | $keep | index($r)) and (.key | endswith(".lib") | not)))
      | if .runtimeTargets == {} then del(.runtimeTargets) else . end
    else . end))' "$work/bin/PdnColorize.deps.json" > "$pkg/PdnColorize.deps.json"
for rid in "${rids[@]}"; do
  mkdir -p "$pkg/runtimes/$rid/native"
  for f in "$work/bin/runtimes/$rid/native/"*.dll; do cp "$f" "$pkg/runtimes/$rid/native/"; done
done
for onnx in "${models[@]}"; do cp "$onnx" "${onnx%.onnx}.json" "$pkg/models/"; done
cp "$repo/LICENSE" "$pkg/LICENSE.txt"
ort_pkg="${NUGET_PACKAGES:-$HOME/.nuget/packages}/microsoft.ml.onnxruntime"
ort_dir="$(ls -d "$ort_pkg"/*/ 2>/dev/null | sort -V | tail -1 || true)"
if [[ -n "$ort_dir" && -f "$ort_dir/ThirdPartyNotices.txt" ]]; then
  cp "$ort_dir/LICENSE" "$pkg/onnxruntime-LICENSE.txt"
  cp "$ort_dir/ThirdPartyNotices.txt" "$pkg/onnxruntime-ThirdPartyNotices.txt"
fi

# 5. Every file the deps file names must be here, for every RID it lists (check-deps.sh prints the list).
echo "Checking $pkg against PdnColorize.deps.json:"
"$here/check-deps.sh" "$pkg" || die "refusing to package: the folder lacks files its .deps.json names (listed above)."

if [[ $facade -eq 1 ]]; then
  cat > "$pkg/FACADE-BUILD-NOT-FOR-USE.txt" <<EOF
This folder was built against PdnColorize's compile facade, not Paint.NET's own DLLs.
It shows the package layout only. Paint.NET would not load it. Build a release with:
  plugin/PdnColorize.PaintDotNet/package.sh --pdn-root <Paint.NET 5.1 install folder>
EOF
  echo "Layout preview (facade build, not for use): $pkg"
else
  mkdir -p "$out"
  zip_path="$out/PdnColorize-$version-paintdotnet-win.zip"
  rm -f "$zip_path"
  (cd "$dest_root" && zip -qr -X "$zip_path" Effects/PdnColorize)
  echo "Package: $pkg"
  echo "Zip:     $zip_path"
fi
(cd "$dest_root" && find Effects/PdnColorize -type f -printf '%10s  %p\n' | sort -k2)
