package leaf

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// saveAndCheckExports saves db (refusing a signed package first, then
// dropping its signature), checks that msitools reads every table of the
// saved file, and, when golden names a synthetic package, compares the
// leaf tables msiinfo exports with testdata/<golden>.<Table>.idt (or
// rewrites them under -update).
func saveAndCheckExports(t *testing.T, db *msi.Database, golden string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.msi")
	var opts *msi.SaveOptions
	if db.Signed() {
		err := db.Save(out, nil)
		if !errors.Is(err, msi.ErrSigned) {
			t.Fatalf("Save of a changed signed package: got %v, want an error wrapping msi.ErrSigned", err)
		}
		if _, statErr := os.Stat(out); statErr == nil {
			t.Fatalf("refused Save left %s behind", out)
		}
		opts = &msi.SaveOptions{WriteOptions: msi.WriteOptions{DropSignature: true}}
	}
	if err := db.Save(out, opts); err != nil {
		t.Fatalf("save: %v", err)
	}
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	tables := msiinfoTables(t, msiinfo, out)
	for _, table := range []string{"Feature", "FeatureComponents"} {
		if !slices.Contains(tables, table) {
			t.Errorf("msiinfo does not list table %s in the output", table)
		}
	}
	if fi, err := os.Stat(out); err == nil && fi.Size() > 1<<20 {
		// msitools needs seconds per open of a database with big tables:
		// check the tables the pass always edits.
		if testing.Short() {
			t.Logf("-short: msitools check of the %d-byte output skipped", fi.Size())
		} else {
			msiinfoExport(t, msiinfo, out, "Feature")
			msiinfoExport(t, msiinfo, out, "FeatureComponents")
		}
	} else {
		// One msidump run exports every table.
		msidump := testenv.NeedTool(t, "msidump", "msitools")
		dir := t.TempDir()
		if b, err := testenv.Command(t, msidump, "-t", "-d", dir, out).CombinedOutput(); err != nil {
			t.Fatalf("msidump of the output: %v\n%s", err, b)
		}
		for _, table := range tables {
			if fi, err := os.Stat(filepath.Join(dir, table+".idt")); err != nil || fi.Size() == 0 {
				t.Errorf("msidump exported no table %s: %v", table, err)
			}
		}
	}
	if golden == "" {
		return
	}
	for _, table := range goldenTables {
		path := filepath.Join("testdata", golden+"."+table+".idt")
		got := msiinfoExport(t, msiinfo, out, table)
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		compareIDT(t, table+" (msiinfo export of the saved file)", string(want), got)
	}

	// The saved file reads back the same through msikit and is already
	// split: running the pass on it changes nothing.
	re, err := msi.Open(out)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer re.Close()
	rep, err := Run(re, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Changes) > 0 {
		t.Errorf("pass on the saved output changed %d rows", len(rep.Changes))
	}
}

// TestSplitAdvertisedSigned checks that a signed package changed by the
// pass is refused on save unless the caller drops the signature, and that
// the saved result then carries none.
func TestSplitAdvertisedSigned(t *testing.T) {
	db := openDB(t, synthPath(t, "synth-all-signed.msi"))
	if !db.Signed() {
		t.Fatal("synth-all-signed.msi is not signed")
	}
	rep, err := Run(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Changes) == 0 {
		t.Fatal("pass changed nothing")
	}
	out := filepath.Join(t.TempDir(), "out.msi")
	if err := db.Save(out, nil); !errors.Is(err, msi.ErrSigned) {
		t.Fatalf("Save: got %v, want an error wrapping msi.ErrSigned", err)
	}
	if err := db.Save(out, &msi.SaveOptions{WriteOptions: msi.WriteOptions{DropSignature: true}}); err != nil {
		t.Fatal(err)
	}
	re := openDB(t, out)
	if re.Signed() {
		t.Error("saved package still carries a signature")
	}
}
