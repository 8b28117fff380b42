package fuzz

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/msikit/msikit/msi"
)

// longColumnNames are the names of the 32 columns of each table of
// buildLongColumnNames: 8 KiB each, pooled once and shared by every table.
func longColumnNames() []string {
	names := make([]string, 32)
	for i := range names {
		names[i] = fmt.Sprintf("C%02d", i) + strings.Repeat("n", 8<<10-3)
	}
	return names
}

// buildLongColumnNames: 300 tables (17,100 at 4.9 MB) of 32 columns, the
// columns of every table named by the same 32 pooled 8 KiB texts: 12
// bytes a column in _Columns name 256 KiB of column names a table (4 GiB
// at 4.9 MB) for anything that lists a table's columns, and for the
// schema's key when the package is opened.
func buildLongColumnNames(t testing.TB, scale int) []byte {
	db := baseDB(t)
	names := longColumnNames()
	cols := make([]msi.Column, len(names))
	for i, n := range names {
		cols[i] = msi.Column{Name: n, Type: msi.ColInt16, Key: i == 0, Nullable: i > 0}
	}
	for i := range 300 * scale {
		_, err := db.CreateTable(fmt.Sprintf("L%d", i), cols)
		must(t, err)
	}
	return saveDB(t, db)
}

// checkLongColumnNames: the tables' column names count against a bound
// (16 MiB, a name counted for each table that has it): the first 63
// tables keep their columns (the base tables' names count too), the rest
// are errors naming the table and the bound.
func checkLongColumnNames(t *testing.T, db *msi.Database) {
	ok, refused := 0, 0
	for _, name := range db.TableNames() {
		if !strings.HasPrefix(name, "L") {
			continue
		}
		tab, err := db.Table(name)
		var fe *msi.FormatError
		switch {
		case err == nil:
			if len(tab.Columns()) != 32 {
				t.Errorf("%s: %d columns, want 32", name, len(tab.Columns()))
			}
			ok++
		case errors.As(err, &fe) && fe.Table == name && fe.Stream == "_Columns" && strings.Contains(err.Error(), "16 MiB"):
			refused++
		default:
			t.Fatalf("%s: %v, want the table or an ErrFormat naming the bound", name, err)
		}
	}
	// 64 tables of 256 KiB of names make 16 MiB, less the base tables'
	// few names.
	if ok < 60 || ok > 64 || ok+refused != 300 {
		t.Errorf("%d tables read, %d refused; want 60-64 read (16 MiB of 256 KiB names a table), the rest of 300 refused", ok, refused)
	}
}
