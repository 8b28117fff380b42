package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/msikit/msikit/cfb"
)

// prng is a deterministic xorshift byte source usable as io.ReaderAt.
type prng struct {
	seed uint64
	size int64
}

func (p prng) ReadAt(b []byte, off int64) (int, error) {
	if off >= p.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(b)), p.size-off))
	// Each 8-byte word depends only on its offset, so any ReadAt split
	// gives the same bytes.
	for i := 0; i < n; {
		word := uint64(off+int64(i)) / 8
		x := word*0x9E3779B97F4A7C15 ^ p.seed
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

func main() {
	out := flag.String("o", "", "output file")
	mib := flag.Int("mib", 400, "MiB of big streams (in 100 MiB streams)")
	small := flag.Int("small", 2000, "number of small streams")
	flag.Parse()
	if *out == "" {
		log.Fatal("cfbgen: -o is required")
	}
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	if err := Generate(f, *mib, *small); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

// Generate writes the benchmark file to w.
func Generate(w io.Writer, mib, small int) error {
	cw := cfb.NewWriter(w, nil)
	left := int64(mib) << 20
	for i := 0; left > 0; i++ {
		n := min(left, 100<<20)
		if err := cw.CreateFrom(fmt.Sprintf("cab%02d", i), prng{uint64(i + 1), n}, n); err != nil {
			return err
		}
		left -= n
	}
	for i := 0; i < small; i++ {
		n := 64 + (int64(i)*2654435761)%8000
		if err := cw.CreateFrom(fmt.Sprintf("bin/s%05d", i), prng{uint64(1000 + i), n}, n); err != nil {
			return err
		}
	}
	return cw.Close()
}
