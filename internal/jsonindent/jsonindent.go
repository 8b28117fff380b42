package jsonindent

import (
	"bufio"
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/msikit/msikit/internal/textmemo"
)

// Options are the escaping rules beyond encoding/json's own.
type Options struct {
	// EscapeHTML writes <, > and & as \u003c, \u003e and \u0026, as
	// json.Marshal and MarshalIndent do (json.Encoder.SetEscapeHTML).
	EscapeHTML bool
	// Printable also writes every character that is not printable
	// (unicode.IsPrint: DEL, C1 controls, format characters such as
	// U+202E, separators other than space) as \uXXXX, a pair of them
	// for a character past U+FFFF, so that package data reaches a
	// terminal or a log only as visible text.
	Printable bool
	// NoMemo escapes every string as it is written, remembering none:
	// for values whose long strings are built afresh for each element
	// (a SARIF result's message), which the memo would only keep alive
	// until it is full.
	NoMemo bool
}

// A Text is a string value written from pieces, so that a long text
// made of many parts (a comment listing every file) is never held whole.
// Its JSON is the string of its pieces joined. Encoder writes a value of
// a type implementing Text that way (omitempty leaves it out as it would
// the underlying kind, so a slice type is empty when it has no elements).
type Text interface {
	JSONText(yield func(piece string) bool)
}

// memoMin is the shortest string whose escaped form is remembered,
// and memoShort the shortest one that needs escaping or is not ASCII.
const (
	memoMin   = 256
	memoShort = 32
)

// memoMax bounds the memory the memo of long strings (memoMin bytes or
// more) holds: the strings remembered (which it keeps alive) and their
// escaped forms, in bytes. A full memo is emptied.
//
// Short strings (memoShort to memoMin bytes) have a memo of their own,
// of shortMemoMax bytes, counting memoEntry bytes for each string's map
// entry: most of them are texts made for one value (an error's text
// naming its file, an install path), which a memo keeps alive for
// nothing, and escaping one again costs little. A document of 56,000
// files not read, each with an error's text of 130 bytes, kept 24 MB
// of them alive through a memo of 16 MiB.
const (
	memoMax      = 16 << 20
	shortMemoMax = 1 << 20
	memoEntry    = 64
)

// An Encoder writes values to a bufio.Writer. Its first write error is
// kept and returned by every later call, which then writes nothing.
type Encoder struct {
	w         *bufio.Writer
	opts      Options
	safe      [utf8.RuneSelf]bool // ASCII bytes written as they are
	types     map[reflect.Type]*typeInfo
	memo      map[textmemo.Key][]byte // escaped form, nil when it is the string itself
	memoSize  int
	short     map[textmemo.Key][]byte // the memo of short strings
	shortSize int
	ind       []byte // "\n", the prefix and the indentation of the current depth
	scratch   []byte
	keys      []string // a map[string]string's keys, sorted
	err       error
}

// NewEncoder returns an Encoder writing to w.
func NewEncoder(w *bufio.Writer, opts Options) *Encoder {
	e := &Encoder{w: w, opts: opts, types: map[reflect.Type]*typeInfo{}, memo: map[textmemo.Key][]byte{}, short: map[textmemo.Key][]byte{}}
	for b := 0x20; b < utf8.RuneSelf; b++ {
		e.safe[b] = true
	}
	e.safe['"'], e.safe['\\'] = false, false
	if opts.EscapeHTML {
		e.safe['<'], e.safe['>'], e.safe['&'] = false, false, false
	}
	if opts.Printable {
		e.safe[0x7f] = false
	}
	return e
}

// Reset makes e write to w, keeping what it has learnt of types and
// strings, and forgetting an earlier write error: a document written
// twice (counted, then for real) escapes its long strings once.
func (e *Encoder) Reset(w *bufio.Writer) {
	e.w = w
	e.err = nil
}

// Err returns the first write error.
func (e *Encoder) Err() error { return e.err }

