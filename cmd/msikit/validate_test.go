package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/sarif/sariftest"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/validate"
	"github.com/msikit/msikit/transform"
)

// brokenSample writes dir/name: the sample with a second component that
// reuses the first one's ComponentId (an ICE08 error).
func brokenSample(t *testing.T, dir, name string) string {
	t.Helper()
	db, err := msi.Open(samplePath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	comp, err := db.Table("Component")
	if err != nil {
		t.Fatal(err)
	}
	vals := comp.Row(0).Values()
	vals[0] = msi.StrValue("DuplicateGUID")
	if err := comp.Insert(vals...); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := db.Save(p, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestValidateCommand(t *testing.T) {
	dir := t.TempDir()
	broken := brokenSample(t, dir, "broken.msi")
	mst := transformSample(t, dir)

	code, stdout, stderr := runCLI(t, "validate", samplePath())
	if code != exitOK || !strings.HasSuffix(stdout, samplePath()+": 0 errors, 0 warnings, 1 info\n") || stderr != "" {
		t.Errorf("sample: exit %d\n%s%s", code, stdout, stderr)
	}

	code, stdout, stderr = runCLI(t, "validate", "--ice", "ICE08", broken)
	if code != exitFailure || !strings.HasPrefix(stdout, "ICE08 error Component[DuplicateGUID].ComponentId: ") ||
		stderr != "msikit: "+broken+": 1 error\n" {
		t.Errorf("broken: exit %d\n%s%s", code, stdout, stderr)
	}

	// Several packages: lines carry the file, a failure does not stop the
	// others, the last failure is the error line.
	code, stdout, stderr = runCLI(t, "validate", "--ice", "ICE08", mst, samplePath(), broken)
	if code != exitFailure || !strings.Contains(stdout, broken+": ICE08 error Component[DuplicateGUID].ComponentId: ") ||
		!strings.Contains(stdout, samplePath()+": 0 errors, 0 warnings, 0 infos\n") {
		t.Errorf("batch: exit %d\n%s", code, stdout)
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], mst+": unsupported package: a transform (.mst)") || lines[1] != "msikit: "+broken+": 1 error" {
		t.Errorf("batch stderr:\n%s", stderr)
	}
	for _, l := range lines {
		checkErrorLine(t, l)
	}

	code, stdout, _ = runCLI(t, "validate", "--json", "--ice", "ICE08,ICE21", broken, mst)
	var doc struct {
		Packages []struct {
			File, Kind, Error       string
			Errors, Warnings, Infos int
			Findings                []validate.Finding
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || code != exitFailure || len(doc.Packages) != 2 {
		t.Fatalf("--json: exit %d, %v\n%s", code, err, stdout)
	}
	if p := doc.Packages[0]; p.Kind != "installer" || p.Errors != 2 || len(p.Findings) != 2 || p.Findings[0].ICE != "ICE08" || p.Findings[1].ICE != "ICE21" || p.Findings[0].Severity != validate.Error {
		t.Errorf("--json package: %+v", p)
	}
	if p := doc.Packages[1]; !strings.Contains(p.Error, "unsupported package") || p.Findings == nil {
		t.Errorf("--json transform: %+v", p)
	}

	code, stdout, _ = runCLI(t, "validate", "--sarif", broken)
	var log struct {
		Version string
		Runs    []struct {
			Results []struct{ RuleID, Level string }
		}
	}
	if err := json.Unmarshal([]byte(stdout), &log); err != nil || code != exitFailure || log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("--sarif: exit %d, %v\n%s", code, err, stdout)
	}
	levels := map[string]int{}
	for _, r := range log.Runs[0].Results {
		levels[r.RuleID+" "+r.Level]++
	}
	if levels["ICE08 error"] != 1 || levels["ICE03 note"] != 1 {
		t.Errorf("--sarif results: %v", levels)
	}

	for _, args := range [][]string{
		{"validate"},
		{"validate", "--ice", "ICE1000", broken},
		{"validate", "--skip", "ICE03,bogus", broken},
		{"validate", "--json", "--sarif", broken},
		{"validate", "--max-findings", "-1", broken},
	} {
		if code, _, stderr := runCLI(t, args...); code != exitUsage || !strings.HasPrefix(stderr, "msikit validate: ") {
			t.Errorf("%v: exit %d, %s", args, code, stderr)
		}
	}
}

// TestValidateSARIFStreamed checks that --sarif over several packages,
// written a package at a time, is the log validate.WriteSARIF writes for
// the packages that validated (its test compares that with the log built
// whole in memory), and a valid SARIF log.
func TestValidateSARIFStreamed(t *testing.T) {
	dir := t.TempDir()
	broken := brokenSample(t, dir, "broken.msi")
	mst := transformSample(t, dir)
	code, stdout, _ := runCLI(t, "validate", "--sarif", broken, mst, samplePath())
	if code != exitFailure {
		t.Errorf("exit %d", code)
	}
	var arts []validate.Artifact
	for _, p := range []string{broken, samplePath()} {
		fs, err := validateFile(p)
		if err != nil {
			t.Fatal(err)
		}
		arts = append(arts, validate.Artifact{Path: p, Findings: fs})
	}
	var want strings.Builder
	if err := validate.WriteSARIF(&want, msikitVersion(), arts...); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.String(), stdout); diff != "" {
		t.Errorf("--sarif (-WriteSARIF +streamed):\n%s", diff)
	}
	sariftest.Check(t, []byte(stdout))
}

// TestWriteValidate runs --validate on every command that writes a
// package: an unchanged or repacked package passes, an import that adds
// an error fails with exit 1, names the new error and keeps the output.
func TestWriteValidate(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath := testenv.SigningCert(t)
	code, compIDT, stderr := runCLI(t, "export", samplePath(), "Component")
	if code != 0 {
		t.Fatal(stderr)
	}
	lines := strings.Split(compIDT, "\r\n")
	first := strings.Split(lines[3], "\t")
	first[0] = "DuplicateGUID"
	bad := filepath.Join(dir, "bad", "Component.idt")
	os.MkdirAll(filepath.Dir(bad), 0o755)
	if err := os.WriteFile(bad, []byte(compIDT+strings.Join(first, "\t")+"\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good", "Component.idt")
	os.MkdirAll(filepath.Dir(good), 0o755)
	if err := os.WriteFile(good, []byte(compIDT), 0o644); err != nil {
		t.Fatal(err)
	}
	out := func(name string) string { return filepath.Join(dir, name) }
	for _, tt := range []struct {
		args []string
		out  string
	}{
		{[]string{"import", samplePath(), good, "-o", out("import.msi")}, out("import.msi")},
		{[]string{"repack", samplePath(), "-o", out("repack.msi")}, out("repack.msi")},
		{[]string{"cfb", "repack", samplePath(), "-o", out("cfb.msi")}, out("cfb.msi")},
		{[]string{"sign", samplePath(), "--cert", certPath, "--key", keyPath, "-o", out("signed.msi")}, out("signed.msi")},
		{[]string{"rewrite", samplePath(), "-o", out("rewrite.msi")}, out("rewrite.msi")},
	} {
		t.Run(tt.args[0], func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append(tt.args, "--validate")...)
			if code != exitOK || !strings.Contains(stdout, "validated "+tt.out+": no error the input did not have (0 errors, ") {
				t.Errorf("exit %d\n%s%s", code, stdout, stderr)
			}
		})
	}
	t.Run("import adds an error", func(t *testing.T) {
		o := out("import-bad.msi")
		code, stdout, stderr := runCLI(t, "import", samplePath(), bad, "-o", o, "--validate")
		// The copied row reuses the first component's GUID (ICE08), key
		// path (ICE02, ICE38) and is in no feature (ICE21).
		if code != exitFailure || !strings.Contains(stdout, "validated "+o+": 4 new errors") ||
			!strings.Contains(stdout, "  ICE08 error Component[DuplicateGUID].ComponentId: ") {
			t.Errorf("exit %d\n%s%s", code, stdout, stderr)
		}
		if !strings.HasSuffix(stderr, "msikit: "+o+": --validate: validation found errors the input did not have: 4 new errors (the output is kept as written)\n") {
			t.Errorf("stderr %q", stderr)
		}
		if _, err := os.Stat(o); err != nil {
			t.Errorf("the output was not kept: %v", err)
		}
	})
	t.Run("rewrite report", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, "rewrite", samplePath(), "-o", out("rewrite2.msi"), "--validate", "--json")
		var sum rewriteSummary
		if err := json.Unmarshal([]byte(stdout), &sum); err != nil || code != exitOK {
			t.Fatalf("exit %d, %v\n%s%s", code, err, stdout, stderr)
		}
		v := sum.Packages[0].Validation
		if v == nil || len(v.NewErrors) != 0 || v.NewWarnings == 0 {
			t.Errorf("validation report %+v", v)
		}
	})
	if code, _, stderr := runCLI(t, "rewrite", samplePath(), "--dry-run", "--validate"); code != exitUsage {
		t.Errorf("--dry-run --validate: exit %d, %s", code, stderr)
	}
}

