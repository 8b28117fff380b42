package cfb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

// pattern is an io.ReaderAt of size bytes whose byte at offset i is a
// function of i, so content can be checked without storing it.
type pattern struct {
	size int64
	seed byte
	fill bool // false: leave the buffer as it is (for speed tests)
}

func patternByte(seed byte, i int64) byte { return byte(i*7+i>>9) ^ seed }

func (p pattern) ReadAt(b []byte, off int64) (int, error) {
	if off >= p.size {
		return 0, io.EOF
	}
	n := len(b)
	if rem := p.size - off; int64(n) > rem {
		n = int(rem)
	}
	if p.fill {
		for i := range b[:n] {
			b[i] = patternByte(p.seed, off+int64(i))
		}
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

func mustRead(t *testing.T, data []byte) *Reader {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) > 0 {
		t.Errorf("warnings reading our output: %q", r.Warnings)
	}
	return r
}

func streamBytes(t *testing.T, r *Reader, path string) []byte {
	t.Helper()
	e := r.Lookup(path)
	if e == nil {
		t.Fatalf("no entry %q", path)
	}
	s, err := e.Open()
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWriterBasics(t *testing.T) {
	clsid := GUID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	var buf bytes.Buffer
	w := NewWriter(&buf, nil)
	w.SetRoot(Header{CLSID: clsid, Modified: 42})
	if err := w.Mkdir("dir", &Header{CLSID: clsid, StateBits: 7, Created: 1, Modified: 2}); err != nil {
		t.Fatal(err)
	}
	sw, err := w.Create("dir/small")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(sw, "hello")
	big := bytes.Repeat([]byte("x"), 5000)
	if err := w.CreateFrom("implicit/big", bytes.NewReader(big), int64(len(big))); err != nil {
		t.Fatal(err)
	}
	if err := w.CreateHeaderFrom("dir", &Header{RawName: []uint16{5, 'S'}, CLSID: clsid, StateBits: 9}, bytes.NewReader([]byte("ab")), 2); err != nil {
		t.Fatal(err)
	}
	if err := w.MkdirHeader("", &Header{Name: "a/b"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r := mustRead(t, buf.Bytes())
	type meta struct {
		Path      string
		Type      Type
		CLSID     GUID
		StateBits uint32
		Created   Filetime
		Modified  Filetime
		Size      int64
	}
	var got []meta
	for _, e := range r.Entries() {
		got = append(got, meta{e.Path, e.Type, e.CLSID, e.StateBits, e.Created, e.Modified, e.Size})
	}
	want := []meta{
		{"", TypeRoot, clsid, 0, 0, 42, 0},
		{"a/b", TypeStorage, GUID{}, 0, 0, 0, 0},
		{"dir", TypeStorage, clsid, 7, 1, 2, 0},
		{"dir/\x05S", TypeStream, clsid, 9, 0, 0, 2},
		{"dir/small", TypeStream, GUID{}, 0, 0, 0, 5},
		{"implicit", TypeStorage, GUID{}, 0, 0, 0, 0},
		{"implicit/big", TypeStream, GUID{}, 0, 0, 0, 5000},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if got := streamBytes(t, r, "dir/small"); string(got) != "hello" {
		t.Errorf("small = %q", got)
	}
	if got := streamBytes(t, r, "implicit/big"); !bytes.Equal(got, big) {
		t.Errorf("big stream differs")
	}
	if r.Version != 3 || r.SectorSize != 512 {
		t.Errorf("version %d sector %d, want 3 and 512", r.Version, r.SectorSize)
	}
}

func TestWriterErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		do   func(w *Writer) error
		want string
	}{
		{"duplicate stream", func(w *Writer) error {
			w.CreateFrom("a", bytes.NewReader(nil), 0)
			return w.CreateFrom("A", bytes.NewReader(nil), 0) // names compare case-insensitively
		}, "duplicate entry name"},
		{"stream as storage", func(w *Writer) error {
			w.CreateFrom("a", bytes.NewReader(nil), 0)
			return w.CreateFrom("a/b", bytes.NewReader(nil), 0)
		}, "is a stream, not a storage"},
		{"long name", func(w *Writer) error {
			return w.CreateFrom(strings.Repeat("n", 32), bytes.NewReader(nil), 0)
		}, "more than 31"},
		{"empty name", func(w *Writer) error { return w.Mkdir("a//b", nil) }, "empty entry name"},
		{"negative size", func(w *Writer) error { return w.CreateFrom("a", bytes.NewReader(nil), -1) }, "negative"},
		{"short source", func(w *Writer) error {
			w.CreateFrom("a", bytes.NewReader([]byte("abc")), 10000)
			return w.Close()
		}, "reading source of \"a\""},
		{"long root name", func(w *Writer) error {
			w.SetRoot(Header{Name: strings.Repeat("r", 40)})
			return w.Close()
		}, "root entry"},
		{"use after close", func(w *Writer) error {
			w.Close()
			return w.Mkdir("a", nil)
		}, "writer is closed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWriter(io.Discard, nil)
			err := tc.do(w)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if err := NewWriter(io.Discard, &WriterOptions{Version: 5}).Close(); err == nil {
		t.Error("version 5 accepted")
	}
}

// TestWriterDIFAT writes enough data to need DIFAT sectors (more than 109
// FAT sectors) in version 3 and reads it back.
func TestWriterDIFAT(t *testing.T) {
	const size = 8 << 20 // 16384 sectors need 128 FAT sectors
	var buf bytes.Buffer
	w := NewWriter(&buf, nil)
	if err := w.CreateFrom("big", pattern{size: size, seed: 3, fill: true}, size); err != nil {
		t.Fatal(err)
	}
	if err := w.CreateFrom("small", bytes.NewReader([]byte("s")), 1); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if n := binary.LittleEndian.Uint32(data[0x48:]); n == 0 {
		t.Fatal("no DIFAT sectors written")
	}
	r := mustRead(t, data)
	got := streamBytes(t, r, "big")
	for i := range got {
		if got[i] != patternByte(3, int64(i)) {
			t.Fatalf("byte %d differs", i)
		}
	}
	if int64(len(got)) != size {
		t.Fatalf("size %d", len(got))
	}
}

// headerKeeper keeps the first cap(head) bytes written and counts the rest.
type headerKeeper struct {
	head []byte
	n    int64
}

func (h *headerKeeper) Write(b []byte) (int, error) {
	if len(h.head) < cap(h.head) {
		h.head = append(h.head, b[:min(len(b), cap(h.head)-len(h.head))]...)
	}
	h.n += int64(len(b))
	return len(b), nil
}

// TestWriterAutoV4 checks that a stream too large for version 3 makes the
// writer switch to version 4, and that streaming it does not buffer it.
func TestWriterAutoV4(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 2 GiB to a counter")
	}
	const size = v3MaxStream + 1
	hk := headerKeeper{head: make([]byte, 0, 4<<20)}
	w := NewWriter(&hk, nil)
	if err := w.CreateFrom("huge", pattern{size: size}, size); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if a := after.TotalAlloc - before.TotalAlloc; a > 4<<20 {
		t.Errorf("Close allocated %d MiB for a 2 GiB stream; data must be copied through", a>>20)
	}
	le := binary.LittleEndian
	if v, s := le.Uint16(hk.head[0x1A:]), le.Uint16(hk.head[0x1E:]); v != 4 || s != 12 {
		t.Fatalf("version %d shift %d, want 4 and 12", v, s)
	}
	// Directory: FAT sectors first, then the directory.
	dir := int64(le.Uint32(hk.head[0x30:])+1) * 4096
	if dir+256 > int64(len(hk.head)) {
		t.Fatalf("directory at %d not in the kept header", dir)
	}
	if got := le.Uint64(hk.head[dir+128+0x78:]); got != size {
		t.Errorf("stream size field %d, want %d", got, int64(size))
	}
	sectors := (int64(size) + 4095) / 4096
	if hk.n < (sectors+1)*4096 {
		t.Errorf("wrote %d bytes, less than the stream needs", hk.n)
	}
}

// TestWriterDeterministic checks that insertion order does not matter and
// that the same input gives the same bytes.
func TestWriterDeterministic(t *testing.T) {
	names := []string{"b", "A", "aa", "\x05x", "Zz", "c/d", "c/e", "ÄÖ", "ä"}
	build := func(order []string) []byte {
		var buf bytes.Buffer
		w := NewWriter(&buf, nil)
		for _, n := range order {
			if err := w.CreateFrom(n, strings.NewReader(n), int64(len(n))); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	a := build(names)
	rev := slices.Clone(names)
	slices.Reverse(rev)
	if !bytes.Equal(a, build(rev)) {
		t.Error("output depends on insertion order")
	}
	if !bytes.Equal(a, build(names)) {
		t.Error("output differs between identical runs")
	}
}

// TestDirectoryTrees checks that every storage's children form a valid
// red-black binary search tree in CFB name order, for many sizes.
func TestDirectoryTrees(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 100, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var buf bytes.Buffer
			w := NewWriter(&buf, nil)
			for i := 0; i < n; i++ {
				// Mixed lengths and cases exercise the name order.
				name := fmt.Sprintf("%s%d", strings.Repeat("s", i%3+1), n-i)
				if i%2 == 0 {
					name = strings.ToUpper(name)
				}
				if err := w.CreateFrom("st/"+name, bytes.NewReader(nil), 0); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			checkTrees(t, buf.Bytes())
		})
	}
}

// checkTrees parses the directory of data and validates each storage's
// sibling tree: BST order by compareNames, no red node with a red child,
// the same number of black nodes on every path, black root.
func checkTrees(t *testing.T, data []byte) {
	t.Helper()
	p := &parser{r: &Reader{ra: bytes.NewReader(data), size: int64(len(data))}, maxEntries: DefaultMaxEntries, maxDepth: DefaultMaxDepth}
	if err := p.parse(); err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	slot := func(id uint32) []byte { return p.dir[int64(id)*dirEntrySize:][:dirEntrySize] }
	name := func(id uint32) []uint16 {
		b := slot(id)
		u := make([]uint16, le.Uint16(b[0x40:])/2-1)
		for i := range u {
			u[i] = le.Uint16(b[2*i:])
		}
		return u
	}
	black := func(id uint32) bool { return slot(id)[0x43] == 1 }
	// check returns the black height, validating the subtree.
	var check func(id uint32, lo, hi []uint16) int
	check = func(id uint32, lo, hi []uint16) int {
		if id == noStream {
			return 1
		}
		b := slot(id)
		l, r := le.Uint32(b[0x44:]), le.Uint32(b[0x48:])
		nm := name(id)
		if lo != nil && compareNames(lo, nm) >= 0 || hi != nil && compareNames(nm, hi) >= 0 {
			t.Errorf("entry %d %q out of order", id, decodeName(nm))
		}
		if !black(id) && (l != noStream && !black(l) || r != noStream && !black(r)) {
			t.Errorf("red entry %d has a red child", id)
		}
		hl, hr := check(l, lo, nm), check(r, nm, hi)
		if hl != hr {
			t.Errorf("entry %d: black heights %d and %d differ", id, hl, hr)
		}
		if black(id) {
			hl++
		}
		return hl
	}
	for _, e := range p.r.Entries() {
		if !e.IsDir() {
			continue
		}
		c := le.Uint32(slot(e.id)[0x4C:])
		if c != noStream && !black(c) {
			t.Errorf("tree root %d of %q is red", c, e.Path)
		}
		check(c, nil, nil)
	}
}

func TestCompareNames(t *testing.T) {
	sorted := []string{"a", "B", "C", "AA", "ab", "\x05SummaryInformation"}
	for i := 1; i < len(sorted); i++ {
		a, b := encodeName(sorted[i-1]), encodeName(sorted[i])
		if compareNames(a, b) >= 0 || compareNames(b, a) <= 0 {
			t.Errorf("%q should sort before %q", sorted[i-1], sorted[i])
		}
	}
	if compareNames(encodeName("abc"), encodeName("ABC")) != 0 {
		t.Error("case should not matter")
	}
	if !errors.Is(&FormatError{}, ErrFormat) {
		t.Error("FormatError does not match ErrFormat")
	}
}

// TestCopyEveryEntry copies a file entry by entry, deepest first, the way
// a caller filtering entries might; ancestors created for a descendant are
// filled in when the storage itself is copied, not duplicated.
func TestCopyEveryEntry(t *testing.T) {
	var src bytes.Buffer
	w := NewWriter(&src, nil)
	w.Mkdir("a", &Header{StateBits: 1, CLSID: GUID{9}})
	w.Mkdir("a/b", &Header{StateBits: 2})
	w.CreateFrom("a/b/s", strings.NewReader("x"), 1)
	w.CreateFrom("t", strings.NewReader("y"), 1)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r := mustRead(t, src.Bytes())
	want := snapshot(t, r)

	var dst bytes.Buffer
	w = NewWriter(&dst, nil)
	w.SetRoot(Header{})
	entries := r.Entries()
	for i := len(entries) - 1; i >= 1; i-- {
		e := entries[i]
		if e.Type == TypeStream {
			if err := w.Copy(e); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Copy(r.Lookup("a")); err == nil {
		t.Fatal("copying a storage whose stream was already copied should report the duplicate stream")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, snapshot(t, mustRead(t, dst.Bytes()))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// virtualFile is an io.ReaderAt over a recorded head of a file followed by
// pattern bytes, so a multi-GiB file can be read without storing it.
type virtualFile struct {
	head      []byte
	dataStart int64 // file offset where the pattern's offset 0 lies
	size      int64
	seed      byte
}

func (v *virtualFile) ReadAt(b []byte, off int64) (int, error) {
	if off >= v.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(b)), v.size-off))
	for i := 0; i < n; i++ {
		o := off + int64(i)
		if o < int64(len(v.head)) {
			b[i] = v.head[o]
		} else {
			b[i] = patternByte(v.seed, o-v.dataStart)
		}
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// TestLargeV4Stream writes a 5 GiB stream (version 4 with DIFAT sectors)
// and reads bytes beyond 4 GiB back through the reader's extents.
func TestLargeV4Stream(t *testing.T) {
	if testing.Short() {
		t.Skip("lays out a 5 GiB file")
	}
	const size = 5 << 30
	hk := headerKeeper{head: make([]byte, 0, 16<<20)}
	w := NewWriter(&hk, &WriterOptions{Version: 4})
	if err := w.CreateFrom("huge", pattern{size: size}, size); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	if n := le.Uint32(hk.head[0x48:]); n == 0 {
		t.Error("no DIFAT sectors for a 5 GiB version 4 file")
	}
	// The stream is the last thing in the file: it starts size bytes
	// (rounded to sectors) before the end.
	dataStart := hk.n - (size+4095)&^4095
	head := hk.head[:min(int64(len(hk.head)), dataStart)]
	vf := &virtualFile{head: head, dataStart: dataStart, size: hk.n, seed: 5}
	r, err := NewReader(vf, vf.size)
	if err != nil {
		t.Fatal(err)
	}
	e := r.Lookup("huge")
	if e == nil || e.Size != size || r.Version != 4 {
		t.Fatalf("entry %+v, version %d", e, r.Version)
	}
	s, err := e.Open()
	if err != nil {
		t.Fatal(err)
	}
	for _, off := range []int64{0, 4<<30 - 3, 4 << 30, 4<<30 + 12345, size - 10} {
		b := make([]byte, 10)
		if _, err := s.ReadAt(b, off); err != nil {
			t.Fatalf("ReadAt(%d): %v", off, err)
		}
		for i := range b {
			if b[i] != patternByte(5, off+int64(i)) {
				t.Fatalf("byte %d differs", off+int64(i))
			}
		}
	}
}

// TestSlashNames checks that names containing "/" can be created with the
// Header variants and then named in parent paths.
func TestSlashNames(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, nil)
	if err := w.MkdirHeader("", &Header{Name: "x/y", StateBits: 1}); err != nil {
		t.Fatal(err)
	}
	if err := w.CreateHeaderFrom("x/y", &Header{Name: "in/slash"}, strings.NewReader("1"), 1); err != nil {
		t.Fatal(err)
	}
	if err := w.CreateFrom("x/y/plain", strings.NewReader("2"), 1); err != nil {
		t.Fatal(err)
	}
	if err := w.CreateFrom("x/z", strings.NewReader("3"), 1); err != nil { // a new storage "x"
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r := mustRead(t, buf.Bytes())
	var got [][]string
	for _, e := range r.Entries()[1:] {
		var names []string
		for a := e; a.Parent != nil; a = a.Parent {
			names = append([]string{a.Name}, names...)
		}
		got = append(got, names)
	}
	want := [][]string{{"x"}, {"x", "z"}, {"x/y"}, {"x/y", "plain"}, {"x/y", "in/slash"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}

// TestUpperUnitMatchesUnicode: upperUnit's shortcuts give what
// unicode.ToUpper gives for every code unit that is not a surrogate
// (single-unit mappings only).
func TestUpperUnitMatchesUnicode(t *testing.T) {
	for u := 0; u < 0x10000; u++ {
		if utf16.IsSurrogate(rune(u)) {
			if got := upperUnit(uint16(u)); got != uint16(u) {
				t.Errorf("upperUnit(%#04x) = %#04x, want a surrogate kept", u, got)
			}
			continue
		}
		want := uint16(u)
		if r := unicode.ToUpper(rune(u)); r < 0x10000 {
			want = uint16(r)
		}
		if got := upperUnit(uint16(u)); got != want {
			t.Errorf("upperUnit(%#04x) = %#04x, want %#04x", u, got, want)
		}
	}
}

// TestWriterWrittenAndStreamError: Written is the count of bytes Close
// wrote, whole or up to a failure; a source that fails gives a
// *StreamError naming the stream by its path and raw name, at the
// offset it failed.
func TestWriterWrittenAndStreamError(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, nil)
	if err := w.CreateFrom("dir/s", bytes.NewReader(make([]byte, 5000)), 5000); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if w.Written() != int64(buf.Len()) {
		t.Errorf("Written %d, wrote %d", w.Written(), buf.Len())
	}
	var lim limitedWriter
	lim.left = 700
	w = NewWriter(&lim, nil)
	w.CreateFrom("a", bytes.NewReader(make([]byte, 10)), 10)
	if err := w.Close(); err == nil || w.Written() != 700 {
		t.Errorf("writer failing after 700 bytes: Written %d, err %v", w.Written(), err)
	}
	w = NewWriter(io.Discard, nil)
	w.CreateFrom("dir/short", bytes.NewReader(make([]byte, 5000)), 9000)
	err := w.Close()
	var se *StreamError
	if !errors.As(err, &se) {
		t.Fatalf("short source: %v, want a *StreamError", err)
	}
	got := StreamError{Op: se.Op, Path: se.Path, RawName: se.RawName, Root: se.Root, Offset: se.Offset}
	want := StreamError{Op: "read", Path: "dir/short", RawName: encodeName("short"), Offset: 5000}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("StreamError (-want +got):\n%s", diff)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("%v does not wrap io.ErrUnexpectedEOF", err)
	}
}

// limitedWriter fails once left bytes have been written.
type limitedWriter struct{ left int }

func (l *limitedWriter) Write(p []byte) (int, error) {
	if len(p) > l.left {
		n := l.left
		l.left = 0
		return n, errors.New("full")
	}
	l.left -= len(p)
	return len(p), nil
}
