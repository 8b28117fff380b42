package jsonexport

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/internal/safename"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/idt"
)

// WriteDocument writes the tables as one JSON document {"file", "tables"}
// (what "msikit export -f json" writes to standard output). Once ctx is
// done it stops within 1,024 rows and returns context.Cause(ctx), the
// document cut short.
func WriteDocument(ctx context.Context, w io.Writer, db *msi.Database, file string, tables []string) error {
	j := newJSONWriter(w)
	j.raw("{\n  \"file\": ")
	j.str(file)
	j.raw(",\n  \"tables\": [")
	for i, t := range tables {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		if i > 0 {
			j.raw(",")
		}
		j.raw("\n    ")
		if err := writeTable(ctx, j, db, t, "    ", nil); err != nil {
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			return err
		}
	}

	j.raw("\n  ]\n}\n")
	return j.flush()
}

// WriteTable writes one table as a JSON object followed by a newline, as
// "msikit export -f json -d DIR" writes DIR/TABLE.json (without the binary
// cells' files).
func WriteTable(w io.Writer, db *msi.Database, table string) error {
	j := newJSONWriter(w)
	if err := writeTable(context.Background(), j, db, table, "", nil); err != nil {
		return err
	}
	j.raw("\n")
	return j.flush()
}

// WriteDir writes DIR/TABLE.json for each table, and each binary cell's
// data as DIR/TABLE/<stream name>, with the guarantees and refusals of
// msi.(*Database).ExportIDTDir: one temporary folder moved into place at
// the end, never replacing the package file (db.Path); names that cannot
// be file names skipped and returned joined (each matching
// idt.ErrUnsafeName) after the rest is in place; any other
// error leaves dir as it was (but for a move into an existing dir that
// fails part way: a *safefile.MergeError). Once ctx is done it stops, as
// idt.ExportDirContext does, before the next table or binary cell file,
// leaves dir as it was and returns context.Cause(ctx).
func WriteDir(ctx context.Context, db *msi.Database, dir string, tables []string) error {
	out, err := safefile.CreateDir(dir)
	if err != nil {
		return err
	}
	defer out.Abort()
	if p := db.Path(); p != "" {
		out.Keep(p) // the package itself, at dir/T.json or dir/T/cell
	}
	refused, err := writeDir(ctx, out, db, tables)
	if ctx.Err() != nil {
		// Stopped (the error of the write under way, if any, only
		// wraps the context's): nothing is moved into place.
		return context.Cause(ctx)
	}
	if err != nil {
		return err
	}
	if err := out.Commit(); err != nil {
		return err
	}
	return errors.Join(refused...)
}

func writeDir(ctx context.Context, out *safefile.Dir, db *msi.Database, tables []string) ([]error, error) {
	var refused safename.Refusals
	j := newJSONWriter(nil) // one buffer for every file
	for _, t := range tables {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		err := safename.Check(t)
		if err == nil {
			err = safename.Check(t + ".json")
		}
		if err != nil {
			refused.Add(func() error {
				return fmt.Errorf("table %q cannot be written as a file: %w", clip.String(t), safename.Clipped(err))
			})
			continue
		}
		cells := func(row msi.Row, col int, name string) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := safename.Check(name); err != nil {
				// The name clipped, in the message and the error kept:
				// it is as long as the cell's key (64 KB).
				refused.Add(func() error {
					return fmt.Errorf("table %q: binary cell %q cannot be written as a file: %w", t, clip.String(name), safename.Clipped(err))
				})
				return nil
			}
			st, err := row.OpenStream(row.Table().Columns()[col].Name)
			if err != nil {
				return err
			}
			return out.WriteFile(t+"/"+name, func(w io.Writer) error {
				_, err := io.Copy(w, st)
				return err
			})
		}
		err = out.WriteFile(t+".json", func(w io.Writer) error {
			j.reset(w)
			if err := writeTable(ctx, j, db, t, "", cells); err != nil {
				return err
			}
			j.raw("\n")
			return j.flush()
		})
		if err != nil {
			return nil, err
		}
	}
	return refused.Errors(), nil
}

