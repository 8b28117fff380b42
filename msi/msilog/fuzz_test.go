package msilog

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// FuzzExplain explains any bytes as a log: no error (a bytes.Reader never
// fails), bounded events on lines that exist, each input within the fuzz
// budgets (testenv.CheckFuzzBudget).
func FuzzExplain(f *testing.F) {
	ents, _ := os.ReadDir("testdata")
	for _, e := range ents {
		if b, err := os.ReadFile(filepath.Join("testdata", e.Name())); err == nil {
			if len(b) > 8<<10 {
				b = b[:8<<10]
			}
			f.Add(b)
		}
	}
	f.Add([]byte{0xFF, 0xFE, 0x41, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		testenv.CheckFuzzBudget(t, len(b), func() {
			x, err := Explain(bytes.NewReader(b), &Options{MaxLineLen: 256, MaxEvents: 20})
			if err != nil {
				t.Fatalf("Explain: %v", err)
			}
			if len(x.Events) > 20 {
				t.Fatalf("%d events, limit 20", len(x.Events))
			}
			for _, ev := range x.Events {
				if ev.Line < 1 || ev.Line > x.Lines {
					t.Fatalf("event at line %d of %d", ev.Line, x.Lines)
				}
			}
		})
	})
}
