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

// lzxSlots is the number of position slots for window sizes 2^15..2^21.
var lzxSlots = map[int]int{15: 30, 16: 32, 17: 34, 18: 36, 19: 38, 20: 42, 21: 50}

// The decoder keeps its history in a linear buffer rather than a ring:
// win holds up to 2 window sizes of output plus a frame and some slack,
// and when a frame would not fit, the last window's worth of data moves to
// the front (one memmove of the window size per window size decoded). In
// return, the hot loop never wraps an index: a match's source is always
// pos-off, bytes at and after pos are free to be overwritten, so matches
// are copied 8 bytes at a time and may spill a few bytes (never more than
// lzxSlack) past their end, and a match may run past the end of a frame
// straight into the next one.
const lzxSlack = lzxMaxMatch + 16

type lzxDecompressor struct {
	win   []byte // linear history, grown up to lzxWinLen(wsize) bytes
	wsize int    // window size: the largest match offset
	wpos  int    // index in win of the next byte to decode
	wbase int64  // stream offset of win[0]
	slots int

	frameStart int64 // stream offset of the next frame to output
	started    bool  // E8 header read
	e8Size     int32 // translation size; 0 = off

	blockType   int
	blockRemain int  // bytes of the current block not yet decoded
	blockOdd    bool // current uncompressed block has odd size
	r0, r1, r2  uint32

	mainLens [lzxNumChars + 50*8]uint8
	lenLens  [lzxLengthSyms]uint8
	preLens  [lzxPretreeSyms]uint8
	alLens   [lzxAlignedSyms]uint8
	main     *huffman
	length   *huffman
	pre      *huffman
	aligned  *huffman

	// The lookup tables of main, length and aligned: arrays here, so the
	// hot loop indexes them off d with no bounds checks.
	mainTab [1 << lzxMainTableBits]uint16
	lenTab  [1 << lzxLenTableBits]uint16
	alTab   [1 << lzxAlignedBits]uint16

	// bit reader over the current block's input
	src  []byte // the block's input, for uncompressed blocks
	sw   []byte // what the bit reader reads: sw0 or sw1
	ip   int    // read position in src (may pass its end: zero bytes)
	bits uint64 // next bits of the stream, most significant first
	nb   uint   // valid bits in bits

	// The input with the bytes of each 16-bit word swapped (pairs starting
	// at even offsets in sw0, at odd ones in sw1, which has a dummy first
	// byte), so the bit reader reads plain big-endian bytes; the same
	// offsets as src, zero-padded. sw1 is built only when an uncompressed
	// block of odd size leaves the reader at an odd offset.
	sw0, sw1 []byte
	sw1OK    bool
	parity   int // 1 when reading sw1
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
		r0:    1, r1: 1, r2: 1,
		pre: newHuffman(lzxPretreeSyms, 6, nil),
	}
	d.main = newHuffman(lzxNumChars+slots*8, lzxMainTableBits, d.mainTab[:])
	d.length = newHuffman(lzxLengthSyms, lzxLenTableBits, d.lenTab[:])
	d.aligned = newHuffman(lzxAlignedSyms, lzxAlignedBits, d.alTab[:])
	return d, nil
}

// lzxWinLen is the most history a decoder keeps for a window of wsize
// bytes: two windows, so that sliding costs one window-sized move per
// window of output, and a frame with room for a match to spill past it.
func lzxWinLen(wsize int) int { return 2*wsize + lzxFrameSize + lzxSlack }

// reset prepares the decoder for a new folder with the same window size,
// keeping its buffers.
func (d *lzxDecompressor) reset() {
	*d = lzxDecompressor{
		win: d.win, wsize: d.wsize, slots: d.slots,
		r0: 1, r1: 1, r2: 1,
		main: d.main, length: d.length, pre: d.pre, aligned: d.aligned,
	}
}

func lzxErr(msg string) error { return formatErr(-1, "lzx: "+msg, nil) }

var errLZXCode = lzxErr("invalid Huffman code")

// refill tops the bit buffer up to at least 56 bits; past the end of
// input it supplies zeros.
func (d *lzxDecompressor) refill() {
	d.ip, d.bits, d.nb = refillBits(d.sw, d.ip, d.bits, d.nb)
}

