package assembly

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/assembly/asmtest"
	"github.com/msikit/msikit/internal/testenv"
)

// buildDLL compiles a DLL with MinGW-w64 whose resources come from the
// resource script rc (GNU windres: a writer of version resources
// independent of this package) and returns its bytes.
func buildDLL(t *testing.T, rc string) []byte {
	t.Helper()
	gcc := testenv.NeedTool(t, "x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64")
	windres := testenv.NeedTool(t, "x86_64-w64-mingw32-windres", "binutils-mingw-w64-x86-64")
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	src := write("lib.c", "int __declspec(dllexport) answer(void) { return 42; }\n")
	res := filepath.Join(dir, "res.o")
	if out, err := testenv.Command(t, windres, write("v.rc", rc), "-O", "coff", "-o", res).CombinedOutput(); err != nil {
		t.Fatalf("windres: %v\n%s", err, out)
	}
	dll := filepath.Join(dir, "lib.dll")
	if out, err := testenv.Command(t, gcc, "-shared", "-o", dll, src, res).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	b, err := os.ReadFile(dll)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVersionResourceOracle reads version resources that GNU windres
// compiled into real DLLs: the fixed versions, the string table and the
// translations, as the resource script declares them.
func TestVersionResourceOracle(t *testing.T) {
	tests := []struct {
		name string
		rc   string
		want *VersionInfo
	}{
		{"strings and two languages", `1 VERSIONINFO
FILEVERSION 1,2,3,4
PRODUCTVERSION 5,6,7,65535
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904B0"
    BEGIN
      VALUE "CompanyName", "Contoso Ltd."
      VALUE "FileDescription", "Widget library"
      VALUE "ProductName", "Widget \251 2024"
      VALUE "Comments", ""
      VALUE "OriginalFilename", "widget.dll"
    END
    BLOCK "040704E4"
    BEGIN
      VALUE "CompanyName", "Contoso GmbH"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200, 0x407, 1252, 0x409, 1252
  END
END
`, &VersionInfo{
			FileVersion: "1.2.3.4", ProductVersion: "5.6.7.65535",
			Languages: []uint16{0x409, 0x407},
			Strings: []VersionString{
				{"CompanyName", "Contoso Ltd."}, {"FileDescription", "Widget library"},
				{"ProductName", "Widget © 2024"}, {"Comments", ""}, {"OriginalFilename", "widget.dll"},
			},
		}},
		{"fixed part only", `1 VERSIONINFO
FILEVERSION 10,0,19041,1
PRODUCTVERSION 10,0,0,0
BEGIN
END
`, &VersionInfo{FileVersion: "10.0.19041.1", ProductVersion: "10.0.0.0"}},
		{"language neutral", `1 VERSIONINFO
FILEVERSION 0,0,0,0
PRODUCTVERSION 0,0,0,0
BEGIN
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0, 1200
  END
END
`, &VersionInfo{FileVersion: "0.0.0.0", ProductVersion: "0.0.0.0", Languages: []uint16{0}}},
		{"no version resource", `1 RCDATA { "x" }
`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dll := buildDLL(t, tt.rc)
			pe, err := ReadPE(bytes.NewReader(dll), int64(len(dll)))
			if err != nil {
				t.Fatal(err)
			}
			if pe.VersionErr != nil || pe.DotNet != nil || pe.DotNetErr != nil {
				t.Fatalf("VersionErr %v, DotNet %v, DotNetErr %v", pe.VersionErr, pe.DotNet, pe.DotNetErr)
			}
			if pe.Machine != MachineAMD64 || !pe.PE32Plus {
				t.Errorf("machine %#x, PE32+ %v; want AMD64 PE32+", pe.Machine, pe.PE32Plus)
			}
			if diff := cmp.Diff(tt.want, pe.Version); diff != "" {
				t.Errorf("version resource (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReadPEDotNet checks that ReadPE gives what ReadDotNet gives for a
// .NET image, and the file version with it.
func TestReadPEDotNet(t *testing.T) {
	s := baseSpec()
	s.PublicKey, s.Culture, s.FileVersion = ecmaKey, "de", fv(1, 2, 3, 4)
	img := asmtest.BuildPE(s)
	want, err := ReadDotNet(bytes.NewReader(img), int64(len(img)))
	if err != nil {
		t.Fatal(err)
	}
	pe, err := ReadPE(bytes.NewReader(img), int64(len(img)))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, pe.DotNet); diff != "" {
		t.Errorf("ReadPE's DotNet differs from ReadDotNet (-want +got):\n%s", diff)
	}
	if pe.Version == nil || pe.Version.FileVersion != "1.2.3.4" {
		t.Errorf("Version %+v, want file version 1.2.3.4", pe.Version)
	}
	// A native image: no identity, no error.
	s.NoAssembly = true
	img = asmtest.BuildPE(s)
	pe, err = ReadPE(bytes.NewReader(img), int64(len(img)))
	if err != nil || pe.DotNet != nil || pe.DotNetErr != nil {
		t.Errorf("module without an Assembly row: %+v, %v; want no identity and no error", pe, err)
	}
	if _, err := ReadPE(bytes.NewReader([]byte("MZ not a PE image")), 17); err == nil {
		t.Error("ReadPE of a 17-byte text: no error")
	}
}

// TestVersionStrings reads a version resource built field by field
// (asmtest) with a string table and translations.
func TestVersionStrings(t *testing.T) {
	s := baseSpec()
	s.FileVersion = fv(2, 0, 1, 7)
	s.VersionStrings = [][2]string{{"CompanyName", "Contoso"}, {"ProductName", "Wïdget"}, {"Comments", ""}}
	s.Translations = []uint32{0x04b00409, 0x04e40407, 0x04e40409}
	img := asmtest.BuildPE(s)
	pe, err := ReadPE(bytes.NewReader(img), int64(len(img)))
	if err != nil {
		t.Fatal(err)
	}
	want := &VersionInfo{
		FileVersion: "2.0.1.7", ProductVersion: "0.0.0.0",
		Languages: []uint16{0x409, 0x407},
		Strings:   []VersionString{{"CompanyName", "Contoso"}, {"ProductName", "Wïdget"}, {"Comments", ""}},
	}
	if diff := cmp.Diff(want, pe.Version); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := pe.Version.String("ProductName"); got != "Wïdget" {
		t.Errorf("String(ProductName) = %q", got)
	}
}
