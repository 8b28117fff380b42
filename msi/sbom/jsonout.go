package sbom

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// jsonOut writes a JSON document piece by piece (an object's fields, an
// array's elements), so that a document of many components is never
// held in memory whole. The text is what encoding/json writes with
// SetIndent("", "  ") and SetEscapeHTML(false), except that every
// character that is not printable (DEL, C1 controls, format characters
// such as U+202E, separators other than space and newline) is escaped as
// \uXXXX too: package data cannot reach a terminal or a log as anything
// but visible text.
type jsonOut struct {
	w     *bufio.Writer
	err   error
	first []bool // per open object or array: nothing written in it yet
	buf   bytes.Buffer
}

func newJSONOut(w io.Writer) *jsonOut {
	return &jsonOut{w: bufio.NewWriterSize(w, 64<<10)}
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
	if j.err != nil {
		return
	}
	j.buf.Reset()
	enc := json.NewEncoder(&j.buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(j.indent(), "  ")
	if j.err = enc.Encode(v); j.err != nil {
		return
	}
	b := bytes.TrimSuffix(j.buf.Bytes(), []byte("\n"))
	j.err = writePrintable(j.w, b)
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
func (j *jsonOut) end() error {
	j.raw("\n")
	if j.err != nil {
		return j.err
	}
	return j.w.Flush()
}

// writePrintable writes encoded JSON text, escaping the characters that
// are not printable. They can only occur inside strings (the structure is
// ASCII), where \uXXXX stands for them.
func writePrintable(w *bufio.Writer, b []byte) error {
	start := 0
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				w.Write(b[start:i])
				w.WriteString(`\u007f`)
				i++
				start = i
				continue
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if unicode.IsPrint(r) {
			i += size
			continue
		}
		w.Write(b[start:i])
		if r > 0xffff {
			r1, r2 := utf16Pair(r)
			w.WriteString(uEscape(r1) + uEscape(r2))
		} else {
			w.WriteString(uEscape(r))
		}
		i += size
		start = i
	}
	_, err := w.Write(b[start:])
	return err
}

func uEscape(r rune) string {
	h := strconv.FormatUint(uint64(r), 16)
	return `\u` + strings.Repeat("0", 4-len(h)) + h
}

// utf16Pair splits a supplementary character into its surrogates.
func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}
