package cab

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// LZX as used in cabinets (the LZX format description with the MS-CAB
// framing; [MS-PATCH] describes the close relative LZXD):
//
//   - The folder is one LZX stream; window and tree state persist across
//     its CFDATA blocks. Each CFDATA block holds exactly one 32 KiB output
//     frame (the last may be shorter) and starts 16-bit aligned, so the bit
//     reader restarts at each block, while the LZX block (verbatim, aligned
//     or uncompressed) being decoded may continue into the next frame.
//   - A match may run past the end of a frame; the excess is the start of
//     the next frame.
//   - The stream starts with the E8 header: one bit, then if set the 32-bit
//     translation size. Translation is undone per frame on the output,
//     except in the last 10 bytes of a frame and in frames starting at or
//     beyond 1 GiB.

const (
	lzxMinMatch       = 2
	lzxNumChars       = 256
	lzxPretreeSyms    = 20
	lzxAlignedSyms    = 8
	lzxLengthSyms     = 249
	lzxMainTableBits  = 12
	lzxLenTableBits   = 10
	lzxAlignedBits    = 7
	lzxPreBits        = 6
	lzxE8Limit        = 1 << 30
	lzxBlockVerbatim  = 1
	lzxBlockAligned   = 2
	lzxBlockUncompr   = 3
	lzxMaxMatch       = 257
	lzxFrameSize      = 32768
	lzxOverrunAllowed = 4 // bytes of implicit zero input tolerated past a block's end
)

var (
	lzxExtraBits [51]uint8
	lzxBase      [51]uint32
)

func init() {
	for i := range lzxExtraBits {
		if i >= 4 {
			e := (i - 2) >> 1
			if e > 17 {
				e = 17
			}
			lzxExtraBits[i] = uint8(e)
		}
	}
	for i := 1; i < len(lzxBase); i++ {
		lzxBase[i] = lzxBase[i-1] + 1<<lzxExtraBits[i-1]
	}
}

// lzxMatchInfo describes the match a main-tree symbol (below 2048; the
// literals are below 256) starts: bits 0-2 the length header, 3-7 the
// number of extra offset bits, 8-9 the repeated offset it uses (0-2) or 3
// for an explicit one, 10-31 the explicit offset's base (less the 2 the
// format adds). The hot loop looks a symbol up once instead of deriving
// its slot and looking that up twice.
var lzxMatchInfo [2048]uint32

func init() {
	for sym := lzxNumChars; sym < lzxNumChars+50*8; sym++ {
		hdr, slot := uint32(sym-lzxNumChars)&7, (sym-lzxNumChars)>>3
		rep, base := uint32(3), lzxBase[slot]-2
		if slot < 3 {
			rep, base = uint32(slot), 0
		}
		lzxMatchInfo[sym] = base<<10 | rep<<8 | uint32(lzxExtraBits[slot])<<3 | hdr
	}
}

// lzxMainEntry[aligned][sym] is the main-tree table entry of symbol sym
// in a verbatim (0) or aligned (1) block, less its code length (bits
// 0-4): the symbol in bits 5-15 and, for a match, the number of its
// offset's extra bits in bits 16-20, the repeated offset it uses (0-2) or
// 3 for an explicit one in bits 21-22, and in bit 23 (lzxAlignedOff)
// whether its offset ends with an aligned code (an explicit offset of 3
// or more extra bits in an aligned block). The hot loop knows how many
// bits the match takes and what kind of offset it has without a second
// lookup, and needs lzxMatchInfo for explicit offsets only.
var lzxMainEntry [2][1024]uint32 // 656 used

const lzxAlignedOff = 1 << 23

func init() {
	for sym := range lzxNumChars + 50*8 {
		e := uint32(sym) << 5
		if sym >= lzxNumChars {
			info := lzxMatchInfo[sym]
			extra := info >> 3 & 31
			e |= extra<<16 | info>>8&3<<21
			if info>>8&3 == 3 && extra >= 3 {
				lzxMainEntry[1][sym] = e | lzxAlignedOff
			} else {
				lzxMainEntry[1][sym] = e
			}
		} else {
			lzxMainEntry[1][sym] = e
		}
		lzxMainEntry[0][sym] = e
	}
}

// lzxMainLong marks a main-tree table entry whose code is longer than the
// table (or missing).
const lzxMainLong = 1<<32 - 1

// lzxSlots is the number of position slots for window sizes 2^15..2^21.
var lzxSlots = map[int]int{15: 30, 16: 32, 17: 34, 18: 36, 19: 38, 20: 42, 21: 50}

