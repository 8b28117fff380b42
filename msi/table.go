package msi

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"io"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
)

// Table is one table of a database. Its rows are decoded on first use.
// Rows returned by a Table reflect its state at the time they were
// returned; they stay valid until the table is next modified.
type Table struct {
	// The columns, key indexes and string pool, shared with the other
	// tables of the same shape (loadSchema): never change them in place
	// (AddColumn gives the table a schema of its own).
	*tableSchema
	db   *Database
	name string

	mu sync.Mutex // guards index for concurrent lookups

	system bool // _Tables, _Columns, _Streams, _Storages: read-only
	loaded bool
	dirty  bool
	// changes counts the changes to the rows or columns (touch), modulo
	// 2^32: 4 bytes beside the flags keep a Table at 112 bytes, which a
	// package of 450,000 tables has as many of.
	changes uint32
	err     error
	cells   []uint32 // row-major, len = nrows*len(cols); see cellFromValue
	nrows   int
	entry   *cfb.Entry // the table's stream in the source file, nil if none
	index   *rowIndex  // rows by key, built on demand
}

// Changes returns a count, modulo 2^32, of the changes to t's rows or
// columns since the database was opened or the table created, which each
// Insert, Update, DeleteFunc that deleted a row, AddColumn and import
// raises. A caller that keeps what it read of a table tells by it whether
// that still holds: an Update, or a row deleted and another inserted,
// leaves Len as it was.
func (t *Table) Changes() uint32 { return t.changes }

// Name returns the table's name.
func (t *Table) Name() string { return t.name }

// Columns returns a copy of the table's columns, in order.
func (t *Table) Columns() []Column { return slices.Clone(t.cols) }

// KeyColumns returns the primary-key columns, in order (none for the
// system tables _Tables and _Columns, as msiinfo shows them).
func (t *Table) KeyColumns() []Column {
	var out []Column
	for _, k := range t.keys {
		if t.cols[k].Key {
			out = append(out, t.cols[k])
		}
	}
	return out
}

// Column returns the column with this name.
func (t *Table) Column(name string) (Column, bool) {
	i := t.colIndex(name)
	if i < 0 {
		return Column{}, false
	}
	return t.cols[i], true
}

func (t *Table) colIndex(name string) int {
	for i := range t.cols {
		if t.cols[i].Name == name {
			return i
		}
	}
	return -1
}

// Len returns the number of rows.
func (t *Table) Len() int { return t.nrows }

// Row returns row i (0-based) in stored order.
func (t *Table) Row(i int) Row {
	n := len(t.cols)
	return Row{t: t, cells: t.cells[i*n : (i+1)*n : (i+1)*n]}
}

// Rows returns an iterator over the rows in stored order.
func (t *Table) Rows() iter.Seq[Row] {
	return func(yield func(Row) bool) {
		for i := 0; i < t.nrows; i++ {
			if !yield(t.Row(i)) {
				return
			}
		}
	}
}

// Modified reports whether the table was changed since it was read.
func (t *Table) Modified() bool { return t.dirty }

// Row is one row of a table.
type Row struct {
	t     *Table
	cells []uint32
}

// Table returns the table the row belongs to.
func (r Row) Table() *Table { return r.t }

// Len returns the number of values (the table's column count).
func (r Row) Len() int { return len(r.cells) }

// At returns the value of column i (0-based; Column.Number-1).
func (r Row) At(i int) Value { return r.t.value(r.cells, i) }

// Get returns the value of the named column, or Null if there is no such
// column.
func (r Row) Get(column string) Value {
	i := r.t.colIndex(column)
	if i < 0 {
		return Value{}
	}
	return r.At(i)
}

// Values returns all values of the row, in column order.
func (r Row) Values() []Value { return r.AppendValues(make([]Value, 0, len(r.cells))) }

// AppendValues appends the row's values, in column order, to dst and
// returns the extended slice: Values without a new slice for each row.
func (r Row) AppendValues(dst []Value) []Value {
	for i := range r.cells {
		dst = append(dst, r.At(i))
	}
	return dst
}

// Key returns the row's primary-key values.
func (r Row) Key() []Value {
	out := make([]Value, len(r.t.keys))
	for i, k := range r.t.keys {
		out[i] = r.At(k)
	}
	return out
}

