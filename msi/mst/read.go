package mst

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"strings"

	"github.com/msikit/msikit/msi"
)

// Transform is an open transform: a .mst file, or a transform stored in a
// package (an embedded transform) or in a patch.
type Transform struct {
	db      *msi.Database
	name    string
	owned   bool // Close closes db
	info    *msi.SummaryInfo
	summary Summary
}

// Open opens the transform file name. Close releases it.
func Open(name string) (*Transform, error) {
	db, err := msi.Open(name)
	if err != nil {
		return nil, err
	}
	t, err := newTransform(db, name)
	if err != nil {
		db.Close()
		return nil, err
	}
	t.owned = true
	return t, nil
}

// New reads the transform db: a database of kind msi.PackageTransform,
// from msi.Open or msi.NewDatabase, or a sub-storage
// (Database.OpenStorage) of a package or a patch. The transform reads
// from db, which the caller keeps open.
func New(db *msi.Database) (*Transform, error) {
	return newTransform(db, db.Path())
}

func newTransform(db *msi.Database, name string) (*Transform, error) {
	if db.Kind() != msi.PackageTransform {
		return nil, &msi.UnsupportedError{Msg: fmt.Sprintf("a %v is not a transform (its root CLSID is not %s)", db.Kind(), msi.CLSIDTransform)}
	}
	si, err := db.SummaryInfo()
	if err != nil {
		return nil, err
	}
	return &Transform{db: db, name: name, info: si, summary: ParseSummary(si)}, nil
}

// OpenEmbedded opens the transform name stored in the package or patch db (a
// sub-storage: name is what follows the ":" in TRANSFORMS=:name, or a
// transform a patch lists in its PID 8).
func OpenEmbedded(db *msi.Database, name string) (*Transform, error) {
	sub, err := db.OpenStorage(name)
	if err != nil {
		return nil, err
	}
	t, err := newTransform(sub, name)
	if err != nil {
		return nil, fmt.Errorf("mst: storage %s: %w", name, err)
	}
	return t, nil
}

// Close closes the file Open opened; for a transform from New or
// OpenEmbedded it does nothing.
func (t *Transform) Close() error {
	if t.owned {
		return t.db.Close()
	}
	return nil
}

// Name returns the file name or storage name the transform was opened by.
func (t *Transform) Name() string { return t.name }

// Database returns the transform's storage as a database (its string
// pool, streams and summary information).
func (t *Transform) Database() *msi.Database { return t.db }

// Summary returns the transform fields of the summary information.
func (t *Transform) Summary() Summary { return t.summary }

// SummaryInfo returns the transform's summary information.
func (t *Transform) SummaryInfo() *msi.SummaryInfo { return t.info }

// Codepage returns the codepage of the transform's string pool.
func (t *Transform) Codepage() int { return t.db.Codepage() }

// The schema of the system tables as a transform stores their records.
var (
	tablesColumns = []msi.Column{
		{Name: "Name", Type: msi.ColString, Size: 64, Key: true, Number: 1},
	}
	columnsColumns = []msi.Column{
		{Name: "Table", Type: msi.ColString, Size: 64, Key: true, Number: 1},
		{Name: "Number", Type: msi.ColInt16, Size: 2, Key: true, Number: 2},
		{Name: "Name", Type: msi.ColString, Size: 64, Number: 3},
		{Name: "Type", Type: msi.ColInt16, Size: 2, Number: 4},
	}
)

// newColumn is a _Columns record that adds a column.
type newColumn struct {
	number int // 0: the next one
	col    msi.Column
}