// The decoder keeps its history in a linear buffer rather than a ring:
// win holds the last window of output, the frame being decoded and some
// slack, and when a frame would not fit below lzxWinSize, the last
// window's worth of data moves to the front (one memmove of the window
// size per window size or so decoded). In return, the hot loop never wraps
// an index: a match's source is always pos-off, bytes at and after pos are
// free to be overwritten, so matches are copied 8 to 32 bytes at a time and
// may spill a few bytes (never more than lzxSlack) past their end, and a
// match may run past the end of a frame straight into the next one.
const lzxSlack = lzxMaxMatch + 16

// An lzxWindow is the history buffer of every window size: lzxWinSize
// bytes that positions stay below (two windows of 2^21 bytes) and room
// for lzxView bytes after any of them. Its size is a constant, so the hot
// loop indexes it at positions masked with lzxWinMask (which they never
// exceed: the mask changes nothing) with no bounds checks, and needs no
// register for its length. Its pages are touched (and count in the
// resident size) only as far as a folder decodes, for a small folder
// hardly more than its own size.
type lzxWindow [lzxWinSize + lzxView]byte

const (
	lzxWinSize = 1 << 22
	lzxWinMask = lzxWinSize - 1
	// lzxView is how far past a (masked) position the hot loop reads
	// or writes: a match copy's views of 512+16 bytes, indexed at
	// offsets below 512.
	lzxView    = 512 + 16
	lzxViewIdx = 511
)

type lzxDecompressor struct {
	win   *lzxWindow // linear history
	wsize int        // window size: the largest match offset
	wpos  int        // index in win of the next byte to decode
	wbase int64      // stream offset of win[0]
	slots int

	frameStart int64 // stream offset of the next frame to output
	started    bool  // E8 header read
	e8Size     int32 // translation size; 0 = off

	blockType   int
	blockRemain int       // bytes of the current block not yet decoded
	blockEnd    int       // index in win of the block's end (decodeCompressed)
	end         int       // index in win where decodeCompressed stops
	blockOdd    bool      // current uncompressed block has odd size
	reps        [4]uint32 // the repeated offsets R0, R1, R2 (and one spare: indexes 0-3 need no checks)

	mainLens [lzxNumChars + 50*8]uint8
	lenLens  [lzxLengthSyms]uint8
	preLens  [lzxPretreeSyms]uint8
	alLens   [lzxAlignedSyms]uint8
	main     *huffman
	length   *huffman
	pre      *huffman
	aligned  *huffman

	// The lookup tables of main, length, aligned and pre: arrays here,
	// so the hot loop (and readLengths) index them off d with no bounds
	// checks. Main-tree entries are lzxMainEntry[sym] | code length.
	mainTab [1 << lzxMainTableBits]uint32
	lenTab  [1 << lzxLenTableBits]uint16
	alTab   [1 << lzxAlignedBits]uint16
	preTab  [1 << lzxPreBits]uint16

	// bit reader over the current block's input
	src  []byte    // the block's input, for uncompressed blocks
	sw   *lzxInput // what the bit reader reads: sw0 or sw1
	ip   int       // read position in src (may pass its end: zero bytes)
	bits uint64    // next bits of the stream, most significant first
	nb   uint      // valid bits in bits

	// The input with the bytes of each 16-bit word swapped (pairs starting
	// at even offsets in sw0, at odd ones in sw1, which has a dummy first
	// byte), so the bit reader reads plain big-endian bytes; the same
	// offsets as src, followed by zeros. sw1 is built only when an
	// uncompressed block of odd size leaves the reader at an odd offset.
	// dirty0 and dirty1 bound the bytes written so far, which the next
	// swap clears beyond its input.
	sw0, sw1       *lzxInput
	dirty0, dirty1 int
	sw1OK          bool
	parity         int // 1 when reading sw1

	blocks int // block headers read by the last decode call
}

// newLZXDecompressor returns a decompressor for LZX folders with a window
// of 2^windowBits bytes (15..21).
func newLZXDecompressor(windowBits int) (decompressor, error) {
	slots, ok := lzxSlots[windowBits]
	if !ok {
		return nil, &UnsupportedError{Method: methodLZX, Msg: fmt.Sprintf("LZX window of 2^%d bytes (cabinets use 2^15..2^21)", windowBits)}
	}
	d := &lzxDecompressor{
		wsize: 1 << windowBits,
		slots: slots,
		reps:  [4]uint32{1, 1, 1},
	}
	d.pre = newHuffman(lzxPretreeSyms, lzxPreBits, d.preTab[:])
	d.main = &huffman{tableBits: lzxMainTableBits, sorted: make([]uint16, 0, lzxNumChars+slots*8)} // fillMain fills mainTab
	d.length = newHuffman(lzxLengthSyms, lzxLenTableBits, d.lenTab[:])
	d.aligned = newHuffman(lzxAlignedSyms, lzxAlignedBits, d.alTab[:])
	return d, nil
}

