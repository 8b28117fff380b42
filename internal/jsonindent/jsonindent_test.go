package jsonindent

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// want is what encoding/json writes for v at prefix with opts (the
// Printable escaping done afterwards, over the whole text, as package
// msi/sbom did before it used this package).
func want(t testing.TB, prefix string, v any, opts Options) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(opts.EscapeHTML)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if !opts.Printable {
		return string(b)
	}
	var out strings.Builder
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == 0x7f:
			out.WriteString(`\u007f`)
		case r >= utf8.RuneSelf && !unicode.IsPrint(r):
			out.Write(appendUEscape(nil, r))
		default:
			out.Write(b[i : i+size])
		}
		i += size
	}
	return out.String()
}

func encode(t testing.TB, e *Encoder, prefix string, v any) string {
	t.Helper()
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	e.Reset(w)
	if err := e.Encode(prefix, v); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

var allOptions = []Options{{}, {EscapeHTML: true}, {Printable: true}, {EscapeHTML: true, Printable: true}, {NoMemo: true}, {EscapeHTML: true, Printable: true, NoMemo: true}}

type Severity string

// level has MarshalText (a value method), as validate.Severity has:
// written as its text; a bad level's error is encoding/json's.
type level uint8

func (l level) MarshalText() ([]byte, error) {
	switch l {
	case 0:
		return nil, nil
	case 1:
		return []byte("warning"), nil
	case 2:
		return []byte("<err\"or>\u2028\x7fé\xff"), nil
	}
	return nil, fmt.Errorf("bad level %d", l)
}

// ptrLevel has MarshalText on its pointer only.
type ptrLevel uint8

func (l *ptrLevel) MarshalText() ([]byte, error) { return []byte("p" + strconv.Itoa(int(*l))), nil }

// withLevels holds MarshalText values in each place a value goes.
type withLevels struct {
	L    level            `json:"l"`
	Opt  level            `json:"opt,omitempty"`
	Ls   []level          `json:"ls"`
	M    map[string]level `json:"m"`
	Any  any              `json:"any"`
	P    ptrLevel         `json:"p"`
	PP   *level           `json:"pp"`
	Nil  *level           `json:"nil"`
	Twos [2]level         `json:"twos"`
}

type inner struct {
	Name  string   `json:"name"`
	Value string   `json:"value,omitempty"`
	List  []string `json:"list,omitempty"`
	N     int      `json:"n"`
}

type outer struct {
	Kind     Severity          `json:"kind"`
	Key      []string          `json:"key"`
	Flag     bool              `json:"flag"`
	Opt      bool              `json:"opt,omitempty"`
	Count    int64             `json:"count"`
	Small    int8              `json:"small,omitempty"`
	U        uint32            `json:"u"`
	Ptr      *inner            `json:"ptr"`
	OptPtr   *inner            `json:"optPtr,omitempty"`
	Inners   []inner           `json:"inners"`
	Ptrs     []*inner          `json:"ptrs,omitempty"`
	Any      any               `json:"any"`
	NoTag    string            //
	Skipped  string            `json:"-"`
	Map      map[string]int    `json:"map,omitempty"` // handed to encoding/json
	Float    float64           `json:"float"`         // handed to encoding/json
	Bytes    []byte            `json:"bytes"`         // handed to encoding/json
	When     time.Time         `json:"when"`          // its own MarshalJSON
	Empty    struct{}          `json:"empty"`
	Nested   [][]inner         `json:"nested"`
	Quoted   int               `json:"quoted,string"` // the struct goes to encoding/json
	private  string            //
	Anything map[string]*inner `json:"anything"`
}

// withMaps holds maps with string keys, which Encoder writes itself.
type withMaps struct {
	Fingerprints map[string]string   `json:"fingerprints,omitempty"`
	Bag          map[string]any      `json:"bag,omitempty"`
	Named        map[Severity][]int  `json:"named"`
	Structs      map[string]inner    `json:"structs"`
	Ints         map[int]string      `json:"ints"` // encoding/json's
	Empty        map[string]string   `json:"empty"`
	Nested       map[string][]string `json:"nested,omitempty"`
}

type embedding struct {
	inner
	Extra string `json:"extra"`
}

type plain struct {
	A string `json:"a"`
	B []int  `json:"b"`
	C *plain `json:"c,omitempty"`
}

func values() []any {
	one := level(1)
	long := strings.Repeat("a;<b>&\"c\\\u202e\u2028é\x7f\x01", 40) // past memoMin
	in := inner{Name: "n", Value: long, List: []string{"x", long}, N: -3}
	return []any{
		nil, "", "plain", long, 0, -12, uint(7), true, false, Severity("warning"),
		[]string(nil), []string{}, []string{"a", "b<>"},
		in, &in, []inner{in, {}}, []*inner{nil, &in},
		plain{A: long, B: []int{1, 2}, C: &plain{A: "x"}},
		outer{Kind: "error", Key: []string{"k"}, Ptr: &in, Inners: []inner{in}, Any: in, NoTag: "t", Skipped: "s",
			Map: map[string]int{"b": 1, "a": 2}, Float: 1.5, Bytes: []byte("xyz"), When: time.Unix(1e9, 0).UTC(),
			Nested: [][]inner{{in}, nil, {}}, Quoted: 4, private: "p", Anything: map[string]*inner{"z": nil, "y": &in}},
		outer{},
		embedding{inner: in, Extra: "e"},
		map[string]any{"k": []any{1, "two", nil}},
		map[string]string(nil), map[string]string{}, map[string]string{"b<": "1", "a\u2028": long, "\x01": "", "é": "x"},
		withMaps{Fingerprints: map[string]string{"msikitRows/v1": "0123", "a": "b"}, Bag: map[string]any{"tags": []string{"x"}, "n": 1.5, "in": in, "nil": nil},
			Named: map[Severity][]int{"warning": {1}, "error": nil}, Structs: map[string]inner{"z": in, "a": {}}, Ints: map[int]string{2: "b", 1: "a"},
			Empty: map[string]string{}, Nested: map[string][]string{long: {long}}},
		withMaps{}, &withMaps{Bag: map[string]any{}},
		[]any{1.25, "x", in, nil},
		level(0), level(1), level(2), []level{2, 1, 0}, &withLevels{L: 1, Opt: 2, Ls: []level{0, 1, 2}, M: map[string]level{"b": 2, "a": 1},
			Any: level(2), P: 4, PP: &one, Twos: [2]level{1, 2}}, withLevels{},
	}
}

// TestEncodeMatchesEncodingJSON compares Encode with encoding/json on
// values of every kind it handles and some it hands over, at two
// prefixes, with each option set.
func TestEncodeMatchesEncodingJSON(t *testing.T) {
	for _, opts := range allOptions {
		e := NewEncoder(nil, opts)
		for i, v := range values() {
			for _, prefix := range []string{"", "    "} {
				// Twice: the second time the long strings come from the memo.
				for round := range 2 {
					if diff := cmp.Diff(want(t, prefix, v, opts), encode(t, e, prefix, v)); diff != "" {
						t.Errorf("%+v: value %d (%T), prefix %q, round %d (-encoding/json +Encode):\n%s", opts, i, v, prefix, round, diff)
					}
				}
			}
		}
	}
}

// TestTextMarshalerError checks that a MarshalText error is
// encoding/json's, wherever the value is.
func TestTextMarshalerError(t *testing.T) {
	for _, v := range []any{level(3), []level{1, 3}, withLevels{Any: level(3)}} {
		_, want := json.Marshal(v)
		var buf bytes.Buffer
		w := bufio.NewWriter(&buf)
		got := NewEncoder(w, Options{}).Encode("", v)
		if want == nil || got == nil || got.Error() != want.Error() {
			t.Errorf("%#v: error %v, want %v", v, got, want)
		}
	}
}

// TestStringsMatchEncodingJSON compares the escaping of every ASCII byte,
// invalid UTF-8 and characters of each kind, short (escaped as written)
// and long (escaped once into the memo), and long once the memo is full
// (which empties it).
func TestStringsMatchEncodingJSON(t *testing.T) {
	var cases []string
	for b := 0; b < 0x100; b++ {
		cases = append(cases, "x"+string(rune(b))+"y", "x"+string([]byte{byte(b)})+"y")
	}
	cases = append(cases, "\u2028\u2029", "\u202e", "\U0001F600", "\U000E0001", "\xed\xa0\x80", "\xe2\x80", "é\xc3", "\u00ad\u200b\ufeff", "\x85\u0085")
	for _, opts := range allOptions {
		e := NewEncoder(nil, opts)
		full := NewEncoder(nil, opts)
		for _, c := range cases {
			for _, s := range []string{c, strings.Repeat(c, memoShort), strings.Repeat(c, memoMin)} {
				w := want(t, "", s, opts)
				if got := encode(t, e, "", s); got != w {
					t.Errorf("%+v: %q: got %s, want %s", opts, s[:min(len(s), 16)], got[:min(len(got), 64)], w[:min(len(w), 64)])
				}
				full.memoSize, full.shortSize = memoMax, shortMemoMax
				if got := encode(t, full, "", s); got != w {
					t.Errorf("%+v, memo full: %q: got %s, want %s", opts, s[:min(len(s), 16)], got[:min(len(got), 64)], w[:min(len(w), 64)])
				}
				if got := string(e.AppendString([]byte("x"), s)); got != "x"+w {
					t.Errorf("%+v: AppendString(%q): got %s, want x%s", opts, s[:min(len(s), 16)], got[:min(len(got), 64)], w[:min(len(w), 64)])
				}
				if len(full.memo) > 1 || len(full.short) > 1 {
					t.Errorf("%+v: a full memo was not emptied: %d long and %d short strings", opts, len(full.memo), len(full.short))
				}
			}
		}
	}
}

// FuzzJSONString compares the escaping of any string with encoding/json's.
func FuzzJSONString(f *testing.F) {
	f.Add("a\u2028<b>\x7f\xff\u202e\U0001F600\"\\", false, false)
	f.Fuzz(func(t *testing.T, s string, html, printable bool) {
		testenv.CheckFuzzBudget(t, len(s), func() {
			opts := Options{EscapeHTML: html, Printable: printable}
			long := strings.Repeat(s, memoMin/max(1, len(s))+1)
			e := NewEncoder(nil, opts)
			for _, v := range []string{s, long, long} {
				if got, w := encode(t, e, "", v), want(t, "", v, opts); got != w {
					t.Fatalf("%+v: %q: got %s, want %s", opts, v, got, w)
				}
				if got, w := string(e.AppendString(nil, v)), want(t, "", v, opts); got != w {
					t.Fatalf("%+v: AppendString(%q): got %s, want %s", opts, v, got, w)
				}
			}
			// As a Text cut in three at any place: the same string.
			for i := 0; i <= len(s) && i < 8; i++ {
				j := (i + len(s)) / 2
				got := encode(t, e, "", pieces{s[:i], s[i:j], s[j:]})
				if w := want(t, "", s, opts); got != w {
					t.Fatalf("%+v: %q cut at %d and %d: got %s, want %s", opts, s, i, j, got, w)
				}
			}
		})
	})
}

type pieces []string

func (p pieces) JSONText(yield func(string) bool) {
	for _, s := range p {
		if !yield(s) {
			return
		}
	}
}

type withText struct {
	Name    string `json:"name"`
	Comment pieces `json:"comment,omitempty"`
}

// TestText checks that a Text is written as the string of its pieces
// joined, a character split between pieces included, and that omitempty
// leaves out one with no pieces.
func TestText(t *testing.T) {
	long := strings.Repeat("é\u202e", memoMin)
	for _, opts := range allOptions {
		e := NewEncoder(nil, opts)
		for _, p := range []pieces{nil, {"a", "b"}, {"\xc3", "\xa9"}, {"\xe2\x80", "\xa8x"}, {"x\xe2", "\x80", "\xa8"}, {"\xc3"}, {"\xc3", "a"}, {long, long[:len(long)-1], long[len(long)-1:]}} {
			joined := strings.Join(p, "")
			var c any = withText{Name: "x"}
			if len(p) > 0 {
				c = struct {
					Name    string `json:"name"`
					Comment string `json:"comment"`
				}{"x", joined}
			}
			if diff := cmp.Diff(want(t, "  ", c, opts), encode(t, e, "  ", withText{"x", p})); diff != "" {
				t.Errorf("%+v: %q (-joined +Text):\n%s", opts, p, diff)
			}
		}
	}
}

// TestMemoSameBytes checks that the memo tells strings apart by their
// bytes' place and length: a prefix of a remembered string, and an equal
// string elsewhere, are written right.
func TestMemoSameBytes(t *testing.T) {
	e := NewEncoder(nil, Options{Printable: true})
	s := strings.Repeat("ab\u202ec", memoMin)
	other := strings.Clone(s[:len(s)/2] + "\x01")
	for _, v := range []string{s, s[:len(s)/2], s[1:], other, s} {
		if got, w := encode(t, e, "", v), want(t, "", v, Options{Printable: true}); got != w {
			t.Errorf("%q...: got %s..., want %s...", v[:8], got[:16], w[:16])
		}
	}
}

// TestCounter checks that a write through a Counter stops with ErrLimit
// once the count passes the limit, and not before.
func TestCounter(t *testing.T) {
	v := []string{strings.Repeat("x", 1000), strings.Repeat("y", 1000)}
	size := int64(len(want(t, "", v, Options{})))
	for _, limit := range []int64{0, size, size - 1, 10} {
		c := &Counter{Limit: limit}
		w := bufio.NewWriterSize(c, 16)
		e := NewEncoder(w, Options{})
		err := e.Encode("", v)
		if err == nil {
			err = w.Flush()
		}
		if tooBig := limit > 0 && size > limit; tooBig != errors.Is(err, ErrLimit) {
			t.Errorf("limit %d, %d bytes: error %v", limit, size, err)
		}
		if err == nil && c.N != size {
			t.Errorf("limit %d: counted %d bytes, want %d", limit, c.N, size)
		}
		// Once failed, the Encoder writes nothing more.
		if err != nil {
			n := c.N
			if e.Encode("", v) == nil || c.N != n {
				t.Errorf("limit %d: the Encoder went on after %v", limit, err)
			}
		}
	}
}

// BenchmarkString writes 64 KiB strings of different kinds: escaped each
// time (a new string each time, as when the memo has just been emptied)
// and repeated (the memo's escaped form copied). B/s is bytes of string.
func BenchmarkString(b *testing.B) {
	for _, k := range []struct{ name, unit string }{
		{"ascii", "plain ASCII text "},
		{"escapes", "[\\[]\"q\"\t"},
		{"cjk", "文件名称"},
		{"nonprint", "\u0085\u202e\x01"},
	} {
		s := strings.Repeat(k.unit, 64<<10/len(k.unit))
		for _, repeated := range []bool{false, true} {
			name := k.name + "/fresh"
			if repeated {
				name = k.name + "/repeated"
			}
			b.Run(name, func(b *testing.B) {
				w := bufio.NewWriterSize(io.Discard, 64<<10)
				e := NewEncoder(w, Options{Printable: true})
				fresh := []string{strings.Clone(s), strings.Clone(s)}
				b.SetBytes(int64(len(s)))
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					v := s
					if !repeated {
						// Another copy each time: never found in the memo.
						v = fresh[i%2]
						clear(e.memo)
						e.memoSize = 0
					}
					i++
					if err := e.String(v); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
