package main

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

func fileHash(t *testing.T, name string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	checkUsage(t,
		[]string{"import"},
		[]string{"import", "a.msi"},
		[]string{"import", "a.msi", "x.idt"}, // no -o
		[]string{"import", "a.msi", "x.idt", "-o", "b.msi", "--in-place"},
	)
	_, prop, _ := runCLI(t, "export", samplePath(), "Property")
	edited := strings.Replace(prop, "ProductVersion\t1.2.3", "ProductVersion\t9.9.9", 1) + "AddedProp\tadded value\r\n"
	if edited == prop+"AddedProp\tadded value\r\n" {
		t.Fatalf("sample Property table has no ProductVersion 1.2.3:\n%s", prop)
	}
	idt := filepath.Join(dir, "Property.idt")
	if err := os.WriteFile(idt, []byte(edited), 0o666); err != nil {
		t.Fatal(err)
	}
	checkBadInputs(t, "import", "FILE", idt, "-o", filepath.Join(dir, "bad-out.msi"))

	// Success: stdout is empty, the output has the edit, the input is untouched.
	before := fileHash(t, samplePath())
	out := filepath.Join(dir, "out.msi")
	code, stdout, stderr := runCLI(t, "import", samplePath(), idt, "-o", out)
	if code != exitOK || stdout != "" || !regexp.MustCompile(`^msikit: \S+out\.msi: Property: 1 inserted, 1 updated; 9 rows now \(\S+Property\.idt\)\nmsikit: \S+out\.msi: new PackageCode \{[0-9A-F-]{36}\} \(was \{CA84CAB9-CFE5-8F89-0D70-EA88B4E9BBD4\}\)\n$`).MatchString(stderr) {
		t.Fatalf("import: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if fileHash(t, samplePath()) != before {
		t.Fatal("import modified its input")
	}
	_, got, _ := runCLI(t, "export", out, "Property")
	// Rows are stored in key order (by string-pool id), so compare as sets
	// of lines after the header.
	lines := func(s string) []string {
		l := strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
		return l
	}
	if g, w := lines(got), lines(edited); len(g) != len(w) || !sameSet(g, w) {
		t.Errorf("Property after import:\n%s\nwant the lines of:\n%s", got, edited)
	}
	// Other tables are unchanged.
	for _, table := range []string{"File", "Component", "_SummaryInformation"} {
		_, a, _ := runCLI(t, "export", samplePath(), table)
		_, b, _ := runCLI(t, "export", out, table)
		if table == "_SummaryInformation" {
			// Only the PackageCode (Revision Number) changes.
			rev := regexp.MustCompile(`\r\n9\t\{[0-9A-F-]{36}\}\r\n`)
			a, b = rev.ReplaceAllString(a, "\r\n9\tGUID\r\n"), rev.ReplaceAllString(b, "\r\n9\tGUID\r\n")
		}
		if a != b {
			t.Errorf("table %s changed by importing Property", table)
		}
	}

	// A malformed IDT names the file and line, writes nothing.
	bad := filepath.Join(dir, "Bad.idt")
	os.WriteFile(bad, []byte("Property\tValue\r\ns72\tl0\r\nProperty\tProperty\r\nonly-one-field\r\n"), 0o666)
	badOut := filepath.Join(dir, "not-written.msi")
	code, _, stderr = runCLI(t, "import", samplePath(), bad, "-o", badOut)
	if code != exitFailure || !strings.HasPrefix(stderr, "msikit: "+bad+": line 4: ") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("malformed IDT: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(badOut); err == nil {
		t.Error("output written despite a malformed IDT")
	}
}

func sameSet(a, b []string) bool {
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

// A signed package is refused unless --drop-signature is given.
func TestImportSignedPackage(t *testing.T) {
	dir := testenv.CorpusDir()
	if dir == "" {
		t.Skip("shared corpus not found")
	}
	signed := filepath.Join(dir, "synthetic", "synth-all-signed.msi")
	if _, err := os.Stat(signed); err != nil {
		t.Skip("synth-all-signed.msi not in the corpus")
	}
	tmp := t.TempDir()
	idt := filepath.Join(tmp, "Property.idt")
	os.WriteFile(idt, []byte("Property\tValue\r\ns72\tl0\r\nProperty\tProperty\r\nA\tb\r\n"), 0o666)
	before := fileHash(t, signed)
	out := filepath.Join(tmp, "out.msi")
	code, _, stderr := runCLI(t, "import", signed, idt, "-o", out)
	if code != exitFailure || !strings.Contains(stderr, "signed") {
		t.Errorf("signed package without --drop-signature: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("output written for a refused signed package")
	}
	code, _, stderr = runCLI(t, "import", signed, idt, "-o", out, "--drop-signature")
	if code != exitOK || !strings.Contains(stderr, "signature removed") {
		t.Fatalf("--drop-signature: exit %d, stderr %q", code, stderr)
	}
	_, streams, _ := runCLI(t, "streams", out)
	if strings.Contains(streams, "DigitalSignature") {
		t.Errorf("signature streams left in the output:\n%s", streams)
	}
	if fileHash(t, signed) != before {
		t.Error("input modified")
	}
}

// Exporting a table with binary cells (export -d) and importing it back
// changes nothing: the PackageCode is kept, nothing is said, and a signed
// package stays signed and valid without --drop-signature (and with it,
// since nothing changes). A cell file changed by one byte is a change:
// a new PackageCode, the file's bytes stored, a signed package refused
// unless its signature is dropped.
func TestImportUnchangedBinaryCells(t *testing.T) {
	pki := testenv.NewPKI(t, "rsa", time.Time{}, time.Time{})
	dir := t.TempDir()
	signed := signedSample(t, pki, dir, "signed.msi")
	same := filepath.Join(dir, "same")
	if code, _, stderr := runCLI(t, "export", samplePath(), "Icon", "-d", same); code != exitOK {
		t.Fatalf("export -d: %s", stderr)
	}
	cells := readDir(t, filepath.Join(same, "Icon"))
	if len(cells) == 0 {
		t.Fatal("the sample's Icon table has no binary cells")
	}
	// The same export with one byte of one cell file flipped.
	changed := filepath.Join(dir, "changed")
	if code, _, stderr := runCLI(t, "export", samplePath(), "Icon", "-d", changed); code != exitOK {
		t.Fatalf("export -d: %s", stderr)
	}
	var first string
	for name := range cells {
		if first == "" || name < first {
			first = name
		}
	}
	b := []byte(cells[first])
	b[len(b)-1] ^= 1
	flipped := maps.Clone(cells)
	flipped[first] = string(b)
	if err := os.WriteFile(filepath.Join(changed, "Icon", first), b, 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		pkg       string
		from      string // the export folder imported
		args      []string
		exit      int
		newCode   bool              // the output has a new PackageCode
		cells     map[string]string // the output's Icon cell files
		signedOut bool              // the output is signed and valid
	}{
		{"unsigned, same", samplePath(), same, nil, exitOK, false, cells, false},
		{"signed, same", signed, same, nil, exitOK, false, cells, true},
		{"signed, same, --drop-signature", signed, same, []string{"--drop-signature"}, exitOK, false, cells, true},
		{"unsigned, one byte differs", samplePath(), changed, nil, exitOK, true, flipped, false},
		{"signed, one byte differs", signed, changed, nil, exitFailure, false, nil, false},
		{"signed, one byte differs, --drop-signature", signed, changed, []string{"--drop-signature"}, exitOK, true, flipped, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, fmt.Sprintf("out%d.msi", i))
			args := append([]string{"import", tt.pkg, filepath.Join(tt.from, "Icon.idt"), "-o", out}, tt.args...)
			code, stdout, stderr := runCLI(t, args...)
			if code != tt.exit || stdout != "" {
				t.Fatalf("exit %d, want %d; stdout %q, stderr %q", code, tt.exit, stdout, stderr)
			}
			if tt.exit != exitOK {
				if _, err := os.Stat(out); err == nil {
					t.Error("output written for a refused import")
				}
				return
			}
			if !tt.newCode && stderr != "" {
				t.Errorf("stderr %q, want nothing (nothing changed)", stderr)
			}
			if got := packageCode(t, out) != packageCode(t, tt.pkg); got != tt.newCode {
				t.Errorf("new PackageCode: %v, want %v (stderr %q)", got, tt.newCode, stderr)
			}
			outCells := filepath.Join(dir, fmt.Sprintf("cells%d", i))
			if code, _, stderr := runCLI(t, "export", out, "Icon", "-d", outCells); code != exitOK {
				t.Fatalf("export -d of the output: %s", stderr)
			}
			if diff := cmp.Diff(tt.cells, readDir(t, filepath.Join(outCells, "Icon"))); diff != "" {
				t.Errorf("Icon cells of the output (-want +got):\n%s", diff)
			}
			code, vout, _ := runCLI(t, "verify", "--ca-file", pki.CAFile, out)
			if valid := code == exitOK; valid != tt.signedOut {
				t.Errorf("output signed and valid: %v, want %v\n%s", valid, tt.signedOut, vout)
			}
			if !tt.signedOut {
				return
			}
			if ossl, err := exec.LookPath("osslsigncode"); err == nil {
				if msg, err := exec.Command(ossl, "verify", "-ignore-cdp", "-CAfile", pki.CAFile, "-in", out).CombinedOutput(); err != nil {
					t.Errorf("osslsigncode verify: %v\n%s", err, msg)
				}
			} else if testenv.Required() {
				t.Error("osslsigncode not found (MSIKIT_REQUIRE_ORACLES is set)")
			}
		})
	}
}

// readDir returns the files of a folder with their contents.
func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

// packageCode returns the PackageCode of the package name.
func packageCode(t *testing.T, name string) string {
	t.Helper()
	db, err := msi.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	code, err := db.PackageCode()
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// The import says what each IDT file changed, counted by primary key:
// rows inserted, deleted (an import replaces a table's rows, so a file
// that leaves rows out deletes them) and updated (a binary cell by its
// bytes); a created table with its rows; summary properties; the
// codepage. A file that changes nothing is not mentioned.
func TestImportReport(t *testing.T) {
	dir := t.TempDir()
	exp := filepath.Join(dir, "exp")
	if code, _, stderr := runCLI(t, "export", samplePath(), "-d", exp); code != exitOK {
		t.Fatalf("export -d: %s", stderr)
	}
	edit := func(name string, f func(string) string) {
		t.Helper()
		p := filepath.Join(exp, name)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s := f(string(b))
		if s == string(b) {
			t.Fatalf("%s: the edit changed nothing", name)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	drop := func(prefix string) func(string) string {
		return func(s string) string {
			i := strings.Index(s, "\r\n"+prefix)
			j := strings.Index(s[i+2:], "\r\n")
			return s[:i] + s[i+2+j:]
		}
	}
	edit("Property.idt", drop("ALLUSERS\t"))
	edit("Property.idt", drop("Manufacturer\t"))
	edit("Property.idt", func(s string) string {
		return strings.Replace(s, "ProductVersion\t1.2.3", "ProductVersion\t2.0", 1) + "NEWPROP\tx\r\n"
	})
	edit("Icon/Icon.app.ico", func(s string) string { return s + "changed" })
	edit("_SummaryInformation.idt", func(s string) string {
		return strings.Replace(s, "\r\n3\tSynthetic all\r\n", "\r\n3\tRenamed\r\n", 1)
	})
	edit("_ForceCodepage.idt", func(s string) string {
		return strings.Replace(s, "\r\n0\t_ForceCodepage", "\r\n1252\t_ForceCodepage", 1)
	})
	newTable := filepath.Join(dir, "NewT.idt")
	if err := os.WriteFile(newTable, []byte("A\tB\r\ns72\ti2\r\nNewT\tA\r\nx\t1\r\ny\t2\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	files := []string{"Property.idt", "File.idt", "Icon.idt", "_SummaryInformation.idt", "_ForceCodepage.idt"}
	args := []string{"import", samplePath()}
	for _, f := range files {
		args = append(args, filepath.Join(exp, f))
	}
	out := filepath.Join(dir, "out.msi")
	args = append(args, newTable, "-o", out)
	code, stdout, stderr := runCLI(t, args...)
	if code != exitOK || stdout != "" {
		t.Fatalf("import: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	prefix := "msikit: " + out + ": "
	want := []string{
		prefix + "Property: 1 inserted, 2 deleted, 1 updated; 7 rows now (" + filepath.Join(exp, "Property.idt") + ")",
		prefix + "Icon: 1 updated; 1 row now (" + filepath.Join(exp, "Icon.idt") + ")",
		prefix + "summary information: 1 property changed (" + filepath.Join(exp, "_SummaryInformation.idt") + ")",
		prefix + "codepage 1252 (was 0) (" + filepath.Join(exp, "_ForceCodepage.idt") + ")",
		prefix + "NewT: created, 2 rows (" + newTable + ")",
	}
	got := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(got) != len(want)+1 || !strings.HasPrefix(got[len(want)], prefix+"new PackageCode ") {
		t.Fatalf("stderr %q: want the %d lines of the changes, then the new PackageCode", stderr, len(want))
	}
	if diff := cmp.Diff(want, got[:len(want)]); diff != "" {
		t.Errorf("import report (-want +got):\n%s", diff)
	}

	// The codepage file again, into the package already in 1252: nothing
	// changes, so nothing is said (the report once took "was" as 0).
	again := filepath.Join(dir, "again.msi")
	if code, _, stderr := runCLI(t, "import", out, filepath.Join(exp, "_ForceCodepage.idt"), "-o", again); code != exitOK || stderr != "" {
		t.Errorf("the same codepage again: exit %d, stderr %q; want nothing said", code, stderr)
	}
}
