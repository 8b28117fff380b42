package sarif_test

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/sarif"
	"github.com/msikit/msikit/internal/sarif/sariftest"
)

func sample(t *testing.T) *sarif.Log {
	t.Helper()
	l := sarif.New(sarif.Driver{Name: "msikit", Version: "test", InformationURI: "https://example.com/msikit",
		Rules: []sarif.Rule{
			{ID: "MSI001", Name: "RuleOne", ShortDescription: &sarif.Message{Text: "one"}, DefaultConfiguration: &sarif.Configuration{Level: sarif.LevelWarning}},
			{ID: "MSI002", Name: "RuleTwo", FullDescription: &sarif.Message{Text: "two"}, HelpURI: "https://example.com/two"},
		}})
	err := l.Add(sarif.Result{RuleID: "MSI002", Level: sarif.LevelError, Message: sarif.Message{Text: "found \"it\" <here>"},
		Locations: []sarif.Location{{
			PhysicalLocation: &sarif.PhysicalLocation{ArtifactLocation: sarif.ArtifactLocation{URI: "dist/product.msi"}},
			LogicalLocations: []sarif.LogicalLocation{{Name: "Component[App]", FullyQualifiedName: "product.msi/Component[App]", Kind: "object"}},
		}},
		PartialFingerprints: map[string]string{"msikit/v1": "abc"},
		Properties:          map[string]any{"count": 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestWriteValidates(t *testing.T) {
	var b bytes.Buffer
	if err := sample(t).Write(&b); err != nil {
		t.Fatal(err)
	}
	sariftest.Check(t, b.Bytes())
	if !strings.Contains(b.String(), `"ruleIndex": 1`) || !strings.Contains(b.String(), `<here>`) {
		t.Errorf("log lacks the rule index or escapes HTML:\n%s", b.String())
	}
	// An empty run validates too.
	b.Reset()
	if err := sarif.New(sarif.Driver{Name: "msikit"}).Write(&b); err != nil {
		t.Fatal(err)
	}
	sariftest.Check(t, b.Bytes())
}

// TestSchemaRejects makes sure the validator can fail: logs that break
// the schema in different ways are refused.
func TestSchemaRejects(t *testing.T) {
	var b bytes.Buffer
	if err := sample(t).Write(&b); err != nil {
		t.Fatal(err)
	}
	good := b.String()
	for name, bad := range map[string]string{
		"version":       strings.Replace(good, `"version": "2.1.0"`, `"version": "2.0.0"`, 1),
		"level":         strings.Replace(good, `"level": "error"`, `"level": "critical"`, 1),
		"no message":    strings.Replace(good, `"message"`, `"massage"`, 1),
		"no tool name":  strings.Replace(good, `"name": "msikit"`, `"nom": "msikit"`, 1),
		"negative line": strings.Replace(good, `"ruleIndex": 1`, `"ruleIndex": -2`, 1),
	} {
		if bad == good {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		if err := sariftest.Validate([]byte(bad)); err == nil {
			t.Errorf("%s: the schema accepted an invalid log", name)
		}
	}
}

func TestAddUnknownRule(t *testing.T) {
	l := sarif.New(sarif.Driver{Name: "msikit"})
	if err := l.Add(sarif.Result{RuleID: "nope", Message: sarif.Message{Text: "x"}}); err == nil {
		t.Error("Add accepted a result for a rule the driver does not list")
	}
}

func TestURI(t *testing.T) {
	for in, want := range map[string]string{
		"dist/with space.msi":       "dist/with%20space.msi",
		"/abs/path/p.msm":           "file:///abs/path/p.msm",
		"https://example.com/p.msi": "https://example.com/p.msi",
		"a#b?.msi":                  "a%23b%3F.msi",
	} {
		if got := sarif.URI(in); got != want {
			t.Errorf("URI(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWriterMatchesLog checks that a Writer writes byte for byte what
// Log.Write writes for the same run: no results, one, several, with and
// without artifacts, with text JSON escapes differently with HTML
// escaping on.
func TestWriterMatchesLog(t *testing.T) {
	driver := sample(t).Runs[0].Tool.Driver
	results := []sarif.Result{
		{RuleID: "MSI001", Message: sarif.Message{Text: "plain"}},
		sample(t).Runs[0].Results[0],
		{RuleID: "MSI002", Level: sarif.LevelNote, Message: sarif.Message{Text: "a & b <c> \u2028 \"q\" \x01 ünï"},
			Locations: []sarif.Location{{LogicalLocations: []sarif.LogicalLocation{{Name: "x"}, {Name: "y", Kind: "object"}}}}},
	}
	artifacts := []sarif.Artifact{{Location: sarif.ArtifactLocation{URI: "dist/p.msi"}, Length: 42}}
	artifacts2 := append(slices.Clone(artifacts), sarif.Artifact{Location: sarif.ArtifactLocation{URI: "file:///b.msm"}})
	for _, tc := range []struct {
		name      string
		results   []sarif.Result
		artifacts []sarif.Artifact
		later     int // artifacts given by AddArtifact, after the first result
	}{
		{"empty", nil, nil, 0},
		{"empty with artifacts", nil, artifacts, 0},
		{"one", results[1:2], nil, 0},
		{"several with artifacts", results, artifacts, 0},
		{"artifacts added", results, artifacts2, 2},
		{"one artifact added", results, artifacts2, 1},
		{"empty, artifact added", nil, artifacts, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := sarif.New(driver)
			l.Runs[0].Artifacts = tc.artifacts
			var got bytes.Buffer
			given := tc.artifacts[:len(tc.artifacts)-tc.later]
			w := sarif.NewWriter(&got, driver, given)
			added := tc.artifacts[len(given):]
			addArtifacts := func() {
				for i, a := range added {
					if n := w.AddArtifact(a); n != len(given)+i {
						t.Errorf("AddArtifact returned index %d, want %d", n, len(given)+i)
					}
				}
				added = nil
			}
			for _, r := range tc.results {
				if err := l.Add(r); err != nil {
					t.Fatal(err)
				}
				if err := w.Add(r); err != nil {
					t.Fatal(err)
				}
				addArtifacts()
			}
			addArtifacts()

			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if err := l.Write(&want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.String(), got.String()); diff != "" {
				t.Errorf("Writer differs from Log.Write (-want +got):\n%s", diff)
			}
			sariftest.Check(t, got.Bytes())
		})
	}
}

// TestAddArtifactKeepsCallerSlice checks that AddArtifact does not write
// into the spare capacity of the slice NewWriter was given.
func TestAddArtifactKeepsCallerSlice(t *testing.T) {
	arts := []sarif.Artifact{{Location: sarif.ArtifactLocation{URI: "a"}}, {Location: sarif.ArtifactLocation{URI: "b"}}}
	w := sarif.NewWriter(io.Discard, sarif.Driver{Name: "msikit"}, arts[:1])
	w.AddArtifact(sarif.Artifact{Location: sarif.ArtifactLocation{URI: "c"}})
	if arts[1].Location.URI != "b" {
		t.Errorf("AddArtifact overwrote the caller's slice: %q", arts[1].Location.URI)
	}
}

func TestWriterUnknownRule(t *testing.T) {
	var b bytes.Buffer
	w := sarif.NewWriter(&b, sarif.Driver{Name: "msikit"}, nil)
	if err := w.Add(sarif.Result{RuleID: "nope", Message: sarif.Message{Text: "x"}}); err == nil {
		t.Error("Add accepted a result for a rule the driver does not list")
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("disk full")
	}
	f.n--
	return len(p), nil
}

// TestWriterKeepsError checks that a write error is returned by the call
// that met it and by every later one, whichever of the Writer's writes
// fails.
func TestWriterKeepsError(t *testing.T) {
	driver := sample(t).Runs[0].Tool.Driver
	write := func(out io.Writer) (errs []error) {
		w := sarif.NewWriter(out, driver, nil)
		for range 3 {
			errs = append(errs, w.Add(sarif.Result{RuleID: "MSI001", Message: sarif.Message{Text: "x"}}))
		}
		return append(errs, w.Close())
	}
	var cw countWriter
	write(&cw)
	if cw.writes < 4 {
		t.Fatalf("%d writes for 3 results and the end, want at least 4 (one a call)", cw.writes)
	}
	for n := range cw.writes {
		errs := write(&failWriter{n: int(n)})
		failed := false
		for i, err := range errs {
			if err != nil {
				failed = true
			} else if failed {
				t.Errorf("write %d fails: call %d returned nil after an error", n, i)
			}
		}
		if errs[len(errs)-1] == nil {
			t.Errorf("write %d fails: Close returned nil", n)
		}
	}
}

// BenchmarkWriter writes a run of many results, as audit --sarif does
// for a package with tens of thousands of findings.
func BenchmarkWriter(b *testing.B) {
	driver := sarif.Driver{Name: "msikit", Rules: []sarif.Rule{{ID: "MSI001"}}}
	r := sarif.Result{RuleID: "MSI001", Level: sarif.LevelWarning, Message: sarif.Message{Text: strings.Repeat("finding text ", 10)},
		Locations: []sarif.Location{{PhysicalLocation: &sarif.PhysicalLocation{ArtifactLocation: sarif.ArtifactLocation{URI: "p.msi"}},
			LogicalLocations: []sarif.LogicalLocation{{Name: "Class [x]", FullyQualifiedName: "p.msi/Class [x]", Kind: "object"}}}},
		PartialFingerprints: map[string]string{"msikitRows/v1": "0123456789abcdef0123456789abcdef"}}
	write := func(out io.Writer) {
		w := sarif.NewWriter(out, driver, nil)
		for range 1000 {
			if err := w.Add(r); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	var cw countWriter
	write(&cw)
	b.SetBytes(cw.n)
	b.ReportAllocs()
	for b.Loop() {
		write(io.Discard)
	}
}

// TestWriterAllocatesLittle holds Writer to a few hundred bytes
// allocated a result: audit --sarif writes one a finding, 200,000 for a
// 5 MB package of verbs (fuzz's msi-verbs-of-one-extension.msi), and
// each new json.Encoder grew its indenting buffer again (2,130 bytes a
// result before, 220 after). Since a result is written field by field
// (jsonindent, which writes a map[string]string itself) instead of
// marshalled by encoding/json and indented, a result takes under one
// allocation on average, not 6.6, and 29 bytes, not 254.
func TestWriterAllocatesLittle(t *testing.T) {
	driver := sarif.Driver{Name: "msikit", Rules: []sarif.Rule{{ID: "MSI001"}}}
	r := sarif.Result{RuleID: "MSI001", Level: sarif.LevelWarning, Message: sarif.Message{Text: strings.Repeat("finding text ", 10)},
		Locations: []sarif.Location{{PhysicalLocation: &sarif.PhysicalLocation{ArtifactLocation: sarif.ArtifactLocation{URI: "p.msi"}},
			LogicalLocations: []sarif.LogicalLocation{{Name: "Class [x]", FullyQualifiedName: "p.msi/Class [x]", Kind: "object"}}}},
		PartialFingerprints: map[string]string{"msikitRows/v1": "0123456789abcdef0123456789abcdef"}}
	const n = 1000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	w := sarif.NewWriter(io.Discard, driver, nil)
	for range n {
		if err := w.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per > 64 {
		t.Errorf("%d bytes allocated a result, want at most 64", per)
	}
	if per := float64(after.Mallocs-before.Mallocs) / n; per > 1 {
		t.Errorf("%.1f allocations a result, want at most 1", per)
	}
}

type countWriter struct{ n, writes int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	c.writes++
	return len(p), nil
}
