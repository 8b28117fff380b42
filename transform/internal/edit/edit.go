package edit

import (
	"errors"
	"fmt"
)

// Op is the kind of a row change (transform.Op).
type Op string

// Row change kinds.
const (
	Add    Op = "add"
	Remove Op = "remove"
	Update Op = "update"
)

// A Change is one row added, removed or updated (transform.Change).
type Change struct {
	Op            Op
	Table         string
	Key, Old, New []string
	Reason        string
}

// Severity grades a Note (transform.Severity).
type Severity string

// Note severities.
const (
	Info    Severity = "info"
	Warning Severity = "warning"
)

// A Note records a row a pass left alone or could not handle faithfully
// (transform.Note).
type Note struct {
	Severity Severity
	Table    string
	Key      []string
	Reason   string
}

// A Log is what one pass did: its changes and notes, in order.
type Log struct {
	Changes []Change
	Notes   []Note
}

// Change records a change.
func (l *Log) Change(c Change) { l.Changes = append(l.Changes, c) }

// Note records a note; the reason is formatted as fmt.Sprintf does.
func (l *Log) Note(sev Severity, table string, key []string, format string, args ...any) {
	l.Notes = append(l.Notes, Note{Severity: sev, Table: table, Key: key, Reason: fmt.Sprintf(format, args...)})
}

// DefaultMaxChanges is the number of row changes a pass may make when its
// options leave MaxChanges at 0 (transform.DefaultMaxChanges).
const DefaultMaxChanges = 100_000

// ErrTooManyChanges is wrapped by the error of a pass that would make more
// row changes than its MaxChanges allows (transform.ErrTooManyChanges).
var ErrTooManyChanges = errors.New("transform: too many row changes")

// TooMany is the error of a pass stopped at its MaxChanges bound; over
// says which bound ("more than 100000 row changes").
func TooMany(over string) error {
	return fmt.Errorf("%w: %s; the limit is the MaxChanges option (msikit rewrite --max-changes)", ErrTooManyChanges, over)
}
