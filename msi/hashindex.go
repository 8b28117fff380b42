package msi

import (
	"bytes"
	"hash/maphash"

	"github.com/msikit/msikit/internal/textmemo"
)

// hashIndex is a hash table of uint32 values (the ids of added strings,
// the rows of a table) whose keys live elsewhere: each slot holds a
// value and the top 32 bits of its key's hash, so that growing never
// looks at the keys and a lookup visits a key only when the whole 32
// bits match. Open addressing with linear probing, at most 3/4 full; the
// home slot of a hash is hash*len/2^32 (so slot order follows hash
// order, and growing reads the old slots and writes the new ones in
// order). A slot is 8 bytes; it grows by half.
type hashIndex struct {
	slots []uint64 // hash<<32 | value+1; 0 = empty
	n     int
	walks int // the probe sequences walked (find and add), for tests
}

// hash32 is the part of a 64-bit hash a hashIndex keeps.
func hash32(h uint64) uint32 { return uint32(h >> 32) }

func (x *hashIndex) home(h uint32) int { return int(uint64(h) * uint64(len(x.slots)) >> 32) }

// next returns the slot after i.
func (x *hashIndex) next(i int) int {
	if i++; i == len(x.slots) {
		return 0
	}
	return i
}

// insert adds value v with hash h (v not present yet).
func (x *hashIndex) insert(h uint32, v uint32) {
	if (x.n+1)*4 > len(x.slots)*3 {
		x.grow()
	}
	x.put(uint64(h)<<32 | uint64(v) + 1)
	x.n++
}

func (x *hashIndex) put(s uint64) {
	i := x.home(uint32(s >> 32))
	for x.slots[i] != 0 {
		i = x.next(i)
	}
	x.slots[i] = s
}

func (x *hashIndex) grow() {
	old := x.slots
	x.slots = make([]uint64, max(1024, len(old)+len(old)/2))
	for _, s := range old {
		if s != 0 {
			x.put(s)
		}
	}
}

// add inserts value v with hash h unless a value for which eq is true is
// already there, which it returns instead. It walks the probe sequence
// once: a find then an insert walk it twice, and on a table of a million
// rows each walk starts with a cache miss.
func (x *hashIndex) add(h uint32, v uint32, eq func(v uint32) bool) (uint32, bool) {
	if (x.n+1)*4 > len(x.slots)*3 {
		x.grow()
	}
	x.walks++
	for i := x.home(h); ; i = x.next(i) {
		s := x.slots[i]
		if s == 0 {
			x.slots[i] = uint64(h)<<32 | uint64(v) + 1
			x.n++
			return v, true
		}
		if uint32(s>>32) == h && eq(uint32(s)-1) {
			return uint32(s) - 1, false
		}
	}
}

// remove deletes value v with hash h, moving later slots of its run back
// (no tombstones).
func (x *hashIndex) remove(h uint32, v uint32) {
	if x.n == 0 {
		return
	}
	want := uint64(h)<<32 | uint64(v) + 1
	i := x.home(h)
	for x.slots[i] != want {
		if x.slots[i] == 0 {
			return
		}
		i = x.next(i)
	}
	x.slots[i] = 0
	x.n--
	for j := x.next(i); x.slots[j] != 0; j = x.next(j) {
		k := x.home(uint32(x.slots[j] >> 32))
		// Leave the slot at j when its home is cyclically in (i, j].
		if i <= j && i < k && k <= j || i > j && (i < k || k <= j) {
			continue
		}
		x.slots[i], x.slots[j] = x.slots[j], 0
		i = j
	}
}

// A rowIndex finds a table's rows by primary key: a hashIndex of row
// numbers keyed by the key cells (string cells by their bytes, so that an
// added string equal to a source string matches it). It holds 8 bytes a
// slot and no copy of the keys.
//
// A key cell naming a long string (longKey bytes or more) is hashed once
// per string id, not once per row: a package can repeat one pooled 900 KB
// string as the key of a million rows (all duplicates, which ICE03
// reports), and hashing it per row would hash 900 GB. Likewise two ids
// holding equal long texts are compared once: same records, for each
// long id found equal to an earlier one, the first such id. An id's
// bytes never change (source strings are read-only, added strings are
// never moved), and the index is dropped when the pool is re-encoded.
//
// A long string of another database's pool looked up (mst.Diff and
// ApplyChanges look up every row of one database in the other) is hashed
// once per string too: foreign remembers its hash by its pool and id and,
// once it has matched a row's cell, that cell's id, which then stands for
// it (so 20,000 rows keyed by one 64 KiB text of another package hash and
// compare it once, not 20,000 times).
type rowIndex struct {
	hashIndex
	seed    maphash.Seed
	long    map[uint32]uint64 // hashes of long string cells, by id
	same    map[uint32]uint32 // long id -> the first id with equal text
	foreign map[foreignRef]*foreignPart
}

// foreignRef names a long string of another pool: its id there, and the
// number of times that pool was re-encoded (an id's bytes change only
// then).
type foreignRef struct {
	p       *stringPool
	id      uint32
	recodes int
}

