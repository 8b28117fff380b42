package mst

import (
	"encoding/binary"
	"fmt"
	"io"
	"iter"
	"math/bits"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/msikit/msikit/msi"
)

// Op is what a change record does to a row.
type Op uint8

// The record operations.
const (
	Insert Op = iota + 1 // a full row: add it (its key must be new)
	Update               // the cells present replace the row's (the key must exist)
	Delete               // the keys alone: remove the row
)

// String returns "insert", "update" or "delete".
func (o Op) String() string {
	switch o {
	case Insert:
		return "insert"
	case Update:
		return "update"
	case Delete:
		return "delete"
	}
	return "Op(" + strconv.Itoa(int(o)) + ")"
}

// A Record is one change record of a table: an insert, an update or a
// delete of the row with its key.
type Record struct {
	Op Op
	// Has tells which cells the record carries: bit i for column i
	// (0-based, in the table's column order). Key cells are always there;
	// an update carries the columns it changes, an insert every column.
	Has uint32
	// Values holds one value per column of the table, Null where the
	// record has no cell. A binary cell that is not Null names the
	// stream Changes.OpenStream opens.
	Values []msi.Value
}

// Present reports whether the record carries column i's cell.
func (r Record) Present(i int) bool { return i < 32 && r.Has&(1<<i) != 0 }

// TableChange is what a transform does to one table: create it, drop it,
// add columns to it, and the change records of its rows.
//
// Columns and Added are read-only: they may share their arrays with each
// other and with the TableChanges of other tables of the same shape (a
// transform creating 50,000 tables of one shape holds their columns
// once).
type TableChange struct {
	Name string
	// Created is set when the transform creates the table (a _Tables
	// insert), Dropped when it removes it (a _Tables delete).
	Created, Dropped bool

	// keys, beside the flags, keeps a TableChange at 96 bytes (after
	// Size it made 104, a size class of 112: 3.2 MB more for the
	// 200,000 tables msi-50k-empty-tables.msi creates).
	keys uint32 // the key columns: bit i for column i

	// Columns are the table's columns as they stand with the
	// transform's changes, in order: the base's, then the added ones. It
	// is nil when they are unknown: the table is neither in the base nor
	// created by the transform (or no base was given), so its records
	// cannot be decoded.
	Columns []msi.Column
	// Added are the columns the transform defines: every column of a
	// created table, or the ones it appends to an existing table.
	Added []msi.Column
	// Size is the size of the table's change-record stream in bytes.
	Size int

	// Records are kept either as references to the rows of the new
	// database (built by Diff) or as the raw cells of a transform's
	// stream, and decoded on demand; each behind a pointer, nil when
	// there are none, so that a table without records (200,000 tables
	// created empty) costs 96 bytes.
	rows *rowRecords
	raw  *rawRecords
}

// rowRecords are Diff's records of a table.
type rowRecords struct {
	recs   []rowRecord
	src    *msi.Table  // the new database's table rows name
	old    *msi.Table  // the old database's table the fromOld deletes name
	delKey []msi.Value // the keys of Diff's other deletes, nkeys each
}

// rawRecords are the records of a transform's table stream as read.
type rawRecords struct {
	recs  []rawRecord
	cells []uint32
	pool  *msi.Database // the transform, whose string pool the cells name
}

// rowRecord is one record of Diff's: an insert or an update takes the
// cells has names from row of the new table; a delete takes the key
// values at delKey[row*nkeys:].
type rowRecord struct {
	op      Op
	fromOld bool // a delete whose key is that of row of the old table
	has     uint32
	row     uint32
}

// rawRecord is one record of a transform stream: its cells are
// cells[off:off+popcount(has)].
type rawRecord struct {
	op  Op
	has uint32
	off uint32
}

// Len returns the number of change records (0 when they are unknown).
func (tc *TableChange) Len() int {
	switch {
	case tc.raw != nil:
		return len(tc.raw.recs)
	case tc.rows != nil:
		return len(tc.rows.recs)
	}
	return 0
}

// Record returns record i (0 <= i < Len), in stream order.
func (tc *TableChange) Record(i int) Record {
	return tc.decode(i, make([]msi.Value, len(tc.Columns)))
}

