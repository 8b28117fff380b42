package main

import (
	"crypto/sha256"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

func fileSum(t *testing.T, name string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// tableRows returns a table's rows as IDT text, or nil if it is absent.
func tableRows(t *testing.T, path, table string) [][]string {
	t.Helper()
	db, err := msi.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer db.Close()
	tb, err := db.Table(table)
	if err != nil {
		return nil
	}
	var rows [][]string
	for r := range tb.Rows() {
		var row []string
		for _, v := range r.Values() {
			row = append(row, v.String())
		}
		rows = append(rows, row)
	}
	return rows
}

func TestRewriteUsage(t *testing.T) {
	s := samplePath()
	checkUsage(t,
		[]string{"rewrite"},
		[]string{"rewrite", s},                               // no -o, --in-place or --dry-run
		[]string{"rewrite", s, "-o", "x.msi", "--in-place"},  // exclusive
		[]string{"rewrite", s, "--dry-run", "--in-place"},    // exclusive
		[]string{"rewrite", s, "-o", "x.msi", "--jobs", "0"}, // bad jobs
		[]string{"rewrite", s, "-n", "--processor-architecture", "neutral"},
		[]string{"rewrite", s, "-n", "--max-ratio", "-1"},
		[]string{"rewrite", s, "-n", "--class-to-registry", "--max-ratio", "5"}, // an assembly-names flag
		[]string{"rewrite", s, "-n", "--bogus"},
	)
	checkBadInputs(t, "rewrite", "FILE", "-o", filepath.Join(t.TempDir(), "out.msi"))
}

// The main job: every pass on the sample, output readable, input untouched,
// and a second run over the output changes nothing.
func TestRewriteSample(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "sample.msi")
	copyFile(t, samplePath(), in)
	before := fileSum(t, in)
	out := filepath.Join(dir, "fixed.msi")

	code, stdout, stderr := runCLI(t, "rewrite", in, "-o", out)
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	first := strings.SplitN(stdout, "\n", 2)[0]
	re := regexp.MustCompile(`^\S+sample\.msi -> \S+fixed\.msi: class-to-registry [1-9]\d* changes, \d+ notes; leaf-features [1-9]\d* changes, \d+ notes; assembly-names \d+ changes, \d+ notes; package-code 1 changes, 0 notes$`)
	if !re.MatchString(first) {
		t.Errorf("summary line %q does not match %s", first, re)
	}
	if fileSum(t, in) != before {
		t.Error("input changed")
	}
	for _, table := range []string{"Class", "ProgId", "Extension", "Verb", "MIME", "AppId"} {
		if rows := tableRows(t, out, table); len(rows) != 0 {
			t.Errorf("%s still has %d rows after class-to-registry: %v", table, len(rows), rows)
		}
	}
	if len(tableRows(t, out, "Registry")) <= len(tableRows(t, in, "Registry")) {
		t.Error("no Registry rows were added")
	}

	// Idempotent: the output rewritten again gives the same tables.
	out2 := filepath.Join(dir, "fixed2.msi")
	code, stdout, stderr = runCLI(t, "rewrite", out, "-o", out2, "--json")
	if code != exitOK {
		t.Fatalf("second run: exit %d, stderr %q", code, stderr)
	}
	var sum rewriteSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Packages[0].Changes != 0 {
		t.Errorf("second run changed %d rows, want 0", sum.Packages[0].Changes)
	}
	db1, err := msi.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer db1.Close()
	for _, name := range db1.TableNames() {
		if diff := cmp.Diff(tableRows(t, out, name), tableRows(t, out2, name)); diff != "" {
			t.Errorf("table %s changed on the second run (-first +second):\n%s", name, diff)
		}
	}

	// msitools reads every table of the output.
	if testenv.HaveTool(t, "msiinfo", "msitools") {
		for _, name := range db1.TableNames() {
			if strings.HasPrefix(name, "_") {
				continue
			}
			msiinfoExport(t, out, name)
		}
	}
}

// The dry run prints an IDT-style diff (golden) and writes nothing.
func TestRewriteDryRun(t *testing.T) {
	dir := t.TempDir()
	checkGolden(t, "rewrite-dry-run", "rewrite", "--dry-run", samplePath())
	ents, _ := os.ReadDir(dir)
	if len(ents) != 0 {
		t.Errorf("dry run wrote %v", ents)
	}
}

func TestRewriteJSON(t *testing.T) {
	code, stdout, stderr := runCLI(t, "rewrite", "-n", "--json", "--class-to-registry", samplePath())
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var doc struct {
		Packages []struct {
			Input  string `json:"input"`
			OK     bool   `json:"ok"`
			DryRun bool   `json:"dry_run"`
			Passes []struct {
				Pass    string `json:"pass"`
				Changes []struct {
					Op    string   `json:"op"`
					Table string   `json:"table"`
					Key   []string `json:"key"`
				} `json:"changes"`
			} `json:"passes"`
		} `json:"packages"`
		Succeeded int `json:"succeeded"`
		Failed    int `json:"failed"`
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if doc.Succeeded != 1 || doc.Failed != 0 || len(doc.Packages) != 1 {
		t.Fatalf("summary %+v", doc)
	}
	p := doc.Packages[0]
	if !p.OK || !p.DryRun || len(p.Passes) != 2 || p.Passes[0].Pass != "class-to-registry" || p.Passes[1].Pass != "package-code" {
		t.Fatalf("package %+v", p)
	}
	ops := map[string]int{}
	for _, c := range p.Passes[0].Changes {
		ops[c.Op+" "+c.Table]++
		if len(c.Key) == 0 {
			t.Errorf("change without key: %+v", c)
		}
	}
	if ops["remove Class"] != len(tableRows(t, samplePath(), "Class")) || ops["add Registry"] == 0 {
		t.Errorf("changes by kind: %v", ops)
	}
}

func TestRewriteSamePathRefused(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "p.msi")
	copyFile(t, samplePath(), in)
	before := fileSum(t, in)
	code, _, stderr := runCLI(t, "rewrite", in, "-o", in)
	if code != exitFailure || !strings.Contains(stderr, "--in-place") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if fileSum(t, in) != before {
		t.Error("input changed")
	}
	// With --in-place it is rewritten, atomically, leaving no temp files.
	code, _, stderr = runCLI(t, "rewrite", in, "--in-place", "--class-to-registry")
	if code != exitOK {
		t.Fatalf("--in-place: exit %d, stderr %q", code, stderr)
	}
	if fileSum(t, in) == before {
		t.Error("--in-place left the file unchanged")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("folder holds %d entries, want only the package", len(ents))
	}
}

func TestRewriteSigned(t *testing.T) {
	dir := testenv.CorpusDir()
	if dir == "" {
		t.Skip("shared corpus not found; signed-package test skipped")
	}
	src := filepath.Join(dir, "synthetic", "synth-all-signed.msi")
	tmp := t.TempDir()
	in := filepath.Join(tmp, "signed.msi")
	copyFile(t, src, in)
	before := fileSum(t, in)
	out := filepath.Join(tmp, "out.msi")
	code, stdout, stderr := runCLI(t, "rewrite", in, "-o", out)
	if code != exitFailure || !strings.Contains(stderr, "--drop-signature") || strings.Count(stderr, "\n") != 1 || stdout != "" {
		t.Errorf("signed input: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("output exists after refusal: %v", err)
	}
	if fileSum(t, in) != before {
		t.Error("input changed")
	}
	code, stdout, stderr = runCLI(t, "rewrite", in, "-o", out, "--drop-signature")
	if code != exitOK || !strings.Contains(stdout, "signature: dropped") {
		t.Fatalf("--drop-signature: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	db, err := msi.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Signed() {
		t.Error("output still carries a signature stream")
	}
}

// Batch mode: good packages are rewritten, bad ones reported, exit 1.
func TestRewriteBatch(t *testing.T) {
	files := testenv.CorpusFiles(t)
	var good []string
	for _, f := range files {
		ext := strings.ToLower(filepath.Ext(f))
		if (ext == ".msi" || ext == ".msm") && !testenv.IsCorrupt(f) && !strings.Contains(f, "signed") && !strings.Contains(f, "manystrings") {
			if fi, err := os.Stat(f); err == nil && fi.Size() < 1<<20 {
				good = append(good, f)
			}
		}
		if len(good) == 20 {
			break
		}
	}
	tmp := t.TempDir()
	bad1 := filepath.Join(tmp, "bad-text.msi")
	if err := os.WriteFile(bad1, []byte("not a package"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad2 := filepath.Join(tmp, "bad-missing.msi")
	outDir := filepath.Join(tmp, "out")
	args := append([]string{"rewrite", "--jobs", "2", "--drop-signature", "-o", outDir}, good...)
	args = append(args, bad1, bad2)
	code, stdout, stderr := runCLI(t, args...)
	if code != exitFailure {
		t.Fatalf("exit %d, want 1; stderr %q", code, stderr)
	}
	want := len(good)
	if !strings.Contains(stdout, "succeeded, 2 failed") {
		t.Errorf("summary missing:\n%s", stdout)
	}
	for _, g := range good {
		if _, err := os.Stat(filepath.Join(outDir, filepath.Base(g))); err != nil {
			t.Errorf("%s not rewritten: %v", filepath.Base(g), err)
		}
	}
	for _, b := range []string{bad1, bad2} {
		if !strings.Contains(stderr, "msikit: "+b+": ") {
			t.Errorf("stderr does not report %s:\n%s", b, stderr)
		}
	}
	ents, _ := os.ReadDir(outDir)
	if len(ents) != want {
		t.Errorf("%d files in the output folder, want %d", len(ents), want)
	}
}

// msiinfoExport checks that msiinfo can export table from path. It runs in
// a temporary folder, because msiinfo writes binary columns as files.
func msiinfoExport(t *testing.T, path, table string) {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("msiinfo", "export", abs, table)
	cmd.Dir = t.TempDir()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("msiinfo export %s %s: %v\n%s", filepath.Base(path), table, err, out)
	}
}

// TestRewriteAssemblyNamesVendor holds the assembly-names pass, run from
// the CLI and reading the assemblies out of the package's own cabinet,
// against a vendor's authoring: every MsiAssemblyName row but "name" is
// stripped from a copy of sigoa-SQLSysClrTypes.msi, and the rewrite must
// give back each attribute. The one deliberate difference: the vendor's
// version "11.0.0.00000000" is WiX v3's padding of 11.0.0.0 (Windows
// compares versions numerically), so versions are compared as numbers.
func TestRewriteAssemblyNamesVendor(t *testing.T) {
	dir := testenv.CorpusDir()
	if dir == "" {
		t.Skip("shared corpus not found; vendor assembly-name test skipped")
	}
	src := filepath.Join(dir, "real", "sigoa-SQLSysClrTypes.msi")
	want := tableRows(t, src, "MsiAssemblyName")
	if len(want) < 10 {
		t.Fatalf("%s has %d MsiAssemblyName rows; expected the vendor's complete sets", src, len(want))
	}

	tmp := t.TempDir()
	stripped := filepath.Join(tmp, "stripped.msi")
	db, err := msi.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := db.Table("MsiAssemblyName")
	if err != nil {
		t.Fatal(err)
	}
	if n := tb.DeleteFunc(func(r msi.Row) bool { return r.Get("Name").Str() != "name" }); n == 0 {
		t.Fatal("nothing stripped")
	}
	if err := db.Save(stripped, &msi.SaveOptions{WriteOptions: msi.WriteOptions{DropSignature: true}}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	out := filepath.Join(tmp, "fixed.msi")
	code, stdout, stderr := runCLI(t, "rewrite", "--assembly-names", "--file-version", stripped, "-o", out)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	norm := func(rows [][]string) [][]string {
		var out [][]string
		for _, r := range rows {
			r = append([]string(nil), r...)
			r[1] = strings.ToLower(r[1])
			if r[1] == "version" {
				var parts []string
				for _, p := range strings.Split(r[2], ".") {
					p = strings.TrimLeft(p, "0")
					if p == "" {
						p = "0"
					}
					parts = append(parts, p)
				}
				r[2] = strings.Join(parts, ".")
			}
			r[2] = strings.ToLower(r[2]) // Windows ignores case in these values
			out = append(out, r)
		}
		sort.Slice(out, func(i, j int) bool { return strings.Join(out[i], "\t") < strings.Join(out[j], "\t") })
		return out
	}
	if diff := cmp.Diff(norm(want), norm(tableRows(t, out, "MsiAssemblyName"))); diff != "" {
		t.Errorf("MsiAssemblyName after the rewrite differs from the vendor's (-vendor +ours):\n%s", diff)
	}
}
