package msi

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
)

// CreateTable adds an empty table. Columns are given in order; Number is
// assigned from the position. At least one column must be a key column
// and key columns must come first. The names Windows Installer reserves
// (_StringPool, _StringData, _Tables, _Columns, _Streams, _Storages,
// _TransformView) and the IDT pseudo-tables _SummaryInformation and
// _ForceCodepage are refused, as are names that are not UTF-8 or that the
// codepage cannot represent (the written database would give them back
// as other text) and a table name that differs only in case from another
// table's, whose stream would be the same compound-file entry.
func (db *Database) CreateTable(name string, cols []Column) (*Table, error) {
	if db.kind == PackageTransform {
		return nil, &UnsupportedError{Table: name, Msg: "editing transforms is not supported"}
	}
	verr := func(col, reason string) error { return &ValueError{Table: name, Column: col, Reason: reason} }
	if name == "" {
		return nil, verr("", "invalid table name")
	}
	if why := reservedTableName(name); why != "" {
		return nil, verr("", "the name is reserved: "+why)
	}
	if why := db.nameError(name); why != "" {
		return nil, verr("", why)
	}
	if db.byName[name] != nil {
		return nil, verr("", "table already exists")
	}
	units, err := packName(name, true)
	if err != nil {
		return nil, verr("", "table stream: "+nameProblem(err))
	}
	if other := db.tableCaseClash(name, units); other != "" {
		return nil, verr("", clip.Sprintf("the name differs only in case from table %q: a compound file cannot hold both tables' streams ([MS-CFB] 2.6.4)", other))
	}
	if len(cols) == 0 || len(cols) > 32 {
		return nil, verr("", fmt.Sprintf("a table needs 1 to 32 columns, got %d", len(cols)))
	}
	out := make([]Column, len(cols))
	seen := map[string]bool{}
	keysDone := false
	nkeys := 0
	for i, c := range cols {
		if c.Name == "" || seen[c.Name] {
			return nil, verr(c.Name, "empty or duplicate column name")
		}
		if why := db.nameError(c.Name); why != "" {
			return nil, verr(c.Name, why)
		}
		seen[c.Name] = true
		switch c.Type {
		case ColInt16:
			if c.Size != 1 {
				c.Size = 2 // 1: a one-byte integer column ("i1"), stored as 2 bytes
			}
		case ColInt32:
			c.Size = 4
		case ColString:
			if c.Size < 0 || c.Size > 255 {
				return nil, verr(c.Name, "string size must be 0..255")
			}
		case ColBinary:
			c.Size = 0
			if c.Key {
				return nil, verr(c.Name, "a binary column cannot be a key")
			}
		default:
			return nil, verr(c.Name, "unknown column type")
		}
		if c.Type != ColString {
			c.Localizable = false
		}
		if c.Key {
			if keysDone {
				return nil, verr(c.Name, "key columns must come first")
			}
			nkeys++
		} else {
			keysDone = true
		}
		c.Number = i + 1
		out[i] = c // a type read from a file (Column.TypeBits) is kept when it still fits
	}
	if nkeys == 0 {
		return nil, verr("", "a table needs at least one key column")
	}
	// The shape of the table made before, when the columns are the
	// same: tables of one shape cost a Table each, not a copy of the
	// shape each, as loadSchema shares them (a schema is never changed
	// in place). 100 bytes a table of one column less.
	s := db.created
	if s == nil || s.pool != db.pool || !slices.Equal(s.cols, out) {
		s = &tableSchema{cols: out, keys: keyIndexes(out), pool: db.pool}
		db.created = s
	}
	t := &Table{tableSchema: s, db: db, name: name, loaded: true, dirty: true}
	db.tables = append(db.tables, t)
	db.byName[name] = t
	db.noteCase(db.tableCase, name, units)
	db.schemaDirty = true
	db.schemaView = [2]*Table{}
	db.modified = true
	db.contentModified = true
	for i, d := range db.dropped {
		if d == name {
			db.dropped = append(db.dropped[:i], db.dropped[i+1:]...)
			break
		}
	}
	return t, nil
}