// TestRewriteCorpusValidate runs "rewrite --all --validate" on every
// corpus installer and merge module: no output may have an error its
// input did not have. It also checks the ICE33 policy the README states:
// the ICE33 warnings the output gains are exactly the Registry rows the
// class-to-registry pass adds (under HKEY_CLASSES_ROOT, each a registration
// the advertising tables held), and nothing else gains an ICE33 warning.
func TestRewriteCorpusValidate(t *testing.T) {
	var files []string
	for _, f := range testenv.CorpusFiles(t) {
		ext := strings.ToLower(filepath.Ext(f))
		if !testenv.IsCorrupt(f) && (ext == ".msi" || ext == ".msm") {
			files = append(files, f)
		}
	}
	ice33 := &validate.Options{Rules: []string{"ICE33"}, MaxFindings: -1}
	keys := func(t *testing.T, path string) []validate.Finding {
		t.Helper()
		db, err := msi.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		fs, err := validate.Validate(db, ice33)
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	total := 0
	for _, in := range files {
		t.Run(filepath.Base(in), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out"+filepath.Ext(in))
			code, stdout, stderr := runCLI(t, "rewrite", "--all", "--drop-signature", "--validate", "--json", in, "-o", out)
			var sum rewriteSummary
			if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
				t.Fatalf("exit %d: %v\n%s", code, err, stderr)
			}
			r := sum.Packages[0]
			if code != exitOK || r.Validation == nil {
				t.Fatalf("exit %d: %s; validation %+v", code, r.Error, r.Validation)
			}
			var added []string
			for _, p := range r.Passes {
				for _, c := range p.Changes() {
					if p.Pass == "class-to-registry" && c.Table == "Registry" && c.Op == transform.OpAdd {
						added = append(added, c.Key[0])
					}
				}
			}
			var warned []string
			for _, f := range validate.Added(keys(t, in), keys(t, out), validate.Warning) {
				warned = append(warned, f.Key[0])
			}
			sort.Strings(added)
			sort.Strings(warned)
			if diff := cmp.Diff(added, warned); diff != "" {
				t.Errorf("Registry rows class-to-registry added (-) vs new ICE33 warnings (+):\n%s", diff)
			}
			total += len(added)
		})
	}
	t.Logf("%d packages rewritten and validated; %d Registry rows added, each with its ICE33 warning", len(files), total)
}

