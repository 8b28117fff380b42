package transform

import (
	"encoding/binary"
	"slices"
	"strings"
	"unsafe"
)

// A changeLog holds a Report's changes compactly: each change is a
// record of bytes in an append-only arena, its cells copied there (a
// few bytes of header each), not a Change of five slices and strings
// (120 bytes before its cells and slices: 235 bytes a change in all
// for the changes of a rewrite of many verbs of one extension, 82 here,
// TestReportHeldPerChange).
// Decoded strings are views of the arena: bytes once written are never
// written again, so a string a caller keeps stays as it was.
//
// A record is:
//
//	header byte: op (bits 0-1: add, remove, update, other), key form
//	             (bits 2-3: nil, the first k cells of Old, of New, or
//	             listed), Old present (bit 4), New present (bit 5)
//	[other op: a cell]
//	table: uvarint index into tables
//	key:   k (uvarint) for a prefix, or a row for a listed key
//	[Old: a row] [New: a row]
//	reason: a cell
//
// where a row is its length (uvarint) and its cells, and a cell is a
// uvarint h and:
//
//	h&3 == 0: h>>2 bytes of text follow;
//	h&3 == 1: the text is h>>2 bytes that start d (a uvarint that
//	          follows) bytes before this cell's h, in the same chunk
//	          (a cell equal to one just written: an update's unchanged
//	          cells, a reason shared by a class's rows);
//	h&3 == 2: the text is long[h>>2] (a cell longer than longCell, or
//	          a reason longer than longReason, held once however many
//	          changes name it).
type changeLog struct {
	chunks [][]byte
	// at is where each record starts: its chunk's index << 32 | its
	// offset in the chunk.
	at     recordIndex
	tables []string
	table  map[string]int // index of tables, once there are many
	long   []string
	longAt map[longKey]int // index of long, by where the text is
	// prev are where the cells of the last record's Old (0), New (1)
	// and reason (2, prev[2][0]) were written, for back references.
	prev      [3][]int
	prevChunk int
	cur       [3][]int // the record being written
	// current is 1 + the index of the chunk records go to (0: none).
	current int
	// reasons are where the reasons of the last notes are written
	// (a changeLog of notes), the next one replacing reasons[nextReason].
	reasons    [recentReasons]recentReason
	nextReason int
	reasonAt   []int // scratch
}

const (
	// chunkSize is the size of an arena chunk: a record that does not
	// fit in what is left of the current chunk starts a new one.
	chunkSize = 256 << 10
	// bigRecord is the size past which a record gets a chunk of its
	// own, leaving the current one to the records that follow.
	bigRecord = chunkSize / 4
	// longCell is the length past which a cell is held as it is, once,
	// not copied into the arena (a pooled 64 KiB string that 2,000 rows
	// name).
	longCell = 256
	// minRef is the shortest cell written as a back reference (shorter
	// ones take no more room inline).
	minRef = 4
	// longReason is the length past which a change's reason is held as
	// it is, as a long cell is: a pass names the reason it made once for
	// a row in each of its changes, changes far apart (40,000 reasons of
	// 230 bytes, each naming a feature and a clipped 512 KiB component,
	// shared by a Component row added and its FeatureComponents row
	// 40,000 changes later were copied twice, 18 MB, beside the plan's
	// own). A reason held costs about 45 bytes more than its text (its
	// string and its entry in longAt): worth it past 128 bytes, and
	// shorter reasons repeat next to each other (back references).
	longReason = 128
)

// Op codes of a record's header.
const (
	opAdd = iota
	opRemove
	opUpdate
	opOther
)

// Key forms of a record's header.
const (
	keyNil = iota << 2
	keyOld
	keyNew
	keyListed
)

const (
	hasOld = 1 << 4
	hasNew = 1 << 5
)

func (l *changeLog) len() int {
	if l == nil {
		return 0
	}
	return l.at.n
}

