package sbom

import (
	"errors"
	"fmt"
	"io"
)

// Sizes of what a forward reader keeps of the stream it reads.
const (
	// forwardHead is how much of the start of a file is kept: PE and
	// cabinet headers, read again and again by their parsers, lie there.
	forwardHead = 64 << 10
	// forwardBack is the least a forward reader keeps of what it read
	// last, for parsers that read a little behind where they got to (the
	// cabinet directory reader re-reads its window's tail).
	forwardBack = 64 << 10
)

// errBehind is the error of a read that starts before what a forward
// reader still holds: a structure that points backwards in the file.
var errBehind = errors.New("data lies before data already read (a file read in one pass)")

// A forward reader is an io.ReaderAt over a stream that can only go
// forward, such as a file being decompressed from a cabinet: it keeps the
// first forwardHead bytes and at least the last forwardBack bytes it read,
// serves reads from them, skips ahead to later offsets, and fails a read
// that needs anything else with errBehind. Every byte of the stream
// passes through sink (the file's hashes) exactly once, in order, so a
// parser can look at a file while it is hashed in the same pass, in
// memory bounded by the two windows and by what the parser reads.
type forward struct {
	r    io.Reader
	sink io.Writer
	size int64 // bytes the stream holds
	head []byte
	back []byte // stream bytes [pos-len(back), pos); cap 2*forwardBack
	pos  int64  // bytes taken from r
	err  error  // sticky read error
}

// newForward starts reading the size bytes of r, reading its head at
// once. buf, if large enough, is used for the windows (a reader per file
// of a cabinet reuses one).
func newForward(r io.Reader, size int64, sink io.Writer, buf []byte) *forward {
	if cap(buf) < forwardHead+2*forwardBack {
		buf = make([]byte, forwardHead+2*forwardBack)
	}
	f := &forward{r: r, sink: sink, size: size}
	n := int(min(size, forwardHead))
	f.head = buf[:n:n]
	f.back = buf[forwardHead:forwardHead:cap(buf)]
	if f.fill(f.head) != nil {
		f.head = f.head[:0]
	}
	return f
}

// fill reads exactly len(p) bytes of the stream into p and passes them to
// the sink.
func (f *forward) fill(p []byte) error {
	if f.err != nil {
		return f.err
	}
	if _, err := io.ReadFull(f.r, p); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = fmt.Errorf("file ends %d bytes early: %w", f.size-f.pos-int64(len(p)), io.ErrUnexpectedEOF)
		}
		f.err = err
		return err
	}
	f.sink.Write(p) // hashes never fail
	f.pos += int64(len(p))
	return nil
}

// take reads the next n bytes of the stream into the back window.
func (f *forward) take(n int) error {
	for n > 0 {
		if len(f.back) == cap(f.back) {
			// Keep the last forwardBack bytes.
			copy(f.back, f.back[len(f.back)-forwardBack:])
			f.back = f.back[:forwardBack]
		}
		m := min(n, cap(f.back)-len(f.back))
		p := f.back[len(f.back) : len(f.back)+m]
		if err := f.fill(p); err != nil {
			return err
		}
		f.back = f.back[:len(f.back)+m]
		n -= m
	}
	return nil
}

// ReadAt reads len(p) bytes at off from what is kept or from the stream
// ahead, skipping to off first.
func (f *forward) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	if off >= f.size {
		return 0, io.EOF
	}
	want := len(p)
	if rest := f.size - off; int64(want) > rest {
		want = int(rest)
	}
	done := 0
	for done < want {
		q := off + int64(done)
		backStart := f.pos - int64(len(f.back))
		switch {
		case q < int64(len(f.head)):
			done += copy(p[done:want], f.head[q:])
		case q >= backStart && q < f.pos:
			done += copy(p[done:want], f.back[q-backStart:])
		case q < f.pos:
			return done, errBehind
		case q > f.pos:
			// Skip ahead: only the last window's worth is kept.
			for q > f.pos {
				if err := f.take(int(min(q-f.pos, forwardBack))); err != nil {
					return done, err
				}
			}
		case want-done > forwardBack:
			// A large read goes straight into p; its end becomes the
			// back window.
			dst := p[done:want]
			if err := f.fill(dst); err != nil {
				return done, err
			}
			f.back = append(f.back[:0], dst[len(dst)-forwardBack:]...)
			done = want
		default:
			if err := f.take(want - done); err != nil {
				return done, err
			}
		}
	}
	if want < len(p) {
		return want, io.EOF
	}
	return want, nil
}

// drain reads the rest of the stream into the sink, through buf.
func (f *forward) drain(buf []byte) error {
	for f.pos < f.size {
		n := int(min(f.size-f.pos, int64(len(buf))))
		if err := f.fill(buf[:n]); err != nil {
			return err
		}
	}
	return f.err
}