// TestValidateStopsInsidePackage: an interrupt while a package is being
// validated stops validate there (not after all its rules), naming the
// package, with nothing on standard output: neither part of its findings
// nor a summary line.
func TestValidateStopsInsidePackage(t *testing.T) {
	sample := samplePath()
	for _, asJSON := range []bool{false, true} {
		args := []string{"validate", sample}
		if asJSON {
			args = append(args, "--json")
		}
		// Err is asked before the package, then before each rule: the
		// third call, before the second rule, is done.
		ctx := testenv.NewDoneAfter(2)
		var stdout, stderr bytes.Buffer
		code := run(ctx, args, strings.NewReader(""), &stdout, &stderr)
		if code != exitFailure || stdout.Len() != 0 {
			t.Errorf("%q: exit %d, stdout %q; want %d and nothing", args, code, stdout.String(), exitFailure)
		}
		if want := "msikit: " + sample + ": context canceled\n"; stderr.String() != want {
			t.Errorf("%q: stderr %q, want %q", args, stderr.String(), want)
		}
	}
}

// validateJSON writes what a json.Encoder indenting by two spaces writes
// for {"packages": results}, one finding at a time, each package's
// findings spooled: no package, one that failed (no findings), one with
// findings whose texts need escaping, several.
func TestWriteValidateJSONAsEncoder(t *testing.T) {
	findings := []validate.Finding{
		{ICE: "ICE03", Severity: validate.Error, Table: "File", Column: "Component_", Key: []string{"<a>&\"b\"\n", "Тест"}, Message: "bad \u2028 value \x1b", URL: "https://example.com/?a=1&b=2"},
		{ICE: "ICE03", Severity: validate.Info, Message: "12 more", Omitted: 12},
		{ICE: "ICE69", Severity: validate.Warning, Table: "T", Message: "m", Duplicates: 3},
	}
	for name, results := range map[string][]*validateResult{
		"none":     {},
		"failed":   {{File: "bad.msi", Error: "bad.msi: not a package", Findings: []validate.Finding{}}},
		"findings": {{File: "a<&>.msi", Kind: "installer database", Errors: 1, Warnings: 1, Infos: 1, Findings: findings}},
		"several": {
			{File: "a.msi", Kind: "installer database", Findings: findings[:1]},
			{File: "b.msi", Kind: "merge module", Findings: []validate.Finding{}},
			{File: "c.msi", Error: "c.msi: not a package", Findings: []validate.Finding{}},
			{File: "d.msi", Findings: findings},
		},
	} {
		var want, got bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Packages []*validateResult `json:"packages"`
		}{results}); err != nil {
			t.Fatal(err)
		}
		jw := newValidateJSON(&got)
		for _, r := range results {
			if r.Error != "" {
				if err := jw.pkg(r, nil); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err := jw.findings(func(yield func(validate.Finding, error) bool) {
				for _, f := range r.Findings {
					if !yield(f, nil) {
						return
					}
				}
			}); err != nil {
				t.Fatal(err)
			}
			head := *r
			head.Findings = []validate.Finding{}
			if err := jw.pkg(&head, jw.spool); err != nil {
				t.Fatal(err)
			}
		}
		if err := jw.close(); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want.String(), got.String()); diff != "" {
			t.Errorf("%s: validateJSON (-Encoder +got):\n%s", name, diff)
		}
	}
}

