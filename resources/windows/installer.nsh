; NSIS include for the per-machine installer: start the bridge at login for every user of the POS machine.
!macro customInstall
  WriteRegStr HKLM "Software\Microsoft\Windows\CurrentVersion\Run" "TaxPoynt POS Bridge" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" --hidden'
!macroend

!macro customUnInstall
  DeleteRegValue HKLM "Software\Microsoft\Windows\CurrentVersion\Run" "TaxPoynt POS Bridge"
!macroend
