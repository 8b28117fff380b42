// The LZX decoder as it was before the linear-window rewrite: simple,
// byte-at-a-time where it matters, kept as a differential oracle for the
// optimized decoder (TestLZXMatchesReference, FuzzLZX).

package cab

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

type refLZX struct {
	window []byte
	mask   int64
	slots  int

	pos        int64 // bytes decoded into the window so far (absolute)
	frameStart int64 // absolute offset of the next frame to output
	started    bool  // E8 header read
	e8Size     int32 // translation size; 0 = off

	pendLen int    // bytes of a match still to copy into the next frame
	pendOff uint32 // its offset

	blockType   int
	blockRemain int
	blockOdd    bool // current uncompressed block has odd size
	r0, r1, r2  uint32

	mainLens [lzxNumChars + 50*8]uint8
	lenLens  [lzxLengthSyms]uint8
	preLens  [lzxPretreeSyms]uint8
	alLens   [lzxAlignedSyms]uint8
	main     *refHuffman
	length   *refHuffman
	pre      *refHuffman
	aligned  *refHuffman

	// bit reader over the current block's input
	src  []byte
	ip   int // virtual read position (may pass len(src): zero bytes)
	bits uint64
	nb   uint
}

// newRefLZX returns a decompressor for LZX folders with a window
// of 2^windowBits bytes (15..21).
func newRefLZX(windowBits int) (decompressor, error) {
	slots, ok := lzxSlots[windowBits]
	if !ok {
		return nil, &UnsupportedError{Method: methodLZX, Msg: fmt.Sprintf("LZX window of 2^%d bytes (cabinets use 2^15..2^21)", windowBits)}
	}
	d := &refLZX{
		window: make([]byte, 1<<windowBits),
		mask:   1<<windowBits - 1,
		slots:  slots,
		r0:     1, r1: 1, r2: 1,
		main:    newRefHuffman(lzxNumChars+slots*8, lzxMainTableBits),
		length:  newRefHuffman(lzxLengthSyms, lzxLenTableBits),
		pre:     newRefHuffman(lzxPretreeSyms, 6),
		aligned: newRefHuffman(lzxAlignedSyms, 7),
	}
	return d, nil
}

// refill tops the bit buffer up to at least 48 bits, reading 16-bit
// little-endian words; past the end of input it supplies zeros.
func (d *refLZX) refill() {
	for d.nb <= 48 {
		var w uint64
		if d.ip+1 < len(d.src) {
			w = uint64(binary.LittleEndian.Uint16(d.src[d.ip:]))
		} else if d.ip < len(d.src) {
			w = uint64(d.src[d.ip])
		}
		d.ip += 2
		d.bits |= w << (48 - d.nb)
		d.nb += 16
	}
}

