package cab

import (
	"encoding/binary"
	"math/bits"
	"sync"
)

// A raw deflate (RFC 1951) decoder for MSZIP blocks, written for this
// package's shape of the problem: the whole compressed block and its output
// buffer are in memory, the history is the previous 32 KiB of output, and
// the output size is known. It decodes straight into a window buffer with
// table-driven Huffman decoding, which is markedly faster than going
// through compress/flate's streaming reader for 32 KiB blocks.

const (
	inflateLitBits  = 11 // first-level table bits for literal/length codes
	inflateDistBits = 8  // and for distance codes
	inflateMaxBits  = 15

	// inflateSlack is the room inflate needs in out after the declared
	// output: matches are copied 16 bytes at a time and may spill up to 15
	// bytes past their end (the spill is overwritten or ignored).
	inflateSlack = 16
)

// inflateHuff is a canonical Huffman code for deflate: codes are read from
// the low bits of the stream, most significant code bit first, so the
// table is indexed by the next tableBits stream bits (bit-reversed codes).
type inflateHuff struct {
	tableBits uint
	table     []uint32 // sym<<8 | length; 0 = longer code or none
	count     [inflateMaxBits + 1]uint16
	sorted    []uint16
}

func newInflateHuff(tableBits uint, maxSyms int) *inflateHuff {
	return &inflateHuff{tableBits: tableBits, table: make([]uint32, 1<<tableBits), sorted: make([]uint16, 0, maxSyms)}
}

// build prepares the code from lengths. Over-subscribed codes are errors;
// incomplete ones are accepted (decoding a missing code fails).
func (h *inflateHuff) build(lens []uint8) error {
	h.count = [inflateMaxBits + 1]uint16{}
	for _, l := range lens {
		h.count[l]++
	}
	h.count[0] = 0
	left := 1
	for l := 1; l <= inflateMaxBits; l++ {
		left = left<<1 - int(h.count[l])
		if left < 0 {
			return formatErr(-1, "mszip: over-subscribed Huffman code", nil)
		}
	}
	var offs [inflateMaxBits + 2]uint16
	for l := 1; l <= inflateMaxBits; l++ {
		offs[l+1] = offs[l] + h.count[l]
	}
	h.sorted = h.sorted[:offs[inflateMaxBits+1]]
	for s, l := range lens {
		if l != 0 {
			h.sorted[offs[l]] = uint16(s)
			offs[l]++
		}
	}
	clear(h.table)
	tb := h.tableBits
	code, idx := 0, 0
	for l := uint(1); l <= tb; l++ {
		for i := 0; i < int(h.count[l]); i++ {
			e := uint32(h.sorted[idx])<<8 | uint32(l)
			idx++
			// Reverse the l-bit code: the stream delivers it low bit first.
			r := int(bits.Reverse16(uint16(code)) >> (16 - l))
			for j := r; j < 1<<tb; j += 1 << l {
				h.table[j] = e
			}
			code++
		}
		code <<= 1
	}
	return nil
}

// decodeSlow decodes a code longer than tableBits bit by bit from v (the
// next stream bits, low bit first). It returns length 0 when no code
// matches.
func (h *inflateHuff) decodeSlow(v uint64) (sym uint16, n uint) {
	code, first, index := 0, 0, 0
	for l := uint(1); l <= inflateMaxBits; l++ {
		code |= int(v & 1)
		v >>= 1
		cnt := int(h.count[l])
		if code-first < cnt {
			return h.sorted[index+code-first], l
		}
		index += cnt
		first = (first + cnt) << 1
		code <<= 1
	}
	return 0, 0
}

