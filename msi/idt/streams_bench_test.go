package idt

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// streamBenchSize is the size of each binary cell of the many-streams
// benchmark database: an icon or a small custom-action DLL's worth.
const streamBenchSize = 1 << 10

// streamsBenchDatabase returns the path of testdata/sample.msi with a
// Binary table of n rows, each with its own stream of streamBenchSize
// bytes, built once and cached in the temp folder.
func streamsBenchDatabase(b *testing.B, n int) string {
	b.Helper()
	cache := filepath.Join(os.TempDir(), fmt.Sprintf("msikit-bench-streams-%d-v1.msi", n))
	if _, err := os.Stat(cache); err == nil {
		return cache
	}
	db, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	bin, err := db.Table("Binary")
	if err != nil {
		b.Fatal(err)
	}
	data := make([]byte, streamBenchSize)
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("b%06d", i)
		if err := bin.Insert(msi.StrValue(name), msi.BinaryValue()); err != nil {
			b.Fatal(err)
		}
		for j := range data {
			data[j] = byte(i + j*7)
		}
		if err := db.SetStream("Binary."+name, bytes.NewReader(bytes.Clone(data)), int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
	tmp := cache + ".tmp"
	if err := db.Save(tmp, nil); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, cache); err != nil {
		b.Fatal(err)
	}
	return cache
}

// benchOutDir returns a folder for benchmark output: $MSIKIT_BENCH_DIR, else
// /dev/shm when there is one (the benchmark measures msikit's cost per
// file, not a disk's), else a temporary folder.
func benchOutDir(b *testing.B) string {
	b.Helper()
	base := os.Getenv("MSIKIT_BENCH_DIR")
	if base == "" {
		if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
			base = "/dev/shm"
		}
	}
	if base == "" {
		return b.TempDir()
	}
	d, err := os.MkdirTemp(base, "msikit-bench-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(d) })
	return d
}

var streamBenchCounts = []int{1000, 10000, 100000}

// BenchmarkReadStreams opens the many-streams database and reads every
// binary cell's stream: the floor BenchmarkExportIDTDirStreams is measured
// against (issue 23: export -d within 2x of reading the streams).
func BenchmarkReadStreams(b *testing.B) {
	for _, n := range streamBenchCounts {
		b.Run(fmt.Sprintf("streams=%d", n), func(b *testing.B) {
			path := streamsBenchDatabase(b, n)
			buf := make([]byte, streamBenchSize)
			b.SetBytes(int64(n) * streamBenchSize)
			b.ReportAllocs()
			cpu := processCPU()
			defer func() { reportCPU(b, cpu) }()
			for i := 0; i < b.N; i++ {
				db, err := msi.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				bin, err := db.Table("Binary")
				if err != nil {
					b.Fatal(err)
				}
				for row := range bin.Rows() {
					st, err := row.OpenStream("Data")
					if err != nil {
						b.Fatal(err)
					}
					if _, err := io.ReadFull(st, buf); err != nil {
						b.Fatal(err)
					}
				}
				db.Close()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/stream")
		})
	}
}

// BenchmarkExportIDTDirStreams opens the many-streams database and exports
// Binary into a new folder with ExportIDTDir: one IDT file and n files of
// binary cells, written into one temporary folder renamed at the end (no
// per-file temporary file, rename or flush). ns/stream should stay flat
// across the series.
func BenchmarkExportIDTDirStreams(b *testing.B) {
	for _, n := range streamBenchCounts {
		b.Run(fmt.Sprintf("streams=%d", n), func(b *testing.B) {
			path := streamsBenchDatabase(b, n)
			base := benchOutDir(b)
			b.SetBytes(int64(n) * streamBenchSize)
			b.ReportAllocs()
			var elapsed int64
			var cpuTotal time.Duration
			for i := 0; i < b.N; i++ {
				out := filepath.Join(base, fmt.Sprintf("out%d", i))
				b.StartTimer()
				cpu := processCPU()
				db, err := msi.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				if err := ExportDir(out, db, "Binary"); err != nil {
					b.Fatal(err)
				}
				db.Close()
				b.StopTimer()
				cpuTotal += processCPU() - cpu
				elapsed = b.Elapsed().Nanoseconds()
				os.RemoveAll(out)
			}
			b.ReportMetric(float64(elapsed)/float64(b.N)/float64(n), "ns/stream")
			b.ReportMetric(float64(cpuTotal)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
}
