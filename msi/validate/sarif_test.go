package validate

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/sarif"
	"github.com/msikit/msikit/internal/sarif/sariftest"
	"github.com/msikit/msikit/internal/testenv"
)

// sarifFixture is a package with errors, warnings, an info, findings
// without a table, and more ICE33 warnings than MaxFindings (a summary).
func sarifFixture(t *testing.T) []Finding {
	f := baseInstaller()
	f.add("Registry", row("R1", 0, `CLSID\{44444444-4444-4444-4444-444444444444}`, "", "x", "C1"),
		row("R2", 0, `CLSID\{44444444-4444-4444-4444-444444444444}\InprocServer32`, "", "x", "C1"))
	f.add("InstallUISequence", row("A", "", 5), row("B", "", 5))
	f.template = "Intel;1031"
	fs, err := Validate(f.build(t), &Options{MaxFindings: 1})
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// TestSARIFSchema writes SARIF logs of synthetic and corpus packages and
// validates them against the official SARIF 2.1.0 schema (sariftest's
// copy, with format assertions on); a log made
// invalid on purpose must fail, so the check is not vacuous.
func TestSARIFSchema(t *testing.T) {
	fs := sarifFixture(t)
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, "v1.2.3", Artifact{Path: "dist/with space.msi", Findings: fs},
		Artifact{Path: "/abs/path/p.msm"}, Artifact{Path: `C:\pkgs\p.msi`}); err != nil {
		t.Fatal(err)
	}
	sariftest.Check(t, buf.Bytes())

	var log map[string]any
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log["runs"].([]any)[0].(map[string]any)
	results := run["results"].([]any)
	if len(results) != len(fs) {
		t.Errorf("%d results for %d findings", len(results), len(fs))
	}
	omitted := 0
	for _, f := range fs {
		omitted += f.Omitted
	}
	if omitted == 0 {
		t.Errorf("no summary of omitted findings in %v", fs)
	}
	var uris []string
	for _, a := range run["artifacts"].([]any) {
		uris = append(uris, a.(map[string]any)["location"].(map[string]any)["uri"].(string))
	}
	if diff := cmp.Diff([]string{"dist/with%20space.msi", "file:///abs/path/p.msm", "C:/pkgs/p.msi"}, uris); diff != "" && filepath.Separator == '/' {
		// On Unix a backslash path is one relative name; only check the
		// first two there.
		if diff := cmp.Diff([]string{"dist/with%20space.msi", "file:///abs/path/p.msm"}, uris[:2]); diff != "" {
			t.Errorf("artifact URIs (-want +got):\n%s", diff)
		}
	}
	levels := map[string]bool{}
	for _, r := range results {
		levels[r.(map[string]any)["level"].(string)] = true
	}
	if diff := cmp.Diff(map[string]bool{"error": true, "warning": true, "note": true}, levels); diff != "" {
		t.Errorf("levels (-want +got):\n%s", diff)
	}

	bad := strings.Replace(buf.String(), `"level": "error"`, `"level": "fatal"`, 1)
	if bad == buf.String() {
		t.Fatal("no result of level \"error\" to break")
	}
	if sariftest.Validate([]byte(bad)) == nil {
		t.Error("the schema accepts a result of level \"fatal\": the check is vacuous")
	}

	var arts []Artifact
	for _, path := range testenv.CorpusFiles(t) {
		if fs, err := validatePath(path); err == nil {
			arts = append(arts, Artifact{Path: filepath.Base(path), Findings: fs})
		}
	}
	buf.Reset()
	if err := WriteSARIF(&buf, "(devel)", arts...); err != nil {
		t.Fatal(err)
	}
	sariftest.Check(t, buf.Bytes())
}