func (e *Encoder) raw(s string) {
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}

func (e *Encoder) rawBytes(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *Encoder) byte(c byte) {
	if e.err == nil {
		e.err = e.w.WriteByte(c)
	}
}

// Encode writes v as json.MarshalIndent(v, prefix, "  ") writes it (with
// Options' escaping), without a final newline.
func (e *Encoder) Encode(prefix string, v any) error {
	if e.err != nil {
		return e.err
	}
	e.ind = append(append(e.ind[:0], '\n'), prefix...)
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		e.raw("null")
		return e.err
	}
	e.value(rv, e.typeInfo(rv.Type()))
	return e.err
}

// String writes s as a JSON string.
func (e *Encoder) String(s string) error {
	e.byte('"')
	e.stringBody(s)
	e.byte('"')
	return e.err
}

// AppendString appends s to dst as a JSON string, escaped as String
// writes it (remembering nothing), for a caller that builds a value in
// a buffer of its own and writes it at once.
func (e *Encoder) AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	i := e.plainPrefix(s)
	dst = append(dst, s[:i]...)
	if i < len(s) {
		dst = e.appendEscaped(dst, s[i:])
	}
	return append(dst, '"')
}

// WriteText writes t as a JSON string.
func (e *Encoder) WriteText(t Text) error {
	e.byte('"')
	e.text(t)
	e.byte('"')
	return e.err
}

// value writes v, of the type ti describes.
func (e *Encoder) value(v reflect.Value, ti *typeInfo) {
	if e.err != nil {
		return
	}
	switch ti.kind {
	case kText:
		e.byte('"')
		e.text(v.Interface().(Text))
		e.byte('"')
	case kTextMarshaler:
		// As encoding/json writes it: the text as a string (a finding's
		// severity went through encoding/json for each of 760,000
		// findings, a sixth of validate --json's time). An error is
		// left to encoding/json, which words it.
		b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			e.fallback(v)
			return
		}
		e.byte('"')
		e.bodyOnce(unsafe.String(unsafe.SliceData(b), len(b)))
		e.byte('"')
	case kString:
		e.byte('"')
		e.stringBody(v.String())
		e.byte('"')
	case kBool:
		if v.Bool() {
			e.raw("true")
		} else {
			e.raw("false")
		}
	case kInt:
		e.scratch = strconv.AppendInt(e.scratch[:0], v.Int(), 10)
		e.rawBytes(e.scratch)
	case kUint:
		e.scratch = strconv.AppendUint(e.scratch[:0], v.Uint(), 10)
		e.rawBytes(e.scratch)
	case kPointer:
		if v.IsNil() {
			e.raw("null")
			return
		}
		e.value(v.Elem(), ti.elem)
	case kInterface:
		if v.IsNil() {
			e.raw("null")
			return
		}
		v = v.Elem()
		e.value(v, e.typeInfo(v.Type()))
	case kSlice:
		if v.IsNil() {
			e.raw("null")
			return
		}
		n := v.Len()
		if n == 0 {
			e.raw("[]")
			return
		}
		e.byte('[')
		e.in()
		for i := 0; i < n && e.err == nil; i++ {
			if i > 0 {
				e.byte(',')
			}
			e.rawBytes(e.ind)
			e.value(v.Index(i), ti.elem)
		}
		e.out()
		e.rawBytes(e.ind)
		e.byte(']')
	case kMap:
		e.mapValue(v, ti)
	case kStruct:
		first := true
		for _, f := range ti.fields {
			if e.err != nil {
				return
			}
			fv := v.Field(f.index)
			if f.omitEmpty && isEmpty(fv) {
				continue
			}
			if first {
				e.byte('{')
				e.in()
				first = false
			} else {
				e.byte(',')
			}
			e.rawBytes(e.ind)
			e.raw(f.key)
			e.value(fv, f.ti)
		}
		if first {
			e.raw("{}")
			return
		}
		e.out()
		e.rawBytes(e.ind)
		e.byte('}')
	default:
		e.fallback(v)
	}
}

