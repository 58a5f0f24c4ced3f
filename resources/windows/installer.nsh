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
!macroend

!macro customUnInstall
  DeleteRegValue HKLM "Software\Microsoft\Windows\CurrentVersion\Run" "TaxPoynt POS Bridge"
!macroend
