; NSIS include for the per-machine installer: start the bridge at login for every user of the POS machine.
!macro customInstall
  ; The engine runs as whichever cashier is logged in, not as the administrator who installed it: BUILTIN\Users (S-1-5-32-545)
  ; may modify the per-machine data dir %PROGRAMDATA%\TaxPoynt\POS Bridge (test/packaged checks this ACL after a silent install).
  Push $0
  ReadEnvStr $0 PROGRAMDATA
  CreateDirectory "$0\TaxPoynt\POS Bridge"
  nsExec::ExecToLog 'icacls "$0\TaxPoynt\POS Bridge" /grant *S-1-5-32-545:(OI)(CI)M /T /Q'
  Pop $0
  Pop $0
  WriteRegStr HKLM "Software\Microsoft\Windows\CurrentVersion\Run" "TaxPoynt POS Bridge" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" --hidden'
  ; The spooler watchdog (taxpoynt-bridge watchdog, as SYSTEM from boot): gives taken-over print queues back while the bridge is down.
  nsExec::ExecToLog 'schtasks /Create /F /TN "TaxPoynt POS Bridge Watchdog" /XML "$INSTDIR\resources\windows\taxpoynt-watchdog-task.xml"'
  Pop $0
  nsExec::ExecToLog 'schtasks /Run /TN "TaxPoynt POS Bridge Watchdog"'
  Pop $0
!macroend

!macro customUnInstall
  DeleteRegValue HKLM "Software\Microsoft\Windows\CurrentVersion\Run" "TaxPoynt POS Bridge"
  ; A real uninstall (not the old version's uninstaller during an update) gives every taken-over print queue back first.
  ${ifNot} ${isUpdated}
    nsExec::ExecToLog 'schtasks /End /TN "TaxPoynt POS Bridge Watchdog"'
    Pop $0
    nsExec::ExecToLog 'schtasks /Delete /F /TN "TaxPoynt POS Bridge Watchdog"'
    Pop $0
    System::Call 'Kernel32::SetEnvironmentVariable(t "ELECTRON_RUN_AS_NODE", t "1")'
    nsExec::ExecToLog '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" "$INSTDIR\resources\app.asar\dist\main\cli.js" devices release --all'
    Pop $0
    System::Call 'Kernel32::SetEnvironmentVariable(t "ELECTRON_RUN_AS_NODE", i 0)'
  ${endIf}
!macroend