// mapValue writes a map with string keys as encoding/json does: null
// when nil, its entries sorted by key.
func (e *Encoder) mapValue(v reflect.Value, ti *typeInfo) {
	if v.IsNil() {
		e.raw("null")
		return
	}
	if v.Len() == 0 {
		e.raw("{}")
		return
	}
	if v.Type() == mapStringString {
		// The common case (a SARIF result's fingerprints) without
		// reflect's copies of each key and value.
		m := v.Interface().(map[string]string) // a map is a pointer: no copy
		e.keys = e.keys[:0]
		for k := range m {
			e.keys = append(e.keys, k)
		}
		slices.Sort(e.keys)
		e.byte('{')
		e.in()
		for i, k := range e.keys {
			if i > 0 {
				e.byte(',')
			}
			e.rawBytes(e.ind)
			e.byte('"')
			e.stringBody(k)
			e.raw(`": "`)
			e.stringBody(m[k])
			e.byte('"')
		}
		clear(e.keys) // keeps no key alive
		e.out()
		e.rawBytes(e.ind)
		e.byte('}')
		return
	}
	keys := v.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
	e.byte('{')
	e.in()
	for i, k := range keys {
		if e.err != nil {
			return
		}
		if i > 0 {
			e.byte(',')
		}
		e.rawBytes(e.ind)
		e.byte('"')
		e.stringBody(k.String())
		e.raw(`": `)
		e.value(v.MapIndex(k), ti.elem)
	}
	e.out()
	e.rawBytes(e.ind)
	e.byte('}')
}

func (e *Encoder) in()  { e.ind = append(e.ind, ' ', ' ') }
func (e *Encoder) out() { e.ind = e.ind[:len(e.ind)-2] }

// fallback writes v with encoding/json.
func (e *Encoder) fallback(v reflect.Value) {
	var x any
	if v.CanAddr() {
		x = v.Addr().Interface() // its pointer methods, as json.Marshal uses them
	} else {
		x = v.Interface()
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(e.opts.EscapeHTML)
	enc.SetIndent(string(e.ind[1:]), "  ")
	if err := enc.Encode(x); err != nil {
		e.err = err
		return
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if !e.opts.Printable {
		e.rawBytes(b)
		return
	}
	// Escape what is not printable: it can only be inside strings (the
	// structure is ASCII), where \uXXXX stands for it.
	start := 0
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				e.rawBytes(b[start:i])
				e.raw(`\u007f`)
				start = i + 1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if !unicode.IsPrint(r) {
			e.rawBytes(b[start:i])
			e.uEscape(r)
			start = i + size
		}
		i += size
	}
	e.rawBytes(b[start:])
}

func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

// text writes the pieces of t as one string's body. A character split
// between two pieces is joined again, so the text is escaped as the
// pieces joined would be.
func (e *Encoder) text(t Text) {
	carry := ""
	t.JSONText(func(piece string) bool {
		if carry != "" {
			piece = carry + piece
			carry = ""
		}
		cut := completeRunes(piece)
		e.stringBody(piece[:cut])
		carry = piece[cut:]
		return e.err == nil
	})
	e.stringBody(carry)
}

// completeRunes returns the length of s without a last character that is
// incomplete (its first bytes, which the next piece may complete).
func completeRunes(s string) int {
	for i := len(s) - 1; i >= 0 && i >= len(s)-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			if !utf8.FullRuneInString(s[i:]) {
				return i
			}
			break
		}
	}
	return len(s)
}

