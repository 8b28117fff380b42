package cab

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// lzxWriter is a test-only LZX encoder with fixed, deliberately simple
// codes (by default every main symbol 10 bits, every length symbol 8
// bits, aligned symbols 3 bits), enough to build streams that exercise the decoder's
// block types, matches, repeated offsets and frame handling.
type lzxWriter struct {
	slots  int
	acc    uint32
	nacc   uint
	cur    []byte   // current chunk
	chunks [][]byte // finished chunks, one per 32 KiB frame
	out    int      // bytes of output represented so far
	next   int      // output offset of the next frame end

	// code lengths of every main-tree, length-tree and aligned-tree
	// symbol (10, 8 and 3 unless set before compressedHeader)
	mainBits, lenBits, alBits uint
}

func newLZXWriter(windowBits int) *lzxWriter {
	return &lzxWriter{slots: lzxSlots[windowBits], next: lzxFrameSize, mainBits: 10, lenBits: 8, alBits: 3}
}

func (w *lzxWriter) bits(n uint, v uint32) {
	for i := int(n) - 1; i >= 0; i-- {
		w.acc = w.acc<<1 | (v>>uint(i))&1
		w.nacc++
		if w.nacc == 16 {
			w.cur = binary.LittleEndian.AppendUint16(w.cur, uint16(w.acc))
			w.acc, w.nacc = 0, 0
		}
	}
}

func (w *lzxWriter) align() {
	if w.nacc > 0 {
		w.bits(16-w.nacc, 0)
	}
}

// produced records n output bytes and cuts a chunk at each frame end.
func (w *lzxWriter) produced(n int) {
	w.out += n
	for w.out >= w.next {
		w.align()
		w.chunks = append(w.chunks, w.cur)
		w.cur = nil
		w.next += lzxFrameSize
	}
}

// finish closes the last partial chunk.
func (w *lzxWriter) finish() [][]byte {
	w.align()
	if len(w.cur) > 0 {
		w.chunks = append(w.chunks, w.cur)
		w.cur = nil
	}
	return w.chunks
}

// lengths writes a pretree (every symbol 5 bits: code = symbol) and then
// code lengths that all equal l, coded as deltas from prev.
func (w *lzxWriter) lengths(prev []uint8, l uint8) {
	for i := 0; i < lzxPretreeSyms; i++ {
		w.bits(4, 5)
	}
	for i := range prev {
		w.bits(5, uint32((int(prev[i])-int(l)+17)%17))
		prev[i] = l
	}
}

// compressedHeader starts a verbatim or aligned block of size bytes with
// main codes of w.mainBits bits and length codes of w.lenBits bits.
func (w *lzxWriter) compressedHeader(aligned bool, size int, mainPrev, lenPrev []uint8) {
	if aligned {
		w.bits(3, lzxBlockAligned)
	} else {
		w.bits(3, lzxBlockVerbatim)
	}
	w.bits(24, uint32(size))
	if aligned {
		for i := 0; i < 8; i++ {
			w.bits(3, uint32(w.alBits))
		}
	}
	w.lengths(mainPrev[:lzxNumChars], uint8(w.mainBits))
	w.lengths(mainPrev[lzxNumChars:lzxNumChars+w.slots*8], uint8(w.mainBits))
	w.lengths(lenPrev, uint8(w.lenBits))
}

func (w *lzxWriter) literal(b byte) {
	w.bits(w.mainBits, uint32(b))
	w.produced(1)
}

// match writes a match; slot < 3 uses a repeated offset, otherwise off is
// coded explicitly.
func (w *lzxWriter) match(aligned bool, length int, slot int, off uint32) {
	hdr := length - 2
	if hdr > 7 {
		hdr = 7
	}
	var extra uint
	var verb uint32
	if slot >= 3 {
		f := off + 2
		slot = 3
		for slot+1 < len(lzxBase) && lzxBase[slot+1] <= f {
			slot++
		}
		extra = uint(lzxExtraBits[slot])
		verb = f - lzxBase[slot]
	}
	w.bits(w.mainBits, uint32(256+slot*8+hdr))
	if hdr == 7 {
		w.bits(w.lenBits, uint32(length-9))
	}
	if slot >= 3 {
		if aligned && extra >= 3 {
			w.bits(extra-3, verb>>3)
			w.bits(w.alBits, verb&7)
		} else {
			w.bits(extra, verb)
		}
	}
	w.produced(length)
}

