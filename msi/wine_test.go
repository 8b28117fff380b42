package msi

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/internal/wineoracle"
)

// TestEditedPackageInstallsUnderWine builds a small package with wixl,
// edits it (changes a Property, adds a Registry row that uses it), installs
// it with msiexec under a headless Wine prefix, checks the registry holds
// the edited values, uninstalls it and checks they are gone.
func TestEditedPackageInstallsUnderWine(t *testing.T) {
	t.Parallel() // long oracle runs overlap with the package's other tests
	wine := testenv.NeedWine(t)
	wixl := testenv.NeedTool(t, "wixl", "wixl")
	dir := t.TempDir()
	orig := filepath.Join(dir, "orig.msi")
	if out, err := exec.Command(wixl, "-o", orig, "testdata/wine-edit.wxs").CombinedOutput(); err != nil {
		t.Fatalf("wixl: %v\n%s", err, out)
	}
	db, err := Open(orig)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	prop, _ := db.Table("Property")
	if err := prop.Update([]Value{StrValue("EDITPROP")}, func(v []Value) error {
		v[1] = StrValue("edited by msikit")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	reg, _ := db.Table("Registry")
	if err := reg.Insert(StrValue("regAdded"), IntValue(2), StrValue(`Software\msikit\edit`), StrValue("added"), StrValue("[EDITPROP] too"), StrValue("Main")); err != nil {
		t.Fatal(err)
	}
	pkg := filepath.Join(dir, "edited.msi")
	if err := db.Save(pkg, nil); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	p, err := wineoracle.Boot(ctx, wine, filepath.Join(dir, "prefix"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	dump := func() []string {
		t.Helper()
		// A 32-bit package writes below Wow6432Node in a 64-bit prefix.
		ents, err := p.Dump(`Software\msikit`, `Software\Wow6432Node\msikit`)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range ents {
			if !e.IsKey() {
				out = append(out, e.Name+"="+e.Value)
			}
		}
		return out
	}
	if _, err := p.MsiExec(ctx, "/i", pkg); err != nil {
		t.Fatalf("install: %v", err)
	}
	want := []string{"added=edited by msikit too", "base=edited by msikit"}
	if d := cmp.Diff(want, dump()); d != "" {
		t.Errorf("registry after install (-want +got):\n%s", d)
	}
	if _, err := p.MsiExec(ctx, "/x", pkg); err != nil {
		t.Fatalf("uninstall: %v", err)
	}
	if got := dump(); len(got) != 0 {
		t.Errorf("registry values left after uninstall: %q", got)
	}
}
