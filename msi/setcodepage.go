package msi

import (
	"fmt"
	"unsafe"
)

// SetCodepage changes the database codepage (the string pool's), as
// importing a _ForceCodepage table does. Every string keeps its text and is
// re-encoded in the new codepage, so string ids, rows and their order stay
// as they are. If the new codepage cannot represent a string, or msikit has
// no conversion table for it, SetCodepage returns an error and changes
// nothing. Codepage 0 is language-neutral; Windows Installer recommends
// starting from a neutral (ASCII-only) database when setting a codepage.
//
// The summary information has a codepage of its own (PIDCodepage, set with
// SummaryInfo.SetInt).
func (db *Database) SetCodepage(cp int) error {
	if db.closed {
		return ErrClosed
	}
	if db.kind == PackageTransform {
		return &UnsupportedError{Table: forceCodepageTable, Msg: "editing transforms is not supported"}
	}
	p := db.pool
	if cp == p.codec.cp {
		return nil
	}
	if cp < 0 || cp > 0xFFFF {
		return fmt.Errorf("msi: codepage %d is out of range", cp)
	}
	nc := newCodec(cp)
	if !nc.known {
		return &UnsupportedError{Table: forceCodepageTable, Msg: fmt.Sprintf("codepage %d has no conversion table in msikit", cp)}
	}
	// Re-encode into new buffers first, so that a failure changes nothing.
	p.mu.Lock()
	defer p.mu.Unlock()
	var data []byte
	var chunks [][]byte
	offs := make([]uint32, p.size())
	lens := make([]uint32, p.size())
	chunkOf := make([]uint32, p.size())
	strs := make([]string, p.size())
	for id := 1; id < p.size(); id++ {
		e := *p.ent(id)
		b := p.raw(uint32(id))
		strs[id] = e.str
		if !isASCII(b) {
			var ok bool
			if b, ok = nc.encode(e.str); !ok {
				return fmt.Errorf("msi: codepage %d cannot represent string %d %q", cp, id, e.str)
			}
		}
		if id < p.nsrc {
			offs[id] = uint32(len(data))
			data = append(data, b...)
		} else {
			last := len(chunks) - 1
			if last < 0 || cap(chunks[last])-len(chunks[last]) < len(b) {
				chunks = append(chunks, make([]byte, 0, max(poolChunk, len(b))))
				last++
			}
			offs[id], chunkOf[id] = uint32(len(chunks[last])), uint32(last)
			chunks[last] = append(chunks[last], b...)
			// Text that shared the old bytes now shares the new ones.
			if stored := chunks[last][offs[id]:]; string(stored) == e.str {
				strs[id] = unsafe.String(unsafe.SliceData(stored), len(stored))
			}
		}
		lens[id] = uint32(len(b))
	}
	if int64(len(data)) > maxStringData {
		return fmt.Errorf("msi: codepage %d: the string data would exceed %d bytes", cp, int64(maxStringData))
	}
	for id := 1; id < p.size(); id++ {
		e := p.ent(id)
		e.off, e.n, e.chunk, e.str = offs[id], lens[id], chunkOf[id], strs[id]
	}
	p.data = data
	p.text = unsafe.String(unsafe.SliceData(data), len(data))
	p.chunks = chunks
	p.codec = nc
	if p.added.n > 0 {
		p.added = addedSet{}
		for id := p.nsrc; id < p.size(); id++ {
			if b := p.raw(uint32(id)); len(b) > 0 && p.findAdded(string(b)) == 0 {
				p.addAdded(uint32(id))
			}
		}
	}
	// Row indexes are keyed by string bytes: rebuild them on next use.
	for _, t := range db.tables {
		t.index = nil
	}
	for _, t := range db.sysTables {
		t.index = nil
	}
	db.modified = true
	db.contentModified = true
	return nil
}

// maxStringData bounds _StringData: offsets into it are uint32.
const maxStringData = 1<<32 - 1
