#!/usr/bin/env bash
# Builds office.msi: a 32-bit per-machine package registering COM the way
# Office-class products do, in shapes com64.msi and the corpus lack:
#   - one CLSID with two Class rows (InprocServer32 in component CoreDll of
#     feature Core, LocalServer32 with an argument in component AppExe of
#     feature App), both with the same ProgId_Default and AppId;
#   - a class whose context is InprocHandler32; a class with
#     DefInprocHandler text; a class registered only through a feature of
#     its own (Extras);
#   - two AppIds: one with LocalService, ServiceParameters and
#     ActivateAtStorage 0 used by both rows of the CLSID (one description),
#     one with DllSurrogate and RunAsInteractiveUser 1;
#   - a ProgId chain Office.Doc -> Office.Doc.12 (version independent and
#     CurVer), ProgId icons with an index, a ProgId reached both by a class
#     and by an extension of another component;
#   - an extension with four verbs (Sequence out of order, one without),
#     MIME rows, and an extension naming the version-independent ProgId;
#   - Registry rows that mix with the generated ones: ThreadingModel beside
#     InprocServer32, Insertable, a ShellNew key under .ext\ProgId;
#   - component ExtraDll (the Extras class's) unmanaged: a null
#     ComponentId, so msiexec never removes its own Registry rows.
# Needs wixl, msiinfo and msibuild (msitools). Run from this folder:
#   bash gen-office.sh
set -euo pipefail
T=$'\t'
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
printf 'MZ fake core server\n' > "$w/core.dll"
printf 'MZ fake application\n' > "$w/app.exe"
printf 'MZ fake handler\n' > "$w/handler.dll"
printf 'MZ fake extra\n' > "$w/extra.dll"
printf '\x00\x00\x01\x00\x00\x00' > "$w/doc.ico"
cat > "$w/office.wxs" <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="7E57C0DE-0FF1-4000-8000-000000000001" Name="OfficeLike" Language="1033" Version="12.0.0"
           Manufacturer="msikit tests" UpgradeCode="7E57C0DE-0FF1-4000-8000-0000000000FF">
    <Package InstallerVersion="200" Compressed="yes" InstallScope="perMachine"/>
    <Media Id="1" Cabinet="data.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFilesFolder">
        <Directory Id="INSTALLDIR" Name="OfficeLike">
          <Component Id="CoreDll" Guid="7E57C0DE-0FF1-4000-8000-000000000011">
            <File Id="core.dll" Name="core.dll" Source="core.dll" KeyPath="yes"/>
          </Component>
          <Component Id="AppExe" Guid="7E57C0DE-0FF1-4000-8000-000000000012">
            <File Id="app.exe" Name="app.exe" Source="app.exe" KeyPath="yes"/>
          </Component>
          <Component Id="HandlerDll" Guid="7E57C0DE-0FF1-4000-8000-000000000013">
            <File Id="handler.dll" Name="handler.dll" Source="handler.dll" KeyPath="yes"/>
          </Component>
          <Component Id="ExtraDll" Guid="7E57C0DE-0FF1-4000-8000-000000000014">
            <File Id="extra.dll" Name="extra.dll" Source="extra.dll" KeyPath="yes"/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Icon Id="doc.ico" SourceFile="doc.ico"/>
    <Feature Id="Core" Level="1" Title="Core">
      <ComponentRef Id="CoreDll"/>
      <ComponentRef Id="HandlerDll"/>
    </Feature>
    <Feature Id="App" Level="1" Title="App">
      <ComponentRef Id="AppExe"/>
    </Feature>
    <Feature Id="Extras" Level="1" Title="Extras">
      <ComponentRef Id="ExtraDll"/>
    </Feature>
  </Product>
