package cab

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// chainSet builds n cabinets holding one stored folder that runs through
// all of them, one 32 KiB block per cabinet. Cabinet k lists the file that
// began in cabinet k-1 (continued from the previous cabinet), its own file
// "own<k>" and a file that continues into cabinet k+1, so the folder of
// every cabinet but the first is continued from the previous one. It
// returns the cabinets by name and every file's contents.
func chainSet(n int) (map[string][]byte, map[string][]byte) {
	const block = maxBlockSize
	stream := sample(n*block, 21)
	cabs := map[string][]byte{}
	want := map[string][]byte{}
	name := func(k int) string { return fmt.Sprintf("c%d.cab", k) }
	for k := 0; k < n; k++ {
		base := uint32(k * block)
		c := &tcCab{setID: 9, index: uint16(k),
			folders: []tcFolder{{method: methodNone, blocks: []tcBlock{{data: stream[k*block : (k+1)*block], uncomp: block}}}}}
		if k > 0 {
			c.prev, c.prevDisk = name(k-1), "d"
			span := fmt.Sprintf("span%d", k-1)
			c.files = append(c.files, tcFile{name: span, size: block, offset: base - block + 200, folder: ifoldContinuedFromPrev})
		}
		own := fmt.Sprintf("own%d", k)
		c.files = append(c.files, tcFile{name: own, size: 100, offset: base + 100, folder: 0})
		want[own] = stream[base+100 : base+200]
		if k < n-1 {
			c.next, c.nextDisk = name(k+1), "d"
			span := fmt.Sprintf("span%d", k)
			c.files = append(c.files, tcFile{name: span, size: block, offset: base + 200, folder: ifoldContinuedToNext})
			want[span] = stream[base+200 : base+200+block]
		}
		cabs[name(k)] = c.bytes()
	}
	return cabs, want
}

// TestSetReadInOrderDecodesOnce reads a 1,000-cabinet set the way an
// extractor does, cabinet after cabinet through Reader.Next, each
// cabinet's files in order: every sibling is opened once and the folder
// that runs through the whole set is decoded once. Walking back to the
// folder's start and decoding it again for each cabinet would cost
// 500,000 block decodes.
func TestSetReadInOrderDecodesOnce(t *testing.T) {
	const n = 1000
	cabs, want := chainSet(n)
	opens, blocks := 0, 0
	opts := &ReaderOptions{OpenCabinet: func(name string) (io.ReaderAt, int64, error) {
		opens++
		b, ok := cabs[name]
		if !ok {
			return nil, 0, os.ErrNotExist
		}
		return bytes.NewReader(b), int64(len(b)), nil
	}, Interrupt: func() error {
		blocks++ // asked before each block is read
		return nil
	}}
	// The work is counted in blocks read, not timed: under the race
	// detector on a loaded machine the right way took 12 s, past the
	// budget meant to catch the wrong one. The time bound only catches a
	// hang.
	testenv.CheckBudgetOf(t, "read a 1000-cabinet set in order", time.Minute, testenv.HeapBudget, func() {
		opens, blocks = 0, 0
		r, err := NewReaderOptions(bytes.NewReader(cabs["c0.cab"]), int64(len(cabs["c0.cab"])), opts)
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		buf := make([]byte, 2*maxBlockSize)
		for {
			for _, f := range r.Files {
				if f.ContinuedFromPrev() {
					continue // read from the cabinet where it begins
				}
				b, err := readInto(f, buf)
				if err != nil {
					t.Fatalf("%s: %v", f.Name, err)
				}
				if !bytes.Equal(b, want[f.Name]) {
					t.Fatalf("%s: content differs", f.Name)
				}
				got++
			}
			if r.NextCabinet == "" {
				break
			}
			next, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			if again, _ := r.Next(); again != next {
				t.Fatal("Next opened the next cabinet twice")
			}
			r = next
		}
		if got != len(want) {
			t.Errorf("read %d files, want %d", got, len(want))
		}
		if opens != n-1 {
			t.Errorf("OpenCabinet called %d times, want %d (each sibling once)", opens, n-1)
		}
		if blocks > 2*n {
			t.Errorf("%d blocks read for a set of %d one-block cabinets, want at most %d", blocks, n, 2*n)
		}
		t.Logf("%d blocks read", blocks)
	})
}

