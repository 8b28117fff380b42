package main

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// cdxDoc is the part of a CycloneDX document the tests read.
type cdxDoc struct {
	Metadata struct {
		Timestamp string       `json:"timestamp"`
		Component cdxComponent `json:"component"`
	} `json:"metadata"`
	Components   []cdxComponent `json:"components"`
	Compositions []struct {
		Aggregate string `json:"aggregate"`
	} `json:"compositions"`
}

type cdxComponent struct {
	Type   string `json:"type"`
	Name   string `json:"name"`
	Hashes []struct {
		Alg     string `json:"alg"`
		Content string `json:"content"`
	} `json:"hashes"`
	Evidence *struct {
		Occurrences []struct {
			Location string `json:"location"`
		} `json:"occurrences"`
	} `json:"evidence"`
	Components []cdxComponent `json:"components"`
	Properties []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"properties"`
}

func (c *cdxComponent) hash(alg string) string {
	for _, h := range c.Hashes {
		if h.Alg == alg {
			return h.Content
		}
	}
	return ""
}

func (c *cdxComponent) prop(name string) string {
	for _, p := range c.Properties {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// files returns the file components with an install path, nested ones
// (merge modules) included.
func (d *cdxDoc) files() []cdxComponent {
	var out []cdxComponent
	var walk func(cs []cdxComponent)
	walk = func(cs []cdxComponent) {
		for _, c := range cs {
			if c.Type == "file" && c.Evidence != nil {
				out = append(out, c)
			}
			walk(c.Components)
		}
	}
	walk(d.Components)
	return out
}

func parseCDX(t *testing.T, b []byte) *cdxDoc {
	t.Helper()
	var d cdxDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("not a CycloneDX document: %v\n%.300s", err, b)
	}
	return &d
}

// TestSBOMMatchesExtract runs msikit extract and msikit sbom on every
// corpus package and checks that the SBOM lists every file extract
// writes, at the path extract writes it to, with the SHA-256 and SHA-1
// of the written file; and that every MsiFileHash matches.
func TestSBOMMatchesExtract(t *testing.T) {
	var mu sync.Mutex
	var pkgs, files, md5s int
	t.Cleanup(func() {
		t.Logf("%d packages, %d files compared with what extract writes, %d MsiFileHash checks", pkgs, files, md5s)
		if pkgs > 0 && (files == 0 || md5s == 0) {
			t.Error("checks did not engage")
		}
	})
	for _, path := range testenv.CorpusFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			db, err := msi.Open(path)
			if err != nil {
				return // corrupt packages: both commands refuse them (TestErrorLines)
			}
			kind := db.Kind()
			db.Close()
			if kind == msi.PackageTransform {
				return
			}
			dir := t.TempDir()
			runCLI(t, "extract", path, "-d", filepath.Join(dir, "x"))
			written := treeSums(t, filepath.Join(dir, "x"))
			out := filepath.Join(dir, "sbom.json")
			code, _, stderr := runCLI(t, "sbom", path, "-o", out)
			if code != exitOK && code != exitFailure {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			doc := parseCDX(t, b)
			listed := map[string]bool{}
			n, nmd5 := 0, 0
			for _, c := range doc.files() {
				loc := c.Evidence.Occurrences[0].Location
				sum, ok := written[loc]
				if c.hash("SHA-256") == "" {
					if ok {
						t.Errorf("%s: no hashes in the SBOM, but extract writes it", loc)
					}
					continue
				}
				if !ok {
					t.Errorf("%s: in the SBOM, extract does not write it", loc)
					continue
				}
				listed[loc] = true
				n++
				if c.hash("SHA-256") != sum {
					t.Errorf("%s: SBOM SHA-256 %s, extract writes %s", loc, c.hash("SHA-256"), sum)
				}
				data, err := os.ReadFile(filepath.Join(dir, "x", filepath.FromSlash(loc)))
				if err != nil {
					t.Fatal(err)
				}
				if h := sha1.Sum(data); c.hash("SHA-1") != hex.EncodeToString(h[:]) {
					t.Errorf("%s: SBOM SHA-1 %s, the written file has %x", loc, c.hash("SHA-1"), h)
				}
				if m := c.prop("msikit:msiFileHashMatch"); m != "" {
					nmd5++
					if m != "true" {
						t.Errorf("%s: MsiFileHash %s does not match MD5 %s", loc, c.prop("msikit:msiFileHash"), c.hash("MD5"))
					}
				}
			}
			for loc := range written {
				if !listed[loc] {
					t.Errorf("extract writes %s, the SBOM does not list it with hashes", loc)
				}
			}
			mu.Lock()
			pkgs++
			files += n
			md5s += nmd5
			mu.Unlock()
		})
	}
}

// TestSBOMCommand covers the outputs: standard output, -o FILE in both
// formats, the same bytes for the same package and $SOURCE_DATE_EPOCH,
// and a folder of packages to a folder of documents.
func TestSBOMCommand(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	dir := t.TempDir()
	code, stdout, stderr := runCLI(t, "sbom", samplePath())
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	doc := parseCDX(t, []byte(stdout))
	if doc.Metadata.Timestamp != "2023-11-14T22:13:20Z" || doc.Metadata.Component.Name != "Synthetic all" || len(doc.files()) != 17 {
		t.Errorf("timestamp %q, package %q, %d files", doc.Metadata.Timestamp, doc.Metadata.Component.Name, len(doc.files()))
	}
	out := filepath.Join(dir, "sample.spdx.json")
	code, stdout2, stderr := runCLI(t, "sbom", "--format", "spdx", samplePath(), "-o", out)
	if code != exitOK || stderr != "" || !strings.Contains(stdout2, "17 files, 0 merge modules, 0 streams") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout2, stderr)
	}
	spdx, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(spdx, []byte(`"spdxVersion": "SPDX-2.3"`)) || !bytes.Contains(spdx, []byte(`"created": "2023-11-14T22:13:20Z"`)) {
		t.Errorf("not the SPDX document expected:\n%.400s", spdx)
	}
	if _, again, _ := runCLI(t, "sbom", samplePath()); again != stdout {
		t.Error("two runs on one package with SOURCE_DATE_EPOCH differ")
	}
	// The last second RFC 3339 can write, and the first it cannot.
	t.Setenv("SOURCE_DATE_EPOCH", "253402300799")
	if code, stdout, stderr := runCLI(t, "sbom", samplePath()); code != exitOK || parseCDX(t, []byte(stdout)).Metadata.Timestamp != "9999-12-31T23:59:59Z" {
		t.Errorf("SOURCE_DATE_EPOCH=253402300799: exit %d, stderr %q", code, stderr)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "253402300800")
	if code, _, stderr := runCLI(t, "sbom", samplePath()); code != exitUsage {
		t.Errorf("SOURCE_DATE_EPOCH=253402300800 (the year 10000): exit %d, want %d; stderr %q", code, exitUsage, stderr)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")

	// A folder of packages: one document each, named after it.
	in := filepath.Join(dir, "in")
	os.Mkdir(in, 0o755)
	copySample(t, in, "a.msi")
	copySample(t, in, "b.msm")
	os.WriteFile(filepath.Join(in, "notes.txt"), []byte("not a package"), 0o644)
	outDir := filepath.Join(dir, "sboms")
	code, stdout, stderr = runCLI(t, "sbom", "-j", "2", "-o", outDir, in)
	if code != exitOK || stderr != "" {
		t.Fatalf("batch: exit %d, stderr %q", code, stderr)
	}
	ents, err := os.ReadDir(outDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if diff := cmp.Diff([]string{"a.msi.cdx.json", "b.msm.cdx.json"}, names); diff != "" {
		t.Errorf("documents written (-want +got):\n%s", diff)
	}
	if lines := strings.Split(strings.TrimSpace(stdout), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], filepath.Join(in, "a.msi")+": "+filepath.Join(outDir, "a.msi.cdx.json")+": 17 files") {
		t.Errorf("batch stdout %q", stdout)
	}
}

// TestSBOMUsage checks the refusals that read nothing: exit 2, one line.
func TestSBOMUsage(t *testing.T) {
	dir := t.TempDir()
	a := copySample(t, dir, "a.msi")
	b := copySample(t, dir, "b.msi")
	file := filepath.Join(dir, "file.json")
	os.WriteFile(file, []byte("{}"), 0o644)
	for _, args := range [][]string{
		{"sbom"},
		{"sbom", a, "--format", "xml"},
		{"sbom", a, "--layout", "arm"},
		{"sbom", a, b},
		{"sbom", a, b, "-o", file},
		{"sbom", a, "--jobs", "0"},
		{"sbom", a, "--source", filepath.Join(dir, "nope")},
		{"sbom", a, "--max-bytes", "-1"},
	} {
		t.Run(strings.Join(args[1:], " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, args...)
			if code != exitUsage || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "msikit sbom: ") {
				t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
			}
		})
	}
}

// TestSBOMIncomplete checks a package whose cabinet is missing: the
// document is written, says it is incomplete and lists the files without
// hashes; stderr says which cabinet and that the SBOM is incomplete;
// exit 1.
func TestSBOMIncomplete(t *testing.T) {
	p := editSample(t, func(db *msi.Database) {
		tab, err := db.Table("Media")
		if err != nil {
			t.Fatal(err)
		}
		err = tab.Update([]msi.Value{msi.IntValue(1)}, func(v []msi.Value) error {
			v[3] = msi.StrValue("elsewhere.cab")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteStream("synth.cab"); err != nil {
			t.Fatal(err)
		}
	})
	out := filepath.Join(t.TempDir(), "sbom.json")
	code, _, stderr := runCLI(t, "sbom", p, "-o", out)
	if code != exitFailure {
		t.Fatalf("exit %d, want 1; stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	want := []string{
		"msikit: " + p + ": missing cabinet elsewhere.cab (17 files): ",
		"msikit: " + p + ": SBOM incomplete: 17 of 17 files and streams could not be read (the document names them)",
	}
	if len(lines) != 2 || !strings.HasPrefix(lines[0], want[0]) || lines[1] != want[1] {
		t.Errorf("stderr:\n%s\nwant lines starting:\n%s", stderr, strings.Join(want, "\n"))
	}
	for _, l := range lines {
		checkErrorLine(t, l)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	doc := parseCDX(t, b)
	if doc.Compositions[0].Aggregate != "incomplete" || len(doc.files()) != 17 || doc.files()[0].hash("SHA-256") != "" {
		t.Errorf("composition %q, %d files", doc.Compositions[0].Aggregate, len(doc.files()))
	}
}

// TestSBOMMaxBytes checks that a document one byte longer than --max-bytes
// is refused before anything is written (nothing on stdout, no -o file,
// nothing left in its folder), exit 1 with the limit named, and that one
// exactly as long as the limit is written as it is without a limit.
func TestSBOMMaxBytes(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	dir := t.TempDir()
	pkg := copySample(t, dir, "in.msi")
	for _, format := range []string{"cyclonedx", "spdx"} {
		t.Run(format, func(t *testing.T) {
			code, doc, stderr := runCLI(t, "sbom", pkg, "--format", format, "--max-bytes", "0")
			if code != exitOK || doc == "" {
				t.Fatalf("--max-bytes 0: exit %d, %s", code, stderr)
			}
			if _, def, _ := runCLI(t, "sbom", pkg, "--format", format); def != doc {
				t.Errorf("the default limit changed the document")
			}
			n := len(doc)
			outDir := filepath.Join(dir, format)
			os.Mkdir(outDir, 0o755)
			out := filepath.Join(outDir, "out.json")
			for _, args := range [][]string{nil, {"-o", out}} {
				run := append([]string{"sbom", pkg, "--format", format, "--max-bytes", fmt.Sprint(n - 1)}, args...)
				code, stdout, stderr := runCLI(t, run...)
				want := fmt.Sprintf("msikit: %s: the SBOM would pass %d bytes (--max-bytes %[2]d; 0 for no limit): its cells repeat strings the package stores once; nothing written\n", pkg, n-1)
				if code != exitFailure || stdout != "" || stderr != want {
					t.Errorf("%q: exit %d, %d bytes on stdout, stderr %q; want exit 1, nothing written and %q", run, code, len(stdout), stderr, want)
				}
				if left, _ := os.ReadDir(outDir); len(left) != 0 {
					t.Errorf("%q: %d files left in the output folder after the refusal", run, len(left))
				}
				run = append([]string{"sbom", pkg, "--format", format, "--max-bytes", fmt.Sprint(n)}, args...)
				code, stdout, stderr = runCLI(t, run...)
				got := stdout
				if args != nil {
					b, _ := os.ReadFile(out)
					got = string(b)
					os.Remove(out)
				}
				if code != exitOK || got != doc {
					t.Errorf("%q: exit %d, %d bytes written, want the %d of --max-bytes 0; %s", run, code, len(got), n, stderr)
				}
			}
		})
	}
}

// TestSBOMMaxRatio: a decompression bomb (0.5 GB of zeros in 1 MB) is
// stopped at the default --max-ratio, with its files listed unhashed and
// one line saying how to lift the bound; --max-ratio 0 lifts it, and a
// negative ratio is a usage error.
func TestSBOMMaxRatio(t *testing.T) {
	pkg := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-mszip-bomb.msi")
	code, stdout, stderr := runCLI(t, "sbom", pkg)
	var doc cdxDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("exit %d: %v\n%s", code, err, stderr)
	}
	hashed := func() int {
		n := 0
		for _, c := range doc.Components {
			if c.hash("SHA-256") != "" {
				n++
			}
		}
		return n
	}
	if code != exitFailure || hashed() != 0 || !strings.Contains(stderr, "1 file not read past --max-ratio 100: ") || !strings.Contains(stderr, "raise --max-ratio, or 0 for no limit") {
		t.Errorf("default: exit %d, %d files hashed; stderr:\n%s", code, hashed(), stderr)
	}
	code, stdout, stderr = runCLI(t, "sbom", pkg, "--max-ratio", "0")
	doc = cdxDoc{}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || code != 0 || hashed() != 1 {
		t.Errorf("--max-ratio 0: exit %d, %v, %d files hashed; stderr:\n%s", code, err, hashed(), stderr)
	}
	if code, _, stderr := runCLI(t, "sbom", pkg, "--max-ratio", "-1"); code != exitUsage || !strings.Contains(stderr, "--max-ratio -1") {
		t.Errorf("--max-ratio -1: exit %d, stderr %q; want a usage error", code, stderr)
	}
	// Copies past what a cabinet may share fail for one reason too: ten
	// lines, then one counting them all.
	copies := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-cab-500-copies-4mib.msi")
	code, _, stderr = runCLI(t, "sbom", copies)
	if n := strings.Count(stderr, ": not read: "); code != exitFailure || n != 10 || !strings.Contains(stderr, " files not read because their bytes in the cabinet are shared with files before them beyond what a cabinet may share (the first 10 listed above)\n") {
		t.Errorf("copies: exit %d, %d \"not read\" lines, want 10 and a line counting all; stderr:\n%s", code, n, stderr)
	}
}

// TestRepeatedRowFailuresListedOnce: a package that repeats a File row as
// stored (1,600 copies of app.exe, whose cabinet does not hold it) gave
// extract and sbom one identical line per copy (56,000 at 5 MB). Each
// line is now listed once, and the copies are counted on one line.
func TestRepeatedRowFailuresListedOnce(t *testing.T) {
	pkg := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-duplicate-rows.msi")
	for _, args := range [][]string{
		{"extract", "-d", filepath.Join(t.TempDir(), "out"), pkg},
		{"sbom", "--format", "spdx", pkg},
		{"sbom", pkg},
	} {
		code, _, stderr := runCLI(t, args...)
		if code != exitFailure {
			t.Errorf("%s: exit %d, want %d; stderr:\n%s", args[0], code, exitFailure, stderr)
		}
		lines := map[string]int{}
		for _, l := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
			lines[l]++
		}
		for l, n := range lines {
			if n > 1 {
				t.Errorf("%s: %d copies of the line %q", args[0], n, l)
			}
		}
		if !strings.Contains(stderr, ": 1599 further files failed exactly as a line above says (rows repeated in the package)\n") {
			t.Errorf("%s: no line counting the 1,599 repeats; stderr:\n%s", args[0], stderr)
		}
	}
}
