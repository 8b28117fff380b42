package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/idt"
)

// transformCLSID is the root CLSID of a transform (.mst).
var transformCLSID = cfb.GUID{0x82, 0x10, 0x0C, 0x00, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46}

// sampleVariant writes dir/name: testdata/sample.msi with the root CLSID
// set to clsid (when non-nil) and the extra streams added.
func sampleVariant(t *testing.T, dir, name string, clsid *cfb.GUID, extra map[string][]byte) string {
	t.Helper()
	rc, err := cfb.OpenReader(samplePath())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var out bytes.Buffer
	w := cfb.NewWriter(&out, nil)
	root := cfb.Header{CLSID: rc.Root.CLSID}
	if clsid != nil {
		root.CLSID = *clsid
	}
	w.SetRoot(root)
	for _, e := range rc.Root.Children {
		if err := w.Copy(e); err != nil {
			t.Fatal(err)
		}
	}
	for n, b := range extra {
		h := &cfb.Header{RawName: utf16.Encode([]rune(n))}
		if err := w.CreateHeaderFrom("", h, bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// fakeSignedSample is the sample with a \x05DigitalSignature stream, which is
// all msikit needs to treat a package as signed (the signature is never
// verified).
func fakeSignedSample(t *testing.T, dir string) string {
	return sampleVariant(t, dir, "signed.msi", nil, map[string][]byte{"\x05DigitalSignature": []byte("not a real signature")})
}

// plainSample writes dir/name: the sample without the tables
// class-to-registry reads, so that the pass reports no change and no note.
func plainSample(t *testing.T, dir, name string) string {
	t.Helper()
	db, err := msi.Open(samplePath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, n := range []string{"Class", "ProgId", "AppId", "Extension", "Verb", "MIME", "TypeLib"} {
		if err := db.DropTable(n); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, name)
	if err := db.Save(p, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

// transformSample is the sample's container with a transform's root CLSID:
// msikit reads it as a transform whose tables are change records.
func transformSample(t *testing.T, dir string) string {
	return sampleVariant(t, dir, "sample.mst", &transformCLSID, nil)
}

// checkErrorLine fails t for each problem errorLineProblems finds.
func checkErrorLine(t *testing.T, line string) {
	t.Helper()
	for _, p := range errorLineProblems(line) {
		t.Errorf("error line %q %s", line, p)
	}
}

// errorLineProblems checks one line a command printed on standard error:
// it starts with "msikit: " (or "msikit CMD: " for a usage error), names
// no temporary file, repeats no context (every "segment: " before the
// reason appears once), and carries no prefix of msikit's own msi and
// transform packages, which the line's file context makes redundant.
func errorLineProblems(line string) []string {
	var problems []string
	if !strings.HasPrefix(line, "msikit") {
		problems = append(problems, "does not start with msikit")
	}
	if strings.Contains(line, ".tmp-") {
		problems = append(problems, "names a temporary file")
	}
	segs := strings.Split(line, ": ")
	seen := map[string]bool{}
	for _, s := range segs[:len(segs)-1] {
		if seen[s] {
			problems = append(problems, "repeats the context "+strconv.Quote(s))
		}
		seen[s] = true
		if s == "msi" || s == "transform" {
			problems = append(problems, "carries the package prefix "+strconv.Quote(s+": "))
		}
	}
	for _, p := range []string{"cfb: ", "cab: "} {
		if strings.Count(line, p) > 1 {
			problems = append(problems, "repeats "+strconv.Quote(p))
		}
	}
	return problems
}

// TestCheckErrorLine makes sure the line checker catches what it is for.
func TestCheckErrorLine(t *testing.T) {
	for _, bad := range []string{
		"msikit: a.msi: class-to-registry: transform: class-to-registry: a transform is not an installer database",
		"msikit: nodir/out.msi: open nodir/.out.msi.tmp-1391136429: no such file or directory",
		"msikit: o1.msi: writing a changed package: msi: package is digitally signed",
		"msikit: a.msi: a.msi: no such file or directory",
		"msikit: a.msi: cfb: b: cfb: bad",
	} {
		if len(errorLineProblems(bad)) == 0 {
			t.Errorf("checkErrorLine accepts %q", bad)
		}
	}
	for _, good := range []string{
		"msikit: a.msi: cfb: file is 7 bytes, shorter than the 512-byte header (offset 0)",
		"msikit: out.msi: write: no space left on device",
		"msikit rewrite: --jobs must be at least 1 (see 'msikit help rewrite')",
	} {
		if p := errorLineProblems(good); len(p) != 0 {
			t.Errorf("checkErrorLine rejects %q: %q", good, p)
		}
	}
}

// TestErrorLines runs every command into the failures a user meets
// (missing, garbage and truncated input, a missing or occupied output
// folder, a transform, a signed package, bad IDT input, an output that is
// the input) and checks each error line: one line, exit 1, the user's
// own paths, no temporary names, no repeated context.
func TestErrorLines(t *testing.T) {
	dir := t.TempDir()
	s := copySample(t, dir, "in.msi")
	missing := filepath.Join(dir, "missing.msi")
	garbage := filepath.Join(dir, "garbage.msi")
	if err := os.WriteFile(garbage, []byte("not a package"), 0o644); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(s)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.msi")
	if err := os.WriteFile(truncated, data[:5000], 0o644); err != nil {
		t.Fatal(err)
	}
	mst := transformSample(t, dir)
	signed := fakeSignedSample(t, dir)
	nodir := filepath.Join(dir, "nodir", "out.msi")
	folder := filepath.Join(dir, "folder")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	badIDT := filepath.Join(dir, "Bad.idt")
	if err := os.WriteFile(badIDT, []byte("A\tB\r\ns72\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	db, err := msi.Open(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := idt.Export(&text, db, "Property", nil); err != nil {
		t.Fatal(err)
	}
	db.Close()
	propIDT := filepath.Join(dir, "Property.idt")
	changedIDT := filepath.Join(dir, "changed", "Property.idt")
	os.Mkdir(filepath.Dir(changedIDT), 0o755)
	if err := os.WriteFile(propIDT, text.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(changedIDT, append(text.Bytes(), "NewProperty\tx\r\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.msi")
	badTable := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "msi-table-not-row-multiple.msi")

	tests := [][]string{
		{"info", badTable}, {"tables", "-l", badTable}, {"export", badTable, "-d", filepath.Join(dir, "exp")},
		{"rewrite", badTable, "-o", out}, {"rewrite", badTable, "--dry-run"},
		{"info", missing}, {"info", garbage}, {"info", truncated}, {"info", folder},
		{"tables", garbage}, {"tables", "-l", mst},
		{"export", garbage, "Property"}, {"export", s, "NoSuchTable"}, {"export", mst, "Property"},
		{"export", mst, "-d", filepath.Join(dir, "exp")},
		{"streams", truncated}, {"cat", s, "NoSuchStream"}, {"cat", missing, "x"},
		{"extract", garbage, "-d", filepath.Join(dir, "ext")},
		{"repack", s, "-o", nodir}, {"repack", s, "-o", folder}, {"repack", s, "-o", s},
		{"repack", mst, "-o", out}, {"repack", signed, "-o", out}, {"repack", garbage, "-o", out},
		{"import", s, missing + ".idt", "-o", out}, {"import", s, badIDT, "-o", out},
		{"import", s, propIDT, "-o", nodir}, {"import", mst, propIDT, "-o", out},
		{"import", signed, changedIDT, "-o", out},
		{"rewrite", s, "-o", nodir}, {"rewrite", s, "-o", folder + "/sub/x.msi"},
		{"rewrite", garbage, "-o", out}, {"rewrite", missing, "-o", out}, {"rewrite", mst, "-o", out},
		{"rewrite", signed, "-o", out}, {"rewrite", s, "-o", s},
		{"cfb", "ls", missing}, {"cfb", "ls", garbage}, {"cfb", "cat", s, "nope"},
		{"cfb", "repack", s, "-o", nodir}, {"cfb", "repack", s, "-o", folder},
		{"cfb", "repack", truncated, "-o", out},
		{"sbom", garbage}, {"sbom", missing}, {"sbom", mst}, {"sbom", badTable},
		{"sbom", s, "-o", nodir}, {"sbom", s, "-o", s},
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			os.Remove(out)
			code, _, stderr := runCLI(t, args...)
			if code != exitFailure {
				t.Errorf("exit %d, want 1", code)
			}
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if len(lines) != 1 || !strings.HasSuffix(stderr, "\n") {
				t.Fatalf("stderr %q: want one line", stderr)
			}
			checkErrorLine(t, lines[0])
			// The line names one of the paths the user gave.
			named := false
			for _, a := range args {
				if strings.HasPrefix(lines[0], "msikit: "+a+": ") {
					named = true
				}
			}
			if !named {
				t.Errorf("error line %q does not start with a path from the command line", lines[0])
			}
		})
	}
}

// A batch rewrite reports each failure, and the run's failure, on lines
// the same checks accept.
func TestErrorLinesBatch(t *testing.T) {
	dir := t.TempDir()
	a := copySample(t, dir, "a.msi")
	mst := transformSample(t, dir)
	code, stdout, stderr := runCLI(t, "rewrite", "-o", filepath.Join(dir, "out"), a, mst, filepath.Join(dir, "missing.msi"))
	if code != exitFailure {
		t.Fatalf("exit %d, want 1; stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(lines) != 3 {
		t.Errorf("stderr %q: want one line per failed package and one for the run", stderr)
	}
	for _, l := range lines {
		checkErrorLine(t, l)
	}
	for _, l := range strings.Split(stdout, "\n") {
		if rest, ok := strings.CutPrefix(l, "FAILED "); ok {
			checkErrorLine(t, "msikit: "+rest)
		}
	}
}

// An import that changes nothing leaves a signed package's signature and
// says nothing about a changed package; one that changes something is
// refused without --drop-signature, naming the input.
func TestImportUnchanged(t *testing.T) {
	dir := t.TempDir()
	signed := fakeSignedSample(t, dir)
	db, err := msi.Open(signed)
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := idt.Export(&text, db, "Property", nil); err != nil {
		t.Fatal(err)
	}
	db.Close()
	same := filepath.Join(dir, "same", "Property.idt")
	changed := filepath.Join(dir, "changed", "Property.idt")
	for p, b := range map[string][]byte{same: text.Bytes(), changed: append(bytes.Clone(text.Bytes()), "NewProperty\tx\r\n"...)} {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "out.msi")
	code, _, stderr := runCLI(t, "import", signed, same, "-o", out)
	if code != exitOK || stderr != "" {
		t.Fatalf("import of the same rows: exit %d, stderr %q; want 0 and silence", code, stderr)
	}
	if !isSigned(t, out) {
		t.Error("import of the same rows dropped the signature")
	}
	code, _, stderr = runCLI(t, "import", signed, changed, "-o", out)
	if code != exitFailure || !strings.HasPrefix(stderr, "msikit: "+signed+": package is signed and the import changes it") {
		t.Errorf("import that changes a signed package: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCLI(t, "import", signed, changed, "-o", out, "--drop-signature")
	if code != exitOK || !strings.Contains(stderr, "msikit: "+out+": digital signature removed (the import changed the package; sign it again)\n") ||
		!strings.Contains(stderr, "msikit: "+out+": new PackageCode ") ||
		!strings.Contains(stderr, "msikit: "+out+": Property: 1 inserted; 9 rows now (") || strings.Count(stderr, "\n") != 3 {
		t.Errorf("import --drop-signature that changes: exit %d, stderr %q", code, stderr)
	}
	if isSigned(t, out) {
		t.Error("signature kept although the report says it was removed")
	}
}

func isSigned(t *testing.T, path string) bool {
	t.Helper()
	db, err := msi.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return db.Signed()
}

// Batch rewrites whose inputs share an output name are refused before any
// work, with exit status 2 and one line naming both inputs.
func TestRewriteBatchCollisions(t *testing.T) {
	dir := t.TempDir()
	for _, sub := range []string{"A", "B", "C"} {
		os.Mkdir(filepath.Join(dir, sub), 0o755)
	}
	a := copySample(t, filepath.Join(dir, "A"), "x.msi")
	b := copySample(t, filepath.Join(dir, "B"), "x.msi")
	c := copySample(t, filepath.Join(dir, "C"), "X.MSI")
	aAgain := filepath.Join(dir, "A", "..", "A", "x.msi")
	out := filepath.Join(dir, "out")
	tests := []struct {
		name  string
		args  []string
		names []string // inputs the line must name
	}{
		{"same name", []string{"-o", out, a, b}, []string{a, b}},
		{"names that differ in case", []string{"-o", out, a, c}, []string{a, c}},
		{"folders holding the same name", []string{"-o", out, filepath.Join(dir, "A"), filepath.Join(dir, "B")}, []string{a, b}},
		{"one file twice", []string{"-o", out, a, aAgain}, []string{a, aAgain}},
		{"in place, one file twice", []string{"--in-place", a, aAgain}, []string{a, aAgain}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fileSum(t, a)
			code, stdout, stderr := runCLI(t, append([]string{"rewrite"}, tt.args...)...)
			if code != exitUsage || stdout != "" || strings.Count(stderr, "\n") != 1 {
				t.Fatalf("exit %d, stdout %q, stderr %q: want exit 2 and one line", code, stdout, stderr)
			}
			for _, n := range tt.names {
				if !strings.Contains(stderr, n) {
					t.Errorf("stderr %q does not name %s", stderr, n)
				}
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("the output folder was created")
			}
			if fileSum(t, a) != before {
				t.Error("an input changed")
			}
		})
	}
	// Distinct names in one batch still work.
	y := copySample(t, filepath.Join(dir, "C"), "y.msi")
	code, _, stderr := runCLI(t, "rewrite", "-o", out, a, y, "--class-to-registry")
	if code != exitOK {
		t.Errorf("a batch without collisions: exit %d, stderr %q", code, stderr)
	}
}

// reportLine is the shape of every line of rewrite's text report: a
// package line or FAILED line or the count at column 0, details indented
// by exactly two spaces, diff lines (dry run) at column 0; no trailing
// spaces.
var reportLine = regexp.MustCompile(`^(FAILED \S.*|\d+ succeeded, \d+ failed|\S.* -> \S.*: .*|\S.* \(dry run, nothing written\): .*|  \S.*|[-+#].*)$`)

func TestRewriteTextReport(t *testing.T) {
	dir := t.TempDir()
	a := copySample(t, dir, "a.msi")
	b := copySample(t, dir, "b.msi")
	garbage := filepath.Join(dir, "garbage.msi")
	if err := os.WriteFile(garbage, []byte("not a package"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A pass that reports nothing used to leave two spaces at the start
	// of the next line.
	p1, p2 := plainSample(t, dir, "p1.msi"), plainSample(t, dir, "p2.msi")
	for _, tt := range []struct {
		name  string
		args  []string
		count string // the last line, for a batch
	}{
		{"one package", []string{"-o", filepath.Join(dir, "one.msi"), a}, ""},
		{"batch", []string{"-o", filepath.Join(dir, "out"), a, b}, "2 succeeded, 0 failed"},
		{"batch with a failure", []string{"-o", filepath.Join(dir, "out2"), garbage, a, b}, "2 succeeded, 1 failed"},
		{"batch, failure last", []string{"-o", filepath.Join(dir, "out3"), a, garbage}, "1 succeeded, 1 failed"},
		{"dry run batch", []string{"--dry-run", a, garbage}, "1 succeeded, 1 failed"},
		{"leaf-features only (notes, no changes)", []string{"--leaf-features", "-o", filepath.Join(dir, "out4"), a, b}, "2 succeeded, 0 failed"},
		{"empty reports", []string{"--class-to-registry", "-o", filepath.Join(dir, "out5"), p1, garbage, p2}, "2 succeeded, 1 failed"},
		{"empty reports, dry run", []string{"--class-to-registry", "--dry-run", p1, p2}, "2 succeeded, 0 failed"},
		{"empty report, one package", []string{"--class-to-registry", "-o", filepath.Join(dir, "one-plain.msi"), p1}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, stdout, _ := runCLI(t, append([]string{"rewrite"}, tt.args...)...)
			if !strings.HasSuffix(stdout, "\n") {
				t.Fatalf("report does not end with a newline:\n%q", stdout)
			}
			lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
			for i, l := range lines {
				if !reportLine.MatchString(l) || strings.HasSuffix(l, " ") {
					t.Errorf("line %d %q: stray indentation or trailing space", i+1, l)
				}
			}
			// Each package's line starts at column 0 with its path (or
			// FAILED and its path).
			for i, in := range tt.args {
				if strings.HasPrefix(in, "-") || i > 0 && tt.args[i-1] == "-o" {
					continue // a flag or the output
				}
				if !slices.ContainsFunc(lines, func(l string) bool {
					return strings.HasPrefix(l, in+" ") || strings.HasPrefix(l, "FAILED "+in+": ")
				}) {
					t.Errorf("no line starts with %s or FAILED %s:\n%s", in, in, stdout)
				}
			}
			if tt.count != "" && lines[len(lines)-1] != tt.count {
				t.Errorf("last line %q, want %q", lines[len(lines)-1], tt.count)
			}
			if tt.count == "" && strings.HasPrefix(lines[0], " ") {
				t.Errorf("first line %q is indented", lines[0])
			}
		})
	}
}

// writeIndented indents every line, and only lines.
func TestWriteIndented(t *testing.T) {
	for in, want := range map[string]string{
		"":           "",
		"a\n":        "  a\n",
		"a\nb\n":     "  a\n  b\n",
		"a\nb":       "  a\n  b\n",
		"a\n\tb c\n": "  a\n  \tb c\n",
	} {
		var b strings.Builder
		writeIndented(&b, in)
		if b.String() != want {
			t.Errorf("writeIndented(%q) = %q, want %q", in, b.String(), want)
		}
	}
}

// Contradictory or impossible flags are refused with exit status 2 and one
// line, before anything is read or written.
func TestContradictoryFlags(t *testing.T) {
	dir := t.TempDir()
	s := copySample(t, dir, "in.msi")
	out := filepath.Join(dir, "out.msi")
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := [][]string{
		{"rewrite", s, "--dry-run", "-o", out},
		{"rewrite", s, "--dry-run", "--sync"},
		{"rewrite", s, "--dry-run", "--in-place"},
		{"rewrite", s, "-o", out, "--in-place"},
		{"rewrite", s, "-o", out, "--source", filepath.Join(dir, "nonexistent")},
		{"rewrite", s, "-o", out, "--source", file},
		{"rewrite", s, "-o", out, "--class-to-registry", "--force"},
		{"rewrite", s, "-o", out, "--leaf-features", "--source", dir},
		{"rewrite", s, "-o", out, "--assembly-names", "--no-icon-cache"},
		{"rewrite", s, "-o", out, "--class-to-registry", "--leaf-allow-absent"},
		{"rewrite", s, s, "-o", file},
		{"export", s, "Property", "--json", "--format", "idt"},
		{"import", s, "x.idt", "-o", out, "--in-place"},
		{"repack", s, "-o", out, "--in-place"},
		{"cfb", "repack", s, "-o", out, "--version", "5"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, args...)
			if code != exitUsage || stdout != "" || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stdout %q, stderr %q: want exit 2 and one line", code, stdout, stderr)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("output written")
				os.Remove(out)
			}
		})
	}
	// Pass options with their pass, or with every pass, are accepted.
	for _, args := range [][]string{
		{"rewrite", s, "--dry-run", "--assembly-names", "--force", "--source", dir},
		{"rewrite", s, "--dry-run", "--no-icon-cache", "--leaf-allow-absent", "--file-version"},
		{"rewrite", s, "--dry-run", "--all", "--processor-architecture", "ARM"},
	} {
		if code, _, stderr := runCLI(t, args...); code != exitOK {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
}

// A transform's tables cannot be exported, whichever way they are asked
// for: every form exits 1 with the same reason and writes nothing. Its
// pseudo-tables export.
func TestExportTransform(t *testing.T) {
	dir := t.TempDir()
	mst := transformSample(t, dir)
	outDir := filepath.Join(dir, "out")
	for _, args := range [][]string{
		{mst, "-d", outDir},
		{mst, "--json"},
		{mst, "Property"},
		{mst, "Feature"},
		{mst, "Feature", "-d", outDir},
		{mst, "_SummaryInformation", "Feature", "-d", outDir},
	} {
		code, stdout, stderr := runCLI(t, append([]string{"export"}, args...)...)
		if code != exitFailure || stdout != "" || !strings.HasPrefix(stderr, "msikit: "+mst+": is a transform: its tables hold change records") {
			t.Errorf("export %q: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
		if _, err := os.Stat(outDir); err == nil {
			t.Errorf("export %q created the output folder", args)
			os.RemoveAll(outDir)
		}
	}
	for _, args := range [][]string{
		{mst, "_SummaryInformation"},
		{mst, "_ForceCodepage"},
		{mst, "_SummaryInformation", "_ForceCodepage", "-d", outDir},
	} {
		if code, _, stderr := runCLI(t, append([]string{"export"}, args...)...); code != exitOK {
			t.Errorf("export %q: exit %d, stderr %q", args, code, stderr)
		}
	}
}

// --json is JSON output for export as it is for info and rewrite, and
// the same as --format json.
func TestExportJSONFlag(t *testing.T) {
	for _, args := range [][]string{
		{"Property"},
		{"Media", "Icon", "_ForceCodepage"},
	} {
		a := append([]string{"export", samplePath()}, args...)
		_, want, _ := runCLI(t, append(a, "--format", "json")...)
		code, got, stderr := runCLI(t, append(a, "--json")...)
		if code != exitOK {
			t.Fatalf("%q --json: exit %d, stderr %q", a, code, stderr)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%q: --json differs from --format json:\n%s", a, diff)
		}
		if code, _, stderr := runCLI(t, append(a, "--json", "--format", "json")...); code != exitOK {
			t.Errorf("--json --format json: exit %d, stderr %q", code, stderr)
		}
	}
	// sbom's --format chooses between two JSON documents (CycloneDX,
	// SPDX): there is no text output for --json to turn into JSON.
	allJSON := map[string]bool{"sbom": true}
	for _, c := range append(allCommands(), []string{"help"}) {
		fs := commandFlags(t, c)
		if fs.Lookup("format") != nil && fs.Lookup("json") == nil && !allJSON[strings.Join(c, " ")] {
			t.Errorf("msikit %s has --format but no --json", strings.Join(c, " "))
		}
	}
}

// commandFlags returns the flag set of the command at path.
func commandFlags(t *testing.T, path []string) *flag.FlagSet {
	t.Helper()
	cmd := lookupCommand(t, path)
	fs := flag.NewFlagSet(cmd.Name, flag.ContinueOnError)
	cmd.Setup(fs)
	fs.BoolP("help", "h", false, "show this help")
	return fs
}

func lookupCommand(t *testing.T, path []string) *Command {
	t.Helper()
	list := append(commands(), helpCommand())
	var cmd *Command
	for _, p := range path {
		cmd = findCommand(list, p)
		if cmd == nil {
			t.Fatalf("no command %q", strings.Join(path, " "))
		}
		list = cmd.Sub
	}
	return cmd
}

var flagMention = regexp.MustCompile(`(?:^|[\s\[(|"'` + "`" + `])--([a-z][a-z0-9-]*)`)

// Every command's help agrees with its flags: each --flag the text
// mentions exists, each flag that takes a value names it in upper case
// (OUT, DIR, N; never pflag's "string" or "int"), and examples are
// indented alike.
func TestHelpMatchesFlags(t *testing.T) {
	for _, path := range append(allCommands(), []string{"help"}, []string{"cfb"}) {
		name := strings.Join(path, " ")
		t.Run(name, func(t *testing.T) {
			cmd := lookupCommand(t, path)
			var help bytes.Buffer
			printUsage(&help, cmd)
			if len(cmd.Sub) == 0 {
				fs := commandFlags(t, path)
				text := cmd.UsageLine + "\n" + cmd.Long + "\n" + cmd.Example
				for _, m := range flagMention.FindAllStringSubmatch(text, -1) {
					if fs.Lookup(m[1]) == nil {
						t.Errorf("help mentions --%s, which msikit %s does not have", m[1], name)
					}
				}
				fs.VisitAll(func(f *flag.Flag) {
					if f.Value.Type() == "bool" {
						return
					}
					v, _ := flag.UnquoteUsage(f)
					if v == "" || strings.ToUpper(v) != v {
						t.Errorf("--%s: value name %q, want an upper-case name in backquotes in its usage", f.Name, v)
					}
				})
			}
			_, ex, ok := strings.Cut(help.String(), "\nExample:\n\n")
			if !ok {
				t.Fatal("help has no examples")
			}
			for _, l := range strings.Split(strings.TrimSuffix(ex, "\n"), "\n") {
				if !strings.HasPrefix(l, "\t") || strings.HasPrefix(l, "\t\t") || strings.HasPrefix(l, "\t ") {
					t.Errorf("example line %q: want exactly one tab of indentation", l)
				}
			}
		})
	}
}

// The --processor-architecture help lists every value the flag accepts.
func TestRewriteArchHelp(t *testing.T) {
	f := commandFlags(t, []string{"rewrite"}).Lookup("processor-architecture")
	listed := regexp.MustCompile(`\(([^)]*)\)`).FindStringSubmatch(f.Usage)
	if listed == nil {
		t.Fatalf("usage %q lists no values", f.Usage)
	}
	var accepted []string
	for _, a := range strings.Split(listed[1], ", ") {
		if !validArch(a) {
			t.Errorf("help lists %q, which is refused", a)
		}
		accepted = append(accepted, strings.ToLower(a))
	}
	for _, a := range []string{"msil", "x86", "amd64", "ia64", "arm", "arm64"} {
		if validArch(a) && !slices.Contains(accepted, a) {
			t.Errorf("help omits %s, which is accepted", a)
		}
	}
}
