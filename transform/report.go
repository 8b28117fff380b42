package transform

import (
	"bufio"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/transform/internal/edit"
)

// Op is the kind of a row change.
type Op string

// Row change kinds.
const (
	OpAdd    Op = "add"
	OpRemove Op = "remove"
	OpUpdate Op = "update"
)

// A Change is one row added, removed or updated by a pass.
type Change struct {
	Op    Op     `json:"op"`
	Table string `json:"table"`
	// Key is the row's primary key, each column as IDT text.
	Key []string `json:"key"`
	// Old is the whole row before the change, as IDT text per column
	// (remove and update).
	Old []string `json:"old,omitempty"`
	// New is the whole row after the change (add and update). In an
	// update, a cell longer than 1024 bytes that the update leaves as it
	// is appears in Old and New alike as "…(N bytes, unchanged)", so that
	// a report never repeats a long string the package stores once for
	// every row that shares it.
	New []string `json:"new,omitempty"`
	// Reason says why, in a few words ("from Class {…} InprocServer32").
	Reason string `json:"reason,omitempty"`
}

// Severity grades a Note.
type Severity string

// Note severities.
const (
	// Info notes rows deliberately left alone (already correct, say).
	Info Severity = "info"
	// Warning notes something the user should look at: a row that could
	// not be expressed faithfully, a value that was guessed, a mismatch.
	Warning Severity = "warning"
)

// A Note records a row a pass left alone or could not handle faithfully,
// with the reason. Nothing is dropped silently: every such row gets a Note.
type Note struct {
	Severity Severity `json:"severity"`
	Table    string   `json:"table,omitempty"`
	Key      []string `json:"key,omitempty"`
	Reason   string   `json:"reason"`
}

// A Report is what one pass did to a database.
type Report struct {
	// Pass names the pass that made the report: "class-to-registry",
	// "leaf-features", "assembly-names" or "package-code" as the functions
	// set it; a caller may name its passes otherwise (msikit rewrite sets
	// the names of its own pass table).
	Pass    string   `json:"pass"`
	Changes []Change `json:"changes"`
	Notes   []Note   `json:"notes"`
}

// Changed reports whether the pass changed any row.
func (r *Report) Changed() bool { return r != nil && len(r.Changes) > 0 }

// WriteText writes the human form of the report: one line per change and
// per note.
func (r *Report) WriteText(w io.Writer) error {
	// Buffered, not built whole: the text of a pass that changed
	// 100,000 rows is tens of megabytes.
	// Written field by field, not through fmt and JoinCells: those
	// made a joined copy of every row and boxed every field (about half
	// of the allocation of msikit rewrite on 65,000 converted classes).
	b := bufio.NewWriter(w)
	for _, c := range r.Changes {
		row := c.New
		if c.Op == OpRemove {
			row = c.Old
		}
		b.WriteString(r.Pass)
		b.WriteString(": ")
		writePadded(b, string(c.Op), 6)
		b.WriteByte(' ')
		b.WriteString(c.Table)
		b.WriteString(" [")
		writeCells(b, row)
		b.WriteByte(']')
		if c.Reason != "" {
			b.WriteString(" (")
			b.WriteString(c.Reason)
			b.WriteByte(')')
		}
		b.WriteByte('\n')
	}
	for _, n := range r.Notes {
		b.WriteString(r.Pass)
		b.WriteString(": ")
		writePadded(b, string(n.Severity), 7)
		if n.Table != "" {
			b.WriteByte(' ')
			b.WriteString(n.Table)
			b.WriteString(" [")
			writeCells(b, n.Key)
			b.WriteByte(']')
		}
		b.WriteByte(' ')
		b.WriteString(n.Reason)
		b.WriteByte('\n')
	}
	return b.Flush()
}

// writePadded writes s padded with spaces to width characters, as
// fmt's %-*s does.
func writePadded(b *bufio.Writer, s string, width int) {
	b.WriteString(s)
	for n := utf8.RuneCountInString(s); n < width; n++ {
		b.WriteByte(' ')
	}
}

