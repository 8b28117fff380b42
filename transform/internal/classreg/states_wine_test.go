package classreg

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/internal/wineoracle"
)

// A wineStep is one msiexec run of a feature-state sequence.
type wineStep struct {
	op    string // "/i" or "/x"
	props []string
}

// TestClassToRegistryStatesWine installs testdata/office.msi (built by
// testdata/gen-office.sh: Office-class COM registration, one CLSID
// registered by two components of two features, AppIds, ProgId chains,
// verbs, MIME types, Registry rows of the package's own under the same
// keys, and a class in an unmanaged component, one with a null
// ComponentId) and its rewrite under Wine through a sequence of feature states,
// and compares what is registered after each step. Features are removed
// one at a time while the others stay, so that a registration tied to the
// wrong component or feature shows as a key that stays or goes too early.
func TestClassToRegistryStatesWine(t *testing.T) {
	t.Parallel() // Wine waits for its server much of the time
	wine := testenv.NeedWine(t)
	ctx := context.Background()
	root := t.TempDir()
	pfx, err := wineoracle.Boot(ctx, wine, filepath.Join(root, "prefix"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { pfx.Close() }()

	orig := filepath.Join(root, "original.msi")
	copy(t, filepath.Join("testdata", "office.msi"), orig)
	in, rewritten := rewriteForWine(t, orig, root)

	// wineLeaves lists the ProgIds whose keys Wine's uninstall of the
	// original leaves behind in that state, though nothing registers
	// them any more (Wine's quirk, also seen in TestClassToRegistryWine;
	// Windows removes them): those lines may be in the original only.
	// Office.Template is reached by extension .odot (App) alone.
	steps := []struct {
		name string
		wineStep
		wineLeaves []string
	}{
		{"install all", wineStep{"/i", nil}, nil},
		{"REMOVE=Core", wineStep{"/i", []string{"REMOVE=Core"}}, nil},
		{"ADDLOCAL=Core", wineStep{"/i", []string{"ADDLOCAL=Core"}}, nil},
		{"REMOVE=App", wineStep{"/i", []string{"REMOVE=App"}}, []string{"Office.Template"}},
		{"REMOVE=Extras", wineStep{"/i", []string{"REMOVE=Extras"}}, []string{"Office.Template"}},
		{"uninstall", wineStep{"/x", nil}, []string{"Office.Template", "Office.Doc.12"}},
	}
	prefixes := winePrefixes(in)
	states := func(pkg string) [][]wineoracle.Entry {
		t.Helper()
		var out [][]wineoracle.Entry
		for _, s := range steps {
			if _, err := pfx.MsiExec(ctx, s.op, pkg, s.props...); err != nil {
				t.Fatal(err)
			}
			e, err := pfx.Dump(prefixes...)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, e)
		}
		return out
	}
	// The rewrite first, in a clean prefix (Wine's uninstall of the
	// original leaves ProgId keys behind).
	rew := states(rewritten)
	orgs := states(orig)
	if len(orgs[0]) == 0 {
		t.Fatal("the original registered nothing; the comparison would be empty")
	}
	for i, s := range steps {
		want, got := wineNormalize(in, orgs[i], rew[i])
		got = dropShellNewKeys(got)
		want = dropProgIDLines(want, got, s.wineLeaves)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("after %s: registry (-original +rewritten):\n%s", s.name, diff)
		}
		t.Logf("after %s: original %d entries, rewrite %d", s.name, len(orgs[i]), len(rew[i]))
	}
}

// dropShellNewKeys removes the key lines ending in \ShellNew, which
// wineNormalize removes from the original (Wine creates them for every
// extension with a ProgId) and which a package's own Registry rows may
// write too; their values still compare.
func dropShellNewKeys(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.HasSuffix(strings.ToLower(l), `\shellnew |  | key |`) {
			continue
		}
		out = append(out, l)
	}
	return out
}

// dropProgIDLines removes from want the lines under the keys of the
// ProgIds progIDs that got does not have.
func dropProgIDLines(want, got, progIDs []string) []string {
	have := map[string]bool{}
	for _, l := range got {
		have[l] = true
	}
	var out []string
	for _, l := range want {
		k := strings.ToLower(l)
		drop := false
		for _, p := range progIDs {
			pre := strings.ToLower(`software\classes\` + p)
			drop = drop || !have[l] && (strings.HasPrefix(k, pre+" |") || strings.HasPrefix(k, pre+`\`))
		}
		if !drop {
			out = append(out, l)
		}
	}
	return out
}
