#!/usr/bin/env bash
# Builds com64.msi: a small x64 package whose COM and shell registration
# exercises what the corpus packages do not (64-bit components, DefInprocHandler
# 1 and 3, several FileTypeMask patterns, a full AppId, a local server with a
# formatted argument, a ProgId chain of three, verbs without Sequence) and that
# lacks WriteRegistryValues/RemoveRegistryValues and a Registry table, so the
# pass must add them. Needs wixl and msibuild (msitools). Run from this folder:
#   bash gen-com64.sh
set -euo pipefail
T=$'\t'
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
printf 'MZ fake in-process server\n' > "$w/server.dll"
printf 'MZ fake local server\n' > "$w/local.exe"
printf '\x00\x00\x01\x00\x00\x00' > "$w/doc.ico"
cat > "$w/com64.wxs" <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="7E57C0DE-0000-4000-8000-000000000064" Name="Com64" Language="1033" Version="1.0.0"
           Manufacturer="msikit tests" UpgradeCode="7E57C0DE-0000-4000-8000-0000000000FF">
    <Package InstallerVersion="200" Compressed="yes" InstallScope="perMachine"/>
    <Media Id="1" Cabinet="data.cab" EmbedCab="yes"/>
    <Property Id="SERVERMODE" Value="embedding"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFiles64Folder">
        <Directory Id="INSTALLDIR" Name="Com64">
          <Component Id="ServerComp" Guid="7E57C0DE-0001-4000-8000-000000000001" Win64="yes">
            <File Id="server.dll" Name="server.dll" Source="server.dll" KeyPath="yes"/>
          </Component>
          <Component Id="LocalComp" Guid="7E57C0DE-0001-4000-8000-000000000002" Win64="yes">
            <File Id="local.exe" Name="local.exe" Source="local.exe" KeyPath="yes"/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Icon Id="doc.ico" SourceFile="doc.ico"/>
    <Feature Id="Main" Level="1" Title="Main">
      <ComponentRef Id="ServerComp"/>
      <ComponentRef Id="LocalComp"/>
    </Feature>
  </Product>
</Wix>
EOF
(cd "$w" && wixl -a x64 -o com64.msi com64.wxs)
C1='{7E57C0DE-C1A5-4000-8000-000000000001}'
C2='{7E57C0DE-C1A5-4000-8000-000000000002}'
C3='{7E57C0DE-C1A5-4000-8000-000000000003}'
A1='{7E57C0DE-A991-4000-8000-000000000001}'
{ printf '%s\n' "CLSID${T}Context${T}Component_${T}ProgId_Default${T}Description${T}AppId_${T}FileTypeMask${T}Icon_${T}IconIndex${T}DefInprocHandler${T}Argument${T}Feature_${T}Attributes" \
    "s38${T}s32${T}s72${T}S255${T}L255${T}S38${T}S255${T}S72${T}I2${T}S32${T}S255${T}s38${T}I2" "Class${T}CLSID${T}Context${T}Component_"
  printf '%s\n' "${C1}${T}InprocServer32${T}ServerComp${T}Com64.Thing.2${T}Com64 Thing${T}${T}0,2,FFFF,4D5A;8,4,FFFFFFFF,12345678;16,2,FFFF,CAFE${T}doc.ico${T}2${T}1${T}${T}Main${T}" \
    "${C2}${T}LocalServer32${T}LocalComp${T}Com64.Server${T}Com64 Server${T}${A1}${T}${T}${T}${T}3${T}-mode [SERVERMODE]${T}Main${T}0" \
    "${C3}${T}InprocServer32${T}ServerComp${T}${T}Com64 Handler${T}${A1}${T}${T}${T}${T}HANDLE~1.DLL|handler64.dll${T}${T}Main${T}" ; } > "$w/Class.idt"
{ printf '%s\n' "ProgId${T}ProgId_Parent${T}Class_${T}Description${T}Icon_${T}IconIndex" "s255${T}S255${T}S38${T}L255${T}S72${T}I2" "ProgId${T}ProgId"
  printf '%s\n' "Com64.Thing.2${T}${T}${C1}${T}Com64 Thing 2${T}doc.ico${T}0" \
    "Com64.Thing${T}Com64.Thing.2${T}${T}Com64 Thing${T}${T}" \
    "Com64.Server${T}${T}${C2}${T}Com64 Server${T}${T}" \
    "Com64.Doc${T}${T}${T}Com64 Document${T}doc.ico${T}" ; } > "$w/ProgId.idt"
{ printf '%s\n' "AppId${T}RemoteServerName${T}LocalService${T}ServiceParameters${T}DllSurrogate${T}ActivateAtStorage${T}RunAsInteractiveUser" "s38${T}S255${T}S255${T}S255${T}S255${T}I2${T}I2" "AppId${T}AppId"
  printf '%s\n' "${A1}${T}[ComputerName]${T}Com64Svc${T}-service${T}dllhost.exe${T}1${T}1" ; } > "$w/AppId.idt"
{ printf '%s\n' "Extension${T}Component_${T}ProgId_${T}MIME_${T}Feature_" "s255${T}s72${T}S255${T}S64${T}s38" "Extension${T}Extension${T}Component_"
  printf '%s\n' "c64${T}LocalComp${T}Com64.Doc${T}application/x-com64${T}Main" "c64t${T}ServerComp${T}Com64.Thing.2${T}${T}Main" ; } > "$w/Extension.idt"
{ printf '%s\n' "Extension_${T}Verb${T}Sequence${T}Command${T}Argument" "s255${T}s32${T}I2${T}L255${T}L255" "Verb${T}Extension_${T}Verb"
  printf '%s\n' "c64${T}open${T}2${T}&Open${T}\"%1\"" "c64${T}edit${T}1${T}&Edit${T}/edit \"%1\"" "c64t${T}view${T}${T}${T}" ; } > "$w/Verb.idt"
{ printf '%s\n' "ContentType${T}Extension_${T}CLSID" "s64${T}s255${T}S38" "MIME${T}ContentType"
  printf '%s\n' "application/x-com64${T}c64${T}${C2}" ; } > "$w/MIME.idt"
(cd "$w" && msibuild com64.msi -i Class.idt -i ProgId.idt -i AppId.idt -i Extension.idt -i Verb.idt -i MIME.idt)
seq=( "UnregisterClassInfo 2700" "UnregisterExtensionInfo 2800" "UnregisterProgIdInfo 2900" "UnregisterMIMEInfo 3000"
      "RegisterClassInfo 4600" "RegisterExtensionInfo 4700" "RegisterProgIdInfo 4800" "RegisterMIMEInfo 4900" )
for s in "${seq[@]}"; do
  set -- $s
  msibuild "$w/com64.msi" -q "INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Sequence\`) VALUES ('$1', $2)"
done
cp "$w/com64.msi" com64.msi
echo "wrote com64.msi ($(stat -c %s com64.msi) bytes)"