// AppendKey appends the row's primary-key values to dst and returns the
// extended slice: Key without a new slice for each row.
func (r Row) AppendKey(dst []Value) []Value {
	for _, k := range r.t.keys {
		dst = append(dst, r.At(k))
	}
	return dst
}

// StreamName returns the name of the stream a Binary cell of this row
// refers to: the table name and the key values joined with "." (for the
// _Streams view, the stream's own name).
func (r Row) StreamName() string {
	if r.t.system && r.t.name == "_Streams" {
		return r.t.plainValue(r.cells, 0).Str() // the view's rows are the streams themselves
	}
	var b strings.Builder
	b.WriteString(r.t.name)
	for _, k := range r.t.keys {
		b.WriteByte('.')
		b.WriteString(r.t.plainValue(r.cells, k).String())
	}
	return b.String()
}

// IsNull reports whether the value of column i (0-based) is null, as
// At(i).IsNull() does without decoding the value (a binary cell's value
// is its stream's name, built from the row's key).
func (r Row) IsNull(i int) bool { return r.cells[i] == 0 }

// MaxStreamNameBytes is the length of the longest decoded stream name
// (Database.Streams, Row.StreamName) a compound file can hold: 31 UTF-16
// units, each at most 3 bytes of UTF-8 (a packed pair of ASCII characters
// is 2, a surrogate pair 4 for two units). A row whose StreamNameLen is
// longer has no stream, whatever its key; one within it may still have
// none.
const MaxStreamNameBytes = maxStreamName * 3

// StreamNameLen returns len(r.StreamName()) without building the name
// (a key cell may be a long pooled text, shared by thousands of rows).
func (r Row) StreamNameLen() int {
	if r.t.system && r.t.name == "_Streams" {
		return len(r.t.plainValue(r.cells, 0).Str())
	}
	n := len(r.t.name)
	var num [11]byte // an int32 in decimal
	for _, k := range r.t.keys {
		v := r.t.plainValue(r.cells, k)
		if v.kind == KindInt {
			n += 1 + len(strconv.AppendInt(num[:0], int64(v.n), 10))
		} else {
			n += 1 + len(v.s)
		}
	}
	return n
}

// dropStream deletes the stream of the row's binary cells, if there is
// one; a key too long to name a stream is not made into a name.
func (r Row) dropStream() {
	if r.StreamNameLen() <= MaxStreamNameBytes {
		r.t.db.dropStream(r.StreamName())
	}
}

// OpenStream opens the stream of the Binary column named column. A row
// whose key makes a name longer than a compound file can hold has no
// stream, which is reported without building the name: a key that is a
// long pooled text, shared by thousands of rows, would otherwise be
// copied into a name for each of them. A missing stream is an error
// matching fs.ErrNotExist, as with Database.OpenStream.
func (r Row) OpenStream(column string) (*io.SectionReader, error) {
	i := r.t.colIndex(column)
	if i < 0 {
		return nil, fmt.Errorf("msi: table %s has no column %s", r.t.name, column)
	}
	if r.t.cols[i].Type != ColBinary {
		return nil, fmt.Errorf("msi: column %s.%s is not a binary column", r.t.name, column)
	}
	if !r.t.system {
		if n := r.StreamNameLen(); n > MaxStreamNameBytes {
			return nil, noStream(fmt.Sprintf("msi: table %s: a row's stream name would have %d bytes, more than a stream name can hold: no stream", r.t.name, n))
		}
	}
	if r.cells[i] == 0 {
		return nil, fmt.Errorf("msi: %s.%s is null in row %s", r.t.name, column, r.StreamName())
	}
	return r.t.db.OpenStream(r.StreamName())
}

// value decodes cell i of a row.
func (t *Table) value(cells []uint32, i int) Value {
	if t.cols[i].Type == ColBinary {
		if cells[i] == 0 {
			return Value{}
		}
		return Value{kind: KindBinary, s: Row{t: t, cells: cells}.StreamName()}
	}
	return t.plainValue(cells, i)
}

