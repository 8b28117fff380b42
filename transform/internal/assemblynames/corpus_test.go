package assemblynames

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msikit/msikit/transform/internal/edit"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// export returns msiinfo export's rows of table (header lines skipped).
func export(t *testing.T, file, table string) [][]string {
	t.Helper()
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	out, err := testenv.Command(t, msiinfo, "export", file, table).Output()
	if err != nil {
		t.Fatalf("msiinfo export %s %s: %v", filepath.Base(file), table, err)
	}
	var rows [][]string
	for i, l := range strings.Split(strings.TrimRight(strings.ReplaceAll(string(out), "\r\n", "\n"), "\n"), "\n") {
		if i >= 3 {
			rows = append(rows, strings.Split(l, "\t"))
		}
	}
	return rows
}

// vendorNames returns msiinfo's view of MsiAssemblyName: component →
// attribute name → value.
func vendorNames(t *testing.T, file string) map[string]map[string]string {
	m := map[string]map[string]string{}
	for _, r := range export(t, file, "MsiAssemblyName") {
		if len(r) == 3 {
			if m[r[0]] == nil {
				m[r[0]] = map[string]string{}
			}
			m[r[0]][r[1]] = r[2]
		}
	}
	return m
}

// extractCabs extracts the package's embedded cabinets with the
// oracles (msiinfo extract, gcab -x) into a folder of files named by their
// File keys, and returns it.
func extractCabs(t *testing.T, file string) string {
	t.Helper()
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	gcab := testenv.NeedTool(t, "gcab", "gcab")
	dir := t.TempDir()
	for _, r := range export(t, file, "Media") {
		if len(r) < 4 || !strings.HasPrefix(r[3], "#") {
			continue
		}
		cab, err := exec.Command(msiinfo, "extract", file, r[3][1:]).Output()
		if err != nil {
			t.Fatalf("msiinfo extract %s: %v", r[3], err)
		}
		cabPath := filepath.Join(t.TempDir(), "x.cab")
		if err := os.WriteFile(cabPath, cab, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(gcab, "-x", "-C", dir, cabPath).CombinedOutput(); err != nil {
			t.Fatalf("gcab -x %s: %v\n%s", r[3], err, out)
		}
	}
	return dir
}

func openDB(t *testing.T, file string) *msi.Database {
	t.Helper()
	db, err := msi.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// allNames returns our view of MsiAssemblyName after the pass.
func allNames(t *testing.T, db *msi.Database) map[string]map[string]string {
	tb, err := db.Table("MsiAssemblyName")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]map[string]string{}
	for r := range tb.Rows() {
		c := r.Get("Component_").Str()
		if m[c] == nil {
			m[c] = map[string]string{}
		}
		m[c][r.Get("Name").Str()] = r.Get("Value").Str()
	}
	return m
}

// corpusWithNames lists the corpus packages (real, not corrupt) that
// carry MsiAssemblyName rows.
func corpusWithNames(t *testing.T) []string {
	var out []string
	for _, f := range testenv.CorpusFiles(t) {
		if testenv.IsCorrupt(f) || !strings.Contains(filepath.ToSlash(f), "/real/") {
			continue
		}
		msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
		tables, err := exec.Command(msiinfo, "tables", f).Output()
		if err != nil || !strings.Contains("\n"+string(tables), "\nMsiAssemblyName\n") {
			continue
		}
		if len(export(t, f, "MsiAssemblyName")) > 0 {
			out = append(out, f)
		}
	}
	return out
}

// TestAssemblyNamesVendorRows is acceptance test 1: in every corpus package
// with MsiAssemblyName rows, strip every attribute but name (through the
// msi API), run the pass on the files from the package's own cabinets, and
// compare with the vendor's rows as msiinfo reads them. Values compare the
// way Windows does: case aside, versions by number (the deliberate
// difference: we write 11.0.0.0 where WiX v3 padded 11.0.0.00000000 to the
// fileVersion's length for .NET 1.0 fusion).
func TestAssemblyNamesVendorRows(t *testing.T) {
	compared := 0
	for _, file := range corpusWithNames(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			vendor := vendorNames(t, file)
			wantFileVersion := false
			for _, attrs := range vendor {
				if _, ok := attrs["fileVersion"]; ok {
					wantFileVersion = true
				}
			}
			db := openDB(t, file)
			tb, err := db.Table("MsiAssemblyName")
			if err != nil {
				t.Fatal(err)
			}
			tb.DeleteFunc(func(r msi.Row) bool { return !strings.EqualFold(r.Get("Name").Str(), "name") })
			rep, err := Run(db, Options{Source: extractCabs(t, file), FileVersion: wantFileVersion, AllowSigned: true})
			if err != nil {
				t.Fatal(err)
			}
			unread := map[string]bool{}
			for _, n := range rep.Notes {
				if n.Table == "MsiAssembly" && strings.Contains(n.Reason, "not read from metadata") {
					unread[n.Key[0]] = true
				}
			}
			got := allNames(t, db)
			for comp, want := range vendor {
				if unread[comp] {
					t.Logf("%s: file not in the package's cabinets (%d vendor attributes not checked)", comp, len(want))
					if len(got[comp]) != 1 {
						t.Errorf("%s: unreadable file, yet rows changed: %v", comp, got[comp])
					}
					continue
				}
				if len(got[comp]) != len(want) {
					t.Errorf("%s: %d attributes, vendor has %d:\n%s", comp, len(got[comp]), len(want), cmp.Diff(want, got[comp]))
				}
				for name, wv := range want {
					gv, ok := got[comp][name]
					if !ok {
						t.Errorf("%s: attribute %s missing (vendor %q)", comp, name, wv)
						continue
					}
					if !same(strings.ToLower(name), gv, wv) {
						t.Errorf("%s %s: derived %q, vendor %q", comp, name, gv, wv)
					} else if gv != wv {
						t.Logf("%s %s: derived %q, vendor %q (equal to Windows)", comp, name, gv, wv)
					}
				}
				compared++
			}
			// Idempotent.
			rep2, err := Run(db, Options{Source: extractCabs(t, file), FileVersion: wantFileVersion, AllowSigned: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep2.Changes) != 0 {
				t.Errorf("second run changed rows: %+v", rep2.Changes)
			}
		})
	}
	t.Logf("%d assemblies compared with the vendors' rows", compared)
	if compared == 0 {
		t.Error("no corpus assembly could be compared")
	}
}

