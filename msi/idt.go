package msi

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/msikit/msikit/internal/safefile"
)

// Pseudo-tables of IDT exports: they are not tables of the database but
// carry its summary information and codepage, as msidb and msiinfo write
// them.
const (
	SummaryInformationTable = "_SummaryInformation"
	ForceCodepageTable      = "_ForceCodepage"
)

// IDTOptions controls ExportIDT. The zero value (or nil) writes only the
// text.
type IDTOptions struct {
	// BinaryDir, when not "", receives the data of every non-null binary
	// cell as the file BinaryDir/<Table>/<cell text>, where the cell text
	// is the stream name ("Binary.Icon"): the layout msiinfo export writes
	// and msibuild -i reads back (with BinaryDir as its working folder).
	BinaryDir string
}

// ExportTableNames returns what a full IDT export contains, in msiinfo
// tables order: the pseudo-tables _SummaryInformation and _ForceCodepage,
// then every table of the database.
func (db *Database) ExportTableNames() []string {
	return append([]string{SummaryInformationTable, ForceCodepageTable}, db.TableNames()...)
}

// ExportIDT writes table in IDT text format to w, byte for byte as
// `msiinfo export FILE TABLE` writes it: tab-separated fields, CR LF line
// ends, a header of column names, column types ("s72", "I2", "v0", ...)
// and the table name followed by its key columns, then one line per row in
// stored order. Integers are decimal, nulls are empty, strings are UTF-8
// and written as they are except for the control characters the Archive
// File Format translates (NUL, BS, HT, LF, FF and CR become 0x15, 0x1B,
// 0x10, 0x19, 0x18 and 0x11; ImportIDT translates them back), binary cells
// show their stream name.
//
// table may also be "_SummaryInformation" (the summary information
// properties, FILETIMEs in UTC, strings in the property set's own
// codepage) or "_ForceCodepage" (the database codepage). See
// testdata/known-msiinfo-differences.md for the two places where msikit
// deliberately differs from msiinfo.
func (db *Database) ExportIDT(w io.Writer, table string, opts *IDTOptions) error {
	if opts == nil {
		opts = &IDTOptions{}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var err error
	switch table {
	case ForceCodepageTable:
		fmt.Fprintf(bw, "\r\n\r\n%d\t%s\r\n", db.Codepage(), ForceCodepageTable)
	case SummaryInformationTable:
		err = db.exportSummaryIDT(bw)
	default:
		err = db.exportTableIDT(bw, table, opts)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

func (db *Database) exportSummaryIDT(bw *bufio.Writer) error {
	si, err := db.SummaryInfo()
	if err != nil {
		return err
	}
	bw.WriteString("PropertyId\tValue\r\ni2\tl255\r\n_SummaryInformation\tPropertyId\r\n")
	for _, p := range summaryIDTProperties(si) {
		bw.WriteString(strconv.Itoa(int(p.ID)))
		bw.WriteByte('\t')
		bw.WriteString(idtEscape(p.Text()))
		bw.WriteString("\r\n")
	}
	return nil
}

// summaryIDTProperties returns the properties an IDT export lists: those
// with a defined meaning and a text form, in property-id order.
func summaryIDTProperties(si *SummaryInfo) []Property {
	var out []Property
	for id := PIDCodepage; id <= PIDSecurity; id++ {
		if id == PIDThumbnail {
			continue
		}
		if p, ok := si.Get(id); ok {
			switch p.Type {
			case PropInt16, PropInt32, PropString, PropFiletime:
				out = append(out, p)
			}
		}
	}
	return out
}

func (db *Database) exportTableIDT(bw *bufio.Writer, table string, opts *IDTOptions) error {
	t, err := db.Table(table)
	if err != nil {
		return err
	}
	cols := t.Columns()
	for i, c := range cols {
		if i > 0 {
			bw.WriteByte('\t')
		}
		bw.WriteString(c.Name)
	}
	bw.WriteString("\r\n")
	for i, c := range cols {
		if i > 0 {
			bw.WriteByte('\t')
		}
		bw.WriteString(c.IDTType())
	}
	bw.WriteString("\r\n")
	bw.WriteString(table)
	if !systemTable(table) {
		// The system tables are not described in _Columns, so (like
		// msiinfo) no key columns are listed for them.
		for _, c := range t.KeyColumns() {
			bw.WriteByte('\t')
			bw.WriteString(c.Name)
		}
	}
	bw.WriteString("\r\n")
	var num [16]byte
	for row := range t.Rows() {
		for i := range cols {
			if i > 0 {
				bw.WriteByte('\t')
			}
			v := row.Index(i)
			switch v.Kind() {
			case KindInt:
				bw.Write(strconv.AppendInt(num[:0], int64(v.Int()), 10))
			case KindString:
				bw.WriteString(idtEscape(v.Str()))
			case KindBinary:
				name := v.Str()
				bw.WriteString(name)
				if opts.BinaryDir != "" {
					if err := exportBinaryCell(opts.BinaryDir, table, name, row, cols[i].Name); err != nil {
						return err
					}
				}
			}
		}
		bw.WriteString("\r\n")
	}
	return nil
}

// systemTable reports whether name is one of the tables and views the
// database engine provides rather than _Tables lists.
func systemTable(name string) bool {
	switch name {
	case "_Tables", "_Columns", "_Streams", "_Storages":
		return true
	}
	return false
}

// safeFileName reports whether name can be used as one file name inside a
// folder without escaping it (names come from untrusted packages).
func safeFileName(name string) bool {
	if name == "" || name == "." || name == ".." || len(name) > 255 {
		return false
	}
	return !strings.ContainsAny(name, "/\\\x00")
}

func exportBinaryCell(dir, table, name string, row Row, column string) error {
	if !safeFileName(table) || !safeFileName(name) {
		return fmt.Errorf("msi: export %s: binary cell %q cannot be written as a file name", table, name)
	}
	st, err := row.OpenStream(column)
	if err != nil {
		return fmt.Errorf("msi: export %s: %w", table, err)
	}
	tdir := filepath.Join(dir, table)
	if err := os.MkdirAll(tdir, 0o777); err != nil {
		return err
	}
	err = safefile.Write(filepath.Join(tdir, name), func(w io.Writer) error {
		_, err := io.Copy(w, io.NewSectionReader(st, 0, st.Size()))
		return err
	})
	if err != nil {
		return fmt.Errorf("msi: export %s: writing %s: %w", table, name, err)
	}
	return nil
}

// ExportIDTDir writes each table as dir/<Table>.idt (with binary cells as
// files under dir/<Table>/), like `msidump -t` plus the binary data. With
// no tables it exports everything ExportTableNames lists. dir must exist.
// Each file is written atomically (a temporary file renamed into place).
func (db *Database) ExportIDTDir(dir string, tables ...string) error {
	if len(tables) == 0 {
		tables = db.ExportTableNames()
	}
	for _, table := range tables {
		if !safeFileName(table) {
			return fmt.Errorf("msi: table name %q cannot be written as a file name", table)
		}
		err := safefile.Write(filepath.Join(dir, table+".idt"), func(w io.Writer) error {
			return db.ExportIDT(w, table, &IDTOptions{BinaryDir: dir})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// IDTError reports a malformed IDT file: the file (when known), the line
// (1-based) and what is wrong.
type IDTError struct {
	File string
	Line int
	Msg  string
	Err  error
}

// Error formats the error as "msi: file: line N: message: cause", leaving
// out the file, line and cause when unknown.
func (e *IDTError) Error() string {
	var b strings.Builder
	b.WriteString("msi: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *IDTError) Unwrap() error { return e.Err }
