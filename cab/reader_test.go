package cab

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// readAllFiles opens and reads every file of r, returning name → content.
func readAllFiles(t *testing.T, r *Reader) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, f := range r.Files {
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("open %s: %v", f.Name, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("read %s: %v", f.Name, err)
		}
		got[f.Name] = string(b)
	}
	return got
}

func TestStoredAndMSZIP(t *testing.T) {
	a, b, c := sample(100000, 1), sample(5, 2), sample(70000, 3)
	folderData := append(append([]byte{}, a...), b...)
	tests := []struct {
		name   string
		method uint16
		blocks []tcBlock
	}{
		{"stored", methodNone, storedBlocks(folderData, maxBlockSize)},
		{"stored-small-blocks", methodNone, storedBlocks(folderData, 1000)},
		{"mszip", methodMSZIP, mszipBlocks(folderData)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cab := &tcCab{
				folders: []tcFolder{{method: tt.method, blocks: tt.blocks}, {method: methodMSZIP, blocks: mszipBlocks(c)}},
				files: []tcFile{
					{name: "a.txt", size: uint32(len(a)), folder: 0},
					{name: "dir\\b.bin", size: uint32(len(b)), offset: uint32(len(a)), folder: 0},
					{name: "c", size: uint32(len(c)), folder: 1},
					{name: "empty", folder: 1, offset: uint32(len(c))},
				},
			}
			data := cab.bytes()
			r, err := NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"a.txt": string(a), "dir\\b.bin": string(b), "c": string(c), "empty": ""}
			if diff := cmp.Diff(want, readAllFiles(t, r)); diff != "" {
				t.Errorf("contents (-want +got):\n%s", diff)
			}
			// Out of order, and each file twice: fresh streams every time.
			for _, i := range []int{2, 0, 1, 1, 0} {
				x, err := readFile(r.Files[i])
				if err != nil || x.Size != r.Files[i].Size {
					t.Errorf("reopen %s: %d bytes, %v", r.Files[i].Name, x.Size, err)
				}
			}
			// The whole folder as one stream.
			fr, err := r.Folders[0].Open()
			if err != nil {
				t.Fatal(err)
			}
			all, err := io.ReadAll(fr)
			if err != nil || !bytes.Equal(all, folderData) {
				t.Errorf("folder stream: %d bytes (want %d), %v", len(all), len(folderData), err)
			}
		})
	}
}

func TestHeaderFields(t *testing.T) {
	cab := &tcCab{
		setID: 0x1234, index: 0, next: "next.cab", nextDisk: "Disk 2",
		hdrReserve: []byte{1, 2, 3}, folderReserve: 2, dataReserve: 4,
		folders: []tcFolder{{method: methodLZX | 21<<8, reserve: []byte{9, 8}}, {method: methodNone, blocks: storedBlocks([]byte("hello"), 100)}},
		files: []tcFile{
			{name: "caf\xc3\xa9 \xe2\x82\xac", size: 5, folder: 1, attr: uint16(AttrNameIsUTF | AttrReadOnly), date: 0x5a8b, time: 0x6b2f},
			{name: "caf\xe9 \x80", size: 5, folder: 1, attr: uint16(AttrArchive)},
			{name: "bad\xff", size: 5, folder: 1, attr: uint16(AttrNameIsUTF)},
		},
	}
	data := cab.bytes()
	r, err := NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	type summary struct {
		SetID, Index          uint16
		NextCabinet, NextDisk string
		Reserve               []byte
		Methods               []string
		FolderReserve         []byte
		Names                 []string
		Attrs                 []Attr
		Modified              time.Time
		WindowBits            int
	}
	got := summary{SetID: r.SetID, Index: r.Index, NextCabinet: r.NextCabinet, NextDisk: r.NextDisk, Reserve: r.Reserve,
		FolderReserve: r.Folders[0].Reserve, Modified: r.Files[0].Modified, WindowBits: r.Folders[0].Method.WindowBits()}
	for _, fo := range r.Folders {
		got.Methods = append(got.Methods, fo.Method.String())
	}
	for _, f := range r.Files {
		got.Names = append(got.Names, f.Name)
		got.Attrs = append(got.Attrs, f.Attr)
	}
	want := summary{
		SetID: 0x1234, NextCabinet: "next.cab", NextDisk: "Disk 2", Reserve: []byte{1, 2, 3},
		Methods: []string{"LZX:21", "none"}, FolderReserve: []byte{9, 8},
		Names:    []string{"café €", "café €", "bad\uFFFD"},
		Attrs:    []Attr{AttrNameIsUTF | AttrReadOnly, AttrArchive, AttrNameIsUTF},
		Modified: time.Date(2025, 4, 11, 13, 25, 30, 0, time.UTC), WindowBits: 21,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"café €": "hello", "bad\uFFFD": "hello"}, readAllFiles(t, r)); diff != "" {
		t.Errorf("contents with data reserve (-want +got):\n%s", diff)
	}
}