// readBits reads n bits (n <= 32).
func (d *refLZX) readBits(n uint) uint32 {
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
func (d *refLZX) overrun() bool {
	consumed := int64(d.ip)*8 - int64(d.nb)
	return consumed > int64(len(d.src)+lzxOverrunAllowed)*8
}

// decodeSym decodes one symbol with h.
func (d *refLZX) decodeSym(h *refHuffman) (int, error) {
	if d.nb < maxCodeLen {
		d.refill()
	}
	e := h.table[d.bits>>(64-h.tableBits)]
	if e != 0 {
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
func (d *refLZX) readLengths(lens []uint8, first, last int) error {
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
func (d *refLZX) readBlockHeader() error {
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

func (d *refLZX) decode(dst, src []byte) error {
	d.src, d.ip, d.bits, d.nb = src, 0, 0, 0
	if !d.started {
		d.started = true
		if d.readBits(1) == 1 {
			hi := d.readBits(16)
			lo := d.readBits(16)
			d.e8Size = int32(hi<<16 | lo)
		}
	}
	frameEnd := d.frameStart + int64(len(dst))
	if d.pendLen > 0 {
		// The rest of a match that ran past the previous frame's end.
		n := d.pendLen
		if rem := int(frameEnd - d.pos); n > rem {
			n = rem
		}
		d.copyMatch(d.pos, d.pendOff, n)
		d.pos += int64(n)
		d.pendLen -= n
		d.blockRemain -= n
	}
	for d.pos < frameEnd {
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
	start := d.frameStart & d.mask
	n := copy(dst, d.window[start:])
	if n < len(dst) {
		copy(dst[n:], d.window)
	}
	if d.e8Size != 0 && d.frameStart < lzxE8Limit {
		refE8Translate(dst, d.frameStart, d.e8Size)
	}
	d.frameStart = frameEnd
	d.src = nil
	return nil
}

// copyRaw copies uncompressed-block bytes into the window.
func (d *refLZX) copyRaw(frameEnd int64) error {
	n := int64(d.blockRemain)
	if rem := frameEnd - d.pos; n > rem {
		n = rem
	}
	for n > 0 {
		avail := len(d.src) - d.ip
		if avail <= 0 {
			return lzxErr("input ends inside an uncompressed block")
		}
		wp := int(d.pos & d.mask)
		k := int(n)
		if k > avail {
			k = avail
		}
		if k > len(d.window)-wp {
			k = len(d.window) - wp
		}
		copy(d.window[wp:wp+k], d.src[d.ip:d.ip+k])
		d.ip += k
		d.pos += int64(k)
		d.blockRemain -= k
		n -= int64(k)
	}
	return nil
}

// refillBits tops a bit buffer up to more than 48 bits from src at ip
// (16-bit little-endian words, zeros past the end). It is the hot-loop form
// of refill, working on local copies of the reader state.
func refRefillBits(src []byte, ip int, bits uint64, nb uint) (int, uint64, uint) {
	if nb <= 16 && ip+8 <= len(src) {
		w := binary.LittleEndian.Uint64(src[ip:])
		v := (w&0xffff)<<48 | (w>>16&0xffff)<<32 | (w>>32&0xffff)<<16
		return ip + 6, bits | v>>nb, nb + 48
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
func (d *refLZX) decodeCompressed(frameEnd int64) (err error) {
	window := d.window
	mask := d.mask
	aligned := d.blockType == lzxBlockAligned
	wsize := int64(len(window))
	blockEnd := d.pos + int64(d.blockRemain)
	end := frameEnd
	if blockEnd < end {
		end = blockEnd
	}
	src, ip, bits, nb := d.src, d.ip, d.bits, d.nb
	mainH, lenH, alH := d.main, d.length, d.aligned
	// Fixed-size views with constant shifts: no bounds checks.
	mainTab := (*[1 << lzxMainTableBits]uint16)(mainH.table)
	lenTab := (*[1 << lzxLenTableBits]uint16)(lenH.table)
	const mainShift, lenShift = 64 - lzxMainTableBits, 64 - lzxLenTableBits
	limit := int64(len(src)+lzxOverrunAllowed) * 8
	pos := d.pos
	defer func() {
		d.src, d.ip, d.bits, d.nb = src, ip, bits, nb
		d.blockRemain -= int(pos - d.pos)
		d.pos = pos
	}()
	for pos < end {
		if nb < 48 {
			ip, bits, nb = refRefillBits(src, ip, bits, nb)
		}
		// Main symbol.
		var sym int
		if e := mainTab[bits>>mainShift]; e != 0 {
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
		}
		if sym < lzxNumChars {
			window[pos&mask] = byte(sym)
			pos++
			continue
		}
		sym -= lzxNumChars
		length := sym&7 + lzxMinMatch
		if sym&7 == 7 {
			// nb >= 48-16 here: enough for a 16-bit length code.
			if e := lenTab[bits>>lenShift]; e != 0 {
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
			extra := uint(lzxExtraBits[slot])
			off = lzxBase[slot] - 2
			if nb < 32 {
				ip, bits, nb = refRefillBits(src, ip, bits, nb)
			}
			if aligned && extra >= 3 {
				if k := extra - 3; k > 0 {
					off += uint32(bits>>(64-k)) << 3
					bits <<= k
					nb -= k
				}
				if nb < 16 {
					ip, bits, nb = refRefillBits(src, ip, bits, nb)
				}
				e := alH.table[bits>>(64-alH.tableBits)]
				var a uint16
				var n uint
				if e != 0 {
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
			d.r2 = d.r1
			d.r1 = d.r0
			d.r0 = off
		}
		if off == 0 || int64(off) > pos || int64(off) > wsize {
			return lzxErr(fmt.Sprintf("match offset %d beyond the data decoded so far (%d bytes)", off, pos))
		}
		if pos+int64(length) > blockEnd {
			return lzxErr("match runs past the end of its block")
		}
		if pos+int64(length) > frameEnd {
			// Finish the match at the start of the next frame.
			d.pendLen = int(pos + int64(length) - frameEnd)
			d.pendOff = off
			length -= d.pendLen
		}
		// Copy the match; the common case (no wrap, no overlap, short)
		// byte by byte without a call.
		dp := pos & mask
		sp := (pos - int64(off)) & mask
		if int64(off) >= int64(length) && dp+int64(length) <= wsize && sp+int64(length) <= wsize {
			if length <= 16 {
				dst := window[dp : dp+int64(length)]
				srcw := window[sp : sp+int64(length)]
				for i := range dst {
					dst[i] = srcw[i]
				}
			} else {
				copy(window[dp:dp+int64(length)], window[sp:sp+int64(length)])
			}
		} else {
			d.copyMatch(pos, off, length)
		}
		pos += int64(length)
		if int64(ip)*8-int64(nb) > limit {
			return lzxErr("compressed data ends before the block's output is complete")
		}
	}
	return nil
}

// copyMatch copies length bytes from off bytes back to window position
// pos, byte by byte in effect (the ranges may overlap), wrapping around the
// window.
func (d *refLZX) copyMatch(pos int64, off uint32, length int) {
	window := d.window
	wsize := int64(len(window))
	dp := pos & d.mask
	sp := (pos - int64(off)) & d.mask
	if dp+int64(length) <= wsize && sp+int64(length) <= wsize {
		if int64(off) >= int64(length) {
			copy(window[dp:dp+int64(length)], window[sp:sp+int64(length)])
			return
		}
		w := window[sp : dp+int64(length)]
		o := int(off)
		for i := o; i < len(w); i++ {
			w[i] = w[i-o]
		}
		return
	}
	for i := int64(0); i < int64(length); i++ {
		window[(dp+i)&d.mask] = window[(sp+i)&d.mask]
	}
}

// e8Translate undoes the E8 call translation on one output frame that
// starts at stream offset base.
func refE8Translate(p []byte, base int64, size int32) {
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

// huffman is a canonical Huffman decoding table for LZX: codes are
// assigned in order of length, then symbol, and read most significant bit
// first. Codes up to tableBits long decode with one lookup; longer ones
// (rare) by walking the per-length counts.
type refHuffman struct {
	tableBits uint
	table     []uint16 // sym<<5 | length; 0 = longer code or no code
	count     [maxCodeLen + 1]uint16
	sorted    []uint16 // symbols ordered by (length, symbol)
	empty     bool     // no codes at all
}

func newRefHuffman(numSyms int, tableBits uint) *refHuffman {
	return &refHuffman{
		tableBits: tableBits,
		table:     make([]uint16, 1<<tableBits),
		sorted:    make([]uint16, 0, numSyms),
	}
}

// build prepares the table from code lengths (0 = unused symbol). An
// over-subscribed set of lengths is an error; an incomplete one is
// accepted, and decoding a missing code then fails.
func (h *refHuffman) build(lens []uint8) error {
	h.count = [maxCodeLen + 1]uint16{}
	for _, l := range lens {
		if l > maxCodeLen {
			return formatErr(-1, "lzx: code length over 16", nil)
		}
		h.count[l]++
	}
	h.count[0] = 0
	left := 1
	for l := 1; l <= maxCodeLen; l++ {
		left <<= 1
		left -= int(h.count[l])
		if left < 0 {
			return formatErr(-1, "lzx: over-subscribed Huffman code", nil)
		}
	}
	h.empty = left == 1<<maxCodeLen
	var offs [maxCodeLen + 2]uint16
	for l := 1; l <= maxCodeLen; l++ {
		offs[l+1] = offs[l] + h.count[l]
	}
	h.sorted = h.sorted[:int(offs[maxCodeLen+1])]
	for s, l := range lens {
		if l != 0 {
			h.sorted[offs[l]] = uint16(s)
			offs[l]++
		}
	}
	clear(h.table)
	tb := h.tableBits
	code := 0
	idx := 0
	for l := uint(1); l <= tb; l++ {
		for i := 0; i < int(h.count[l]); i++ {
			sym := h.sorted[idx]
			idx++
			start := code << (tb - l)
			end := (code + 1) << (tb - l)
			e := sym<<5 | uint16(l)
			for j := start; j < end; j++ {
				h.table[j] = e
			}
			code++
		}
		code <<= 1
	}
	return nil
}

// decodeSlow decodes a code longer than tableBits (or a missing one) from
// the next 16 bits of input v, returning the symbol and its length, or
// length 0 if no code matches.
func (h *refHuffman) decodeSlow(v uint32) (sym uint16, n uint) {
	first, index := 0, 0
	for l := uint(1); l <= maxCodeLen; l++ {
		code := int(v >> (maxCodeLen - l))
		cnt := int(h.count[l])
		if code-first < cnt {
			return h.sorted[index+code-first], l
		}
		index += cnt
		first = (first + cnt) << 1
	}
	return 0, 0
}

// lzxDiff decodes the blocks with the decoder and the reference and
// reports the first difference: in output, or in whether a block fails.
func lzxDiff(windowBits int, sizes []int, blocks [][]byte) string {
	d, err := newLZXDecompressor(windowBits)
	if err != nil {
		return ""
	}
	ref, _ := newRefLZX(windowBits)
	for i, src := range blocks {
		got, want := make([]byte, sizes[i]), make([]byte, sizes[i])
		err, refErr := d.decode(got, src), ref.decode(want, src)
		if (err == nil) != (refErr == nil) {
			return fmt.Sprintf("block %d: err = %v, reference err = %v", i, err, refErr)
		}
		if err != nil {
			return ""
		}
		if !bytes.Equal(got, want) {
			return fmt.Sprintf("block %d: output differs from the reference", i)
		}
	}
	return ""
}

// TestLZXMatchesReference decodes every LZX folder of the corpus (and the
// cabinet named by $MSIKIT_BENCH_CAB, if any) with the decoder and the
// reference, block by block.
func TestLZXMatchesReference(t *testing.T) {
	var cabs []embeddedCab
	for _, pkg := range corpusPackages(t) {
		cabs = append(cabs, packageCabs(t, pkg)...)
	}
	if name := os.Getenv("MSIKIT_BENCH_CAB"); name != "" {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		cabs = append(cabs, embeddedCab{pkg: name, name: filepath.Base(name), data: data})
	}
	folders := 0
	for _, c := range cabs {
		r, err := NewReader(bytes.NewReader(c.data), int64(len(c.data)))
		if err != nil {
			continue
		}
		for i, fo := range r.Folders {
			if fo.Method.Kind() != LZX || fo.contPrev || fo.contNext {
				continue
			}
			// Collect the folder's blocks through the reader's own parsing.
			fr, err := fo.openAt()
			if err != nil {
				continue
			}
			var sizes []int
			var blocks [][]byte
			for fr.block < fo.NumBlocks {
				fr.src = nil
				n, err := fr.readBlock()
				if err != nil {
					break
				}
				sizes = append(sizes, n)
				blocks = append(blocks, bytes.Clone(fr.src))
			}
			if msg := lzxDiff(fo.Method.WindowBits(), sizes, blocks); msg != "" {
				t.Errorf("%s %s folder %d: %s", filepath.Base(c.pkg), c.name, i, msg)
			}
			folders++
		}
	}
	t.Logf("%d LZX folders decoded identically", folders)
}
