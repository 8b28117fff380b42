package validate

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

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
