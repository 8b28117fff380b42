package transform

import (
	"bufio"
	"encoding/json"
	"io"
	"iter"
	"slices"
	"strconv"
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

// A Report is what one pass did to a database: its row changes, in
// order, and its notes: the rows the pass left alone or could not
// handle faithfully, in order.
//
// The changes and notes are held compactly, their cells copied into the
// report (a cell over 256 bytes is held as given, once however many
// changes or notes name it), since a pass may make hundreds of
// thousands: read the changes with Changes, Change and NumChanges, add
// one with AddChange; read the notes with Notes, Note and NumNotes, add
// one with AddNote. A copy of a Report that holds changes or notes
// shares them with the original.
type Report struct {
	// Pass names the pass that made the report: "class-to-registry",
	// "leaf-features", "assembly-names" or "package-code" as the functions
	// set it; a caller may name its passes otherwise (msikit rewrite sets
	// the names of its own pass table).
	Pass string `json:"pass"`

	changes, notes *changeLog
}

// NumNotes returns the number of notes in the report.
func (r *Report) NumNotes() int {
	if r == nil {
		return 0
	}
	return r.notes.len()
}

// Note returns the i-th note (0 ≤ i < NumNotes).
func (r *Report) Note(i int) Note {
	if i < 0 || i >= r.NumNotes() {
		panic("transform: Report.Note index out of range")
	}
	n, _ := r.notes.decodeNote(i, nil)
	return n
}

// Notes returns an iterator over the notes, in order, with their index.
// Each note's Key is its own: a caller may keep it.
func (r *Report) Notes() iter.Seq2[int, Note] {
	return func(yield func(int, Note) bool) {
		var scratch, slab []string
		for i := range r.NumNotes() {
			n, buf := r.notes.decodeNote(i, scratch)
			scratch = buf
			if len(n.Key) > 0 {
				// The cells move to slab, shared by the keys of
				// hundreds of notes rather than one allocation each.
				k := len(n.Key)
				if k > len(slab) {
					slab = make([]string, max(1024, k))
				}
				own := slab[:k:k]
				copy(own, n.Key)
				slab = slab[k:]
				n.Key = own
			}
			if !yield(i, n) {
				return
			}
		}
	}
}

// eachNote calls fn with each note in order, until fn returns false; the
// note's Key is reused by the next call.
func (r *Report) eachNote(fn func(i int, n *Note) bool) {
	var buf []string
	var n Note // one for all: &n escapes
	for i := range r.NumNotes() {
		n, buf = r.notes.decodeNote(i, buf)
		if !fn(i, &n) {
			return
		}
	}
}

// AddNote appends n to the report's notes. The report keeps a copy of
// its Key's cells, not the slice.
func (r *Report) AddNote(n Note) {
	if r.notes == nil {
		r.notes = &changeLog{}
	}
	r.notes.addNote(&n)
}

// notesSlice returns the notes in a new slice.
func (r *Report) notesSlice() []Note {
	out := make([]Note, 0, r.NumNotes())
	for _, n := range r.Notes() {
		out = append(out, n)
	}
	return out
}

// Changed reports whether the pass changed any row.
func (r *Report) Changed() bool { return r.NumChanges() > 0 }

// NumChanges returns the number of row changes in the report.
func (r *Report) NumChanges() int {
	if r == nil {
		return 0
	}
	return r.changes.len()
}

// Change returns the i-th change (0 ≤ i < NumChanges).
func (r *Report) Change(i int) Change {
	if i < 0 || i >= r.NumChanges() {
		panic("transform: Report.Change index out of range")
	}
	c, _, _ := r.changes.decode(i, make([]string, 0, 16))
	return c
}

// Changes returns an iterator over the changes, in order, with their
// index. Each change's slices are its own: a caller may keep them.
func (r *Report) Changes() iter.Seq2[int, Change] { return r.changesOf(-1) }

// Tables returns the names of the tables the changes are to, in the
// order of their first change.
func (r *Report) Tables() []string {
	if r.NumChanges() == 0 {
		return nil
	}
	return slices.Clone(r.changes.tables)
}

// ChangesIn returns an iterator over the changes to table, in order,
// with their index among all changes; it reads past the others without
// decoding their cells. Each change's slices are its own.
func (r *Report) ChangesIn(table string) iter.Seq2[int, Change] {
	if r.NumChanges() == 0 {
		return r.changesOf(-1)
	}
	t := slices.Index(r.changes.tables, table)
	if t < 0 {
		return func(func(int, Change) bool) {}
	}
	return r.changesOf(t)
}

// changesOf returns an iterator over the changes to the table of index
// t (all of them for t < 0).
func (r *Report) changesOf(t int) iter.Seq2[int, Change] {
	return func(yield func(int, Change) bool) {
		var scratch, slab []string
		for i := range r.NumChanges() {
			if t >= 0 && r.changes.tableOf(i) != t {
				continue
			}
			c, key, buf := r.changes.decode(i, scratch)
			scratch = buf
			n := len(scratch)
			if n > len(slab) {
				slab = make([]string, max(1024, n))
			}
			// The cells move to slab, shared by the changes of
			// hundreds of rows rather than one allocation each.
			own := slab[:n:n]
			copy(own, scratch)
			slab = slab[n:]
			c = c.moved(key, own)
			if !yield(i, c) {
				return
			}
		}
	}
}

// moved returns c, its Key, Old and New slices of to, which holds the
// cells of c as decode lays them out (key, the key form of its record).
func (c Change) moved(key byte, to []string) Change {
	off := 0
	if key == keyListed {
		c.Key = to[:len(c.Key):len(c.Key)]
		off = len(c.Key)
	}
	if c.Old != nil {
		n := len(c.Old)
		c.Old = to[off : off+n : off+n]
		off += n
	}
	if c.New != nil {
		n := len(c.New)
		c.New = to[off : off+n : off+n]
	}
	switch key {
	case keyOld:
		c.Key = c.Old[:len(c.Key):len(c.Key)]
	case keyNew:
		c.Key = c.New[:len(c.Key):len(c.Key)]
	}
	return c
}

// each calls fn with each change in order, until fn returns false; the
// change's slices are reused by the next call.
func (r *Report) each(fn func(i int, c *Change) bool) {
	var buf []string
	var c Change // one for all: &c escapes
	for i := range r.NumChanges() {
		c, _, buf = r.changes.decode(i, buf)
		if !fn(i, &c) {
			return
		}
	}
}

// AddChange appends c to the report's changes. The report keeps a copy
// of its cells, not c's slices.
func (r *Report) AddChange(c Change) {
	if r.changes == nil {
		r.changes = &changeLog{}
	}
	r.changes.add(&c)
}

// Equal reports whether r and o hold the same pass name, changes and
// notes (in a change or note, a nil slice differing from an empty one,
// as in their JSON); two nil reports are equal. go-cmp compares reports with it.
func (r *Report) Equal(o *Report) bool {
	if r == nil || o == nil {
		return r == o
	}
	if r.Pass != o.Pass || r.NumChanges() != o.NumChanges() || r.NumNotes() != o.NumNotes() {
		return false
	}
	var a, b []string
	for i := range r.NumNotes() {
		var n, m Note
		n, a = r.notes.decodeNote(i, a)
		m, b = o.notes.decodeNote(i, b)
		if !n.equal(m) {
			return false
		}
	}
	for i := range r.NumChanges() {
		var c, d Change
		c, _, a = r.changes.decode(i, a)
		d, _, b = o.changes.decode(i, b)
		if !c.equal(d) {
			return false
		}
	}
	return true
}

// equal reports whether c and d are the same change.
func (c Change) equal(d Change) bool {
	return c.Op == d.Op && c.Table == d.Table && c.Reason == d.Reason && sameCells(c.Key, d.Key) && sameCells(c.Old, d.Old) && sameCells(c.New, d.New)
}

// equal reports whether n and m are the same note.
func (n Note) equal(m Note) bool {
	return n.Severity == m.Severity && n.Table == m.Table && n.Reason == m.Reason && sameCells(n.Key, m.Key)
}

// sameCells reports whether a and b hold the same cells, and are both
// nil or both not.
func sameCells(a, b []string) bool { return slices.Equal(a, b) && (a == nil) == (b == nil) }

// reportJSON is the JSON form of a Report.
type reportJSON struct {
	Pass    string   `json:"pass"`
	Changes []Change `json:"changes"`
	Notes   []Note   `json:"notes"`
}

// MarshalJSON encodes the report as an object with its pass, its changes
// (as Change.MarshalJSON encodes each) and its notes (each list empty,
// not null, when there are none). (A value method,
// so that a Report held by value encodes its changes too.)
func (r Report) MarshalJSON() ([]byte, error) {
	changes := make([]Change, 0, r.NumChanges())
	for _, c := range r.Changes() {
		changes = append(changes, c)
	}
	return json.Marshal(reportJSON{r.Pass, changes, r.notesSlice()})
}

// UnmarshalJSON decodes what MarshalJSON encodes.
func (r *Report) UnmarshalJSON(b []byte) error {
	var v reportJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = Report{Pass: v.Pass}
	r.changes, r.notes = &changeLog{}, &changeLog{}
	r.notes.grow(len(v.Notes))
	for i := range v.Notes {
		r.notes.addNote(&v.Notes[i])
	}
	r.changes.grow(len(v.Changes))
	for i := range v.Changes {
		r.changes.add(&v.Changes[i])
	}
	return nil
}

// WriteText writes the human form of the report: one line per change and
// per note.
func (r *Report) WriteText(w io.Writer) error {
	// Buffered, not built whole: the text of a pass that changed
	// 100,000 rows is tens of megabytes.
	// Written field by field, not through fmt and JoinCells: those
	// made a joined copy of every row and boxed every field (about half
	// of the allocation of msikit rewrite on 65,000 converted classes).
	b := bufio.NewWriter(w)
	r.each(func(_ int, c *Change) bool {
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
		return true
	})
	r.eachNote(func(_ int, n *Note) bool {
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
		return true
	})
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
// *bufio.Writer or a *strings.Builder), without making it, nor the
// clipped text of a long cell (a text made for each of 650,000 notes
// naming one 480 KiB MIME type: 83 MB of garbage).
func writeCells(b interface {
	WriteString(string) (int, error)
	WriteByte(byte) error
}, row []string) {
	for i, c := range row {
		if i > 0 {
			b.WriteByte('\t')
		}
		if len(c) <= clip.Max {
			b.WriteString(c)
			continue
		}
		b.WriteString(clip.Prefix(c, clip.Keep))
		b.WriteString("…(")
		var num [20]byte
		for _, d := range strconv.AppendInt(num[:0], int64(len(c)), 10) {
			b.WriteByte(d)
		}
		b.WriteString(" bytes)")
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

// A reportSink is an edit.Sink and edit.NoteSink that adds each change
// and note to a Report's as the pass makes it: the report is then the
// only copy of them, and a compact one (changeLog).
type reportSink struct{ changes, notes changeLog }

func (s *reportSink) Grow(n int) { s.changes.grow(n) }

func (s *reportSink) Add(c edit.Change) {
	s.changes.add(&Change{Op: Op(c.Op), Table: c.Table, Key: c.Key, Old: c.Old, New: c.New, Reason: c.Reason})
}

func (s *reportSink) AddNote(n edit.Note) {
	s.notes.addNote(&Note{Severity: Severity(n.Severity), Table: n.Table, Key: n.Key, Reason: n.Reason})
}

// report returns the Report of pass: the changes s took, then those of
// log, and the notes s took, then log's (nil when log is nil: the pass
// failed before changing anything).
func (s *reportSink) report(pass string, log *edit.Log) *Report {
	if log == nil {
		return nil
	}
	s.Grow(len(log.Changes))
	for _, c := range log.Changes {
		s.Add(c)
	}
	r := &Report{Pass: pass, changes: &changeLog{}, notes: &changeLog{}}
	*r.changes, s.changes = s.changes, changeLog{}
	// The planned notes first, converted straight from their chunks (each
	// let go once converted): a plan's notes are not copied into
	// log.Notes first (350,000 notes of a ProgId cycle held three times
	// at once made 75 of the 91 MB live of msikit rewrite).
	s.notes.grow(log.Planned.Len() + len(log.Notes))
	log.Planned.Drain(func(notes []edit.Note) {
		for _, n := range notes {
			s.AddNote(n)
		}
	})
	for _, n := range log.Notes {
		s.AddNote(n)
	}
	*r.notes, s.notes = s.notes, changeLog{}
	return r
}
