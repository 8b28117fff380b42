package idt

import (
	"strconv"

	"github.com/msikit/msikit/msi"
)

// ExportSize returns the number of bytes Export writes for table (the
// IDT text alone, not the data of binary cells), counted without writing
// them.
//
// The text of a table can be far larger than the package: a string the
// package stores once is written out in every cell that refers to it, so
// a crafted package of a few megabytes can make an export of tens of
// gigabytes. Callers exporting packages they do not trust check the size
// first (msikit export refuses more than --max-bytes). Counting costs a
// look at each cell, about a tenth of what writing the text costs.
func ExportSize(db *msi.Database, table string) (int64, error) {
	switch table {
	case ForceCodepageTable, SummaryInformationTable:
		// A code page, or a few properties: count what Export writes.
		var c countWriter
		if err := Export(&c, db, table, nil); err != nil {
			return 0, err
		}
		return c.n, nil
	}
	t, err := db.Table(table)
	if err != nil {
		return 0, err
	}
	cols := t.Columns()
	// The three header lines, as writeTable writes them.
	n := int64(3 * 2)
	for i, c := range cols {
		if i > 0 {
			n += 2 // a tab on each of the first two lines
		}
		n += int64(len(c.Name) + len(c.IDTType()))
	}
	n += int64(len(table))
	if !systemTable(table) {
		for _, c := range t.KeyColumns() {
			n += int64(1 + len(c.Name))
		}
	}
	// Each row: a tab between cells, CR LF, and each cell's text
	// (escape maps a byte to a byte, so a string's length is its own).
	perRow := int64(max(len(cols)-1, 0)) + 2
	for row := range t.Rows() {
		n += perRow
		for i := range cols {
			v := row.At(i)
			switch v.Kind() {
			case msi.KindInt:
				n += int64(decimalLen(int64(v.Int())))
			case msi.KindString, msi.KindBinary:
				n += int64(len(v.Str()))
			}
		}
	}
	return n, nil
}

// decimalLen is len(strconv.FormatInt(i, 10)).
func decimalLen(i int64) int {
	n := 1
	if i < 0 {
		n++
		if i == -1<<63 {
			return len(strconv.FormatInt(i, 10))
		}
		i = -i
	}
	for i >= 10 {
		i /= 10
		n++
	}
	return n
}

// countWriter counts the bytes written to it.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