// swapWords returns src with the bytes of each 16-bit word swapped, the
// words starting at offset parity (0 or 1), in buf's storage: the LZX bit
// stream (16-bit little-endian words, most significant bit first) as a
// big-endian byte stream with the same offsets as src, followed by zeros.
func swapWords(buf, src []byte, parity int) []byte {
	n := len(src) + 2 + 8 // the last word may be partial; 8 bytes of zeros
	if cap(buf) < n {
		buf = make([]byte, n, n+maxBlockSlack)
	}
	buf = buf[:n]
	i := parity
	if parity == 1 {
		buf[0] = 0
	}
	for ; i+8 <= len(src); i += 8 {
		w := binary.LittleEndian.Uint64(src[i:])
		binary.LittleEndian.PutUint64(buf[i:], w>>8&0x00ff00ff00ff00ff|w&0x00ff00ff00ff00ff<<8)
	}
	for ; i < len(src); i += 2 {
		buf[i] = 0
		if i+1 < len(src) {
			buf[i] = src[i+1]
		}
		buf[i+1] = src[i]
	}
	clear(buf[i:])
	return buf
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
		d.sw1 = swapWords(d.sw1, d.src, 1)
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
// delta coding against their previous values.
func (d *lzxDecompressor) readLengths(lens []uint8, first, last int) error {
	for i := range d.preLens {
		d.preLens[i] = uint8(d.readBits(4))
	}
	if err := d.pre.build(d.preLens[:]); err != nil {
		return err
	}
	for i := first; i < last; {
		sym, err := d.decodeSym(d.pre)
		if err != nil {
			return err
		}
		switch {
		case sym <= 16:
			lens[i] = uint8((int(lens[i]) - sym + 17) % 17)
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
			v := uint8((int(lens[i]) - s + 17) % 17)
			for ; z > 0 && i < last; z-- {
				lens[i] = v
				i++
			}
		}
		if d.overrun() {
			return lzxErr("input ends inside a code-length table")
		}
	}
	return nil
}

// readBlockHeader starts a new LZX block.
func (d *lzxDecompressor) readBlockHeader() error {
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
		d.r0 = binary.LittleEndian.Uint32(d.src[d.ip:])
		d.r1 = binary.LittleEndian.Uint32(d.src[d.ip+4:])
		d.r2 = binary.LittleEndian.Uint32(d.src[d.ip+8:])
		d.ip += 12
		d.blockOdd = d.blockRemain&1 != 0
	default:
		return lzxErr(fmt.Sprintf("invalid block type %d", d.blockType))
	}
	return nil
}

// slide makes room for a frame of n bytes (plus the spill of a match past
// its end) after the frame start: it grows the buffer while it is smaller
// than lzxWinLen (a short folder never needs the whole window), then
// moves the last window of history to the front.
func (d *lzxDecompressor) slide(n int) {
	fs := int(d.frameStart - d.wbase) // index of the frame start
	need := fs + n + lzxSlack
	if need <= len(d.win) {
		return
	}
	if full := lzxWinLen(d.wsize); len(d.win) < full {
		nw := make([]byte, min(full, max(need, 2*len(d.win), 64<<10)))
		copy(nw, d.win[:d.wpos])
		d.win = nw
		if need <= len(d.win) {
			return
		}
	}
	// Keep wsize bytes before the frame start and what was decoded after
	// it (the end of a match that ran past the previous frame).
	cut := fs - d.wsize
	copy(d.win, d.win[cut:d.wpos])
	d.wpos -= cut
	d.wbase += int64(cut)
}