// reset prepares the decoder for a new folder with the same window size,
// keeping its buffers.
func (d *lzxDecompressor) reset(uint16) {
	*d = lzxDecompressor{
		win: d.win, wsize: d.wsize, slots: d.slots,
		reps: [4]uint32{1, 1, 1},
		main: d.main, length: d.length, pre: d.pre, aligned: d.aligned,
		sw0: d.sw0, sw1: d.sw1, dirty0: d.dirty0, dirty1: d.dirty1,
	}
}

// innerBlocks returns the LZX blocks the last decode call started.
func (d *lzxDecompressor) innerBlocks() int { return d.blocks }

func lzxErr(msg string) error { return formatErr(-1, "lzx: "+msg, nil) }

var errLZXCode = lzxErr("invalid Huffman code")

// lzxInMax is the longest input of one decode call: a CFDATA block split
// across two cabinets of a set, as the reader joins them.
const lzxInMax = 2 * (maxBlockSize + maxBlockSlack)

// An lzxInput holds the input of one decode call, byte-swapped (see
// swapWords), followed by zeros to its end: the bit reader reads zeros
// past the input as the format asks, and loads 8 bytes at a time up to a
// few bytes past the overrun it tolerates (lzxOverrunAllowed) with no
// bounds check: the length is a constant.
type lzxInput [lzxInWrap + 8]byte

// lzxInWrap is a power of two above lzxInMax: the hot loop reads input
// byte offset i&(lzxInWrap-1), which the compiler knows stays inside an
// lzxInput. A stream that runs past its input reads zeros up to there
// (and then its input again, for as long as it takes to fill the frame
// it is in), and fails once the frame or block ends: see decodeCompressed.
const lzxInWrap = 1 << 17

// refill tops the bit buffer up to at least 56 bits; past the end of
// input it supplies zeros.
func (d *lzxDecompressor) refill() {
	d.ip, d.bits, d.nb = refillBits(d.sw, d.ip, d.bits, d.nb)
}

// swapWords writes src into buf with the bytes of each 16-bit word
// swapped, the words starting at offset parity (0 or 1): the LZX bit
// stream (16-bit little-endian words, most significant bit first) as a
// big-endian byte stream with the same offsets as src. The bytes after it
// are zero: swapWords clears those the previous use of buf wrote (up to
// dirty) and returns the new bound. len(src) must be at most lzxInMax.
func swapWords(buf *lzxInput, dirty int, src []byte, parity int) int {
	if parity == 1 {
		return swapWordsOdd(buf, dirty, src)
	}
	// Copy, then swap in place, 16 bytes at a time: the indexes stay
	// below a constant, so the loop has no bounds checks. A partial last
	// word (one byte) becomes a zero byte and that byte.
	n := copy(buf[:lzxInMax], src)
	if dirty > n {
		clear(buf[n:dirty])
	}
	const m = 0x00ff00ff00ff00ff
	for j := 0; j < n; j += 16 {
		w0 := binary.LittleEndian.Uint64(buf[j:])
		w1 := binary.LittleEndian.Uint64(buf[j+8:])
		binary.LittleEndian.PutUint64(buf[j:], w0>>8&m|w0&m<<8)
		binary.LittleEndian.PutUint64(buf[j+8:], w1>>8&m|w1&m<<8)
	}
	return n + n&1
}

// swapWordsOdd is swapWords for words at odd offsets, after an
// uncompressed block of odd size (rare): buf[0] is a dummy zero byte.
func swapWordsOdd(buf *lzxInput, dirty int, src []byte) int {
	buf[0] = 0
	i := 1
	for ; i+2 <= len(src); i += 2 {
		buf[i] = src[i+1]
		buf[i+1] = src[i]
	}
	end := len(src)
	if i < len(src) {
		// A partial last word: its one byte is the high byte.
		buf[i], buf[i+1] = 0, src[i]
		end = i + 2
	}
	if dirty > end {
		clear(buf[end:dirty])
	}
	return end
}

// startBits points the bit reader at d.ip with an empty buffer.
func (d *lzxDecompressor) startBits() {
	d.bits, d.nb = 0, 0
	d.parity = d.ip & 1
	if d.parity == 0 {
		d.sw = d.sw0
		return
	}
	if !d.sw1OK {
		if d.sw1 == nil {
			d.sw1 = new(lzxInput)
		}
		d.dirty1 = swapWords(d.sw1, d.dirty1, d.src, 1)
		d.sw1OK = true
	}
	d.sw = d.sw1
}

