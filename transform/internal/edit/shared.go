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
	t  *msi.Table
	fc *Pairs // (Feature_, Component_) of t, a FeatureComponents table; nil: not held
	// changes is t's Changes when fc held its pairs: a table changed
	// since (outside the passes, or by a pass that did not say; every
	// Insert and delete counts) is read again.
	changes uint32
	// reads counts the times FeatureComponents was read (for tests).
	reads int
}

// FeatureComponents returns the (Feature_, Component_) pairs of t, a
// FeatureComponents table: the ones s holds when it holds t's and t has
// not changed since (msi.Table.Changes), else read now (ReadPairs) and
// held for the next pass. The caller may ask the pairs questions, never
// Add to them.
func (s *Shared) FeatureComponents(t *msi.Table, stop *Stop) (*Pairs, error) {
	if s.holds(t) {
		return s.fc, nil
	}
	p, err := ReadPairs(t, "Feature_", "Component_", stop)
	if err != nil {
		return nil, err
	}
	if s != nil {
		s.t, s.fc, s.changes = t, p, t.Changes()
		s.reads++
	}
	return p, nil
}

// Appended records the row a pass just appended to t, a
// FeatureComponents table (one msi.Table.Insert since the pairs were read
// or a row recorded; else s forgets them), read back from the table:
// the pairs s holds are then those a reading of the table would find,
// in the same order (the names the row adds numbered after the others).
func (s *Shared) Appended(t *msi.Table) {
	if s == nil || s.fc == nil || s.t != t || t.Changes() != s.changes+1 {
		s.Forget()
		return
	}
	row := t.Row(t.Len() - 1)
	s.fc.Add(StrAt(row, ColumnIndex(t, "Feature_")), StrAt(row, ColumnIndex(t, "Component_")))
	s.changes = t.Changes()
}

// holds reports whether s holds the pairs of t as the table is now.
func (s *Shared) holds(t *msi.Table) bool {
	return s != nil && s.fc != nil && s.t == t && s.changes == t.Changes()
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
