package transform

import (
	"path/filepath"
	"testing"

	"github.com/msikit/msikit/transform/internal/edit"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// openSynthetic opens a synthetic package of the shared corpus (closed
// when the test ends); it skips without the corpus.
func openSynthetic(t *testing.T, name string) *msi.Database {
	t.Helper()
	dir := testenv.CorpusDir()
	if dir == "" {
		t.Skip("shared corpus not found")
	}
	db, err := msi.Open(filepath.Join(dir, "synthetic", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestSplitAdvertisedOptions runs the pass with each option on the
// synthetic package and checks the rows that option is about.
func TestSplitAdvertisedOptions(t *testing.T) {
	type probe struct {
		table string
		key   []msi.Value
		col   string
		want  string // "" = row absent
	}
	fc := func(f, c string) []msi.Value { return []msi.Value{msi.StrValue(f), msi.StrValue(c)} }
	ext := func(e, c string) []msi.Value { return []msi.Value{msi.StrValue(e), msi.StrValue(c)} }
	cls := []msi.Value{msi.StrValue("{FDA36073-66C4-5C98-5F70-99959F7B05AA}"), msi.StrValue("InprocServer32"), msi.StrValue("ComServer")}
	tests := []struct {
		name    string
		opts    SplitAdvertisedOptions
		probes  []probe
		wantErr bool
	}{
		{
			name: "default",
			probes: []probe{
				{"FeatureComponents", fc("Core", "App"), "Component_", ""},
				{"FeatureComponents", fc("Core_App", "App"), "Component_", "App"},
				{"Feature", []msi.Value{msi.StrValue("Core_App")}, "Attributes", "18"},
				{"Class", cls, "Feature_", "Core_ComServer"},
			},
		},
		{
			name: "keep in parent",
			opts: SplitAdvertisedOptions{KeepInParent: true},
			probes: []probe{
				{"FeatureComponents", fc("Core", "App"), "Component_", "App"},
				{"FeatureComponents", fc("Core_App", "App"), "Component_", "App"},
				{"Extension", ext("synth", "App"), "Feature_", "Core_App"},
			},
		},
		{
			name: "shortcuts only; the extension on the same component follows",
			opts: SplitAdvertisedOptions{Tables: []string{"Shortcut"}},
			probes: []probe{
				{"Shortcut", []msi.Value{msi.StrValue("AppStartMenu")}, "Target", "Core_App"},
				{"Extension", ext("synth", "App"), "Feature_", "Core_App"},
				{"Class", cls, "Feature_", "Core"},
				{"Feature", []msi.Value{msi.StrValue("Core_ComServer")}, "Feature", ""},
				{"FeatureComponents", fc("Core", "ComServer"), "Component_", "ComServer"},
			},
		},
		{
			name: "disallow advertise, allow absent",
			opts: SplitAdvertisedOptions{DisallowAdvertise: true, AllowAbsent: true},
			probes: []probe{
				{"Feature", []msi.Value{msi.StrValue("Core_App")}, "Attributes", "10"},
			},
		},
		{name: "unknown table", opts: SplitAdvertisedOptions{Tables: []string{"Klass"}}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openSynthetic(t, "synth-com-advertised.msi")
			_, err := SplitAdvertised(db, tc.opts)
			if tc.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				if db.Modified() {
					t.Error("database modified although the options were refused")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range tc.probes {
				tab, err := db.Table(p.table)
				if err != nil {
					t.Fatal(err)
				}
				got := ""
				if row, ok := tab.Lookup(p.key...); ok {
					got = row.Get(p.col).String()
				}
				if got != p.want {
					t.Errorf("%s %v %s = %q, want %q", p.table, edit.ValuesText(p.key), p.col, got, p.want)
				}
			}
		})
	}
}
