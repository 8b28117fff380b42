package msi

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"unsafe"

	"github.com/msikit/msikit/internal/textmemo"
)

// stringPool is the database's string table in memory: the entries of
// _StringPool/_StringData as read (ids 1..nsrc-1), followed by strings
// added by edits (ids nsrc..). Id 0 is the null string.
//
// A string is its bytes in the pool's codepage, kept once: a source
// string as offsets into _StringData, an added string as a place in a
// chunk. Its text is those same bytes (no copy, no string header kept)
// unless the bytes are not the text (non-ASCII text in a codepage other
// than UTF-8): such text is decoded once and kept in texts.
//
// Added strings are not matched against the source strings while editing
// (that would need an index over the whole pool); the writer merges an
// added string into the source string with the same bytes.
type stringPool struct {
	codec    codec
	longRefs bool     // the source pool had 3-byte references
	data     []byte   // _StringData as read; never modified
	offs     []uint32 // source string id is data[offs[id]:offs[id+1]] (len nsrc+1)
	refs     []uint16 // refcounts as stored in the source pool, by id
	nsrc     int      // entries read from the file (including id 0)
	recodes  int      // times SetCodepage re-encoded the strings (their bytes changed)

	// The decoded text of the strings whose bytes are not their text:
	// srcText marks such source ids (a bit each) and srcTexts holds
	// their texts by id (made with the first one: a map grown to
	// 950,000 one-byte strings of 4.8 MB took 0.85 s and 98 MiB to
	// fill); textFlag in an added entry's chunk marks such added ids,
	// whose texts are in texts.
	texts    map[uint32]string
	srcText  []uint64
	srcTexts []string

	mu     sync.Mutex   // guards added and appends to pages and chunks
	added  hashIndex    // ids of added strings, by the hash of their bytes
	seed   maphash.Seed // of added's hashes
	seeded bool
	pages  [][]addedEnt // entries of added strings (ids nsrc..), poolPage a page
	nadded int          // added strings

	// chunks hold the bytes of added strings (ids nsrc..), each string
	// once, in id order: chunks are filled and never reallocated or
	// changed, so the text of an added string can share its bytes.
	chunks [][]byte

	// A borrowed string, of borrowMin bytes or more, keeps the bytes
	// it was given, which never change, rather than a copy in the
	// chunks: borrowFlag marks its entry and borrowed holds its bytes.
	// A pool with borrow (a StringPoolWriter's, which lives while a
	// file is written) borrows every such string (another pool's
	// string, a Go string, an encoding made for it); a database's pool
	// borrows the long texts given as plain strings, which it keeps
	// alive to remember them anyway (known), or the encoding made for
	// them. rewrite --as-transform of 25 MB of generated Registry text
	// held it in the caller's strings, the database's chunks and the
	// transform's.
	borrow   bool
	borrowed map[uint32][]byte

	// known remembers the long texts (textmemo.Min bytes or more) given
	// as plain strings (StrValue) that were interned, by the identity of
	// their bytes: naming one again, row after row, costs a lookup, not
	// hashing, scanning and (for non-ASCII text) encoding all of it. One
	// identity is kept per added string (the latest, in knownKey), so the
	// callers' texts kept alive are at most one per long added string.
	// units holds the lengths in UTF-16 code units of the long strings
	// measured, by id. Guarded by mu.
	known    map[textmemo.Key]uint32
	knownKey map[uint32]textmemo.Key
	units    map[uint32]int
}

// addedEnt places an added string in the chunks: its bytes start at off
// in chunks[chunk&^entFlags] and end where the next added string starts
// in the same chunk, or at the end of the chunk. Only its start is kept
// (8 bytes a string, with no string header). A borrowed string's bytes
// are in stringPool.borrowed; its entry takes no bytes of the chunk of
// the strings around it (off is where the next one starts).
type addedEnt struct {
	chunk uint32 // chunk index; textFlag: the text is in texts; borrowFlag: borrowed
	off   uint32
}

const (
	// textFlag marks the added strings whose text is in stringPool.texts.
	textFlag = 1 << 31
	// borrowFlag marks the added strings in stringPool.borrowed.
	borrowFlag = 1 << 30
	entFlags   = textFlag | borrowFlag
	// borrowMin is the length from which a pool with borrow keeps the
	// bytes it is given.
	borrowMin = 256
)

// poolChunk is the size of the chunks that hold added strings (a longer
// string gets a chunk of its own).
const poolChunk = 1 << 20

// hashString is the hash of a string's bytes in the added-string index.
func (p *stringPool) hashString(s string) uint32 {
	if !p.seeded {
		p.seed, p.seeded = maphash.MakeSeed(), true
	}
	return hash32(maphash.String(p.seed, s))
}