func (t *Table) plainValue(cells []uint32, i int) Value {
	c := cells[i]
	if c == 0 {
		return Value{}
	}
	switch t.cols[i].Type {
	case ColInt16:
		return Value{kind: KindInt, n: int32(int16(uint16(c) ^ 0x8000))}
	case ColInt32:
		return Value{kind: KindInt, n: int32(c ^ 0x80000000)}
	case ColString:
		return t.pool.value(c)
	}
	return Value{kind: KindBinary}
}

// rowWidth returns the bytes per row for the given reference size.
func rowWidth(cols []Column, refSize int) int {
	w := 0
	for _, c := range cols {
		w += c.width(refSize)
	}
	return w
}

// decodeTable parses a table stream (column-major) into row-major cells.
// npool is the number of string ids; string cells must be below it.
func decodeTable(name string, cols []Column, refSize int, data []byte, npool int) ([]uint32, int, error) {
	return decodeCells(name, cols, refSize, data, npool, true)
}

// checkTableData is decodeTable without keeping the cells: it checks that
// the stream decodes.
func checkTableData(name string, cols []Column, refSize int, data []byte, npool int) error {
	_, _, err := decodeCells(name, cols, refSize, data, npool, false)
	return err
}

func decodeCells(name string, cols []Column, refSize int, data []byte, npool int, keep bool) ([]uint32, int, error) {
	if len(data) == 0 {
		return nil, 0, nil
	}
	w := rowWidth(cols, refSize)
	if w == 0 {
		return nil, 0, formatErr(name, name, 0, "table has data but no columns")
	}
	if len(data)%w != 0 {
		return nil, 0, formatErr(name, name, int64(len(data)), "stream size %d is not a multiple of the row width %d", len(data), w)
	}
	nrows := len(data) / w
	ncols := len(cols)
	var cells []uint32
	if keep {
		cells = make([]uint32, nrows*ncols)
	}
	off := 0
	for ci, c := range cols {
		cw := c.width(refSize)
		for r := 0; r < nrows; r++ {
			var v uint32
			switch cw {
			case 2:
				v = uint32(binary.LittleEndian.Uint16(data[off:]))
			case 3:
				v = uint32(data[off]) | uint32(data[off+1])<<8 | uint32(data[off+2])<<16
			case 4:
				v = binary.LittleEndian.Uint32(data[off:])
			}
			if c.Type == ColString && int64(v) >= int64(npool) {
				return nil, 0, formatErr(name, name, int64(off), "row %d column %s: string id %d past the end of the string pool (%d entries)", r+1, c.Name, v, npool)
			}
			if keep {
				cells[r*ncols+ci] = v
			}
			off += cw
		}
	}
	return cells, nrows, nil
}

