package cfb

import (
	"bytes"
	"strings"
	"testing"
)

// TestLenient checks that recoverable oddities of real files are read,
// each with a warning saying what was wrong.
func TestLenient(t *testing.T) {
	stream5000 := func(f *rawFile, size uint64) {
		f.dirEntry(0, "Root Entry", TypeRoot, noStream, noStream, 1, endOfChain, 0)
		f.dirEntry(1, "A", TypeStream, noStream, noStream, noStream, 2, size)
		for s := 2; s < 11; s++ {
			f.setFAT(s, uint32(s+1))
		}
		f.setFAT(11, endOfChain)
		for s := 2; s < 12; s++ {
			for i := range f.secs[s] {
				f.secs[s][i] = byte(s)
			}
		}
	}
	for _, tc := range []struct {
		name     string
		make     func() []byte
		warning  string
		wantSize int64 // of stream "A", -1 to skip
	}{
		{"partial last sector", func() []byte {
			f := newRaw(3, 12, 1)
			stream5000(f, 5000)
			b := f.bytes()
			return b[:len(b)-100] // slack after the stream's last byte
		}, "not a whole number of 512-byte sectors", 5000},
		{"v3 size high bits", func() []byte {
			f := newRaw(3, 12, 1)
			stream5000(f, 1<<40|5000)
			return f.bytes()
		}, "ignoring high 32 bits", 5000},
		{"truncated stream", func() []byte {
			f := newRaw(3, 12, 1)
			stream5000(f, 5000)
			b := f.bytes()
			return b[:len(b)-1000]
		}, "read as zeros", 5000},
		{"FAT sector past EOF describing only missing sectors", func() []byte {
			f := newRaw(3, 12, 1)
			stream5000(f, 5000)
			f.setHeader(0x2C, 2)
			f.setHeader(0x4C+4, 5000)
			return f.bytes()
		}, "FAT sector 1 (at sector 5000) is past the end", 5000},
		{"version mismatch", func() []byte {
			f := newRaw(3, 12, 1)
			stream5000(f, 5000)
			f.hdr[0x1A] = 4
			return f.bytes()
		}, "major version 4 does not match", 5000},
		{"duplicate names", func() []byte {
			f := newRaw(3, 2, 1)
			f.dirEntry(0, "Root Entry", TypeRoot, noStream, noStream, 1, endOfChain, 0)
			f.dirEntry(1, "a", TypeStream, noStream, 2, noStream, endOfChain, 0)
			f.dirEntry(2, "A", TypeStream, noStream, noStream, noStream, endOfChain, 0)
			return f.bytes()
		}, "two children named", -1},
		{"header DIFAT count too high", func() []byte {
			f := newRaw(3, 12, 1)
			stream5000(f, 5000)
			f.setHeader(0x48, 3)
			return f.bytes()
		}, "header says 3 DIFAT sectors, chain has 0", 5000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.make()
			r, err := NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, w := range r.Warnings {
				found = found || strings.Contains(w, tc.warning)
			}
			if !found {
				t.Errorf("warnings %q lack %q", r.Warnings, tc.warning)
			}
			if tc.wantSize < 0 {
				return
			}
			e := r.Lookup("A")
			if e == nil || e.Size != tc.wantSize {
				t.Fatalf("entry A = %+v", e)
			}
			s, _ := e.Open()
			b := make([]byte, e.Size)
			if _, err := s.ReadAt(b, 0); err != nil {
				t.Fatal(err)
			}
			for i, c := range b {
				want := byte(2 + i/512)
				if off := int64(512 + 512*(2+i/512) + i%512); off >= int64(len(data)) {
					want = 0 // past the end of a truncated file
				}
				if c != want {
					t.Fatalf("byte %d = %d, want %d", i, c, want)
				}
			}
		})
	}
}
