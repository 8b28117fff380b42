package msi

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// dumpTable renders a table the way `msiinfo export FILE TABLE` prints it,
// using only this package's decoded values. It is the test's own oracle
// adapter (the CLI's IDT writer lives elsewhere), so that the decoder is
// checked against msitools independently of it.
func dumpTable(t *Table, raw bool) []byte {
	var b bytes.Buffer
	cols := t.Columns()
	line := func(fields []string) {
		b.WriteString(strings.Join(fields, "\t"))
		b.WriteString("\r\n")
	}
	var names, types []string
	for _, c := range cols {
		names = append(names, c.Name)
		types = append(types, c.IDTType())
	}
	line(names)
	line(types)
	keys := []string{t.Name()}
	for _, c := range t.KeyColumns() {
		keys = append(keys, c.Name)
	}
	line(keys)
	for r := range t.Rows() {
		var f []string
		for i := 0; i < r.Len(); i++ {
			v := r.At(i)
			s := v.String()
			if raw && v.Kind() == KindString {
				s = string(v.Bytes())
			}
			if cols[i].Type == ColInt16 && cols[i].Size == 1 && v.Kind() == KindInt {
				// msitools decodes integer columns declared with size 1
				// (WiX's "I1") with the 4-byte bias although they are
				// stored in 2 bytes: it prints raw-0x80000000.
				raw := uint32(uint16(int16(v.Int())) ^ 0x8000)
				s = strconv.Itoa(int(int32(raw - 0x80000000)))
			}
			f = append(f, s)
		}
		line(f)
	}
	return b.Bytes()
}

// msiinfoExport runs msiinfo export.
func msiinfoExport(t testing.TB, msiinfo, file, table string) ([]byte, error) {
	cmd := testenv.Command(t, msiinfo, "export", file, table)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// TestCorpusTablesMatchMsiinfo decodes every table of every corpus
// database and compares its rows with msiinfo export.
func TestCorpusTablesMatchMsiinfo(t *testing.T) {
	t.Parallel() // long oracle runs overlap with the package's other tests
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	files := testenv.CorpusFiles(t)
	if testing.Short() {
		files = files[:len(files)/4]
	}
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			db, err := Open(file)
			if err != nil {
				if testenv.IsCorrupt(file) {
					t.Skipf("corrupt fixture: %v", err)
				}
				t.Fatal(err)
			}
			defer wg.Wait()
			defer db.Close()
			dir := t.TempDir() // msiinfo export writes binary cells there
			if db.Kind() == PackageTransform {
				if len(db.TableNames()) == 0 {
					t.Error("transform lists no tables")
				}
				return
			}
			for _, name := range db.TableNames() {
				tab, err := db.Table(name)
				if err != nil {
					if testenv.IsCorrupt(file) {
						continue
					}
					t.Errorf("%s: %v", name, err)
					continue
				}
				got := dumpTable(tab, false)
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer func() { <-sem; wg.Done() }()
					want, err := testenv.Msiinfo(t, msiinfo, dir, "export", file, name)
					if err != nil {
						t.Errorf("%s: msiinfo export failed: %v", name, err)
						return
					}
					if d := cmp.Diff(string(want), string(got)); d != "" {
						t.Errorf("%s: msiinfo export vs ours (-want +got):\n%s", name, d)
					}
				}()
			}
		})
	}
	wg.Wait()
}
