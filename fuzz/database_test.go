package fuzz

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/jsonexport"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/idt"
)

// dbSeedMax is the largest corpus file used as a FuzzOpenDatabase seed.
const dbSeedMax = 64 << 10

// dumpDatabase decodes every table of db into text (rows sorted, since a
// rewrite stores rows in key order) and reads every stream. It returns
// the dump and whether every table decoded.
func dumpDatabase(t *testing.T, db *msi.Database) (map[string][]string, bool) {
	t.Helper()
	out := map[string][]string{}
	ok := true
	for _, name := range append(db.TableNames(), "_Tables", "_Columns", "_Streams", "_Storages") {
		tab, err := db.Table(name)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "msi: ") {
				t.Fatalf("error without the msi: prefix: %v", err)
			}
			ok = false
			continue
		}
		var cols []string
		for _, c := range tab.Columns() {
			cols = append(cols, c.Name+" "+c.IDTType())
		}
		rows := []string{strings.Join(cols, "\t")}
		for r := range tab.Rows() {
			var f []string
			for _, v := range r.Values() {
				f = append(f, v.Kind().String()+":"+v.String())
			}
			rows = append(rows, strings.Join(f, "\t"))
			if len(tab.KeyColumns()) > 0 {
				if _, found := tab.Lookup(r.Key()...); !found {
					t.Fatalf("%s: Lookup of a stored row's key failed", name)
				}
			}
		}
		slices.Sort(rows[1:])
		out[name] = rows
	}
	for _, s := range db.Streams() {
		st, err := db.OpenStream(s.Name)
		if err != nil {
			continue
		}
		io.Copy(io.Discard, st)
	}
	return out, ok
}

// jsonTable is what encoding/json reads back from a JSON table export.
type jsonTable struct {
	Name     string `json:"name"`
	Codepage *int   `json:"codepage"`
	Columns  []struct {
		Name, Type string
		Key        bool
	} `json:"columns"`
	Rows [][]any `json:"rows"`
}

// checkJSONExport exports every table (and the summary information and
// codepage pseudo-tables) as "msikit export -f json" does, and checks
// that encoding/json reads each back to the table's values. Exports whose
// text would be large (rows sharing long strings) are only written, to a
// counter: the export streams, so they cost no memory.
// jsonText is s as a JSON string carries it: each byte that is not part
// of valid UTF-8 becomes U+FFFD, as encoding/json writes it (not each
// run of such bytes, as strings.ToValidUTF8 does).
func jsonText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func checkJSONExport(t *testing.T, db *msi.Database) {
	t.Helper()
	if db.Kind() == msi.PackageTransform {
		return
	}
	for _, name := range idt.Tables(db) {
		var size int64
		var want [][]any
		switch name {
		case idt.ForceCodepageTable:
		case idt.SummaryInformationTable:
			si, err := db.SummaryInfo()
			if err != nil {
				continue
			}
			for _, p := range si.Properties() {
				var v any
				switch p.Type {
				case msi.PropInt16, msi.PropInt32:
					v = float64(p.Int)
				case msi.PropString:
					v = jsonText(p.Str)
				case msi.PropFiletime:
					v = msi.FormatFiletime(p.Time)
				default:
					continue
				}
				size += int64(len(p.Str)) + 32
				want = append(want, []any{float64(p.ID), v})
			}
		default:
			tab, err := db.Table(name)
			if err != nil {
				continue
			}
			for r := range tab.Rows() {
				row := make([]any, r.Len())
				for i := range row {
					switch v := r.At(i); v.Kind() {
					case msi.KindInt:
						row[i] = float64(v.Int())
					case msi.KindString, msi.KindBinary:
						row[i] = jsonText(v.Str())
						size += int64(len(v.Str()))
					}
					size += 16
				}
				want = append(want, row)
			}
		}
		if size > 4<<20 {
			if err := jsonexport.WriteTable(io.Discard, db, name); err != nil {
				t.Fatalf("JSON export of %s: %v", name, err)
			}
			continue
		}
		var buf bytes.Buffer
		if err := jsonexport.WriteTable(&buf, db, name); err != nil {
			if name == idt.SummaryInformationTable && errors.Is(err, msi.ErrFormat) {
				continue
			}
			t.Fatalf("JSON export of %s: %v", name, err)
		}
		var got jsonTable
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatalf("JSON export of %s does not parse: %v\n%.500s", name, err, buf.Bytes())
		}
		if got.Name != name {
			t.Fatalf("JSON export of %s names %q", name, got.Name)
		}
		if name == idt.ForceCodepageTable {
			if got.Codepage == nil || *got.Codepage != db.Codepage() {
				t.Fatalf("_ForceCodepage: %v, want %d", got.Codepage, db.Codepage())
			}
			continue
		}
		if want == nil {
			want = [][]any{}
		}
		if d := cmp.Diff(want, got.Rows); d != "" {
			t.Fatalf("JSON export of %s reads back differently (-table +json):\n%s", name, d)
		}
	}
}

