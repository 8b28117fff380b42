package msi

import (
	"encoding/binary"
	"fmt"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
)

// Low-level access for formats built on the database's own encoding: a
// transform (package msi/mst) stores change records in table streams, with
// cells that are ids into its own string pool, and needs to read those
// streams and that pool without a schema.

// RawTableStream returns the bytes of the table stream name (a stream
// whose packed name carries the table prefix, as every table, _StringPool
// and the change records of a transform do), read whole within the
// database's limits (ReadOptions.MaxStreamBytes, the file's size). ok is
// false when there is no such stream. Errors match ErrFormat.
func (db *Database) RawTableStream(name string) (data []byte, ok bool, err error) {
	db.mu.Lock()
	e := db.tableStreams[name]
	db.mu.Unlock()
	if e == nil {
		return nil, false, nil
	}
	data, err = db.readStream(e, name, name)
	if err != nil {
		return nil, true, err
	}
	return data, true, nil
}

// PoolLen returns the number of string ids of the database's string pool
// as read, id 0 (the null string) included: valid ids are 0 to PoolLen()-1.
func (db *Database) PoolLen() int { return db.pool.nsrc }

// PoolString returns the string with id in the database's string pool as
// a string Value that keeps its stored bytes (Value.Bytes), Null for id 0
// and for empty entries. An id past the end of the pool is an error
// matching ErrFormat.
func (db *Database) PoolString(id uint32) (Value, error) {
	if int64(id) >= int64(db.pool.nsrc) {
		return Value{}, formatErr("", poolStream, -1, "string id %d past the end of the string pool (%d entries)", id, db.pool.nsrc)
	}
	return db.pool.value(id), nil
}

// StringRefSize returns the width in bytes of a string reference in the
// database's streams: 2, or 3 when the string pool's header says so
// ("long string references").
func (db *Database) StringRefSize() int { return db.pool.refSize() }

// A StringPoolWriter builds a string pool (_StringPool and _StringData)
// for a new file, such as a transform: each string added gets an id (ids
// in order of first use, from 1; a string added again gets its id back)
// and a reference count. It is not safe for concurrent use.
type StringPoolWriter struct {
	p    *stringPool
	refs []uint32
	// The ids of the long strings (textmemo.Min bytes or more) of
	// other pools added, by their pool and id: a string a million
	// records name is hashed and compared once, not for each.
	pooled map[pooledString]uint32
}

// pooledString names a string of a pool by its id.
type pooledString struct {
	p  *stringPool
	id uint32
}

// NewStringPoolWriter returns an empty pool in codepage cp.
func NewStringPoolWriter(cp int) *StringPoolWriter {
	p := newEmptyPool(cp)
	p.borrow = true
	return &StringPoolWriter{p: p, refs: []uint32{0}}
}

// Add returns the id of the string v and counts one reference to it: 0
// for Null. A string read from a database of the same codepage keeps its
// stored bytes; other text is encoded in the pool's codepage, and text the
// codepage cannot represent is an error.
func (w *StringPoolWriter) Add(v Value) (uint32, error) {
	if v.kind == KindNull {
		return 0, nil
	}
	if v.kind != KindString {
		return 0, fmt.Errorf("msi: string pool: a %s value is not a string", v.kind)
	}
	var key pooledString
	long := v.p != nil && v.p != w.p && len(v.s) >= textmemo.Min
	id, known := uint32(0), false
	if long {
		key = pooledString{v.p, v.id}
		id, known = w.pooled[key]
	}
	if !known {
		var ok bool
		id, ok = w.p.idOf(v)
		if !ok {
			return 0, &ValueError{Table: poolStream, Reason: fmt.Sprintf("%q cannot be represented in codepage %d", clip.String(v.s), w.p.codec.cp)}
		}
		if long {
			if w.pooled == nil {
				w.pooled = map[pooledString]uint32{}
			}
			w.pooled[key] = id
		}
	}
	for int(id) >= len(w.refs) {
		w.refs = append(w.refs, 0)
	}
	w.refs[id]++
	return id, nil
}

// Len returns the number of ids, id 0 included.
func (w *StringPoolWriter) Len() int { return w.p.size() }

// RefSize returns the width of a string reference to this pool: 2 bytes,
// or 3 when it has more than 65535 strings. Add every string before
// encoding references.
func (w *StringPoolWriter) RefSize() int {
	if w.p.size()-1 > 0xffff {
		return 3
	}
	return 2
}

// Encode returns the _StringPool and _StringData streams: the codepage
// (with the long-reference bit when RefSize is 3), then each string's
// length and reference count (a string of 64 KiB or more takes the
// extended two-slot entry).
func (w *StringPoolWriter) Encode() (pool, data []byte) {
	p := w.p
	for len(w.refs) < p.size() {
		w.refs = append(w.refs, 0)
	}
	// Both streams sized exactly first: appended to, a pool of 25 MB
	// of strings held 50 MB of data, and a copy of it while it grew.
	entries, n := 0, 0
	for i := 1; i < p.size(); i++ {
		b := p.raw(uint32(i))
		n += len(b)
		entries++
		if len(b) >= 0x10000 {
			entries++ // the extended two-slot entry
		}
	}
	pool = make([]byte, 0, 4*(1+entries))
	data = make([]byte, 0, n)
	pool = binary.LittleEndian.AppendUint32(pool, poolHeader(p.codec.cp, w.RefSize() == 3))
	for i := 1; i < p.size(); i++ {
		b := p.raw(uint32(i))
		pool = appendPoolEntry(pool, len(b), w.refs[i])
		data = append(data, b...)
	}
	return pool, data
}

// Intern returns the string Value v as a string of the database's pool,
// adding its bytes to the pool as Insert and Update would (a string no
// cell names is not written): cells set from the value returned name
// the string by its id, so that a long string a transform sets in many
// rows is hashed and compared once, not once per row. Other values are
// returned as they are; text the codepage cannot represent is a
// *ValueError.
func (db *Database) Intern(v Value) (Value, error) {
	if v.kind != KindString || v.p == db.pool {
		return v, nil
	}
	id, ok := db.pool.idOf(v)
	if !ok {
		return v, &ValueError{Table: poolStream, Reason: fmt.Sprintf("%q cannot be represented in codepage %d", clip.String(v.s), db.pool.codec.cp)}
	}
	return db.pool.value(id), nil
}
