package winemsi

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/idt"
)

// Helpers to compare msikit's exports with Wine's: msikit's IDT export
// folder (idt.ExportDir) turned into the form MsiDatabaseExportW writes
// (AsWine), and a folder rendered as one reviewable text (Dump), the form
// of the reference files in testdata/reference.

// ExportTables returns every table of db as msikit export -d writes it
// (binary cells as files), by relative path, without the summary
// information, which transforms do not change.
func ExportTables(t testing.TB, db *msi.Database) map[string]string {
	t.Helper()
	dir := t.TempDir()
	if err := idt.ExportDir(dir, db); err != nil {
		t.Fatal(err)
	}
	files := ReadTree(t, dir)
	delete(files, "_SummaryInformation.idt")
	return files
}

// SortedRows sorts the rows of each IDT file: a table is a set of rows,
// stored in string-pool id order, which differs between two writers that
// assign ids differently (both orders are what msiexec requires).
func SortedRows(files map[string]string) map[string]string {
	out := map[string]string{}
	for n, text := range files {
		lines := strings.Split(text, "\r\n")
		if strings.HasSuffix(n, ".idt") && len(lines) > 3 {
			rows := lines[3:]
			slices.Sort(rows)
			lines = append(lines[:3], rows...)
		}
		out[n] = strings.Join(lines, "\r\n")
	}
	return out
}

// ReadTree returns every file under dir by slash-separated relative path.
func ReadTree(t testing.TB, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// AsWine rewrites msikit's export into the form Wine's MsiDatabaseExportW
// gives, undoing the differences the package documentation lists, each
// with its own rule:
//   - binary cells: the cell "Table.Key" and its file Table/Table.Key
//     become "Key" and Table/Key;
//   - one-byte integer columns (i1, I1): the value is shown as Wine (and
//     msiinfo) read it, the 2-byte cell with the 4-byte sign flip;
//   - _SummaryInformation: only the properties whose ID is lower than the
//     number of properties present;
//   - string values: control characters raw, not as the Archive File
//     Format translates them.
func AsWine(t testing.TB, files map[string]string) map[string]string {
	untranslate := strings.NewReplacer("\x15", "\x00", "\x1b", "\b", "\x10", "\t", "\x19", "\n", "\x18", "\f", "\x11", "\r")
	t.Helper()
	out := map[string]string{}
	renames := map[string]string{}
	for name, text := range files {
		if !strings.HasSuffix(name, ".idt") || strings.Contains(name, "/") {
			continue
		}
		table := strings.TrimSuffix(name, ".idt")
		lines := strings.Split(text, "\r\n")
		if table == "_SummaryInformation" {
			n := 0
			for _, l := range lines[3:] {
				if l != "" {
					n++
				}
			}
			kept := lines[:3]
			for _, l := range lines[3:] {
				id, _, _ := strings.Cut(l, "\t")
				if v, err := strconv.Atoi(id); err == nil && v < n {
					kept = append(kept, l)
				}
			}
			out[name] = strings.Join(kept, "\r\n") + "\r\n"
			continue
		}
		if len(lines) < 3 || table == "_ForceCodepage" {
			out[name] = text
			continue
		}
		types := strings.Split(lines[1], "\t")
		for i := 3; i < len(lines); i++ {
			if lines[i] == "" {
				continue
			}
			f := strings.Split(lines[i], "\t")
			for c, typ := range types {
				if c >= len(f) || f[c] == "" {
					continue
				}
				switch {
				case typ[0] == 'v' || typ[0] == 'V':
					key := strings.TrimPrefix(f[c], table+".")
					renames[table+"/"+f[c]] = table + "/" + key
					f[c] = key
				case typ[0] == 's' || typ[0] == 'S' || typ[0] == 'l' || typ[0] == 'L':
					f[c] = untranslate.Replace(f[c])
				case typ == "i1" || typ == "I1":
					v, err := strconv.Atoi(f[c])
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					cell := uint32(uint16(v + 0x8000))
					f[c] = strconv.Itoa(int(int32(cell ^ 0x80000000)))
				}
			}
			lines[i] = strings.Join(f, "\t")
		}
		out[name] = strings.Join(lines, "\r\n")
	}
	for name, text := range files {
		if _, done := out[name]; done {
			continue
		}
		if to, ok := renames[name]; ok {
			name = to
		}
		out[name] = text
	}
	return out
}

// Dump renders an export folder as one reviewable text: each IDT file
// (line ends as LF) and, for binary cells, the file's size and SHA-256,
// then the tables err says could not be exported.
func Dump(t testing.TB, dir string, err error) string {
	t.Helper()
	var ee *ExportError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return DumpFiles(ReadTree(t, dir), ee)
}

// DumpFiles is Dump of files (as ReadTree returns them), with the tables
// ee says could not be exported (ee may be nil).
func DumpFiles(files map[string]string, ee *ExportError) string {
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		if strings.HasSuffix(n, ".idt") && !strings.Contains(n, "/") {
			fmt.Fprintf(&b, "== %s\n%s\n", n, strings.ReplaceAll(files[n], "\r\n", "\n"))
		} else {
			fmt.Fprintf(&b, "== %s: %d bytes, sha256 %x\n", n, len(files[n]), sha256.Sum256([]byte(files[n])))
		}
	}
	if ee != nil {
		var failed []string
		for table, code := range ee.Failed {
			failed = append(failed, fmt.Sprintf("== %s.idt: not exported, error %d\n", table, code))
		}
		sort.Strings(failed)
		b.WriteString(strings.Join(failed, ""))
	}
	return b.String()
}
