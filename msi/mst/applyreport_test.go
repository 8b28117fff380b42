package mst_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/mst"
)

// createdTables returns the sample and the sample with n more tables of
// one key column, each holding rows rows.
func createdTables(t testing.TB, n, rows int) (old, new *msi.Database) {
	t.Helper()
	old, new = openSample(), openSample()
	cols := []msi.Column{{Name: "K", Type: msi.ColString, Size: 72, Key: true}}
	for i := range n {
		tab, err := new.CreateTable(fmt.Sprintf("T%05d", i), cols)
		if err != nil {
			t.Fatal(err)
		}
		for r := range rows {
			if err := tab.Insert(msi.StrValue(fmt.Sprint("r", r))); err != nil {
				t.Fatal(err)
			}
		}
	}
	return old, new
}

// Each table's report counts its rows: the reports were found through
// pointers into the slice of reports, which a table created after them
// had moved (grown by append), so the rows of a table created early
// were counted in a copy the report no longer held (Inserted 0).
func TestApplyReportsRowsOfCreatedTables(t *testing.T) {
	const n = 40
	old, new := createdTables(t, n, 2)
	c, err := mst.Diff(old, new)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := mst.ApplyChanges(old, c, 0)
	if err != nil {
		t.Fatal(err)
	}
	var want []mst.TableReport
	for i := range n {
		want = append(want, mst.TableReport{Table: fmt.Sprintf("T%05d", i), Created: true, Inserted: 2})
	}
	if diff := cmp.Diff(want, rep.Tables); diff != "" {
		t.Errorf("table reports (-want +got):\n%s", diff)
	}
}

// TestApplyHeldPerCreatedTable bounds what applying a transform that
// creates many empty tables holds per table (the database's tables and
// the report), and allocates: the shape of the scaled fixture
// mst-create-empty-tables.mst (180,000 tables in 5 MB), whose apply
// peaked at 203-213 MiB. Each table's report was found through a
// pointer into the slice of reports grown by append, which kept every
// array the slice grew through alive while applying (68 MB of 64-byte
// reports for 180,000 tables), and each created table had columns, key
// indexes and a schema of its own: 373 bytes held a table and 1,086
// allocated; 228 and 716 now.
func TestApplyHeldPerCreatedTable(t *testing.T) {
	const n = 20000
	old, new := createdTables(t, n, 0)
	c, err := mst.Diff(old, new)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := mst.Write(&buf, c, nil); err != nil {
		t.Fatal(err)
	}
	c, new = nil, nil
	db, err := msi.NewDatabase(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := mst.New(db)
	if err != nil {
		t.Fatal(err)
	}
	var rep *mst.Report
	var alloc uint64
	held := testenv.LiveBytes(func() any {
		_, alloc = testenv.Measure(func() {
			rep, err = mst.Apply(old, tr, &mst.ApplyOptions{Skip: mst.AllChecks})
		})
		return []any{rep, old, tr} // the tables created are old's
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Tables) != n {
		t.Fatalf("%d table reports, want %d", len(rep.Tables), n)
	}
	t.Logf("the database and report hold %d bytes a created table; applying allocated %d", held/n, alloc/n)
	if held/n > 300 {
		t.Errorf("the database and report hold %d bytes a created table, budget 300", held/n)
	}
	if alloc/n > 800 {
		t.Errorf("applying allocated %d bytes a table, budget 800", alloc/n)
	}
}
