package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msikit/msikit/msi"
)

// truncatedPackage writes testdata/sample.msi with a 64 KiB stream added
// (laid out last) and cuts the file inside that stream, so that the
// container opens with a "read as zeros" recovery warning and every table
// still decodes.
func truncatedPackage(t *testing.T) string {
	t.Helper()
	db, err := msi.Open("../../testdata/sample.msi")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pad := bytes.Repeat([]byte("z"), 64<<10)
	if err := db.SetStream("Zpad", bytes.NewReader(pad), int64(len(pad))); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := db.Write(&buf, &msi.WriteOptions{KeepPackageCode: true}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "truncated.msi")
	if err := os.WriteFile(p, buf.Bytes()[:buf.Len()-1000], 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRecoveryWarnings checks that every command that opens a package
// reports the container's recovery warnings on stderr, as cfb ls does, and
// that info --json lists them.
func TestRecoveryWarnings(t *testing.T) {
	in := truncatedPackage(t)
	_, _, cfbErr := runCLI(t, "cfb", "ls", in)
	if !strings.Contains(cfbErr, "read as zeros") {
		t.Fatalf("cfb ls stderr %q: the fixture is not truncated inside a stream", cfbErr)
	}
	want := "msikit: warning: " + in + ": "
	dir := t.TempDir()
	for _, args := range [][]string{
		{"info", in},
		{"info", "--json", in},
		{"tables", in},
		{"streams", in},
		{"export", in, "Property"},
		{"export", in, "-d", filepath.Join(dir, "idt")},
		{"cat", in, "Zpad"},
		{"repack", in, "-o", filepath.Join(dir, "repack.msi")},
		{"import", in, "../../testdata/sample.msi", "-o", filepath.Join(dir, "import.msi")},
		{"rewrite", in, "-o", filepath.Join(dir, "rewrite.msi")},
		{"rewrite", "--dry-run", "--json", in},
		{"extract", in, "-d", filepath.Join(dir, "x")},
	} {
		t.Run(strings.Join(args[:1], " "), func(t *testing.T) {
			if args[0] == "import" {
				// Any IDT file will do: export one.
				idt := filepath.Join(dir, "Property.idt")
				_, out, _ := runCLI(t, "export", "../../testdata/sample.msi", "Property")
				if err := os.WriteFile(idt, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				args[2] = idt
			}
			_, stdout, stderr := runCLI(t, args...)
			if !strings.Contains(stderr, want) || !strings.Contains(stderr, "read as zeros") {
				t.Errorf("%v: stderr %q lacks %q... read as zeros", args, stderr, want)
			}
			if args[0] == "info" && args[1] == "--json" {
				var info struct{ Warnings []string }
				if err := json.Unmarshal([]byte(stdout), &info); err != nil {
					t.Fatal(err)
				}
				if len(info.Warnings) == 0 || !strings.Contains(strings.Join(info.Warnings, "\n"), "read as zeros") {
					t.Errorf("info --json warnings = %q", info.Warnings)
				}
			}
		})
	}
}

// TestImportOverlongValue checks that a value longer than its column's
// declared size is imported with a warning (Windows Installer does not
// enforce the sizes) and refused with --strict.
func TestImportOverlongValue(t *testing.T) {
	dir := t.TempDir()
	idt := filepath.Join(dir, "Property.idt")
	long := strings.Repeat("P", 74) // the Property column is s72
	if err := os.WriteFile(idt, []byte("Property\tValue\r\ns72\tl0\r\nProperty\tProperty\r\n"+long+"\tx\r\nProductCode\t{CA84CAB9-CFE5-8F89-0D70-EA88B4E9BBD4}\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.msi")
	code, _, stderr := runCLI(t, "import", "../../testdata/sample.msi", idt, "-o", out)
	if code != 0 || !strings.Contains(stderr, "msikit: warning: ../../testdata/sample.msi: table Property column Property row ["+long+"]: string of 74 characters is longer than the column's 72") {
		t.Fatalf("import: exit %d, stderr %q", code, stderr)
	}
	db, err := msi.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	prop, _ := db.Table("Property")
	if _, ok := prop.Lookup(msi.StrValue(long)); !ok {
		t.Error("the over-long value was not kept")
	}
	code, _, stderr = runCLI(t, "import", "--strict", "../../testdata/sample.msi", idt, "-o", filepath.Join(dir, "strict.msi"))
	if code != 1 || !strings.Contains(stderr, "longer than the column's 72") {
		t.Errorf("import --strict: exit %d, stderr %q", code, stderr)
	}
}