// validate --json allocates, beyond the findings, little more than the
// document it writes: json.Encoder marshalled the whole document and then
// indented it, each buffer regrown as it went (--max-findings 0 on a 2.2
// MB package of 200,000 findings: 88 MB of JSON, 373 MiB peak RSS, 176
// MiB streamed). msi-validation-long-lists.msi's 9.3 MB of JSON, past
// the 1 MiB a package's findings are spooled in memory (then in a file).
func TestValidateJSONAllocations(t *testing.T) {
	file := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-validation-long-lists.msi")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // the spool's file
	var out byteCounter     // holding the output would allocate as much again
	var code int
	_, alloc := testenv.Measure(func() {
		out = 0
		code = run(context.Background(), []string{"validate", "--max-findings", "0", "--json", file}, strings.NewReader(""), &out, io.Discard)
	})
	if code != exitFailure || out < spoolMemory {
		t.Fatalf("exit %d, %d bytes of JSON; want exit 1 and the findings (9.3 MB)", code, out)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("%d files left in the temporary directory", len(left))
	}
	limit := 4 * uint64(out)
	if testenv.RaceEnabled {
		limit *= 2 // the race detector's sync.Pool drops encoding/json's buffers
	}
	if alloc > limit {
		t.Errorf("validate --json: allocated %d bytes for %d bytes of JSON, want at most %d", alloc, out, limit)
	}
}

// byteCounter counts the bytes written to it.
type byteCounter int64

func (c *byteCounter) Write(p []byte) (int, error) {
	*c += byteCounter(len(p))
	return len(p), nil
}

// validate's text lines are escapeText's, written past textWriter: which
// is right when textWriter writes escapeText's text as it is, so that the
// lines are the ones textWriter wrote before.
func TestEscapedTextPassesTextWriter(t *testing.T) {
	for _, s := range []string{"plain", "tab\there", "line\nfeed", "\x1b[31mred", "Тест…", "bad \xff utf-8", "\u2028 \u00ad \ufeff", `back\slash \x41`} {
		e := escapeText(s)
		var got bytes.Buffer
		textWriter{&got}.Write([]byte(e))
		if diff := cmp.Diff(e, got.String()); diff != "" {
			t.Errorf("%q: textWriter changed escapeText's text (-escapeText +textWriter):\n%s", s, diff)
		}
	}
}
