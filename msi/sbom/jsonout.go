package sbom

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/msikit/msikit/internal/jsonindent"
)

// jsonOut writes a JSON document piece by piece (an object's fields, an
// array's elements), so that a document of many components is never
// held in memory whole. The text is what encoding/json writes with
// SetIndent("", "  ") and SetEscapeHTML(false), except that every
// character that is not printable (DEL, C1 controls, format characters
// such as U+202E, separators other than space and newline) is escaped as
// \uXXXX too: package data cannot reach a terminal or a log as anything
// but visible text. Values are written by a jsonindent.Encoder, which
// escapes a long string once however many components quote it.
type jsonOut struct {
	w     *bufio.Writer
	enc   valueEncoder
	err   error
	first []bool // per open object or array: nothing written in it yet
}

// A valueEncoder writes the values of a document: a jsonindent.Encoder
// (TestWriterMatchesEncodingJSON compares it with encoding/json).
type valueEncoder interface {
	Reset(w *bufio.Writer)
	Encode(prefix string, v any) error
}

// newJSONEncoder returns the Encoder of the documents' values.
func newJSONEncoder() *jsonindent.Encoder {
	return jsonindent.NewEncoder(nil, jsonindent.Options{Printable: true})
}

// newJSONOut returns a jsonOut writing to w with enc (which it resets to
// w, keeping the long strings it has escaped).
func newJSONOut(w io.Writer, enc valueEncoder) *jsonOut {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc.Reset(bw)
	return &jsonOut{w: bw, enc: enc}
}

func (j *jsonOut) indent() string { return strings.Repeat("  ", len(j.first)) }

func (j *jsonOut) raw(s string) {
	if j.err == nil {
		_, j.err = j.w.WriteString(s)
	}
}

// next starts a field or element: a comma after the previous one, a new
// line and the indentation.
func (j *jsonOut) next() {
	if n := len(j.first); n > 0 {
		if !j.first[n-1] {
			j.raw(",")
		}
		j.first[n-1] = false
	}
	j.raw("\n" + j.indent())
}

func (j *jsonOut) key(name string) {
	j.next()
	j.value(name)
	j.raw(": ")
}

// value writes v, encoded and escaped, at the current indentation.
func (j *jsonOut) value(v any) {
	if j.err == nil {
		j.err = j.enc.Encode(j.indent(), v)
	}
}

// field writes "name": v.
func (j *jsonOut) field(name string, v any) {
	j.key(name)
	j.value(v)
}

// elem writes an array element.
func (j *jsonOut) elem(v any) {
	j.next()
	j.value(v)
}

// open starts an object ('{') or array ('['), as the field name of the
// enclosing object, or as an element when name is "".
func (j *jsonOut) open(name string, delim byte) {
	if name != "" {
		j.key(name)
	} else if len(j.first) > 0 {
		j.next()
	}
	j.raw(string(delim))
	j.first = append(j.first, true)
}

// close ends the innermost object or array.
func (j *jsonOut) close(delim byte) {
	empty := j.first[len(j.first)-1]
	j.first = j.first[:len(j.first)-1]
	if !empty {
		j.raw("\n" + j.indent())
	}
	j.raw(string(delim))
}

// end finishes the document with a newline, as json.Encoder does.
// stopped reports whether a write has failed (past the Counter's limit,
// when measuring): the loops over files stop building what nothing will
// write (a file's properties, formatted for each of 60,000 files whose
// document is refused at its first megabytes).
func (j *jsonOut) stopped() bool { return j.err != nil }

func (j *jsonOut) end() error {
	j.raw("\n")
	if j.err != nil {
		return j.err
	}
	return j.w.Flush()
}

// ErrTooLarge is wrapped by the error of WriteCycloneDX and WriteSPDX
// when the document would be longer than WriteOptions.MaxBytes; nothing
// has been written to the writer then.
var ErrTooLarge = errors.New("sbom: document longer than WriteOptions.MaxBytes")

// writeDoc writes the document render makes to w. With opts.MaxBytes,
// render makes it first into a counter, which stops it as soon as it
// passes the limit, and the document is refused before any of it is
// written; the long strings escaped then are not escaped again.
func writeDoc(w io.Writer, opts *WriteOptions, render func(j *jsonOut) error) error {
	if !opts.Created.IsZero() && !dateTimeOK(opts.Created) {
		return fmt.Errorf("sbom: creation time %s is not in the years 0000 to 9999 an RFC 3339 time can hold", opts.Created.UTC().Format(time.RFC3339))
	}
	enc := newJSONEncoder()
	if opts.MaxBytes > 0 {
		err := render(newJSONOut(&jsonindent.Counter{Limit: opts.MaxBytes}, enc))
		if errors.Is(err, jsonindent.ErrLimit) {
			return fmt.Errorf("%w: it would pass %d bytes; nothing written", ErrTooLarge, opts.MaxBytes)
		}
		if err != nil {
			return err
		}
	}
	return render(newJSONOut(w, enc))
}

// dateTimeOK reports whether t's year (UTC) has the four digits an RFC
// 3339 date-time, which both formats use, can hold. A crafted package's
// summary times reach the year 60056.
func dateTimeOK(t time.Time) bool {
	y := t.UTC().Year()
	return y >= 0 && y <= 9999
}