// Decode reads the transform's change records against base, the database
// it is to be applied to: the columns of the tables it changes come from
// base, with the transform's own _Columns records, and the records are
// decoded with them. base may be nil: then only the tables the transform
// creates are decoded, and the others keep Columns nil and their Size.
//
// Malformed records give errors matching msi.ErrFormat that name the
// table stream and offset; schema changes Windows Installer cannot make
// (removing or changing a column) are *msi.UnsupportedError.
func (t *Transform) Decode(base *msi.Database) (*Changes, error) {
	c := &Changes{Codepage: t.db.Codepage(), streams: t.db, size: t.db.Size()}
	c.CodepageChange = c.Codepage != 0 && (base == nil || base.Codepage() != c.Codepage)
	var all []TableChange // allocated a chunk at a time, not a TableChange each
	err := t.decodeEach(base, func(tc *TableChange) error {
		// tc is reused for the next table: keep a copy.
		if len(all) == cap(all) {
			all = make([]TableChange, 0, min(max(2*cap(all), 16), 4096))
		}
		all = append(all, *tc)
		c.Tables = append(c.Tables, &all[len(all)-1])
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.Unused = t.unusedStreams(c)
	return c, nil
}

// decodeEach is Decode giving the tables' changes to each, one at a
// time in name order, with tc valid only during the call: the read-back
// of a transform Save wrote holds one table's records at a time.
//
// The tables are gathered by name from the _Tables and _Columns records
// and the table streams, without a map or a list of columns per table:
// a transform creating 200,000 tables costs their names and the records
// as read, and their columns once per shape.
func (t *Transform) decodeEach(base *msi.Database, each func(tc *TableChange) error) error {
	b := newBudget("the records", t.db.Size())
	// _Tables: tables created and dropped.
	sys := &TableChange{Name: "_Tables"}
	sys.setColumns(tablesColumns)
	if err := t.readRecords(sys, b); err != nil {
		return err
	}
	names := make([]string, 0, sys.Len())
	var bad error // the first record that is wrong by itself
	var inserts []uint32
	for r := range sys.Records() {
		name := r.Values[0].Str()
		if name == "" {
			bad = &msi.FormatError{Table: "_Tables", Stream: "_Tables", Offset: -1, Msg: "a record names no table"}
			break
		}
		switch r.Op {
		case Insert:
			inserts = append(inserts, uint32(len(names)))
		case Delete:
		default:
			bad = &msi.UnsupportedError{Table: "_Tables", Msg: fmt.Sprintf("an update of the _Tables row of %s", name)}
		}
		if bad != nil {
			break
		}
		names = append(names, name)
	}
	// A table created twice before that record: the first such second
	// creation is the error, as reading the records in order finds it.
	slices.SortStableFunc(inserts, func(a, b uint32) int { return strings.Compare(names[a], names[b]) })
	twice := -1
	for i := 1; i < len(inserts); i++ {
		if names[inserts[i]] == names[inserts[i-1]] && (twice < 0 || inserts[i] < uint32(twice)) {
			twice = int(inserts[i])
		}
	}
	if twice >= 0 {
		return &msi.FormatError{Table: "_Tables", Stream: "_Tables", Offset: -1, Msg: fmt.Sprintf("table %s is created twice", names[twice])}
	}
	if bad != nil {
		return bad
	}
	inserts = nil
	// The _Tables records by table name.
	sysRecs := make([]uint32, len(names))
	for i := range sysRecs {
		sysRecs[i] = uint32(i)
	}
	sysNames := names
	slices.SortStableFunc(sysRecs, func(a, b uint32) int { return strings.Compare(sysNames[a], sysNames[b]) })

	// _Columns: columns of new tables, columns added to existing ones.
	cols := &TableChange{Name: "_Columns"}
	cols.setColumns(columnsColumns)
	if err := t.readRecords(cols, b); err != nil {
		return err
	}
	colNames := make([]string, 0, cols.Len())
	for r := range cols.Records() {
		table := r.Values[0].Str()
		if r.Op != Insert {
			return &msi.UnsupportedError{Table: "_Columns", Msg: fmt.Sprintf("a %s of column %s of table %s: a transform can only add columns", r.Op, r.Values[1], table)}
		}
		if table == "" || r.Values[2].IsNull() || r.Values[3].IsNull() {
			return &msi.FormatError{Table: "_Columns", Stream: "_Columns", Offset: -1, Msg: fmt.Sprintf("column record of table %q without a name or type", table)}
		}
		if _, err := msi.ColumnFromType(uint16(r.Values[3].Int())); err != nil {
			return &msi.FormatError{Table: "_Columns", Stream: "_Columns", Offset: -1, Msg: fmt.Sprintf("table %s column %s", table, r.Values[2].Str()), Err: err}
		}
		colNames = append(colNames, table)
	}
	// The column records by table, in record order within a table.
	colRecs := make([]uint32, len(colNames))
	for i := range colRecs {
		colRecs[i] = uint32(i)
	}
	slices.SortStableFunc(colRecs, func(a, b uint32) int { return strings.Compare(colNames[a], colNames[b]) })

	// The other table streams: their records (TableNames is a new
	// slice, sorted).
	tableNames := slices.DeleteFunc(t.db.TableNames(), func(name string) bool { return name == "_Tables" || name == "_Columns" })

	// The tables are those of the three lists, each sorted by name,
	// merged: not a fourth list of all their names sorted again (6.4 MB
	// and a sort of 400,000 names for a transform creating 200,000
	// tables). sysAt, colAt and streamAt are the next entry of each.
	sysAt, colAt, streamAt := 0, 0, 0
	// take returns the records of recs (sorted by their names) that
	// name table, which are at *at when any do, and moves *at past them.
	take := func(recs []uint32, recNames []string, at *int, table string) []uint32 {
		lo := *at
		for *at < len(recs) && recNames[recs[*at]] == table {
			*at++
		}
		return recs[lo:*at]
	}
	var shapes columnSets
	var added []newColumn
	colVals := make([]msi.Value, len(columnsColumns))
	var scratch []msi.Column
	var tc TableChange
	var nameBytes int64 // of the columns the tables add, a name counted for each (maxColumnNameBytes)
	for {
		// The least name of the three lists' next entries.
		var name string
		found := false
		least := func(n string) {
			if !found || n < name {
				name, found = n, true
			}
		}
		if sysAt < len(sysRecs) {
			least(sysNames[sysRecs[sysAt]])
		}
		if colAt < len(colRecs) {
			least(colNames[colRecs[colAt]])
		}
		if streamAt < len(tableNames) {
			least(tableNames[streamAt])
		}
		if !found {
			break
		}
		for streamAt < len(tableNames) && tableNames[streamAt] == name {
			streamAt++
		}
		tc = TableChange{Name: name}
		for _, ri := range take(sysRecs, sysNames, &sysAt, name) {
			if sys.raw.recs[ri].op == Insert {
				tc.Created = true
			} else {
				tc.Dropped = true
			}
		}
		added = added[:0]
		for _, ri := range take(colRecs, colNames, &colAt, name) {
			r := cols.decode(int(ri), colVals)
			col, _ := msi.ColumnFromType(uint16(r.Values[3].Int())) // checked above
			col.Name = r.Values[2].Str()
			if nameBytes += int64(len(col.Name)); nameBytes > maxColumnNameBytes {
				return fmt.Errorf("%w: table %s: the names of the columns the transform's tables add come to more than %d MiB (a name counts for each table that has it)", ErrLimit, name, maxColumnNameBytes>>20)
			}
			nc := newColumn{col: col}
			if !r.Values[1].IsNull() {
				nc.number = int(r.Values[1].Int())
			}
			added = append(added, nc)
		}
		var baseCols []msi.Column
		if base != nil && !tc.Created && base.HasTable(tc.Name) {
			bt, err := base.Table(tc.Name)
			if err != nil {
				return err
			}
			baseCols = bt.Columns()
		}
		switch {
		case tc.Created:
			all, err := numberColumns(scratch, tc.Name, nil, added)
			if err != nil {
				return err
			}
			scratch = all
			all = shapes.internCopy(all)
			tc.Added = all
			tc.setColumns(all)
		case baseCols != nil:
			all, err := numberColumns(scratch, tc.Name, baseCols, added)
			if err != nil {
				return err
			}
			scratch = all
			all = shapes.internCopy(all)
			tc.Added = all[len(baseCols):]
			tc.setColumns(all)
		default:
			// Unknown table: keep what the transform adds, undecoded.
			for _, nc := range added {
				col := nc.col
				col.Number = nc.number
				tc.Added = append(tc.Added, col)
			}
		}
		if err := t.readRecords(&tc, b); err != nil {
			return err
		}
		if err := each(&tc); err != nil {
			return err
		}
	}
	return nil
}

// numberColumns appends the added columns to cols, numbering them, into
// dst (reused: its contents are overwritten): a null
// Number takes the next one; a given Number must be the next one (a
// transform cannot reorder columns). Added key columns must come first in
// a new table and are refused on an existing one.
func numberColumns(dst []msi.Column, table string, cols []msi.Column, add []newColumn) ([]msi.Column, error) {
	out := append(dst[:0], cols...)
	existing := len(cols) > 0
	for _, nc := range add {
		col := nc.col
		next := len(out) + 1
		if nc.number != 0 && nc.number != next {
			return nil, &msi.UnsupportedError{Table: table, Msg: fmt.Sprintf("column %s is numbered %d where the next column is %d", col.Name, nc.number, next)}
		}
		if next > 32 {
			return nil, &msi.FormatError{Table: table, Stream: "_Columns", Offset: -1, Msg: "more than 32 columns"}
		}
		if col.Key && (existing || len(out) > 0 && !out[len(out)-1].Key) {
			return nil, &msi.UnsupportedError{Table: table, Msg: fmt.Sprintf("key column %s added after non-key columns", col.Name)}
		}
		for _, o := range out {
			if o.Name == col.Name {
				return nil, &msi.FormatError{Table: table, Stream: "_Columns", Offset: -1, Msg: fmt.Sprintf("column %s defined twice", col.Name)}
			}
		}
		col.Number = next
		out = append(out, col)
	}
	return out, nil
}

// readRecords decodes the change-record stream of tc (nothing when the
// transform has none) with tc's columns; without columns it only records
// the stream's size.
func (t *Transform) readRecords(tc *TableChange, b *budget) error {
	data, ok, err := t.db.RawTableStream(tc.Name)
	if err != nil || !ok {
		return err
	}
	tc.Size = len(data)
	if tc.Columns == nil {
		return nil
	}
	return decodeRecords(tc, t.db, data, t.db.StringRefSize(), t.db.PoolLen(), func(id uint32) int {
		v, _ := t.db.PoolString(id)
		return len(v.Str())
	}, b)
}

// decodeRecords parses a table's change records into tc.raw.
// Each record is a 16-bit mask and cells: bit 0 set, a full row of
// mask>>8 cells (columns 1 to n); 0, a delete (key cells); otherwise a
// bitmap of the columns present, keys always. Integer cells are 2 or 4
// bytes, binary cells 2, string cells refSize; nothing is trusted: every
// record must fit the stream and every string id the pool, and the
// strings the records name (strLen gives their length) are spent from b:
// each distinct string its length once (b.firstUse), and each further
// cell naming it the cell's width, as a record only keeps the id: 100,000
// records naming one 64 KiB string cost 64 KiB and 200 KB, not 6.4 GB.
func decodeRecords(tc *TableChange, pool *msi.Database, data []byte, refSize, poolLen int, strLen func(uint32) int, b *budget) error {
	ncols := len(tc.Columns)
	keyMask := tc.keyMask()
	all := uint32(1)<<ncols - 1
	ferr := func(off int, format string, args ...any) error {
		return &msi.FormatError{Table: tc.Name, Stream: tc.Name, Offset: int64(off), Msg: fmt.Sprintf(format, args...)}
	}
	nrecs, ncells := countRecords(tc, data, refSize)
	raw := &rawRecords{recs: make([]rawRecord, 0, nrecs), cells: make([]uint32, 0, ncells), pool: pool}
	tc.raw = raw
	for off := 0; off < len(data); {
		start := off
		if len(data)-off < 2 {
			return ferr(off, "record truncated (%d byte left)", len(data)-off)
		}
		mask := uint32(binary.LittleEndian.Uint16(data[off:]))
		off += 2
		var rr rawRecord
		switch {
		case mask&1 != 0:
			n := int(mask >> 8)
			if n == 0 || n > ncols {
				return ferr(start, "full row of %d cells for a table of %d columns", n, ncols)
			}
			rr.op, rr.has = Insert, uint32(1)<<n-1
			if rr.has&keyMask != keyMask {
				return ferr(start, "full row of %d cells without the whole key", n)
			}
		case mask == 0:
			rr.op, rr.has = Delete, keyMask
		default:
			if mask&^all != 0 {
				return ferr(start, "record mask 0x%04x names columns the table (%d columns) does not have", mask, ncols)
			}
			rr.op, rr.has = Update, mask|keyMask
		}
		rr.off = uint32(len(raw.cells))
		for i, col := range tc.Columns {
			if rr.has&(1<<i) == 0 {
				continue
			}
			w := 2
			switch col.Type {
			case msi.ColInt32:
				w = 4
			case msi.ColString:
				w = refSize
			}
			if len(data)-off < w {
				return ferr(start, "record truncated in column %s", col.Name)
			}
			var v uint32
			switch w {
			case 2:
				v = uint32(binary.LittleEndian.Uint16(data[off:]))
			case 3:
				v = uint32(data[off]) | uint32(data[off+1])<<8 | uint32(data[off+2])<<16
			case 4:
				v = binary.LittleEndian.Uint32(data[off:])
			}
			if col.Type == msi.ColString && v != 0 {
				if int64(v) >= int64(poolLen) {
					return ferr(off, "column %s: string id %d past the end of the transform's string pool (%d entries)", col.Name, v, poolLen)
				}
				n := w
				if b.firstUse(v, poolLen) {
					n = strLen(v)
				}
				if err := b.spend(n, tc.Name); err != nil {
					return err
				}
			}
			raw.cells = append(raw.cells, v)
			off += w
		}
		raw.recs = append(raw.recs, rr)
	}
	return nil
}

// countRecords returns how many records, and cells, decodeRecords finds
// in data before the end or the first record that is wrong, for sizing
// its lists once. Sized for the worst case (every record a mask and one
// 2-byte cell), the lists of a Registry stream of 380,000 inserts of six
// cells took 5 bytes for each byte of the stream, twice what they hold.
func countRecords(tc *TableChange, data []byte, refSize int) (recs, cells int) {
	ncols := len(tc.Columns)
	if ncols == 0 || ncols > 32 {
		return 0, 0
	}
	keyMask := tc.keyMask()
	all := uint32(1)<<ncols - 1
	var width [32]int
	for i, col := range tc.Columns {
		switch col.Type {
		case msi.ColInt32:
			width[i] = 4
		case msi.ColString:
			width[i] = refSize
		default:
			width[i] = 2
		}
	}
	for off := 0; len(data)-off >= 2; {
		mask := uint32(binary.LittleEndian.Uint16(data[off:]))
		var has uint32
		switch {
		case mask&1 != 0:
			n := int(mask >> 8)
			if n == 0 || n > ncols {
				return recs, cells
			}
			has = uint32(1)<<n - 1
		case mask == 0:
			has = keyMask
		default:
			if mask&^all != 0 {
				return recs, cells
			}
			has = mask | keyMask
		}
		size := 2
		for m := has; m != 0; m &= m - 1 {
			size += width[bits.TrailingZeros32(m)]
		}
		if len(data)-off < size {
			return recs, cells
		}
		off += size
		recs++
		cells += bits.OnesCount32(has)
	}
	return recs, cells
}

// unusedStreams lists the transform's streams no binary cell names.
func (t *Transform) unusedStreams(c *Changes) []string {
	used := map[string]bool{msi.SummaryInfoStream: true}
	for _, tc := range c.Tables {
		var binary []int
		for i, col := range tc.Columns {
			if col.Type == msi.ColBinary {
				binary = append(binary, i)
			}
		}
		if binary == nil {
			continue
		}
		for r := range tc.Records() {
			for _, i := range binary {
				if r.Op != Delete && r.Present(i) && !r.Values[i].IsNull() {
					used[StreamName(tc.Name, tc.Key(r))] = true
				}
			}
		}
	}
	var out []string
	for _, s := range t.db.Streams() {
		if !used[s.Name] {
			out = append(out, s.Name)
		}
	}
	sort.Strings(out)
	return out
}