</Wix>
EOF
(cd "$w" && wixl -a x86 -o office.msi office.wxs)
C1='{7E57C0DE-0FF1-4C1A-8000-000000000001}'
C2='{7E57C0DE-0FF1-4C1A-8000-000000000002}'
C3='{7E57C0DE-0FF1-4C1A-8000-000000000003}'
C4='{7E57C0DE-0FF1-4C1A-8000-000000000004}'
A1='{7E57C0DE-0FF1-4A99-8000-000000000001}'
A2='{7E57C0DE-0FF1-4A99-8000-000000000002}'
{ printf '%s\n' "CLSID${T}Context${T}Component_${T}ProgId_Default${T}Description${T}AppId_${T}FileTypeMask${T}Icon_${T}IconIndex${T}DefInprocHandler${T}Argument${T}Feature_${T}Attributes" \
    "s38${T}s32${T}s72${T}S255${T}L255${T}S38${T}S255${T}S72${T}I2${T}S32${T}S255${T}s38${T}I2" "Class${T}CLSID${T}Context${T}Component_"
  printf '%s\n' "${C1}${T}InprocServer32${T}CoreDll${T}Office.Doc.12${T}Office Document${T}${A1}${T}0,4,FFFFFFFF,D0CF11E0${T}doc.ico${T}1${T}2${T}${T}Core${T}" \
    "${C1}${T}LocalServer32${T}AppExe${T}Office.Doc.12${T}Office Document${T}${A1}${T}${T}${T}${T}${T}/Automation${T}App${T}" \
    "${C2}${T}InprocHandler32${T}HandlerDll${T}${T}Office Handler${T}${T}${T}${T}${T}${T}${T}Core${T}" \
    "${C3}${T}LocalServer32${T}AppExe${T}Office.Sheet.8${T}Office Sheet${T}${T}${T}doc.ico${T}2${T}${T}/Embedding${T}App${T}" \
    "${C4}${T}InprocServer32${T}ExtraDll${T}${T}Office Extra${T}${A2}${T}${T}${T}${T}handler.dll${T}${T}Extras${T}" ; } > "$w/Class.idt"
{ printf '%s\n' "ProgId${T}ProgId_Parent${T}Class_${T}Description${T}Icon_${T}IconIndex" "s255${T}S255${T}S38${T}L255${T}S72${T}I2" "ProgId${T}ProgId"
  printf '%s\n' "Office.Doc.12${T}${T}${C1}${T}Office Document 12${T}doc.ico${T}1" \
    "Office.Doc${T}Office.Doc.12${T}${T}Office Document${T}${T}" \
    "Office.Sheet.8${T}${T}${C3}${T}Office Sheet 8${T}doc.ico${T}3" \
    "Office.Template${T}${T}${T}Office Template${T}doc.ico${T}4" ; } > "$w/ProgId.idt"
{ printf '%s\n' "AppId${T}RemoteServerName${T}LocalService${T}ServiceParameters${T}DllSurrogate${T}ActivateAtStorage${T}RunAsInteractiveUser" "s38${T}S255${T}S255${T}S255${T}S255${T}I2${T}I2" "AppId${T}AppId"
  printf '%s\n' "${A1}${T}${T}OfficeSvc${T}-service${T}${T}0${T}" \
    "${A2}${T}${T}${T}${T}dllhost.exe${T}${T}1" ; } > "$w/AppId.idt"
{ printf '%s\n' "Extension${T}Component_${T}ProgId_${T}MIME_${T}Feature_" "s255${T}s72${T}S255${T}S64${T}s38" "Extension${T}Extension${T}Component_"
  printf '%s\n' "odoc${T}AppExe${T}Office.Doc.12${T}application/x-odoc${T}App" \
    "odot${T}AppExe${T}Office.Template${T}${T}App" \
    "odocx${T}AppExe${T}Office.Doc${T}application/x-odocx${T}App" ; } > "$w/Extension.idt"
{ printf '%s\n' "Extension_${T}Verb${T}Sequence${T}Command${T}Argument" "s255${T}s32${T}I2${T}L255${T}L255" "Verb${T}Extension_${T}Verb"
  printf '%s\n' "odoc${T}open${T}3${T}&Open${T}\"%1\"" "odoc${T}print${T}2${T}&Print${T}/p \"%1\"" \
    "odoc${T}new${T}1${T}&New${T}/n \"%1\"" "odoc${T}printto${T}${T}${T}/pt \"%1\" \"%2\" \"%3\" \"%4\"" \
    "odot${T}new${T}1${T}&New${T}/t \"%1\"" ; } > "$w/Verb.idt"
{ printf '%s\n' "ContentType${T}Extension_${T}CLSID" "s64${T}s255${T}S38" "MIME${T}ContentType"
  printf '%s\n' "application/x-odoc${T}odoc${T}${C1}" "application/x-odocx${T}odocx${T}" ; } > "$w/MIME.idt"
{ printf '%s\n' "Registry${T}Root${T}Key${T}Name${T}Value${T}Component_" "s72${T}i2${T}l255${T}L255${T}L0${T}s72" "Registry${T}Registry"
  printf '%s\n' "regThreading${T}0${T}CLSID\\${C1}\\InprocServer32${T}ThreadingModel${T}Apartment${T}CoreDll" \
    "regInsertable${T}0${T}CLSID\\${C3}\\Insertable${T}+${T}${T}AppExe" \
    "regShellNew${T}0${T}.odoc\\Office.Doc.12\\ShellNew${T}NullFile${T}${T}AppExe" \
    "regVerbFlags${T}0${T}Office.Doc.12\\shell\\open${T}BrowserFlags${T}#8${T}AppExe" ; } > "$w/Registry.idt"
# ExtraDll unmanaged: its ComponentId emptied (null).
msiinfo export "$w/office.msi" Component | sed "s/^ExtraDll${T}{[^}]*}${T}/ExtraDll${T}${T}/" > "$w/Component.idt"
grep -q "^ExtraDll${T}${T}" "$w/Component.idt"
(cd "$w" && msibuild office.msi -i Component.idt -i Class.idt -i ProgId.idt -i AppId.idt -i Extension.idt -i Verb.idt -i MIME.idt -i Registry.idt)
seq=( "RemoveRegistryValues 2600" "WriteRegistryValues 5000" "UnregisterClassInfo 2700" "UnregisterExtensionInfo 2800" "UnregisterProgIdInfo 2900" "UnregisterMIMEInfo 3000"
      "RegisterClassInfo 4600" "RegisterExtensionInfo 4700" "RegisterProgIdInfo 4800" "RegisterMIMEInfo 4900" )
for s in "${seq[@]}"; do
  set -- $s
  msibuild "$w/office.msi" -q "INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Sequence\`) VALUES ('$1', $2)"
done
cp "$w/office.msi" office.msi
echo "wrote office.msi ($(stat -c %s office.msi) bytes)"
