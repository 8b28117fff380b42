package main

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
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
	if code != exitOK || stdout != "" || !regexp.MustCompile(`^msikit: \S+out\.msi: new PackageCode \{[0-9A-F-]{36}\} \(was \{CA84CAB9-CFE5-8F89-0D70-EA88B4E9BBD4\}\)\n$`).MatchString(stderr) {
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