// readBits reads n bits (n <= 32).
func (d *lzxDecompressor) readBits(n uint) uint32 {
	if n == 0 {
		return 0
	}
	if d.nb < n {
		d.refill()
	}
	v := uint32(d.bits >> (64 - n))
	d.bits <<= n
	d.nb -= n
	return v
}

// overrun reports whether the reader consumed more than the input plus
// the small tolerance.
func (d *lzxDecompressor) overrun() bool {
	consumed := int64(d.ip)*8 - int64(d.nb)
	return consumed > int64(len(d.src)+lzxOverrunAllowed)*8
}

// decodeSym decodes one symbol with h.
func (d *lzxDecompressor) decodeSym(h *huffman) (int, error) {
	if d.nb < maxCodeLen {
		d.refill()
	}
	e := h.table[d.bits>>(64-h.tableBits)]
	if e != huffLong {
		n := uint(e & 31)
		d.bits <<= n
		d.nb -= n
		return int(e >> 5), nil
	}
	sym, n := h.decodeSlow(uint32(d.bits >> (64 - maxCodeLen)))
	if n == 0 {
		return 0, lzxErr("invalid Huffman code")
	}
	d.bits <<= n
	d.nb -= n
	return int(sym), nil
}

// readLengths reads code lengths lens[first:last] with the pretree and
// delta coding against their previous values. Pretree symbols decode
// inline (decodeSym is too big to be inlined) from preTab.
func (d *lzxDecompressor) readLengths(lens []uint8, first, last int) error {
	for i := range d.preLens {
		d.preLens[i] = uint8(d.readBits(4))
	}
	if err := d.pre.build(d.preLens[:]); err != nil {
		return err
	}
	// delta returns the length sym (0-16) codes after length l (0-16):
	// (l - sym) mod 17.
	delta := func(l uint8, sym int) uint8 {
		v := int(l) - sym
		if v < 0 {
			v += 17
		}
		return uint8(v)
	}
	for i := first; i < last; {
		if d.nb < maxCodeLen {
			d.refill()
		}
		var sym int
		if e := d.preTab[d.bits>>(64-lzxPreBits)]; e != huffLong {
			n := uint(e & 31)
			d.bits <<= n
			d.nb -= n
			sym = int(e >> 5)
		} else {
			s, err := d.decodeSym(d.pre)
			if err != nil {
				return err
			}
			sym = s
		}
		switch {
		case sym <= 16:
			lens[i] = delta(lens[i], sym)
			i++
		case sym == 17, sym == 18:
			var z int
			if sym == 17 {
				z = 4 + int(d.readBits(4))
			} else {
				z = 20 + int(d.readBits(5))
			}
			for ; z > 0 && i < last; z-- {
				lens[i] = 0
				i++
			}
		default: // 19: a run of one value
			z := 4 + int(d.readBits(1))
			s, err := d.decodeSym(d.pre)
			if err != nil {
				return err
			}
			if s > 16 {
				return lzxErr("invalid run in pretree-coded lengths")
			}
			v := delta(lens[i], s)
			for ; z > 0 && i < last; z-- {
				lens[i] = v
				i++
			}
		}
	}
	// Past its input the reader reads zeros: one check once the table
	// is read (every step above advances i) rather than one per length.
	if d.overrun() {
		return lzxErr("input ends inside a code-length table")
	}
	return nil
}

