package cab

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// Quantum decompression (CAB compression method 2).
//
// Quantum, by David Stafford (Cinematronics), is LZ77 with an adaptive
// arithmetic coder. This is an independent implementation written from the
// published description of the format; the facts it relies on are:
//
//   - The compressed stream is read most significant bit first, byte by
//     byte. The arithmetic decoder keeps three 16-bit registers: H (high),
//     L (low) and C (the code value, the next 16 bits of input). Each CAB
//     data block is one Quantum frame of at most 32 KiB of output: at its
//     start H = 0xFFFF, L = 0 and C takes the block's first 16 bits. The
//     models and the history window are not reset between blocks.
//   - A model is a list of (symbol, cumulative frequency) entries kept in
//     decreasing cumulative order, with a final entry of frequency 0. A new
//     model over n symbols lists them in symbol order with cumulative
//     frequencies n, n-1, ..., 1, 0.
//   - Decoding a symbol with total T = cum[0] and range R = H-L+1 finds the
//     first index i >= 1 with cum[i] <= ((C-L+1)*T-1)/R; the symbol is entry
//     i-1, the new interval is H = L + cum[i-1]*R/T - 1, L = L + cum[i]*R/T.
//     Then 8 is added to cum[0..i-1], and when cum[0] exceeds 3800 the model
//     is rescaled (below). Then the coder renormalises: while the top bits of
//     H and L agree, or L = 01... and H = 10... (underflow: flip bit 14 of C,
//     clear it in L, set it in H), shift H, L and C left by one, feeding 1
//     into H and the next input bit into C.
//   - Rescaling: a model starts with a countdown of 4. On each rescale the
//     countdown drops; while it has not reached zero the cumulative
//     frequencies are halved from the last entry to the first, each kept at
//     least one above its successor. When it reaches zero it restarts at 50,
//     the entries become frequencies (f = (cum[i]-cum[i+1]+1)/2), are put in
//     decreasing frequency order by an exchange selection sort (for each i,
//     swap with every later j whose frequency is larger), and are summed
//     back into cumulative frequencies.
//   - Seven models: four literal models of 64 symbols each (bytes 0x00-0x3F,
//     0x40-0x7F, 0x80-0xBF, 0xC0-0xFF); position-slot models for matches of
//     length 3 (min(2*windowBits, 24) slots), length 4 (min(2*windowBits,
//     36) slots) and length 5 and more (2*windowBits slots); a length-slot
//     model of 27 slots; and the selector model of 7 symbols.
//   - The selector picks the literal model (0-3) or a match kind: 4 is a
//     match of length 3, 5 of length 4, 6 a longer match whose length slot
//     (plus raw extra bits) comes first, giving length base+extra+5. For
//     every match the position slot and its raw extra bits give the offset
//     base+extra+1 back from the current position. Raw extra bits are taken
//     from the same bit stream, after the bits the coder has already read.
//   - A frame ends with at least two zero bits after the 16 the decoder
//     has read ahead, then zero bits to the next byte, the block's last:
//     every block of the corpus's real Quantum cabinet leaves 2 to 9 such
//     bits, and 7-Zip refuses a block that ends otherwise. This decoder
//     does not check the end (what follows the last symbol cannot change
//     the output); cab's tests have 7-Zip decode the test encoder's
//     blocks, which end that way.
//
// The arithmetic decoder itself cannot fail: any input bits decode to some
// symbol. Corruption shows up as a match reaching before the first byte of
// the folder (or further back than the window), a match running past the
// end of the block, or a block that needs more input than it has; each is
// a *FormatError, and the decoder then refuses the rest of the folder.
// Blocks are bounded by their declared size (at most 32 KiB), so a block
// costs O(32 KiB) work whatever its content, and the only allocation is the
// window (at most 2 MiB) when the folder is opened.

// quantumFrameSize is the most output one Quantum frame (one CAB block) holds.
const quantumFrameSize = 32768

// Quantum window sizes allowed by CAB: 2^10 .. 2^21 bytes.
const (
	quantumMinWindowBits = 10
	quantumMaxWindowBits = 21
)

