package cfb

import (
	"errors"
	"io"
	"slices"
)

// extent maps the stream bytes [log, log+n) to file bytes [phys, phys+n).
type extent struct {
	log, phys, n int64
}

// A Stream reads one stream's bytes. It implements io.Reader, io.ReaderAt
// and io.Seeker. ReadAt may be called concurrently; Read and Seek share the
// Stream's offset and must not be.
type Stream struct {
	ra       io.ReaderAt
	fileSize int64
	size     int64
	ext      []extent
	off      int64
}

// Size returns the stream's length in bytes.
func (s *Stream) Size() int64 { return s.size }

// ReadAt reads len(b) bytes from offset off of the stream.
func (s *Stream) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("cfb: negative offset")
	}
	if off >= s.size {
		return 0, io.EOF
	}
	want := len(b)
	if rem := s.size - off; int64(want) > rem {
		want = int(rem)
	}
	i, _ := slices.BinarySearchFunc(s.ext, off, func(e extent, t int64) int {
		if e.log+e.n <= t {
			return -1
		}
		if e.log > t {
			return 1
		}
		return 0
	})
	n := 0
	for n < want && i < len(s.ext) {
		e := s.ext[i]
		k := min(int64(want-n), e.log+e.n-off)
		phys := e.phys + off - e.log
		chunk := b[n : n+int(k)]
		avail := int64(len(chunk))
		if phys+avail > s.fileSize {
			avail = max(0, s.fileSize-phys)
		}
		if avail > 0 {
			m, err := s.ra.ReadAt(chunk[:avail], phys)
			if int64(m) < avail {
				if err == nil || err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return n + m, err
			}
		}
		clear(chunk[avail:])
		n += int(k)
		off += k
		i++
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// Read reads from the stream's current offset.
func (s *Stream) Read(b []byte) (int, error) {
	if s.off >= s.size {
		return 0, io.EOF
	}
	n, err := s.ReadAt(b, s.off)
	s.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

// Seek sets the offset for the next Read, as io.Seeker describes.
func (s *Stream) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += s.off
	case io.SeekEnd:
		offset += s.size
	default:
		return 0, errors.New("cfb: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("cfb: negative position")
	}
	s.off = offset
	return offset, nil
}

// WriteTo copies the rest of the stream to w in large chunks.
func (s *Stream) WriteTo(w io.Writer) (int64, error) {
	var total int64
	if s.off >= s.size {
		return 0, nil
	}
	buf := make([]byte, min(s.size-s.off, 64<<10))
	for s.off < s.size {
		n, err := s.ReadAt(buf, s.off)
		if n > 0 {
			m, werr := w.Write(buf[:n])
			total += int64(m)
			s.off += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if err != nil && err != io.EOF {
			return total, err
		}
	}
	return total, nil
}