// findAdded returns the id of the added string with bytes s, or 0, and
// the hash of s (for appendAdded).
func (p *stringPool) findAdded(s string) (uint32, uint32) {
	h := p.hashString(s)
	a := &p.added
	if a.n == 0 {
		return 0, h
	}
	for i := a.home(h); ; i = a.next(i) {
		slot := a.slots[i]
		if slot == 0 {
			return 0, h
		}
		if uint32(slot>>32) == h {
			if id := uint32(slot) - 1; string(p.raw(id)) == s {
				return id, h
			}
		}
	}
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
	if int64(len(data)) > maxStringData {
		return nil, nil, formatErr("", dataStream, -1, "%d bytes: more than the %d bytes string offsets can address", len(data), int64(maxStringData))
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
	p.offs = make([]uint32, 2, max(n, 1)+1) // id 0: empty
	p.refs = make([]uint16, 1, max(n, 1))
	off := 0
	for i := 1; i < n; {
		at := i * 4
		l := int(binary.LittleEndian.Uint16(pool[at:]))
		refs := binary.LittleEndian.Uint16(pool[at+2:])
		i++
		if l == 0 && refs != 0 {
			// A string of 64 KiB or more: the length follows as a uint32.
			if i >= n {
				return nil, nil, formatErr("", poolStream, int64(at), "extended entry for string %d truncated", len(p.refs))
			}
			l64 := binary.LittleEndian.Uint32(pool[i*4:])
			i++
			if uint64(l64) > uint64(len(data)-off) {
				return nil, nil, formatErr("", poolStream, int64(at), "string %d of %d bytes runs past the end of _StringData (%d bytes)", len(p.refs), l64, len(data))
			}
			l = int(l64)
		}
		if l > len(data)-off {
			return nil, nil, formatErr("", poolStream, int64(at), "string %d of %d bytes runs past the end of _StringData (%d bytes)", len(p.refs), l, len(data))
		}
		off += l
		p.offs = append(p.offs, uint32(off))
		p.refs = append(p.refs, refs)
	}
	if off != len(data) {
		warns = append(warns, fmt.Sprintf("_StringData has %d bytes the pool does not use", len(data)-off))
	}
	p.nsrc = len(p.refs)
	if p.codec.cp != 65001 && !isASCII(data) {
		// Text that is not its bytes is decoded once.
		for id := 1; id < p.nsrc; id++ {
			if b := p.raw(uint32(id)); !isASCII(b) {
				p.setSrcText(uint32(id), p.codec.decode(b))
			}
		}
	}
	return p, warns, nil
}

// setSrcText records the text of source string id.
func (p *stringPool) setSrcText(id uint32, s string) {
	if p.srcText == nil {
		p.srcText = make([]uint64, (p.nsrc+63)/64)
	}
	if p.srcTexts == nil {
		p.srcTexts = make([]string, p.nsrc)
	}
	p.srcText[id/64] |= 1 << (id % 64)
	p.srcTexts[id] = s
}

func newEmptyPool(cp int) *stringPool {
	return &stringPool{codec: newCodec(cp), offs: make([]uint32, 2), refs: make([]uint16, 1), nsrc: 1}
}

// poolPage is the number of entries in a page of added strings: pages are
// never reallocated, so adding strings costs no copies of the entries.
const poolPage = 1 << 12

// addedEnt returns the entry of the k-th added string.
func (p *stringPool) addedEnt(k int) addedEnt { return p.pages[k/poolPage][k%poolPage] }

// size returns the number of ids (source and added strings, and id 0).
func (p *stringPool) size() int { return p.nsrc + p.nadded }

// refSize returns the width of a string reference in the source tables.
func (p *stringPool) refSize() int {
	if p.longRefs {
		return 3
	}
	return 2
}

// raw returns the bytes of string id (nil for 0 and for ids past the end).
func (p *stringPool) raw(id uint32) []byte {
	if int(id) < p.nsrc {
		if id == 0 {
			return nil
		}
		s, e := p.offs[id], p.offs[id+1]
		return p.data[s:e:e]
	}
	k := int(id) - p.nsrc
	if k >= p.nadded {
		return nil
	}
	e := p.addedEnt(k)
	if e.chunk&borrowFlag != 0 {
		return p.borrowed[id]
	}
	c := p.chunks[e.chunk&^entFlags]
	end := uint32(len(c))
	if k+1 < p.nadded {
		if f := p.addedEnt(k + 1); f.chunk&^entFlags == e.chunk&^entFlags {
			end = f.off
		}
	}
	return c[e.off:end:end]
}

// hasText reports whether the text of string id is kept (in srcTexts or
// texts).
func (p *stringPool) hasText(id uint32) bool {
	if int(id) < p.nsrc {
		return p.srcText != nil && p.srcText[id/64]&(1<<(id%64)) != 0
	}
	if p.texts == nil {
		return false
	}
	return p.addedEnt(int(id)-p.nsrc).chunk&textFlag != 0
}

// str returns the text of string id ("" for 0 and for ids past the end).
func (p *stringPool) str(id uint32) string {
	b := p.raw(id)
	if len(b) == 0 {
		return ""
	}
	if p.hasText(id) {
		if int(id) < p.nsrc {
			return p.srcTexts[id]
		}
		return p.texts[id]
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// value returns a string Value for id (Null for 0 and for empty entries).
func (p *stringPool) value(id uint32) Value {
	s := p.str(id)
	if s == "" {
		return Value{}
	}
	return Value{kind: KindString, s: s, p: p, id: id}
}

// internRaw returns an id for a string with these bytes and text s: the
// id of an earlier added string with the same bytes, or a new one. With
// keep, b, which must never change, may be kept itself (storeAdded).
func (p *stringPool) internRaw(b []byte, s string, keep bool) uint32 {
	if len(b) == 0 {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	id, h := p.findAdded(unsafe.String(unsafe.SliceData(b), len(b)))
	if id != 0 {
		return id
	}
	return p.appendAdded(b, s, h, keep)
}

// internText is internRaw for text whose bytes in the pool's codepage are
// the text itself (ASCII): no conversion, nothing allocated for a string
// the pool already has. With keep, a long s is borrowed (storeAdded).
func (p *stringPool) internText(s string, keep bool) uint32 {
	if s == "" {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	id, h := p.findAdded(s)
	if id != 0 {
		return id
	}
	return p.appendAdded(unsafe.Slice(unsafe.StringData(s), len(s)), s, h, keep)
}

// appendAdded stores a new added string with hash h and returns its id.
func (p *stringPool) appendAdded(b []byte, s string, h uint32, keep bool) uint32 {
	id := p.storeAdded(b, s, keep)
	p.added.insert(h, id)
	return id
}

// storeAdded stores a new added string, not in the index yet: its bytes
// b go to the current chunk (which never moves), and its text is those
// bytes when it is the same; other text is copied into texts, so that s
// itself (often a piece of a much longer string, such as a line of an
// IDT file) is not kept.
//
// With keep (or in a pool with borrow), b, which must never change, is
// kept itself when it is borrowMin bytes or more (storeBorrowed).
func (p *stringPool) storeAdded(b []byte, s string, keep bool) uint32 {
	id := uint32(p.size())
	if (keep || p.borrow) && len(b) >= borrowMin {
		return p.storeBorrowed(b, s)
	}
	last := len(p.chunks) - 1
	if last < 0 || cap(p.chunks[last])-len(p.chunks[last]) < len(b) {
		p.chunks = append(p.chunks, make([]byte, 0, max(poolChunk, len(b))))
		last++
	}
	c := p.chunks[last]
	off := len(c)
	c = append(c, b...)
	p.chunks[last] = c
	chunk := uint32(last)
	if string(c[off:]) != s {
		if p.texts == nil {
			p.texts = map[uint32]string{}
		}
		p.texts[id] = strings.Clone(s)
		chunk |= textFlag
	}
	if p.nadded%poolPage == 0 {
		p.pages = append(p.pages, make([]addedEnt, poolPage))
	}
	p.pages[p.nadded/poolPage][p.nadded%poolPage] = addedEnt{chunk: chunk, off: uint32(off)}
	p.nadded++
	return id
}

// storeBorrowed is storeAdded keeping b itself (a pool with borrow).
func (p *stringPool) storeBorrowed(b []byte, s string) uint32 {
	id := uint32(p.size())
	if len(p.chunks) == 0 {
		p.chunks = append(p.chunks, nil)
	}
	last := len(p.chunks) - 1
	chunk := uint32(last) | borrowFlag
	b = b[:len(b):len(b)]
	if string(b) != s {
		if p.texts == nil {
			p.texts = map[uint32]string{}
		}
		p.texts[id] = strings.Clone(s)
		chunk |= textFlag
	}
	if p.borrowed == nil {
		p.borrowed = map[uint32][]byte{}
	}
	p.borrowed[id] = b
	if p.nadded%poolPage == 0 {
		p.pages = append(p.pages, make([]addedEnt, poolPage))
	}
	p.pages[p.nadded/poolPage][p.nadded%poolPage] = addedEnt{chunk: chunk, off: uint32(len(p.chunks[last]))}
	p.nadded++
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
	if v.p == nil {
		if id, ok := p.knownText(v.s); ok {
			return p.raw(id), true
		}
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
	if v.p != nil {
		b, good := p.rawOf(v)
		if !good {
			return 0, false
		}
		return p.internRaw(b, v.s, false), true
	}
	if id, ok := p.knownText(v.s); ok {
		return id, true
	}
	// A long text is kept alive by remember: the pool borrows it (or
	// the encoding made for it) rather than copy it.
	keep := len(v.s) >= textmemo.Min
	if isASCIIString(v.s) {
		id = p.internText(v.s, keep)
	} else {
		b, good := p.codec.encode(v.s)
		if !good {
			return 0, false
		}
		id = p.internRaw(b, v.s, keep)
	}
	if len(v.s) >= textmemo.Min {
		p.remember(v.s, id)
	}
	return id, true
}

// knownText returns the id of text s, given as a plain string: ok is
// false unless s is long and these very bytes were interned before (then
// s is representable, its bytes are those of added string id, and
// interning it again returns id).
func (p *stringPool) knownText(s string) (uint32, bool) {
	k, ok := textmemo.KeyOf(s)
	if !ok {
		return 0, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	id, ok := p.known[k]
	return id, ok
}

// remember records that long text s, a plain string, is interned as
// string id, forgetting the bytes remembered for id before (keeping at
// most one caller's text alive for each added string).
func (p *stringPool) remember(s string, id uint32) {
	k := textmemo.KeyAt(s)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.known == nil {
		p.known, p.knownKey = map[textmemo.Key]uint32{}, map[uint32]textmemo.Key{}
	}
	if old, ok := p.knownKey[id]; ok {
		delete(p.known, old)
	}
	p.known[k] = id
	p.knownKey[id] = k
}

// utf16Units returns the length in UTF-16 code units of s, the text of
// string id: a long string is measured once (a long pooled string in a
// sized column is measured for each row inserted or updated).
func (p *stringPool) utf16Units(id uint32, s string) int {
	if len(s) < textmemo.Min {
		return utf16Len(s)
	}
	p.mu.Lock()
	n, ok := p.units[id]
	p.mu.Unlock()
	if ok {
		return n
	}
	n = utf16Len(s)
	p.mu.Lock()
	if p.units == nil {
		p.units = map[uint32]int{}
	}
	p.units[id] = n
	p.mu.Unlock()
	return n
}

// canonical sets c[id] (len(c) = size()) to the first source id with the
// same bytes, for added strings equal to a source string, and to id
// otherwise: a source string's id is always below an added one's.
func (p *stringPool) canonical(c []uint32) {
	for i := range c {
		c[i] = uint32(i)
	}
	if p.added.n == 0 {
		return
	}
	for i := p.nsrc - 1; i > 0; i-- { // descending: the first id wins
		b := p.raw(uint32(i))
		if len(b) == 0 {
			continue
		}
		if id, _ := p.findAdded(unsafe.String(unsafe.SliceData(b), len(b))); id != 0 {
			c[id] = uint32(i)
		}
	}
}

// encodePool builds _StringPool and _StringData for strs (index = id; index
// 0 unused; nil or empty = free slot) with the given refcounts.
func encodePool(cp int, strs [][]byte, refs []uint32, long bool) (pool, data []byte) {
	pool = binary.LittleEndian.AppendUint32(nil, poolHeader(cp, long))
	for i := 1; i < len(strs); i++ {
		pool = appendPoolEntry(pool, len(strs[i]), refs[i])
		data = append(data, strs[i]...)
	}
	return pool, data
}

// poolHeader is the first entry of _StringPool: the codepage, and the top
// bit for 3-byte string references.
func poolHeader(cp int, long bool) uint32 {
	h := uint32(cp)
	if long {
		h |= 0x80000000
	}
	return h
}

// appendPoolEntry appends the _StringPool entry of a string of n bytes
// with refcount refs (capped to 1..65535) to dst: 4 bytes, or 8 for a
// string of 64 KiB or more; n = 0 is a free slot.
func appendPoolEntry(dst []byte, n int, refs uint32) []byte {
	if n == 0 {
		return append(dst, 0, 0, 0, 0)
	}
	r := uint16(min(max(refs, 1), 0xffff))
	if n >= 0x10000 {
		dst = binary.LittleEndian.AppendUint16(dst, 0)
		dst = binary.LittleEndian.AppendUint16(dst, r)
		return binary.LittleEndian.AppendUint32(dst, uint32(n))
	}
	dst = binary.LittleEndian.AppendUint16(dst, uint16(n))
	return binary.LittleEndian.AppendUint16(dst, r)
}