// TestAssemblyNamesVendorFallback strips processorArchitecture from the
// packages whose assemblies are not in their cabinets: the fallback must
// restore the vendor's value and say it was guessed.
func TestAssemblyNamesVendorFallback(t *testing.T) {
	for _, file := range corpusWithNames(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			vendor := vendorNames(t, file)
			db := openDB(t, file)
			tb, _ := db.Table("MsiAssemblyName")
			tb.DeleteFunc(func(r msi.Row) bool { return r.Get("Name").Str() == "processorArchitecture" })
			// No file is readable: only the fallback can fill the rows.
			noFiles := func(string) (io.ReaderAt, int64, error) { return nil, 0, fs.ErrNotExist }
			rep, err := Run(db, Options{Open: noFiles, ProcessorArchitecture: "MSIL", AllowSigned: true})
			if err != nil {
				t.Fatal(err)
			}
			got := allNames(t, db)
			for comp, want := range vendor {
				if g := got[comp]["processorArchitecture"]; !strings.EqualFold(g, want["processorArchitecture"]) {
					t.Errorf("%s: processorArchitecture %q, vendor %q", comp, g, want["processorArchitecture"])
				}
			}
			for _, c := range rep.Changes {
				if !strings.Contains(c.Reason, "guessed") {
					t.Errorf("change without a guess marker: %+v", c)
				}
			}
			if len(rep.Changes) != len(vendor) {
				t.Errorf("%d changes for %d assemblies", len(rep.Changes), len(vendor))
			}
		})
	}
}

func synthetic(t *testing.T, name string) string {
	dir := testenv.CorpusDir()
	if dir == "" {
		t.Skip("shared corpus not found")
	}
	p := filepath.Join(dir, "synthetic", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s not in the corpus", name)
	}
	return p
}

