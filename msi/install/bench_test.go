package install

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"testing"

	"github.com/msikit/msikit/internal/extractgen"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// BenchmarkExtract decodes every file of a generated package (10,000
// files of 2 KiB in 100 folders, one MSZIP cabinet; internal/extractgen,
// as bench/extract.sh's packages) and passes it to a callback that reads
// it: the library's share of `msikit extract`, without the files being
// written. folders=8 splits the cabinet into 8 folders decoded on Jobs
// goroutines; maxratio=none turns off the decoding bound (MaxRatio -1),
// to show what counting against it costs; ctx=cancel passes a context
// that can be cancelled (ExtractContext), asked before every block and
// file, to show what that costs.
func BenchmarkExtract(b *testing.B) {
	const files, size = 10000, 2 << 10
	for _, c := range []struct {
		folders, jobs, ratio int
		ctx                  bool
	}{{1, 1, 0, false}, {1, 1, -1, false}, {1, 1, 0, true}, {8, 1, 0, false}, {8, 2, 0, false}, {8, 2, 0, true}} {
		name := fmt.Sprintf("folders=%d/jobs=%d", c.folders, c.jobs)
		if c.ratio < 0 {
			name += "/maxratio=none"
		}
		ctx := context.Background()
		if c.ctx {
			name += "/ctx=cancel"
			var cancel context.CancelFunc
			ctx, cancel = context.WithCancel(ctx)
			defer cancel()
		}
		b.Run(name, func(b *testing.B) {
			pkg := filepath.Join(b.TempDir(), "bench.msi")
			if err := extractgen.Write(testenv.SampleMSI(), pkg, files, 100, size, c.folders); err != nil {
				b.Fatal(err)
			}
			db, err := msi.Open(pkg)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			bufs := sync.Pool{New: func() any { return new([32 << 10]byte) }}
			b.SetBytes(files * size)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				var mu sync.Mutex
				n := 0
				rep, err := ExtractContext(ctx, db, &Options{Jobs: c.jobs, MaxRatio: c.ratio}, func(f *File, r io.Reader) error {
					buf := bufs.Get().(*[32 << 10]byte)
					defer bufs.Put(buf)
					_, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{r}, buf[:])
					mu.Lock()
					n++
					mu.Unlock()
					return err
				})
				if err != nil || rep.Problems() || n != files {
					b.Fatalf("%d files, problems %v, error %v", n, rep.Problems(), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*files), "ns/file")
		})
	}
}