// writeSARIFLog is WriteSARIF as it was before it streamed: the whole log
// built with sarif.Log, then written. The reference for the streamed log.
func writeSARIFLog(w io.Writer, version string, artifacts ...Artifact) error {
	driver := sarif.Driver{Name: "msikit", Version: version, InformationURI: "https://github.com/msikit/msikit"}
	for _, r := range Rules() {
		tags := []string{"windows-installer"}
		if r.MergeModules && !r.Installers {
			tags = append(tags, "merge-module")
		}
		driver.Rules = append(driver.Rules, sarif.Rule{ID: r.ICE, Name: r.ICE,
			ShortDescription: &sarif.Message{Text: r.Summary}, HelpURI: r.URL,
			Properties: map[string]any{"tags": tags}})
	}
	log := sarif.New(driver)
	run := &log.Runs[0]
	run.Artifacts = []sarif.Artifact{}
	for ai, a := range artifacts {
		loc := sarif.ArtifactLocation{URI: sarif.URI(a.Path), Index: &ai}
		run.Artifacts = append(run.Artifacts, sarif.Artifact{Location: loc})
		for _, f := range a.Findings {
			level := map[Severity]sarif.Level{Error: sarif.LevelError, Warning: sarif.LevelWarning, Info: sarif.LevelNote}[f.Severity]
			res := sarif.Result{RuleID: f.ICE, Level: level,
				Message: sarif.Message{Text: f.Message + " (" + f.URL + ")"},
				Locations: []sarif.Location{{PhysicalLocation: &sarif.PhysicalLocation{ArtifactLocation: loc,
					Region: &sarif.Region{StartLine: 1}}}},
				PartialFingerprints: map[string]string{"msikitFinding/v1": concatFingerprint(f)},
			}
			if f.Duplicates > 0 {
				res.OccurrenceCount = 1 + f.Duplicates
			}
			if f.Table != "" {
				name := f.Table
				if len(f.Key) > 0 {
					name += "[" + strings.Join(f.Key, ", ") + "]"
				}
				if f.Column != "" {
					name += "." + f.Column
				}
				res.Locations[0].LogicalLocations = []sarif.LogicalLocation{{FullyQualifiedName: name}}
			}
			if f.Table != "" || f.Omitted > 0 {
				props := map[string]any{}
				for k, v := range map[string]any{"table": f.Table, "column": f.Column} {
					if v != "" {
						props[k] = v
					}
				}
				if len(f.Key) > 0 {
					props["key"] = f.Key
				}
				if f.Omitted > 0 {
					props["omitted"] = f.Omitted
				}
				res.Properties = props
			}
			if err := log.Add(res); err != nil {
				return err
			}
		}
	}
	return log.Write(w)
}

// concatFingerprint is the fingerprint of f as it was first made: the
// rule, table, column, key values and message joined by zero bytes,
// hashed with SHA-256, its first 8 bytes in hex. The reference for
// SARIFWriter's, which hashes the same bytes from a buffer it reuses.
func concatFingerprint(f Finding) string {
	h := sha256.Sum256([]byte(f.ICE + "\x00" + f.Table + "\x00" + f.Column + "\x00" + strings.Join(f.Key, "\x00") + "\x00" + f.Message))
	return hex.EncodeToString(h[:8])
}

// TestSARIFStreamMatchesLog checks that the streamed log (WriteSARIF,
// SARIFWriter) is byte for byte the log built in memory, on the synthetic
// findings, the sample package, the corpus packages, and none.
func TestSARIFStreamMatchesLog(t *testing.T) {
	sampleFindings, err := validatePath(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	var corpus []Artifact
	for _, path := range testenv.CorpusFiles(t) {
		if fs, err := validatePath(path); err == nil {
			corpus = append(corpus, Artifact{Path: filepath.Base(path), Findings: fs})
		}
	}
	for _, tc := range []struct {
		name string
		arts []Artifact
	}{
		{"none", nil},
		{"synthetic", []Artifact{{Path: "dist/with space.msi", Findings: sarifFixture(t)}, {Path: "/abs/path/p.msm"}}},
		{"sample", []Artifact{{Path: "testdata/sample.msi", Findings: sampleFindings}}},
		{"varied", []Artifact{{Path: "v.msi", Findings: variedFindings()}, {Path: "w.msm", Findings: variedFindings()[3:]}}},
		{"corpus", corpus},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want, got bytes.Buffer
			if err := writeSARIFLog(&want, "v1.2.3", tc.arts...); err != nil {
				t.Fatal(err)
			}
			if err := WriteSARIF(&got, "v1.2.3", tc.arts...); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.String(), got.String()); diff != "" {
				t.Errorf("streamed log differs (-built +streamed):\n%s", diff)
			}
			t.Logf("%d artifacts, %d bytes", len(tc.arts), got.Len())
		})
	}
}

