package transform

import (
	"encoding/binary"
	"encoding/json"
	"iter"
	"strings"
	"unsafe"

	"github.com/msikit/msikit/internal/clip"
)

// An epList holds an AuditReport's entry points compactly: each is a
// record of bytes in an append-only arena, not an EntryPoint of a dozen
// strings and three slices (224 bytes before its key, name and
// descriptor: about 400 bytes an entry point for the 460,000 qualified
// components of a publish grid, 190 MB, TestAuditHeldPerEntryPoint).
// A record quotes short texts itself, and the others by their index in
// strs, which holds each text once for the records that follow one
// another or share it (the feature, component, descriptor and rewrite
// texts of thousands of rows); what is made of other fields (the name,
// a descriptor's data) is made again when the entry point is read.
// Decoded strings are views of the arena or of strs: bytes once written
// are never written again.
//
// A record is:
//
//	byte: kind (bits 0-3, epClass...), registered (bit 4), after (bits
//	      5-6), has descriptors (bit 7)
//	covers, coversAfter: zigzag varints
//	key: uvarint n+1 (0: a nil key), n cells
//	feature, component, componentID, notRegistered, rewrite: cells
//	name: the kind's parts (epName), one or two cells
//	reaches: uvarint n, n cells
//	descriptors: uvarint n, and for each where (epWhere), value,
//	      descriptor, args, problem (cells) and data (epData)
//
// where a cell is a uvarint h and:
//
//	h&3 == 0: h>>2 bytes of text follow (at most epInline);
//	h&3 == 1: the text is strs[h>>2];
//	h&3 == 2: the text is the record's key cell h>>2.
type epList struct {
	chunks [][]byte
	// at is where each record starts: its chunk's index << 32 | its
	// offset in the chunk.
	at   []uint64
	strs []string
	// registered is the number of registered entry points.
	registered int
}

const (
	// epChunk is the size of an arena chunk: a record that does not fit
	// in what is left of the current chunk starts a new one (a record
	// is a few kilobytes at most: its cells are short or indexes).
	epChunk = 256 << 10
	// epInline is the length up to which a cell's text is written in
	// the record; a longer one is held in strs.
	epInline = 16
	// epCompare is the length up to which texts are compared by their
	// bytes to be held once; longer ones are held once only when they
	// are the same string (the same bytes in memory).
	epCompare = 1024
	// epDerive is the length of a descriptor's Args up to which its
	// Data is made again when it is read, not held.
	epDerive = 64
	// epKeyRefs is the number of key cells other cells may refer to.
	epKeyRefs = 8
	// epCacheBits sizes the cache of held texts by address.
	epCacheBits = 12
)

// The kinds of entry points, as a record's first byte holds them.
const (
	epClass = iota
	epProgID
	epAppID
	epExtension
	epVerb
	epMIME
	epShortcut
	epTypeLib
	epQualified
	epKinds
)

// epKindNames are the kinds' EntryPoint.Kind and Table.
var epKindNames = [epKinds]struct{ kind, table string }{
	{"class", "Class"}, {"progid", "ProgId"}, {"appid", "AppId"}, {"extension", "Extension"},
	{"verb", "Verb"}, {"mime", "MIME"}, {"shortcut", "Shortcut"}, {"typelib", "TypeLib"},
	{"qualified component", "PublishComponent"},
}

// epKindOf returns the code of an EntryPoint.Kind.
func epKindOf(kind string) uint8 {
	for k, n := range epKindNames {
		if n.kind == kind {
			return uint8(k)
		}
	}
	return epProgID // not met: Audit makes the kinds above only
}

// epNameParts is the number of parts epName makes a kind's name of.
func epNameParts(kind uint8) int {
	switch kind {
	case epClass, epVerb, epTypeLib, epQualified:
		return 2
	}
	return 1
}

// epNameJoin returns the texts an entry point of kind's name joins,
// before the whole is clipped (epName), made of its parts a and b: for
// people, each quoted value clipped.
func epNameJoin(kind uint8, a, b string) (parts [4]string, n int) {
	switch kind {
	case epClass:
		return [4]string{"CLSID ", clip.String(a), " ", clip.String(b)}, 4
	case epAppID:
		return [4]string{"AppID ", clip.String(a)}, 2
	case epExtension:
		return [4]string{".", clip.String(strings.TrimPrefix(a, "."))}, 2
	case epVerb:
		return [4]string{".", clip.String(strings.TrimPrefix(a, ".")), " ", clip.String(b)}, 4
	case epTypeLib:
		return [4]string{"TypeLib ", clip.String(a), " language ", b}, 4
	case epQualified:
		return [4]string{"category ", clip.String(a), " qualifier ", clip.String(b)}, 4
	}
	return [4]string{a}, 1 // progid, mime, shortcut
}