func (d *lzxDecompressor) decode(dst, src []byte) error {
	d.src, d.ip = src, 0
	d.sw0 = swapWords(d.sw0, src, 0)
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

// refillBits tops a bit buffer up to at least 56 bits from the byte
// stream src at ip (zeros past its end). Bits below the nb valid ones may
// already hold the following stream bits, which a later refill ORs in
// again unchanged.
func refillBits(src []byte, ip int, bits uint64, nb uint) (int, uint64, uint) {
	if ip+8 <= len(src) {
		k := (63 - nb) >> 3 // whole bytes that fit
		return ip + int(k), bits | binary.BigEndian.Uint64(src[ip:])>>nb, nb + k*8
	}
	return refillSlow(src, ip, bits, nb)
}

func refillSlow(src []byte, ip int, bits uint64, nb uint) (int, uint64, uint) {
	// Clear the look-ahead bits of an earlier fast refill: this one adds
	// bytes one by one.
	bits &^= ^uint64(0) >> nb
	for nb <= 56 {
		var b uint64
		if ip < len(src) {
			b = uint64(src[ip])
		}
		ip++
		bits |= b << (56 - nb)
		nb += 8
	}
	return ip, bits, nb
}

// decodeCompressed decodes symbols of a verbatim or aligned block until
// the frame is full or the block ends. This is the decoder's hot loop,
// written for the compiler: the bit reader state and the output position
// live in locals (registers), written back once at the end; the Huffman
// tables are arrays inside d (no bounds checks, no extra pointers), and
// what matches alone need (repeated offsets, block end, window size) stays
// in d, leaving registers to the symbol loop.
func (d *lzxDecompressor) decodeCompressed(frameEnd int) error {
	win := d.win
	end := min(frameEnd, d.wpos+d.blockRemain)
	src, ip, bits, nb := d.sw, d.ip, d.bits, d.nb
	const mainShift, lenShift, alShift = 64 - lzxMainTableBits, 64 - lzxLenTableBits, 64 - lzxAlignedBits
	const litLimit = lzxNumChars << 5 // entries below: literals
	pos := d.wpos
	var err error
loop:
	for pos < end {
		if nb < 48 {
			// refillBits, by hand: the compiler does not inline it.
			if ip+8 <= len(src) {
				k := (63 - nb) >> 3
				bits |= binary.BigEndian.Uint64(src[ip:]) >> nb
				ip += int(k)
				nb += k * 8
			} else {
				ip, bits, nb = refillSlow(src, ip, bits, nb)
			}
		}
		// Up to two literals per refill: each code is at most 16 bits.
		e := d.mainTab[bits>>mainShift]
		if e < litLimit {
			n := uint(e & 31)
			bits <<= n
			nb -= n
			win[pos] = byte(e >> 5)
			pos++
			if pos >= end {
				break
			}
			e = d.mainTab[bits>>mainShift]
			if e < litLimit {
				n := uint(e & 31)
				bits <<= n
				nb -= n
				win[pos] = byte(e >> 5)
				pos++
				continue
			}
			if nb < 48 {
				ip, bits, nb = refillBits(src, ip, bits, nb)
			}
		}
		var sym int
		if e != huffLong {
			n := uint(e & 31)
			bits <<= n
			nb -= n
			sym = int(e>>5) - lzxNumChars
		} else {
			s, n := d.main.decodeSlow(uint32(bits >> 48))
			if n == 0 {
				err = errLZXCode
				break loop
			}
			bits <<= n
			nb -= n
			if s < lzxNumChars {
				win[pos] = byte(s)
				pos++
				continue
			}
			sym = int(s) - lzxNumChars
		}
		length := sym&7 + lzxMinMatch
		if sym&7 == 7 {
			// nb >= 48-16 here: enough for a 16-bit length code.
			if e := d.lenTab[bits>>lenShift]; e != huffLong {
				n := uint(e & 31)
				bits <<= n
				nb -= n
				length += int(e >> 5)
			} else {
				s, n := d.length.decodeSlow(uint32(bits >> 48))
				if n == 0 {
					err = errLZXCode
					break loop
				}
				bits <<= n
				nb -= n
				length += int(s)
			}
		}
		var off uint32
		switch slot := sym >> 3; slot {
		case 0:
			off = d.r0
		case 1:
			off = d.r1
			d.r1 = d.r0
			d.r0 = off
		case 2:
			off = d.r2
			d.r2 = d.r0
			d.r0 = off
		default:
			extra := uint(lzxExtraBits[slot&63])
			off = lzxBase[slot&63] - 2
			if nb < 32 {
				ip, bits, nb = refillBits(src, ip, bits, nb)
			}
			if extra >= 3 && d.blockType == lzxBlockAligned {
				if k := extra - 3; k > 0 {
					off += uint32(bits>>(64-k)) << 3
					bits <<= k
					nb -= k
				}
				if nb < 16 {
					ip, bits, nb = refillBits(src, ip, bits, nb)
				}
				e := d.alTab[bits>>alShift]
				var a uint16
				var n uint
				if e != huffLong {
					a, n = e>>5, uint(e&31)
				} else if a, n = d.aligned.decodeSlow(uint32(bits >> 48)); n == 0 {
					err = errLZXCode
					break loop
				}
				bits <<= n
				nb -= n
				off += uint32(a)
			} else if extra > 0 {
				off += uint32(bits >> (64 - extra))
				bits <<= extra
				nb -= extra
			}
			d.r2 = d.r1
			d.r1 = d.r0
			d.r0 = off
		}
		// Before the first slide win[0] is the stream start, after it
		// pos >= wsize: off <= pos and off <= wsize keep the source in
		// the data decoded so far and within the window.
		if off == 0 || int(off) > pos || int(off) > d.wsize {
			err = lzxErr(fmt.Sprintf("match offset %d beyond the data decoded so far (%d bytes)", off, int64(pos)+d.wbase))
			break
		}
		if pos+length > d.wpos+d.blockRemain {
			err = lzxErr("match runs past the end of its block")
			break
		}
		// Copy the match. It may run past the end of the frame (into the
		// next one) and the copy may spill up to 15 bytes past its end:
		// win has lzxSlack bytes of room after the frame for both.
		sp := pos - int(off)
		if off >= 16 {
			// Most matches: one 16-byte move.
			*(*[16]byte)(win[pos:]) = *(*[16]byte)(win[sp:])
			for i := 16; i < length; i += 16 {
				*(*[16]byte)(win[pos+i:]) = *(*[16]byte)(win[sp+i:])
			}
		} else if off >= 8 {
			for i := 0; i < length; i += 8 {
				binary.LittleEndian.PutUint64(win[pos+i:], binary.LittleEndian.Uint64(win[sp+i:]))
			}
		} else {
			// Overlapping: repeat the off-byte pattern, doubling.
			w := win[sp : pos+length]
			for i := int(off); i < len(w); {
				i += copy(w[i:], w[:i])
			}
		}
		pos += length
	}
	d.ip, d.bits, d.nb = ip, bits, nb
	d.blockRemain -= pos - d.wpos
	d.wpos = pos
	if err == nil && int64(ip)*8-int64(nb) > int64(len(d.src)+lzxOverrunAllowed)*8 {
		err = lzxErr("compressed data ends before the block's output is complete")
	}
	return err
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
