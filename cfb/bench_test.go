package cfb_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/richardlehane/mscfb"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/cfbgen"
)

// largeFile generates the 400 MiB + 2,000 small streams file once per
// benchmark run (only benchmarks call it, so go test never builds it).
func largeFile(b *testing.B) (path string, streamBytes int64) {
	b.Helper()
	path = filepath.Join(b.TempDir(), "large.cfb")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := cfbgen.Generate(f, 400, 2000); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	r, err := cfb.OpenReader(path)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	for _, e := range r.Entries() {
		streamBytes += e.Size
	}
	return path, streamBytes
}

// BenchmarkReadAllStreams reads every stream of the large file with our
// reader and with mscfb.
func BenchmarkReadAllStreams(b *testing.B) {
	path, total := largeFile(b)
	b.Run("msikit", func(b *testing.B) {
		b.SetBytes(total)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			r, err := cfb.OpenReader(path)
			if err != nil {
				b.Fatal(err)
			}
			for _, e := range r.Entries() {
				if e.Type != cfb.TypeStream {
					continue
				}
				s, err := e.Open()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, s); err != nil {
					b.Fatal(err)
				}
			}
			r.Close()
		}
	})
	b.Run("mscfb", func(b *testing.B) {
		b.SetBytes(total)
		b.ReportAllocs()
		buf := make([]byte, 64<<10)
		for i := 0; i < b.N; i++ {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			doc, err := mscfb.New(f)
			if err != nil {
				b.Fatal(err)
			}
			for {
				e, err := doc.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				if e.Size > 0 {
					if _, err := io.CopyBuffer(io.Discard, io.LimitReader(e, e.Size), buf); err != nil {
						b.Fatal(err)
					}
				}
			}
			f.Close()
		}
	})
}

// BenchmarkReadAtChunks reads one 100 MiB stream in 64 KiB ReadAt calls
// from the end backwards (mscfb re-walks the FAT on every call, so it is
// left out: it is quadratic here).
func BenchmarkReadAtChunks(b *testing.B) {
	var buf bytes.Buffer
	const size = 100 << 20
	w := cfb.NewWriter(&buf, nil)
	if err := w.CreateFrom("s", cfbgen.PRNG{Seed: 7, Size: size}, size); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	r, err := cfb.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		b.Fatal(err)
	}
	s, err := r.Lookup("s").Open()
	if err != nil {
		b.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for off := int64(size) - int64(len(chunk)); off >= 0; off -= int64(len(chunk)) {
			if _, err := s.ReadAt(chunk, off); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkOpen parses the header, tables and directory of the large file.
func BenchmarkOpen(b *testing.B) {
	path, _ := largeFile(b)
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := cfb.NewReader(f, fi.Size()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWrite lays out and writes 64 MiB in big streams plus 2,000
// small streams to io.Discard (the sources are not filled, so this
// measures the writer).
func BenchmarkWrite(b *testing.B) {
	const big = 64 << 20
	var total int64 = big
	for i := 0; i < 2000; i++ {
		total += 64 + (int64(i)*2654435761)%8000
	}
	b.SetBytes(total)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		w := cfb.NewWriter(io.Discard, nil)
		if err := w.CreateFrom("big", zeroSource{}, big); err != nil {
			b.Fatal(err)
		}
		for j := 0; j < 2000; j++ {
			n := 64 + (int64(j)*2654435761)%8000
			if err := w.CreateFrom(fmt.Sprintf("bin/s%05d", j), zeroSource{}, n); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// zeroSource is an io.ReaderAt that returns whatever is in the buffer.
type zeroSource struct{}

func (zeroSource) ReadAt(b []byte, off int64) (int, error) { return len(b), nil }

// BenchmarkRepackFile repacks the large file into a file in the same
// folder, as `msikit cfb repack` does (without the rename), next to the
// baseline cp sets: io.Copy between the two files, which Go does with
// copy_file_range(2) like cp. Pending writeback slows whichever runs
// while it is flushed, so compare several -count runs; bench/cfb.sh
// compares whole commands, interleaved.
func BenchmarkRepackFile(b *testing.B) {
	path, _ := largeFile(b)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(filepath.Dir(path), "out.cfb")
	create := func(b *testing.B) *os.File {
		os.Remove(out)
		f, err := os.Create(out)
		if err != nil {
			b.Fatal(err)
		}
		return f
	}
	b.Run("msikit", func(b *testing.B) {
		b.SetBytes(fi.Size())
		b.ReportAllocs()
		for b.Loop() {
			r, err := cfb.OpenReader(path)
			if err != nil {
				b.Fatal(err)
			}
			f := create(b)
			w := cfb.NewWriter(f, nil)
			if err := w.Copy(r.Root); err != nil {
				b.Fatal(err)
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
			f.Close()
			r.Close()
		}
	})
	b.Run("copy", func(b *testing.B) {
		b.SetBytes(fi.Size())
		b.ReportAllocs()
		for b.Loop() {
			in, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			f := create(b)
			if _, err := io.Copy(f, in); err != nil {
				b.Fatal(err)
			}
			f.Close()
			in.Close()
		}
	})
}
