package transform

import "github.com/msikit/msikit/transform/internal/edit"

// A Shared carries what one pass read of a database to the passes run
// after it on the same database, so that they do not read it again: the
// pairs of the FeatureComponents table, which ClassToRegistry and
// SplitAdvertised both read (1.1 million rows in a package pairing 1,050
// features with 1,050 components). Give the same Shared, through the
// options, to passes run one after another on one database, which
// nothing else changes in between: a pass that changes FeatureComponents
// updates or drops what the Shared holds, and a table changed since in
// any other way (msi.Table.Changes) is read again. The
// zero value holds nothing and is ready to use; a nil *Shared shares
// nothing (each pass reads the table itself). A Shared is not safe for
// concurrent use.
type Shared struct {
	s edit.Shared
}

// shared returns the edit.Shared s carries, nil for a nil s.
func (s *Shared) shared() *edit.Shared {
	if s == nil {
		return nil
	}
	return &s.s
}
