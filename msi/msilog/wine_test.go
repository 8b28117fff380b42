package msilog

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/internal/wineoracle"
	"github.com/msikit/msikit/msi"
)

// winePackage copies the corpus's synth-com-advertised.msi without its
// RegisterTypeLibraries action (its type library is not a real one, so
// Wine would fail there) and applies edit.
func winePackage(t *testing.T, dir, name string, edit func(db *msi.Database)) string {
	t.Helper()
	src := filepath.Join(testenv.CorpusDir(), "synthetic", "synth-com-advertised.msi")
	if testenv.CorpusDir() == "" {
		t.Skip("no corpus")
	}
	db, err := msi.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seq, err := db.Table("InstallExecuteSequence")
	if err != nil {
		t.Fatal(err)
	}
	seq.DeleteFunc(func(r msi.Row) bool { return r.Get("Action").Str() == "RegisterTypeLibraries" })
	if edit != nil {
		edit(db)
	}
	out := filepath.Join(dir, name)
	if err := db.Save(out, nil); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExplainWineLive installs packages with Wine's msiexec, which writes
// the same verbose log format, and explains the logs: a successful
// install and its uninstall, a custom action that fails (type 19), a
// missing external cabinet, and assemblies whose files are not
// assemblies (the corpus's synth-assemblies.msi).
func TestExplainWineLive(t *testing.T) {
	wine := testenv.NeedWine(t)
	testenv.NeedTool(t, "wineserver", "wine")
	if testenv.CorpusDir() == "" {
		t.Skip("no corpus")
	}
	dir := t.TempDir()
	ctx := context.Background()
	pfx, err := wineoracle.Boot(ctx, wine, filepath.Join(dir, "prefix"))
	if err != nil {
		t.Fatal(err)
	}
	defer pfx.Close()

	ok := winePackage(t, dir, "ok.msi", nil)
	ca := winePackage(t, dir, "ca.msi", func(db *msi.Database) {
		cat, err := db.Table("CustomAction")
		if err != nil {
			t.Fatal(err)
		}
		vals := make([]msi.Value, len(cat.Columns()))
		for i, c := range cat.Columns() {
			switch c.Name {
			case "Action":
				vals[i] = msi.StrValue("FailHere")
			case "Type":
				vals[i] = msi.IntValue(19)
			case "Target":
				vals[i] = msi.StrValue("Synthetic failure for msikit's log tests")
			}
		}
		if err := cat.Insert(vals...); err != nil {
			t.Fatal(err)
		}
		seq, _ := db.Table("InstallExecuteSequence")
		if err := seq.Insert(msi.StrValue("FailHere"), msi.Null, msi.IntValue(4001)); err != nil {
			t.Fatal(err)
		}
	})
	nocab := winePackage(t, dir, "nocab.msi", func(db *msi.Database) {
		media, _ := db.Table("Media")
		if err := media.Update([]msi.Value{msi.IntValue(1)}, func(v []msi.Value) error {
			for i, c := range media.Columns() {
				if c.Name == "Cabinet" {
					v[i] = msi.StrValue("data1.cab")
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
	asm := filepath.Join(dir, "asm.msi")
	b, err := os.ReadFile(filepath.Join(testenv.CorpusDir(), "synthetic", "synth-assemblies.msi"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(asm, b, 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, op, pkg  string
		outcome, fails string
	}{
		{"success", "/i", ok, "succeeded", ""},
		{"uninstall", "/x", ok, "succeeded", ""},
		{"failing custom action", "/i", ca, "failed", "FailHere"},
		{"missing cabinet", "/i", nocab, "failed", "InstallFiles"},
		{"assemblies", "/i", asm, "failed", "InstallFiles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, err := pfx.MsiExec(ctx, tt.op, tt.pkg)
			if (err == nil) != (tt.outcome == "succeeded") {
				t.Fatalf("msiexec: %v (want outcome %s)", err, tt.outcome)
			}
			x, err := Explain(strings.NewReader(log), nil)
			if err != nil {
				t.Fatal(err)
			}
			got := summarize(x)
			if got.Flavor != "Wine" || got.Outcome != tt.outcome || got.Failed != tt.fails {
				t.Errorf("explanation %+v; want outcome %s, failed action %q", got, tt.outcome, tt.fails)
			}
		})
	}
}
