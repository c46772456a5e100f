; Inno Setup script for Course Launcher: a per-user install, no administrator rights.
;
; Build (on Windows, after PyInstaller made dist\course-launcher\):
;   iscc /DAppVersion=0.1.0 installers\windows\course-launcher.iss
; The installer is written to dist\course-launcher-0.1.0-setup.exe.
; See installers/README.md for the whole sequence and for signing.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Course Launcher"
#define AppExe "course-launcher.exe"
; The console twin of the app (build.spec makes it on Windows) for the command line.
#define CliExe "course-launcher-cli.exe"
#define SourceRoot "..\.."

[Setup]
; A fixed AppId lets a newer installer replace an older install. Never change it.
AppId={{6F1C2D9E-4B7A-4E55-9C3F-2A8D5B0E7C41}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Course Launcher developers
AppPublisherURL=https://course-launcher.org/
DefaultDirName={localappdata}\Programs\Course Launcher
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Per user: installs into the user's own folders, asks for no administrator rights.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0.19041
OutputDir={#SourceRoot}\dist
OutputBaseFilename=course-launcher-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
; The first page: what the student needs before the launcher is any use.
InfoBeforeFile=prerequisites.txt
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "{#SourceRoot}\dist\course-launcher\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{userprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{userdesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
var
  RemoveSettings: Boolean;

function InitializeUninstall(): Boolean;
begin
  RemoveSettings := MsgBox(
    'Also remove Course Launcher''s settings, access tokens and course environments ' +
    '(containers and databases in Docker)?' + #13#10 + #13#10 +
    'Your course folders and the files in them are kept either way.' + #13#10 +
    'Choose No to keep them for a later install.',
    mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES;
  Result := True;
end;

{ Runs before the uninstaller removes the app's files, so the app can still remove
  what it made: its Docker environments and volumes (by label), its tokens in the
  Windows Credential Locker, and its folders. Course folders are never touched.
  (Done here, not in [UninstallRun], whose Check would be decided at install time.) }
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  ResultCode: Integer;
begin
  if (CurUninstallStep = usUninstall) and RemoveSettings then
  begin
    if not Exec(ExpandConstant('{app}\{#CliExe}'), 'purge --yes', '', SW_HIDE,
                ewWaitUntilTerminated, ResultCode) then
      Log('purge could not be started')
    else if ResultCode = 3 then
      MsgBox('Docker was not running, so the course environments were left in Docker. ' +
             'Your settings and tokens were removed.', mbInformation, MB_OK);
  end;
end;
