package cab

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// Fuzz limits per input: decoding must stay within these.
const (
	fuzzMaxOutput = 8 << 20         // bytes read from all files of one input
	fuzzDeadline  = 2 * time.Second // per input, generous for -race
	fuzzMaxHeap   = 256 << 20       // bytes allocated per input
)

// fuzzGuard fails the input if f exceeds the deadline or allocates more
// than fuzzMaxHeap.
func fuzzGuard(t *testing.T, f func()) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	f()
	if d := time.Since(start); d > fuzzDeadline {
		t.Fatalf("input took %v (limit %v)", d, fuzzDeadline)
	}
	runtime.ReadMemStats(&after)
	if a := after.TotalAlloc - before.TotalAlloc; a > fuzzMaxHeap {
		t.Fatalf("input allocated %d MiB (limit %d MiB)", a>>20, fuzzMaxHeap>>20)
	}
}

// addCabSeeds adds testdata cabinets and builder-made ones.
func addCabSeeds(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.cab")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	payload := bytes.Repeat(sample(700, 3), 60)
	chunks, want := lzxEncode(16, true, runOps(sample(300, 3), 150))
	var lzxBlocks []tcBlock
	for i, c := range chunks {
		n := min(lzxFrameSize, len(want)-i*lzxFrameSize)
		lzxBlocks = append(lzxBlocks, tcBlock{data: c, uncomp: n})
	}
	f.Add((&tcCab{folders: []tcFolder{{method: methodLZX | 16<<8, blocks: lzxBlocks}},
		files: []tcFile{{name: "l", size: uint32(len(want))}}}).bytes())
	f.Add((&tcCab{folders: []tcFolder{{method: methodMSZIP, blocks: mszipBlocks(payload)}},
		files: []tcFile{{name: "a", size: 1000}, {name: "b", size: 49000, offset: 1000}}}).bytes())
	f.Add((&tcCab{dataReserve: 3, hdrReserve: []byte{1}, folderReserve: 1,
		folders: []tcFolder{{method: methodNone, blocks: storedBlocks(payload[:5000], 700)}},
		files:   []tcFile{{name: "s", size: 5000, attr: uint16(AttrNameIsUTF)}}}).bytes())
}

// FuzzReader opens arbitrary bytes as a cabinet (whose set siblings are the
// same bytes) and reads every file and folder.
func FuzzReader(f *testing.F) {
	addCabSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzGuard(t, func() {
			opts := &ReaderOptions{OpenCabinet: func(string) (io.ReaderAt, int64, error) {
				return bytes.NewReader(data), int64(len(data)), nil
			}}
			r, err := NewReaderOptions(bytes.NewReader(data), int64(len(data)), opts)
			if err != nil {
				return
			}
			budget := int64(fuzzMaxOutput)
			for _, fi := range r.Files {
				rc, err := fi.Open()
				if err != nil {
					continue
				}
				n, _ := io.CopyN(io.Discard, rc, budget)
				rc.Close()
				if n > fi.Size {
					t.Fatalf("file %q: read %d bytes, size %d", fi.Name, n, fi.Size)
				}
				if budget -= n; budget <= 0 {
					return
				}
			}
			for _, fo := range r.Folders {
				rc, err := fo.Open()
				if err != nil {
					continue
				}
				n, _ := io.CopyN(io.Discard, rc, budget)
				rc.Close()
				if budget -= n; budget <= 0 {
					return
				}
			}
		})
	})
}

// splitBlocks turns fuzz input into (uncompressed size, data) blocks: each
// block is a little-endian uint16 size, a uint16 length and the data.
func splitBlocks(data []byte) (sizes []int, blocks [][]byte) {
	for len(data) >= 4 && len(blocks) < 64 {
		size := int(binary.LittleEndian.Uint16(data)) % (maxBlockSize + 1)
		n := min(int(binary.LittleEndian.Uint16(data[2:])), len(data)-4)
		sizes = append(sizes, size)
		blocks = append(blocks, data[4:4+n])
		data = data[4+n:]
	}
	return sizes, blocks
}

// joinBlocks is the inverse of splitBlocks, for seeds.
func joinBlocks(sizes []int, blocks [][]byte) []byte {
	var b []byte
	for i := range blocks {
		b = binary.LittleEndian.AppendUint16(b, uint16(sizes[i]))
		b = binary.LittleEndian.AppendUint16(b, uint16(len(blocks[i])))
		b = append(b, blocks[i]...)
	}
	return b
}

func fuzzDecoder(t *testing.T, d decompressor, data []byte) {
	sizes, blocks := splitBlocks(data)
	fuzzGuard(t, func() {
		for i, src := range blocks {
			dst := make([]byte, sizes[i]+1)
			dst[sizes[i]] = 0x5a // canary: nothing may be written past dst
			if err := d.decode(dst[:sizes[i]], src); err != nil {
				return
			}
			if dst[sizes[i]] != 0x5a {
				t.Fatalf("block %d: decoder wrote past the end of dst", i)
			}
		}
	})
}

// runOps returns literals followed by n long matches: a small stream that
// decodes to more than one 32 KiB frame.
func runOps(lit []byte, n int) []lzxOp {
	ops := []lzxOp{{lit: lit}}
	for i := 0; i < n; i++ {
		ops = append(ops, lzxOp{length: 200 + i%57, slot: 3, off: uint32(1 + i*37%len(lit))})
	}
	return ops
}

// FuzzMSZIP feeds arbitrary blocks to the MSZIP decoder.
func FuzzMSZIP(f *testing.F) {
	payload := bytes.Repeat(sample(1000, 4), 40)
	var sizes []int
	var blocks [][]byte
	for _, b := range mszipBlocks(payload) {
		sizes = append(sizes, b.uncomp)
		blocks = append(blocks, b.data)
	}
	f.Add(joinBlocks(sizes, blocks))
	f.Add(joinBlocks([]int{5}, [][]byte{[]byte("CK\x01\x05\x00\xfa\xffhello")}))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDecoder(t, newMSZIPDecompressor(), data)
	})
}

// FuzzLZX feeds arbitrary blocks to the LZX decoder, and checks that they
// decode (or fail) as with the reference decoder of lzxref_test.go; the
// first byte picks the window size.
func FuzzLZX(f *testing.F) {
	for _, wb := range []int{15, 16, 21} {
		chunks, want := lzxEncode(wb, wb == 16, runOps(sample(200, 5), 170))
		var sizes []int
		for i := range chunks {
			sizes = append(sizes, min(lzxFrameSize, len(want)-i*lzxFrameSize))
		}
		f.Add(append([]byte{byte(wb - 15)}, joinBlocks(sizes, chunks)...))
	}
	unc := lzxUncompressed(0x10000, sample(1001, 6), sample(20, 7))
	f.Add(append([]byte{1}, joinBlocks([]int{1021}, unc)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		wb := 15 + int(data[0])%7
		d, err := newLZXDecompressor(wb)
		if err != nil {
			t.Fatal(err)
		}
		fuzzDecoder(t, d, data[1:])
		// The same blocks must decode as the simple reference does.
		sizes, blocks := splitBlocks(data[1:])
		if msg := lzxDiff(wb, sizes, blocks); msg != "" {
			t.Fatal(msg)
		}
	})
}
