package idt

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/internal/safename"
	"github.com/msikit/msikit/msi"
)

// Pseudo-tables of IDT exports: they are not tables of the database but
// carry its summary information and codepage, as msidb and msiinfo write
// them.
const (
	SummaryInformationTable = "_SummaryInformation"
	ForceCodepageTable      = "_ForceCodepage"
)

// ErrUnsafeName is matched (with errors.Is) by the error an export gives
// for a name from the package (a table name, a binary cell's stream name)
// that cannot be used as a file name: one with a path separator, "..", a
// drive letter, a control character, or a name Windows reserves.
var ErrUnsafeName = safename.ErrUnsafe

// ExportOptions controls Export. The zero value (or nil) writes only the
// text.
type ExportOptions struct {
	// BinaryDir, when not "", receives the data of every non-null binary
	// cell as the file BinaryDir/<Table>/<cell text>, where the cell text
	// is the stream name ("Binary.Icon"): the layout msiinfo export writes
	// and msibuild -i reads back (with BinaryDir as its working folder).
	// The folder BinaryDir/<Table> is created if needed. Each file is written
	// atomically (a temporary file renamed into place). As ExportDir, it
	// never writes through a symbolic link below BinaryDir: a link at
	// BinaryDir/<Table> or at a cell's file is refused (the cell's file is
	// then not written), while BinaryDir itself may be a link to a
	// folder. A table or cell
	// name that cannot be used as a file name (see ExportDir) stops the
	// export with an error matching ErrUnsafeName.
	BinaryDir string
}

// Tables returns what a full IDT export of db contains, in msiinfo
// tables order: the pseudo-tables _SummaryInformation and _ForceCodepage,
// then every table of the database.
func Tables(db *msi.Database) []string {
	return append([]string{SummaryInformationTable, ForceCodepageTable}, db.TableNames()...)
}

// Export writes table of db in IDT text format to w, byte for byte as
// `msiinfo export FILE TABLE` writes it: tab-separated fields, CR LF line
// ends, a header of column names, column types ("s72", "I2", "v0", ...)
// and the table name followed by its key columns, then one line per row in
// stored order. Integers are decimal, nulls are empty, strings are UTF-8
// and written as they are except for the control characters the Archive
// File Format translates (NUL, BS, HT, LF, FF and CR become 0x15, 0x1B,
// 0x10, 0x19, 0x18 and 0x11; Import translates them back), binary cells
// show their stream name.
//
// table may also be "_SummaryInformation" (the summary information
// properties, FILETIMEs in UTC, strings in the property set's own
// codepage) or "_ForceCodepage" (the database codepage). See
// testdata/known-msiinfo-differences.md for the two places where msikit
// deliberately differs from msiinfo.
//
// Export cannot be stopped; ExportContext can.
func Export(w io.Writer, db *msi.Database, table string, opts *ExportOptions) error {
	return ExportContext(context.Background(), w, db, table, opts)
}

// ExportContext is Export with a context: once ctx is done, the export
// stops within 1,024 rows and returns context.Cause(ctx), having written
// part of the table. A table's text can be far longer than the package
// (a string stored once is written in every cell that uses it), so one
// written to a terminal or a pipe can take long enough to want stopping.
func ExportContext(ctx context.Context, w io.Writer, db *msi.Database, table string, opts *ExportOptions) error {
	if opts == nil {
		opts = &ExportOptions{}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var err error
	switch table {
	case ForceCodepageTable:
		fmt.Fprintf(bw, "\r\n\r\n%d\t%s\r\n", db.Codepage(), ForceCodepageTable)
	case SummaryInformationTable:
		err = exportSummary(bw, db)
	default:
		err = exportTable(ctx, bw, db, table, opts)
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

func exportSummary(bw *bufio.Writer, db *msi.Database) error {
	si, err := db.SummaryInfo()
	if err != nil {
		return err
	}
	bw.WriteString("PropertyId\tValue\r\ni2\tl255\r\n_SummaryInformation\tPropertyId\r\n")
	for _, p := range summaryProperties(si) {
		bw.WriteString(strconv.Itoa(int(p.ID)))
		bw.WriteByte('\t')
		bw.WriteString(escape(p.Text()))
		bw.WriteString("\r\n")
	}
	return nil
}

// summaryProperties returns the properties an IDT export lists: those
// with a defined meaning and a text form, in property-id order.
func summaryProperties(si *msi.SummaryInfo) []msi.Property {
	var out []msi.Property
	for id := msi.PIDCodepage; id <= msi.PIDSecurity; id++ {
		if id == msi.PIDThumbnail {
			continue
		}
		if p, ok := si.Get(id); ok {
			switch p.Type {
			case msi.PropInt16, msi.PropInt32, msi.PropString, msi.PropFiletime:
				out = append(out, p)
			}
		}
	}
	return out
}

func exportTable(ctx context.Context, bw *bufio.Writer, db *msi.Database, table string, opts *ExportOptions) error {
	var cell binaryCellFunc
	if opts.BinaryDir != "" {
		dir := opts.BinaryDir
		cell = func(table, name string, st *io.SectionReader) error {
			sub, err := binarySubdir(dir, table)
			if err != nil {
				return err
			}
			dst := filepath.Join(sub, name)
			if fi, err := os.Lstat(dst); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
				return &fs.PathError{Op: "replace", Path: dst, Err: errLinkInWay}
			}
			return safefile.Write(dst, func(w io.Writer) error {
				_, err := io.Copy(w, st)
				return err
			})
		}
	}
	return writeTable(ctx, bw, db, table, cell, nil)
}

// errLinkInWay is why a binary cell is not written to BinaryDir: a
// symbolic link is where its folder or file goes.
var errLinkInWay = errors.New("is a symbolic link; not written through")

// binarySubdir returns the folder dir/table of ExportOptions.BinaryDir,
// creating it (and dir) if needed. The folder table must not be a
// symbolic link: its name comes from the package, and export -d, whose
// layout BinaryDir is, never writes through a link below the folder it
// was given (a link at dir itself, named by the caller, is followed).
func binarySubdir(dir, table string) (string, error) {
	sub := filepath.Join(dir, table)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return "", err
	}
	if err := os.Mkdir(sub, 0o777); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", err
	}
	fi, err := os.Lstat(sub)
	switch {
	case err != nil:
		return "", err
	case fi.Mode()&fs.ModeSymlink != 0:
		return "", &fs.PathError{Op: "create folder", Path: sub, Err: errLinkInWay}
	case !fi.IsDir():
		return "", &fs.PathError{Op: "create folder", Path: sub, Err: safefile.NotFolderError{Mode: fi.Mode()}}
	}
	return sub, nil
}