// lzxOp is one step of a test stream: a literal run or a match.
type lzxOp struct {
	lit    []byte
	length int
	slot   int // 0-2 repeated offsets, 3 = explicit off
	off    uint32
}

// lzxReference applies ops to produce the expected output, with the LZX
// repeated-offset rules.
func lzxReference(ops []lzxOp) []byte {
	var out []byte
	r := [3]uint32{1, 1, 1}
	for _, o := range ops {
		if o.lit != nil {
			out = append(out, o.lit...)
			continue
		}
		var off uint32
		switch o.slot {
		case 0:
			off = r[0]
		case 1:
			off = r[1]
			r[1], r[0] = r[0], off
		case 2:
			off = r[2]
			r[2], r[0] = r[0], off
		default:
			off = o.off
			r[2], r[1], r[0] = r[1], r[0], off
		}
		for i := 0; i < o.length; i++ {
			if int(off) > len(out) {
				out = append(out, 0) // invalid stream; the decoder must refuse it
				continue
			}
			out = append(out, out[len(out)-int(off)])
		}
	}
	return out
}

// lzxEncode encodes ops as one verbatim or aligned block.
func lzxEncode(windowBits int, aligned bool, ops []lzxOp) (chunks [][]byte, want []byte) {
	return lzxEncodeCodes(windowBits, aligned, 10, 8, 3, ops)
}

// lzxEncodeCodes is lzxEncode with main, length and aligned codes of
// mainBits, lenBits and alBits bits.
func lzxEncodeCodes(windowBits int, aligned bool, mainBits, lenBits, alBits uint, ops []lzxOp) (chunks [][]byte, want []byte) {
	want = lzxReference(ops)
	w := newLZXWriter(windowBits)
	w.mainBits, w.lenBits, w.alBits = mainBits, lenBits, alBits
	w.bits(1, 0) // no E8 translation
	mainPrev := make([]uint8, lzxNumChars+50*8)
	lenPrev := make([]uint8, lzxLengthSyms)
	w.compressedHeader(aligned, len(want), mainPrev, lenPrev)
	for _, o := range ops {
		if o.lit != nil {
			for _, b := range o.lit {
				w.literal(b)
			}
			continue
		}
		w.match(aligned, o.length, o.slot, o.off)
	}
	return w.finish(), want
}

// lzxDecodeChunks decodes chunks as consecutive CFDATA blocks.
func lzxDecodeChunks(windowBits int, chunks [][]byte, total int) ([]byte, error) {
	d, err := newLZXDecompressor(windowBits)
	if err != nil {
		return nil, err
	}
	var out []byte
	for i, c := range chunks {
		n := lzxFrameSize
		if i == len(chunks)-1 {
			n = total - i*lzxFrameSize
		}
		dst := make([]byte, n)
		if err := d.decode(dst, c); err != nil {
			return out, err
		}
		out = append(out, dst...)
	}
	return out, nil
}

func TestLZXSpecExample(t *testing.T) {
	// [MS-PATCH] 3: "abc" as an uncompressed block (without the chunk-size
	// prefix, which cabinets do not use).
	src := []byte{0x00, 0x30, 0x30, 0x00, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 'a', 'b', 'c', 0}
	d, _ := newLZXDecompressor(16)
	dst := make([]byte, 3)
	if err := d.decode(dst, src); err != nil {
		t.Fatal(err)
	}
	if string(dst) != "abc" {
		t.Errorf("got %q", dst)
	}
}

