package mst

import (
	"fmt"
	"io"
	"iter"
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
type TableChange struct {
	Name string
	// Created is set when the transform creates the table (a _Tables
	// insert), Dropped when it removes it (a _Tables delete).
	Created, Dropped bool
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

	keys []int // indexes of the key columns

	// Records are kept either as values (built by Diff) or as the raw
	// cells of a transform's stream, decoded on demand.
	recs  []Record
	raw   []rawRecord
	cells []uint32
	pool  *msi.Database // the transform, whose string pool raw cells name
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
	if tc.raw != nil {
		return len(tc.raw)
	}
	return len(tc.recs)
}

// Record returns record i (0 <= i < Len), in stream order.
func (tc *TableChange) Record(i int) Record {
	if tc.raw == nil {
		return tc.recs[i]
	}
	return tc.decode(i, make([]msi.Value, len(tc.Columns)))
}

// decode returns raw record i with its values in vals (len(tc.Columns)).
func (tc *TableChange) decode(i int, vals []msi.Value) Record {
	rr := tc.raw[i]
	r := Record{Op: rr.op, Has: rr.has, Values: vals}
	at := int(rr.off)
	for ci, c := range tc.Columns {
		if rr.has&(1<<ci) == 0 {
			vals[ci] = msi.Null
			continue
		}
		vals[ci] = cellValue(tc.pool, c, tc.cells[at])
		at++
	}
	return r
}

// Records returns an iterator over the records in stream order. The
// Values of a record it yields are valid until the next one is yielded
// (Record returns values of their own).
func (tc *TableChange) Records() iter.Seq[Record] {
	return func(yield func(Record) bool) {
		if tc.raw == nil {
			for _, r := range tc.recs {
				if !yield(r) {
					return
				}
			}
			return
		}
		vals := make([]msi.Value, len(tc.Columns))
		for i := range tc.raw {
			if !yield(tc.decode(i, vals)) {
				return
			}
		}
	}
}

// Key returns the key values of r (a record of this table).
func (tc *TableChange) Key(r Record) []msi.Value {
	return tc.keyInto(r, make([]msi.Value, len(tc.keys)))
}

// keyInto is Key with the values in buf (len(tc.keys)), for loops.
func (tc *TableChange) keyInto(r Record, buf []msi.Value) []msi.Value {
	for i, k := range tc.keys {
		buf[i] = msi.Null
		if k < len(r.Values) {
			buf[i] = r.Values[k]
		}
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
	if tc.raw != nil {
		for _, r := range tc.raw {
			count(r.op)
		}
		return
	}
	for _, r := range tc.recs {
		count(r.Op)
	}
	return
}

// setColumns sets the columns and their key indexes.
func (tc *TableChange) setColumns(cols []msi.Column) {
	tc.Columns = cols
	tc.keys = tc.keys[:0]
	for i, c := range cols {
		if c.Key {
			tc.keys = append(tc.keys, i)
		}
	}
}

// keyMask returns the bits of the key columns.
func (tc *TableChange) keyMask() uint32 {
	var m uint32
	for _, k := range tc.keys {
		m |= 1 << k
	}
	return m
}

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
	if c.streams == nil {
		return nil, fmt.Errorf("mst: no stream source")
	}
	return c.streams.OpenStream(StreamName(tc.Name, tc.Key(r)))
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

// sortTables puts the table changes in name order.
func (c *Changes) sortTables() {
	sort.Slice(c.Tables, func(i, j int) bool { return c.Tables[i].Name < c.Tables[j].Name })
}