// stringBody writes s escaped, without quotes.
func (e *Encoder) stringBody(s string) {
	if e.err != nil {
		return
	}
	if len(s) < memoMin {
		// Most short strings are plain ASCII: written as they are. The
		// others are escaped as written, or remembered when they are
		// long enough for the memo to be cheaper than escaping them
		// again (character by character past ASCII).
		if e.plainPrefix(s) == len(s) {
			e.raw(s)
			return
		}
		if len(s) < memoShort {
			e.escape(s)
			return
		}
	}
	if e.opts.NoMemo {
		e.escape(s)
		return
	}
	// The same pooled string used by many rows is the same key; the
	// key keeps its bytes alive while the memo holds it.
	memo, size, limit := e.memo, &e.memoSize, memoMax
	if len(s) < memoMin {
		memo, size, limit = e.short, &e.shortSize, shortMemoMax
	}
	k := textmemo.KeyAt(s)
	if esc, ok := memo[k]; ok {
		if esc == nil {
			e.raw(s)
		} else {
			e.rawBytes(esc)
		}
		return
	}
	if *size >= limit {
		// Full (of strings written once, most likely): start again, so
		// that the strings repeated from now on are remembered.
		clear(memo)
		*size = 0
	}
	// The key keeps s alive: it counts, with the escaped form (and, for
	// a short string, its entry).
	*size += len(s)
	if len(s) < memoMin {
		*size += memoEntry
	}
	// Sized for a few escapes: grown from nil, a string with
	// backslashes all along was copied again and again.
	esc := e.appendEscaped(make([]byte, 0, len(s)+len(s)/8+16), s)
	if string(esc) == s {
		esc = nil
		e.raw(s)
	} else {
		*size += len(esc)
		e.rawBytes(esc)
	}
	memo[k] = esc
}

// bodyOnce writes s escaped, without quotes, as stringBody does but
// remembering nothing: s may share bytes that change after the call.
func (e *Encoder) bodyOnce(s string) {
	if e.plainPrefix(s) == len(s) {
		e.raw(s)
		return
	}
	e.escape(s)
}

// plainPrefix returns the length of s's longest prefix of ASCII bytes
// that are written as they are (no escape).
func (e *Encoder) plainPrefix(s string) int {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf && e.safe[s[i]] {
		i++
	}
	return i
}

// escape writes a string escaped, through the scratch buffer (a short
// one, under memoShort bytes, or any with NoMemo).
func (e *Encoder) escape(s string) {
	e.scratch = e.appendEscaped(e.scratch[:0], s)
	e.rawBytes(e.scratch)
}

