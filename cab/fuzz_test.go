package cab

import (
	"github.com/msikit/msikit/internal/testenv"

	"bytes"
	"encoding/binary"
	"testing"
)

// The cabinet reader itself is fuzzed through the public API by
// fuzz.FuzzCab (seeded with this package's testdata cabinets and the
// builder's cabinets in fuzz/testdata/fuzz/FuzzCab); the targets here
// reach the decoders directly.

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
	testenv.CheckFuzzBudget(t, len(data), func() {
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