func TestLZXCompressedBlocks(t *testing.T) {
	long := sample(70000, 21)
	tests := []struct {
		name string
		wb   int
		ops  []lzxOp
	}{
		{"literals and matches", 16, []lzxOp{
			{lit: []byte("abcdefgh")}, {length: 5, slot: 3, off: 8}, {length: 3, slot: 0},
			{lit: []byte("XYZ")}, {length: 2, slot: 3, off: 3}, {length: 4, slot: 1}, {length: 6, slot: 2},
		}},
		{"overlapping run", 15, []lzxOp{{lit: []byte("q")}, {length: 257, slot: 3, off: 1}, {length: 100, slot: 0}}},
		{"far offsets and long lengths", 21, []lzxOp{
			{lit: long}, {length: 200, slot: 3, off: 69000}, {length: 9, slot: 3, off: 40000}, {length: 33, slot: 3, off: 12345},
		}},
		{"matches across frame ends", 17, func() []lzxOp {
			ops := []lzxOp{{lit: long[:1000]}}
			for i := 0; i < 500; i++ {
				ops = append(ops, lzxOp{length: 200 + i%57, slot: 3, off: uint32(1 + i*7%999)}, lzxOp{lit: long[i : i+3]})
			}
			return ops
		}()},
	}
	for _, tt := range tests {
		for _, aligned := range []bool{false, true} {
			name := tt.name + "/verbatim"
			if aligned {
				name = tt.name + "/aligned"
			}
			t.Run(name, func(t *testing.T) {
				chunks, want := lzxEncode(tt.wb, aligned, tt.ops)
				got, err := lzxDecodeChunks(tt.wb, chunks, len(want))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("output differs from the reference (%d vs %d bytes)", len(got), len(want))
				}
			})
		}
	}
}

// lzxUncompressed builds a stream of uncompressed blocks (one per payload)
// cut into 32 KiB frames.
func lzxUncompressed(e8 uint32, payloads ...[]byte) [][]byte {
	w := newLZXWriter(16)
	if e8 != 0 {
		w.bits(1, 1)
		w.bits(16, e8>>16)
		w.bits(16, e8&0xffff)
	} else {
		w.bits(1, 0)
	}
	for _, p := range payloads {
		w.bits(3, lzxBlockUncompr)
		w.bits(24, uint32(len(p)))
		if w.nacc == 0 {
			w.bits(16, 0)
		}
		w.align()
		for i := 0; i < 3; i++ {
			w.cur = binary.LittleEndian.AppendUint32(w.cur, 1)
		}
		for _, b := range p {
			w.cur = append(w.cur, b)
			w.produced(1)
		}
		if len(p)%2 == 1 && len(w.cur) > 0 {
			w.cur = append(w.cur, 0)
		} else if len(p)%2 == 1 {
			// The block ended on a frame end: the pad byte ends the
			// previous chunk.
			w.chunks[len(w.chunks)-1] = append(w.chunks[len(w.chunks)-1], 0)
		}
	}
	return w.finish()
}

func TestLZXUncompressedBlocks(t *testing.T) {
	a, b, c := sample(40001, 31), sample(32767, 32), sample(3, 33)
	chunks := lzxUncompressed(0, a, b, c)
	want := append(append(append([]byte{}, a...), b...), c...)
	got, err := lzxDecodeChunks(16, chunks, len(want))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs (%d vs %d bytes)", len(got), len(want))
	}
}

