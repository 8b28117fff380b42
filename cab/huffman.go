package cab

// huffman is a canonical Huffman decoding table for LZX: codes are
// assigned in order of length, then symbol, and read most significant bit
// first. Codes up to tableBits long decode with one lookup; longer ones
// (rare) by walking the per-length counts.
type huffman struct {
	tableBits uint
	table     []uint16 // sym<<5 | length; huffLong = longer code or no code
	count     [maxCodeLen + 1]uint16
	sorted    []uint16 // symbols ordered by (length, symbol)
	empty     bool     // no codes at all

	// The first canonical code longer than tableBits and its index in
	// sorted: where decodeSlow starts (no shorter code can match there).
	longFirst, longIndex int
}

const maxCodeLen = 16

// huffLong marks a table entry whose code is longer than the table (or
// missing): decode it with decodeSlow. No real entry has this value.
const huffLong = 0xffff

// newHuffman returns a code of up to numSyms symbols with a lookup table
// of tableBits bits: table, if not nil (it must have 1<<tableBits
// entries), or a new one.
func newHuffman(numSyms int, tableBits uint, table []uint16) *huffman {
	if table == nil {
		table = make([]uint16, 1<<tableBits)
	}
	return &huffman{
		tableBits: tableBits,
		table:     table,
		sorted:    make([]uint16, 0, numSyms),
	}
}

// build prepares the table from code lengths (0 = unused symbol). An
// over-subscribed set of lengths is an error; an incomplete one is
// accepted, and decoding a missing code then fails. A code with no table
// (LZX's main tree, whose table has entries of its own) only gets its
// counts and sorted symbols.
func (h *huffman) build(lens []uint8) error {
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
	first := 0
	for l := uint(1); l <= h.tableBits; l++ {
		first = (first + int(h.count[l])) << 1
	}
	h.longFirst, h.longIndex = first, int(offs[h.tableBits+1])
	for s, l := range lens {
		if l != 0 {
			h.sorted[offs[l]] = uint16(s)
			offs[l]++
		}
	}
	if h.table != nil {
		h.fill()
	}
	return nil
}

// fill fills h.table from the sorted symbols: canonical codes of up to
// tableBits bits, taken in order, fill a prefix of the table: each code
// of length l takes the next 1<<(tableBits-l) entries. The rest belong to
// longer codes (or none).
func (h *huffman) fill() {
	t := h.table
	tb := h.tableBits
	fill, idx := 0, 0
	for l := uint(1); l <= tb; l++ {
		step := 1 << (tb - l)
		for range h.count[l] {
			e := h.sorted[idx]<<5 | uint16(l)
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
		rest[j] = huffLong
	}
}

// decodeSlow decodes a code longer than tableBits (or a missing one) from
// the next 16 bits of input v, returning the symbol and its length, or
// length 0 if no code matches. Codes up to tableBits long are in the
// table, so the walk starts past them.
func (h *huffman) decodeSlow(v uint32) (sym uint16, n uint) {
	first, index := h.longFirst, h.longIndex
	for l := h.tableBits + 1; l <= maxCodeLen; l++ {
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