func TestNextWithoutNext(t *testing.T) {
	cabs, _ := chainSet(2)
	last := cabs["c1.cab"]
	r, err := NewReaderOptions(bytes.NewReader(last), int64(len(last)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); !errors.Is(err, ErrMissingCabinet) {
		t.Errorf("Next of the last cabinet: %v, want ErrMissingCabinet", err)
	}
	first := cabs["c0.cab"]
	r, _ = NewReaderOptions(bytes.NewReader(first), int64(len(first)), nil)
	if _, err := r.Next(); !errors.Is(err, ErrMissingCabinet) {
		t.Errorf("Next without OpenCabinet: %v, want ErrMissingCabinet", err)
	}
}

// TestFailedFolderFailsFast: a folder of 2,000 files whose block 500 (of
// 1,000) is corrupt. Files before the bad block read; every later file
// fails at once with an error naming the bad block, instead of decoding
// the first 500 blocks again (1,000 times 500 blocks of 32 KiB).
func TestFailedFolderFailsFast(t *testing.T) {
	const nblocks, nfiles = 1000, 2000
	payload := bytes.Repeat([]byte("0123456789abcdef"), nblocks*maxBlockSize/16)
	blocks := storedBlocks(payload, maxBlockSize)
	bad := uint32(12345)
	blocks[500].csum = &bad
	size := uint32(len(payload) / nfiles)
	var files []tcFile
	for i := 0; i < nfiles; i++ {
		files = append(files, tcFile{name: fmt.Sprintf("f%04d", i), size: size, offset: uint32(i) * size})
	}
	data := (&tcCab{folders: []tcFolder{{method: methodNone, blocks: blocks}}, files: files}).bytes()
	testenv.CheckBudget(t, "read 2000 files of a folder with a corrupt block", func() {
		r, err := NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		ok, failed := 0, 0
		buf := make([]byte, len(payload)/nfiles)
		for _, f := range r.Files {
			b, err := readInto(f, buf)
			end := f.Offset + f.Size
			switch {
			case end <= 500*maxBlockSize:
				if err != nil || !bytes.Equal(b, payload[f.Offset:end]) {
					t.Fatalf("%s before the bad block: %v", f.Name, err)
				}
				ok++
			case err == nil:
				t.Fatalf("%s: read past the bad block without an error", f.Name)
			case !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "data block 500 checksum"):
				t.Fatalf("%s: %v; want the bad block's checksum error", f.Name, err)
			default:
				failed++
			}
		}
		if ok == 0 || failed == 0 {
			t.Fatalf("%d files read, %d failed: the fixture proves nothing", ok, failed)
		}
	})
}

// TestFolderEndsEarlyFailsFast: a folder whose blocks decode to far less
// than its files claim. The first file past the end finds out by decoding
// the folder; the other 1,999 fail at once.
func TestFolderEndsEarlyFailsFast(t *testing.T) {
	const nfiles = 2000
	payload := bytes.Repeat([]byte("z"), 300*maxBlockSize)
	blocks := storedBlocks(payload, maxBlockSize)
	var files []tcFile
	for i := 0; i < nfiles; i++ {
		files = append(files, tcFile{name: fmt.Sprintf("f%04d", i), size: 10, offset: uint32(len(payload) + i*10)})
	}
	// Claim room for the files so that Open's size check passes.
	nb := len(blocks) + 1
	data := (&tcCab{folders: []tcFolder{{method: methodNone, blocks: blocks, nblocks: &nb}}, files: files}).bytes()
	testenv.CheckBudget(t, "read 2000 files past the end of a folder", func() {
		r, err := NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range r.Files {
			if _, err := readBytes(f); !errors.Is(err, ErrFormat) {
				t.Fatalf("%s: %v, want a format error", f.Name, err)
			}
		}
	})
}

// readBytes returns a file's contents.
func readBytes(f *File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// readInto reads a file's contents into buf, which must be large enough.
func readInto(f *File, buf []byte) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	n, err := io.ReadFull(rc, buf[:f.Size])
	return buf[:n], err
}

// countingReaderAt counts ReadAt calls.
type countingReaderAt struct {
	r     io.ReaderAt
	calls int
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	c.calls++
	return c.r.ReadAt(p, off)
}