// FuzzOpenDatabase opens arbitrary bytes with msi.NewDatabase, decodes
// every table, value and stream, exports every table as JSON and reads it
// back (checkJSONExport), and for databases that decode completely
// rewrites them (re-encoding every table) and checks the rewrite reads
// back to the same tables. Each input must finish within 2 s and allocate
// a bounded amount of memory.
func FuzzOpenDatabase(f *testing.F) {
	addPackageSeeds(f, "*", dbSeedMax)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 8<<20 {
			return
		}
		testenv.CheckFuzzBudget(t, len(data), func() {

			db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				if !strings.HasPrefix(err.Error(), "msi: ") {
					t.Fatalf("error without the msi: prefix: %v", err)
				}
				return
			}
			checkJSONExport(t, db)
			want, ok := dumpDatabase(t, db)
			if ok && db.Kind() != msi.PackageTransform {
				var out bytes.Buffer
				if _, err := db.Write(&out, &msi.WriteOptions{Compact: true, DropSignature: true}); err == nil {
					db2, err := msi.NewDatabase(bytes.NewReader(out.Bytes()), int64(out.Len()))
					if err != nil {
						t.Fatalf("cannot read our own output: %v", err)
					}
					got, ok2 := dumpDatabase(t, db2)
					if !ok2 {
						t.Fatal("our output has tables that do not decode")
					}
					// The catalog and the stream list are the writer's own.
					for _, sys := range []string{"_Tables", "_Columns", "_Streams"} {
						delete(want, sys)
						delete(got, sys)
					}
					if d := cmp.Diff(want, got); d != "" {
						t.Fatalf("rewrite changed the tables (-before +after):\n%s", d)
					}
				} else if !strings.HasPrefix(err.Error(), "msi: ") {
					t.Fatalf("write error without the msi: prefix: %v", err)
				}
			}

		})
	})
}

// addPackageSeeds adds as seeds testdata/sample.msi, the crafted packages
// (testdata/crafted/*.msi and valid/*.msi) and, when the shared corpus is
// present, its files matching corpusGlob, each of at most max bytes.
func addPackageSeeds(f *testing.F, corpusGlob string, max int64) {
	for _, b := range seedFiles([]string{"testdata/sample.msi", "testdata/crafted/*.msi", "testdata/crafted/valid/*.msi"}, corpusGlob, max) {
		f.Add(b)
	}
}

// seedFiles returns the contents of the regular files of at most max bytes
// that match patterns (relative to the repository root) and, when the
// shared corpus is present, corpusGlob in each of its folders, in that
// order.
func seedFiles(patterns []string, corpusGlob string, max int64) [][]byte {
	var paths []string
	for _, pat := range patterns {
		p, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), pat))
		paths = append(paths, p...)
	}
	if dir := testenv.CorpusDir(); dir != "" {
		p, _ := filepath.Glob(filepath.Join(dir, "*", corpusGlob))
		paths = append(paths, p...)
	}
	var seeds [][]byte
	for _, p := range paths {
		if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() || fi.Size() > max {
			continue
		}
		if b, err := os.ReadFile(p); err == nil {
			seeds = append(seeds, b)
		}
	}
	return seeds
}