// epName returns the name of an entry point of kind made of its parts
// (EntryPoint.Name).
func epName(kind uint8, a, b string) string {
	parts, n := epNameJoin(kind, a, b)
	if n == 1 {
		return clip.String(parts[0])
	}
	return clip.String(strings.Join(parts[:n], ""))
}

// appendEPName appends epName(kind, a, b) to buf, without making it
// first when it is not clipped.
func appendEPName(buf []byte, kind uint8, a, b string) []byte {
	parts, n := epNameJoin(kind, a, b)
	size := 0
	for _, p := range parts[:n] {
		size += len(p)
	}
	if size > clip.Max {
		return append(buf, epName(kind, a, b)...)
	}
	for _, p := range parts[:n] {
		buf = append(buf, p...)
	}
	return buf
}

// How a descriptor's Data is made (the form before it in a record).
const (
	epDataCell  = iota // a cell follows
	epDataDesc         // Descriptor
	epDataSpace        // Descriptor, a space and Args, when neither is "" (a verb's)
	epDataJoin         // Descriptor and Args, when Descriptor is not "" (a qualified component's)
)

// epData returns a descriptor's Data made by form.
func epData(form uint64, d *WrittenDescriptor) string {
	switch form {
	case epDataDesc:
		return d.Descriptor
	case epDataSpace:
		if d.Descriptor != "" && d.Args != "" {
			return d.Descriptor + " " + d.Args
		}
		return d.Descriptor
	case epDataJoin:
		if d.Descriptor != "" {
			return d.Descriptor + d.Args
		}
		return ""
	}
	return d.Data
}

// How a descriptor's Where is made (the form before it in a record).
// A class's and a shortcut's join two texts of the package, each up to
// clip.Max long: made for each row, 2 KB each when the texts are long
// and shared (a pooled CLSID and Context, a shortcut's Directory_ and
// Name), 100,000 classes held 200 MB of Wheres while the audit listed
// them, and as many shortcuts 190 MB in the report. The record holds
// the two texts, once for all the rows that share them.
const (
	epWhereCell     = iota // a cell follows: Where
	epWhereClass           // two cells: HKCR\CLSID\<first>\<second>
	epWhereShortcut        // two cells: <first>\<second>.lnk (DarwinDataBlock)
)

// An epWhere is the parts a descriptor's Where is made of, with the
// form that joins them (epWhereCell: none).
type epWhere struct {
	form uint8
	a, b string
}

