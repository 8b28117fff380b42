package edit

import (
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
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
	// Changes are the changes recorded, unless Sink takes them.
	Changes []Change
	// Sink, if not nil, takes each change as it is recorded, in place
	// of Changes: the caller's report then holds the only copy (65,000
	// classes converted made 195,000 changes, held twice over while
	// transform copied them into its Report).
	Sink Sink
	// NoteSink, if not nil, takes each note as it is recorded, in place
	// of Notes, and the notes given to AddPlanned, in place of Planned:
	// the caller's report then holds the only copy (780,000 notes of the
	// MsiAssembly rows of one component were held as Notes, in a slice
	// grown by append, and again in transform's Report).
	NoteSink NoteSink
	// Planned are notes that come before Notes: the notes a pass's plan
	// made, moved here whole rather than copied into Notes (a plan may
	// note each of hundreds of thousands of rows, and the report converts
	// them once more: transform's newReport takes them chunk by chunk).
	Planned NoteChunks
	Notes   []Note
	// notes counts the notes recorded, Planned ones included.
	notes   int
	reasons Texts
	recent  recentReasons
}

// recentReasons are the reasons of the last notes of a few formats and
// what they were formatted from: a pass notes each of a run of rows with
// the same formats and arguments (390,000 Extension rows naming one
// pooled feature, or MsiAssembly rows of one component, each noted
// twice), and each reason is formatted once for the run, not clipped,
// quoted and formatted again for each row.
type recentReasons struct {
	last [recentFormats]struct {
		format string // "" for none
		args   []any
		reason string
	}
	next int          // the entry the next new format takes
	ids  textmemo.IDs // long string arguments, by content
}

// recentFormats is how many formats recentReasons remembers.
const recentFormats = 4

// A Sink takes a Log's changes as they are recorded.
type Sink interface {
	// Grow makes room for n more changes.
	Grow(n int)
	// Add takes one change.
	Add(Change)
}

// A NoteSink takes a Log's notes as they are recorded.
type NoteSink interface {
	// AddNote takes one note.
	AddNote(Note)
}

// Change records a change.
func (l *Log) Change(c Change) {
	if l.Sink != nil {
		l.Sink.Add(c)
		return
	}
	l.Changes = append(l.Changes, c)
}

// Grow makes room for n more changes, in Changes or in the Sink: a pass
// that knows how many it will make allocates them once, not in the
// copies of a slice grown by append.
func (l *Log) Grow(n int) {
	if l.Sink != nil {
		l.Sink.Grow(n)
		return
	}
	l.Changes = slices.Grow(l.Changes, n)
}

// Note records a note; the reason is formatted as fmt.Sprintf does. A
// reason equal to a recent note's is stored once (Texts).
func (l *Log) Note(sev Severity, table string, key []string, format string, args ...any) {
	l.AddNote(Note{Severity: sev, Table: table, Key: key, Reason: l.reason(format, args)})
}

// AddNote records a note made already (a plan's, as it makes it): a
// Log is a NoteSink.
func (l *Log) AddNote(n Note) {
	l.notes++
	if l.NoteSink != nil {
		l.NoteSink.AddNote(n)
		return
	}
	l.Notes = append(l.Notes, n)
}

// NumNotes returns the number of notes recorded, in Planned, Notes or
// the NoteSink.
func (l *Log) NumNotes() int { return l.notes }

// AddPlanned records the notes of a plan, which come before any note
// recorded later, and empties c: it gives them to the NoteSink, chunk by
// chunk (each let go once given), or moves them to Planned, which must
// be empty, as must Notes.
func (l *Log) AddPlanned(c *NoteChunks) {
	l.notes += c.Len()
	if l.NoteSink != nil {
		c.Drain(func(notes []Note) {
			for _, n := range notes {
				l.NoteSink.AddNote(n)
			}
		})
		return
	}
	l.Planned, *c = *c, NoteChunks{}
}

// reason formats a note's reason: a recent note's, without formatting
// it again, when its format and arguments are the same (sameArg).
func (l *Log) reason(format string, args []any) string {
	rr := &l.recent
	i := 0
	for i < recentFormats && rr.last[i].format != format {
		i++
	}
	if i < recentFormats && len(args) == len(rr.last[i].args) {
		same := true
		for j, a := range args {
			if !rr.sameArg(a, rr.last[i].args[j]) {
				same = false
				break
			}
		}
		if same {
			return rr.last[i].reason
		}
	}
	r := l.reasons.Intern(clip.Sprintf(format, args...))
	if format == "" {
		return r
	}
	if i == recentFormats {
		i, rr.next = rr.next, (rr.next+1)%recentFormats
	}
	rr.last[i].format, rr.last[i].args, rr.last[i].reason = format, args, r
	return r
}

// sameArg reports whether a and b format alike: equal strings (a long
// one recognized by its bytes' identity, its content hashed once per
// distinct bytes: the cells of rows naming one pooled text are the same
// bytes, or the bytes of another pool entry of the same text), or equal
// integers or booleans of the same type, or the same error value. Any
// other argument (a Stringer, a slice) is taken to differ.
func (rr *recentReasons) sameArg(a, b any) bool {
	switch a := a.(type) {
	case string:
		b, ok := b.(string)
		switch {
		case !ok || len(a) != len(b):
			return false
		case len(a) < textmemo.Min:
			return a == b
		case textmemo.KeyAt(a) == textmemo.KeyAt(b):
			return true
		}
		if rr.ids.Len() >= maxTexts {
			// Texts built for each note, not pooled, would otherwise
			// all be kept: start afresh, as Texts does.
			rr.ids = textmemo.IDs{}
		}
		return rr.ids.ID(a) == rr.ids.ID(b)
	case int:
		b, ok := b.(int)
		return ok && a == b
	case int16:
		b, ok := b.(int16)
		return ok && a == b
	case int32:
		b, ok := b.(int32)
		return ok && a == b
	case int64:
		b, ok := b.(int64)
		return ok && a == b
	case uint32:
		b, ok := b.(uint32)
		return ok && a == b
	case bool:
		b, ok := b.(bool)
		return ok && a == b
	case error:
		// The same error value (a pointer, say), not merely an equal
		// one: its text is the same.
		b, ok := b.(error)
		return ok && reflect.TypeOf(a).Comparable() && a == b
	}
	return false
}

