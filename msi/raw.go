package msi

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"io"
	"slices"

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
//
// A string of another pool in the writer's codepage is not copied: the
// writer keeps its pool and id, and reads its bytes there when it
// compares or encodes them (that pool's strings never change while its
// database does not). rewrite --as-transform of 380,000 new Registry
// rows held 34 MB of copies of the rewritten database's strings, and
// another 30 MB of _StringData made of them at once.
type StringPoolWriter struct {
	// own holds the strings that are not another pool's in the
	// writer's codepage (text given as a Go string, or of another
	// codepage, encoded once).
	own  *stringPool
	srcs []*stringPool // the pools strings are kept in (own first)
	ents [][]poolRef   // string id i is ents[(i-1)/poolPage][(i-1)%poolPage]
	n    int           // ids, id 0 excluded
	// index finds ids by the hash of their bytes.
	index hashIndex
	seed  maphash.Seed
	// refs counts each id's references, up to the 0xffff a pool entry
	// holds.
	refs []uint16
	// The ids of the long strings (textmemo.Min bytes or more) of
	// other pools added, by their pool and id: a string a million
	// records name is hashed and compared once, not for each.
	pooled map[pooledString]uint32
}

// poolRef is where a StringPoolWriter's string is: srcs[src]'s string id.
type poolRef struct{ src, id uint32 }

// pooledString names a string of a pool by its id.
type pooledString struct {
	p  *stringPool
	id uint32
}

// NewStringPoolWriter returns an empty pool in codepage cp.
func NewStringPoolWriter(cp int) *StringPoolWriter {
	p := newEmptyPool(cp)
	p.borrow = true
	return &StringPoolWriter{own: p, srcs: []*stringPool{p}, refs: []uint16{0}, seed: maphash.MakeSeed()}
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
	long := v.p != nil && v.p != w.own && len(v.s) >= textmemo.Min
	id, known := uint32(0), false
	if long {
		key = pooledString{v.p, v.id}
		id, known = w.pooled[key]
	}
	if !known {
		var ok bool
		id, ok = w.idOf(v)
		if !ok {
			return 0, &ValueError{Table: poolStream, Reason: fmt.Sprintf("%q cannot be represented in codepage %d", clip.String(v.s), w.own.codec.cp)}
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
	if w.refs[id] < 0xffff {
		w.refs[id]++
	}
	return id, nil
}

// idOf returns the id of the string v, adding it if needed; ok is false
// when its text cannot be represented in the codepage.
func (w *StringPoolWriter) idOf(v Value) (id uint32, ok bool) {
	src, sid := v.p, v.id
	if src == nil || src == w.own || src.codec.cp != w.own.codec.cp {
		// Text to encode, kept once in own.
		if sid, ok = w.own.idOf(v); !ok {
			return 0, false
		}
		src = w.own
	}
	b := src.raw(sid)
	if len(b) == 0 {
		return 0, true
	}
	next := uint32(w.n + 1)
	id, added := w.index.add(hash32(maphash.Bytes(w.seed, b)), next, func(id uint32) bool { return string(w.raw(id)) == string(b) })
	if !added {
		return id, true
	}
	if w.n%poolPage == 0 {
		w.ents = append(w.ents, make([]poolRef, poolPage))
	}
	w.ents[w.n/poolPage][w.n%poolPage] = poolRef{src: w.srcIndex(src), id: sid}
	w.n++
	return id, true
}

// srcIndex returns the index of p in w.srcs, adding it.
func (w *StringPoolWriter) srcIndex(p *stringPool) uint32 {
	// A transform's strings come from two or three pools.
	for i := len(w.srcs) - 1; i >= 0; i-- {
		if w.srcs[i] == p {
			return uint32(i)
		}
	}
	w.srcs = append(w.srcs, p)
	return uint32(len(w.srcs) - 1)
}

// raw returns the bytes of string id (1 to Len()-1).
func (w *StringPoolWriter) raw(id uint32) []byte {
	k := int(id) - 1
	r := w.ents[k/poolPage][k%poolPage]
	return w.srcs[r.src].raw(r.id)
}

// Len returns the number of ids, id 0 included.
func (w *StringPoolWriter) Len() int { return w.n + 1 }

// RefSize returns the width of a string reference to this pool: 2 bytes,
// or 3 when it has more than 65535 strings. Add every string before
// encoding references.
func (w *StringPoolWriter) RefSize() int {
	if w.n > 0xffff {
		return 3
	}
	return 2
}

// Encode returns the _StringPool and _StringData streams: the codepage
// (with the long-reference bit when RefSize is 3), then each string's
// length and reference count (a string of 64 KiB or more takes the
// extended two-slot entry).
func (w *StringPoolWriter) Encode() (pool, data []byte) {
	pool, r := w.EncodeReader()
	data = make([]byte, 0, r.Size())
	for i := 1; i < w.Len(); i++ {
		data = append(data, w.raw(uint32(i))...)
	}
	return pool, data
}

// EncodeReader is Encode with _StringData as a reader of the strings
// where they are kept, not a copy of them: no string may be added while
// it is read, and the pools the strings were added from must not change.
func (w *StringPoolWriter) EncodeReader() (pool []byte, data *io.SectionReader) {
	for len(w.refs) < w.Len() {
		w.refs = append(w.refs, 0)
	}
	// The pool sized exactly first: appended to, a pool of 25 MB of
	// strings held 50 MB of data, and a copy of it while it grew.
	entries := 0
	d := &poolData{w: w, marks: make([]int64, 0, w.n/poolDataMark+1)}
	var n int64
	for i := 1; i < w.Len(); i++ {
		if (i-1)%poolDataMark == 0 {
			d.marks = append(d.marks, n)
		}
		b := w.raw(uint32(i))
		n += int64(len(b))
		entries++
		if len(b) >= 0x10000 {
			entries++ // the extended two-slot entry
		}
	}
	pool = make([]byte, 0, 4*(1+entries))
	pool = binary.LittleEndian.AppendUint32(pool, poolHeader(w.own.codec.cp, w.RefSize() == 3))
	for i := 1; i < w.Len(); i++ {
		pool = appendPoolEntry(pool, len(w.raw(uint32(i))), uint32(w.refs[i]))
	}
	return pool, io.NewSectionReader(d, 0, n)
}

// poolDataMark is how many strings apart poolData marks where a string
// starts: a read walks at most that many strings to where it starts.
const poolDataMark = 64

// poolData reads a StringPoolWriter's _StringData: its strings' bytes,
// one after the other, string id 1+k*poolDataMark starting at marks[k]
// (an offset for each string would take 8 bytes a string).
type poolData struct {
	w     *StringPoolWriter
	marks []int64
}

func (d *poolData) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("msi: string data: negative offset %d", off)
	}
	// The last mark at or before off, then the string holding off.
	k, found := slices.BinarySearch(d.marks, off)
	if !found {
		k = max(k-1, 0)
	}
	id, start := k*poolDataMark+1, int64(0)
	if k < len(d.marks) {
		start = d.marks[k]
	}
	n := 0
	for ; n < len(p) && id < d.w.Len(); id++ {
		b := d.w.raw(uint32(id))
		end := start + int64(len(b))
		if at := off + int64(n); at < end {
			n += copy(p[n:], b[at-start:])
		}
		start = end
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
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
