package cfb

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the generated fixtures in testdata/")

// adversarial describes one hostile input class and the error it must give.
type adversarial struct {
	name string
	make func() []byte
	want string // substring of the error message
}

func adversarials() []adversarial {
	return []adversarial{
		{"fat-selfloop-huge-v3", func() []byte {
			// A stream whose chain points to itself, declared 4 GiB - 1
			// (v3 keeps only the low 32 bits of the 2^62 it declares).
			f := newRaw(3, 3, 1)
			f.dirEntry(0, "Root Entry", TypeRoot, noStream, noStream, 1, endOfChain, 0)
			f.dirEntry(1, "A", TypeStream, noStream, noStream, noStream, 2, 1<<62|0xFFFFFFFF)
			f.setFAT(2, 2)
			return f.bytes()
		}, "exceeds what the file can hold"},
		{"fat-selfloop-huge-v4", func() []byte {
			f := newRaw(4, 3, 1)
			f.dirEntry(0, "Root Entry", TypeRoot, noStream, noStream, 1, endOfChain, 0)
			f.dirEntry(1, "A", TypeStream, noStream, noStream, noStream, 2, 1<<62)
			f.setFAT(2, 2)
			return f.bytes()
		}, "exceeds what the file can hold"},
		{"fat-selfloop-in-size", func() []byte {
			// Size fits the FAT's range, so the chain itself is followed.
			f := newRaw(3, 3, 1)
			f.dirEntry(0, "Root Entry", TypeRoot, noStream, noStream, 1, endOfChain, 0)
			f.dirEntry(1, "A", TypeStream, noStream, noStream, noStream, 2, 8192)
			f.setFAT(2, 2)
			return f.bytes()
		}, "loops back to sector 2"},
		{"fat-cycle-in-size", func() []byte {
			// 2 -> 3 -> 4 -> 2 inside a declared size of 8 sectors; a
			// naive reader returns sectors 2-4 repeated.
			f := newRaw(3, 10, 1)
			f.dirEntry(0, "Root Entry", TypeRoot, noStream, noStream, 1, endOfChain, 0)
			f.dirEntry(1, "A", TypeStream, noStream, noStream, noStream, 2, 4096)
			f.setFAT(2, 3)
			f.setFAT(3, 4)
			f.setFAT(4, 2)
			return f.bytes()
		}, "loops back to sector 2"},
		{"dir-shared-child", func() []byte {
			f := newRaw(3, 2, 1)
			f.dirEntry(0, "Root Entry", TypeRoot, noStream, noStream, 1, endOfChain, 0)
			f.dirEntry(1, "B", TypeStorage, 2, 3, noStream, 0, 0)
			f.dirEntry(2, "A", TypeStream, noStream, noStream, noStream, endOfChain, 0)
			f.dirEntry(3, "C", TypeStorage, noStream, noStream, 2, 0, 0) // shares entry 2
			return f.bytes()
		}, "referenced more than once"},
		{"dir-cycle", func() []byte {
			f := newRaw(3, 2, 1)
			f.dirEntry(0, "Root Entry", TypeRoot, noStream, noStream, 1, endOfChain, 0)
			f.dirEntry(1, "A", TypeStorage, noStream, noStream, 2, 0, 0)
			f.dirEntry(2, "B", TypeStorage, noStream, noStream, 1, 0, 0) // child is its parent
			return f.bytes()
		}, "referenced more than once"},
		{"dir-child-is-root", func() []byte {
			f := newRaw(3, 2, 1)
			f.dirEntry(0, "Root Entry", TypeRoot, noStream, noStream, 1, endOfChain, 0)
			f.dirEntry(1, "A", TypeStorage, noStream, noStream, 0, 0, 0)
			return f.bytes()
		}, "referenced more than once"},
		{"root-with-sibling", func() []byte {
			f := newRaw(3, 2, 1)
			f.dirEntry(0, "Root Entry", TypeRoot, 1, noStream, 2, endOfChain, 0)
			f.dirEntry(1, "Hidden", TypeStream, noStream, noStream, noStream, endOfChain, 0)
			f.dirEntry(2, "A", TypeStream, noStream, noStream, noStream, endOfChain, 0)
			return f.bytes()
		}, "root entry has siblings"},
		{"difat-loop", func() []byte {
			f := newRaw(3, 3, 1)
			f.dirEntry(0, "Root Entry", TypeRoot, noStream, noStream, noStream, endOfChain, 0)
			f.setHeader(0x44, 2) // first DIFAT sector
			f.setHeader(0x48, 1)
			f.setFAT(2, difSect)
			d := f.secs[2]
			for i := 0; i < len(d); i += 4 {
				copy(d[i:], []byte{0xFF, 0xFF, 0xFF, 0xFF})
			}
			copy(d[len(d)-4:], []byte{2, 0, 0, 0}) // next DIFAT sector: itself
			return f.bytes()
		}, "DIFAT chain loops back to sector 2"},
		{"stream-sector-past-eof", func() []byte {
			f := newRaw(3, 3, 1)
			f.dirEntry(0, "Root Entry", TypeRoot, noStream, noStream, 1, endOfChain, 0)
			f.dirEntry(1, "A", TypeStream, noStream, noStream, noStream, 100000, 4096)
			return f.bytes()
		}, "past the end"},
		{"fat-sector-past-eof", func() []byte {
			f := newRaw(3, 3, 1)
			f.dirEntry(0, "Root Entry", TypeRoot, noStream, noStream, noStream, endOfChain, 0)
			f.setHeader(0x4C, 5000)
			return f.bytes()
		}, "past the end of the file"},
		{"dir-id-past-end", func() []byte {
			f := newRaw(3, 2, 1)
			f.dirEntry(0, "Root Entry", TypeRoot, noStream, noStream, 4000, endOfChain, 0)
			return f.bytes()
		}, "past the end of the directory"},
		{"mini-cycle", func() []byte {
			// Root's mini stream in sector 2; mini FAT in sector 3 with a
			// two-sector cycle.
			f := newRaw(3, 4, 1)
			f.dirEntry(0, "Root Entry", TypeRoot, noStream, noStream, 1, 2, 512)
			f.dirEntry(1, "A", TypeStream, noStream, noStream, noStream, 0, 300)
			f.setFAT(2, endOfChain)
			f.setFAT(3, endOfChain)
			f.setHeader(0x3C, 3)
			f.setHeader(0x40, 1)
			m := f.secs[3]
			for i := 0; i < len(m); i += 4 {
				copy(m[i:], []byte{0xFF, 0xFF, 0xFF, 0xFF})
			}
			copy(m[0:], []byte{1, 0, 0, 0})
			copy(m[4:], []byte{0, 0, 0, 0})
			return f.bytes()
		}, "loops back to mini sector 0"},
	}
}