// appendEscaped appends s escaped.
func (e *Encoder) appendEscaped(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if e.safe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = appendASCIIEscape(dst, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		case e.opts.Printable && !unicode.IsPrint(r):
			dst = append(dst, s[start:i]...)
			dst = appendUEscape(dst, r)
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(dst, s[start:]...)
}

const hexDigits = "0123456789abcdef"

func appendASCIIEscape(dst []byte, c byte) []byte {
	switch c {
	case '\\', '"':
		return append(dst, '\\', c)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}

// appendUEscape appends r as \uXXXX, or as the \uXXXX\uXXXX of its
// surrogate pair past U+FFFF.
func appendUEscape(dst []byte, r rune) []byte {
	if r > 0xffff {
		r -= 0x10000
		dst = appendU4(dst, 0xd800+(r>>10)&0x3ff)
		return appendU4(dst, 0xdc00+r&0x3ff)
	}
	return appendU4(dst, r)
}

func appendU4(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

func (e *Encoder) uEscape(r rune) {
	e.scratch = appendUEscape(e.scratch[:0], r)
	e.rawBytes(e.scratch)
}

// Type analysis.

type kind int

const (
	kFallback kind = iota
	kText
	kTextMarshaler // a value type with MarshalText, not MarshalJSON
	kString
	kBool
	kInt
	kUint
	kPointer
	kInterface
	kSlice
	kMap
	kStruct
)

type typeInfo struct {
	kind   kind
	elem   *typeInfo // kPointer, kSlice, kMap (the values)
	fields []field   // kStruct
}

type field struct {
	ti        *typeInfo
	index     int
	key       string // `"name": `
	omitEmpty bool
}

var (
	textType          = reflect.TypeFor[Text]()
	mapStringString   = reflect.TypeFor[map[string]string]()
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

func (e *Encoder) typeInfo(t reflect.Type) *typeInfo {
	if ti, ok := e.types[t]; ok {
		return ti
	}
	ti := &typeInfo{}
	e.types[t] = ti // a recursive type finds itself (filled in below)
	ti.kind = classify(t)
	switch ti.kind {
	case kPointer, kSlice, kMap:
		ti.elem = e.typeInfo(t.Elem())
	case kStruct:
		fields, ok := structFields(t)
		if !ok {
			ti.kind = kFallback
			break
		}
		for i := range fields {
			fields[i].ti = e.typeInfo(t.Field(fields[i].index).Type)
		}
		ti.fields = fields
	}
	return ti
}

func classify(t reflect.Type) kind {
	if t.Implements(textType) {
		return kText
	}
	if t.Kind() != reflect.Interface {
		pt := reflect.PointerTo(t)
		if t.Implements(marshalerType) || pt.Implements(marshalerType) {
			return kFallback
		}
		if t.Implements(textMarshalerType) && t.Kind() != reflect.Pointer {
			return kTextMarshaler
		}
		if t.Implements(textMarshalerType) || pt.Implements(textMarshalerType) {
			return kFallback
		}
	}
	switch t.Kind() {
	case reflect.String:
		return kString
	case reflect.Bool:
		return kBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return kInt
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return kUint
	case reflect.Pointer:
		return kPointer
	case reflect.Interface:
		return kInterface
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return kFallback // base64, or a byte slice type's own encoding
		}
		return kSlice
	case reflect.Map:
		// Keys of a string kind are written as they are (encoding/json
		// ignores their MarshalText); other keys are encoding/json's.
		if t.Key().Kind() == reflect.String {
			return kMap
		}
		return kFallback
	case reflect.Struct:
		return kStruct
	}
	return kFallback
}

// structFields lists the fields encoding/json writes, in order, for a
// struct without embedded fields whose tags are plain names with at most
// omitempty; ok is false for any other struct.
func structFields(t reflect.Type) (fields []field, ok bool) {
	seen := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Anonymous {
			return nil, false
		}
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		omit := false
		for opts != "" {
			var o string
			o, opts, _ = strings.Cut(opts, ",")
			switch o {
			case "omitempty":
				omit = true
			case "":
			default:
				return nil, false // string, omitzero, ...
			}
		}
		if name == "" {
			name = sf.Name
		}
		if !plainName(name) || seen[name] {
			return nil, false
		}
		seen[name] = true
		fields = append(fields, field{index: i, key: strconv.Quote(name) + ": ", omitEmpty: omit})
	}
	return fields, true
}

// plainName reports whether name is written as it is, quoted, whatever
// the escaping.
func plainName(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '$' || c == '@' || c == '.') {
			return false
		}
	}
	return name != ""
}

// ErrLimit is returned by a Counter's Write once the count passes the
// limit.
var ErrLimit = errors.New("jsonindent: size limit passed")

// A Counter is an io.Writer that only counts what it is given and fails
// with ErrLimit as soon as the count passes Limit (0 for no limit): the
// first of a document's two writes, the one that tells whether it may
// be written.
type Counter struct {
	N     int64
	Limit int64
}

// Write counts p, and fails with ErrLimit once the count passes the
// limit.
func (c *Counter) Write(p []byte) (int, error) {
	c.N += int64(len(p))
	if c.Limit > 0 && c.N > c.Limit {
		return 0, ErrLimit
	}
	return len(p), nil
}

// Add counts n bytes written elsewhere (whose length is known), failing
// as Write does.
func (c *Counter) Add(n int64) error {
	c.N += n
	if c.Limit > 0 && c.N > c.Limit {
		return ErrLimit
	}
	return nil
}