// quantumMaxOverread is how many bytes past the end of a block the
// arithmetic decoder may look ahead before the block counts as truncated.
// The encoder pads each block so that the decoder's 16-bit look-ahead stays
// inside it; the allowance only forgives a final block without padding.
// Past the block the decoder sees 0xFF (the byte a CAB reader conventionally
// appends after each Quantum block) and then zeros.
const quantumMaxOverread = 4

// Position slots: offset = quantumPosBase[slot] + extra + 1, with
// quantumPosExtra[slot] raw extra bits. Slots 0-3 are single offsets; from
// slot 4 on, slots come in pairs with (slot/2 - 1) extra bits each.
var (
	quantumPosBase  [2 * quantumMaxWindowBits]uint32
	quantumPosExtra [2 * quantumMaxWindowBits]uint8
)

// Length slots for selector 6: length = quantumLenBase[slot] + extra + 5.
// Slots 0-5 are single lengths, then four slots for each extra-bit count
// 1..5, and a last slot with no extra bits.
var (
	quantumLenBase  [27]uint16
	quantumLenExtra [27]uint8
)

func init() {
	base := uint32(0)
	for s := range quantumPosBase {
		extra := 0
		if s >= 4 {
			extra = s/2 - 1
		}
		quantumPosBase[s], quantumPosExtra[s] = base, uint8(extra)
		base += 1 << extra
	}
	lbase := uint16(0)
	for s := range quantumLenBase {
		extra := 0
		if s >= 6 && s < 26 {
			extra = (s-6)/4 + 1
		}
		quantumLenBase[s], quantumLenExtra[s] = lbase, uint8(extra)
		lbase += 1 << extra
	}
}

// quantumModel is one adaptive model. Entries 0..n-1 hold symbols in
// decreasing cumulative-frequency order; entry n is the sentinel with
// cumulative frequency 0.
type quantumModel struct {
	n         int
	countdown int // rescales left before the next full rebuild
	sym       [65]uint16
	cum       [65]uint16
	freqs     [64]uint16 // scratch for the rebuild
}

// quantumTotalLimit is the total (cum[0]) past which a model is rescaled.
const quantumTotalLimit = 3800

func (m *quantumModel) init(first, n int) {
	m.n = n
	m.countdown = 4
	for i := 0; i <= n; i++ {
		m.sym[i] = uint16(first + i)
		m.cum[i] = uint16(n - i)
	}
}

// update records that the symbol at entry i-1 was coded: every cumulative
// frequency up to it grows by 8, and the model is rescaled once the total
// passes its limit.
func (m *quantumModel) update(i int) {
	c := m.cum[:i]
	for j := range c {
		c[j] += 8
	}
	if m.cum[0] > quantumTotalLimit {
		m.rescale()
	}
}

// rescale shrinks the model's frequencies once cum[0] has passed the limit.
func (m *quantumModel) rescale() {
	n := m.n
	m.countdown--
	if m.countdown > 0 {
		for i := n - 1; i >= 0; i-- {
			c := m.cum[i] >> 1
			if c <= m.cum[i+1] {
				c = m.cum[i+1] + 1
			}
			m.cum[i] = c
		}
		return
	}
	m.countdown = 50
	f := m.freqs[:n]
	for i := range f {
		f[i] = (m.cum[i] - m.cum[i+1] + 1) >> 1
	}
	// Exchange selection sort into decreasing frequency. Its exact
	// (unstable) order of equal frequencies is part of the format.
	for i := 0; i < n-1; i++ {
		for j := i + 1; j < n; j++ {
			if f[i] < f[j] {
				f[i], f[j] = f[j], f[i]
				m.sym[i], m.sym[j] = m.sym[j], m.sym[i]
			}
		}
	}
	var sum uint16
	for i := n - 1; i >= 0; i-- {
		sum += f[i]
		m.cum[i] = sum
	}
}

// quantumDecompressor decodes the Quantum blocks of one CAB folder.
type quantumDecompressor struct {
	// Arithmetic coder registers (16-bit values held in uint32).
	h, l, c uint32

	// Bit input over the current block.
	src     []byte
	pos     int    // next byte of src to load
	bitbuf  uint64 // pending bits, most significant first
	nbits   uint   // number of valid bits in bitbuf
	overrun int    // bytes supplied past the end of src

	err error // first error; the folder cannot be decoded past it

	nsym int // symbols the last decode call decoded (symbols)

	// History window (a ring of 1<<windowBits bytes).
	window []byte
	wmask  int
	wpos   int
	filled int // bytes of the window holding output (<= len(window))

	literal  [4]quantumModel
	match    [3]quantumModel // position slots for selectors 4, 5, 6
	length   quantumModel    // length slots for selector 6
	selector quantumModel
}

