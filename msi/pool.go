package msi

import (
	"encoding/binary"
	"fmt"
	"sync"
)

// stringPool is the database's string table in memory: the entries of
// _StringPool/_StringData as read (ids 1..nsrc-1), followed by strings
// added by edits. Id 0 is the null string.
type stringPool struct {
	codec    codec
	longRefs bool // the source pool had 3-byte references
	ents     []poolEnt
	nsrc     int               // entries read from the file (including id 0)
	mu       sync.Mutex        // guards byRaw and appends to ents
	byRaw    map[string]uint32 // raw bytes -> first id; built on first intern
	srcBytes int64             // size of the source _StringData
}

type poolEnt struct {
	raw  []byte
	str  string
	refs uint16 // refcount as stored in the source pool
}

const (
	poolStream = "_StringPool"
	dataStream = "_StringData"
)

// parsePool decodes _StringPool (pool) and _StringData (data).
func parsePool(pool, data []byte) (*stringPool, []string, error) {
	var warns []string
	p := &stringPool{}
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
	p.ents = make([]poolEnt, 1, n)
	off := 0
	for i := 1; i < n; {
		at := i * 4
		l := int(binary.LittleEndian.Uint16(pool[at:]))
		refs := binary.LittleEndian.Uint16(pool[at+2:])
		i++
		if l == 0 && refs != 0 {
			// A string of 64 KiB or more: the length follows as a uint32.
			if i >= n {
				return nil, nil, formatErr("", poolStream, int64(at), "extended entry for string %d truncated", len(p.ents))
			}
			l64 := binary.LittleEndian.Uint32(pool[i*4:])
			i++
			if uint64(l64) > uint64(len(data)-off) {
				return nil, nil, formatErr("", poolStream, int64(at), "string %d of %d bytes runs past the end of _StringData (%d bytes)", len(p.ents), l64, len(data))
			}
			l = int(l64)
		}
		if l > len(data)-off {
			return nil, nil, formatErr("", poolStream, int64(at), "string %d of %d bytes runs past the end of _StringData (%d bytes)", len(p.ents), l, len(data))
		}
		e := poolEnt{raw: data[off : off+l : off+l], refs: refs}
		off += l
		p.ents = append(p.ents, e)
	}
	if off != len(data) {
		warns = append(warns, fmt.Sprintf("_StringData has %d bytes the pool does not use", len(data)-off))
	}
	for i := range p.ents {
		if p.ents[i].raw != nil {
			p.ents[i].str = p.codec.decode(p.ents[i].raw)
		}
	}
	p.nsrc = len(p.ents)
	p.srcBytes = int64(len(data))
	return p, warns, nil
}

func newEmptyPool(cp int) *stringPool {
	return &stringPool{codec: newCodec(cp), ents: make([]poolEnt, 1), nsrc: 1}
}

// refSize returns the width of a string reference in the source tables.
func (p *stringPool) refSize() int {
	if p.longRefs {
		return 3
	}
	return 2
}

// valid reports whether id names a string (0, the null string, is valid).
func (p *stringPool) valid(id uint32) bool { return int64(id) < int64(len(p.ents)) }

func (p *stringPool) raw(id uint32) []byte {
	if !p.valid(id) {
		return nil
	}
	return p.ents[id].raw
}

func (p *stringPool) str(id uint32) string {
	if !p.valid(id) {
		return ""
	}
	return p.ents[id].str
}

// value returns a string Value for id (Null for 0 and for empty entries).
func (p *stringPool) value(id uint32) Value {
	if id == 0 || !p.valid(id) || len(p.ents[id].raw) == 0 {
		return Value{}
	}
	return Value{kind: KindString, s: p.ents[id].str, p: p, id: id}
}

// index builds byRaw (first id wins for duplicate strings).
func (p *stringPool) index() {
	if p.byRaw != nil {
		return
	}
	p.byRaw = make(map[string]uint32, len(p.ents))
	for i := len(p.ents) - 1; i > 0; i-- {
		if len(p.ents[i].raw) > 0 {
			p.byRaw[string(p.ents[i].raw)] = uint32(i)
		}
	}
}

// internRaw returns the id of the string with these exact bytes, adding it
// when absent.
func (p *stringPool) internRaw(b []byte, s string) uint32 {
	if len(b) == 0 {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.index()
	if id, ok := p.byRaw[string(b)]; ok {
		return id
	}
	id := uint32(len(p.ents))
	p.ents = append(p.ents, poolEnt{raw: b, str: s})
	p.byRaw[string(b)] = id
	return id
}

// findRaw returns the id of the string with these bytes without adding it.
func (p *stringPool) findRaw(b []byte) (uint32, bool) {
	if len(b) == 0 {
		return 0, true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.index()
	id, ok := p.byRaw[string(b)]
	return id, ok
}

// idOf returns the id for a string Value, interning it if needed. ok is
// false when the text cannot be represented in the codepage.
func (p *stringPool) idOf(v Value, add bool) (id uint32, ok bool) {
	if v.kind == KindNull || v.s == "" && v.p == nil {
		return 0, true
	}
	if v.p == p {
		return v.id, true
	}
	if v.p != nil {
		// From another database: keep its bytes when the codepages agree.
		if v.p.codec.cp == p.codec.cp {
			b := v.p.raw(v.id)
			if add {
				return p.internRaw(b, v.s), true
			}
			id, found := p.findRaw(b)
			return id, found
		}
	}
	b, good := p.codec.encode(v.s)
	if !good {
		return 0, false
	}
	if add {
		return p.internRaw(b, v.s), true
	}
	id, found := p.findRaw(b)
	return id, found
}

// encodePool builds _StringPool and _StringData for strs (index = id; index
// 0 unused; nil or empty = free slot) with the given refcounts.
func encodePool(cp int, strs [][]byte, refs []uint32, long bool) (pool, data []byte) {
	size := 0
	slots := 1
	for i := 1; i < len(strs); i++ {
		size += len(strs[i])
		slots++
		if len(strs[i]) >= 0x10000 {
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
	for i := 1; i < len(strs); i++ {
		b := strs[i]
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