func (l *changeLog) grow(n int) { l.at.grow(n) }

// A recordIndex holds where each record of a changeLog starts, in chunks
// of indexChunk: grown by append, one slice held its old and its new
// array at once, and left each array it outgrew to the collector (25 MB
// of them for the 650,000 notes of MIME rows naming one extension).
type recordIndex struct {
	chunks [][]uint64
	n      int
}

// indexChunk is the number of entries of a recordIndex chunk (32 KiB).
const indexChunk = 4096

// grow makes room for n more entries in the current chunk, up to its
// size: a report of a few changes takes a chunk of their size.
func (x *recordIndex) grow(n int) {
	if n <= 0 {
		return
	}
	if len(x.chunks) == 0 {
		x.chunks = append(x.chunks, make([]uint64, 0, min(n, indexChunk)))
		return
	}
	last := &x.chunks[len(x.chunks)-1]
	if want := min(len(*last)+n, indexChunk); want > cap(*last) {
		c := make([]uint64, len(*last), want)
		copy(c, *last)
		*last = c
	}
}

// add appends v.
func (x *recordIndex) add(v uint64) {
	switch {
	case len(x.chunks) == 0:
		x.chunks = append(x.chunks, nil) // grown as records come
	case len(x.chunks[len(x.chunks)-1]) == indexChunk:
		x.chunks = append(x.chunks, make([]uint64, 0, indexChunk))
	}
	last := &x.chunks[len(x.chunks)-1]
	*last = append(*last, v)
	x.n++
}

// get returns entry i.
func (x *recordIndex) get(i int) uint64 { return x.chunks[i/indexChunk][i%indexChunk] }

// tableIndex returns the index of table in l.tables, adding it.
func (l *changeLog) tableIndex(table string) int {
	if l.table != nil {
		if i, ok := l.table[table]; ok {
			return i
		}
	} else {
		for i, t := range l.tables {
			if t == table {
				return i
			}
		}
	}
	l.tables = append(l.tables, strings.Clone(table))
	i := len(l.tables) - 1
	if len(l.tables) == 16 {
		l.table = make(map[string]int, 32)
		for j, t := range l.tables {
			l.table[t] = j
		}
	} else if l.table != nil {
		l.table[l.tables[i]] = i
	}
	return i
}

// isPrefix reports whether key is row's first len(key) cells.
func isPrefix(key, row []string) bool {
	return len(key) <= len(row) && slices.Equal(key, row[:len(key)])
}

// add appends c.
func (l *changeLog) add(c *Change) {
	var op byte
	switch c.Op {
	case OpAdd:
		op = opAdd
	case OpRemove:
		op = opRemove
	case OpUpdate:
		op = opUpdate
	default:
		op = opOther
	}
	key := byte(keyListed)
	switch {
	case c.Key == nil:
		key = keyNil
	case c.Old != nil && isPrefix(c.Key, c.Old):
		key = keyOld
	case c.New != nil && isPrefix(c.Key, c.New):
		key = keyNew
	}
	h := op | key
	if c.Old != nil {
		h |= hasOld
	}
	if c.New != nil {
		h |= hasNew
	}
	// The record's size, at most: what decides where it goes.
	size := 1 + 2*binary.MaxVarintLen64 + cellsSize(c.Key) + cellsSize(c.Old) + cellsSize(c.New) + cellSize(c.Reason) + cellSize(string(c.Op))
	b, ci := l.space(size)
	l.at.add(uint64(ci)<<32 | uint64(len(b)))
	// Back references reach the last record's cells only in its chunk.
	var prev [3][]int
	if ci == l.prevChunk {
		prev = l.prev
	}
	for i := range l.cur {
		l.cur[i] = l.cur[i][:0]
	}
	b = append(b, h)
	if op == opOther {
		b = l.appendCell(b, string(c.Op), -1, nil)
	}
	b = binary.AppendUvarint(b, uint64(l.tableIndex(c.Table)))
	switch key {
	case keyOld, keyNew:
		b = binary.AppendUvarint(b, uint64(len(c.Key)))
	case keyListed:
		b = l.appendRow(b, c.Key, nil, nil, nil)
	}
	if c.Old != nil {
		b = l.appendRow(b, c.Old, prev[0], nil, &l.cur[0])
	}
	if c.New != nil {
		// An update's New refers to its Old's cells first.
		b = l.appendRow(b, c.New, l.cur[0], prev[1], &l.cur[1])
	}
	ref := -1
	if len(prev[2]) > 0 {
		ref = prev[2][0]
	}
	if len(c.Reason) > longReason && len(c.Reason) <= longCell {
		// Held as given, once however many changes name it.
		b = binary.AppendUvarint(b, uint64(l.longIndex(c.Reason))<<2|2)
		l.cur[2] = append(l.cur[2], -1)
	} else {
		b = l.appendCell(b, c.Reason, ref, &l.cur[2])
	}
	l.chunks[ci] = b
	l.prevChunk = ci
	l.prev, l.cur = l.cur, l.prev
}