// A binaryCellFunc stores the data of one binary cell of table, whose text
// (the stream name) is name, already checked with safename.Check.
type binaryCellFunc func(table, name string, st *io.SectionReader) error

// writeTable writes table as IDT text to bw and, when cell is not nil,
// gives it the data of every non-null binary cell. A table or cell name
// that cannot be a file name stops the export with an error matching
// ErrUnsafeName, unless refused is not nil: then it is added to refused
// and the export goes on (the IDT text still names the cell). Once ctx
// is done, writeTable stops within 1,024 rows with its error.
func writeTable(ctx context.Context, bw *bufio.Writer, db *msi.Database, table string, cell binaryCellFunc, refused *safename.Refusals) error {
	t, err := db.Table(table)
	if err != nil {
		return err
	}
	cols := t.Columns()
	writeHeader(bw, t, table, cols)
	var num [16]byte
	n := 0
	for row := range t.Rows() {
		// A table's text can be far longer than the package (a pooled
		// string in every row, or a cell key whose name each row builds).
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		for i := range cols {
			if i > 0 {
				bw.WriteByte('\t')
			}
			v := row.At(i)
			switch v.Kind() {
			case msi.KindInt:
				bw.Write(strconv.AppendInt(num[:0], int64(v.Int()), 10))
			case msi.KindString:
				bw.WriteString(escape(v.Str()))
			case msi.KindBinary:
				name := v.Str()
				bw.WriteString(name)
				if cell == nil {
					continue
				}
				err := safename.Check(table)
				if err != nil {
					return fmt.Errorf("idt: table %q: binary cells cannot be written as files: %w", table, err)
				}
				if err := safename.Check(name); err != nil {
					// The name clipped: it is as long as the cell's key
					// (64 KB), and an error is kept for each of up to
					// safename.MaxRefusalsListed cells.
					mk := func() error {
						return fmt.Errorf("idt: table %q: binary cell %q cannot be written as a file: %w", table, clip.String(name), safename.Clipped(err))
					}
					if refused == nil {
						return mk()
					}
					refused.Add(mk)
					continue
				}
				st, err := row.OpenStream(cols[i].Name)
				if err != nil {
					return fmt.Errorf("idt: export %s: %w", table, err)
				}
				if err := cell(table, name, st); err != nil {
					return fmt.Errorf("idt: export %s: writing %s: %w", table, name, err)
				}
			}
		}
		bw.WriteString("\r\n")
	}
	return nil
}