// writeTable writes one table as a JSON object whose lines after the first
// start with indent. cells, when not nil, is called for every non-null
// binary cell (col is its column index) before its row is written. Once
// ctx is done it stops within 1,024 rows with ctx's error.
func writeTable(ctx context.Context, j *jsonWriter, db *msi.Database, table, indent string, cells func(row msi.Row, col int, name string) error) error {
	in1, in2, in3 := indent+"  ", indent+"    ", indent+"      "
	j.raw("{\n" + in1 + "\"name\": ")
	j.str(table)
	j.raw(",\n")
	switch table {
	case idt.ForceCodepageTable:
		j.raw(in1 + "\"codepage\": ")
		j.int(int64(db.Codepage()))
		j.raw(",\n" + in1 + "\"columns\": [],\n" + in1 + "\"rows\": []\n" + indent + "}")
		return nil
	case idt.SummaryInformationTable:
		si, err := db.SummaryInfo()
		if err != nil {
			return err
		}
		j.columns(in1, []columnJSON{{"PropertyId", "i2", true}, {"Value", "l255", false}})
		n := 0
		for _, p := range si.Properties() {
			switch p.Type {
			case msi.PropInt16, msi.PropInt32, msi.PropString, msi.PropFiletime:
			default:
				continue
			}
			j.rowStart(in1, n)
			n++
			j.raw(in3)
			j.int(int64(p.ID))
			j.raw(",\n" + in3)
			switch p.Type {
			case msi.PropInt16, msi.PropInt32:
				j.int(int64(p.Int))
			case msi.PropString:
				j.str(p.Str)
			case msi.PropFiletime:
				j.str(msi.FormatFiletime(p.Time))
			}
			j.raw("\n" + in2 + "]")
		}
		j.rowsEnd(in1, n)
		j.raw("\n" + indent + "}")
		return j.err
	}
	t, err := db.Table(table)
	if err != nil {
		return err
	}
	var cols []columnJSON
	for _, c := range t.Columns() {
		cols = append(cols, columnJSON{c.Name, c.IDTType(), c.Key})
	}
	j.columns(in1, cols)
	n := 0
	for row := range t.Rows() {
		// The text can be far longer than the package: a string stored
		// once is written in every cell that uses it.
		if n%1024 == 1023 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if cells != nil {
			for i := 0; i < row.Len(); i++ {
				if v := row.At(i); v.Kind() == msi.KindBinary {
					if err := cells(row, i, v.Str()); err != nil {
						return err
					}
				}
			}
		}
		j.rowStart(in1, n)
		n++
		for i := 0; i < row.Len(); i++ {
			if i > 0 {
				j.raw(",\n")
			}
			j.raw(in3)
			switch v := row.At(i); v.Kind() {
			case msi.KindInt:
				j.int(int64(v.Int()))
			case msi.KindString, msi.KindBinary:
				j.str(v.Str())
			default:
				j.raw("null")
			}
		}
		j.raw("\n" + in2 + "]")
		if j.err != nil {
			return j.err
		}
	}
	j.rowsEnd(in1, n)
	j.raw("\n" + indent + "}")
	return j.err
}

type columnJSON struct {
	Name string
	Type string
	Key  bool
}

// jsonWriter writes JSON text through a buffer, keeping the first error.
type jsonWriter struct {
	bw  *bufio.Writer
	num []byte
	err error
}

func newJSONWriter(w io.Writer) *jsonWriter {
	return &jsonWriter{bw: bufio.NewWriterSize(w, 64<<10)}
}

// reset makes j write to w, keeping its buffer.
func (j *jsonWriter) reset(w io.Writer) {
	j.bw.Reset(w)
	j.err = nil
}

func (j *jsonWriter) raw(s string) {
	if j.err == nil {
		_, j.err = j.bw.WriteString(s)
	}
}

func (j *jsonWriter) int(n int64) {
	j.num = strconv.AppendInt(j.num[:0], n, 10)
	if j.err == nil {
		_, j.err = j.bw.Write(j.num)
	}
}

// str writes s as a JSON string, escaped exactly as encoding/json escapes
// it (HTML-safe, invalid UTF-8 as U+FFFD), without copying it.
func (j *jsonWriter) str(s string) {
	if j.err == nil {
		j.err = writeJSONString(j.bw, s)
	}
}

func (j *jsonWriter) columns(in1 string, cols []columnJSON) {
	in2, in3 := in1+"  ", in1+"    "
	j.raw(in1 + "\"columns\": [")
	if len(cols) == 0 {
		j.raw("],\n")
		return
	}
	for i, c := range cols {
		if i > 0 {
			j.raw(",")
		}
		j.raw("\n" + in2 + "{\n" + in3 + "\"name\": ")
		j.str(c.Name)
		j.raw(",\n" + in3 + "\"type\": ")
		j.str(c.Type)
		if c.Key {
			j.raw(",\n" + in3 + "\"key\": true")
		}
		j.raw("\n" + in2 + "}")
	}
	j.raw("\n" + in1 + "],\n")
}

// rowStart opens row n of the "rows" array.
func (j *jsonWriter) rowStart(in1 string, n int) {
	if n == 0 {
		j.raw(in1 + "\"rows\": [")
	} else {
		j.raw(",")
	}
	j.raw("\n" + in1 + "  [\n")
}

// rowsEnd closes the "rows" array after n rows.
func (j *jsonWriter) rowsEnd(in1 string, n int) {
	if n == 0 {
		j.raw(in1 + "\"rows\": []")
		return
	}
	j.raw("\n" + in1 + "]")
}

func (j *jsonWriter) flush() error {
	if j.err != nil {
		return j.err
	}
	return j.bw.Flush()
}

// writeJSONString writes s as a JSON string the way encoding/json does:
// '<', '>' and '&' as \u003c, \u003e and \u0026, control characters as
// \b, \f, \n, \r, \t or \u00XX, invalid UTF-8 as \ufffd, and U+2028 and
// U+2029 as \u2028 and \u2029.
func writeJSONString(w *bufio.Writer, s string) error {
	const hex = "0123456789abcdef"
	w.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			w.WriteString(s[start:i])
			switch b {
			case '\\', '"':
				w.WriteByte('\\')
				w.WriteByte(b)
			case '\b':
				w.WriteString(`\b`)
			case '\f':
				w.WriteString(`\f`)
			case '\n':
				w.WriteString(`\n`)
			case '\r':
				w.WriteString(`\r`)
			case '\t':
				w.WriteString(`\t`)
			default:
				w.WriteString(`\u00`)
				w.WriteByte(hex[b>>4])
				w.WriteByte(hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			w.WriteString(s[start:i])
			w.WriteString(`\ufffd`)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			w.WriteString(s[start:i])
			w.WriteString(`\u202`)
			w.WriteByte(hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	w.WriteString(s[start:])
	return w.WriteByte('"')
}