// readBlockHeader starts a new LZX block.
func (d *lzxDecompressor) readBlockHeader() error {
	d.blocks++
	d.blockType = int(d.readBits(3))
	hi := d.readBits(16)
	lo := d.readBits(8)
	d.blockRemain = int(hi<<8 | lo)
	if d.overrun() {
		return lzxErr("input ends inside a block header")
	}
	switch d.blockType {
	case lzxBlockAligned, lzxBlockVerbatim:
		if d.blockType == lzxBlockAligned {
			for i := range d.alLens {
				d.alLens[i] = uint8(d.readBits(3))
			}
			if err := d.aligned.build(d.alLens[:]); err != nil {
				return err
			}
		}
		nMain := lzxNumChars + d.slots*8
		if err := d.readLengths(d.mainLens[:], 0, lzxNumChars); err != nil {
			return err
		}
		if err := d.readLengths(d.mainLens[:], lzxNumChars, nMain); err != nil {
			return err
		}
		if err := d.main.build(d.mainLens[:nMain]); err != nil {
			return err
		}
		if d.main.empty {
			return lzxErr("empty main tree")
		}
		d.fillMain()
		if err := d.readLengths(d.lenLens[:], 0, lzxLengthSyms); err != nil {
			return err
		}
		if err := d.length.build(d.lenLens[:]); err != nil {
			return err
		}
	case lzxBlockUncompr:
		// 1 to 16 bits of padding to a 16-bit boundary, then bytes.
		// The words are those the bit reader started on: at even offsets,
		// or odd ones after an odd-sized uncompressed block.
		at := d.ip*8 - int(d.nb) - d.parity*8 // bit offset of the next stream bit
		at += 16 - at%16
		d.ip = at/8 + d.parity
		d.bits, d.nb = 0, 0
		if d.ip+12 > len(d.src) {
			return lzxErr("input ends inside an uncompressed block header")
		}
		d.reps[0] = binary.LittleEndian.Uint32(d.src[d.ip:])
		d.reps[1] = binary.LittleEndian.Uint32(d.src[d.ip+4:])
		d.reps[2] = binary.LittleEndian.Uint32(d.src[d.ip+8:])
		d.ip += 12
		d.blockOdd = d.blockRemain&1 != 0
	default:
		return lzxErr(fmt.Sprintf("invalid block type %d", d.blockType))
	}
	return nil
}

// mainEntries returns the main-tree entries (lzxMainEntry) of the
// current block's type.
func (d *lzxDecompressor) mainEntries() *[1024]uint32 {
	if d.blockType == lzxBlockAligned {
		return &lzxMainEntry[1]
	}
	return &lzxMainEntry[0]
}

// fillMain fills mainTab from the main tree as huffman.fill does, with
// the entries of lzxMainEntry.
func (d *lzxDecompressor) fillMain() {
	h := d.main
	t := d.mainTab[:]
	ents := d.mainEntries()
	fill, idx := 0, 0
	for l := uint(1); l <= lzxMainTableBits; l++ {
		step := 1 << (lzxMainTableBits - l)
		for range h.count[l] {
			e := ents[h.sorted[idx]&1023] | uint32(l)
			idx++
			run := t[fill : fill+step]
			for j := range run {
				run[j] = e
			}
			fill += step
		}
	}
	rest := t[fill:]
	for j := range rest {
		rest[j] = lzxMainLong
	}
}

// slide makes room for a frame of n bytes (plus the spill of a match past
// its end) after the frame start: it allocates the window the first time,
// then moves the last window of history to the front when the frame would
// reach lzxWinSize.
func (d *lzxDecompressor) slide(n int) {
	if d.win == nil {
		d.win = new(lzxWindow)
	}
	fs := int(d.frameStart - d.wbase) // index of the frame start
	if fs+n+lzxSlack <= lzxWinSize {
		return
	}
	// Keep wsize bytes before the frame start and what was decoded after
	// it (the end of a match that ran past the previous frame).
	cut := fs - d.wsize
	copy(d.win[:], d.win[cut:d.wpos])
	d.wpos -= cut
	d.wbase += int64(cut)
}

func (d *lzxDecompressor) decode(dst, src []byte) error {
	if len(src) > lzxInMax {
		return lzxErr(fmt.Sprintf("block of %d compressed bytes (limit %d)", len(src), lzxInMax))
	}
	d.src, d.ip = src, 0
	d.blocks = 0
	if d.sw0 == nil {
		d.sw0 = new(lzxInput)
	}
	d.dirty0 = swapWords(d.sw0, d.dirty0, src, 0)
	d.sw1OK = false
	d.startBits()
	if !d.started {
		d.started = true
		if d.readBits(1) == 1 {
			hi := d.readBits(16)
			lo := d.readBits(16)
			d.e8Size = int32(hi<<16 | lo)
		}
	}
	d.slide(len(dst))
	frameEnd := int(d.frameStart-d.wbase) + len(dst) // index in win
	for d.wpos < frameEnd {
		if d.blockRemain == 0 {
			if d.blockType == lzxBlockUncompr && d.blockOdd {
				// skip the pad byte after an odd-sized uncompressed block
				d.blockOdd = false
				if d.nb == 0 && d.ip < len(d.src) {
					d.ip++
				}
			}
			if d.blockType == lzxBlockUncompr {
				d.startBits()
			}
			if err := d.readBlockHeader(); err != nil {
				return err
			}
			if d.blockRemain == 0 {
				continue
			}
		}
		var err error
		if d.blockType == lzxBlockUncompr {
			err = d.copyRaw(frameEnd)
		} else {
			err = d.decodeCompressed(frameEnd)
		}
		if err != nil {
			return err
		}
	}
	if d.blockType == lzxBlockUncompr && d.blockRemain == 0 && d.blockOdd && d.ip < len(d.src) {
		d.ip++
		d.blockOdd = false
	}
	if d.overrun() {
		return lzxErr("compressed data ends before the block's output is complete")
	}
	// Copy the frame out of the window.
	fs := int(d.frameStart - d.wbase)
	copy(dst, d.win[fs:frameEnd])
	if d.e8Size != 0 && d.frameStart < lzxE8Limit {
		e8Translate(dst, d.frameStart, d.e8Size)
	}
	d.frameStart += int64(len(dst))
	d.src, d.sw = nil, nil
	return nil
}

