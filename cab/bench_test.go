package cab

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// largestCorpusCab returns the largest cabinet in the corpus whose folders
// all use method kind, or skips.
func largestCorpusCab(b *testing.B, kind Method) embeddedCab {
	b.Helper()
	var best embeddedCab
	for _, pkg := range corpusPackages(b) {
		for _, c := range packageCabs(b, pkg) {
			r, err := NewReader(bytes.NewReader(c.data), int64(len(c.data)))
			if err != nil || len(r.Folders) == 0 || r.PrevCabinet != "" || r.NextCabinet != "" || r.Truncated {
				continue
			}
			ok := true
			for _, fo := range r.Folders {
				ok = ok && fo.Method.Kind() == kind
			}
			if ok && len(c.data) > len(best.data) {
				best = c
			}
		}
	}
	if best.data == nil {
		b.Skipf("no %v cabinet in the corpus", kind)
	}
	return best
}

// benchExtract decodes every file of the cabinet data per iteration.
func benchExtract(b *testing.B, data []byte) {
	r, err := NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		b.Fatal(err)
	}
	var total int64
	for _, f := range r.Files {
		total += f.Size
	}
	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range r.Files {
			rc, err := f.Open()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, rc); err != nil {
				b.Fatal(err)
			}
			rc.Close()
		}
	}
}

// BenchmarkMSZIP decodes the largest MSZIP cabinet of the corpus.
func BenchmarkMSZIP(b *testing.B) {
	c := largestCorpusCab(b, MSZIP)
	b.Logf("%s in %s: %d bytes", c.name, c.pkg, len(c.data))
	benchExtract(b, c.data)
}

// BenchmarkMSZIPSynthetic decodes 4 MiB of compressible text in MSZIP
// blocks (no corpus needed).
func BenchmarkMSZIPSynthetic(b *testing.B) {
	payload := sample(4<<20, 9)
	data := (&tcCab{folders: []tcFolder{{method: methodMSZIP, blocks: mszipBlocks(payload)}},
		files: []tcFile{{name: "f", size: uint32(len(payload))}}}).bytes()
	benchExtract(b, data)
}

// BenchmarkLZX decodes the largest LZX cabinet of the corpus.
func BenchmarkLZX(b *testing.B) {
	c := largestCorpusCab(b, LZX)
	b.Logf("%s in %s: %d bytes", c.name, c.pkg, len(c.data))
	benchExtract(b, c.data)
}

// BenchmarkCabFile decodes the cabinet named by $MSIKIT_BENCH_CAB (used by
// bench/cab.sh to compare with gcab on the same file).
func BenchmarkCabFile(b *testing.B) {
	name := os.Getenv("MSIKIT_BENCH_CAB")
	if name == "" {
		b.Skip("set MSIKIT_BENCH_CAB to a cabinet file")
	}
	data, err := os.ReadFile(name)
	if err != nil {
		b.Fatal(err)
	}
	benchExtract(b, data)
}

// TestExtractForBench extracts the cabinet $MSIKIT_BENCH_EXTRACT into the
// folder $MSIKIT_BENCH_OUT, as gcab -x does; bench/cab.sh times it against
// gcab. It is skipped unless both are set.
func TestExtractForBench(t *testing.T) {
	name, out := os.Getenv("MSIKIT_BENCH_EXTRACT"), os.Getenv("MSIKIT_BENCH_OUT")
	if name == "" || out == "" {
		t.Skip("used by bench/cab.sh: set MSIKIT_BENCH_EXTRACT and MSIKIT_BENCH_OUT")
	}
	rc, err := OpenReader(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	for _, f := range rc.Files {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		w, err := os.Create(filepath.Join(out, filepath.Base(strings.ReplaceAll(f.Name, `\`, "/"))))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, r); err != nil {
			t.Fatal(err)
		}
		r.Close()
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkLZXTinyBlocks decodes frames of 32 verbatim blocks of 1 KiB,
// each rebuilding its trees from all 905 code lengths (a literal and four
// matches a block): what a block header costs, the figure BlockCost is
// set from (ns/block).
func BenchmarkLZXTinyBlocks(b *testing.B) {
	const frames, perBlock = 8, 1024
	w := newLZXWriter(21)
	w.bits(1, 0) // no E8 translation
	mainPrev := make([]uint8, lzxNumChars+50*8)
	lenPrev := make([]uint8, lzxLengthSyms)
	for range frames * lzxFrameSize / perBlock {
		w.compressedHeader(false, perBlock, mainPrev, lenPrev)
		w.literal(0)
		for range 3 {
			w.match(false, 257, 0, 0)
		}
		w.match(false, perBlock-1-3*257, 0, 0)
	}
	chunks := w.finish()
	if _, err := lzxDecodeChunks(21, chunks, frames*lzxFrameSize); err != nil {
		b.Fatal(err)
	}
	d, err := newLZXDecompressor(21)
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]byte, lzxFrameSize)
	b.SetBytes(frames * lzxFrameSize)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		d.(resetter).reset(methodLZX | 21<<8)
		for _, c := range chunks {
			if err := d.decode(dst, c); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*frames*lzxFrameSize/perBlock), "ns/block")
}
