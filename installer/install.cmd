@echo off
rem Installs the PdnColorize plugin for Paint.NET: runs install.ps1 beside this file, which runs pdncolorize-setup.exe
rem and asks for administrator rights only when Paint.NET's folder needs them.
rem   install.cmd                       install (CPU)
rem   install.cmd -Gpu cuda             install with the optional CUDA/TensorRT runtime
rem   install.cmd -Model ddcolor-tiny-onnx   also install a ready ONNX colouriser (see: pdncolorize-setup models list)
rem   install.cmd -Action uninstall     remove it again (-Action status / doctor / repair)
rem   install.cmd -Import my-model.onnx add an ONNX model to the effect's Model list (or drop the .onnx file on install.cmd)
if /i "%~x1"==".onnx" (
  powershell.exe -NoProfile -ExecutionPolicy Bypass -File "%~dp0install.ps1" -Import "%~f1" -Pause
  exit /b %ERRORLEVEL%
)
powershell.exe -NoProfile -ExecutionPolicy Bypass -File "%~dp0install.ps1" %*
exit /b %ERRORLEVEL%
