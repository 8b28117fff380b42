package msi

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"unsafe"
)

// stringPool is the database's string table in memory: the entries of
// _StringPool/_StringData as read (ids 1..nsrc-1), followed by strings
// added by edits (ids nsrc..). Id 0 is the null string.
//
// Added strings are not matched against the source strings while editing
// (that would need an index over the whole pool); the writer merges an
// added string into the source string with the same bytes.
type stringPool struct {
	codec    codec
	longRefs bool        // the source pool had 3-byte references
	data     []byte      // _StringData as read; never modified
	text     string      // the same bytes as a string, for allocation-free substrings
	src      []poolEnt   // entries read from the file (ids 0..nsrc-1)
	pages    [][]poolEnt // entries of added strings (ids nsrc..), poolPage a page
	nsrc     int         // entries read from the file (including id 0)
	nadded   int         // added strings

	mu    sync.Mutex // guards added and appends to ents and chunks
	added addedSet   // ids of added strings, by their bytes

	// chunks hold the bytes of added strings (ids nsrc..), each string
	// once: chunks are filled and never reallocated or changed, so the
	// text of an added string that is its own bytes (ASCII, or any text
	// in UTF-8 databases) shares them instead of being a second copy.
	chunks [][]byte
}

type poolEnt struct {
	str   string // decoded text
	off   uint32 // bytes are data[off:off+n], or chunks[chunk][off:off+n] for an added string
	n     uint32
	refs  uint16 // refcount as stored in the source pool
	chunk uint32
}

// poolChunk is the size of the chunks that hold added strings (a longer
// string gets a chunk of its own).
const poolChunk = 1 << 20

// addedSet is a hash set of the ids of added strings, keyed by their
// bytes (which live in the pool, so the set holds 5 bytes per slot: the
// id and 8 bits of the hash, which spare most lookups a visit to the
// string's bytes): open addressing with linear probing, at most 3/4 full.
type addedSet struct {
	seed  maphash.Seed
	slots []uint32 // ids; 0 = empty; len is a power of two
	tags  []uint8  // the top 8 bits of each slot's hash
	n     int
}

