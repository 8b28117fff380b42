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
	lzxMainTableBits  = 11
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

	// bit reader over the current block's input
	src  []byte
	ip   int // virtual read position (may pass len(src): zero bytes)
	bits uint64
	nb   uint
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
		main:    newHuffman(lzxNumChars+slots*8, lzxMainTableBits),
		length:  newHuffman(lzxLengthSyms, lzxLenTableBits),
		pre:     newHuffman(lzxPretreeSyms, 6),
		aligned: newHuffman(lzxAlignedSyms, 7),
	}
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

// refill tops the bit buffer up to at least 48 bits, reading 16-bit
// little-endian words; past the end of input it supplies zeros.
func (d *lzxDecompressor) refill() {
	d.ip, d.bits, d.nb = refillBits(d.src, d.ip, d.bits, d.nb)
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
		if d.nb%16 == 0 {
			if d.nb < 16 {
				d.refill()
			}
			d.bits <<= 16
			d.nb -= 16
		} else {
			k := d.nb % 16
			d.bits <<= k
			d.nb -= k
		}
		d.ip -= int(d.nb / 8)
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
	d.src, d.ip, d.bits, d.nb = src, 0, 0, 0
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
				d.bits, d.nb = 0, 0
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
	d.src = nil
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

// refillBits tops a bit buffer up to at least 48 bits from src at ip
// (16-bit little-endian words, most significant bit first; zeros past the
// end). Bits below the nb valid ones may already hold the following
// stream bits, which a later refill ORs in again unchanged.
func refillBits(src []byte, ip int, bits uint64, nb uint) (int, uint64, uint) {
	if ip+8 <= len(src) {
		w := binary.BigEndian.Uint64(src[ip:])
		// Swap the bytes of each 16-bit word: the stream's bit order.
		w = w>>8&0x00ff00ff00ff00ff | w&0x00ff00ff00ff00ff<<8
		k := (63 - nb) >> 4 // whole words that fit
		return ip + int(k)*2, bits | w>>nb, nb + k*16
	}
	return refillSlow(src, ip, bits, nb)
}

func refillSlow(src []byte, ip int, bits uint64, nb uint) (int, uint64, uint) {
	// Clear the look-ahead bits of an earlier fast refill: this one adds
	// words one by one.
	if nb > 0 {
		bits &^= ^uint64(0) >> nb
	} else {
		bits = 0
	}
	for nb <= 48 {
		var w uint64
		if ip+1 < len(src) {
			w = uint64(src[ip]) | uint64(src[ip+1])<<8
		} else if ip < len(src) {
			w = uint64(src[ip])
		}
		ip += 2
		bits |= w << (48 - nb)
		nb += 16
	}
	return ip, bits, nb
}

// decodeCompressed decodes symbols of a verbatim or aligned block until
// the frame is full or the block ends. The bit reader state lives in
// locals here (the decoder's hot loop) and is written back on exit.
func (d *lzxDecompressor) decodeCompressed(frameEnd int) (err error) {
	win := d.win
	aligned := d.blockType == lzxBlockAligned
	blockEnd := d.wpos + d.blockRemain
	end := min(frameEnd, blockEnd)
	src, ip, bits, nb := d.src, d.ip, d.bits, d.nb
	mainH, lenH, alH := d.main, d.length, d.aligned
	// Fixed-size views with constant shifts: no bounds checks.
	mainTab := (*[1 << lzxMainTableBits]uint16)(mainH.table)
	lenTab := (*[1 << lzxLenTableBits]uint16)(lenH.table)
	alTab := (*[1 << lzxAlignedBits]uint16)(alH.table)
	const mainShift, lenShift, alShift = 64 - lzxMainTableBits, 64 - lzxLenTableBits, 64 - lzxAlignedBits
	const litLimit = lzxNumChars << 5 // entries below: literals
	r0, r1, r2 := d.r0, d.r1, d.r2
	// The offset check below compares with the data before pos: all of
	// it in win from the stream start, the window's worth later.
	hist := int64(d.wpos) + d.wbase // stream offset of win[pos]
	histBase := 0                   // matches may reach back to win[histBase:]
	if hist > int64(d.wsize) {
		histBase = d.wpos - d.wsize
	}
	pos := d.wpos
	defer func() {
		d.src, d.ip, d.bits, d.nb = src, ip, bits, nb
		d.r0, d.r1, d.r2 = r0, r1, r2
		d.blockRemain -= pos - d.wpos
		d.wpos = pos
	}()
	for pos < end {
		if nb < 48 {
			// refillBits, by hand: the compiler does not inline it.
			if ip+8 <= len(src) {
				w := binary.BigEndian.Uint64(src[ip:])
				w = w>>8&0x00ff00ff00ff00ff | w&0x00ff00ff00ff00ff<<8
				k := (63 - nb) >> 4
				bits |= w >> nb
				ip += int(k) * 2
				nb += k * 16
			} else {
				ip, bits, nb = refillSlow(src, ip, bits, nb)
			}
		}
		// Up to two literals per refill: each code is at most 16 bits.
		e := mainTab[bits>>mainShift]
		if e < litLimit {
			n := uint(e & 31)
			bits <<= n
			nb -= n
			win[pos] = byte(e >> 5)
			pos++
			if pos >= end {
				break
			}
			e = mainTab[bits>>mainShift]
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
			sym = int(e >> 5)
		} else {
			s, n := mainH.decodeSlow(uint32(bits >> 48))
			if n == 0 {
				return lzxErr("invalid Huffman code")
			}
			bits <<= n
			nb -= n
			sym = int(s)
			if sym < lzxNumChars {
				win[pos] = byte(sym)
				pos++
				continue
			}
		}
		sym -= lzxNumChars
		length := sym&7 + lzxMinMatch
		if sym&7 == 7 {
			// nb >= 48-16 here: enough for a 16-bit length code.
			if e := lenTab[bits>>lenShift]; e != huffLong {
				n := uint(e & 31)
				bits <<= n
				nb -= n
				length += int(e >> 5)
			} else {
				s, n := lenH.decodeSlow(uint32(bits >> 48))
				if n == 0 {
					return lzxErr("invalid Huffman code")
				}
				bits <<= n
				nb -= n
				length += int(s)
			}
		}
		slot := sym >> 3
		var off uint32
		switch slot {
		case 0:
			off = r0
		case 1:
			off = r1
			r1 = r0
			r0 = off
		case 2:
			off = r2
			r2 = r0
			r0 = off
		default:
			extra := uint(lzxExtraBits[slot&63])
			off = lzxBase[slot&63] - 2
			if nb < 32 {
				ip, bits, nb = refillBits(src, ip, bits, nb)
			}
			if aligned && extra >= 3 {
				if k := extra - 3; k > 0 {
					off += uint32(bits>>(64-k)) << 3
					bits <<= k
					nb -= k
				}
				if nb < 16 {
					ip, bits, nb = refillBits(src, ip, bits, nb)
				}
				e := alTab[bits>>alShift]
				var a uint16
				var n uint
				if e != huffLong {
					a, n = e>>5, uint(e&31)
				} else if a, n = alH.decodeSlow(uint32(bits >> 48)); n == 0 {
					return lzxErr("invalid Huffman code")
				}
				bits <<= n
				nb -= n
				off += uint32(a)
			} else if extra > 0 {
				off += uint32(bits >> (64 - extra))
				bits <<= extra
				nb -= extra
			}
			r2 = r1
			r1 = r0
			r0 = off
		}
		if off == 0 || int(off) > pos-histBase {
			return lzxErr(fmt.Sprintf("match offset %d beyond the data decoded so far (%d bytes)", off, int64(pos)+d.wbase))
		}
		if pos+length > blockEnd {
			return lzxErr("match runs past the end of its block")
		}
		// Copy the match. It may run past the end of the frame (into the
		// next one) and the copy may spill up to 7 bytes past its end:
		// win has lzxSlack bytes of room after the frame for both.
		sp := pos - int(off)
		if off >= 8 {
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
	if int64(ip)*8-int64(nb) > int64(len(src)+lzxOverrunAllowed)*8 {
		return lzxErr("compressed data ends before the block's output is complete")
	}
	return nil
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