// copyRaw copies uncompressed-block bytes into the window.
func (d *lzxDecompressor) copyRaw(frameEnd int) error {
	n := min(d.blockRemain, frameEnd-d.wpos)
	avail := len(d.src) - d.ip
	if avail < n {
		return lzxErr("input ends inside an uncompressed block")
	}
	copy(d.win[d.wpos:d.wpos+n], d.src[d.ip:d.ip+n])
	d.ip += n
	d.wpos += n
	d.blockRemain -= n
	return nil
}

// refillBits tops a bit buffer up to 56-63 bits from the byte stream in
// at ip. Bits below the nb valid ones may already hold the following
// stream bits, which a later refill ORs in again unchanged.
func refillBits(in *lzxInput, ip int, bits uint64, nb uint) (int, uint64, uint) {
	if uint(ip) <= uint(len(in)-8) {
		bits |= binary.BigEndian.Uint64(in[ip:]) >> (nb & 63)
	} // else: past the input, where every byte is zero
	return ip + int((63-nb)>>3), bits, nb | 56
}

// Bits of main-tree table entries below litLimit are literals.
const litLimit = lzxNumChars << 5

// lzxPeriod[off] is, for a match offset below 8, the smallest multiple
// of it that is at least 8: once the first 8 bytes of such a match are
// copied, the rest repeats them at that distance, 8 bytes at a time.
var lzxPeriod = [8]int{0, 8, 8, 9, 8, 10, 12, 14}

