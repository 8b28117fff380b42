package validate

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/internal/winemsi"
	"github.com/msikit/msikit/msi"
)

// corpusFile returns the path of a corpus package, or skips t.
func corpusFile(t *testing.T, name string) string {
	t.Helper()
	for _, p := range testenv.CorpusFiles(t) {
		if filepath.Base(p) == name {
			return p
		}
	}
	t.Skipf("%s is not in the corpus", name)
	return ""
}

// plainValue copies a value out of its database, so that it can be
// inserted into another one.
func plainValue(v msi.Value, col msi.Column) msi.Value {
	switch {
	case v.IsNull():
		return msi.Null
	case isBinaryColumn(col):
		return msi.BinaryValue()
	case isIntColumn(col):
		return msi.IntValue(v.Int())
	}
	return msi.StrValue(v.Str())
}

// mergeCub writes out: the package pkg with the tables of the validation
// file cub merged in, as msival2 merges darice.cub before it runs the
// ICEs: tables the package lacks are copied whole, and rows of tables both
// have (_Validation, Property, Binary, CustomAction...) are added when the
// package has no row of that key; binary cells bring their streams. msikit
// does the merge because Wine's MsiDatabaseMergeW drops the streams of
// Binary rows and skips every table with a conflicting row (see
// internal/winemsi).
func mergeCub(t *testing.T, pkg, cub, out string) {
	t.Helper()
	db, err := msi.Open(pkg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cdb, err := msi.Open(cub)
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	for _, name := range cdb.TableNames() {
		src, err := cdb.Table(name)
		if err != nil {
			t.Fatal(err)
		}
		cols := src.Columns()
		var dst *msi.Table
		if db.HasTable(name) {
			if dst, err = db.Table(name); err != nil {
				t.Fatal(err)
			}
		} else if dst, err = db.CreateTable(name, cols); err != nil {
			t.Fatalf("creating %s: %v", name, err)
		}
		for r := range src.Rows() {
			vals := make([]msi.Value, len(cols))
			for i, v := range r.Values() {
				vals[i] = plainValue(v, cols[i])
			}
			var key []msi.Value
			for i, c := range cols {
				if c.Key {
					key = append(key, vals[i])
				}
			}
			if _, exists := dst.Lookup(key...); exists {
				continue // the package's row wins, as in a merge
			}
			if err := dst.Insert(vals...); err != nil {
				t.Fatalf("merging %s %v: %v", name, r.Values(), err)
			}
			for i, c := range cols {
				if !isBinaryColumn(c) || vals[i].IsNull() {
					continue
				}
				st, err := r.OpenStream(c.Name)
				if err != nil {
					t.Fatal(err)
				}
				data, err := io.ReadAll(st)
				if err != nil {
					t.Fatal(err)
				}
				if err := db.SetStream(r.StreamName(), bytes.NewReader(data), int64(len(data))); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := db.Save(out, &msi.SaveOptions{WriteOptions: msi.WriteOptions{DropSignature: true}}); err != nil {
		t.Fatal(err)
	}
}

// TestMergeCub checks the merge the Wine cross-check relies on: the cub's
// ICE sequence and custom actions arrive, with their DLL streams byte for
// byte, and the package's own rows are kept.
func TestMergeCub(t *testing.T) {
	cub := corpusFile(t, "psmsi-darice.cub")
	out := filepath.Join(t.TempDir(), "merged.msi")
	f := baseInstaller()
	withValidation(nil)(f)
	var buf bytes.Buffer
	if _, err := f.build(t).WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	pkg := filepath.Join(t.TempDir(), "pkg.msi")
	if err := os.WriteFile(pkg, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	mergeCub(t, pkg, cub, out)
	db, err := msi.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cdb, err := msi.Open(cub)
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	seq, err := db.Table("_ICESequence")
	if err != nil || seq.Len() < 100 {
		t.Fatalf("_ICESequence: %v", err)
	}
	bin, _ := cdb.Table("Binary")
	for r := range bin.Rows() {
		want, _ := r.OpenStream("Data")
		got, err := db.OpenStream(r.StreamName())
		if err != nil {
			t.Fatalf("%s: %v", r.StreamName(), err)
		}
		a, _ := io.ReadAll(want)
		b, _ := io.ReadAll(got)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: %d bytes, the cub has %d", r.StreamName(), len(b), len(a))
		}
	}
	props, _ := db.Table("Property")
	if row, ok := props.Lookup(msi.StrValue("ProductName")); !ok || row.Get("Value").Str() != "Acme" {
		t.Error("the package's ProductName did not survive the merge")
	}
	val, _ := db.Table("_Validation")
	if _, ok := val.Lookup(msi.StrValue("_ICESequence"), msi.StrValue("Action")); !ok {
		t.Error("the cub's _Validation rows were not merged")
	}
}

// wineVerdict is what one ICE reported under Wine, as "SEVERITY
// TABLE[KEY].COLUMN" lines (brief gives ours so). Information messages
// (type 3: the ICE's title and dates, notes) are not findings and are left
// out; an ICE that failed (type 0) or said it "cannot continue its
// validation" (Wine's script host lacks TablePersistent, so the VBScript
// ICEs see no tables) gives no verdict.
func wineVerdict(lines [][]string, ice string) ([]string, bool) {
	var out []string
	for _, f := range lines {
		if len(f) < 3 || f[0] != ice {
			continue
		}
		if f[1] == "0" || strings.Contains(f[2], "cannot continue its validation") {
			return nil, false
		}
		var b Finding
		switch f[1] {
		case "1":
			b.Severity = Error
		case "2":
			b.Severity = Warning
		default:
			continue
		}
		if len(f) > 4 {
			b.Table = f[4]
		}
		if len(f) > 5 {
			b.Column = f[5]
		}
		if len(f) > 6 {
			b.Key = f[6:]
		}
		out = append(out, brief(b))
	}
	sort.Strings(out)
	return out, true
}

// wineKnownDifferences lists, by "package: ICE", differences between
// msikit and darice.cub under Wine that were triaged, with the reason the
// documentation gives msikit's answer. It is empty: the cross-check has
// not been run on a machine with wine32 yet (see the README).
var wineKnownDifferences = map[string]string{}

// TestWineICE cross-checks the rules against Microsoft's darice.cub (the
// corpus's psmsi-darice.cub) run in Wine's msi.dll, on the synthetic
// packages of the rule tests (and, with MSIKIT_WINE_ICE=corpus, on every
// corpus installer): each ICE runs in its own process with a time limit,
// and only ICEs that give a verdict under Wine are compared, by severity,
// table, key and column (errors and warnings). Opt-in (MSIKIT_WINE_ICE=1),
// because the ICE DLLs are 32-bit and need Wine's 32-bit side (wine32),
// which CI does not
// install. Without wine32 it still runs, with a short limit per ICE, and
// compares whatever gives a verdict.
func TestWineICE(t *testing.T) {
	mode := os.Getenv("MSIKIT_WINE_ICE")
	if mode == "" {
		t.Skip("the darice.cub cross-check is opt-in: MSIKIT_WINE_ICE=1 (synthetic packages) or =corpus (every corpus installer too); it needs wine32")
	}
	limit := 90 * time.Second
	if !winemsi.Have32Bit() {
		// Without wine32 the 32-bit DLL ICEs hang until the limit: run
		// them anyway (the VBScript ICEs run), with a short limit.
		limit = 10 * time.Second
		t.Log("Wine's 32-bit side is not installed (Debian: add the i386 architecture, then apt-get install wine32): the 32-bit ICE DLLs will hang, so they give no verdict")
	}
	cub := corpusFile(t, "psmsi-darice.cub")
	tool := winemsi.New(t)
	dir := t.TempDir()
	pkgs := map[string]string{}
	for name, f := range wineFixtures() {
		var buf bytes.Buffer
		if _, err := f.build(t).WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name+".msi")
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		pkgs[name] = p
	}
	if mode == "corpus" {
		for _, p := range testenv.CorpusFiles(t) {
			if strings.EqualFold(filepath.Ext(p), ".msi") && !testenv.IsCorrupt(p) {
				pkgs[filepath.Base(p)] = p
			}
		}
	}
	compared, noVerdict := 0, 0
	for _, name := range sortedKeys(pkgs) {
		t.Run(name, func(t *testing.T) {
			merged := filepath.Join(dir, "merged-"+filepath.Base(pkgs[name]))
			mergeCub(t, pkgs[name], cub, merged)
			db, err := msi.Open(pkgs[name])
			if err != nil {
				t.Fatal(err)
			}
			ours, err := Validate(db, &Options{MaxFindings: -1})
			hasValidation := db.HasTable("_Validation")
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range Rules() {
				if !r.Installers || (r.ICE == "ICE03" && !hasValidation) {
					// Without a _Validation table the real ICE03 reports
					// every column; msikit says so once (documented).
					continue
				}
				out, err := tool.RunWithin(t, new(winemsi.Script).Open(merged, winemsi.Transact).ICE(r.ICE), limit)
				var lines [][]string
				if out != nil {
					lines = out.ICELines
				}
				wine, ok := wineVerdict(lines, r.ICE)
				if err != nil || !ok {
					noVerdict++
					why := "the ICE could not run"
					if errors.Is(err, winemsi.ErrTimeout) {
						why = "timed out"
					} else if err != nil {
						why = err.Error()
					}
					t.Logf("%s: no verdict under Wine (%s)", r.ICE, why)
					continue
				}
				var mine []string
				for _, f := range ours {
					if f.ICE == r.ICE && f.Severity != Info {
						mine = append(mine, brief(f))
					}
				}
				sort.Strings(mine)
				compared++
				if diff := cmp.Diff(wine, mine); diff != "" {
					if why, ok := wineKnownDifferences[name+": "+r.ICE]; ok {
						t.Logf("%s: known difference (%s)", r.ICE, why)
						continue
					}
					t.Errorf("%s: darice.cub under Wine (-) vs msikit (+):\n%s", r.ICE, diff)
				}
			}
		})
	}
	t.Logf("%d ICE runs compared, %d without a verdict under Wine", compared, noVerdict)
}

// wineFixtures are packages for the cross-check: the base installer and a
// few that trip several rules at once.
func wineFixtures() map[string]*fixture {
	out := map[string]*fixture{"base": baseInstaller()}
	trip := baseInstaller()
	userDir(trip)
	comp2(trip, "APPDIR", 0, "F2", "data.txt")
	trip.add("Component", row("C3", "{11111111-1111-1111-1111-111111111111}", "INSTALLDIR", 0, "", ""))
	trip.add("Registry", row("R1", 0, `CLSID\{44444444-4444-4444-4444-444444444444}\InprocServer32`, "", "[#F1]", "C1"),
		row("R2", 1, `Software\Acme`, "x", "[$C2]", "C1"))
	trip.add("Directory", row("ALLUSERS", "INSTALLDIR", "x"))
	withValidation(nil)(trip)
	trip.add("File", row("F9", "Nope", "b.txt", 1, "1.x", "", 512, 40000))
	out["trips"] = trip
	return out
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
