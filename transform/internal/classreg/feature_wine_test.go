package classreg

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msikit/msikit/transform/internal/edit"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/internal/wineoracle"
	"github.com/msikit/msikit/msi"
)

// TestClassToRegistryFeatureWine checks under Wine that COM registration
// follows the Class (and Extension) row's feature after the rewrite, as
// msiexec ties it, when the class's component sits in two features. The
// fixture is com64.msi with a second feature "Second" that also holds
// ServerComp (the component of two classes and an extension whose rows
// name feature Main). For the original and the rewrite:
//
//   - ADDLOCAL=Second installs ServerComp but not Main: nothing of Main's
//     classes may be registered;
//   - ADDLOCAL=Main registers them;
//   - then ADDLOCAL=Second, then REMOVE=Main: ServerComp stays (Second
//     holds it), but Main's registration must go.
//
// Each state's registration must be the same for both packages (after the
// normalization TestClassToRegistryWine documents).
func TestClassToRegistryFeatureWine(t *testing.T) {
	wine := testenv.NeedWine(t)
	msibuild := testenv.NeedTool(t, "msibuild", "msitools")
	ctx := context.Background()
	root := t.TempDir()
	pfx, err := wineoracle.Boot(ctx, wine, filepath.Join(root, "prefix"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { pfx.Close() }() // the prefix a retry booted, if any

	orig := filepath.Join(root, "original.msi")
	copy(t, filepath.Join("testdata", "com64.msi"), orig)
	run(t, msibuild, orig, "-q", "INSERT INTO `Feature` (`Feature`, `Title`, `Display`, `Level`, `Attributes`) VALUES ('Second', 'Second', 3, 1, 0)")
	run(t, msibuild, orig, "-q", "INSERT INTO `FeatureComponents` (`Feature_`, `Component_`) VALUES ('Second', 'ServerComp')")

	db, err := msi.Open(orig)
	if err != nil {
		t.Fatal(err)
	}
	in, err := readInput(db, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	newComps := 0
	for _, c := range rep.Changes {
		if c.Op == edit.Add && c.Table == "Component" {
			newComps++
		}
	}
	if newComps == 0 {
		t.Fatalf("no registry-only component was added for feature Main; changes: %+v", rep.Changes)
	}
	rewritten := filepath.Join(root, "rewritten.msi")
	if err := db.Save(rewritten, nil); err != nil {
		t.Fatal(err)
	}
	db.Close()

	prefixes := winePrefixes(in)
	dump := func() []wineoracle.Entry {
		t.Helper()
		e, err := pfx.Dump(prefixes...)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	exec := func(op, pkg string, props ...string) {
		t.Helper()
		if _, err := pfx.MsiExec(ctx, op, pkg, props...); err != nil {
			t.Fatal(err)
		}
	}
	// states installs pkg through the three states and returns what is
	// registered in each.
	states := func(pkg string) (second, main, mainRemoved []wineoracle.Entry) {
		exec("/i", pkg, "ADDLOCAL=Second")
		second = dump()
		exec("/x", pkg)
		exec("/i", pkg, "ADDLOCAL=Main")
		main = dump()
		exec("/i", pkg, "ADDLOCAL=Second")
		exec("/i", pkg, "REMOVE=Main")
		mainRemoved = dump()
		exec("/x", pkg)
		return second, main, mainRemoved
	}
	// The rewrite first, in a clean prefix (see TestClassToRegistryWine).
	// com64.msi formats [ComputerName]: when an install ran without it,
	// both sequences are made again in a new prefix.
	var rSecond, rMain, rRemoved, oSecond, oMain, oRemoved []wineoracle.Entry
	wineoracle.Comparable(t, pfx, func() {
		rSecond, rMain, rRemoved = states(rewritten)
		oSecond, oMain, oRemoved = states(orig)
	}, func() *wineoracle.Prefix {
		pfx.Close()
		if pfx, err = wineoracle.Boot(ctx, wine, filepath.Join(root, "prefix-again")); err != nil {
			t.Fatal(err)
		}
		return pfx
	})
	if len(oMain) == 0 {
		t.Fatal("the original registered nothing with ADDLOCAL=Main; the comparison would be empty")
	}
	for _, c := range []struct {
		name      string
		orig, rew []wineoracle.Entry
	}{
		{"ADDLOCAL=Second", oSecond, rSecond},
		{"ADDLOCAL=Main", oMain, rMain},
		{"REMOVE=Main (Second installed)", oRemoved, rRemoved},
	} {
		want, got := wineNormalize(in, c.orig, c.rew)
		if strings.HasPrefix(c.name, "REMOVE") {
			// Wine's UnregisterProgIdInfo leaves ProgId keys of a
			// removed registration behind (its own quirk, also seen on
			// uninstall in TestClassToRegistryWine; Windows removes
			// them). Those lines may be in the original only.
			want = wineDropProgIDs(in, want, got)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: registry (-original +rewritten):\n%s", c.name, diff)
		}
		t.Logf("%s: original %d entries, rewrite %d", c.name, len(c.orig), len(c.rew))
	}
	// Main's class must really be absent while only Second is installed.
	for _, e := range rSecond {
		if strings.Contains(strings.ToUpper(e.Key), `7E57C0DE-C1A5-4000-8000-000000000001`) {
			t.Errorf("ADDLOCAL=Second: the rewrite registers Main's class: %s", e)
		}
	}
	_ = os.Remove(rewritten)
}

// wineDropProgIDs removes from want the lines under a ProgId key of the
// package that got does not have.
func wineDropProgIDs(in *Input, want, got []string) []string {
	have := map[string]bool{}
	for _, l := range got {
		have[l] = true
	}
	var out []string
	for _, l := range want {
		if !have[l] && underProgID(in, l) {
			continue
		}
		out = append(out, l)
	}
	return out
}

func underProgID(in *Input, line string) bool {
	k := strings.ToLower(line)
	for _, p := range in.ProgIDs {
		pre := strings.ToLower(`software\classes\` + p.ProgID)
		if strings.HasPrefix(k, pre+" |") || strings.HasPrefix(k, pre+`\`) {
			return true
		}
	}
	return false
}