// checkSafeError asserts that opening data fails with a *FormatError
// containing want, within the safety budget (testenv.CheckBudget).
func checkSafeError(t *testing.T, data []byte, opts *ReaderOptions, want string) {
	t.Helper()
	var err error
	testenv.CheckBudget(t, "open", func() {
		var r *Reader
		r, err = NewReaderOptions(bytes.NewReader(data), int64(len(data)), opts)
		if err == nil {
			// Reading the streams must fail then; the open itself should have.
			for _, e := range r.Entries() {
				if s, oerr := e.Open(); oerr == nil {
					buf := make([]byte, 64<<10)
					for {
						if _, err = s.Read(buf); err != nil {
							break
						}
					}
				}
			}
			t.Fatalf("no error opening a hostile file (stream read error: %v)", err)
		}
	})
	if !errors.Is(err, ErrFormat) {
		t.Errorf("error %v does not match ErrFormat", err)
	}
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Errorf("error %T is not a *FormatError", err)
	} else if fe.Offset < -1 || fe.Offset >= int64(len(data)) {
		t.Errorf("error offset %d is outside the %d-byte file", fe.Offset, len(data))
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not mention %q", err, want)
	}
	if !strings.HasPrefix(err.Error(), "cfb: ") {
		t.Errorf("error %q lacks the cfb: prefix", err)
	}
}

func TestAdversarial(t *testing.T) {
	for _, a := range adversarials() {
		t.Run(a.name, func(t *testing.T) {
			data := a.make()
			committed := checkGenerated(t, filepath.Join("testdata", "adversarial", a.name+".cfb"), data)
			checkSafeError(t, committed, nil, a.want)
		})
	}
}

