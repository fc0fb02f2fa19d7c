<#
.SYNOPSIS
  Installs (or removes) the PdnColorize plugin for Paint.NET with pdncolorize-setup.exe.

.DESCRIPTION
  Runs pdncolorize-setup.exe from this folder. The installer first runs without administrator rights (enough for
  the Microsoft Store edition and for portable copies); when the target needs them (the classic Paint.NET lives
  under Program Files) the installer exits with code 4 and this script starts it again elevated (one UAC prompt).

.EXAMPLE
  .\install.ps1                      # find Paint.NET, install the plugin (CPU)
  .\install.ps1 -Gpu cuda            # also download ONNX Runtime's CUDA/TensorRT providers (~160 MB)
  .\install.ps1 -PdnDir D:\Apps\paint.net -Model ddcolor-tiny-onnx
  .\install.ps1 -Action uninstall    # -Action status | doctor | repair | uninstall
  .\install.ps1 -Import D:\models\my-colorizer.onnx   # check an ONNX model and add it to the effect's Model list
#>
[CmdletBinding()]
param(
    [ValidateSet('install', 'uninstall', 'repair', 'status', 'doctor')]
    [string] $Action = 'install',
    [string] $PdnDir,
    [ValidateSet('none', 'cuda')]
    [string] $Gpu,
    [string[]] $Model,
    [string] $Payload,
    [switch] $Purge,
    [switch] $Force,
    # An .onnx model to check and add as a user model (pdncolorize-setup models import); no administrator rights needed.
    [string] $Import,
    # Wait for Enter before the window closes (install.cmd passes it when a model file was dropped on it).
    [switch] $Pause,
    # Internal: set when this script re-starts itself elevated.
    [switch] $Elevated
)

$ErrorActionPreference = 'Stop'
$setup = Join-Path $PSScriptRoot 'pdncolorize-setup.exe'
if (-not (Test-Path -LiteralPath $setup)) {
    Write-Error "pdncolorize-setup.exe was not found next to this script ($PSScriptRoot). Unpack the whole release zip and run again."
    exit 2
}

# ids may arrive comma-joined (install.cmd, or the elevated re-start): split them
if ($Model) { $Model = @($Model | ForEach-Object { $_ -split ',' } | Where-Object { $_ }) }

if ($Import) {
    $importArgs = @('models', 'import', $Import)
    if ($PdnDir) { $importArgs += @('--pdn-dir', $PdnDir) }
    if ($Force) { $importArgs += '--force' }
    & $setup @importArgs
    $code = $LASTEXITCODE
    if ($code -eq 0) { Write-Host 'The model is installed: it appears in the Model list the next time the effect''s dialog opens.' }
    if ($Pause) { Read-Host 'Press Enter to close this window' }
    exit $code
}

$arguments = @($Action)
if ($PdnDir) { $arguments += @('--pdn-dir', $PdnDir) }
if ($Payload) { $arguments += @('--payload', $Payload) }
if ($Gpu -and $Action -in @('install', 'repair')) { $arguments += @('--gpu', $Gpu) }
if ($Model -and $Action -eq 'install') { foreach ($m in $Model) { $arguments += @('--model', $m) } }
if ($Purge -and $Action -eq 'uninstall') { $arguments += '--purge' }
if ($Force) { $arguments += '--force' }

& $setup @arguments
$code = $LASTEXITCODE

$isAdmin = ([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole(
    [Security.Principal.WindowsBuiltInRole]::Administrator)

if ($code -eq 4 -and -not $isAdmin -and -not $Elevated) {
    Write-Host 'Paint.NET''s folder needs administrator rights: asking Windows for them...'
    $self = @('-NoProfile', '-ExecutionPolicy', 'Bypass', '-File', ('"{0}"' -f $PSCommandPath), '-Action', $Action, '-Elevated')
    if ($PdnDir) { $self += @('-PdnDir', ('"{0}"' -f $PdnDir)) }
    if ($Payload) { $self += @('-Payload', ('"{0}"' -f $Payload)) }
    if ($Gpu) { $self += @('-Gpu', $Gpu) }
    if ($Model) { $self += @('-Model', ($Model -join ',')) }
    if ($Purge) { $self += '-Purge' }
    if ($Force) { $self += '-Force' }
    try {
        $process = Start-Process -FilePath 'powershell.exe' -ArgumentList $self -Verb RunAs -Wait -PassThru
        $code = $process.ExitCode
    }
    catch {
        Write-Host 'Administrator rights were refused; nothing was changed.'
        $code = 4
    }
}

if ($Elevated) {
    # this window closes when the script ends: let the user read what happened
    Read-Host 'Press Enter to close this window'
}
exit $code
