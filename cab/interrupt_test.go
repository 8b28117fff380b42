package cab

import (
	"bytes"
	"errors"
	"io"
	"sync/atomic"
	"testing"
)

// ReaderOptions.Interrupt is asked before every block: once it returns an
// error, decoding stops before the next block, whether the blocks are
// delivered or decoded only to reach a file, the read fails with an
// *InterruptError wrapping that error and naming where it stopped, and
// later reads of the folder fail at once.
func TestInterrupt(t *testing.T) {
	const blocks = 64
	stop := errors.New("stop")
	for _, tc := range []struct {
		name   string
		after  int64 // blocks Interrupt lets through
		offset int64 // where file f starts in its folder
		size   int64
		want   int64 // bytes of f read before the error
	}{
		{"delivered", 5, 0, blocks * maxBlockSize, 5 * maxBlockSize},
		{"skipped", 5, 40 * maxBlockSize, maxBlockSize, 0},
		{"first block", 0, 0, blocks * maxBlockSize, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			z := make([]byte, maxBlockSize)
			fo := tcFolder{method: methodMSZIP}
			for range blocks {
				fo.blocks = append(fo.blocks, mszipBlocks(z)[0])
			}
			data := (&tcCab{folders: []tcFolder{fo}, files: []tcFile{
				{name: "f", offset: uint32(tc.offset), size: uint32(tc.size)},
				{name: "g", offset: uint32(blocks-1) * maxBlockSize, size: maxBlockSize},
			}}).bytes()
			var asked atomic.Int64
			r, err := NewReaderOptions(bytes.NewReader(data), int64(len(data)), &ReaderOptions{Interrupt: func() error {
				if asked.Add(1) > tc.after {
					return stop
				}
				return nil
			}})
			if err != nil {
				t.Fatal(err)
			}
			rc, err := r.Files[0].Open()
			if err != nil {
				t.Fatal(err)
			}
			n, err := io.Copy(io.Discard, rc)
			rc.Close()
			var ie *InterruptError
			if !errors.As(err, &ie) || !errors.Is(err, stop) || errors.Is(err, ErrFormat) {
				t.Fatalf("read %d bytes, then %v; want an *InterruptError wrapping %v", n, err, stop)
			}
			if n != tc.want || ie.Offset != tc.after*maxBlockSize || ie.Folder != 0 || asked.Load() != tc.after+1 {
				t.Errorf("read %d bytes, stopped at offset %d of folder %d after asking %d times; want %d bytes, offset %d of folder 0, %d times",
					n, ie.Offset, ie.Folder, asked.Load(), tc.want, tc.after*maxBlockSize, tc.after+1)
			}
			// The folder failed at that point: a file past it fails at
			// once, without asking again.
			before := asked.Load()
			if _, err := readBytes(r.Files[1]); !errors.Is(err, stop) || asked.Load() != before {
				t.Errorf("a later file: %v after asking %d more times; want an error wrapping %v at once", err, asked.Load()-before, stop)
			}
		})
	}
}

// Interrupt is not asked past a folder's last block: a file read to its
// end succeeds however Interrupt answers afterwards.
func TestInterruptNotAskedAtEnd(t *testing.T) {
	data := bombCab(1, 3)
	var asked atomic.Int64
	r, err := NewReaderOptions(bytes.NewReader(data), int64(len(data)), &ReaderOptions{Interrupt: func() error {
		if asked.Add(1) > 3 {
			return errors.New("asked past the last block")
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	fo, err := r.Folders[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer fo.Close()
	if n, err := io.Copy(io.Discard, fo); err != nil || n != 3*maxBlockSize || asked.Load() != 3 {
		t.Errorf("folder read: %d bytes, %v, asked %d times; want %d bytes, nil, 3 times", n, err, asked.Load(), 3*maxBlockSize)
	}
}
