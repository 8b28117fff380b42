package edit

import "github.com/msikit/msikit/msi"

// Shared holds what a pass read of a database that a later pass on the
// same database uses instead of reading it again (transform.Shared): the
// FeatureComponents pairs, which class-to-registry and leaf-features
// both read. A pass that appends FeatureComponents rows records them
// (Appended), one that changes the table otherwise, or
// fails part way, forgets the pairs (Forget). A nil *Shared holds
// nothing: each pass reads the table itself. Not safe for concurrent
// use.
type Shared struct {
	db *msi.Database
	fc *Pairs // (Feature_, Component_) of db's FeatureComponents; nil: not held
	// rows is the number of rows fc holds the pairs of: a table with
	// another number of rows (changed outside the passes) is read again.
	rows int
	// reads counts the times FeatureComponents was read (for tests).
	reads int
}

// FeatureComponents returns the (Feature_, Component_) pairs of t, db's
// FeatureComponents table: the ones s holds when it holds db's and t has
// as many rows as they were read from, else read now (ReadPairs) and
// held for the next pass. The caller may ask the pairs questions, never
// Add to them.
func (s *Shared) FeatureComponents(db *msi.Database, t *msi.Table, stop *Stop) (*Pairs, error) {
	if s != nil && s.fc != nil && s.db == db && s.rows == t.Len() {
		return s.fc, nil
	}
	p, err := ReadPairs(t, "Feature_", "Component_", stop)
	if err != nil {
		return nil, err
	}
	if s != nil {
		s.db, s.fc, s.rows = db, p, t.Len()
		s.reads++
	}
	return p, nil
}

// Appended records the row a pass just appended to t, db's
// FeatureComponents table (msi.Table.Insert), read back from the table:
// the pairs s holds are then those a reading of the table would find,
// in the same order (the names the row adds numbered after the others).
func (s *Shared) Appended(db *msi.Database, t *msi.Table) {
	if s == nil || s.fc == nil || s.db != db || t.Len() != s.rows+1 {
		s.Forget()
		return
	}
	row := t.Row(t.Len() - 1)
	s.fc.Add(StrAt(row, ColumnIndex(t, "Feature_")), StrAt(row, ColumnIndex(t, "Component_")))
	s.rows++
}

// Forget drops the pairs s holds: a pass changed FeatureComponents
// other than by appending rows, or may have (it failed part way).
func (s *Shared) Forget() {
	if s != nil {
		*s = Shared{reads: s.reads}
	}
}

// Reads returns how many times FeatureComponents was read through s.
func (s *Shared) Reads() int {
	if s == nil {
		return 0
	}
	return s.reads
}
