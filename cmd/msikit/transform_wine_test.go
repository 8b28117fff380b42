package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/internal/wineoracle"
	"github.com/msikit/msikit/msi"
)

// wineInstall is what one msiexec install left in a Wine prefix: the
// registry entries under the keys a test watches and the files below
// Program Files, each as one line, minus what was there before.
type wineInstall []string

// installDelta installs pkg with msiexec (props such as TRANSFORMS=...)
// in the prefix, returns what the install added or changed under the
// registry keys prefixes and below Program Files, uninstalls it and
// checks (when clean is set) that the uninstall removed that again.
// Product registration (keys below Software\Classes\Installer, which name
// the package file and its PackageCode) is left out.
func installDelta(t *testing.T, ctx context.Context, p *wineoracle.Prefix, pkg string, clean bool, prefixes []string, props ...string) wineInstall {
	t.Helper()
	state := func() map[string]bool {
		t.Helper()
		ents, err := p.Dump(prefixes...)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, e := range ents {
			if strings.HasPrefix(strings.ToLower(e.Key), `software\classes\installer\`) {
				continue
			}
			out["reg "+e.String()] = true
		}
		for _, pf := range []string{"Program Files", "Program Files (x86)"} {
			root := filepath.Join(p.Dir, "drive_c", pf)
			filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return nil
				}
				rel, _ := filepath.Rel(root, path)
				if fi, err := d.Info(); err == nil {
					out[fmt.Sprintf("file %s/%s %d", pf, filepath.ToSlash(rel), fi.Size())] = true
				}
				return nil
			})
		}
		return out
	}
	delta := func(before, after map[string]bool) []string {
		var d []string
		for k := range after {
			if !before[k] {
				d = append(d, "+ "+k)
			}
		}
		for k := range before {
			if !after[k] {
				d = append(d, "- "+k)
			}
		}
		sort.Strings(d)
		return d
	}
	before := state()
	if _, err := p.MsiExec(ctx, "/i", pkg, props...); err != nil {
		t.Fatalf("install %s %q: %v", filepath.Base(pkg), props, err)
	}
	installed := delta(before, state())
	if _, err := p.MsiExec(ctx, "/x", pkg, props...); err != nil {
		t.Fatalf("uninstall %s: %v", filepath.Base(pkg), err)
	}
	if left := delta(before, state()); clean && len(left) > 0 {
		t.Errorf("uninstalling %s %q left:\n%s", filepath.Base(pkg), props, strings.Join(left, "\n"))
	}
	return installed
}

// TestTransformInstallsUnderWine installs packages under Wine's msiexec
// with a transform msikit wrote (TRANSFORMS=...) and compares what that
// installs with installing the package the transform leads to:
//
//   - generated: diff -o between a wixl-built package and an edit of it
//     (a property changed, a new component with its feature link and
//     registry value, a registry row that uses the property);
//   - as-transform: rewrite --as-transform of a package that advertises
//     COM classes, against installing its rewrite (rewrite -o).
//
// Both installs must add the same registry entries and files, and both
// uninstalls must remove them. (Wine applies TRANSFORMS= without checking
// the transform's validation flags, so this tests the records, not PID 16.)
func TestTransformInstallsUnderWine(t *testing.T) {
	t.Parallel() // Wine waits for its server much of the time
	wine := testenv.NeedWine(t)
	wixl := testenv.NeedTool(t, "wixl", "wixl")
	dir := t.TempDir()
	ctx := context.Background()

	// generated: base and target built here.
	base := filepath.Join(dir, "base.msi")
	if out, err := exec.Command(wixl, "-o", base, filepath.Join(testenv.RepoRoot(), "msi", "testdata", "wine-edit.wxs")).CombinedOutput(); err != nil {
		t.Fatalf("wixl: %v\n%s", err, out)
	}
	target := filepath.Join(dir, "target.msi")
	editTarget(t, base, target)
	gen := filepath.Join(dir, "changes.mst")
	if code, _, stderr := runCLI(t, "diff", base, target, "-o", gen); code != exitOK {
		t.Fatalf("diff -o: exit %d: %s", code, stderr)
	}

	// as-transform: the vendor package and its rewrite.
	vendor := filepath.Join(dir, "com64.msi")
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "transform", "internal", "classreg", "testdata", "com64.msi"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(vendor, data, 0o644); err != nil {
		t.Fatal(err)
	}
	fix := filepath.Join(dir, "fix.mst")
	if code, _, stderr := runCLI(t, "rewrite", vendor, "--as-transform", "-o", fix); code != exitOK {
		t.Fatalf("rewrite --as-transform: exit %d: %s", code, stderr)
	}
	rewritten := filepath.Join(dir, "rewritten.msi")
	if code, _, stderr := runCLI(t, "rewrite", vendor, "-o", rewritten); code != exitOK {
		t.Fatalf("rewrite: exit %d: %s", code, stderr)
	}
	if got, err := os.ReadFile(vendor); err != nil || string(got) != string(data) {
		t.Fatalf("rewrite --as-transform changed the vendor package (%v)", err)
	}

	p, err := wineoracle.Boot(ctx, wine, filepath.Join(dir, "prefix"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Persist(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name                  string
		pkg, transform, whole string
		prefixes              []string
	}{
		{"generated", base, gen, target, []string{`Software\msikit`, `Software\Wow6432Node\msikit`}},
		{"as-transform", vendor, fix, rewritten, []string{`Software\Classes`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// com64.msi formats [ComputerName] into a registry value:
			// the pair is made again if an install ran without it.
			var withTransform, direct wineInstall
			wineoracle.Comparable(t, p, func() {
				withTransform = installDelta(t, ctx, p, tc.pkg, true, tc.prefixes, "TRANSFORMS="+wineoracle.WinPath(tc.transform))
				direct = installDelta(t, ctx, p, tc.whole, true, tc.prefixes)
			}, nil)
			if len(direct) == 0 {
				t.Fatal("installing the target added nothing under the watched keys: the comparison would be empty")
			}
			if d := cmp.Diff(direct, withTransform); d != "" {
				t.Errorf("install of the package + transform differs from the install of the target (-target +with transform):\n%s", d)
			}
			// The transform must matter: without it the package installs
			// something else. (Last: Wine's uninstall of an advertised
			// ProgId leaves keys behind, so its uninstall is not checked.)
			if plain := installDelta(t, ctx, p, tc.pkg, false, tc.prefixes); cmp.Equal(plain, direct) {
				t.Error("the package installs the same without the transform: the test shows nothing")
			}
		})
	}
}

// editTarget writes to target an edit of the package at base: EDITPROP
// changed, a registry row using it added to component Main, and a new
// component (its feature link, its own registry value as key path).
func editTarget(t *testing.T, base, target string) {
	t.Helper()
	db, err := msi.Open(base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tab := func(name string) *msi.Table {
		tb, err := db.Table(name)
		if err != nil {
			t.Fatal(err)
		}
		return tb
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(tab("Property").Update([]msi.Value{msi.StrValue("EDITPROP")}, func(v []msi.Value) error {
		v[1] = msi.StrValue("changed by a transform")
		return nil
	}))
	must(tab("Registry").Insert(msi.StrValue("regAdded"), msi.IntValue(2), msi.StrValue(`Software\msikit\edit`), msi.StrValue("added"), msi.StrValue("[EDITPROP] too"), msi.StrValue("Main")))
	must(tab("Component").Insert(msi.StrValue("Extra"), msi.StrValue("{7A0C2E51-3B8D-4F60-9E1A-2C4B6D8F0A13}"), msi.StrValue("INSTALLDIR"), msi.IntValue(4), msi.Null, msi.StrValue("regExtra")))
	must(tab("FeatureComponents").Insert(msi.StrValue("F"), msi.StrValue("Extra")))
	must(tab("Registry").Insert(msi.StrValue("regExtra"), msi.IntValue(2), msi.StrValue(`Software\msikit\extra`), msi.StrValue("extra"), msi.StrValue("from the new component"), msi.StrValue("Extra")))
	must(db.Save(target, nil))
}