func TestChecksums(t *testing.T) {
	payload := sample(3000, 7)
	build := func(b tcBlock) []byte {
		return (&tcCab{folders: []tcFolder{{method: methodNone, blocks: []tcBlock{b}}},
			files: []tcFile{{name: "f", size: uint32(len(payload))}}}).bytes()
	}
	corrupt := build(tcBlock{data: payload, uncomp: len(payload)})
	corrupt[len(corrupt)-100] ^= 0x40
	tests := []struct {
		name    string
		data    []byte
		opts    *ReaderOptions
		wantErr bool
	}{
		{"valid", build(tcBlock{data: payload, uncomp: len(payload)}), nil, false},
		{"zero means none", build(tcBlock{data: payload, uncomp: len(payload), nosum: true}), nil, false},
		{"wrong", build(tcBlock{data: payload, uncomp: len(payload), csum: ptr(uint32(12345))}), nil, true},
		{"corrupt data", corrupt, nil, true},
		{"corrupt data, ignored", corrupt, &ReaderOptions{IgnoreChecksums: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReaderOptions(bytes.NewReader(tt.data), int64(len(tt.data)), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			_, err = readFile(r.Files[0])
			if tt.wantErr != (err != nil) {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrFormat) {
				t.Errorf("error %v does not match ErrFormat", err)
			}
		})
	}
}

// TestChecksumKnownValue pins the checksum to the MS-CAB definition:
// little-endian words XORed, trailing bytes big-endian.
func TestChecksumKnownValue(t *testing.T) {
	tests := []struct {
		in   []byte
		want uint32
	}{
		{nil, 0},
		{[]byte{1, 2, 3, 4}, 0x04030201},
		{[]byte{1, 2, 3, 4, 5, 6, 7, 8}, 0x04030201 ^ 0x08070605},
		{[]byte{1, 2, 3, 4, 0xaa}, 0x04030201 ^ 0xaa},
		{[]byte{0xaa, 0xbb}, 0xaabb},
		{[]byte{0xaa, 0xbb, 0xcc}, 0xaabbcc},
	}
	for _, tt := range tests {
		if got := checksum(tt.in, 0); got != tt.want {
			t.Errorf("checksum(% x) = %#x, want %#x", tt.in, got, tt.want)
		}
	}
	// Every length through the 32-byte fast path and its tails, against
	// the definition one word at a time.
	p := sample(200, 3)
	for n := range len(p) {
		want := uint32(0x5a5a1234)
		i := 0
		for ; i+4 <= n; i += 4 {
			want ^= binary.LittleEndian.Uint32(p[i:])
		}
		var tail uint32
		for ; i < n; i++ {
			tail = tail<<8 | uint32(p[i])
		}
		want ^= tail
		if got := checksum(p[:n], 0x5a5a1234); got != want {
			t.Errorf("checksum of %d bytes = %#x, want %#x", n, got, want)
		}
	}
}

// cabSet builds three cabinets sharing one stored folder: "big" starts in
// the first, runs through the second and ends in the third; the block at
// the end of the second cabinet is split across the boundary.
func cabSet(t *testing.T) (map[string][]byte, map[string]string) {
	t.Helper()
	head, big, tail := sample(1000, 11), sample(90000, 12), sample(500, 13)
	stream := append(append(append([]byte{}, head...), big...), tail...)
	blocks := storedBlocks(stream, 16000) // 5 blocks of 16000 + 1 of 11500
	// Cabinet 1: blocks 0-1; cabinet 2: blocks 2-3 plus the first half of
	// block 4; cabinet 3: the second half of block 4 and block 5.
	b4 := blocks[4]
	split1 := tcBlock{data: b4.data[:7000], uncomp: 0}
	split2 := tcBlock{data: b4.data[7000:], uncomp: b4.uncomp}
	bigOff, tailOff := uint32(len(head)), uint32(len(head)+len(big))
	cabs := map[string][]byte{
		"one.cab": (&tcCab{setID: 77, index: 0, next: "two.cab", nextDisk: "d2",
			folders: []tcFolder{{method: methodNone, blocks: blocks[0:2]}},
			files: []tcFile{{name: "head", size: uint32(len(head))},
				{name: "big", size: uint32(len(big)), offset: bigOff, folder: ifoldContinuedToNext}}}).bytes(),
		"two.cab": (&tcCab{setID: 77, index: 1, prev: "one.cab", prevDisk: "d1", next: "three.cab", nextDisk: "d3",
			folders: []tcFolder{{method: methodNone, blocks: []tcBlock{blocks[2], blocks[3], split1}}},
			files:   []tcFile{{name: "big", size: uint32(len(big)), offset: bigOff, folder: ifoldContinuedPrevAndNext}}}).bytes(),
		"three.cab": (&tcCab{setID: 77, index: 2, prev: "two.cab", prevDisk: "d2",
			folders: []tcFolder{{method: methodNone, blocks: []tcBlock{split2, blocks[5]}}, {method: methodNone, blocks: storedBlocks([]byte("own"), 10)}},
			files: []tcFile{{name: "big", size: uint32(len(big)), offset: bigOff, folder: ifoldContinuedFromPrev},
				{name: "tail", size: uint32(len(tail)), offset: tailOff, folder: 0},
				{name: "own", size: 3, folder: 1}}}).bytes(),
	}
	return cabs, map[string]string{"head": string(head), "big": string(big), "tail": string(tail), "own": "own"}
}

func TestCabinetSet(t *testing.T) {
	cabs, want := cabSet(t)
	opts := &ReaderOptions{OpenCabinet: func(name string) (io.ReaderAt, int64, error) {
		b, ok := cabs[name]
		if !ok {
			return nil, 0, os.ErrNotExist
		}
		return bytes.NewReader(b), int64(len(b)), nil
	}}
	for _, name := range []string{"one.cab", "two.cab", "three.cab"} {
		t.Run(name, func(t *testing.T) {
			data := cabs[name]
			r, err := NewReaderOptions(bytes.NewReader(data), int64(len(data)), opts)
			if err != nil {
				t.Fatal(err)
			}
			got := readAllFiles(t, r)
			for k, v := range got {
				if v != want[k] {
					t.Errorf("%s: %d bytes differ from the %d expected", k, len(v), len(want[k]))
				}
			}
			// Without an opener, spanning files fail with ErrMissingCabinet.
			r2, _ := NewReader(bytes.NewReader(data), int64(len(data)))
			for _, f := range r2.Files {
				_, err := readFile(f)
				spans := f.FolderIndex >= ifoldContinuedFromPrev || f.Folder().ContinuedFromPrev()
				if spans && !errors.Is(err, ErrMissingCabinet) {
					t.Errorf("%s without opener: err = %v, want ErrMissingCabinet", f.Name, err)
				}
				if !spans && err != nil {
					t.Errorf("%s without opener: %v", f.Name, err)
				}
			}
		})
	}
	// A set whose next cabinet names the wrong set is refused.
	bad := map[string][]byte{"one.cab": cabs["one.cab"], "two.cab": cabs["one.cab"]}
	badOpts := &ReaderOptions{OpenCabinet: func(name string) (io.ReaderAt, int64, error) {
		return bytes.NewReader(bad[name]), int64(len(bad[name])), nil
	}}
	r, _ := NewReaderOptions(bytes.NewReader(bad["one.cab"]), int64(len(bad["one.cab"])), badOpts)
	if _, err := readFile(r.Files[1]); !errors.Is(err, ErrFormat) {
		t.Errorf("looping set: err = %v, want ErrFormat", err)
	}
}

func TestOpenReaderSet(t *testing.T) {
	cabs, want := cabSet(t)
	dir := t.TempDir()
	for name, b := range cabs {
		// Case differs on disk: OpenReader falls back to a case-insensitive match.
		if err := os.WriteFile(dir+"/"+strings.ToUpper(name[:1])+name[1:], b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rc, err := OpenReader(dir + "/Two.cab")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got := readAllFiles(t, rc.Reader)
	if got["big"] != want["big"] {
		t.Errorf("big: got %d bytes, want %d", len(got["big"]), len(want["big"]))
	}
}

// mustBeQuick runs f and fails if it takes a second or more (scaled under
// the race detector, tried twice) or allocates 64 MiB or more. f must be
// repeatable.
func mustBeQuick(t *testing.T, f func()) {
	t.Helper()
	testenv.CheckBudget(t, t.Name(), f)
}

func TestAdversarial(t *testing.T) {
	payload := sample(40000, 5)
	good := func() *tcCab {
		return &tcCab{folders: []tcFolder{{method: methodNone, blocks: storedBlocks(payload, maxBlockSize)}},
			files: []tcFile{{name: "f", size: uint32(len(payload))}}}
	}
	hugeDeflate := func() []byte { // 1 MiB of zeros in one block
		var buf bytes.Buffer
		buf.WriteString("CK")
		w := mustFlateWriter(&buf)
		w.Write(make([]byte, 1<<20))
		w.Close()
		return buf.Bytes()
	}()
	tests := []struct {
		name   string
		modify func(c *tcCab)
		raw    func(b []byte) []byte
		atOpen bool // error from NewReader rather than from reading
	}{
		{name: "not a cabinet", raw: func(b []byte) []byte { b[0] = 'X'; return b }, atOpen: true},
		{name: "truncated header", raw: func(b []byte) []byte { return b[:20] }, atOpen: true},
		{name: "65535 files claimed", modify: func(c *tcCab) { c.nfiles = ptr(65535) }, atOpen: true},
		{name: "folder index out of range", modify: func(c *tcCab) { c.files[0].folder = 7 }, atOpen: true},
		{name: "name too long", modify: func(c *tcCab) { c.files[0].name = strings.Repeat("n", 300) }, atOpen: true},
		{name: "name not terminated", raw: func(b []byte) []byte { b[binary16(b[16:])+fileSize] = 'x'; return b[:binary16(b[16:])+fileSize+1] }, atOpen: true},
		{name: "file beyond folder", modify: func(c *tcCab) { c.files[0].size = 0xffffffff }},
		{name: "file offset beyond folder", modify: func(c *tcCab) { c.files[0].offset = 0x7fffffff }},
		{name: "block claims 65535 uncompressed", modify: func(c *tcCab) { c.folders[0].blocks[0].uncomp = 65535 }},
		{name: "65535 blocks claimed", modify: func(c *tcCab) { c.folders[0].nblocks = ptr(65535); c.files[0].size = 1 << 30 }},
		{name: "truncated block", raw: func(b []byte) []byte { return b[:len(b)-5000] }},
		{name: "stored size mismatch", modify: func(c *tcCab) { c.folders[0].blocks[1].uncomp = 100 }},
		{name: "zero-size block outside a set", modify: func(c *tcCab) { c.folders[0].blocks[0].uncomp = 0 }},
		{name: "mszip bomb", modify: func(c *tcCab) {
			c.folders[0] = tcFolder{method: methodMSZIP, blocks: []tcBlock{{data: hugeDeflate, uncomp: maxBlockSize}, {data: hugeDeflate, uncomp: 100}}}
		}},
		{name: "mszip without CK", modify: func(c *tcCab) {
			c.folders[0] = tcFolder{method: methodMSZIP, blocks: []tcBlock{{data: []byte("XX\x03\x00"), uncomp: 10}}}
			c.files[0].size = 10
		}},
		{name: "mszip truncated stream", modify: func(c *tcCab) {
			c.folders[0] = tcFolder{method: methodMSZIP, blocks: []tcBlock{{data: hugeDeflate[:5], uncomp: maxBlockSize}}}
			c.files[0].size = 10
		}},
		{name: "unknown method", modify: func(c *tcCab) { c.folders[0].method = 7 }},
		{name: "lzx window too big", modify: func(c *tcCab) { c.folders[0].method = methodLZX | 25<<8 }},
		{name: "lzx garbage", modify: func(c *tcCab) { c.folders[0].method = methodLZX | 21<<8 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good()
			if tt.modify != nil {
				tt.modify(c)
			}
			data := c.bytes()
			if tt.raw != nil {
				data = tt.raw(data)
			}
			mustBeQuick(t, func() {
				r, err := NewReader(bytes.NewReader(data), int64(len(data)))
				if err == nil {
					for _, f := range r.Files {
						if _, err = readFile(f); err != nil {
							break
						}
					}
				} else if !tt.atOpen {
					t.Errorf("NewReader: %v; want the error when reading", err)
				}
				var ue *UnsupportedError
				switch {
				case err == nil:
					t.Fatal("no error")
				case errors.As(err, &ue):
					t.Logf("unsupported: %v", err)
				case !errors.Is(err, ErrFormat):
					t.Fatalf("error %v does not match ErrFormat", err)
				default:
					t.Logf("%v", err)
				}
			})
		})
	}
}

func binary16(b []byte) int { return int(b[0]) | int(b[1])<<8 }

// TestConcurrentOpen reads every file from several goroutines at once
// (run with -race): streams share no state.
func TestConcurrentOpen(t *testing.T) {
	payload := sample(200000, 8)
	var files []tcFile
	for i := 0; i < 20; i++ {
		files = append(files, tcFile{name: string(rune('a' + i)), size: 10000, offset: uint32(i * 10000)})
	}
	data := (&tcCab{folders: []tcFolder{{method: methodMSZIP, blocks: mszipBlocks(payload)}}, files: files}).bytes()
	r, err := NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4*len(r.Files))
	for g := 0; g < 4; g++ {
		go func(g int) {
			for i := range r.Files {
				f := r.Files[(i+g*5)%len(r.Files)]
				rc, err := f.Open()
				if err != nil {
					errs <- err
					continue
				}
				b, err := io.ReadAll(rc)
				rc.Close()
				if err == nil && !bytes.Equal(b, payload[f.Offset:f.Offset+f.Size]) {
					err = errors.New(f.Name + ": content differs")
				}
				errs <- err
			}
		}(g)
	}
	for i := 0; i < 4*len(r.Files); i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// limitWriter accepts n bytes, then fails (or, if short, reports a short
// write with no error).
type limitWriter struct {
	buf   bytes.Buffer
	n     int
	short bool
}

var errWriterFull = errors.New("writer full")

func (w *limitWriter) Write(p []byte) (int, error) {
	k := min(len(p), w.n-w.buf.Len())
	w.buf.Write(p[:k])
	if k < len(p) {
		if w.short {
			return k, nil
		}
		return k, errWriterFull
	}
	return k, nil
}

// TestFileWriteTo checks that io.Copy, which goes through File.Open's
// WriteTo, writes what Read returns: files at offsets inside a folder of
// several blocks, writers that fail or write short, and corrupt data.
func TestFileWriteTo(t *testing.T) {
	payload := sample(100000, 11)
	cabData := (&tcCab{folders: []tcFolder{{method: methodMSZIP, blocks: mszipBlocks(payload)}},
		files: []tcFile{{name: "a", size: 1000}, {name: "b", size: 70000, offset: 1000}, {name: "c", size: 29000, offset: 71000}}}).bytes()
	corrupt := bytes.Clone(cabData)
	corrupt[len(corrupt)-200] ^= 0x55
	r, err := NewReader(bytes.NewReader(cabData), int64(len(cabData)))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range r.Files {
		t.Run(f.Name, func(t *testing.T) {
			want := payload[f.Offset : f.Offset+f.Size]
			// WriteTo into a plain writer, and Read through a wrapper that
			// hides WriteTo.
			var got bytes.Buffer
			rd, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			n, err := io.Copy(struct{ io.Writer }{&got}, rd)
			rd.Close()
			if err != nil || n != int64(len(want)) || !bytes.Equal(got.Bytes(), want) {
				t.Errorf("WriteTo: %d bytes, err %v; contents equal: %v", n, err, bytes.Equal(got.Bytes(), want))
			}
			rd, _ = f.Open()
			all, err := io.ReadAll(struct{ io.Reader }{rd})
			rd.Close()
			if err != nil || !bytes.Equal(all, want) {
				t.Errorf("Read: %d bytes, err %v", len(all), err)
			}
			for _, short := range []bool{false, true} {
				w := &limitWriter{n: len(want) / 2, short: short}
				rd, _ = f.Open()
				n, err := rd.(io.WriterTo).WriteTo(w)
				wantErr := errWriterFull
				if short {
					wantErr = io.ErrShortWrite
				}
				if n != int64(w.n) || !errors.Is(err, wantErr) || !bytes.Equal(w.buf.Bytes(), want[:w.n]) {
					t.Errorf("WriteTo into a writer of %d bytes (short %v): %d, %v", w.n, short, n, err)
				}
				// The rest still reads after the writer's failure.
				rest, err := io.ReadAll(struct{ io.Reader }{rd})
				rd.Close()
				if err != nil || !bytes.Equal(rest, want[w.n:]) {
					t.Errorf("reading on after the failed write: %d bytes, %v", len(rest), err)
				}
			}
			// Corrupt data (in c, caught by its checksum): the error as
			// Read reports it. Each try reads a fresh Reader: a Reader
			// remembers a failed folder.
			var errs [2]error
			for k, hide := range []bool{false, true} {
				rc, err := NewReader(bytes.NewReader(corrupt), int64(len(corrupt)))
				if err != nil {
					t.Fatal(err)
				}
				rd, err := rc.Files[i].Open()
				if err != nil {
					t.Fatal(err)
				}
				if hide {
					_, errs[k] = io.Copy(io.Discard, struct{ io.Reader }{rd})
				} else {
					_, errs[k] = io.Copy(io.Discard, rd)
				}
				rd.Close()
			}
			if (errs[0] == nil) != (errs[1] == nil) || (errs[0] != nil) != (f.Name == "c") || errs[0] != nil && !errors.Is(errs[0], ErrFormat) {
				t.Errorf("corrupt data: WriteTo error %v, Read error %v", errs[0], errs[1])
			}
		})
	}
}

// shortReaderAt is a ReaderAt whose data ends at n, for a cabinet whose
// size its caller overstates.
type shortReaderAt struct {
	b []byte
	n int64
}

func (r shortReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.n {
		return 0, io.EOF
	}
	k, err := bytes.NewReader(r.b[:r.n]).ReadAt(p, off)
	return k, err
}

// TestBlockReads reads folders through the reader's read-ahead: blocks
// read ahead in groups, blocks too large for it (read directly), and a
// cabinet whose data ends before the size its caller gave.
func TestBlockReads(t *testing.T) {
	random := make([]byte, 200000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	text := sample(300000, 5)
	build := func(payload []byte) []byte {
		return (&tcCab{folders: []tcFolder{{method: methodMSZIP, blocks: mszipBlocks(payload)}},
			files: []tcFile{{name: "f", size: uint32(len(payload))}}}).bytes()
	}
	tests := []struct {
		name    string
		payload []byte
		big     bool // blocks larger than half the read-ahead
		cut     int  // bytes of the cabinet the reader really has; 0 = all
		wantErr bool
	}{
		{"compressible, read ahead", text, false, 0, false},
		{"incompressible, blocks over 32 KiB", random, true, 0, false},
		{"data ends early", text, false, 20000, true},
		{"data ends early, large blocks", random, true, 100000, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := build(tt.payload)
			var ra io.ReaderAt = bytes.NewReader(data)
			if tt.cut > 0 {
				ra = shortReaderAt{data, int64(tt.cut)}
			}
			r, err := NewReader(ra, int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			big := false
			for _, b := range mszipBlocks(tt.payload) {
				big = big || len(b.data) > blockReadAhead/2
			}
			if big != tt.big {
				t.Fatalf("blocks over half the read-ahead: %v, want %v", big, tt.big)
			}
			rc, err := r.Files[0].Open()
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if tt.wantErr {
				if !errors.Is(err, ErrFormat) || !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("err = %v, want ErrFormat and io.ErrUnexpectedEOF", err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tt.payload) {
				t.Errorf("read %d bytes, err %v; equal %v", len(got), err, bytes.Equal(got, tt.payload))
			}
		})
	}
}

// TestSplitBlockReadAhead reads a block split across two cabinets whose
// first part the reader holds in its read-ahead buffer, which reading the
// second cabinet, larger than the first, overwrites.
func TestSplitBlockReadAhead(t *testing.T) {
	data := sample(120000, 21)
	blocks := storedBlocks(data, 20000) // 6 blocks
	b1 := blocks[1]
	split1 := tcBlock{data: b1.data[:5000], uncomp: 0}
	split2 := tcBlock{data: b1.data[5000:], uncomp: b1.uncomp}
	cabs := map[string][]byte{
		"a.cab": (&tcCab{setID: 5, index: 0, next: "b.cab", nextDisk: "d2",
			folders: []tcFolder{{method: methodNone, blocks: []tcBlock{blocks[0], split1}}},
			files:   []tcFile{{name: "f", size: uint32(len(data)), folder: ifoldContinuedToNext}}}).bytes(),
		"b.cab": (&tcCab{setID: 5, index: 1, prev: "a.cab", prevDisk: "d1",
			folders: []tcFolder{{method: methodNone, blocks: append([]tcBlock{split2}, blocks[2:]...)}},
			files:   []tcFile{{name: "f", size: uint32(len(data)), folder: ifoldContinuedFromPrev}}}).bytes(),
	}
	if len(cabs["b.cab"]) < 2*len(cabs["a.cab"]) {
		t.Fatal("the second cabinet must be larger than the first")
	}
	opts := &ReaderOptions{OpenCabinet: func(name string) (io.ReaderAt, int64, error) {
		return bytes.NewReader(cabs[name]), int64(len(cabs[name])), nil
	}}
	r, err := NewReaderOptions(bytes.NewReader(cabs["a.cab"]), int64(len(cabs["a.cab"])), opts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := readFile(r.Files[0])
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(data)
	if got.SHA256 != hex.EncodeToString(want[:]) || got.Size != int64(len(data)) {
		t.Errorf("read %d bytes, SHA-256 %s; want %d bytes, %x", got.Size, got.SHA256, len(data), want)
	}
}
