package jsonindent

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// shortTextsHeld bounds the heap an Encoder keeps after writing 100,000
// different short strings that need escaping, each made for its value
// (an SBOM's error texts naming each file: 130 bytes with quotes): the
// memo of short strings, 1 MiB counted. It measured 0.9 MB; 13.6 MB when
// short strings shared the long strings' memo of 16 MiB.
const shortTextsHeld = 3 << 20

// TestShortTextsNotHeld writes 100,000 different short strings needing
// escaping: what the Encoder keeps alive of them is bounded by the memo
// of short strings, and the output is the strings escaped.
func TestShortTextsNotHeld(t *testing.T) {
	w := bufio.NewWriter(io.Discard)
	var e *Encoder
	held := testenv.LiveBytes(func() any {
		e = NewEncoder(w, Options{Printable: true})
		for i := range 100000 {
			s := fmt.Sprintf(`install: File "f%d.exe" (cabinet "#data.cab"): expected in cabinet "#data.cab" (sequence %d), not found there`, i, i)
			if err := e.String(s); err != nil {
				t.Fatal(err)
			}
		}
		return e
	})
	t.Logf("%d bytes held", held)
	if held > shortTextsHeld {
		t.Errorf("the Encoder holds %d bytes after 100,000 short strings, want at most %d", held, shortTextsHeld)
	}
	runtime.KeepAlive(e)
}
