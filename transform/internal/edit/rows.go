package edit

import (
	"fmt"
	"strings"

	"github.com/msikit/msikit/msi"
)

// Table returns the named table, or nil when the database has none (a
// package carries only the tables it needs).
func Table(db *msi.Database, name string) (*msi.Table, error) {
	if !db.HasTable(name) {
		return nil, nil
	}
	return db.Table(name)
}

// Text returns a row as IDT text, one string per column.
func Text(r msi.Row) []string { return ValuesText(r.Values()) }

// ValuesText returns values as IDT text.
func ValuesText(vals []msi.Value) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = v.String()
	}
	return out
}

// Value converts IDT text to a Value of col's type ("" is null, as is an
// integer column's text that is no integer).
func Value(col msi.Column, s string) msi.Value {
	if s == "" {
		return msi.Null
	}
	if col.Type == msi.ColInt16 || col.Type == msi.ColInt32 {
		if n, ok := decimal(s); ok {
			return msi.IntValue(n)
		}
		var n int32
		if _, err := fmt.Sscan(s, &n); err == nil {
			return msi.IntValue(n)
		}
		return msi.Null
	}
	return msi.StrValue(s)
}

// decimal returns the value of s when it is a plain decimal integer of
// at most nine digits, without a leading zero, optionally negative: text
// that fmt.Sscan reads as the same int32, read without its scanner (a
// pass adding 360,000 Registry rows scanned each Root "0" with it).
func decimal(s string) (int32, bool) {
	d := strings.TrimPrefix(s, "-")
	if d == "" || len(d) > 9 || (d[0] == '0' && len(d) > 1) {
		return 0, false
	}
	var n int32
	for i := 0; i < len(d); i++ {
		c := d[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int32(c-'0')
	}
	if len(d) < len(s) {
		n = -n
	}
	return n, true
}

// A ColumnDef describes a column of a table a pass creates: its name, IDT
// type ("s72", "I2", ...) and whether it is a key column.
type ColumnDef struct {
	Name, Type string
	Key        bool
}

// CreateTable creates the table name with columns defs.
func CreateTable(db *msi.Database, name string, defs []ColumnDef) (*msi.Table, error) {
	var cols []msi.Column
	for _, d := range defs {
		col, err := msi.ParseIDTType(d.Type)
		if err != nil {
			return nil, err
		}
		col.Name, col.Key = d.Name, d.Key
		cols = append(cols, col)
	}
	return db.CreateTable(name, cols)
}

// IdentWidth returns the number of characters an identifier may have so
// that it fits every named column ("Table.Column") of this package (tables
// or columns the package lacks are skipped), never more than limit. A
// string column of size 0 is unlimited.
func IdentWidth(db *msi.Database, limit int, columns ...string) int {
	w := limit
	for _, tc := range columns {
		table, column, _ := strings.Cut(tc, ".")
		t, err := Table(db, table)
		if err != nil || t == nil {
			continue
		}
		if c, ok := t.Column(column); ok && c.Type == msi.ColString && c.Size > 0 && c.Size < w {
			w = c.Size
		}
	}
	return w
}
