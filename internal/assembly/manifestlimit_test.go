package assembly

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

// eagerUTF8 is the conversion textReader replaces, kept as its oracle:
// the whole text converted at once, through utf16.Decode.
func eagerUTF8(b []byte) []byte {
	switch {
	case bytes.HasPrefix(b, []byte{0xef, 0xbb, 0xbf}):
		return b[3:]
	case len(b) >= 2 && (b[0] == 0xff && b[1] == 0xfe || b[0] == 0xfe && b[1] == 0xff):
		le := b[0] == 0xff
		b = b[2:]
		u := make([]uint16, len(b)/2)
		for i := range u {
			if le {
				u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
			} else {
				u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
			}
		}
		return []byte(string(utf16.Decode(u)))
	}
	return b
}

// TestTextReaderAgreesWithDecode: the streaming conversion gives the
// bytes the whole-text conversion gave, whatever the reads' sizes (one
// byte at a time splits every character), for surrogate pairs, lone
// surrogates, odd lengths and both byte orders.
func TestTextReaderAgreesWithDecode(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	units := []uint16{'a', '<', 0, 0xe9, 0x4e2d, 0xd83d, 0xde00, 0xdc00, 0xd800, 0xfffd, 0xfeff, 0xffff}
	var inputs [][]byte
	for _, bom := range [][]byte{{0xff, 0xfe}, {0xfe, 0xff}, {0xef, 0xbb, 0xbf}, nil} {
		for range 200 {
			b := append([]byte{}, bom...)
			for range rng.IntN(40) {
				u := units[rng.IntN(len(units))]
				if rng.IntN(2) == 0 {
					b = append(b, byte(u), byte(u>>8))
				} else {
					b = append(b, byte(u>>8), byte(u))
				}
			}
			if rng.IntN(4) == 0 {
				b = append(b, 'x') // an odd length
			}
			inputs = append(inputs, b)
		}
	}
	for _, b := range inputs {
		want := eagerUTF8(b)
		for _, wrap := range []func(io.Reader) io.Reader{func(r io.Reader) io.Reader { return r }, iotest.OneByteReader, iotest.HalfReader} {
			got, err := io.ReadAll(wrap(textReader(b)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("% x: got %q, want %q", b, got, want)
			}
		}
	}
}

// TestParseManifestLimit: ParseManifest stops after the first token that
// ends past its limit, and says how much XML it parsed.
func TestParseManifestLimit(t *testing.T) {
	const identity = `<assemblyIdentity name="A" version="1.0.0.0"/>`
	doc := `<assembly>` + identity + `</assembly>`
	upTo := int64(len(`<assembly>` + identity)) // the XML parsed to read the identity
	padded := `<assembly><!--` + strings.Repeat("a", 1<<20) + `-->` + identity + `</assembly>`
	type result struct {
		Name   string
		Parsed int64
		Limit  bool // the error matches ErrLimit
		Format bool // the error matches ErrFormat
	}
	tests := []struct {
		name  string
		in    string
		limit int64
		want  result
	}{
		{"within", doc, 1 << 20, result{Name: "A", Parsed: upTo}},
		{"exactly", doc, upTo, result{Name: "A", Parsed: upTo}},
		{"identity past the limit", doc, upTo - 1, result{Parsed: upTo, Limit: true}},
		{"nothing left", doc, 0, result{Limit: true}},
		{"comment past the limit", padded, 4096, result{Parsed: int64(len(padded) - len(identity+`</assembly>`)), Limit: true}},
		{"comment within", padded, 2 << 20, result{Name: "A", Parsed: int64(len(padded) - len(`</assembly>`))}},
		{"bad XML within", `<assembly><a></b>`, 1 << 20, result{Parsed: int64(len(`<assembly><a></b>`)), Format: true}},
		{"too large", `<assembly>` + strings.Repeat(" ", MaxManifest), 1 << 30, result{Format: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, n, err := ParseManifest([]byte(tt.in), tt.limit)
			got := result{Parsed: n, Limit: errors.Is(err, ErrLimit), Format: errors.Is(err, ErrFormat)}
			if id != nil {
				got.Name = id.Name
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseManifest (-want +got):\n%s (error %v)", diff, err)
			}
			var le *LimitError
			if got.Limit && (!errors.As(err, &le) || le.Limit != tt.limit) {
				t.Errorf("error %v (%T), want a *LimitError of %d", err, err, tt.limit)
			}
		})
	}
}

// BenchmarkParseManifest measures the XML decoder on the hostile shape
// the pass bounds: a 4 MiB manifest of text of entities before any
// identity.
func BenchmarkParseManifest(b *testing.B) {
	doc := []byte(`<assembly>` + strings.Repeat("&amp;aaa", (MaxManifest-64)/8))
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseManifest(doc, int64(len(doc))+1); !errors.Is(err, ErrFormat) {
			b.Fatal(err)
		}
	}
}