// maxTexts is how many distinct strings a Texts remembers before it
// starts afresh.
const maxTexts = 1024

// Texts shares equal strings: a pass that notes the same reason for each
// of thousands of rows (each class sharing one hostile FileTypeMask,
// say) keeps one copy of the text, not one per row. It remembers at most
// maxTexts distinct strings, so a pass whose texts all differ pays a
// bounded map, not one entry per note. The zero Texts is ready to use.
type Texts struct{ seen map[string]string }

// Intern returns s, or an equal string Intern returned before.
func (t *Texts) Intern(s string) string {
	if prev, ok := t.seen[s]; ok {
		return prev
	}
	if t.seen == nil || len(t.seen) >= maxTexts {
		t.seen = make(map[string]string)
	}
	t.seen[s] = s
	return s
}

// DefaultMaxChanges is the number of row changes a pass may make when its
// options leave MaxChanges at 0 (transform.DefaultMaxChanges).
const DefaultMaxChanges = 100_000

// ErrTooManyChanges is wrapped by the error of a pass that would make more
// row changes than its MaxChanges allows (transform.ErrTooManyChanges).
var ErrTooManyChanges = errors.New("transform: too many row changes")

// ErrNotInstaller is wrapped by the error of a pass or the audit given a
// patch or a transform (transform.ErrNotInstaller).
var ErrNotInstaller = errors.New("not an installer database")

// TooMany is the error of a pass stopped at its MaxChanges bound; over
// says which bound ("more than 100000 row changes").
func TooMany(over string) error {
	return fmt.Errorf("%w: %s; the limit is the MaxChanges option (msikit rewrite --max-changes)", ErrTooManyChanges, over)
}

// MaxUnchangedCell is the longest cell an update's report shows in full
// when the update leaves it unchanged; a longer one is shown, in Old and
// New alike, as Elided says. An update changes one small cell, but the
// row it changes may hold a 64 KiB string the package stores once and
// thousands of rows share: printed whole in every change, such a report
// would grow with how often the package repeats the string.
const MaxUnchangedCell = 1024

// Elided is how a report shows an unchanged cell longer than
// MaxUnchangedCell: its length in bytes, and that it is unchanged.
func Elided(cell string) string {
	return fmt.Sprintf("…(%d bytes, unchanged)", len(cell))
}

// UpdateRows returns the Old and New rows of an update's report: old and
// updated, with every cell longer than MaxUnchangedCell that the update
// leaves as it is shown as Elided says. The slices are new when a cell
// is elided, old and updated themselves otherwise.
func UpdateRows(old, updated []string) (o, n []string) {
	o, n = old, updated
	for i := range o {
		if i >= len(n) || len(o[i]) <= MaxUnchangedCell || o[i] != n[i] {
			continue
		}
		if &o[0] == &old[0] {
			o, n = append([]string(nil), old...), append([]string(nil), updated...)
		}
		o[i] = Elided(old[i])
		n[i] = o[i]
	}
	return o, n
}

// noteChunk is the number of notes in one chunk of a NoteChunks.
const noteChunk = 1024

// NoteChunks holds notes in chunks of noteChunk: a plan that notes each
// of hundreds of thousands of rows (twice each on a ProgId cycle) grows
// without copying what it holds, where a slice grown by append holds its
// old and its new array at once, while the rows' facts are held too. The
// zero NoteChunks is empty and ready to use.
type NoteChunks struct {
	chunks [][]Note
	n      int
}

// Add appends n.
func (c *NoteChunks) Add(n Note) {
	if len(c.chunks) == 0 || len(c.chunks[len(c.chunks)-1]) == noteChunk {
		c.chunks = append(c.chunks, make([]Note, 0, noteChunk))
	}
	last := &c.chunks[len(c.chunks)-1]
	*last = append(*last, n)
	c.n++
}

// Len returns the number of notes held.
func (c *NoteChunks) Len() int { return c.n }

// Drain calls fn with each chunk of notes in order, and empties c, each
// chunk let go once fn returns.
func (c *NoteChunks) Drain(fn func([]Note)) {
	for i, ch := range c.chunks {
		fn(ch)
		c.chunks[i] = nil
	}
	c.chunks, c.n = nil, 0
}

// AllNotes returns the log's notes in order, its Planned notes first,
// in a new slice; l is not changed.
func (l *Log) AllNotes() []Note {
	out := make([]Note, 0, l.Planned.Len()+len(l.Notes))
	for _, ch := range l.Planned.chunks {
		out = append(out, ch...)
	}
	return append(out, l.Notes...)
}

// Take returns the notes in a slice of exactly that length (nil when
// there are none), and empties c.
func (c *NoteChunks) Take() []Note {
	if c.n == 0 {
		return nil
	}
	out := make([]Note, 0, c.n)
	c.Drain(func(ch []Note) { out = append(out, ch...) })
	return out
}