// findAdded returns the id of the added string with bytes s, or 0.
func (p *stringPool) findAdded(s string) uint32 {
	a := &p.added
	if a.n == 0 {
		return 0
	}
	h := maphash.String(a.seed, s)
	tag := uint8(h >> 56)
	mask := uint64(len(a.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		id := a.slots[i]
		if id == 0 {
			return 0
		}
		if a.tags[i] == tag && string(p.raw(id)) == s {
			return id
		}
	}
}

// addAdded records id, an added string not yet in the set.
func (p *stringPool) addAdded(id uint32) {
	a := &p.added
	if (a.n+1)*4 > len(a.slots)*3 {
		if len(a.slots) == 0 {
			a.seed = maphash.MakeSeed()
		}
		old := a.slots
		size := max(1024, 2*len(old))
		a.slots, a.tags, a.n = make([]uint32, size), make([]uint8, size), 0
		for _, o := range old {
			if o != 0 {
				p.put(o)
			}
		}
	}
	p.put(id)
}

func (p *stringPool) put(id uint32) {
	a := &p.added
	h := maphash.Bytes(a.seed, p.raw(id))
	mask := uint64(len(a.slots) - 1)
	i := h & mask
	for a.slots[i] != 0 {
		i = (i + 1) & mask
	}
	a.slots[i], a.tags[i] = id, uint8(h>>56)
	a.n++
}

const (
	poolStream = "_StringPool"
	dataStream = "_StringData"
)

// parsePool decodes _StringPool (pool) and _StringData (data); it keeps
// data, which the caller must not change afterwards.
func parsePool(pool, data []byte) (*stringPool, []string, error) {
	var warns []string
	p := &stringPool{data: data}
	cp := 0
	if len(pool)%4 != 0 {
		return nil, nil, formatErr("", poolStream, int64(len(pool)), "size %d is not a multiple of 4", len(pool))
	}
	if len(pool) >= 4 {
		v := binary.LittleEndian.Uint32(pool)
		p.longRefs = v&0x80000000 != 0
		cp = int(v &^ 0x80000000)
	}
	p.codec = newCodec(cp)
	if !p.codec.known {
		warns = append(warns, fmt.Sprintf("codepage %d has no conversion table; text decoded as Windows-1252", cp))
	}
	n := len(pool) / 4
	p.src = make([]poolEnt, 1, max(n, 1))
	off := 0
	for i := 1; i < n; {
		at := i * 4
		l := int(binary.LittleEndian.Uint16(pool[at:]))
		refs := binary.LittleEndian.Uint16(pool[at+2:])
		i++
		if l == 0 && refs != 0 {
			// A string of 64 KiB or more: the length follows as a uint32.
			if i >= n {
				return nil, nil, formatErr("", poolStream, int64(at), "extended entry for string %d truncated", len(p.src))
			}
			l64 := binary.LittleEndian.Uint32(pool[i*4:])
			i++
			if uint64(l64) > uint64(len(data)-off) {
				return nil, nil, formatErr("", poolStream, int64(at), "string %d of %d bytes runs past the end of _StringData (%d bytes)", len(p.src), l64, len(data))
			}
			l = int(l64)
		}
		if l > len(data)-off {
			return nil, nil, formatErr("", poolStream, int64(at), "string %d of %d bytes runs past the end of _StringData (%d bytes)", len(p.src), l, len(data))
		}
		p.src = append(p.src, poolEnt{off: uint32(off), n: uint32(l), refs: refs})
		off += l
	}
	if off != len(data) {
		warns = append(warns, fmt.Sprintf("_StringData has %d bytes the pool does not use", len(data)-off))
	}
	// text shares data's bytes: parsePool owns data and nothing writes to
	// it (added strings go to extra), so the string stays immutable. A copy
	// would cost as much memory again as _StringData.
	p.text = unsafe.String(unsafe.SliceData(data), len(data))
	direct := p.codec.cp == 65001
	for i := 1; i < len(p.src); i++ {
		e := &p.src[i]
		b := data[e.off : e.off+e.n]
		if direct || isASCII(b) {
			e.str = p.text[e.off : e.off+e.n]
		} else {
			e.str = p.codec.decode(b)
		}
	}
	p.nsrc = len(p.src)
	return p, warns, nil
}

func newEmptyPool(cp int) *stringPool {
	return &stringPool{codec: newCodec(cp), src: make([]poolEnt, 1), nsrc: 1}
}

// poolPage is the number of entries in a page of added strings: pages are
// never reallocated, so adding strings costs no copies of the entries.
const poolPage = 1 << 12

// ent returns the entry of string id (0 <= id < size()).
func (p *stringPool) ent(id int) *poolEnt {
	if id < p.nsrc {
		return &p.src[id]
	}
	k := id - p.nsrc
	return &p.pages[k/poolPage][k%poolPage]
}

// size returns the number of ids (source and added strings, and id 0).
func (p *stringPool) size() int { return p.nsrc + p.nadded }

// refSize returns the width of a string reference in the source tables.
func (p *stringPool) refSize() int {
	if p.longRefs {
		return 3
	}
	return 2
}

// valid reports whether id names a string (0, the null string, is valid).
func (p *stringPool) valid(id uint32) bool { return int64(id) < int64(p.size()) }

func (p *stringPool) raw(id uint32) []byte {
	if id == 0 || !p.valid(id) {
		return nil
	}
	e := *p.ent(int(id))
	if int(id) >= p.nsrc {
		return p.chunks[e.chunk][e.off : e.off+e.n : e.off+e.n]
	}
	return p.data[e.off : e.off+e.n : e.off+e.n]
}

func (p *stringPool) str(id uint32) string {
	if !p.valid(id) {
		return ""
	}
	return p.ent(int(id)).str
}

// value returns a string Value for id (Null for 0 and for empty entries).
func (p *stringPool) value(id uint32) Value {
	if id == 0 || !p.valid(id) || p.ent(int(id)).n == 0 {
		return Value{}
	}
	return Value{kind: KindString, s: p.ent(int(id)).str, p: p, id: id}
}

// internRaw returns an id for a string with these bytes and text s: the
// id of an earlier added string with the same bytes, or a new one.
func (p *stringPool) internRaw(b []byte, s string) uint32 {
	if len(b) == 0 {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if id := p.findAdded(unsafe.String(unsafe.SliceData(b), len(b))); id != 0 {
		return id
	}
	return p.appendAdded(b, s)
}

// internText is internRaw for text whose bytes in the pool's codepage are
// the text itself (ASCII): no conversion, nothing allocated for a string
// the pool already has.
func (p *stringPool) internText(s string) uint32 {
	if s == "" {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if id := p.findAdded(s); id != 0 {
		return id
	}
	return p.appendAdded(unsafe.Slice(unsafe.StringData(s), len(s)), s)
}

// appendAdded stores a new added string: its bytes b go to the current
// chunk (which never moves), and its text shares them when it is the same
// bytes; other text is copied, so that s itself (often a piece of a much
// longer string, such as a line of an IDT file) is not kept.
func (p *stringPool) appendAdded(b []byte, s string) uint32 {
	id := uint32(p.size())
	last := len(p.chunks) - 1
	if last < 0 || cap(p.chunks[last])-len(p.chunks[last]) < len(b) {
		p.chunks = append(p.chunks, make([]byte, 0, max(poolChunk, len(b))))
		last++
	}
	c := p.chunks[last]
	off := len(c)
	c = append(c, b...)
	p.chunks[last] = c
	stored := c[off:]
	if string(stored) == s {
		s = unsafe.String(unsafe.SliceData(stored), len(stored))
	} else {
		s = strings.Clone(s)
	}
	if p.nadded%poolPage == 0 {
		p.pages = append(p.pages, make([]poolEnt, poolPage))
	}
	*p.ent(int(id)) = poolEnt{str: s, off: uint32(off), n: uint32(len(b)), chunk: uint32(last)}
	p.nadded++
	p.addAdded(id)
	return id
}

// rawOf returns the bytes a string Value has in this pool's codepage; ok
// is false when the text cannot be represented.
func (p *stringPool) rawOf(v Value) (b []byte, ok bool) {
	if v.kind == KindNull {
		return nil, true
	}
	if v.p == p {
		return p.raw(v.id), true
	}
	if v.p != nil && v.p.codec.cp == p.codec.cp {
		return v.p.raw(v.id), true
	}
	return p.codec.encode(v.s)
}

// idOf returns the id for a string Value, adding it if needed. ok is false
// when the text cannot be represented in the codepage.
func (p *stringPool) idOf(v Value) (id uint32, ok bool) {
	if v.kind == KindNull {
		return 0, true
	}
	if v.p == p {
		return v.id, true
	}
	if v.p == nil && isASCIIString(v.s) {
		return p.internText(v.s), true
	}
	b, good := p.rawOf(v)
	if !good {
		return 0, false
	}
	return p.internRaw(b, v.s), true
}

// canonical maps every id to the first id with the same bytes among the
// source strings, for added strings equal to a source string, and to
// itself otherwise.
func (p *stringPool) canonical() []uint32 {
	c := make([]uint32, p.size())
	for i := range c {
		c[i] = uint32(i)
	}
	if p.added.n == 0 {
		return c
	}
	for i := p.nsrc - 1; i > 0; i-- { // descending: the first id wins
		e := *p.ent(i)
		if e.n == 0 {
			continue
		}
		if id := p.findAdded(p.text[e.off : e.off+e.n]); id != 0 {
			c[id] = uint32(i)
		}
	}
	return c
}

// encodePool builds _StringPool and _StringData for strs (index = id; index
// 0 unused; nil or empty = free slot) with the given refcounts.
func encodePool(cp int, strs [][]byte, refs []uint32, long bool) (pool, data []byte) {
	return encodePoolFunc(cp, len(strs), func(i int) []byte { return strs[i] }, refs, long)
}

// encodePoolFunc is encodePool for n strings given by str.
func encodePoolFunc(cp, n int, str func(i int) []byte, refs []uint32, long bool) (pool, data []byte) {
	size := 0
	slots := 1
	for i := 1; i < n; i++ {
		b := str(i)
		size += len(b)
		slots++
		if len(b) >= 0x10000 {
			slots++
		}
	}
	pool = make([]byte, 4*slots)
	data = make([]byte, 0, size)
	h := uint32(cp)
	if long {
		h |= 0x80000000
	}
	binary.LittleEndian.PutUint32(pool, h)
	at := 4
	for i := 1; i < n; i++ {
		b := str(i)
		if len(b) == 0 {
			at += 4 // free slot: (0, 0)
			continue
		}
		r := refs[i]
		if r > 0xffff {
			r = 0xffff
		}
		if r == 0 {
			r = 1
		}
		if len(b) >= 0x10000 {
			binary.LittleEndian.PutUint16(pool[at:], 0)
			binary.LittleEndian.PutUint16(pool[at+2:], uint16(r))
			binary.LittleEndian.PutUint32(pool[at+4:], uint32(len(b)))
			at += 8
		} else {
			binary.LittleEndian.PutUint16(pool[at:], uint16(len(b)))
			binary.LittleEndian.PutUint16(pool[at+2:], uint16(r))
			at += 4
		}
		data = append(data, b...)
	}
	return pool, data
}
