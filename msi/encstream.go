package msi

import (
	"encoding/binary"
	"io"
	"slices"
)

// The writer does not build the streams it encodes (tables, the string
// pool) in memory: each is a genReader that produces its bytes as the cfb
// writer copies them, from the table's cells and the pool, so that a
// write costs no second copy of the database.

// genBatch is about how many bytes a genReader produces at a time.
const genBatch = 32 << 10

// genReader is an io.ReaderAt over size bytes that a generator produces
// in order: start (re)starts it, and more appends the next bytes to dst
// (at least one byte while any are left; dst unchanged at the end). The
// cfb writer reads a stream once, from the start; a read at an offset
// before the last one starts the generator again. It is not safe for
// concurrent use.
type genReader struct {
	size  int64
	start func()
	more  func(dst []byte) []byte

	started bool
	pos     int64  // offset of pending[0]
	pending []byte // produced and not read yet
	buf     []byte
}

func (g *genReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, io.ErrUnexpectedEOF
	}
	if !g.started || off < g.pos {
		g.start()
		g.started, g.pos, g.pending = true, 0, nil
	}
	n := 0
	for n < len(p) && off+int64(n) < g.size {
		if len(g.pending) == 0 {
			g.buf = g.more(g.buf[:0])
			if len(g.buf) == 0 {
				break
			}
			g.pending = g.buf
		}
		if at := off + int64(n); g.pos < at { // skip to off
			k := min(int64(len(g.pending)), at-g.pos)
			g.pending = g.pending[k:]
			g.pos += k
			continue
		}
		k := copy(p[n:min(len(p), int(g.size-off))], g.pending)
		g.pending = g.pending[k:]
		g.pos += int64(k)
		n += k
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// readAll returns all the bytes of g (for tests and small streams).
func (g *genReader) readAll() []byte {
	b := make([]byte, g.size)
	n, _ := g.ReadAt(b, 0)
	return b[:n]
}

// tableStream encodes row-major cells column-major: rows in the order
// order gives (stored order when nil), string ids mapped by remap when it
// is not nil.
func tableStream(cols []Column, refSize int, cells []uint32, nrows int, order []uint32, remap []uint32) *genReader {
	ncols := len(cols)
	var ci, r int // next cell: column ci of the r-th row written
	return &genReader{
		size:  int64(rowWidth(cols, refSize)) * int64(nrows),
		start: func() { ci, r = 0, 0 },
		more: func(dst []byte) []byte {
			for ci < ncols && len(dst) < genBatch {
				cw := cols[ci].width(refSize)
				m := remap
				if cols[ci].Type != ColString {
					m = nil
				}
				end := min(nrows, r+(genBatch-len(dst))/cw+1)
				for ; r < end; r++ {
					row := r
					if order != nil {
						row = int(order[r])
					}
					v := cells[row*ncols+ci]
					if m != nil {
						v = m[v]
					}
					switch cw {
					case 2:
						dst = binary.LittleEndian.AppendUint16(dst, uint16(v))
					case 3:
						dst = append(dst, byte(v), byte(v>>8), byte(v>>16))
					case 4:
						dst = binary.LittleEndian.AppendUint32(dst, v)
					}
				}
				if r == nrows {
					ci, r = ci+1, 0
				}
			}
			return dst
		},
	}
}

// encodeTable writes row-major cells column-major. remap, when non-nil,
// maps string ids of the in-memory pool to the ids written.
func encodeTable(cols []Column, refSize int, cells []uint32, nrows int, remap []uint32) []byte {
	return tableStream(cols, refSize, cells, nrows, nil, remap).readAll()
}

// sortOrder returns the order msiexec requires rows to be stored in: by
// the key columns in order, each compared as its stored unsigned value
// (string keys by string-pool id, integers by their biased encoding,
// which is numeric order), keeping the stored order of equal keys. It
// returns nil when the rows are in that order already. remap maps
// in-memory string ids to written ids.
func sortOrder(cols []Column, keys []int, cells []uint32, nrows int, remap []uint32) []uint32 {
	ncols := len(cols)
	if nrows < 2 || ncols == 0 || len(keys) == 0 {
		return nil
	}
	keyOf := func(r, k int) uint32 {
		v := cells[r*ncols+k]
		if cols[k].Type == ColString && remap != nil {
			v = remap[v]
		}
		return v
	}
	compare := func(a, b int) int {
		for _, k := range keys {
			x, y := keyOf(a, k), keyOf(b, k)
			if x != y {
				if x < y {
					return -1
				}
				return 1
			}
		}
		return 0
	}
	inOrder := true
	for r := 1; r < nrows && inOrder; r++ {
		inOrder = compare(r-1, r) <= 0
	}
	if inOrder {
		return nil
	}
	order := make([]uint32, nrows)
	if len(keys) == 1 {
		// One key: sort key<<32|row, which keeps equal keys in stored order.
		ks := make([]uint64, nrows)
		for r := range ks {
			ks[r] = uint64(keyOf(r, keys[0]))<<32 | uint64(r)
		}
		slices.Sort(ks)
		for i, k := range ks {
			order[i] = uint32(k)
		}
		return order
	}
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortStableFunc(order, func(a, b uint32) int { return compare(int(a), int(b)) })
	return order
}

// sortRows returns row-major cells in the order sortOrder gives.
func sortRows(cols []Column, keys []int, cells []uint32, nrows int, remap []uint32) []uint32 {
	order := sortOrder(cols, keys, cells, nrows, remap)
	if order == nil {
		return cells
	}
	ncols := len(cols)
	out := make([]uint32, 0, len(cells))
	for _, r := range order {
		out = append(out, cells[int(r)*ncols:int(r+1)*ncols]...)
	}
	return out
}

// poolOut describes the string pool a write produces: output id i (0 <
// i < n) is the string remap maps to i, taken in order of pool ids, except
// that output ids below srcSlots are the source ids themselves (free
// slots when the string is not kept).
type poolOut struct {
	p        *stringPool
	remap    []uint32
	refs     []uint16 // references by pool id (saturated at 0xffff)
	srcSlots int
	n        int   // output ids, id 0 included
	nLong    int   // strings of 64 KiB or more (8-byte entries)
	data     int64 // bytes of _StringData
	long     bool
}

// cursor returns a function that yields the pool id of each output id in
// turn (0 for a free slot), and false after the last.
func (o *poolOut) cursor() func() (uint32, bool) {
	next, id := 1, 1
	return func() (uint32, bool) {
		if next >= o.n {
			return 0, false
		}
		if next < o.srcSlots {
			j := uint32(next)
			next++
			id = next
			if o.remap[j] == j {
				return j, true
			}
			return 0, true
		}
		for o.remap[id] != uint32(next) {
			id++
		}
		next++
		id++
		return uint32(id - 1), true
	}
}

// streams returns generators of _StringPool and _StringData.
func (o *poolOut) streams() (pool, data *genReader) {
	p := o.p
	var poolNext, dataNext func() (uint32, bool)
	var header bool
	pool = &genReader{
		size:  4 * int64(o.n+o.nLong),
		start: func() { poolNext, header = o.cursor(), false },
		more: func(dst []byte) []byte {
			if !header {
				header = true
				dst = binary.LittleEndian.AppendUint32(dst, poolHeader(p.codec.cp, o.long))
			}
			for len(dst) < genBatch {
				id, ok := poolNext()
				if !ok {
					break
				}
				r := uint32(o.refs[id])
				if r == 0 && int(id) < p.nsrc {
					r = uint32(p.refs[id]) // kept unreferenced: as stored
				}
				dst = appendPoolEntry(dst, len(p.raw(id)), r)
			}
			return dst
		},
	}
	data = &genReader{
		size:  o.data,
		start: func() { dataNext = o.cursor() },
		more: func(dst []byte) []byte {
			for len(dst) < genBatch {
				id, ok := dataNext()
				if !ok {
					break
				}
				dst = append(dst, p.raw(id)...)
			}
			return dst
		},
	}
	return pool, data
}