// AddColumn appends a column to the table, as SQL's ALTER TABLE ADD and
// a transform's _Columns records do: every existing row gets Null in it
// (also in a column that is not nullable, as a transform leaves them until
// its records update the rows: set them with Update). It cannot be a key
// column (keys come first). Its Number is the next one; a name the table
// has, a 33rd column, a name that is not UTF-8 or that the codepage
// cannot represent, or a system table are refused with a *ValueError.
func (t *Table) AddColumn(c Column) error {
	if err := t.writable(); err != nil {
		return err
	}
	verr := func(reason string) error { return &ValueError{Table: t.name, Column: c.Name, Reason: reason} }
	switch {
	case c.Name == "":
		return verr("empty column name")
	case t.colIndex(c.Name) >= 0:
		return verr("the table already has this column")
	case len(t.cols) >= maxColumns:
		return verr(fmt.Sprintf("a table has at most %d columns", maxColumns))
	case t.db.nameError(c.Name) != "":
		return verr(t.db.nameError(c.Name))
	case c.Key:
		return verr("a key column cannot be added to an existing table")
	}
	switch c.Type {
	case ColInt16:
		if c.Size != 1 {
			c.Size = 2
		}
	case ColInt32:
		c.Size = 4
	case ColString:
		if c.Size < 0 || c.Size > 255 {
			return verr("string size must be 0..255")
		}
	case ColBinary:
		c.Size = 0
	default:
		return verr("unknown column type")
	}
	if c.Type != ColString {
		c.Localizable = false
	}
	c.Number = len(t.cols) + 1
	n := len(t.cols)
	cells := make([]uint32, 0, (n+1)*t.nrows)
	for r := 0; r < t.nrows; r++ {
		cells = append(cells, t.cells[r*n:(r+1)*n]...)
		cells = append(cells, 0)
	}
	t.tableSchema = &tableSchema{cols: append(slices.Clone(t.cols), c), keys: t.keys, pool: t.pool}
	t.cells = cells
	t.db.schemaDirty = true
	t.db.schemaView = [2]*Table{}
	t.touch()
	return nil
}

// DropTable removes a table, its rows and the streams of its Binary cells.
func (db *Database) DropTable(name string) error {
	t := db.byName[name]
	if t == nil {
		return fmt.Errorf("%w %q", ErrNoTable, name)
	}
	if err := t.writable(); err != nil {
		return err
	}
	if err := db.load(t); err == nil {
		for _, c := range t.cols {
			if c.Type == ColBinary {
				for r := range t.Rows() {
					r.dropStream()
				}
				break
			}
		}
	}
	for i, x := range db.tables {
		if x == t {
			db.tables = append(db.tables[:i], db.tables[i+1:]...)
			break
		}
	}
	delete(db.byName, name)
	db.dropped = append(db.dropped, name)
	db.schemaDirty = true
	db.schemaView = [2]*Table{}
	db.modified = true
	db.contentModified = true
	return nil
}

// SetStream adds or replaces the stream name (a decoded name such as
// "Binary.Icon") with size bytes read from r when the database is written.
// The data is never buffered whole. A name that cannot name a stream
// (it holds NUL, or packs into more than 31 UTF-16 units) or that differs
// only in case from another stream's (a compound file holds the two as
// one entry) is refused with a *ValueError of the _Streams table.
func (db *Database) SetStream(name string, r io.ReaderAt, size int64) error {
	if name == "" {
		return fmt.Errorf("msi: empty stream name")
	}
	if size < 0 {
		return fmt.Errorf("msi: stream %q: negative size", clip.String(name))
	}
	units, err := packName(name, false)
	if err != nil {
		// Clipped: the name may be an imported key of megabytes.
		return &ValueError{Table: "_Streams", Key: []string{clip.String(name)}, Reason: nameProblem(err)}
	}
	if other := db.streamCaseClash(name, units); other != "" {
		return &ValueError{Table: "_Streams", Key: []string{clip.String(name)}, Reason: clip.Sprintf("the name differs only in case from the stream %q: a compound file cannot hold both ([MS-CFB] 2.6.4)", other)}
	}
	db.overlay[name] = streamSource{r: r, size: size}
	db.noteCase(db.streamCase, name, units)
	db.modified = true
	if name != SummaryInfoStream {
		db.contentModified = true
	}
	return nil
}

// DeleteStream removes a stream (by decoded name).
func (db *Database) DeleteStream(name string) error {
	o, inOverlay := db.overlay[name]
	if db.streamByName[name] == nil && (!inOverlay || o.deleted) {
		return fmt.Errorf("msi: no stream %q", clip.String(name))
	}
	db.dropStream(name)
	return nil
}

func (db *Database) dropStream(name string) {
	if db.streamByName[name] == nil {
		if _, ok := db.overlay[name]; ok {
			delete(db.overlay, name)
			db.modified = true
			db.contentModified = true
		}
		return
	}
	db.overlay[name] = streamSource{deleted: true}
	db.modified = true
	db.contentModified = true
}

// renameStream moves a stream's data to a new name (after a key change).
func (db *Database) renameStream(from, to string) {
	if from == to {
		return
	}
	var src streamSource
	if o, ok := db.overlay[from]; ok {
		if o.deleted {
			return
		}
		src = o
	} else if e := db.streamByName[from]; e != nil {
		src = streamSource{entry: e, size: e.Size}
	} else {
		return
	}
	db.dropStream(from)
	db.overlay[to] = src
	if units, err := packName(to, false); err == nil {
		db.noteCase(db.streamCase, to, units)
	}
	db.modified = true
	db.contentModified = true
}