// newQuantumDecompressor returns a decoder for a Quantum folder. level (the
// compression level, 1-7) does not affect decoding; windowBits must be
// 10..21.
func newQuantumDecompressor(level, windowBits int) (decompressor, error) {
	_ = level
	if windowBits < quantumMinWindowBits || windowBits > quantumMaxWindowBits {
		return nil, formatErr(-1, fmt.Sprintf("Quantum: window size 2^%d outside 2^10..2^21", windowBits), nil)
	}
	// The window has room for the largest size, so that a decoder serves
	// a later folder of any window size (reset): a cabinet of thousands of
	// Quantum folders, whatever their sizes, allocates and zeroes a few
	// windows in all, not one per folder (30,000 folders of 2 MiB windows
	// took 13 s).
	d := &quantumDecompressor{window: make([]byte, 1<<quantumMaxWindowBits)}
	d.init(windowBits)
	return d, nil
}

// reset prepares d for a new folder of the Quantum method, keeping its
// window: the window's old contents are never read, since a match may not
// reach before the start of the folder's data (decode checks every
// offset against the bytes filled).
func (d *quantumDecompressor) reset(method uint16) {
	windowBits := int(method>>8) & 0x1f
	*d = quantumDecompressor{window: d.window[:cap(d.window)]}
	d.init(windowBits)
}

// init sets the window size (windowBits, checked by the caller) and the
// models for the start of a folder.
func (d *quantumDecompressor) init(windowBits int) {
	d.window = d.window[:1<<windowBits]
	d.wmask = 1<<windowBits - 1
	for i := range d.literal {
		d.literal[i].init(64*i, 64)
	}
	slots := 2 * windowBits
	d.match[0].init(0, min(slots, 24))
	d.match[1].init(0, min(slots, 36))
	d.match[2].init(0, slots)
	d.length.init(0, 27)
	d.selector.init(0, 7)
}

// fill tops up bitbuf to at least 57 bits, feeding the post-block bytes
// (0xFF, then zeros) once src is exhausted.
func (d *quantumDecompressor) fill() {
	if d.pos+8 <= len(d.src) {
		// Load 8 bytes at once; the bits below nbits that belong to a
		// byte not yet counted are that byte's own bits, so loading it
		// again later ORs in the same values.
		v := binary.BigEndian.Uint64(d.src[d.pos:])
		d.bitbuf |= v >> d.nbits
		k := (63 - d.nbits) >> 3
		d.pos += int(k)
		d.nbits += k << 3
		return
	}
	for d.nbits <= 56 {
		var b byte
		if d.pos < len(d.src) {
			b = d.src[d.pos]
			d.pos++
		} else {
			if d.overrun == 0 {
				b = 0xFF
			}
			d.overrun++
		}
		d.bitbuf |= uint64(b) << (56 - d.nbits)
		d.nbits += 8
	}
}

// bits takes n (<= 32) raw bits from the input; n = 0 gives 0.
func (d *quantumDecompressor) bits(n uint) uint32 {
	if d.nbits < n {
		d.fill()
	}
	v := uint32(d.bitbuf >> (64 - n)) // a shift by 64 gives 0
	d.bitbuf <<= n
	d.nbits -= n
	return v
}

// consumedOverrun reports how many bytes past the end of src the decoder
// has actually consumed (bits loaded but not yet taken do not count).
func (d *quantumDecompressor) consumedOverrun() int {
	over := d.overrun - int(d.nbits/8)
	return max(over, 0)
}

