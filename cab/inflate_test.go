package cab

import (
	"github.com/msikit/msikit/internal/testenv"

	"bytes"
	"compress/flate"
	"io"
	"math/rand"
	"testing"
)

// flateDecode is the oracle: compress/flate on a raw deflate stream with
// history dict, reading at most limit bytes.
func flateDecode(src, dict []byte, limit int) ([]byte, error) {
	r := flate.NewReaderDict(bytes.NewReader(src), dict)
	defer r.Close()
	return io.ReadAll(io.LimitReader(r, int64(limit)))
}

func inflateTest(history, src []byte, n int) ([]byte, error) {
	out := make([]byte, len(history)+n+inflateSlack)
	copy(out, history)
	err := newInflater().inflate(out, len(history), n, src)
	return out[len(history) : len(history)+n], err
}

// TestInflateMatchesFlate compresses varied data with compress/flate at
// every level (stored, Huffman-only, fixed and dynamic codes, with and
// without a history dictionary) and checks the decoder against the
// original bytes.
func TestInflateMatchesFlate(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	random := make([]byte, maxBlockSize)
	rng.Read(random)
	inputs := map[string][]byte{
		"text":   sample(maxBlockSize, 77),
		"random": random,
		"zeros":  make([]byte, maxBlockSize),
		"short":  []byte("a"),
		"empty":  {},
		"mixed":  append(append([]byte{}, sample(10000, 3)...), random[:5000]...),
	}
	dict := sample(mszipWindow, 5)
	for name, data := range inputs {
		for _, level := range []int{flate.HuffmanOnly, flate.NoCompression, flate.BestSpeed, 5, flate.BestCompression} {
			for _, withDict := range []bool{false, true} {
				var d []byte
				if withDict {
					d = dict
				}
				var buf bytes.Buffer
				w, _ := flate.NewWriterDict(&buf, level, d)
				w.Write(data)
				w.Close()
				got, err := inflateTest(d, buf.Bytes(), len(data))
				if err != nil {
					t.Errorf("%s level %d dict %v: %v", name, level, withDict, err)
					continue
				}
				if !bytes.Equal(got, data) {
					t.Errorf("%s level %d dict %v: output differs", name, level, withDict)
				}
				// One byte short or long is an error, never a panic.
				if len(data) > 0 {
					if _, err := inflateTest(d, buf.Bytes(), len(data)-1); err == nil {
						t.Errorf("%s level %d: accepted a size one short", name, level)
					}
				}
				if _, err := inflateTest(d, buf.Bytes(), len(data)+1); err == nil {
					t.Errorf("%s level %d: accepted a size one long", name, level)
				}
				if buf.Len() > 4 {
					if _, err := inflateTest(d, buf.Bytes()[:buf.Len()/2], len(data)); err == nil {
						t.Errorf("%s level %d: accepted a truncated stream", name, level)
					}
				}
			}
		}
	}
}

// FuzzInflate compares the decoder with compress/flate on arbitrary
// streams: whenever compress/flate decodes a stream, ours must produce the
// same bytes.
func FuzzInflate(f *testing.F) {
	for _, level := range []int{flate.HuffmanOnly, flate.NoCompression, flate.BestSpeed, flate.BestCompression} {
		var buf bytes.Buffer
		w, _ := flate.NewWriterDict(&buf, level, []byte("history"))
		w.Write(sample(3000, uint32(level+3)))
		w.Close()
		f.Add(buf.Bytes(), true)
	}
	f.Fuzz(func(t *testing.T, src []byte, withDict bool) {
		// Per-input deadline and heap ceiling, as for the other targets.
		testenv.CheckFuzzBudget(t, len(src), func() {
			var dict []byte
			if withDict {
				dict = []byte("history")
			}
			want, err := flateDecode(src, dict, 2*maxBlockSize)
			if err != nil || len(want) > maxBlockSize {
				// Not a valid stream for flate: ours must merely not misbehave.
				inflateTest(dict, src, maxBlockSize/2)
				return
			}
			got, err := inflateTest(dict, src, len(want))
			if err != nil {
				t.Fatalf("compress/flate decodes %d bytes, ours fails: %v", len(want), err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("output differs from compress/flate")
			}
		})
	})
}