func cellSize(s string) int {
	if len(s) > longCell {
		return binary.MaxVarintLen64
	}
	return 2*binary.MaxVarintLen64 + len(s)
}

func cellsSize(row []string) int {
	n := binary.MaxVarintLen64
	for _, s := range row {
		n += cellSize(s)
	}
	return n
}

// space returns the chunk to append a record of at most size bytes to,
// and its index: the current chunk, a new one when it is full, or one of
// its own for a big record (the current chunk then stays current).
func (l *changeLog) space(size int) ([]byte, int) {
	if size > bigRecord {
		l.chunks = append(l.chunks, make([]byte, 0, size))
		return l.chunks[len(l.chunks)-1], len(l.chunks) - 1
	}
	if l.current > 0 {
		if b := l.chunks[l.current-1]; cap(b)-len(b) >= size {
			return b, l.current - 1
		}
	}
	l.chunks = append(l.chunks, make([]byte, 0, chunkSize))
	l.current = len(l.chunks)
	return l.chunks[l.current-1], l.current - 1
}

// appendRow appends row: its length, then each cell, written as a back
// reference when it equals the text at the same index of first or,
// failing that, of then (positions of texts in b; -1 for none). Where
// each cell's text is written is appended to *pos (if not nil).
func (l *changeLog) appendRow(b []byte, row []string, first, then []int, pos *[]int) []byte {
	b = binary.AppendUvarint(b, uint64(len(row)))
	for i, s := range row {
		ref := -1
		if i < len(first) && first[i] >= 0 && matches(b, first[i], s) {
			ref = first[i]
		} else if i < len(then) {
			ref = then[i]
		}
		b = l.appendCell(b, s, ref, pos)
	}
	return b
}

// matches reports whether the text at ref in b is s.
func matches(b []byte, ref int, s string) bool {
	return ref >= 0 && ref+len(s) <= len(b) && string(b[ref:ref+len(s)]) == s
}

// appendCell appends the cell s, as a back reference to the text at
// ref (an offset in b, -1 for none) when that text is s; where s's text
// is (-1 for a long cell) is appended to *pos (if not nil).
func (l *changeLog) appendCell(b []byte, s string, ref int, pos *[]int) []byte {
	at := -1
	switch {
	case len(s) > longCell:
		b = binary.AppendUvarint(b, uint64(l.longIndex(s))<<2|2)
	case len(s) >= minRef && matches(b, ref, s):
		here := len(b)
		b = binary.AppendUvarint(b, uint64(len(s))<<2|1)
		b = binary.AppendUvarint(b, uint64(here-ref))
		at = ref
	default:
		b = binary.AppendUvarint(b, uint64(len(s))<<2)
		at = len(b)
		b = append(b, s...)
	}
	if pos != nil {
		*pos = append(*pos, at)
	}
	return b
}

