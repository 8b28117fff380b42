package cfbgen

import (
	"fmt"
	"io"

	"github.com/msikit/msikit/cfb"
)

// PRNG is deterministic pseudo-random content of Size bytes, usable as an
// io.ReaderAt: each 8-byte word depends only on Seed and its offset, so
// any split of ReadAt calls gives the same bytes.
type PRNG struct {
	Seed uint64
	Size int64
}

// ReadAt implements io.ReaderAt.
func (p PRNG) ReadAt(b []byte, off int64) (int, error) {
	if off >= p.Size {
		return 0, io.EOF
	}
	n := int(min(int64(len(b)), p.Size-off))
	for i := 0; i < n; {
		word := uint64(off+int64(i)) / 8
		x := word*0x9E3779B97F4A7C15 ^ p.Seed
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		for j := int((off + int64(i)) % 8); j < 8 && i < n; j++ {
			b[i] = byte(x >> (8 * j))
			i++
		}
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// Generate writes a compound file to w: streams "cab00", "cab01", … of
// 100 MiB each (the last one shorter) totalling mib MiB, and small streams
// "bin/s00000", … of 64 to 8,063 bytes.
func Generate(w io.Writer, mib, small int) error {
	cw := cfb.NewWriter(w, nil)
	left := int64(mib) << 20
	for i := 0; left > 0; i++ {
		n := min(left, 100<<20)
		if err := cw.CreateFrom(fmt.Sprintf("cab%02d", i), PRNG{uint64(i + 1), n}, n); err != nil {
			return err
		}
		left -= n
	}
	for i := 0; i < small; i++ {
		n := 64 + (int64(i)*2654435761)%8000
		if err := cw.CreateFrom(fmt.Sprintf("bin/s%05d", i), PRNG{uint64(1000 + i), n}, n); err != nil {
			return err
		}
	}
	return cw.Close()
}