// decode returns record i with its values in vals (len(tc.Columns)).
func (tc *TableChange) decode(i int, vals []msi.Value) Record {
	if tc.raw == nil {
		return tc.decodeRow(i, vals)
	}
	rr := tc.raw.recs[i]
	r := Record{Op: rr.op, Has: rr.has, Values: vals}
	at := int(rr.off)
	for ci, c := range tc.Columns {
		if rr.has&(1<<ci) == 0 {
			vals[ci] = msi.Null
			continue
		}
		vals[ci] = cellValue(tc.raw.pool, c, tc.raw.cells[at])
		at++
	}
	return r
}

// decodeRow returns Diff's record i with its values in vals.
func (tc *TableChange) decodeRow(i int, vals []msi.Value) Record {
	rr := tc.rows.recs[i]
	r := Record{Op: rr.op, Has: rr.has, Values: vals}
	clear(vals)
	if rr.op == Delete && rr.fromOld {
		row := tc.rows.old.Row(int(rr.row))
		for m := tc.keys; m != 0; m &= m - 1 {
			ci := bits.TrailingZeros32(m)
			vals[ci] = row.At(ci)
		}
		return r
	}
	if rr.op == Delete {
		k := tc.rows.delKey[int(rr.row)*tc.nkeys():]
		j := 0
		for m := tc.keys; m != 0; m &= m - 1 {
			vals[bits.TrailingZeros32(m)] = k[j]
			j++
		}
		return r
	}
	row := tc.rows.src.Row(int(rr.row))
	for ci := range vals {
		if rr.has&(1<<ci) != 0 && ci < row.Len() {
			vals[ci] = row.At(ci)
		}
	}
	return r
}

// Records returns an iterator over the records in stream order. The
// Values of a record it yields are valid until the next one is yielded
// (Record returns values of their own).
func (tc *TableChange) Records() iter.Seq[Record] {
	return func(yield func(Record) bool) {
		vals := make([]msi.Value, len(tc.Columns))
		for i := range tc.Len() {
			if !yield(tc.decode(i, vals)) {
				return
			}
		}
	}
}

// Key returns the key values of r (a record of this table).
func (tc *TableChange) Key(r Record) []msi.Value {
	return tc.keyInto(r, make([]msi.Value, tc.nkeys()))
}

// nkeys returns the number of key columns.
func (tc *TableChange) nkeys() int { return bits.OnesCount32(tc.keys) }

// keyInto is Key with the values in buf (len tc.nkeys()), for loops.
func (tc *TableChange) keyInto(r Record, buf []msi.Value) []msi.Value {
	i := 0
	for m := tc.keys; m != 0; m &= m - 1 {
		k := bits.TrailingZeros32(m)
		buf[i] = msi.Null
		if k < len(r.Values) {
			buf[i] = r.Values[k]
		}
		i++
	}
	return buf
}

// Counts returns how many records insert, update and delete rows.
func (tc *TableChange) Counts() (inserts, updates, deletes int) {
	count := func(op Op) {
		switch op {
		case Insert:
			inserts++
		case Update:
			updates++
		case Delete:
			deletes++
		}
	}
	switch {
	case tc.raw != nil:
		for _, r := range tc.raw.recs {
			count(r.op)
		}
	case tc.rows != nil:
		for _, r := range tc.rows.recs {
			count(r.op)
		}
	}
	return
}

// setColumns sets the columns and their key bits.
func (tc *TableChange) setColumns(cols []msi.Column) {
	tc.Columns = cols
	tc.keys = 0
	for i, c := range cols {
		if c.Key && i < 32 {
			tc.keys |= 1 << i
		}
	}
}

// keyMask returns the bits of the key columns.
func (tc *TableChange) keyMask() uint32 { return tc.keys }

// cellValue decodes one raw cell of column c; string ids were checked
// against the pool when the stream was read.
func cellValue(pool *msi.Database, c msi.Column, cell uint32) msi.Value {
	if cell == 0 {
		return msi.Null
	}
	switch c.Type {
	case msi.ColInt16:
		return msi.IntValue(int32(int16(uint16(cell) ^ 0x8000)))
	case msi.ColInt32:
		return msi.IntValue(int32(cell ^ 0x80000000))
	case msi.ColBinary:
		return msi.BinaryValue()
	}
	v, _ := pool.PoolString(cell)
	return v
}

