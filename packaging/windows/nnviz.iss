; Inno Setup 6.3+ script for nnviz on Windows 10/11 (x64): installs the PyInstaller
; bundle dist\nnviz\ (built from packaging\nnviz.spec) per user, without admin rights.
;
;   ISCC /DAppVersion=0.1.0 packaging\windows\nnviz.iss
;       -> dist\nnviz-0.1.0-setup.exe
;   optional: /DSourceDir=<bundle folder>  /DOutputDir=<folder>  /DNumericVersion=0.1.0.0
;
; Silent installs (lecture halls):
;   nnviz-0.1.0-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART             per user, no admin
;   nnviz-0.1.0-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /ALLUSERS   per machine (admin)
;   add /TASKS="desktopicon" for a desktop shortcut, /DIR="D:\Apps\nnviz" for another folder,
;   /LOG="nnviz-setup.log" for a log, and with /ALLUSERS /SITECONFIG="\\server\share\site.toml"
;   to install that file as %PROGRAMDATA%\nnviz\site.toml (see docs\installing.md).
; Silent uninstall: "<install folder>\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART

#ifndef AppVersion
  #error Give the version: ISCC /DAppVersion=x.y.z packaging\windows\nnviz.iss
#endif
#ifndef NumericVersion
  #define NumericVersion AppVersion
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\nnviz"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

[Setup]
; The AppId identifies nnviz for upgrades and uninstall: never change it.
AppId={{956A6BCD-9C73-5324-A975-41DE5FD8749F}
AppName=nnviz
AppVersion={#AppVersion}
AppVerName=nnviz {#AppVersion}
AppPublisher=nnviz developers
AppCopyright=Copyright (c) nnviz developers. MIT licence.
AppComments=A desktop lab for teaching neural networks
VersionInfoVersion={#NumericVersion}
VersionInfoDescription=nnviz setup
; Per user by default (%LOCALAPPDATA%\Programs\nnviz, no admin rights); /ALLUSERS or the
; dialog switches to a per-machine install in Program Files.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
DefaultDirName={autopf}\nnviz
DefaultGroupName=nnviz
DisableProgramGroupPage=yes
DisableWelcomePage=yes
UsedUserAreasWarning=no
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0.17763
OutputDir={#OutputDir}
OutputBaseFilename=nnviz-{#AppVersion}-setup
SetupIconFile=nnviz.ico
UninstallDisplayIcon={app}\nnviz.exe
UninstallDisplayName=nnviz {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Close a running nnviz before replacing its files (silent installs too), never reboot.
CloseApplications=force
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the bundle's library folder wholesale: no stale files from older versions.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "..\..\LICENSE"; DestDir: "{app}"; DestName: "LICENSE.txt"; Flags: ignoreversion
; /SITECONFIG=path (per-machine installs only): the lecture hall's site configuration.
Source: "{param:SITECONFIG}"; DestDir: "{commonappdata}\nnviz"; DestName: "site.toml"; \
  Flags: external skipifsourcedoesntexist uninsneveruninstall; Check: WantSiteConfig

[Icons]
Name: "{group}\nnviz"; Filename: "{app}\nnviz.exe"; Comment: "A desktop lab for teaching neural networks"
Name: "{group}\Uninstall nnviz"; Filename: "{uninstallexe}"
Name: "{autodesktop}\nnviz"; Filename: "{app}\nnviz.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\nnviz.exe"; Description: "{cm:LaunchProgram,nnviz}"; Flags: nowait postinstall skipifsilent

[Code]
function WantSiteConfig: Boolean;
begin
  Result := IsAdminInstallMode and (ExpandConstant('{param:SITECONFIG}') <> '');
end;