// foreignPart is what a rowIndex knows of a foreign long string: its
// hash, and the id of a cell of the table found to hold the same bytes
// (0 until one is).
type foreignPart struct {
	hash  uint64
	local uint32
}

// longKey is the length from which a key string's hash is remembered by
// its id.
const longKey = textmemo.Min

func newRowIndex(nrows int) *rowIndex {
	x := &rowIndex{seed: maphash.MakeSeed()}
	x.slots = make([]uint64, max(1024, nrows+nrows/3+1))
	return x
}

// keyPart is one key cell of a row or of a lookup: the bytes of a string
// (and its id in the table's pool, or 0 when it has none) or the cell of
// another column.
type keyPart struct {
	raw  []byte
	id   uint32
	cell uint32
}

// mix adds the hash of one key part to h.
func mix(h, part uint64) uint64 { return (h ^ part) * 0x9e3779b97f4a7c15 }

// cellPart returns the hash of a key cell of a column that is not a
// string.
func (x *rowIndex) cellPart(cell uint32) uint64 { return maphash.Comparable(x.seed, cell) }

// strPart returns the hash of string id (0 for a string not in the pool)
// whose bytes are raw; a long string's hash is remembered by its id.
func (x *rowIndex) strPart(id uint32, raw []byte) uint64 {
	if id == 0 || len(raw) < longKey {
		return maphash.Bytes(x.seed, raw)
	}
	if h, ok := x.long[id]; ok {
		return h
	}
	h := maphash.Bytes(x.seed, raw)
	if x.long == nil {
		x.long = map[uint32]uint64{}
	}
	x.long[id] = h
	return h
}

// sameText reports whether strings a and b (ids in the table's pool,
// either 0 when not known) hold equal bytes ra and rb, comparing two
// long texts' bytes once per pair of ids.
func (x *rowIndex) sameText(a, b uint32, ra, rb []byte) bool {
	if a != 0 && a == b {
		return true
	}
	if len(ra) != len(rb) {
		return false
	}
	if len(ra) < longKey || a == 0 || b == 0 {
		return bytes.Equal(ra, rb)
	}
	ca, cb := x.first(a), x.first(b)
	if ca == cb {
		return true
	}
	if !bytes.Equal(ra, rb) {
		return false
	}
	if x.same == nil {
		x.same = map[uint32]uint32{}
	}
	c := min(ca, cb)
	x.same[a], x.same[b], x.same[ca], x.same[cb] = c, c, c, c
	return true
}

// first returns the first id known to hold the same long text as id.
func (x *rowIndex) first(id uint32) uint32 {
	for {
		c, ok := x.same[id]
		if !ok || c == id {
			return id
		}
		id = c
	}
}

// rowHash returns the hash of a row's key cells.
func (t *Table) rowHash(cells []uint32) uint32 {
	var h uint64
	for _, k := range t.keys {
		if t.cols[k].Type == ColString {
			h = mix(h, t.index.strPart(cells[k], t.pool.raw(cells[k])))
		} else {
			h = mix(h, t.index.cellPart(cells[k]))
		}
	}
	return hash32(h)
}

// sameKey reports whether two rows' key cells hold equal values.
func (t *Table) sameKey(a, b []uint32) bool {
	for _, k := range t.keys {
		if a[k] == b[k] {
			continue
		}
		if t.cols[k].Type != ColString || !t.index.sameText(a[k], b[k], t.pool.raw(a[k]), t.pool.raw(b[k])) {
			return false
		}
	}
	return true
}

// find returns the value with hash h for which eq is true.
func (x *hashIndex) find(h uint32, eq func(v uint32) bool) (uint32, bool) {
	if x.n == 0 {
		return 0, false
	}
	x.walks++
	for i := x.home(h); ; i = x.next(i) {
		s := x.slots[i]
		if s == 0 {
			return 0, false
		}
		if uint32(s>>32) == h && eq(uint32(s)-1) {
			return uint32(s) - 1, true
		}
	}
}

// findRow returns the indexed row whose key cells equal those of cells
// (a row of t or not), whose hash is h.
func (t *Table) findRow(h uint32, cells []uint32) (int, bool) {
	n := len(t.cols)
	r, ok := t.index.find(h, func(r uint32) bool {
		return t.sameKey(t.cells[int(r)*n:int(r+1)*n], cells)
	})
	return int(r), ok
}

// addRow indexes row r, whose cells are cells and whose hash is h, unless
// an indexed row has its key: it returns that row and false.
func (t *Table) addRow(h uint32, r int, cells []uint32) (int, bool) {
	n := len(t.cols)
	f, added := t.index.add(h, uint32(r), func(r uint32) bool {
		return t.sameKey(t.cells[int(r)*n:int(r+1)*n], cells)
	})
	return int(f), added
}

// buildIndex indexes the rows by key (the first of rows with equal keys).
func (t *Table) buildIndex() {
	if t.index != nil {
		return
	}
	if len(t.keys) == 0 {
		t.index = newRowIndex(0)
		return
	}
	t.index = newRowIndex(t.nrows)
	n := len(t.cols)
	for r := 0; r < t.nrows; r++ {
		row := t.cells[r*n : (r+1)*n]
		t.addRow(t.rowHash(row), r, row)
	}
}