// Changes is everything a transform changes in a database, decoded against
// that database (Transform.Decode), or computed between two databases
// (Diff). Apply applies it, Write writes it as a transform, WriteText shows
// it as rows.
type Changes struct {
	// Codepage is the codepage of the transform's strings (0: neutral).
	// A Codepage other than 0 that differs from the database's changes
	// the database's codepage when the changes are applied.
	Codepage int
	// CodepageChange is set when Codepage differs from the database's
	// and is not neutral: the changes set the database's codepage (Diff:
	// the two databases' codepages differ; Decode: the transform's
	// differs from the base's).
	CodepageChange bool
	// Tables lists the tables the changes touch, in name order.
	Tables []*TableChange
	// Unused lists the streams of the transform that no binary cell of
	// its records names (other than the summary information); Apply
	// ignores them.
	Unused []string
	// Unexpressible lists what Diff found different but a transform
	// cannot carry (empty for a decoded transform).
	Unexpressible []Difference

	streams streamOpener // the transform, or the new database of a Diff
	size    int64        // the size of the transform (or of the new database)
}

// streamOpener opens streams by name (an *msi.Database).
type streamOpener interface {
	OpenStream(name string) (*io.SectionReader, error)
}

// Table returns the change of table name, or nil.
func (c *Changes) Table(name string) *TableChange {
	i := sort.Search(len(c.Tables), func(i int) bool { return c.Tables[i].Name >= name })
	if i < len(c.Tables) && c.Tables[i].Name == name {
		return c.Tables[i]
	}
	return nil
}

// Empty reports whether the changes change nothing.
func (c *Changes) Empty() bool {
	if c.CodepageChange {
		return false
	}
	for _, t := range c.Tables {
		if t.Created || t.Dropped || len(t.Added) > 0 || t.Len() > 0 || t.Columns == nil && t.Size > 0 {
			return false
		}
	}
	return true
}

// OpenStream opens the data of a binary cell of a record of table tc:
// the stream "Table.Key1.Key2..." of the transform (or of the new
// database, for changes from Diff).
func (c *Changes) OpenStream(tc *TableChange, r Record) (*io.SectionReader, error) {
	return c.openStream(StreamName(tc.Name, tc.Key(r)))
}

// openStream opens the stream of c's source named name.
func (c *Changes) openStream(name string) (*io.SectionReader, error) {
	if c.streams == nil {
		return nil, fmt.Errorf("mst: no stream source")
	}
	return c.streams.OpenStream(name)
}

// StreamName returns the name of the stream a binary cell of the row with
// key in table names: the table and the key values joined by "." (integers
// in decimal), as databases and transforms name them.
func StreamName(table string, key []msi.Value) string {
	var b strings.Builder
	b.WriteString(table)
	for _, k := range key {
		b.WriteByte('.')
		b.WriteString(k.String())
	}
	return b.String()
}

// maxShapes bounds the shapes a columnSets remembers.
const maxShapes = 1024

// columnSets shares one []msi.Column among the tables of one shape. It
// remembers at most maxShapes shapes, so that tables of as many shapes
// as tables cost no more than they would unshared.
type columnSets struct {
	m   map[string][]msi.Column
	key []byte
}

// intern returns a slice equal to cols, shared with the earlier calls
// given the same columns; cols itself is kept (not copied) when it is the
// first of its shape.
func (s *columnSets) intern(cols []msi.Column) []msi.Column { return s.share(cols, false) }

// internCopy is intern for a cols the caller reuses: it is copied when
// it is the first of its shape.
func (s *columnSets) internCopy(cols []msi.Column) []msi.Column { return s.share(cols, true) }

func (s *columnSets) share(cols []msi.Column, copyNew bool) []msi.Column {
	if cols == nil {
		return nil
	}
	if s.m == nil {
		s.m = map[string][]msi.Column{}
	}
	k := s.key[:0]
	for _, c := range cols {
		k = binary.LittleEndian.AppendUint16(k, c.TypeBits())
		k = binary.AppendUvarint(k, uint64(c.Size))
		k = binary.AppendUvarint(k, uint64(c.Number))
		k = binary.AppendUvarint(k, uint64(len(c.Name)))
		k = append(k, c.Name...)
	}
	s.key = k
	if shared, ok := s.m[string(k)]; ok {
		return shared
	}
	if copyNew {
		cols = slices.Clone(cols)
	}
	if len(s.m) < maxShapes {
		s.m[string(k)] = cols
	}
	return cols
}