// text returns the Where w makes.
func (w *epWhere) text() string {
	switch w.form {
	case epWhereClass:
		return `HKCR\CLSID\` + w.a + `\` + w.b
	case epWhereShortcut:
		return w.a + `\` + w.b + ".lnk (DarwinDataBlock)"
	}
	return ""
}

// epDataForm returns the form that makes d.Data, epDataCell for none.
func epDataForm(d *WrittenDescriptor) uint64 {
	desc, args, data := d.Descriptor, d.Args, d.Data
	switch {
	case data == desc:
		return epDataDesc
	case desc != "" && args != "" && len(data) == len(desc)+1+len(args) &&
		data[:len(desc)] == desc && data[len(desc)] == ' ' && data[len(desc)+1:] == args:
		return epDataSpace
	case desc != "" && len(data) == len(desc)+len(args) && data[:len(desc)] == desc && data[len(desc):] == args:
		return epDataJoin
	}
	return epDataCell
}

// Cell slots: a record's fields whose last held text the writer
// remembers, to hold a text met again by the next record once.
const (
	slotFeature = iota
	slotComponent
	slotComponentID
	slotNotRegistered
	slotRewrite
	slotName
	slotReach
	slotWhere
	slotWhereB
	slotValue
	slotDescriptor
	slotArgs
	slotData
	slotProblem
	slotKey
	numSlots = slotKey + 8 // the first 8 key cells have slots of their own
)

// An epWriter appends entry points to an epList.
type epWriter struct {
	l   *epList
	buf []byte   // the record being written
	key []string // its key
	// last is the text each slot held last, and its index in strs.
	last [numSlots]struct {
		s string
		i uint32
	}
	// cache holds, by address and length, the index of texts held.
	cache []epCached
}

type epCached struct {
	p uintptr
	n int
	i uint32
}

func newEPWriter(n int) *epWriter {
	return &epWriter{l: &epList{at: make([]uint64, 0, n)}, cache: make([]epCached, 1<<epCacheBits)}
}

// sameText reports whether a and b are the same text, comparing the
// bytes of texts up to epCompare long only.
func sameText(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) <= epCompare {
		return a == b
	}
	return unsafe.StringData(a) == unsafe.StringData(b)
}

func (w *epWriter) uvarint(v uint64) { w.buf = binary.AppendUvarint(w.buf, v) }

func (w *epWriter) varint(v int) { w.buf = binary.AppendVarint(w.buf, int64(v)) }

// cell writes s, as a key cell unless key is false.
func (w *epWriter) cell(slot int, s string, key bool) {
	if !key {
		for j, k := range w.key[:min(len(w.key), epKeyRefs)] {
			if sameText(k, s) {
				w.uvarint(uint64(j)<<2 | 2)
				return
			}
		}
	}
	if len(s) <= epInline {
		w.uvarint(uint64(len(s)) << 2)
		w.buf = append(w.buf, s...)
		return
	}
	w.uvarint(uint64(w.held(slot, s))<<2 | 1)
}

// held returns the index of s in strs, adding it.
func (w *epWriter) held(slot int, s string) uint32 {
	last := &w.last[slot]
	if last.s != "" && sameText(last.s, s) {
		return last.i
	}
	p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	h := (uint64(p>>3) ^ uint64(len(s))*0x9E3779B97F4A7C15) * 0x9E3779B97F4A7C15 >> (64 - epCacheBits)
	c := &w.cache[h]
	if c.p != p || c.n != len(s) {
		w.l.strs = append(w.l.strs, s)
		*c = epCached{p, len(s), uint32(len(w.l.strs) - 1)}
	}
	last.s, last.i = s, c.i
	return c.i
}

// add appends ep, whose name epName makes of a and b. Its Kind is one
// of epKindNames' and its Table that kind's.
func (w *epWriter) add(ep *EntryPoint, a, b string) {
	kind := epKindOf(ep.Kind)
	w.buf = w.buf[:0]
	h := kind | uint8(ep.after)<<5
	if ep.Registered {
		h |= 1 << 4
		w.l.registered++
	}
	if len(ep.Descriptors) > 0 {
		h |= 1 << 7
	}
	w.buf = append(w.buf, h)
	w.varint(ep.Covers)
	w.varint(ep.CoversAfter)
	w.key = nil
	if ep.Key == nil {
		w.uvarint(0)
	} else {
		w.uvarint(uint64(len(ep.Key)) + 1)
		for j, k := range ep.Key {
			w.cell(slotKey+min(j, numSlots-slotKey-1), k, true)
		}
	}
	w.key = ep.Key
	w.cell(slotFeature, ep.Feature, false)
	w.cell(slotComponent, ep.Component, false)
	w.cell(slotComponentID, ep.ComponentID, false)
	w.cell(slotNotRegistered, ep.NotRegistered, false)
	w.cell(slotRewrite, ep.Rewrite, false)
	w.cell(slotName, a, false)
	if epNameParts(kind) == 2 {
		w.cell(slotName, b, false)
	}
	w.uvarint(uint64(len(ep.Reaches)))
	for _, r := range ep.Reaches {
		w.cell(slotReach, r, false)
	}
	w.uvarint(uint64(len(ep.Descriptors)))
	for i := range ep.Descriptors {
		d := &ep.Descriptors[i]
		w.uvarint(uint64(d.where.form))
		if d.where.form == epWhereCell {
			w.cell(slotWhere, d.Where, false)
		} else {
			w.cell(slotWhere, d.where.a, false)
			w.cell(slotWhereB, d.where.b, false)
		}
		w.cell(slotValue, d.Value, false)
		w.cell(slotDescriptor, d.Descriptor, false)
		w.cell(slotArgs, d.Args, false)
		w.cell(slotProblem, d.Problem, false)
		// Data is made again when it is read, unless it quotes a long
		// argument: a verb's data is then one text for all the verbs
		// that share the argument, held once.
		form := uint64(epDataCell)
		if len(d.Args) <= epDerive {
			form = epDataForm(d)
		}
		w.uvarint(form)
		if form == epDataCell {
			w.cell(slotData, d.Data, false)
		}
	}
	w.key = nil
	l := w.l
	n := len(w.buf)
	if len(l.chunks) == 0 || cap(l.chunks[len(l.chunks)-1])-len(l.chunks[len(l.chunks)-1]) < n {
		l.chunks = append(l.chunks, make([]byte, 0, max(epChunk, n)))
	}
	c := &l.chunks[len(l.chunks)-1]
	l.at = append(l.at, uint64(len(l.chunks)-1)<<32|uint64(len(*c)))
	*c = append(*c, w.buf...)
}

// done returns the list, which the writer no longer adds to.
func (w *epWriter) done() *epList {
	l := w.l
	w.l, w.cache = nil, nil
	return l
}

func (l *epList) len() int {
	if l == nil {
		return 0
	}
	return len(l.at)
}

// An epReader reads a record.
type epReader struct {
	l   *epList
	b   []byte
	off int
	// keyAt is where the record's first key cells are, for the cells
	// that refer to them.
	keyAt [epKeyRefs]int
}

func (l *epList) reader(i int) epReader {
	at := l.at[i]
	c := l.chunks[at>>32]
	return epReader{l: l, b: c[:cap(c)], off: int(at & (1<<32 - 1))}
}

func (r *epReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b[r.off:])
	r.off += n
	return v
}

func (r *epReader) varint() int {
	v, n := binary.Varint(r.b[r.off:])
	r.off += n
	return int(v)
}

func (r *epReader) cell() string {
	h := r.uvarint()
	switch h & 3 {
	case 0:
		n := int(h >> 2)
		if n == 0 {
			return ""
		}
		s := unsafe.String(&r.b[r.off], n)
		r.off += n
		return s
	case 1:
		return r.l.strs[h>>2]
	}
	// A key cell, read again where it is (never a reference itself).
	off := r.off
	r.off = r.keyAt[h>>2]
	s := r.cell()
	r.off = off
	return s
}

// An epHead is what the audit's loops read of an entry point: the
// start of its record.
type epHead struct {
	kind        uint8
	registered  bool
	after       epAfter
	described   bool // it has descriptors
	covers      int
	coversAfter int
	key         []string
	feature     string
	component   string
}

// writes reports whether Windows Installer writes the entry point's own
// descriptor (EntryPoint.writes).
func (h *epHead) writes() bool {
	switch h.kind {
	case epClass, epVerb, epShortcut, epQualified:
		return h.described
	}
	return false
}

// head decodes the start of record i into h, and with key its key into
// h.key's room (else h.key is nil).
func (l *epList) head(i int, h *epHead, key bool) epReader {
	r := l.reader(i)
	b := r.b[r.off]
	r.off++
	h.kind, h.registered, h.after, h.described = b&15, b&(1<<4) != 0, epAfter(b>>5&3), b&(1<<7) != 0
	h.covers, h.coversAfter = r.varint(), r.varint()
	n := int(r.uvarint())
	switch {
	case !key || n == 0:
		h.key = nil
	case h.key == nil:
		h.key = []string{} // a key of no cells, not nil
	default:
		h.key = h.key[:0]
	}
	for j := range n - 1 {
		if j < epKeyRefs {
			r.keyAt[j] = r.off
		}
		s := r.cell()
		if key {
			h.key = append(h.key, s)
		}
	}
	h.feature, h.component = r.cell(), r.cell()
	return r
}

// rowName returns rowName of entry point i, its key read from the
// record, not decoded into a slice.
func (l *epList) rowName(i int) string {
	r := l.reader(i)
	table := epKindNames[r.b[r.off]&15].table
	r.off++
	r.varint()
	r.varint()
	n := max(int(r.uvarint())-1, 0)
	start := r.off
	size := len(table) + len(" []")
	for j := range n {
		if j > 0 {
			size += len(", ")
		}
		size += min(len(r.cell()), clip.Max)
	}
	r.off = start
	var b strings.Builder
	b.Grow(size)
	b.WriteString(table)
	b.WriteString(" [")
	for j := range n {
		if j > 0 {
			b.WriteString(", ")
		}
		b.WriteString(clip.String(r.cell()))
	}
	b.WriteByte(']')
	return b.String()
}

// Modes of decode.
const (
	epReuse  = 1 << iota // ep's slices are reused (else they are its own)
	epShort              // ep's descriptors and reaches are left out
	epNoName             // ep's Name is left out: decode returns its parts
	epNoKey              // ep's Key is left out (nil)
)

// decode decodes record i into ep, as mode says, and returns the parts
// of its name (epName).
func (l *epList) decode(i int, ep *EntryPoint, mode int) (a, b string) {
	reuse := mode&epReuse != 0
	var h epHead
	if reuse {
		h.key = ep.Key[:0]
	}
	r := l.head(i, &h, mode&epNoKey == 0)
	names := &epKindNames[h.kind]
	ep.Kind, ep.Table, ep.Key = names.kind, names.table, h.key
	if !reuse && h.key != nil {
		ep.Key = h.key[:len(h.key):len(h.key)]
	}
	ep.Registered, ep.after, ep.Covers, ep.CoversAfter = h.registered, h.after, h.covers, h.coversAfter
	ep.Feature, ep.Component = h.feature, h.component
	ep.ComponentID, ep.NotRegistered, ep.Rewrite = r.cell(), r.cell(), r.cell()
	a = r.cell()
	if epNameParts(h.kind) == 2 {
		b = r.cell()
	}
	ep.Name = ""
	if mode&epNoName == 0 {
		ep.Name = epName(h.kind, a, b)
	}
	reaches, descs := ep.Reaches[:0], ep.Descriptors[:0]
	if !reuse {
		reaches, descs = nil, nil
	}
	if mode&epShort != 0 {
		ep.Reaches, ep.Descriptors = nil, nil
		return a, b
	}
	n := int(r.uvarint())
	if n > 0 && reaches == nil {
		reaches = make([]string, 0, n)
	}
	for range n {
		reaches = append(reaches, r.cell())
	}
	n = int(r.uvarint())
	if n > 0 && descs == nil {
		descs = make([]WrittenDescriptor, 0, n)
	}
	for range n {
		var d WrittenDescriptor
		if form := r.uvarint(); form == epWhereCell {
			d.Where = r.cell()
		} else {
			where := epWhere{form: uint8(form), a: r.cell(), b: r.cell()}
			d.Where = where.text()
		}
		d.Value, d.Descriptor, d.Args, d.Problem = r.cell(), r.cell(), r.cell(), r.cell()
		if form := r.uvarint(); form == epDataCell {
			d.Data = r.cell()
		} else {
			d.Data = epData(form, &d)
		}
		descs = append(descs, d)
	}
	// Kept for the next call, but empty as nil.
	ep.Reaches, ep.Descriptors = reaches, descs
	if !reuse {
		if len(reaches) == 0 {
			ep.Reaches = nil
		}
		if len(descs) == 0 {
			ep.Descriptors = nil
		}
	}
	return a, b
}

// each calls fn with each entry point in order, until fn returns false;
// the entry point's slices are reused by the next call.
// With epNoName in mode, ep.Name is left out and fn is given the parts
// of the name instead.
func (l *epList) each(mode int, fn func(i int, ep *EntryPoint, a, b string) bool) {
	var ep EntryPoint
	for i := range l.len() {
		a, b := l.decode(i, &ep, mode|epReuse)
		if !fn(i, &ep, a, b) {
			return
		}
	}
}

// NumEntryPoints returns the number of entry points the report lists.
func (r *AuditReport) NumEntryPoints() int { return r.eps.len() }

// EntryPoint returns entry point i (0 <= i < NumEntryPoints()). Its
// slices are its own: a caller may keep them.
func (r *AuditReport) EntryPoint(i int) EntryPoint {
	var ep EntryPoint
	r.eps.decode(i, &ep, 0)
	return ep
}

// EntryPoints returns an iterator over the entry points, the package's
// advertised entry points and the rows that lead to them, in table
// order (Class, ProgId, AppId, Extension, Verb, MIME, Shortcut,
// TypeLib, PublishComponent), with their index. The report holds them
// compactly and writes each out as it is reached; each one's slices are
// its own.
func (r *AuditReport) EntryPoints() iter.Seq2[int, EntryPoint] {
	return func(yield func(int, EntryPoint) bool) {
		for i := range r.eps.len() {
			if !yield(i, r.EntryPoint(i)) {
				return
			}
		}
	}
}

// RegisteredEntryPoints returns the number of entry points msiexec
// registers or advertises (EntryPoint.Registered).
func (r *AuditReport) RegisteredEntryPoints() int {
	if r.eps == nil {
		return 0
	}
	return r.eps.registered
}

// entryPointsJSON writes the report's entry points as a JSON array, as
// json.Marshal writes a []EntryPoint, an entry point at a time.
type entryPointsJSON struct{ l *epList }

func (e entryPointsJSON) MarshalJSON() ([]byte, error) {
	out := []byte{'['}
	var ep EntryPoint
	for i := range e.l.len() {
		e.l.decode(i, &ep, epReuse)
		// Empty as nil, as EntryPoint gives them (omitempty either way).
		b, err := json.Marshal(&ep)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, b...)
	}
	return append(out, ']'), nil
}