// longIndex returns the index of s in l.long, adding it: once per
// string, whatever the number of changes that name it. s is held as it
// is (a pooled text is not copied), which is also what makes its address
// a key: while l.long holds s, no other string can start there.
func (l *changeLog) longIndex(s string) int {
	k := longKey{uintptr(unsafe.Pointer(unsafe.StringData(s))), len(s)}
	if i, ok := l.longAt[k]; ok {
		return i
	}
	if l.longAt == nil {
		l.longAt = map[longKey]int{}
	}
	l.long = append(l.long, s)
	l.longAt[k] = len(l.long) - 1
	return len(l.long) - 1
}

// A longKey is where a long cell's text is, and its length: an address
// held as a number, so that the map does not keep what it names alive
// (l.long does).
type longKey struct {
	at  uintptr
	len int
}

// A changeReader decodes records.
type changeReader struct {
	l   *changeLog
	b   []byte // the record's chunk
	off int
}

func (r *changeReader) uvarint() int {
	v, n := binary.Uvarint(r.b[r.off:])
	r.off += n
	return int(v)
}

func (r *changeReader) cell() string {
	at := r.off
	h := r.uvarint()
	n := h >> 2
	switch h & 3 {
	case 1:
		d := r.uvarint()
		return unsafe.String(&r.b[at-d:][0], n)
	case 2:
		return r.l.long[n]
	}
	if n == 0 {
		return ""
	}
	s := unsafe.String(&r.b[r.off], n)
	r.off += n
	return s
}

// row appends a row's cells to buf.
func (r *changeReader) row(buf []string) []string {
	n := r.uvarint()
	for range n {
		buf = append(buf, r.cell())
	}
	return buf
}

// tableOf returns the index of the table of record i.
func (l *changeLog) tableOf(i int) int {
	at := l.at.get(i)
	r := changeReader{l: l, b: l.chunks[at>>32], off: int(at & 0xffffffff)}
	h := r.b[r.off]
	r.off++
	if h&3 == opOther {
		r.cell()
	}
	return r.uvarint()
}

// decode returns record i, its Key, Old and New slices of buf (grown as
// needed; the next call may reuse it), its key form, and buf. The cells
// are laid out in buf as a listed key's, then Old's, then New's.
func (l *changeLog) decode(i int, buf []string) (Change, byte, []string) {
	at := l.at.get(i)
	r := changeReader{l: l, b: l.chunks[at>>32], off: int(at & 0xffffffff)}
	h := r.b[r.off]
	r.off++
	var c Change
	switch h & 3 {
	case opAdd:
		c.Op = OpAdd
	case opRemove:
		c.Op = OpRemove
	case opUpdate:
		c.Op = OpUpdate
	default:
		c.Op = Op(r.cell())
	}
	c.Table = l.tables[r.uvarint()]
	buf = buf[:0]
	k := 0
	switch h & (3 << 2) {
	case keyOld, keyNew:
		k = r.uvarint()
	case keyListed:
		buf = r.row(buf)
		k = len(buf)
	}
	var oldAt, newAt int
	oldAt = len(buf)
	if h&hasOld != 0 {
		buf = r.row(buf)
	}
	newAt = len(buf)
	if h&hasNew != 0 {
		buf = r.row(buf)
	}
	if h&hasOld != 0 {
		c.Old = buf[oldAt:newAt:newAt]
		if c.Old == nil {
			c.Old = []string{}
		}
	}
	if h&hasNew != 0 {
		c.New = buf[newAt:len(buf):len(buf)]
		if c.New == nil {
			c.New = []string{}
		}
	}
	switch h & (3 << 2) {
	case keyOld:
		c.Key = c.Old[:k:k]
	case keyNew:
		c.Key = c.New[:k:k]
	case keyListed:
		c.Key = buf[:k:k]
		if c.Key == nil {
			c.Key = []string{}
		}
	}
	c.Reason = r.cell()
	return c, h & (3 << 2), buf
}

