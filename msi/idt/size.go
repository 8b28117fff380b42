package idt

import (
	"bufio"
	"strconv"

	"github.com/msikit/msikit/internal/safename"
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
			if cols[i].Type == msi.ColBinary {
				// The stream's name, counted without building it
				// from the row's key (one long pooled text can key
				// thousands of rows).
				if !row.IsNull(i) {
					n += int64(row.StreamNameLen())
				}
				continue
			}
			v := row.At(i)
			switch v.Kind() {
			case msi.KindInt:
				n += int64(len(strconv.AppendInt(num[:0], int64(v.Int()), 10)))
			case msi.KindString:
				n += int64(len(v.Str()))
			}
		}
	}
	return n, nil
}

// countWriter counts the bytes written to it.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// ExportFiles returns the number of files ExportDir writes for table: its
// IDT file, and one for each binary cell (the data of the stream the cell
// names), counted without writing them or opening the streams. The
// pseudo-tables _SummaryInformation and _ForceCodepage are one file each;
// a table or cell whose name ExportDir refuses as a file name counts
// none.
//
// Creating a file costs the system far more than the bytes of a small
// one: a crafted package of a few megabytes can name 200,000 empty tables
// (a few bytes each in _Tables), or a binary cell in each of a million
// rows sharing one key. Callers exporting packages they do not trust
// check the count first (msikit export -d refuses more than --max-files).
func ExportFiles(db *msi.Database, table string) (int64, error) {
	switch table {
	case ForceCodepageTable, SummaryInformationTable:
		return 1, nil
	}
	if safename.Check(table) != nil || safename.Check(table+".idt") != nil {
		return 0, nil
	}
	t, err := db.Table(table)
	if err != nil {
		return 0, err
	}
	var binary []int
	for i, c := range t.Columns() {
		if c.Type == msi.ColBinary {
			binary = append(binary, i)
		}
	}
	n := int64(1)
	if len(binary) == 0 {
		return n, nil
	}
	for row := range t.Rows() {
		for _, i := range binary {
			// A name too long for a file is refused without being
			// built from the row's key.
			if !row.IsNull(i) && row.StreamNameLen() <= safename.MaxLen && safename.Check(row.StreamName()) == nil {
				n++
			}
		}
	}
	return n, nil
}