// decodeCompressed decodes symbols of a verbatim or aligned block until
// the frame is full or the block ends. This is the decoder's hot loop,
// written for the compiler, whose registers it must not run out of:
//
//   - The bit reader is a bit position bp in the input and the bits v
//     at bp: a load of the 57-64 bits at bp (one load and a shift: the
//     input is a fixed-size array read at a masked offset, no bounds
//     check), shifted as codes are consumed, holds a whole match: a main
//     code and a length code (16 bits each) and the offset's extra bits
//     (17 verbatim; 14 and a 7-bit aligned code in aligned blocks).
//   - What bounds the loop is the chain from one symbol's table lookup
//     to the next's, not its instruction count. So the next symbol's
//     main code is looked up in the bits left in v, which do not wait
//     for a load: literals decode from v until it holds fewer than the
//     table's 12 bits (then v is loaded again), and a match loads the
//     bits at its start for the rest of its codes while its main code
//     comes from the old v, and leaves v shifted past its bits, which
//     still hold the next main code unless the match took more than 45
//     bits (an aligned offset after a long length code). Long codes go
//     the slow way from the new load. A match looks the next symbol up
//     before its copy, which does not depend on it.
//   - The Huffman tables are arrays inside d; what matches alone need
//     (repeated offsets, block end, window size) stays in d; a symbol's
//     kind of offset and the bits it takes come from its main-tree entry
//     (lzxMainEntry), its offset's base from lzxMatchInfo; errors are
//     built where they happen, outside the common path.
//   - Branches that follow the data rather than the loop are costly
//     (cachegrind's predictor misses about one in five of those on the
//     kind of offset and the match length): the repeated offset used is
//     swapped with R0 through an index rather than a branch on which,
//     and a match copy moves 32 bytes whatever its length.
//
// The window is a fixed-size array (lzxWindow) indexed at masked
// positions: safe Go with no bounds checks, where writing it through
// unsafe pointers was measured at 17% fewer instructions than the checked
// slice it replaces.
func (d *lzxDecompressor) decodeCompressed(frameEnd int) error {
	win := d.win
	in := d.sw
	d.blockEnd = d.wpos + d.blockRemain
	d.end = min(frameEnd, d.blockEnd)
	bp := uint(d.ip*8) - d.nb // bit position of the next bit
	const mainShift, lenShift, alShift = 64 - lzxMainTableBits, 64 - lzxLenTableBits, 64 - lzxAlignedBits
	// Loads read in at a byte offset masked to lzxInWrap, with no bounds
	// check and no test of the input's end in the loop: a stream that
	// runs past its input decodes zeros (or, past lzxInWrap, its input
	// again) until the frame or block is full, and fails below. That is
	// at most a frame of symbols, and the decoded bytes are not output.
	const inMask = lzxInWrap - 1
	pos := d.wpos
	_, _ = in[0], win[0] // one nil check of each, before the loop rather than in it
	// v holds the bits at bp, shifted as bits are consumed since it was
	// loaded (at lim-lzxLookAhead): up to bit position lim, at least the
	// main table's 12 bits.
	const lzxLookAhead = 57 - lzxMainTableBits
	v := binary.BigEndian.Uint64(in[bp>>3&inMask:]) << (bp & 7)
	lim := bp + lzxLookAhead
	e := d.mainTab[v>>mainShift] // the next symbol's entry
loop:
	for pos < d.end {
		if e < litLimit {
			// A run of literals, decoded from v, loaded again when it no
			// longer holds 16 bits.
			for {
				n := uint(e & 31)
				bp += n
				v <<= n
				win[uint(pos)&lzxWinMask] = byte(e >> 5)
				pos++
				if bp > lim {
					v = binary.BigEndian.Uint64(in[bp>>3&inMask:]) << (bp & 7)
					lim = bp + lzxLookAhead
				}
				if pos >= d.end {
					break loop
				}
				e = d.mainTab[v>>mainShift]
				if e >= litLimit {
					break
				}
			}
		}
		// A match: its main code was looked up in v, its other bits come
		// from a new load at bp, which the next symbol's lookup does not
		// wait for unless the match takes more than 45 bits.
		v = binary.BigEndian.Uint64(in[bp>>3&inMask:]) << (bp & 7)
		lim = bp + lzxLookAhead
		if e == lzxMainLong {
			// A code longer than the table: decode it the slow way, and
			// go on with an entry made for it.
			s, n := d.main.decodeSlow(uint32(v >> 48))
			if n == 0 {
				goto badCode
			}
			if s < lzxNumChars {
				bp += n
				v = binary.BigEndian.Uint64(in[bp>>3&inMask:]) << (bp & 7)
				lim = bp + lzxLookAhead
				win[uint(pos)&lzxWinMask] = byte(s)
				pos++
				e = d.mainTab[v>>mainShift]
				continue
			}
			e = d.mainEntries()[s&1023] | uint32(n)
		}
		// The bits the match takes come from e (the code length, the
		// length header and the number of extra offset bits), the rest
		// from info, which the next symbol does not wait for.
		n := uint(e & 31)
		v <<= n
		bp += n
		hdr := e >> 5 & 7
		length := int(hdr) + lzxMinMatch
		if hdr == 7 {
			if e := d.lenTab[v>>lenShift]; e != huffLong {
				n := uint(e & 31)
				v <<= n
				bp += n
				length += int(e >> 5)
			} else {
				s, n := d.length.decodeSlow(uint32(v >> 48))
				if n == 0 {
					goto badCode
				}
				v <<= n
				bp += n
				length += int(s)
			}
		}
		var off uint32
		if rep := e >> 21 & 3; rep == 3 {
			extra := uint(e >> 16 & 31)
			off = lzxMatchInfo[e>>5&2047] >> 10
			if e&lzxAlignedOff != 0 {
				k := extra - 3
				off += uint32(v>>1>>((63-k)&63)) << 3 // k may be 0
				v <<= k
				e := d.alTab[v>>alShift]
				var a uint16
				var n uint
				if e != huffLong {
					a, n = e>>5, uint(e&31)
				} else if a, n = d.aligned.decodeSlow(uint32(v >> 48)); n == 0 {
					goto badCode
				}
				v <<= n
				bp += k + n
				off += uint32(a)
			} else {
				off += uint32(v >> 1 >> ((63 - extra) & 63)) // extra may be 0
				v <<= extra
				bp += extra
			}
			// Before the first slide win[0] is the stream start, after
			// it pos >= wsize: off <= pos keeps the source in the data
			// decoded so far. Such an offset is at least 1, and at most
			// wsize: the slots of a window size reach no further
			// (TestLZXSlotsWithinWindow).
			if uint(off) > uint(pos) {
				return lzxErr(fmt.Sprintf("match offset %d beyond the data decoded so far (%d bytes)", off, int64(pos)+d.wbase))
			}
			d.reps[2] = d.reps[1]
			d.reps[1] = d.reps[0]
			d.reps[0] = off
		} else {
			// R0 and the offset used swap (with no branch on which).
			off = d.reps[rep]
			d.reps[rep] = d.reps[0]
			d.reps[0] = off
			// A repeated offset may come from an uncompressed block's
			// header: 0 < off <= pos and off <= wsize.
			if uint(off)-1 >= uint(pos) || int(off) > d.wsize {
				return lzxErr(fmt.Sprintf("match offset %d beyond the data decoded so far (%d bytes)", off, int64(pos)+d.wbase))
			}
		}
		// The next symbol's entry, looked up before the copy, which
		// does not wait for it.
		if bp > lim {
			v = binary.BigEndian.Uint64(in[bp>>3&inMask:]) << (bp & 7)
			lim = bp + lzxLookAhead
		}
		e = d.mainTab[v>>mainShift]
		// Copy the match. It may run past the end of the frame (into the
		// next one) and the copy may spill up to 30 bytes past its end:
		// win has lzxSlack bytes of room after the frame for both. The
		// views dw and sw of the destination and the source are taken at
		// masked positions (see lzxWindow), which leaves them unchanged,
		// and indexed below lzxView.
		dw := (*[lzxView]byte)(win[uint(pos)&lzxWinMask:])
		sw := (*[lzxView]byte)(win[uint(pos-int(off))&lzxWinMask:])
		if off >= 16 {
			// Most matches: two 16-byte moves, whatever the length (up
			// to 32 is most of them: a branch on it would be hard to
			// predict). The second reads what the first wrote when the
			// offset is below 32, as a match copy must.
			*(*[16]byte)(dw[0:]) = *(*[16]byte)(sw[0:])
			*(*[16]byte)(dw[16:]) = *(*[16]byte)(sw[16:])
			for i := 32; i < length; i += 16 { // i <= 256
				*(*[16]byte)(dw[i&lzxViewIdx:]) = *(*[16]byte)(sw[i&lzxViewIdx:])
			}
		} else if off >= 8 {
			for i := 0; i < length; i += 8 {
				*(*[8]byte)(dw[i&lzxViewIdx:]) = *(*[8]byte)(sw[i&lzxViewIdx:])
			}
		} else {
			// Overlapping: the first 8 bytes are the off bytes at sw
			// repeated (built in a register), then 8 at a time from a
			// multiple of the offset back.
			s := uint(off) * 8
			x := binary.LittleEndian.Uint64(sw[:8]) & (1<<s - 1)
			x |= x << s
			x |= x << (2 * s)
			x |= x << (4 * s) // 0 when s >= 16: shifts past 63 bits give 0
			binary.LittleEndian.PutUint64(dw[:8], x)
			p := int(off) - lzxPeriod[off&7] // p+8 >= 0: the source starts at or after sw
			for i := 8; i < length; i += 8 {
				*(*[8]byte)(dw[i&lzxViewIdx:]) = *(*[8]byte)(sw[(p+i)&lzxViewIdx:])
			}
		}
		pos += length
	}
	if pos > d.blockEnd {
		// Only the last match can run past the block's end: the loop
		// stops at it.
		return lzxErr("match runs past the end of its block")
	}
	d.seekBits(bp)
	d.wpos = pos
	d.blockRemain = d.blockEnd - pos
	if int64(bp) > int64(len(d.src)+lzxOverrunAllowed)*8 {
		return lzxErr("compressed data ends before the block's output is complete")
	}
	return nil
badCode:
	return errLZXCode
}

// seekBits points the bit reader at bit position bp of the current input.
func (d *lzxDecompressor) seekBits(bp uint) {
	d.ip, d.bits, d.nb = int(bp>>3), 0, 0
	d.refill()
	d.bits <<= bp & 7
	d.nb -= bp & 7
}

// e8Translate undoes the E8 call translation on one output frame that
// starts at stream offset base.
func e8Translate(p []byte, base int64, size int32) {
	if len(p) <= 10 {
		return
	}
	limit := len(p) - 10
	for i := 0; i < limit; i++ {
		if p[i] != 0xe8 {
			j := bytes.IndexByte(p[i:limit], 0xe8)
			if j < 0 {
				return
			}
			i += j
		}
		abs := int32(binary.LittleEndian.Uint32(p[i+1:]))
		cur := int32(base + int64(i))
		if abs >= -cur && abs < size {
			var rel int32
			if abs >= 0 {
				rel = abs - cur
			} else {
				rel = abs + size
			}
			binary.LittleEndian.PutUint32(p[i+1:], uint32(rel))
		}
		i += 4
	}
}
