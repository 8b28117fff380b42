package idt

import (
	"bufio"
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
	// The header, as writeTable writes it (a few hundred bytes).
	var c countWriter
	bw := bufio.NewWriterSize(&c, 512)
	writeHeader(bw, t, table, cols)
	bw.Flush()
	n := c.n
	// Each row: a tab between cells, CR LF, and each cell's text
	// (escape maps a byte to a byte, so a string's length is its own).
	perRow := int64(max(len(cols)-1, 0)) + 2
	var num [16]byte
	for row := range t.Rows() {
		n += perRow
		for i := range cols {
			v := row.At(i)
			switch v.Kind() {
			case msi.KindInt:
				n += int64(len(strconv.AppendInt(num[:0], int64(v.Int()), 10)))
			case msi.KindString, msi.KindBinary:
				n += int64(len(v.Str()))
			}
		}
	}
	return n, nil
}

// countWriter counts the bytes written to it.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