// decodeSymbol decodes one symbol with model m and updates m and the coder.
func (d *quantumDecompressor) decodeSymbol(m *quantumModel) int {
	h, l, c := d.h, d.l, d.c
	rng := h - l + 1
	total := uint32(m.cum[0])
	// c is always within [l, h]: the interval arithmetic below keeps it
	// there whatever the input bits are.
	target := ((c-l+1)*total - 1) / rng
	i := 1
	for uint32(m.cum[i]) > target {
		i++
	}
	sym := int(m.sym[i-1])
	h = l + uint32(m.cum[i-1])*rng/total - 1
	l = l + uint32(m.cum[i])*rng/total

	m.update(i)

	for {
		if x := (l ^ h) & 0xffff; x&0x8000 == 0 {
			// The top n bits of H and L agree: shift them all out.
			n := uint(bits.LeadingZeros16(uint16(x)))
			l = (l << n) & 0xffff
			h = (h<<n | (1<<n - 1)) & 0xffff
			c = (c<<n | d.bits(n)) & 0xffff
			continue
		}
		if l&0x4000 == 0 || h&0x4000 != 0 {
			break
		}
		// Underflow: L = 01..., H = 10...: drop the second bit.
		c ^= 0x4000
		l = (l & 0x3fff) << 1
		h = (h|0x4000)<<1&0xffff | 1
		c = (c<<1 | d.bits(1)) & 0xffff
	}
	d.h, d.l, d.c = h, l, c
	return sym
}

// symbols returns the symbols the last decode call decoded: a Limit
// counts them (QuantumSymbolCost each).
func (d *quantumDecompressor) symbols() int { return d.nsym }

// decode decompresses one CFDATA block (one Quantum frame). After an
// error every later call fails with the same error: the models and the
// window no longer match the encoder's.
func (d *quantumDecompressor) decode(dst, src []byte) error {
	d.nsym = 0
	if d.err == nil {
		d.err = d.decodeBlock(dst, src)
	}
	return d.err
}

// decodeBlock decodes one block into dst.
func (d *quantumDecompressor) decodeBlock(dst, src []byte) error {
	if len(dst) > quantumFrameSize {
		return formatErr(-1, "Quantum: block declares more than 32 KiB of output", nil)
	}
	if len(dst) == 0 {
		return nil
	}
	d.src, d.pos, d.bitbuf, d.nbits, d.overrun = src, 0, 0, 0, 0
	defer func() { d.src = nil }()

	d.h, d.l = 0xffff, 0
	d.c = d.bits(16)

	// Errors are sticky (see decode), so the window state need not be
	// saved on the error paths.
	window, wmask := d.window, d.wmask
	wpos, filled := d.wpos, d.filled
	out, nsym := 0, 0
	defer func() { d.nsym = nsym }()
	for out < len(dst) {
		nsym += 2 // the selector, and a literal or a match's first symbol
		if sel := d.decodeSymbol(&d.selector); sel < 4 {
			b := byte(d.decodeSymbol(&d.literal[sel]))
			dst[out] = b
			out++
			window[wpos] = b
			wpos = (wpos + 1) & wmask
		} else {
			var length, slot int
			switch sel {
			case 4:
				length = 3
				slot = d.decodeSymbol(&d.match[0])
			case 5:
				length = 4
				slot = d.decodeSymbol(&d.match[1])
			default: // 6
				nsym++
				ls := d.decodeSymbol(&d.length)
				length = int(quantumLenBase[ls]) + int(d.bits(uint(quantumLenExtra[ls]))) + 5
				slot = d.decodeSymbol(&d.match[2])
			}
			offset := int(quantumPosBase[slot]) + int(d.bits(uint(quantumPosExtra[slot]))) + 1
			if avail := min(filled+out, len(window)); offset > avail {
				return formatErr(-1, fmt.Sprintf("Quantum: match offset %d reaches before the start of the data (%d bytes available)", offset, avail), nil)
			}
			if length > len(dst)-out {
				return formatErr(-1, fmt.Sprintf("Quantum: match of %d bytes runs past the end of the block (%d bytes left)", length, len(dst)-out), nil)
			}
			from := (wpos - offset) & wmask
			for k := range dst[out : out+length] {
				b := window[from]
				from = (from + 1) & wmask
				window[wpos] = b
				wpos = (wpos + 1) & wmask
				dst[out+k] = b
			}
			out += length
		}
		// Decoding bits that are not there: the block is truncated.
		if d.overrun > quantumMaxOverread && d.consumedOverrun() > quantumMaxOverread {
			return formatErr(-1, fmt.Sprintf("Quantum: compressed block truncated (%d of %d output bytes decoded)", out, len(dst)), nil)
		}
	}
	d.wpos, d.filled = wpos, min(filled+out, len(window))
	return nil
}