// nested writes a file with depth storages each inside the previous.
func nested(t testing.TB, depth int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, &WriterOptions{Version: 4})
	if err := w.Mkdir(strings.Repeat("a/", depth-1)+"a", nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestNestedStorages(t *testing.T) {
	data := nested(t, 40000)
	t.Run("default-budget", func(t *testing.T) {
		checkSafeError(t, data, nil, "nest deeper than the limit of 64")
	})
	t.Run("raised-depth", func(t *testing.T) {
		// With the depth budget lifted, the path budget still bounds
		// memory (paths are O(depth²) in total).
		checkSafeError(t, data, &ReaderOptions{MaxDepth: 1 << 20}, "paths")
	})
	t.Run("entry-budget", func(t *testing.T) {
		checkSafeError(t, data, &ReaderOptions{MaxEntries: 1000}, "more than the limit of 1000")
	})
	t.Run("within-budget", func(t *testing.T) {
		// A deep but permitted file opens, and every level is there.
		small := nested(t, 1000)
		r, err := NewReaderOptions(bytes.NewReader(small), int64(len(small)), &ReaderOptions{MaxDepth: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(r.Entries()); got != 1001 {
			t.Errorf("%d entries, want 1001", got)
		}
		if e := r.Lookup(strings.Repeat("a/", 999) + "a"); e == nil || e.Type != TypeStorage {
			t.Errorf("deepest storage not found: %+v", e)
		}
	})
}

// TestTruncations opens every prefix of a valid file (at a stride) and
// checks that each either opens or fails with ErrFormat, never panicking.
func TestTruncations(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, nil)
	for i, size := range []int{0, 10, 100, 4095, 4096, 9000} {
		data := bytes.Repeat([]byte{byte(i + 1)}, size)
		if err := w.CreateFrom(strings.Repeat("s", i+1), bytes.NewReader(data), int64(size)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	full := buf.Bytes()
	for n := 0; n < len(full); n += 97 {
		r, err := NewReader(bytes.NewReader(full[:n]), int64(n))
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("prefix %d: %v is not ErrFormat", n, err)
			}
			continue
		}
		for _, e := range r.Entries() {
			if s, err := e.Open(); err == nil {
				b := make([]byte, e.Size)
				if _, err := s.ReadAt(b, 0); err != nil && e.Size > 0 {
					t.Fatalf("prefix %d: reading %q: %v", n, e.Path, err)
				}
			}
		}
	}
}

// seedFiles are small valid files committed under testdata/seed as fuzz
// seeds (the corpus files are large, so mutations rarely reach their
// metadata).
func seedFiles(t *testing.T) map[string][]byte {
	out := map[string][]byte{}
	for _, v := range []int{3, 4} {
		var buf bytes.Buffer
		w := NewWriter(&buf, &WriterOptions{Version: v})
		w.SetRoot(Header{CLSID: GUID{0x84, 0x10, 0x0C, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46}, Modified: 1})
		w.Mkdir("st", &Header{StateBits: 3, Created: 2, Modified: 3})
		for i, size := range []int{0, 70, 600} {
			data := bytes.Repeat([]byte{byte('a' + i)}, size)
			if err := w.CreateFrom("st/"+strings.Repeat("s", i+1), bytes.NewReader(data), int64(size)); err != nil {
				t.Fatal(err)
			}
		}
		big := bytes.Repeat([]byte("B"), 4100)
		w.CreateHeaderFrom("", &Header{RawName: []uint16{5, 'x'}}, bytes.NewReader(big), int64(len(big)))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("small-v%d.cfb", v)] = buf.Bytes()
	}
	return out
}

func TestSeedFiles(t *testing.T) {
	for name, data := range seedFiles(t) {
		committed := checkGenerated(t, filepath.Join("testdata", "seed", name), data)
		checkTrees(t, committed)
	}
}

// checkGenerated compares a committed generated fixture with what its
// generator makes now (rewriting it first with -update) and returns the
// committed bytes.
func checkGenerated(t *testing.T, path string, data []byte) []byte {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to regenerate)", err)
	}
	if !bytes.Equal(committed, data) {
		t.Errorf("%s differs from its generator (run go test -update)", path)
	}
	return committed
}

// TestSizeNotBacked: a size the reader does not back (an embedder's
// io.ReaderAt over a remote file whose claimed length lies) is refused
// with a *FormatError at the last byte it claims, before anything is
// sized by it: a 4.5 KB file said to be 1 TiB allocated and filled 16
// GiB of tables (4 bytes of FAT and of owner per claimed sector) and
// ran for minutes; said to be 256 MiB larger, 4 MiB of them, and opened.
func TestSizeNotBacked(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, nil)
	if err := w.CreateFrom("s", strings.NewReader("data"), 4); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	for _, size := range []int64{int64(len(data)) + 256<<20, 1 << 40} {
		testenv.CheckBudgetOf(t, fmt.Sprintf("NewReader of %d bytes said to be %d", len(data), size), testenv.TimeBudget, 1<<20, func() {
			_, err := NewReader(bytes.NewReader(data), size)
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Offset != size-1 || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("size %d: %v, want a *FormatError at offset %d", size, err, size-1)
			}
		})
	}
	// The size it has opens.
	if _, err := NewReader(bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
}