var (
	inflateLenBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	inflateLenExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	inflateDistBase = [30]uint32{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	inflateDistExtr = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	inflateClOrder  = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

	fixedOnce          sync.Once
	fixedLit, fixedDst *inflateHuff
)

func fixedTables() (*inflateHuff, *inflateHuff) {
	fixedOnce.Do(func() {
		var lens [288]uint8
		for i := range lens {
			switch {
			case i < 144:
				lens[i] = 8
			case i < 256:
				lens[i] = 9
			case i < 280:
				lens[i] = 7
			default:
				lens[i] = 8
			}
		}
		fixedLit = newInflateHuff(inflateLitBits, 288)
		fixedLit.build(lens[:])
		var d [30]uint8
		for i := range d {
			d[i] = 5
		}
		fixedDst = newInflateHuff(inflateDistBits, 30)
		fixedDst.build(d[:])
	})
	return fixedLit, fixedDst
}

// inflRefill tops the bit buffer (low bits first) up to more than 56 bits,
// supplying zeros past the end of src; callers check for overrun. Bits
// above nb may already hold the following stream bytes, which a later
// refill ORs in again unchanged.
func inflRefill(src []byte, ip int, bits uint64, nb uint) (int, uint64, uint) {
	if ip+8 <= len(src) {
		w := binary.LittleEndian.Uint64(src[ip:])
		bits |= w << nb
		k := (63 - nb) >> 3
		return ip + int(k), bits, nb + k<<3
	}
	for nb <= 56 {
		var b uint64
		if ip < len(src) {
			b = uint64(src[ip])
		}
		ip++
		bits |= b << nb
		nb += 8
	}
	return ip, bits, nb
}

// inflater decodes raw deflate streams into buf after a history prefix.
type inflater struct {
	lit, dist, cl *inflateHuff
	lens          [288 + 32]uint8
	blocks        int // block headers read by the last inflate call
}

func newInflater() *inflater {
	return &inflater{
		lit:  newInflateHuff(inflateLitBits, 288),
		dist: newInflateHuff(inflateDistBits, 32),
		cl:   newInflateHuff(7, 19),
	}
}

var (
	errInflateTrunc = formatErr(-1, "mszip: deflate stream ends early", nil)
	errInflateLong  = formatErr(-1, "mszip: block decodes to more bytes than declared", nil)
)

// inflate decodes the complete deflate stream src into out[start:start+n],
// where out[:start] is the history; it fails unless the stream ends (final
// block) exactly after n bytes. out must have inflateSlack bytes of room
// after start+n.
func (f *inflater) inflate(out []byte, start, n int, src []byte) error {
	var bits uint64
	var nb uint
	ip := 0
	pos := start
	end := start + n
	if len(out) < end+inflateSlack {
		return formatErr(-1, "mszip: output buffer without slack", nil)
	}
	overrun := func(ip int, nb uint) bool { return int64(ip)*8-int64(nb) > int64(len(src))*8 }
	errTrunc := errInflateTrunc
	f.blocks = 0
	for {
		f.blocks++
		if nb < 3 {
			ip, bits, nb = inflRefill(src, ip, bits, nb)
		}
		final := bits&1 != 0
		typ := bits >> 1 & 3
		bits >>= 3
		nb -= 3
		switch typ {
		case 0: // stored
			k := nb & 7
			bits >>= k
			nb -= k
			if nb < 32 {
				ip, bits, nb = inflRefill(src, ip, bits, nb)
			}
			ln := int(bits & 0xffff)
			nln := int(bits >> 16 & 0xffff)
			nb -= 32 // bits is reset below
			if ln != ^nln&0xffff {
				return formatErr(-1, "mszip: stored block length check fails", nil)
			}
			// Rewind the byte position to the unused bits.
			ip -= int(nb >> 3)
			bits, nb = 0, 0
			if ip < 0 || ip+ln > len(src) {
				return errTrunc
			}
			if ln > end-pos {
				return formatErr(-1, "mszip: block decodes to more bytes than declared", nil)
			}
			copy(out[pos:], src[ip:ip+ln])
			pos += ln
			ip += ln
		case 1, 2:
			lit, dist := f.lit, f.dist
			if typ == 1 {
				lit, dist = fixedTables()
			} else {
				if nb < 14 {
					ip, bits, nb = inflRefill(src, ip, bits, nb)
				}
				hlit := int(bits&31) + 257
				hdist := int(bits>>5&31) + 1
				hclen := int(bits>>10&15) + 4
				bits >>= 14
				nb -= 14
				var cl [19]uint8
				for i := 0; i < hclen; i++ {
					if nb < 3 {
						ip, bits, nb = inflRefill(src, ip, bits, nb)
					}
					cl[inflateClOrder[i]] = uint8(bits & 7)
					bits >>= 3
					nb -= 3
				}
				if err := f.cl.build(cl[:]); err != nil {
					return err
				}
				lens := f.lens[:hlit+hdist]
				for i := 0; i < len(lens); {
					if nb < 16 {
						ip, bits, nb = inflRefill(src, ip, bits, nb)
					}
					e := f.cl.table[bits&(1<<f.cl.tableBits-1)]
					if e == 0 {
						return formatErr(-1, "mszip: invalid code-length code", nil)
					}
					l := uint(e & 0xff)
					bits >>= l
					nb -= l
					sym := int(e >> 8)
					switch {
					case sym < 16:
						lens[i] = uint8(sym)
						i++
					default:
						var rep int
						var v uint8
						switch sym {
						case 16:
							if i == 0 {
								return formatErr(-1, "mszip: repeat with no previous length", nil)
							}
							v = lens[i-1]
							rep = 3 + int(bits&3)
							bits >>= 2
							nb -= 2
						case 17:
							rep = 3 + int(bits&7)
							bits >>= 3
							nb -= 3
						default:
							rep = 11 + int(bits&127)
							bits >>= 7
							nb -= 7
						}
						if i+rep > len(lens) {
							return formatErr(-1, "mszip: code lengths overflow", nil)
						}
						for ; rep > 0; rep-- {
							lens[i] = v
							i++
						}
					}
					if overrun(ip, nb) {
						return errTrunc
					}
				}
				if lens[256] == 0 {
					return formatErr(-1, "mszip: no end-of-block code", nil)
				}
				if err := lit.build(lens[:hlit]); err != nil {
					return err
				}
				if err := dist.build(lens[hlit:]); err != nil {
					return err
				}
			}
			// Fixed-size views with constant masks: no bounds checks.
			litTab := (*[1 << inflateLitBits]uint32)(lit.table)
			dstTab := (*[1 << inflateDistBits]uint32)(dist.table)
			const litMask, dstMask = 1<<inflateLitBits - 1, 1<<inflateDistBits - 1
			for {
				if nb < 48 {
					ip, bits, nb = inflRefill(src, ip, bits, nb)
				}
				var sym int
				if e := litTab[bits&litMask]; e != 0 {
					l := uint(e & 0xff)
					bits >>= l
					nb -= l
					sym = int(e >> 8)
					if sym < 256 {
						// A literal; with 33+ bits left, another symbol
						// (codes are at most 15 bits) without a refill.
						if pos >= end {
							return errInflateLong
						}
						out[pos] = byte(sym)
						pos++
						e := litTab[bits&litMask]
						if e == 0 || e>>8 >= 256 {
							continue
						}
						l := uint(e & 0xff)
						bits >>= l
						nb -= l
						if pos >= end {
							return errInflateLong
						}
						out[pos] = byte(e >> 8)
						pos++
						continue
					}
				} else {
					s, l := lit.decodeSlow(bits)
					if l == 0 {
						return formatErr(-1, "mszip: invalid literal/length code", nil)
					}
					bits >>= l
					nb -= l
					sym = int(s)
					if sym < 256 {
						if pos >= end {
							return errInflateLong
						}
						out[pos] = byte(sym)
						pos++
						continue
					}
				}
				if sym == 256 {
					break
				}
				sym -= 257
				if sym >= 29 {
					return formatErr(-1, "mszip: invalid length symbol", nil)
				}
				length := int(inflateLenBase[sym])
				if x := uint(inflateLenExtra[sym]); x > 0 {
					length += int(bits & (1<<x - 1))
					bits >>= x
					nb -= x
				}
				var ds int
				if e := dstTab[bits&dstMask]; e != 0 {
					l := uint(e & 0xff)
					bits >>= l
					nb -= l
					ds = int(e >> 8)
				} else {
					s, l := dist.decodeSlow(bits)
					if l == 0 {
						return formatErr(-1, "mszip: invalid distance code", nil)
					}
					bits >>= l
					nb -= l
					ds = int(s)
				}
				if ds >= 30 {
					return formatErr(-1, "mszip: invalid distance symbol", nil)
				}
				distance := int(inflateDistBase[ds])
				if x := uint(inflateDistExtr[ds]); x > 0 {
					if nb < 13 {
						ip, bits, nb = inflRefill(src, ip, bits, nb)
					}
					distance += int(bits & (1<<x - 1))
					bits >>= x
					nb -= x
				}
				if distance > pos {
					return formatErr(-1, "mszip: distance reaches before the history", nil)
				}
				if length > end-pos {
					return errInflateLong
				}
				// Copy the match; the copy may spill up to 15 bytes past its
				// end, into the slack or bytes still to be decoded.
				sp := pos - distance
				if distance >= 16 {
					for i := 0; i < length; i += 16 {
						*(*[16]byte)(out[pos+i:]) = *(*[16]byte)(out[sp+i:])
					}
				} else if distance >= 8 {
					for i := 0; i < length; i += 8 {
						binary.LittleEndian.PutUint64(out[pos+i:], binary.LittleEndian.Uint64(out[sp+i:]))
					}
				} else {
					// Overlapping: repeat the pattern, doubling.
					w := out[sp : pos+length]
					for i := distance; i < len(w); {
						i += copy(w[i:], w[:i])
					}
				}
				pos += length
			}
			if overrun(ip, nb) {
				return errTrunc
			}
		default:
			return formatErr(-1, "mszip: invalid deflate block type 3", nil)
		}
		if overrun(ip, nb) {
			return errTrunc
		}
		if final {
			break
		}
	}
	if pos != end {
		return formatErr(-1, "mszip: block decodes to fewer bytes than declared", nil)
	}
	return nil
}