// TestDirectoryReadInWindows: the directory of a cabinet of 65,535 files
// (and a 60,000-byte header reserve) is read in a few dozen ReadAt calls,
// not two per file: every read of an embedded cabinet is a system call.
func TestDirectoryReadInWindows(t *testing.T) {
	var files []tcFile
	for i := 0; i < 65535; i++ {
		files = append(files, tcFile{name: fmt.Sprintf("file%05d.txt", i)})
	}
	data := (&tcCab{hdrReserve: bytes.Repeat([]byte{7}, 60000), folders: []tcFolder{{method: methodNone}}, files: files}).bytes()
	cr := &countingReaderAt{r: bytes.NewReader(data)}
	r, err := NewReader(cr, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Files) != 65535 || r.Files[65534].Name != "file65534.txt" || len(r.Reserve) != 60000 || r.Reserve[59999] != 7 {
		t.Fatalf("%d files, last %q, reserve %d bytes", len(r.Files), r.Files[len(r.Files)-1].Name, len(r.Reserve))
	}
	if cr.calls > 100 {
		t.Errorf("%d ReadAt calls for a %d-byte directory", cr.calls, len(data))
	}
}

// TestSetNumbersOutOfRange: a cabinet numbered 0 (the first of its set)
// whose folder continues from a previous cabinet, and one numbered 65,535
// (the last a set can have) that names a next one, fail with a format
// error saying so at the header's number, without opening the sibling;
// before, the first compared the sibling with "number -1". A sibling of
// the wrong number is named as the previous or the next one.
func TestSetNumbersOutOfRange(t *testing.T) {
	folder := []tcFolder{{method: methodNone, blocks: []tcBlock{{data: []byte("hello"), uncomp: 5}}}}
	cabs := map[string][]byte{
		"first.cab": (&tcCab{setID: 7, index: 0, prev: "p.cab", prevDisk: "d", folders: folder,
			files: []tcFile{{name: "cont", size: 3, folder: ifoldContinuedFromPrev}, {name: "own", size: 2, offset: 3}}}).bytes(),
		"last.cab": (&tcCab{setID: 7, index: 65535, next: "n.cab", nextDisk: "d", folders: folder,
			files: []tcFile{{name: "own", size: 5}}}).bytes(),
		"third.cab": (&tcCab{setID: 7, index: 3, prev: "p.cab", prevDisk: "d", folders: folder,
			files: []tcFile{{name: "cont", size: 3, folder: ifoldContinuedFromPrev}, {name: "own", size: 2, offset: 3}}}).bytes(),
		// The sibling every header names: set 7 number 0.
		"p.cab": (&tcCab{setID: 7, index: 0, next: "x.cab", nextDisk: "d", folders: folder,
			files: []tcFile{{name: "x", size: 5, folder: ifoldContinuedToNext}}}).bytes(),
		"n.cab": (&tcCab{setID: 7, index: 0, folders: folder, files: []tcFile{{name: "x", size: 5}}}).bytes(),
	}
	var opened []string
	opts := &ReaderOptions{OpenCabinet: func(n string) (io.ReaderAt, int64, error) {
		opened = append(opened, n)
		return bytes.NewReader(cabs[n]), int64(len(cabs[n])), nil
	}}
	open := func(name string) *Reader {
		t.Helper()
		r, err := NewReaderOptions(bytes.NewReader(cabs[name]), int64(len(cabs[name])), opts)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	type outcome struct {
		Msg    string
		Offset int64
		Opened []string
	}
	got := func(err error) outcome {
		var fe *FormatError
		if !errors.As(err, &fe) || !errors.Is(err, ErrFormat) {
			t.Fatalf("%v: want a *FormatError", err)
		}
		o := outcome{fe.Msg, fe.Offset, opened}
		opened = nil
		return o
	}
	first := open("first.cab")
	for _, f := range first.Files {
		_, err := f.Open()
		want := outcome{Msg: `cabinet number 0 of set 7 is the first of its set, yet its first folder continues from a previous cabinet "p.cab"`, Offset: 34}
		if diff := cmp.Diff(want, got(err)); diff != "" {
			t.Errorf("first.cab, file %s (-want +got):\n%s", f.Name, diff)
		}
	}
	_, err := open("last.cab").Next()
	want := outcome{Msg: `cabinet number 65535 of set 7 is the last a set can have, yet it names a next cabinet "n.cab"`, Offset: 34}
	if diff := cmp.Diff(want, got(err)); diff != "" {
		t.Errorf("last.cab (-want +got):\n%s", diff)
	}
	_, err = open("third.cab").Files[1].Open()
	want = outcome{Msg: `the previous cabinet "p.cab" is set 7 number 0, want set 7 number 2 (this cabinet is number 3)`, Offset: -1, Opened: []string{"p.cab"}}
	if diff := cmp.Diff(want, got(err)); diff != "" {
		t.Errorf("third.cab (-want +got):\n%s", diff)
	}
}