// writeHeader writes the three header lines of table's IDT text: column
// names, column types, and the table name with its key columns.
func writeHeader(bw *bufio.Writer, t *msi.Table, table string, cols []msi.Column) {
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

// ExportDir writes each table of db as dir/<Table>.idt and the data of its
// binary cells as the files dir/<Table>/<cell text>, the layout msiinfo
// export writes and ImportFile and msibuild -i read back. With no
// tables it exports everything Tables lists. dir and its parents
// are created as needed.
//
// The export goes into a hidden temporary folder that is moved into place
// once every table is written: a dir that did not exist appears complete
// or not at all, and in an existing dir the new files appear together at
// the end, replacing files of the same name (a symbolic link or an entry
// of another type in the way is an error, and nothing is moved). Files are
// not flushed to stable storage. The file the database was opened from
// (Database.Path) is never replaced: an export into the folder holding
// it, naming a file like it (the package at dir/Binary/icon, and table
// Binary has a cell icon), is an error matching fs.ErrExist that leaves
// dir as it was.
//
// Table names and binary cell names come from the package and must be
// usable as one file name each: no path separators, "..", drive letters,
// control characters or names Windows reserves (the rule is the same for
// every command that writes files). A table or cell whose name is not is
// skipped, and the rest is exported: the error returned then joins one
// error per refused name, each matching ErrUnsafeName, and
// errors.Is(err, ErrUnsafeName) reports that everything else is in place.
// Any other error (a table that does not decode, a write that fails, two
// names that dir's file system takes for one, such as binary cells "A"
// and "a" on a file system that ignores case: an error matching
// fs.ErrExist that names both files) is
// returned alone and leaves dir as it was, with one exception: when the
// file system refuses to move an entry into an existing dir part way
// through (after the checks), the entries moved before it stay, and the
// error says how many.
//
// A table's text can be far larger than the package (a string stored
// once is written in every cell that uses it): callers exporting packages
// they do not trust add up ExportSize of the tables first.
//
// ExportDir cannot be stopped; ExportDirContext can.
func ExportDir(dir string, db *msi.Database, tables ...string) error {
	return ExportDirContext(context.Background(), dir, db, tables...)
}

// ExportDirContext is ExportDir with a context: once ctx is done, the
// export stops before the next table or binary cell file (or, when all
// are written, before moving them into place), removes its temporary
// folder, leaves dir as it was and returns context.Cause(ctx) (which
// matches ctx.Err()). Moving the finished export into place is not
// interrupted.
func ExportDirContext(ctx context.Context, dir string, db *msi.Database, tables ...string) error {
	if len(tables) == 0 {
		tables = Tables(db)
	}
	out, err := safefile.CreateDir(dir)
	if err != nil {
		return fmt.Errorf("idt: %w", err)
	}
	defer out.Abort()
	if p := db.Path(); p != "" {
		out.Keep(p) // the package itself, at dir/T.idt or dir/T/cell
	}
	refused, err := exportInto(ctx, out, db, tables)
	if ctx.Err() != nil {
		// Stopped (the error of the write under way, if any, only
		// wraps the context's): nothing is moved into place.
		return context.Cause(ctx)
	}
	if err != nil {
		return err
	}
	if err := out.Commit(); err != nil {
		return fmt.Errorf("idt: %w", err)
	}
	return errors.Join(refused...)
}

func exportInto(ctx context.Context, out *safefile.Dir, db *msi.Database, tables []string) ([]error, error) {
	var refused safename.Refusals
	var buf []byte
	cell := func(table, name string, st *io.SectionReader) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		rel := table + "/" + name
		if st.Size() > 1<<20 {
			return out.WriteFile(rel, func(w io.Writer) error {
				_, err := io.Copy(w, st)
				return err
			})
		}
		// The usual binary cell, a few KiB: through one reused buffer.
		if int64(cap(buf)) < st.Size() {
			buf = make([]byte, max(st.Size(), 64<<10))
		}
		b := buf[:st.Size()]
		if _, err := st.ReadAt(b, 0); err != nil && err != io.EOF {
			return err
		}
		return out.WriteData(rel, b)
	}
	bw := bufio.NewWriterSize(nil, 64<<10)
	for _, table := range tables {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		err := safename.Check(table)
		if err == nil {
			err = safename.Check(table + ".idt")
		}
		if err != nil {
			refused.Add(func() error {
				return fmt.Errorf("idt: table %q cannot be written as a file: %w", clip.String(table), safename.Clipped(err))
			})
			continue
		}
		err = out.WriteFile(table+".idt", func(w io.Writer) error {
			bw.Reset(w)
			var err error
			switch table {
			case ForceCodepageTable, SummaryInformationTable:
				err = Export(bw, db, table, nil)
			default:
				err = writeTable(ctx, bw, db, table, cell, &refused)
			}
			if err != nil {
				return err
			}
			return bw.Flush()
		})
		if err != nil {
			return nil, err
		}
	}
	return refused.Errors(), nil
}

// Error reports a malformed IDT file: the file (when known), the line
// (1-based) and what is wrong.
type Error struct {
	File string
	Line int
	Msg  string
	Err  error
}

// Error formats the error as "idt: file: line N: message: cause", leaving
// out the file, line and cause when unknown.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("idt: ")
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
func (e *Error) Unwrap() error { return e.Err }