// DuplicateKeys returns, in stored order, the rows whose primary key
// equals that of an earlier row: Insert and Update refuse to make them,
// but a package read from a file can hold them (msi/validate's ICE03
// reports them). It returns nil for a table without a primary key or
// with no key repeated. It indexes the keys as Lookup does (about 11
// bytes a row, kept for later lookups) and compares key cells, never a
// copy of them, so a long string shared by every key costs nothing per
// row.
func (t *Table) DuplicateKeys() []int {
	if len(t.keys) == 0 {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buildIndex()
	if t.index.n == t.nrows {
		// Every row is indexed: the index holds one row a key, so no
		// two rows share one (the usual case, known without looking
		// each row up again).
		return nil
	}
	var dups []int
	n := len(t.cols)
	for r := 0; r < t.nrows; r++ {
		row := t.cells[r*n : (r+1)*n]
		if first, ok := t.findRow(t.rowHash(row), row); ok && first != r {
			dups = append(dups, r)
		}
	}
	return dups
}

// Lookup returns the row whose primary key is key (one value per key
// column, in order).
func (t *Table) Lookup(key ...Value) (Row, bool) {
	r, ok := t.LookupIndex(key...)
	if !ok {
		return Row{}, false
	}
	return t.Row(r), true
}

// LookupIndex is Lookup returning the number of the row, as Row takes it
// (for the first of rows sharing a key, the first in table order).
func (t *Table) LookupIndex(key ...Value) (int, bool) {
	if len(key) != len(t.keys) || len(t.keys) == 0 {
		return 0, false
	}
	// Most keys have one to three cells: looking a row up allocates
	// nothing (Diff looks up every row of both databases).
	var buf [4]keyPart
	parts := buf[:0]
	if len(t.keys) > len(buf) {
		parts = make([]keyPart, 0, len(t.keys))
	}
	parts = parts[:len(t.keys)]
	for i, k := range t.keys {
		v := key[i]
		if t.cols[k].Type == ColString {
			if v.kind != KindString && v.kind != KindNull {
				return 0, false
			}
			raw, ok := t.pool.rawOf(v)
			if !ok {
				return 0, false
			}
			parts[i].raw = raw
			if v.p == t.pool {
				parts[i].id = v.id // a cell of this database: its long text is hashed once
			} else if id, ok := t.knownString(t.cols[k], v); ok {
				parts[i].id = id
			}
			continue
		}
		c, err := t.cellFromValue(k, v, false)
		if err != nil {
			return 0, false
		}
		parts[i].cell = c
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buildIndex()
	x := t.index
	var h uint64
	var foreign [len(buf)]*foreignPart // of the parts that are long strings of another pool
	for i, k := range t.keys {
		if t.cols[k].Type != ColString {
			h = mix(h, x.cellPart(parts[i].cell))
			continue
		}
		v := key[i]
		if v.p == nil || v.p == t.pool || parts[i].id != 0 || len(parts[i].raw) < longKey || v.p.codec.cp != t.pool.codec.cp || i >= len(foreign) {
			h = mix(h, x.strPart(parts[i].id, parts[i].raw))
			continue
		}
		ref := foreignRef{v.p, v.id, v.p.recodes}
		fp, seen := x.foreign[ref]
		if !seen {
			fp = &foreignPart{hash: maphash.Bytes(x.seed, parts[i].raw)}
			if x.foreign == nil {
				x.foreign = map[foreignRef]*foreignPart{}
			}
			x.foreign[ref] = fp
		}
		if fp.local != 0 {
			parts[i].id = fp.local // a cell of this table with the same bytes: its hash is remembered
		} else {
			foreign[i] = fp
		}
		h = mix(h, fp.hash)
	}
	n := len(t.cols)
	r, ok := x.find(hash32(h), func(r uint32) bool {
		row := t.cells[int(r)*n : int(r+1)*n]
		for i, k := range t.keys {
			if t.cols[k].Type == ColString {
				// The same string (a long one, known by its id, or two
				// ids found to hold the same text) is equal without
				// comparing its bytes again.
				if !x.sameText(row[k], parts[i].id, t.pool.raw(row[k]), parts[i].raw) {
					return false
				}
				if i < len(foreign) && foreign[i] != nil {
					// Equal bytes: the cell stands for the foreign string
					// from now on.
					foreign[i].local, parts[i].id, foreign[i] = row[k], row[k], nil
				}
			} else if row[k] != parts[i].cell {
				return false
			}
		}
		return true
	})
	if !ok {
		return 0, false
	}
	return int(r), true
}

// cellFromValue converts v for column i; add interns new strings.
func (t *Table) cellFromValue(i int, v Value, add bool) (uint32, error) {
	c := t.cols[i]
	if v.kind == KindNull {
		return 0, nil
	}
	switch c.Type {
	case ColInt16:
		if v.kind != KindInt {
			return 0, fmt.Errorf("want an integer, got %s", v.kind)
		}
		if v.n < -math.MaxInt16 || v.n > math.MaxInt16 {
			return 0, fmt.Errorf("%d out of range for a 2-byte integer column (-32767..32767)", v.n)
		}
		return uint32(uint16(int16(v.n)) ^ 0x8000), nil
	case ColInt32:
		if v.kind != KindInt {
			return 0, fmt.Errorf("want an integer, got %s", v.kind)
		}
		if v.n == math.MinInt32 {
			return 0, fmt.Errorf("%d is reserved for null", v.n)
		}
		return uint32(v.n) ^ 0x80000000, nil
	case ColString:
		if v.kind != KindString {
			return 0, fmt.Errorf("want a string, got %s", v.kind)
		}
		if !add {
			if _, ok := t.pool.rawOf(v); !ok {
				return 0, fmt.Errorf("%q cannot be represented in codepage %d", v.s, t.pool.codec.cp)
			}
			return 0, nil
		}
		id, ok := t.pool.idOf(v)
		if !ok {
			return 0, fmt.Errorf("%q cannot be represented in codepage %d", v.s, t.pool.codec.cp)
		}
		return id, nil
	case ColBinary:
		if v.kind != KindBinary {
			return 0, fmt.Errorf("want a binary (stream) value, got %s", v.kind)
		}
		return 1, nil
	}
	return 0, fmt.Errorf("unknown column type")
}

// keyText returns the key values of a candidate row as text, a value
// longer than 1 KiB clipped (internal/clip): they are for messages.
func keyText(t *Table, vals []Value) []string {
	var out []string
	for _, k := range t.keys {
		if k < len(vals) {
			out = append(out, clip.String(vals[k].String()))
		}
	}
	return out
}

// validate checks vals against the schema (and _Validation in strict
// mode) and converts them to cells.
func (t *Table) validate(vals []Value) ([]uint32, error) {
	return t.appendCells(make([]uint32, 0, len(vals)), vals)
}

// appendCells is validate appending the cells to dst (returned unchanged
// with the error if vals are refused). It allocates nothing for values
// that need no conversion, such as ASCII strings.
func (t *Table) appendCells(dst []uint32, vals []Value) ([]uint32, error) {
	if len(vals) != len(t.cols) {
		return dst, &ValueError{Table: t.name, Key: keyText(t, vals), Reason: fmt.Sprintf("got %d values for %d columns", len(vals), len(t.cols))}
	}
	// Convert without interning first, so a refused row adds no strings.
	for i, v := range vals {
		c := t.cols[i]
		verr := func(reason string) error {
			return &ValueError{Table: t.name, Column: c.Name, Key: keyText(t, vals), Reason: reason}
		}
		if v.kind == KindNull {
			if !c.Nullable {
				return dst, verr("null in a non-nullable column")
			}
			continue
		}
		if c.Type == ColString && v.kind == KindString && v.p == t.pool {
			// Already a string of this database (an unchanged cell of an
			// updated row, say): representable, and no longer in UTF-16
			// units than in bytes, so only a long one is measured.
			if c.Size > 0 && len(v.s) > c.Size {
				if n := t.pool.utf16Units(v.id, v.s); n > c.Size {
					if err := t.oversize(c, vals, n); err != nil {
						return dst, err
					}
				}
			}
		} else if id, ok := t.knownString(c, v); ok {
			// A long text interned before in these very bytes: known to
			// be representable, and measured once.
			if c.Size > 0 && len(v.s) > c.Size {
				if n := t.pool.utf16Units(id, v.s); n > c.Size {
					if err := t.oversize(c, vals, n); err != nil {
						return dst, err
					}
				}
			}
		} else if c.Type == ColString && v.kind == KindString && isASCIIString(v.s) {
			// Representable in every codepage; one UTF-16 unit a byte.
			if c.Size > 0 && len(v.s) > c.Size {
				if err := t.oversize(c, vals, len(v.s)); err != nil {
					return dst, err
				}
			}
		} else {
			if _, err := t.cellFromValue(i, v, false); err != nil {
				return dst, verr(err.Error())
			}
			if c.Type == ColString && c.Size > 0 {
				if n := utf16Len(v.s); n > c.Size {
					if err := t.oversize(c, vals, n); err != nil {
						return dst, err
					}
				}
			}
		}
		if t.db.strict {
			if err := t.db.checkValidation(t, c, v); err != nil {
				return dst, verr(err.Error())
			}
		}
	}
	n := len(dst)
	for i, v := range vals {
		c, err := t.cellFromValue(i, v, true)
		if err != nil {
			return dst[:n], &ValueError{Table: t.name, Column: t.cols[i].Name, Key: keyText(t, vals), Reason: err.Error()}
		}
		dst = append(dst, c)
	}
	return dst, nil
}

// knownString returns what the pool remembers of v, a plain string for
// string column c (see stringPool.knownText).
func (t *Table) knownString(c Column, v Value) (uint32, bool) {
	if c.Type != ColString || v.kind != KindString || v.p != nil || len(v.s) < textmemo.Min {
		return 0, false
	}
	return t.pool.knownText(v.s)
}

// oversize handles a string of n UTF-16 units for column c of the row
// vals, longer than the column's declared size. Windows Installer does not
// enforce declared string sizes (the Archive File Format documentation
// says so, and real packages exceed them): the value is kept with a
// warning, and refused only in strict mode.
func (t *Table) oversize(c Column, vals []Value, n int) error {
	msg := fmt.Sprintf("string of %d characters is longer than the column's %d", n, c.Size)
	if t.db.strict {
		return &ValueError{Table: t.name, Column: c.Name, Key: keyText(t, vals), Reason: msg}
	}
	t.db.warnf("table %s column %s row [%s]: %s (kept: Windows Installer does not enforce column sizes)", t.name, c.Name, strings.Join(keyText(t, vals), ", "), msg)
	return nil
}

// utf16Len returns the length of s in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// Insert adds a row. It checks the number of values, their types, nulls,
// string lengths, codepage, and that no row has the same primary key.
// Errors are *ValueError.
func (t *Table) Insert(vals ...Value) error {
	if err := t.writable(); err != nil {
		return err
	}
	cells, err := t.validate(vals)
	if err != nil {
		return err
	}
	t.buildIndex()
	if len(t.keys) > 0 {
		if _, added := t.addRow(t.rowHash(cells), t.nrows, cells); !added {
			return &ValueError{Table: t.name, Key: keyText(t, vals), Reason: "a row with this primary key already exists"}
		}
	}
	t.cells = append(t.cells, cells...)
	t.nrows++
	t.touch()
	return nil
}

// adoptRows makes cells (nrows rows, checked by appendCells) the rows of
// the empty table t, as Insert of each row in turn would: a row whose key
// an earlier row has stops it, with the rows before it kept. It returns
// how many rows the table got. The table takes cells over.
func (t *Table) adoptRows(cells []uint32, nrows int) (int, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	if t.nrows != 0 {
		return 0, fmt.Errorf("msi: table %s is not empty", t.name)
	}
	n := len(t.cols)
	if len(t.keys) == 0 {
		t.cells, t.nrows, t.index = cells[:nrows*n], nrows, nil
	} else {
		t.cells, t.nrows, t.index = cells, 0, newRowIndex(nrows)
		for r := 0; r < nrows; r++ {
			row := cells[r*n : (r+1)*n : (r+1)*n]
			if _, added := t.addRow(t.rowHash(row), r, row); !added {
				t.cells, t.nrows = cells[:r*n], r
				t.touch()
				key := make([]string, 0, len(t.keys))
				for _, ki := range t.keys {
					key = append(key, t.value(row, ki).String())
				}
				return r, &ValueError{Table: t.name, Key: key, Reason: "a row with this primary key already exists"}
			}
			t.nrows++
		}
		t.cells = cells[:nrows*n]
	}
	if nrows > 0 {
		t.touch()
	}
	return nrows, nil
}

// Update finds the row with primary key key, passes a copy of its values
// to set, and stores the values set leaves (after the same checks as
// Insert). Key columns may change; the binary streams of the row are then
// renamed with it, and a new key that cannot name the row's stream (it
// holds NUL, or packs into more than 31 UTF-16 units) is refused with a
// *ValueError. An error from set is returned unchanged.
func (t *Table) Update(key []Value, set func(vals []Value) error) error {
	if err := t.writable(); err != nil {
		return err
	}
	row, ok := t.Lookup(key...)
	if !ok {
		ks := make([]string, len(key))
		for i, v := range key {
			ks[i] = v.String()
		}
		return &ValueError{Table: t.name, Key: ks, Reason: "no row with this primary key"}
	}
	// The row's stream name is made only in a table with a Binary column
	// (a key cell may be a 1 MiB pooled text, updated in thousands of
	// rows).
	var oldName string
	for _, c := range t.cols {
		if c.Type == ColBinary {
			oldName = row.StreamName()
			break
		}
	}
	vals := row.Values()
	if err := set(vals); err != nil {
		return err
	}
	cells, err := t.validate(vals)
	if err != nil {
		return err
	}
	t.buildIndex()
	n := len(t.cols)
	oldHash := t.rowHash(row.cells)
	ri, _ := t.findRow(oldHash, row.cells)
	keyChanged := !t.sameKey(row.cells, cells)
	var newHash uint32
	if keyChanged {
		newHash = t.rowHash(cells)
		if _, dup := t.findRow(newHash, cells); dup {
			return &ValueError{Table: t.name, Key: keyText(t, vals), Reason: "a row with this primary key already exists"}
		}
		if err := t.streamRenameError(oldName, cells, vals); err != nil {
			return err
		}
	}
	copy(t.cells[ri*n:(ri+1)*n], cells)
	if keyChanged {
		t.index.remove(oldHash, uint32(ri))
		t.index.insert(newHash, uint32(ri))
		for i, c := range t.cols {
			if c.Type == ColBinary && cells[i] != 0 {
				t.db.renameStream(oldName, t.Row(ri).StreamName())
				break
			}
		}
	}
	t.touch()
	return nil
}

// streamRenameError reports why the stream oldName of a row, renamed
// with the row to the key of cells (the values vals), cannot be: the new
// key cannot name a stream (it holds NUL, or packs into more than 31
// units), which WriteTo would only find when the database is written. A
// row with no binary cell, or whose binary cells have no stream, has
// nothing to rename. A new name that is another stream's (keys joined by
// "." can name another row's stream), or differs only in case from
// another stream's (the compound file would hold the two as one), is
// refused too.
func (t *Table) streamRenameError(oldName string, cells []uint32, vals []Value) error {
	if oldName == "" || !t.db.hasStream(oldName) {
		return nil
	}
	binary := false
	for i, c := range t.cols {
		binary = binary || c.Type == ColBinary && cells[i] != 0
	}
	if !binary {
		return nil
	}
	keys := make([]Value, 0, len(t.keys))
	for _, k := range t.keys {
		keys = append(keys, vals[k])
	}
	if problem := rowStreamNameProblem(t.name, keys); problem != "" {
		return &ValueError{Table: t.name, Key: keyText(t, vals), Reason: "the row's stream cannot follow the new key: " + problem}
	}
	name := rowStreamName(t.name, keys) // short: the name fits a compound file's entry
	if name != oldName && t.db.hasStream(name) {
		// Keys joined by "." can name another row's stream: ("a.b", "c")
		// and ("a", "b.c") both name T.a.b.c, whose data the rename
		// would replace.
		return &ValueError{Table: t.name, Key: keyText(t, vals), Reason: clip.Sprintf("the row's stream cannot follow the new key: its name %q is another stream's, whose data it would replace", name)}
	}
	if units, err := packName(name, false); err == nil {
		if other := t.db.streamCaseClash(name, units); other != "" && other != oldName {
			return &ValueError{Table: t.name, Key: keyText(t, vals), Reason: clip.Sprintf("the row's stream cannot follow the new key: its name %q differs only in case from the stream %q, and a compound file cannot hold both ([MS-CFB] 2.6.4)", name, other)}
		}
	}
	return nil
}

// DeleteFunc deletes every row for which del returns true and returns how
// many were deleted. Streams of deleted Binary cells are deleted too.
func (t *Table) DeleteFunc(del func(Row) bool) int {
	if t.writable() != nil {
		return 0
	}
	n := len(t.cols)
	hasBinary := false
	for _, c := range t.cols {
		hasBinary = hasBinary || c.Type == ColBinary
	}
	out := make([]uint32, 0, len(t.cells))
	deleted := 0
	for r := 0; r < t.nrows; r++ {
		row := t.Row(r)
		if del(row) {
			deleted++
			if hasBinary {
				row.dropStream()
			}
			continue
		}
		out = append(out, row.cells...)
	}
	if deleted > 0 {
		t.cells = out
		t.nrows = len(out) / max(n, 1)
		t.index = nil
		t.touch()
	}
	return deleted
}

func (t *Table) writable() error {
	if t.system {
		return fmt.Errorf("msi: table %s is read-only", t.name)
	}
	if t.db.kind == PackageTransform {
		return &UnsupportedError{Table: t.name, Msg: "editing transforms is not supported"}
	}
	return nil
}

func (t *Table) touch() {
	t.dirty = true
	t.changes++
	t.db.modified = true
	t.db.contentModified = true
}
