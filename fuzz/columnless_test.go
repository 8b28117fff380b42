package fuzz

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// buildColumnlessTables: _Tables names 10,000 tables (360,000 at 4.9 MB)
// that _Columns gives no column, each name as short as it comes (3 bytes
// a row in _Tables, 4 in _StringPool, a few in _StringData: the most
// tables a package's bytes can name), and names every fifth one again.
// Every table is an error of its own when asked for, and every repeat a
// warning.
func buildColumnlessTables(t testing.TB, scale int) []byte {
	n := 10000 * scale
	pool := msi.NewStringPoolWriter(1252)
	ids := make([]uint32, n)
	for i := range n {
		id, err := pool.Add(msi.StrValue(fmt.Sprintf("t%x", i)))
		must(t, err)
		ids[i] = id
	}
	ref := pool.RefSize()
	var tables []byte
	row := func(id uint32) {
		tables = append(tables, byte(id), byte(id>>8))
		if ref == 3 {
			tables = append(tables, byte(id>>16))
		}
	}
	for _, id := range ids {
		row(id)
	}
	for i := 0; i < n; i += 5 {
		row(ids[i])
	}
	p, d := pool.Encode()
	return rawTables(t, "{C0C0C0C0-0000-4000-8000-000000000001}", p, d, tables)
}

// rawTables returns a package of the given system streams as they are
// (_StringPool, _StringData, _Tables, an empty _Columns) and a summary
// information stream of codepage 1252 and PackageCode revision, for
// fixtures whose tables no msi.Writer would write.
func rawTables(t testing.TB, revision string, pool, data, tables []byte) []byte {
	t.Helper()
	si := msi.NewSummaryInfo()
	must(t, si.SetInt(msi.PIDCodepage, 1252))
	must(t, si.SetString(msi.PIDTitle, "Installation Database"))
	must(t, si.SetString(msi.PIDRevision, revision))
	sib, err := si.MarshalBinary()
	must(t, err)
	var buf bytes.Buffer
	w := cfb.NewWriter(&buf, nil)
	clsid, err := cfb.ParseGUID(msi.CLSIDInstaller)
	must(t, err)
	w.SetRoot(cfb.Header{CLSID: clsid})
	for _, s := range []struct {
		name  string
		table bool
		data  []byte
	}{
		{"_StringPool", true, pool}, {"_StringData", true, data}, {"_Tables", true, tables}, {"_Columns", true, nil},
		{msi.SummaryInfoStream, false, sib},
	} {
		raw, err := msi.EncodeStreamName(s.name, s.table)
		must(t, err)
		must(t, w.CreateHeaderFrom("", &cfb.Header{RawName: raw}, bytes.NewReader(s.data), int64(len(s.data))))
	}
	must(t, w.Close())
	return buf.Bytes()
}

// checkColumnlessTables: the tables are listed once each, their errors
// name them (made when asked for, not held by the database), the repeats
// are warned about a bounded number of times, and opening the package
// holds little per table (a Table, its place in the map and the list).
func checkColumnlessTables(t *testing.T, db *msi.Database) {
	names := db.TableNames()
	if len(names) != 10000 {
		t.Fatalf("%d tables, want 10,000", len(names))
	}
	for _, name := range []string{names[0], names[len(names)-1]} {
		_, err := db.Table(name)
		var fe *msi.FormatError
		if !errors.As(err, &fe) || !errors.Is(err, msi.ErrFormat) || fe.Table != name || fe.Stream != "_Columns" {
			t.Errorf("Table(%s): %v, want an ErrFormat naming the table and _Columns", name, err)
		}
	}
	if n := len(db.Warnings); n == 0 || n > 1001 || !strings.Contains(db.Warnings[0], `_Tables lists "t0" twice`) {
		t.Errorf("%d warnings (%q first), want the first repeat named and at most 1,001", n, db.Warnings[:min(n, 1)])
	}
	data := buildColumnlessTables(t, 1)
	testenv.CheckBudgetOf(t, "NewDatabase", testenv.TimeBudget, 8<<20, func() {
		_, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
		must(t, err)
	})
}