// SetStrict turns on (or off) refusing strings longer than their column's
// declared size (without it they are kept with a warning in Warnings:
// Windows Installer does not enforce the sizes) and checking edits against
// the _Validation table:
// Nullable, MinValue/MaxValue, Set, and the Identifier, Guid, UpperCase,
// LowerCase, Integer, DoubleInteger, Property, Version, Language, Filename,
// WildCardFilename, DefaultDir, Cabinet, Formatted, KeyFormatted, RegPath
// and Condition (syntax only) categories. Text, Template, paths and the
// other categories are not checked, nor are KeyTable references. Columns the
// _Validation table does not describe are only checked against the schema.
func (db *Database) SetStrict(strict bool) { db.strict = strict }

// checkValidation checks v against the _Validation row for t.c, if any.
func (db *Database) checkValidation(t *Table, c Column, v Value) error {
	vt := db.byName["_Validation"]
	if vt == nil || db.load(vt) != nil {
		return nil
	}
	row, ok := vt.Lookup(StrValue(t.name), StrValue(c.Name))
	if !ok {
		return nil
	}
	if v.kind == KindNull {
		if row.Get("Nullable").Str() == "N" {
			return fmt.Errorf("null not allowed by _Validation")
		}
		return nil
	}
	if v.kind == KindInt {
		if s := row.Get("MinValue"); s.kind == KindInt && v.n < s.n {
			return fmt.Errorf("%d below _Validation MinValue %d", v.n, s.n)
		}
		if s := row.Get("MaxValue"); s.kind == KindInt && v.n > s.n {
			return fmt.Errorf("%d above _Validation MaxValue %d", v.n, s.n)
		}
	}
	text := v.String()
	if set := row.Get("Set").Str(); set != "" && !db.inValidationSet(set, text) {
		return fmt.Errorf("%q not in the _Validation set %q", clip.String(text), clip.String(set))
	}
	return CheckCategory(row.Get("Category").Str(), text)
}

// inValidationSet reports whether text is a member of set, a _Validation
// Set list. A long list (a pooled string shared by many rows, as a
// crafted package can make it: 32,768 members in 64 KiB) is split once
// into a set of its members, not once per value checked.
func (db *Database) inValidationSet(set, text string) bool {
	if len(set) < textmemo.Min {
		for s := range strings.SplitSeq(set, ";") {
			if s == text {
				return true
			}
		}
		return false
	}
	members := db.validSets.Get(set, func(set string) map[string]struct{} {
		m := map[string]struct{}{}
		for s := range strings.SplitSeq(set, ";") {
			m[s] = struct{}{}
		}
		return m
	})
	_, ok := members[text]
	return ok
}

// nameError returns why name cannot name a new table or column of db, or
// "" if it can. Names are stored in the string pool, in the database's
// codepage: a name that is not UTF-8, or that the codepage cannot
// represent, came back from the written database as other text ("\xff\xfe"
// as "ÿþ").
func (db *Database) nameError(name string) string {
	if !utf8.ValidString(name) {
		return clip.Sprintf("the name %q is not valid UTF-8", name)
	}
	if !isASCIIString(name) {
		if _, ok := db.pool.codec.encode(name); !ok {
			return clip.Sprintf("codepage %d cannot represent the name %q", db.pool.codec.cp, name)
		}
	}
	return ""
}

// reservedTableName returns why name cannot name a table of a database, or
// "" if it can. Windows Installer keeps these names for itself:
//
//   - _Tables and _Columns, the catalog tables every database has;
//   - _Streams, _Storages and _TransformView, views the database engine
//     provides;
//   - _StringPool and _StringData, the string pool: a table of that name
//     would be stored in the pool's own stream and overwrite it, leaving a
//     package nothing can open.
//
// _Validation is ordinary data (a table like any other), and
// _SummaryInformation and _ForceCodepage are not tables but the names IDT
// files use for the summary information and the codepage (msi/idt
// handles them before asking).
func reservedTableName(name string) string {
	switch name {
	case "_Tables", "_Columns":
		return name + " is the database's catalog"
	case "_Streams", "_Storages", "_TransformView":
		return name + " is a view the database engine provides"
	case poolStream, dataStream:
		return name + " is the string pool's stream"
	case "_SummaryInformation", forceCodepageTable:
		return name + " is a pseudo-table of IDT files, not a table"
	}
	return ""
}

// forceCodepageTable is the IDT pseudo-table that sets the database
// codepage (package msi/idt); errors of SetCodepage name it.
const forceCodepageTable = "_ForceCodepage"
