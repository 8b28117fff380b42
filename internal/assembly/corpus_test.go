package assembly

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// export returns the rows of table in an MSI, as msiinfo export prints
// them (three header lines skipped, one []string per row).
func export(t *testing.T, msiinfo, file, table string) [][]string {
	t.Helper()
	out, err := testenv.Command(t, msiinfo, "export", file, table).Output()
	if err != nil {
		t.Fatalf("msiinfo export %s %s: %v", filepath.Base(file), table, err)
	}
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(string(out), "\r\n", "\n"), "\n"), "\n")
	var rows [][]string
	for i, l := range lines {
		if i >= 3 {
			rows = append(rows, strings.Split(l, "\t"))
		}
	}
	return rows
}

// sameVersion compares dotted versions numerically, as fusion parses them
// ("11.0.0.00000000" is 11.0.0.0).
func sameVersion(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	if len(pa) != len(pb) {
		return false
	}
	for i := range pa {
		x, err1 := strconv.ParseUint(pa[i], 10, 16)
		y, err2 := strconv.ParseUint(pb[i], 10, 16)
		if err1 != nil || err2 != nil || x != y {
			return false
		}
	}
	return true
}

// TestCorpusAgainstVendorRows derives the identity of every .NET assembly
// that msiextract can pull out of a corpus package and compares it with the
// vendor's own MsiAssemblyName rows: the independent oracle.
func TestCorpusAgainstVendorRows(t *testing.T) {
	files := testenv.CorpusFiles(t)
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	msiextract := testenv.NeedTool(t, "msiextract", "msitools")
	compared := 0
	for _, file := range files {
		if testenv.IsCorrupt(file) || strings.Contains(filepath.Base(file), "synth") {
			continue
		}
		out, err := exec.Command(msiinfo, "tables", file).Output()
		if err != nil || !strings.Contains("\n"+string(out), "\nMsiAssemblyName\n") {
			continue
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			dir := t.TempDir()
			if out, err := exec.Command(msiextract, "-C", dir, file).CombinedOutput(); err != nil {
				// The oracle cannot read every cabinet (lessmsi-VBRuntime:
				// "Invalid folder index"); that is not a finding about us.
				t.Skipf("msiextract cannot extract this package: %v: %s", err, bytes.TrimSpace(out))
			}
			byBase := map[string][]string{}
			filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() {
					k := strings.ToLower(d.Name())
					byBase[k] = append(byBase[k], p)
				}
				return nil
			})
			keyPath := map[string]string{}
			for _, r := range export(t, msiinfo, file, "Component") {
				if len(r) >= 6 {
					keyPath[r[0]] = r[5]
				}
			}
			longName := map[string]string{}
			for _, r := range export(t, msiinfo, file, "File") {
				if len(r) >= 3 {
					n := r[2]
					if i := strings.IndexByte(n, '|'); i >= 0 {
						n = n[i+1:]
					}
					longName[r[0]] = n
				}
			}
			vendor := map[string]map[string]string{}
			for _, r := range export(t, msiinfo, file, "MsiAssemblyName") {
				if len(r) == 3 {
					if vendor[r[0]] == nil {
						vendor[r[0]] = map[string]string{}
					}
					vendor[r[0]][strings.ToLower(r[1])] = r[2]
				}
			}
			for _, r := range export(t, msiinfo, file, "MsiAssembly") {
				if len(r) < 5 || r[4] != "0" {
					continue // Win32 assemblies: no manifest in this corpus
				}
				comp := r[0]
				paths := byBase[strings.ToLower(longName[keyPath[comp]])]
				if len(paths) == 0 {
					t.Logf("%s: key file %q not in the package (external source)", comp, keyPath[comp])
					continue
				}
				for _, p := range paths {
					f, err := os.Open(p)
					if err != nil {
						t.Fatal(err)
					}
					fi, _ := f.Stat()
					d, err := ReadDotNet(f, fi.Size())
					f.Close()
					if err != nil {
						t.Errorf("%s: %s: %v", comp, p, err)
						continue
					}
					got := map[string]string{
						"name": d.Name, "version": d.Version, "culture": d.Culture,
						"publickeytoken": d.PublicKeyToken, "processorarchitecture": d.ProcessorArchitecture,
						"fileversion": d.FileVersion,
					}
					for attr, want := range vendor[comp] {
						g := got[attr]
						ok := strings.EqualFold(g, want)
						if attr == "version" || attr == "fileversion" {
							ok = sameVersion(g, want)
						}
						if !ok {
							t.Errorf("%s %s: derived %q, vendor row %q", comp, attr, g, want)
						}
					}
					compared++
				}
			}
		})
	}
	t.Logf("compared %d assembly files with their vendor rows", compared)
	if compared == 0 && testenv.CorpusDir() != "" {
		t.Error("no corpus assembly was compared")
	}
}

// TestCorpusPEFiles runs ReadDotNet over every PE file msiextract pulls out
// of the corpus: real native and managed images must parse as an identity
// or be recognised as native (ErrNoManifest), never fail as malformed.
func TestCorpusPEFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("extracts the whole corpus; skipped in -short mode")
	}
	files := testenv.CorpusFiles(t)
	msiextract := testenv.NeedTool(t, "msiextract", "msitools")
	var managed, native int
	for _, file := range files {
		if testenv.IsCorrupt(file) {
			continue
		}
		dir := t.TempDir()
		if err := exec.Command(msiextract, "-C", dir, file).Run(); err != nil {
			continue // the oracle cannot read it; other tests cover the package
		}
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return nil
			}
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var mz [2]byte
			if _, err := f.ReadAt(mz[:], 0); err != nil || string(mz[:]) != "MZ" {
				return nil
			}
			fi, _ := f.Stat()
			rel, _ := filepath.Rel(dir, p)
			_, err = ReadDotNet(f, fi.Size())
			switch {
			case err == nil:
				managed++
			case errors.Is(err, ErrNoManifest):
				native++
			case fi.Size() < 1024:
				// Synthetic packages carry tiny fake payloads ("MZ fake ...").
			default:
				t.Errorf("%s: %s: %v", filepath.Base(file), rel, err)
			}
			return nil
		})
	}
	t.Logf("%d managed, %d native PE files", managed, native)
}