// A Report's notes are held in a changeLog of their own, a record a
// note (a plan notes each of hundreds of thousands of rows: 780,000
// notes of the MsiAssembly rows of one long component were held at 72
// bytes a Note plus its Key's array, twice over while the report
// converted them, TestReportHeldPerNote):
//
//	header byte: severity (bits 0-1: info, warning, other), key form
//	             (bits 2-3: nil or listed)
//	[other severity: a cell]
//	table: uvarint index into tables
//	[key: a row]
//	reason: a cell
//
// The reason is written as a back reference when it equals the reason
// of one of the last few notes in the chunk (a pass notes rows in runs
// of a few reasons).

// Severity codes of a note's header.
const (
	noteInfo = iota
	noteWarning
	_
	noteOther
)

// addNote appends n.
func (l *changeLog) addNote(n *Note) {
	var h byte
	switch n.Severity {
	case Info:
		h = noteInfo
	case Warning:
		h = noteWarning
	default:
		h = noteOther
	}
	if n.Key != nil {
		h |= keyListed
	}
	size := 1 + 2*binary.MaxVarintLen64 + cellsSize(n.Key) + cellSize(n.Reason) + cellSize(string(n.Severity))
	b, ci := l.space(size)
	l.at.add(uint64(ci)<<32 | uint64(len(b)))
	b = append(b, h)
	if h&3 == noteOther {
		b = l.appendCell(b, string(n.Severity), -1, nil)
	}
	b = binary.AppendUvarint(b, uint64(l.tableIndex(n.Table)))
	if n.Key != nil {
		b = l.appendRow(b, n.Key, nil, nil, nil)
	}
	b = l.appendReason(b, ci, n.Reason)
	l.chunks[ci] = b
}

// recentReasons is how many reasons of the last notes a changeLog of
// notes refers back to.
const recentReasons = 8

// A recentReason is where the text of a recent note's reason is.
type recentReason struct {
	chunk, at, len int
}

// appendReason appends the reason s of a note to b, the chunk of index
// ci: a back reference to the text of a recent note's reason equal to
// it, if any in the same chunk.
func (l *changeLog) appendReason(b []byte, ci int, s string) []byte {
	ref := -1
	if len(s) >= minRef && len(s) <= longCell {
		for _, r := range l.reasons {
			if r.chunk == ci+1 && r.len == len(s) && matches(b, r.at, s) {
				ref = r.at
				break
			}
		}
	}
	var pos []int
	b = l.appendCell(b, s, ref, &l.reasonAt)
	pos, l.reasonAt = l.reasonAt, l.reasonAt[:0]
	if ref < 0 && len(pos) == 1 && pos[0] >= 0 && len(s) >= minRef {
		l.reasons[l.nextReason] = recentReason{ci + 1, pos[0], len(s)}
		l.nextReason = (l.nextReason + 1) % recentReasons
	}
	return b
}

// decodeNote returns note i, its Key a slice of buf (grown as needed;
// the next call may reuse it), and buf.
func (l *changeLog) decodeNote(i int, buf []string) (Note, []string) {
	at := l.at.get(i)
	r := changeReader{l: l, b: l.chunks[at>>32], off: int(at & 0xffffffff)}
	h := r.b[r.off]
	r.off++
	var n Note
	switch h & 3 {
	case noteInfo:
		n.Severity = Info
	case noteWarning:
		n.Severity = Warning
	default:
		n.Severity = Severity(r.cell())
	}
	n.Table = l.tables[r.uvarint()]
	buf = buf[:0]
	if h&(3<<2) == keyListed {
		buf = r.row(buf)
		n.Key = buf[:len(buf):len(buf)]
		if n.Key == nil {
			n.Key = []string{}
		}
	}
	n.Reason = r.cell()
	return n, buf
}