// variedFindings are findings with each part of a result absent, short
// and long: no table, a column without a table, keys of none, one empty
// and several values, escapes and non-ASCII text, duplicates and
// summaries, a long one before short ones (SARIFWriter reuses its
// buffers).
func variedFindings() []Finding {
	u := docURL("ICE03")
	long := strings.Repeat("long \"text\" ü ", 40)
	return []Finding{
		{ICE: "ICE03", Severity: Error, Table: long, Column: long, Key: []string{long, long}, Message: long, URL: u, Duplicates: 7},
		{ICE: "ICE03", Severity: Error, Message: "no table", URL: u},
		{ICE: "ICE03", Severity: Warning, Column: "C", Message: "a column alone", URL: u},
		{ICE: "ICE03", Severity: Info, Table: "T", Message: "a table alone", URL: ""},
		{ICE: "ICE03", Severity: Error, Table: "T", Key: []string{""}, Message: "", URL: u},
		{ICE: "ICE03", Severity: Error, Table: "T", Key: []string{"a", ""}, Column: "c", Message: "x", URL: u},
		{ICE: "ICE03", Severity: Error, Table: "T", Key: []string{"", "a"}, Column: "c", Message: "x", URL: u},
		{ICE: "ICE03", Severity: Error, Table: "T", Key: []string{"a\x00b", "c"}, Column: "c", Message: "x", URL: u},
		{ICE: "ICE03", Severity: Error, Table: "Tàble<&>", Key: []string{"k\te\ny", "\u2028", "\xff"}, Column: "Cól", Message: "m \"q\" \\ \x01", URL: u},
		{ICE: "ICE33", Severity: Warning, Omitted: 12, Message: "12 more", URL: docURL("ICE33")},
		{ICE: "ICE33", Severity: Warning, Table: "Registry", Omitted: 3, Message: "3 more", URL: docURL("ICE33")},
	}
}

// TestSARIFOccurrenceCount: a finding standing for identical ones
// (Duplicates) is one result whose occurrenceCount counts them all, and
// the log is valid; a finding made once has none.
func TestSARIFOccurrenceCount(t *testing.T) {
	fs := []Finding{
		{ICE: "ICE03", Severity: Error, Table: "Component", Key: []string{"App"}, Message: "Duplicate primary key", URL: docURL("ICE03"), Duplicates: 3999},
		{ICE: "ICE03", Severity: Error, Table: "File", Key: []string{"f"}, Message: "m", URL: docURL("ICE03")},
	}
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, "v1", Artifact{Path: "p.msi", Findings: fs}); err != nil {
		t.Fatal(err)
	}
	sariftest.Check(t, buf.Bytes())
	var log struct {
		Runs []struct {
			Results []struct {
				OccurrenceCount *int `json:"occurrenceCount"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	var got []any
	for _, r := range log.Runs[0].Results {
		if r.OccurrenceCount == nil {
			got = append(got, nil)
		} else {
			got = append(got, *r.OccurrenceCount)
		}
	}
	if diff := cmp.Diff([]any{4000, nil}, got); diff != "" {
		t.Errorf("occurrenceCount (-want +got):\n%s", diff)
	}
}