// TestAssemblyNamesSynthetic is acceptance test 2.
func TestAssemblyNamesSynthetic(t *testing.T) {
	file := synthetic(t, "synth-assemblies.msi")
	before := vendorNames(t, file)
	db := openDB(t, file)
	opts := Options{Source: extractCabs(t, file), ProcessorArchitecture: "MSIL"}
	rep, err := Run(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	wantChanges := []edit.Change{
		{Op: edit.Add, Table: "MsiAssemblyName", Key: []string{"AsmMissingArch", "processorArchitecture"},
			New: []string{"AsmMissingArch", "processorArchitecture", "MSIL"}, Reason: "guessed: fallback processor architecture, file not read"},
		{Op: edit.Update, Table: "MsiAssemblyName", Key: []string{"AsmNeutral", "processorArchitecture"},
			Old: []string{"AsmNeutral", "processorArchitecture", "neutral"}, New: []string{"AsmNeutral", "processorArchitecture", "MSIL"},
			Reason: `invalid "neutral"; guessed: fallback processor architecture, file not read`},
	}
	if diff := cmp.Diff(wantChanges, rep.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	notes := noteText(rep)
	for _, want := range []string{
		"values not read from metadata: Contoso.Core.dll",
		"values not read from metadata: Contoso.Neutral.dll",
		"values not read from metadata: Contoso.Good.dll",
		"values not read from metadata: Contoso.Win32.manifest: assembly: unsupported: manifest has no assemblyIdentity",
		"processorArchitecture MSIL is a guess",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	got := allNames(t, db)
	for _, comp := range []string{"AsmGood", "AsmWin32"} {
		if diff := cmp.Diff(before[comp], got[comp]); diff != "" {
			t.Errorf("%s changed (-before +after):\n%s", comp, diff)
		}
	}
	rep2, err := Run(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep2.Changes) != 0 {
		t.Errorf("second run changed rows: %+v", rep2.Changes)
	}
}

// TestAssemblyNamesSigned: a signed package is refused unless allowed.
func TestAssemblyNamesSigned(t *testing.T) {
	file := synthetic(t, "synth-all-signed.msi")
	db := openDB(t, file)
	if !db.Signed() {
		t.Fatal("synth-all-signed.msi not seen as signed")
	}
	before := allNames(t, db)
	_, err := Run(db, Options{ProcessorArchitecture: "MSIL"})
	if !errors.Is(err, msi.ErrSigned) {
		t.Fatalf("error = %v, want msi.ErrSigned", err)
	}
	if diff := cmp.Diff(before, allNames(t, db)); diff != "" {
		t.Errorf("refused run changed rows:\n%s", diff)
	}
	rep, err := Run(db, Options{ProcessorArchitecture: "MSIL", AllowSigned: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Changes) != 2 {
		t.Errorf("%d changes with AllowSigned, want 2", len(rep.Changes))
	}
}

// TestAssemblyNamesMsitools is acceptance test 4: the rewritten package
// opens in msitools, which sees the same rows we wrote.
func TestAssemblyNamesMsitools(t *testing.T) {
	file := synthetic(t, "synth-assemblies.msi")
	db := openDB(t, file)
	w, ok := any(db).(interface {
		WriteTo(io.Writer) (int64, error)
	})
	if !ok {
		t.Skip("msi.Database has no WriteTo yet")
	}
	if _, err := Run(db, Options{ProcessorArchitecture: "x86"}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.msi")
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(allNames(t, db), vendorNames(t, out)); diff != "" {
		t.Errorf("msiinfo sees other rows than we wrote (-ours +msiinfo):\n%s", diff)
	}
	db2 := openDB(t, out)
	rep, err := Run(db2, Options{ProcessorArchitecture: "x86"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Changes) != 0 {
		t.Errorf("pass on the written package changed rows: %+v", rep.Changes)
	}
}

// TestAssemblyNamesRealRoundTrip strips a real, signed package's identities
// to names, completes them from its cabinets, saves it (dropping the
// signature) and checks what msitools reads back against the vendor rows.
func TestAssemblyNamesRealRoundTrip(t *testing.T) {
	dir := testenv.CorpusDir()
	if dir == "" {
		t.Skip("shared corpus not found")
	}
	file := filepath.Join(dir, "real", "sigoa-SQLSysClrTypes.msi")
	if _, err := os.Stat(file); err != nil {
		t.Skip("sigoa-SQLSysClrTypes.msi not in the corpus")
	}
	vendor := vendorNames(t, file)
	db := openDB(t, file)
	tb, err := db.Table("MsiAssemblyName")
	if err != nil {
		t.Fatal(err)
	}
	tb.DeleteFunc(func(r msi.Row) bool { return r.Get("Name").Str() != "name" })
	if _, err := Run(db, Options{Source: extractCabs(t, file), FileVersion: true, AllowSigned: true}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.msi")
	if err := db.Save(out, &msi.SaveOptions{}); !errors.Is(err, msi.ErrSigned) {
		t.Errorf("Save of a changed signed package without DropSignature: %v, want msi.ErrSigned", err)
	}
	if err := db.Save(out, &msi.SaveOptions{WriteOptions: msi.WriteOptions{DropSignature: true}}); err != nil {
		t.Fatal(err)
	}
	got := vendorNames(t, out)
	if len(got) != len(vendor) {
		t.Fatalf("msiinfo reads %d components, vendor has %d", len(got), len(vendor))
	}
	for comp, want := range vendor {
		if len(got[comp]) != len(want) {
			t.Errorf("%s: %v, vendor %v", comp, got[comp], want)
		}
		for name, wv := range want {
			if gv := got[comp][name]; !same(strings.ToLower(name), gv, wv) {
				t.Errorf("%s %s: msiinfo reads %q, vendor %q", comp, name, gv, wv)
			}
		}
	}
}