// writeCells writes what JoinCells returns for row, to b (a
// *bufio.Writer or a *strings.Builder), without making it.
func writeCells(b interface {
	WriteString(string) (int, error)
	WriteByte(byte) error
}, row []string) {
	for i, c := range row {
		if i > 0 {
			b.WriteByte('\t')
		}
		b.WriteString(clip.String(c))
	}
}

// MarshalJSON encodes the change with each cell longer than 1 KiB
// clipped, as JoinCells and the text report clip them (its first 120
// bytes and its length): 2,000 changes naming one pooled 1 MiB text
// would otherwise write it 2,000 times. The Change keeps whole values.
func (c Change) MarshalJSON() ([]byte, error) {
	type change Change // without the method
	return json.Marshal(change(c.Clipped()))
}

// Clipped returns the change as MarshalJSON encodes it: each cell longer
// than 1 KiB clipped (c is not modified). A writer that encodes the
// fields itself (a type without the method, converted from Change)
// writes what MarshalJSON writes.
func (c Change) Clipped() Change {
	c.Key, c.Old, c.New = clip.Strings(c.Key), clip.Strings(c.Old), clip.Strings(c.New)
	return c
}

// MarshalJSON encodes the note with each key cell longer than 1 KiB
// clipped, as Change.MarshalJSON does.
func (n Note) MarshalJSON() ([]byte, error) {
	type note Note // without the method
	return json.Marshal(note(n.Clipped()))
}

// Clipped returns the note as MarshalJSON encodes it: each key cell
// longer than 1 KiB clipped (n is not modified), as Change.Clipped.
func (n Note) Clipped() Note {
	n.Key = clip.Strings(n.Key)
	return n
}

// JoinCells joins the cells of a report row with tabs, for printing,
// each cell longer than 1 KiB clipped (clip.Strings): a row added or
// removed is printed whole, and 2,000 rows naming one pooled 1 MiB text
// would print it 2,000 times. An update's unchanged long cells are
// elided already (its Old and New say how long they are).
func JoinCells(row []string) string {
	var b strings.Builder
	writeCells(&b, row)
	return b.String()
}

// newReport converts what an internal pass logged into the Report of pass
// (nil when log is nil: the pass failed before changing anything).
func newReport(pass string, log *edit.Log) *Report {
	return (&reportSink{}).report(pass, log)
}

// A reportSink is an edit.Sink that converts each change into a Report's
// as the pass makes it: the report is then the only copy of the changes.
type reportSink struct{ changes []Change }

func (s *reportSink) Grow(n int) { s.changes = slices.Grow(s.changes, n) }

func (s *reportSink) Add(c edit.Change) {
	s.changes = append(s.changes, Change{Op: Op(c.Op), Table: c.Table, Key: c.Key, Old: c.Old, New: c.New, Reason: c.Reason})
}

// report returns the Report of pass: the changes s took, then those of
// log, and log's notes (nil when log is nil: the pass failed before
// changing anything).
func (s *reportSink) report(pass string, log *edit.Log) *Report {
	if log == nil {
		return nil
	}
	s.Grow(len(log.Changes))
	for _, c := range log.Changes {
		s.Add(c)
	}
	r := &Report{Pass: pass, Changes: s.changes}
	s.changes = nil
	if r.Changes == nil {
		r.Changes = []Change{} // none: encoded [], not null
	}
	// The planned notes first, converted straight from their chunks (each
	// let go once converted): a plan's notes are not copied into
	// log.Notes first (350,000 notes of a ProgId cycle held three times
	// at once made 75 of the 91 MB live of msikit rewrite).
	r.Notes = make([]Note, 0, log.Planned.Len()+len(log.Notes))
	add := func(notes []edit.Note) {
		for _, n := range notes {
			r.Notes = append(r.Notes, Note{Severity: Severity(n.Severity), Table: n.Table, Key: n.Key, Reason: n.Reason})
		}
	}
	log.Planned.Drain(add)
	add(log.Notes)
	return r
}
