package msi

import "bytes"

// A RowLoader replaces every row of a table at once, for importers that
// read a whole table from elsewhere (package msi/idt). Each row is checked
// and converted to cells as it is added, as Insert does (arity, types,
// nulls, string lengths, the codepage, _Validation in strict mode), into
// one growing slice of cells: memory grows with the cells and the new
// strings, not with a []Value per row, and nothing is allocated for
// integers and ASCII strings. The table is not changed before Commit.
type RowLoader struct {
	db      *Database
	name    string
	cols    []Column
	t       *Table // the existing table, or nil
	check   *Table // the table rows are checked against
	cells   []uint32
	nrows   int
	refused error
}

// LoadRows starts replacing the rows of table name. A name CreateTable
// refuses as reserved is refused here, with a *ValueError. If the table
// exists, its columns are used and cols is ignored; otherwise Commit
// creates it with cols (checked then, as CreateTable checks them).
func (db *Database) LoadRows(name string, cols []Column) (*RowLoader, error) {
	if why := reservedTableName(name); why != "" {
		return nil, &ValueError{Table: name, Reason: "the name is reserved: " + why}
	}
	l := &RowLoader{db: db, name: name, cols: cols}
	if db.HasTable(name) {
		t, err := db.Table(name)
		if err != nil {
			return nil, err
		}
		l.t, l.check, l.cols = t, t, t.cols
		return l, nil
	}
	// The table is created only by Commit; rows are checked against its
	// columns as given.
	l.check = &Table{tableSchema: &tableSchema{cols: cols, keys: keyIndexes(cols), pool: db.pool}, db: db, name: name, loaded: true}
	return l, nil
}

// Columns returns the columns rows are checked against: the existing
// table's, or those given to LoadRows.
func (l *RowLoader) Columns() []Column { return l.cols }

// Add checks one row and keeps it. vals is not retained. A row the table
// refuses is returned as a *ValueError; it and every later row are then
// left out (Add returns the same error without looking at them), and
// Commit applies the rows before it, as inserting them one by one would.
func (l *RowLoader) Add(vals []Value) error {
	if l.refused != nil {
		return l.refused
	}
	cells, err := l.check.appendCells(l.cells, vals)
	if err != nil {
		l.refused = err
		return err
	}
	l.cells = cells
	l.nrows++
	return nil
}

// Len returns the number of rows added (before the first refused one).
func (l *RowLoader) Len() int { return l.nrows }

// Unchanged reports whether the table exists and its rows are exactly
// the rows added, in any order: committing would change nothing. Tables
// without a primary key are never reported unchanged.
func (l *RowLoader) Unchanged() bool {
	return l.t != nil && holdsExactly(l.t, l.cells, l.nrows)
}

// Match returns the row of the existing table that holds the values of
// the i-th row added (found by its primary key, compared as Unchanged
// compares them), and false when there is none: the table is new, has
// no primary key, or no row of it holds those values. An importer that
// finds the table unchanged uses it to reach the streams of the rows it
// compares, without keeping each row's key as it reads.
func (l *RowLoader) Match(i int) (Row, bool) {
	t := l.t
	if t == nil || len(t.keys) == 0 || i < 0 || i >= l.nrows {
		return Row{}, false
	}
	t.buildIndex()
	n := len(t.cols)
	row := l.cells[i*n : (i+1)*n]
	r, ok := t.findRow(t.rowHash(row), row)
	if !ok || !t.sameCells(t.cells[r*n:(r+1)*n], row) {
		return Row{}, false
	}
	return t.Row(r), true
}

// Commit creates the table (when it did not exist) or deletes its rows (with their streams), then gives it the rows added, as Insert
// of each in turn would: a row whose primary key an earlier row has stops
// it with a *ValueError, keeping the rows before it. It returns the table
// and how many rows it got. The loader must not be used afterwards.
func (l *RowLoader) Commit() (*Table, int, error) {
	t := l.t
	if t == nil {
		var err error
		if t, err = l.db.CreateTable(l.name, l.cols); err != nil {
			return nil, 0, err
		}
	} else {
		if err := t.writable(); err != nil {
			return t, 0, err
		}
		t.DeleteFunc(func(Row) bool { return true })
	}
	n, err := t.adoptRows(l.cells, l.nrows)
	l.cells = nil
	l.db.reserveStreams(t.binaryCells())
	return t, n, err
}

// binaryCells counts the binary cells of t that are not null: the
// streams its rows name.
func (t *Table) binaryCells() int {
	n := len(t.cols)
	count := 0
	for i, c := range t.cols {
		if c.Type != ColBinary {
			continue
		}
		for r := 0; r < t.nrows; r++ {
			if t.cells[r*n+i] != 0 {
				count++
			}
		}
	}
	return count
}

// reserveStreams makes room for n more streams to be set (the rows
// of a table a RowLoader committed, whose streams an importer sets
// next): a map grown once rather than doubling as 250,000 streams are
// set one by one, which cost a fifth of the time spent setting them.
func (db *Database) reserveStreams(n int) {
	if n <= len(db.overlay) {
		return
	}
	m := make(map[string]streamSource, len(db.overlay)+n)
	for name, src := range db.overlay {
		m[name] = src
	}
	db.overlay = m
}

// holdsExactly reports whether t's rows are exactly the nrows rows in
// cells (encoded by t.appendCells, in any order): the same number, each
// found by its primary key with equal cells, and no key twice. Committing
// such rows changes nothing, so an importer can leave the table, and the
// database, unmodified. Tables without a primary key are never reported as
// equal. Strings compare by their bytes: a loader interns the text it
// is given as new pool entries, so equal strings may have different ids.
func holdsExactly(t *Table, cells []uint32, nrows int) bool {
	if len(t.keys) == 0 || t.Len() != nrows {
		return false
	}
	t.buildIndex()
	n := len(t.cols)
	matched := make([]bool, nrows) // table rows matched: a second match is a repeated key
	for r := 0; r < nrows; r++ {
		row := cells[r*n : (r+1)*n]
		i, ok := t.findRow(t.rowHash(row), row)
		if !ok || matched[i] || !t.sameCells(t.cells[i*n:(i+1)*n], row) {
			return false
		}
		matched[i] = true
	}
	return true
}

// sameCells reports whether two rows of t's cells hold equal values.
func (t *Table) sameCells(a, b []uint32) bool {
	for i, c := range t.cols {
		if a[i] == b[i] {
			continue
		}
		if c.Type != ColString || !bytes.Equal(t.pool.raw(a[i]), t.pool.raw(b[i])) {
			return false
		}
	}
	return true
}
