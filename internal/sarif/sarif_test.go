package sarif_test

import (
	"bytes"
	"strings"
	"testing"

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
