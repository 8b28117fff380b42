package msi

// Reopen returns a second Database reading the same package as db, as it
// is stored: edits made to db are not in it, and edits made to it do not
// reach db. Both read the same open file (through the same container
// reader, which serves concurrent reads); closing either closes nothing
// the other needs, and db must stay open while the copy is used. The copy
// keeps db's file name (for cabinets beside it) and stream size limit.
// Tools use it to try edits (run the rewrite passes, say) and report the
// outcome without touching the database they were given.
func (db *Database) Reopen() (*Database, error) {
	db.mu.Lock()
	closed := db.closed
	db.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	n, err := newDatabase(db.cf, db.root, db.size, ReadOptions{MaxStreamBytes: db.limit}, false)
	if err != nil {
		return nil, err
	}
	n.path = db.path
	return n, nil
}

// Size returns the size in bytes of the package file the database was
// read from: what Windows Installer copies into its cache (since Windows
// Installer 5, the whole package, embedded cabinets included).
func (db *Database) Size() int64 { return db.size }
