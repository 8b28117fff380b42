package transform

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/internal/wineoracle"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/darwin"
	"github.com/msikit/msikit/transform/internal/edit"
)

// auditWinePackage is the corpus's synth-com-advertised.msi without
// RegisterTypeLibraries (its type library is not a real one, which fails
// Wine's install) and with a published qualified component, saved in dir.
func auditWinePackage(t *testing.T, dir string) string {
	t.Helper()
	corpus := testenv.CorpusDir()
	if corpus == "" {
		t.Skip("no corpus")
	}
	db, err := msi.Open(filepath.Join(corpus, "synthetic", "synth-com-advertised.msi"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seq, err := db.Table("InstallExecuteSequence")
	if err != nil {
		t.Fatal(err)
	}
	if n := seq.DeleteFunc(func(r msi.Row) bool { return r.Get("Action").Str() == "RegisterTypeLibraries" }); n != 1 {
		t.Fatalf("deleted %d RegisterTypeLibraries rows", n)
	}
	pc, err := edit.CreateTable(db, "PublishComponent", []edit.ColumnDef{{Name: "ComponentId", Type: "s38", Key: true}, {Name: "Qualifier", Type: "s255", Key: true},
		{Name: "Component_", Type: "s72", Key: true}, {Name: "AppData", Type: "L255", Key: false}, {Name: "Feature_", Type: "s38", Key: false}})
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.Insert(msi.StrValue("{6F9A3F2B-1C2D-4E5F-8A9B-0C1D2E3F4A5B}"), msi.StrValue("1033"), msi.StrValue("App"), msi.StrValue("extra data"), msi.StrValue("Core")); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "orig.msi")
	if err := db.Save(p, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

// wineDarwinValues returns the darwin descriptor values of a Wine hive,
// as "key [name] = data".
func wineDarwinValues(t *testing.T, hive string) []string {
	t.Helper()
	f, err := os.Open(hive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, err := wineoracle.ParseReg(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Type != "REG_MULTI_SZ" {
			continue
		}
		if _, _, err := darwin.Parse(e.Value); err != nil {
			continue
		}
		out = append(out, e.Key+" ["+e.Name+"] = "+e.Value)
	}
	return out
}

// TestAuditDescriptorsWine installs a package under Wine, before and
// after leaf-features, and checks that the descriptors the audit predicts
// are exactly the ones Wine's msiexec writes: the "command" values of the
// shell verbs (descriptor, space, argument) and the published qualified
// component (descriptor, then AppData). What Wine does not write is
// checked too, as evidence for the documentation: no descriptor for
// classes (RegisterClassInfo has a FIXME there), and plain links to the
// key file for advertised shortcuts (no DarwinDataBlock). The leaf
// package's descriptors name leaf features holding one component, where
// Windows could use the short form without a component; Wine writes the
// full form there too.
func TestAuditDescriptorsWine(t *testing.T) {
	wine := testenv.NeedWine(t)
	testenv.NeedTool(t, "wineserver", "wine")
	dir := t.TempDir()
	orig := auditWinePackage(t, dir)
	db, err := msi.Open(orig)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SplitAdvertised(db, SplitAdvertisedOptions{}); err != nil {
		t.Fatal(err)
	}
	leaf := filepath.Join(dir, "leaf.msi")
	if err := db.Save(leaf, nil); err != nil {
		t.Fatal(err)
	}
	db.Close()

	ctx := context.Background()
	pfx, err := wineoracle.Boot(ctx, wine, filepath.Join(dir, "prefix"))
	if err != nil {
		t.Fatal(err)
	}
	defer pfx.Close()
	if err := pfx.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	baseline := map[string]bool{}
	for _, h := range []string{"system.reg", "user.reg"} {
		for _, v := range wineDarwinValues(t, filepath.Join(pfx.Dir, h)) {
			baseline[h+" "+v] = true
		}
	}

	for _, pkg := range []string{orig, leaf} {
		t.Run(filepath.Base(pkg), func(t *testing.T) {
			adb, err := msi.Open(pkg)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Audit(adb, AuditOptions{NoRewrite: true})
			adb.Close()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := pfx.MsiExec(ctx, "/i", pkg); err != nil {
				t.Fatal(err)
			}
			defer func() {
				if _, err := pfx.MsiExec(ctx, "/x", pkg); err != nil {
					t.Error(err)
				}
			}()
			var wrote []string
			for _, h := range []string{"system.reg", "user.reg"} {
				for _, v := range wineDarwinValues(t, filepath.Join(pfx.Dir, h)) {
					if !baseline[h+" "+v] {
						wrote = append(wrote, h+" "+v)
					}
				}
			}
			sort.Strings(wrote)

			// What the audit predicts, in Wine's places: HKCR keys in
			// system.reg's Software\Classes; qualified components in the
			// user hive (Wine writes them there even per machine, where
			// Windows uses HKLM\Software\Classes\Installer\Components).
			var predicted, classes []string
			shortcuts := 0
			for _, ep := range rep.EntryPoints() {
				if !ep.Registered || !ep.writes() {
					continue
				}
				for _, d := range ep.Descriptors {
					if d.Descriptor == "" {
						t.Errorf("%s %v: no descriptor: %s", ep.Table, ep.Key, d.Problem)
						continue
					}
					switch ep.Kind {
					case "verb":
						predicted = append(predicted, "system.reg "+`Software\Classes\`+strings.TrimPrefix(d.Where, `HKCR\`)+" ["+d.Value+"] = "+d.Data)
					case "qualified component":
						key := d.Where[strings.Index(d.Where, `Software\`):]
						key = strings.Replace(key, `Software\Classes\Installer\`, `Software\Microsoft\Installer\`, 1)
						predicted = append(predicted, "user.reg "+key+" ["+d.Value+"] = "+d.Data)
					case "class":
						classes = append(classes, d.Where+" ["+d.Value+"] = "+d.Data)
					case "shortcut":
						shortcuts++
					}
				}
			}
			sort.Strings(predicted)
			if len(predicted) < 4 {
				t.Fatalf("only %d predicted descriptors: the test would prove little", len(predicted))
			}
			if diff := cmp.Diff(predicted, wrote); diff != "" {
				t.Errorf("descriptors the audit predicts (-) vs the ones Wine wrote (+):\n%s", diff)
			}
			t.Logf("%d descriptors predicted and written; %d class descriptors predicted that Wine does not write", len(predicted), len(classes))
			if len(classes) == 0 {
				t.Error("no class descriptor predicted: the package has advertised classes")
			}
			if shortcuts == 0 {
				t.Error("no advertised shortcut predicted")
			}
			// The shortcuts Wine made are plain links.
			links := 0
			filepath.WalkDir(filepath.Join(pfx.Dir, "drive_c", "users"), func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() || !strings.HasSuffix(strings.ToLower(p), ".lnk") || !strings.Contains(p, "SynthCorp") {
					return nil
				}
				f, err := os.Open(p)
				if err != nil {
					t.Error(err)
					return nil
				}
				defer f.Close()
				sc, err := darwin.ReadShortcut(f)
				if err != nil {
					t.Errorf("%s: %v", p, err)
					return nil
				}
				links++
				if sc.DarwinID != "" {
					t.Errorf("%s: Wine wrote a DarwinDataBlock %q (the documentation says it does not)", p, sc.DarwinID)
				}
				return nil
			})
			if links == 0 {
				t.Error("Wine made no shortcut")
			}
		})
	}
}