func TestLZXE8(t *testing.T) {
	const size = 0x100000
	frame := make([]byte, 100)
	put := func(i int, v int32) {
		frame[i] = 0xe8
		binary.LittleEndian.PutUint32(frame[i+1:], uint32(v))
	}
	put(0x10, 0x1000)  // positive absolute: becomes 0x1000 - 0x10
	put(0x20, -5)      // negative, >= -pos: becomes -5 + size
	put(0x30, -0x40)   // < -pos: unchanged
	put(0x40, size)    // >= size: unchanged
	put(0x50, 0x60)    // ordinary
	frame[0x55] = 0xe8 // inside the previous operand? no: after it, translated
	binary.LittleEndian.PutUint32(frame[0x56:], 0x70)
	frame[100-10] = 0xe8 // in the last 10 bytes: untouched
	binary.LittleEndian.PutUint32(frame[100-9:], 0x1234)

	want := bytes.Clone(frame)
	binary.LittleEndian.PutUint32(want[0x11:], 0x1000-0x10)
	binary.LittleEndian.PutUint32(want[0x21:], uint32(-5+size))
	binary.LittleEndian.PutUint32(want[0x51:], 0x60-0x50)
	binary.LittleEndian.PutUint32(want[0x56:], 0x70-0x55)

	for _, tt := range []struct {
		name string
		base int64
		want []byte
	}{
		{"first frame", 0, want},
		{"frame at 1 GiB is not translated", lzxE8Limit, frame},
	} {
		t.Run(tt.name, func(t *testing.T) {
			chunks := lzxUncompressed(size, frame)
			d, _ := newLZXDecompressor(16)
			ld := d.(*lzxDecompressor)
			ld.wbase, ld.frameStart = tt.base, tt.base
			got := make([]byte, len(frame))
			if err := d.decode(got, chunks[0]); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// Relative to the frame's position in the stream: at base 0x8000 the
	// same bytes translate differently.
	got := bytes.Clone(frame)
	e8Translate(got, 0x8000, size)
	if v := int32(binary.LittleEndian.Uint32(got[0x11:])); v != 0x1000-0x8010 {
		t.Errorf("at base 0x8000: %#x, want %#x", v, 0x1000-0x8010)
	}
}

func TestLZXCorrupt(t *testing.T) {
	w := newLZXWriter(16)
	w.bits(1, 0)
	w.bits(3, lzxBlockVerbatim)
	w.bits(24, 100)
	for i := 0; i < 20; i++ {
		w.bits(4, 1) // 20 codes of length 1: over-subscribed pretree
	}
	overSubscribed := w.finish()[0]

	chunks, _ := lzxEncode(16, false, []lzxOp{{lit: []byte("ab")}, {length: 3, slot: 3, off: 5}})
	beyondStart := chunks[0]

	hugeUncompressed := lzxUncompressed(0, []byte("xy"))[0]
	hugeUncompressed[1] |= 0x0f // block size now 0xf00002 or so

	// A block of 4 bytes: "ab", then a match of 3 (the decoder checks
	// this once its loop stops, at the match, rather than per match).
	w = newLZXWriter(16)
	w.bits(1, 0)
	w.compressedHeader(false, 4, make([]uint8, lzxNumChars+50*8), make([]uint8, lzxLengthSyms))
	w.literal('a')
	w.literal('b')
	w.match(false, 3, 3, 2)
	pastBlock := w.finish()[0]

	long, _ := lzxEncode(16, false, []lzxOp{{lit: sample(5000, 1)}})
	truncated := long[0][:len(long[0])/2]

	tests := []struct {
		name string
		src  []byte
		n    int
	}{
		{"over-subscribed pretree", overSubscribed, 100},
		{"match before the stream start", beyondStart, 5},
		{"match past its block's end", pastBlock, 5},
		{"match past its block's end and frame's", pastBlock, 4},
		{"uncompressed block larger than its input", hugeUncompressed, maxBlockSize},
		{"truncated verbatim block", truncated, 5000},
		{"invalid block type", []byte{0x00, 0x00, 0, 0}, 10},
		{"empty input", nil, 10},
		{"garbage", sample(1000, 99), maxBlockSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mustBeQuick(t, func() {
				d, _ := newLZXDecompressor(16)
				err := d.decode(make([]byte, tt.n), tt.src)
				if !errors.Is(err, ErrFormat) {
					t.Fatalf("err = %v, want ErrFormat", err)
				}
				t.Log(err)
			})
		})
	}
}

// TestLZXSlotsWithinWindow checks what the decoder's hot loop relies on
// to check explicit match offsets against the data decoded so far only:
// the position slots a window size has give offsets from 1 up to at most
// the window size.
func TestLZXSlotsWithinWindow(t *testing.T) {
	for wb, slots := range lzxSlots {
		lo := lzxBase[3] - 2
		hi := int(lzxBase[slots-1]) + 1<<lzxExtraBits[slots-1] - 1 - 2
		if lo != 1 || hi > 1<<wb || hi < 1<<wb-3 {
			t.Errorf("window 2^%d, %d slots: explicit offsets %d..%d, want 1..2^%d (or just under)", wb, slots, lo, hi, wb)
		}
	}
}

// TestLZXRandomMatches decodes streams of random literals and matches
// (every offset kind, short offsets that overlap their output, lengths
// up to the longest, matches across frame ends), in verbatim and aligned
// blocks, and compares the output with the ops applied directly and with
// the reference decoder: the hot loop's unchecked window copies must
// produce exactly the bytes the checked ones do. Codes of 10, 8 and 3
// bits (main, length and aligned trees), of 16 bits (the longest), and of
// 12, 16 and 7 bits: main codes the hot loop's table holds, and matches
// of up to 49 bits (length code, long offset, aligned code), more than
// the bits it keeps for the next symbol without loading them again.
func TestLZXRandomMatches(t *testing.T) {
	for _, tc := range []struct {
		wb                        int
		mainBits, lenBits, alBits uint
	}{{15, 10, 8, 3}, {17, 10, 8, 3}, {21, 10, 8, 3}, {21, 16, 16, 3}, {21, 12, 16, 7}} {
		wb := tc.wb
		for _, aligned := range []bool{false, true} {
			for seed := uint64(1); seed <= 3; seed++ {
				rng := rand.New(rand.NewPCG(seed, uint64(wb)))
				var ops []lzxOp
				n := 0
				for n < 150000 {
					if k := rng.IntN(4); k > 0 || n == 0 {
						lit := make([]byte, k+1)
						for i := range lit {
							lit[i] = byte(rng.IntN(8)) // few values: E8-free, compressible
						}
						ops = append(ops, lzxOp{lit: lit})
						n += len(lit)
						continue
					}
					length := 2 + rng.IntN(16)
					if rng.IntN(8) == 0 {
						length = 2 + rng.IntN(lzxMaxMatch-1)
					}
					op := lzxOp{length: length, slot: rng.IntN(6)}
					if op.slot >= 3 {
						op.slot = 3
						maxOff := min(n, 1<<wb-3)
						switch rng.IntN(3) {
						case 0:
							op.off = uint32(1 + rng.IntN(min(maxOff, 20)))
						default:
							op.off = uint32(1 + rng.IntN(maxOff))
						}
					}
					ops = append(ops, op)
					n += length
				}
				chunks, want := lzxEncodeCodes(wb, aligned, tc.mainBits, tc.lenBits, tc.alBits, ops)
				got, err := lzxDecodeChunks(wb, chunks, len(want))
				if err != nil {
					t.Fatalf("window 2^%d, codes %d/%d, aligned %v, seed %d: %v", wb, tc.mainBits, tc.lenBits, aligned, seed, err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("window 2^%d, codes %d/%d, aligned %v, seed %d: output differs from the ops applied", wb, tc.mainBits, tc.lenBits, aligned, seed)
				}
				sizes := make([]int, len(chunks))
				for i := range chunks {
					sizes[i] = min(lzxFrameSize, len(want)-i*lzxFrameSize)
				}
				if msg := lzxDiff(wb, sizes, chunks); msg != "" {
					t.Errorf("window 2^%d, codes %d/%d, aligned %v, seed %d: %s", wb, tc.mainBits, tc.lenBits, aligned, seed, msg)
				}
			}
		}
	}
}

// TestLZXSlide decodes streams of 9 MiB, more than the window array holds
// (lzxWinSize), so that its history moves to the front (slide) several
// times, with matches reaching back as far as the window allows across
// each move.
func TestLZXSlide(t *testing.T) {
	if testing.Short() {
		t.Skip("9 MiB streams")
	}
	for _, wb := range []int{15, 21} {
		rng := rand.New(rand.NewPCG(7, uint64(wb)))
		var ops []lzxOp
		n := 0
		for n < 9<<20 {
			if rng.IntN(4) == 0 || n == 0 {
				lit := make([]byte, 1+rng.IntN(8))
				for i := range lit {
					lit[i] = byte(rng.IntN(256))
				}
				ops = append(ops, lzxOp{lit: lit})
				n += len(lit)
				continue
			}
			maxOff := min(n, 1<<wb-3)
			op := lzxOp{length: 2 + rng.IntN(8), slot: 3, off: uint32(maxOff - rng.IntN(min(maxOff, 4)))}
			if rng.IntN(8) == 0 {
				op.length = 2 + rng.IntN(lzxMaxMatch-1)
			}
			if rng.IntN(2) == 0 {
				op.off = uint32(1 + rng.IntN(maxOff))
			}
			ops = append(ops, op)
			n += op.length
		}
		chunks, want := lzxEncode(wb, false, ops)
		got, err := lzxDecodeChunks(wb, chunks, len(want))
		if err != nil {
			t.Fatalf("window 2^%d: %v", wb, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("window 2^%d: output differs from the ops applied", wb)
		}
	}
}
