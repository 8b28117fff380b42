package cfb

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
)

// WriterOptions configures a Writer. The zero value (or nil) writes version
// 3 and switches to version 4 only when the content does not fit version 3.
type WriterOptions struct {
	// Version is 0 or 3 for version 3 (512-byte sectors, switching to
	// version 4 automatically when needed), or 4 for version 4
	// (4096-byte sectors).
	Version int
}

// A Header holds the metadata of an entry to be written.
type Header struct {
	Name      string   // the entry's name (at most 31 UTF-16 units)
	RawName   []uint16 // when non-nil, used instead of Name (exact passthrough)
	CLSID     GUID
	StateBits uint32
	Created   Filetime
	Modified  Filetime
}

func (h *Header) units() []uint16 {
	if h.RawName != nil {
		return slices.Clone(h.RawName)
	}
	return encodeName(h.Name)
}

// v3MaxStream is the largest stream version 3 allows (MS-CFB 2.6.3).
const v3MaxStream = 0x80000000

// A Writer builds a compound file. Entries are collected in memory (stream
// data given as io.ReaderAt is only referenced) and the file is laid out and
// written by Close. A Writer is not safe for concurrent use.
type Writer struct {
	w       io.Writer
	version int
	root    *wnode
	closed  bool
	err     error
	nodes   int

	noCopyRange bool // tests: kernel copies use sendfile only
}

// wnode is one entry being written.
type wnode struct {
	name      []uint16
	key       string // upper-cased name, for duplicate detection
	typ       Type
	clsid     GUID
	state     uint32
	created   Filetime
	modified  Filetime
	explicit  bool // storage created by Mkdir/Copy rather than implicitly
	slashKids bool // some child's name contains "/"
	children  []*wnode
	byKey     map[string]*wnode
	src       io.ReaderAt
	size      int64
	buf       *bytes.Buffer
	id        uint32
	left      uint32
	right     uint32
	child     uint32
	black     bool
	start     uint32
	parentDir *wnode
}

func nameKey(u []uint16) string {
	var b strings.Builder
	b.Grow(2 * len(u))
	for _, c := range u {
		c = upperUnit(c)
		b.WriteByte(byte(c))
		b.WriteByte(byte(c >> 8))
	}
	return b.String()
}

// NewWriter returns a Writer that writes a compound file to w when closed.
func NewWriter(w io.Writer, opts *WriterOptions) *Writer {
	wr := &Writer{w: w, version: 3}
	if opts != nil && opts.Version == 4 {
		wr.version = 4
	}
	if opts != nil && opts.Version != 0 && opts.Version != 3 && opts.Version != 4 {
		wr.err = fmt.Errorf("cfb: unsupported version %d (want 3 or 4)", opts.Version)
	}
	wr.root = &wnode{name: encodeName("Root Entry"), typ: TypeRoot, explicit: true, byKey: map[string]*wnode{}}
	return wr
}

// SetRoot sets the root entry's CLSID, state bits and times. A non-empty
// Name or RawName also replaces the root's name (by default "Root Entry").
func (w *Writer) SetRoot(h Header) {
	r := w.root
	if h.RawName != nil || h.Name != "" {
		r.name = h.units()
	}
	r.clsid, r.state, r.created, r.modified = h.CLSID, h.StateBits, h.Created, h.Modified
}

func (w *Writer) check() error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("cfb: writer is closed")
	}
	return nil
}

// splitLast splits a path into its parent path and final name.
func splitLast(path string) (parent, name string, err error) {
	if path == "" {
		return "", "", errors.New("cfb: empty path")
	}
	i := strings.LastIndexByte(path, '/')
	if i < 0 {
		return "", path, nil
	}
	return path[:i], path[i+1:], nil
}

func checkName(u []uint16) error {
	if len(u) == 0 {
		return errors.New("cfb: empty entry name")
	}
	if len(u) > maxNameUnits {
		return fmt.Errorf("cfb: name %q is %d UTF-16 units long, more than %d", decodeName(u), len(u), maxNameUnits)
	}
	if slices.Contains(u, 0) {
		return fmt.Errorf("cfb: name %q contains NUL", decodeName(u))
	}
	return nil
}

// storage returns the storage at the "/"-separated path below the root,
// creating missing storages with zero metadata. At each level the longest
// run of path elements that names an existing child is taken, so storages
// whose names contain "/" are reachable once they exist.
func (w *Writer) storage(path string) (*wnode, error) {
	n := w.root
	rest := path
	for rest != "" {
		var next *wnode
		used := 0
		if n.slashKids {
			// Try each run of elements that could be one name (at most
			// 31 UTF-16 units, so at most 124 bytes), keeping the longest.
			start := 0
			for {
				k := strings.IndexByte(rest[start:], '/')
				end := len(rest)
				if k >= 0 {
					end = start + k
				}
				if end > 4*maxNameUnits {
					break
				}
				if c := n.byKey[nameKey(encodeName(rest[:end]))]; c != nil {
					next, used = c, end
				}
				if k < 0 {
					break
				}
				start = end + 1
			}
		} else {
			seg := rest
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				seg = rest[:i]
			}
			if c := n.byKey[nameKey(encodeName(seg))]; c != nil {
				next, used = c, len(seg)
			}
		}
		if next == nil {
			seg := rest
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				seg = rest[:i]
			}
			u := encodeName(seg)
			if err := checkName(u); err != nil {
				return nil, err
			}
			next = &wnode{name: u, key: nameKey(u), typ: TypeStorage, byKey: map[string]*wnode{}}
			if err := w.add(n, next); err != nil {
				return nil, err
			}
			used = len(seg)
		}
		if next.typ != TypeStorage {
			return nil, fmt.Errorf("cfb: %q is a stream, not a storage", decodeName(next.name))
		}
		n = next
		rest = rest[used:]
		if rest != "" {
			rest = rest[1:] // the "/" after the name
			if rest == "" {
				return nil, errors.New("cfb: empty entry name")
			}
		}
	}
	return n, nil
}

func (w *Writer) add(parent, c *wnode) error {
	if _, dup := parent.byKey[c.key]; dup {
		return fmt.Errorf("cfb: duplicate entry name %q", decodeName(c.name))
	}
	w.nodes++
	if slices.Contains(c.name, '/') {
		parent.slashKids = true
	}
	parent.byKey[c.key] = c
	parent.children = append(parent.children, c)
	c.parentDir = parent
	return nil
}

// Mkdir creates a storage at path ("/"-separated names below the root);
// missing parents are created with zero metadata. If h is non-nil its
// CLSID, state bits and times are used (its names are ignored). Mkdir on
// a storage that was created implicitly sets its metadata.
func (w *Writer) Mkdir(path string, h *Header) error {
	if err := w.check(); err != nil {
		return err
	}
	parent, name, err := splitLast(path)
	if err != nil {
		return err
	}
	hh := Header{}
	if h != nil {
		hh = *h
	}
	hh.Name, hh.RawName = name, nil
	return w.mkdir(parent, &hh)
}

// MkdirHeader creates a storage named by h inside the storage at
// parentPath ("" for the root). Use it for names containing "/"; such a
// storage can then be named in parentPath arguments.
func (w *Writer) MkdirHeader(parentPath string, h *Header) error {
	if err := w.check(); err != nil {
		return err
	}
	return w.mkdir(parentPath, h)
}

func (w *Writer) mkdir(parentPath string, h *Header) error {
	p, err := w.storage(parentPath)
	if err != nil {
		return err
	}
	u := h.units()
	if err := checkName(u); err != nil {
		return err
	}
	k := nameKey(u)
	if c := p.byKey[k]; c != nil {
		if c.typ != TypeStorage || c.explicit {
			return fmt.Errorf("cfb: duplicate entry name %q", decodeName(u))
		}
		c.name, c.clsid, c.state, c.created, c.modified, c.explicit = u, h.CLSID, h.StateBits, h.Created, h.Modified, true
		return nil
	}
	c := &wnode{name: u, key: k, typ: TypeStorage, explicit: true, byKey: map[string]*wnode{},
		clsid: h.CLSID, state: h.StateBits, created: h.Created, modified: h.Modified}
	return w.add(p, c)
}

// CreateFrom adds a stream at path whose size bytes are read from r when
// the Writer is closed; the data is copied through, never held whole.
// r must stay readable until Close returns.
func (w *Writer) CreateFrom(path string, r io.ReaderAt, size int64) error {
	if err := w.check(); err != nil {
		return err
	}
	parent, name, err := splitLast(path)
	if err != nil {
		return err
	}
	return w.createStream(parent, &Header{Name: name}, r, size, nil)
}

// CreateHeaderFrom is CreateFrom for a stream named and described by h
// inside the storage at parentPath ("" for the root).
func (w *Writer) CreateHeaderFrom(parentPath string, h *Header, r io.ReaderAt, size int64) error {
	if err := w.check(); err != nil {
		return err
	}
	return w.createStream(parentPath, h, r, size, nil)
}

// Create adds a stream at path and returns a writer for its bytes, which
// are buffered in memory until Close. Use CreateFrom for large data.
func (w *Writer) Create(path string) (io.Writer, error) {
	if err := w.check(); err != nil {
		return nil, err
	}
	parent, name, err := splitLast(path)
	if err != nil {
		return nil, err
	}
	buf := new(bytes.Buffer)
	if err := w.createStream(parent, &Header{Name: name}, nil, 0, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// CreateHeader is Create for a stream named and described by h inside the
// storage at parentPath ("" for the root).
func (w *Writer) CreateHeader(parentPath string, h *Header) (io.Writer, error) {
	if err := w.check(); err != nil {
		return nil, err
	}
	buf := new(bytes.Buffer)
	if err := w.createStream(parentPath, h, nil, 0, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

func (w *Writer) createStream(parentPath string, h *Header, r io.ReaderAt, size int64, buf *bytes.Buffer) error {
	if size < 0 {
		return fmt.Errorf("cfb: negative stream size %d", size)
	}
	p, err := w.storage(parentPath)
	if err != nil {
		return err
	}
	u := h.units()
	if err := checkName(u); err != nil {
		return err
	}
	c := &wnode{name: u, key: nameKey(u), typ: TypeStream, clsid: h.CLSID, state: h.StateBits,
		created: h.Created, modified: h.Modified, src: r, size: size, buf: buf}
	return w.add(p, c)
}

// Copy passes through entry e of a Reader at the same place (e's ancestry
// of raw names): a stream with its metadata and bytes, or a storage (or
// the root) with its metadata and its whole subtree. Missing ancestors are
// created with the metadata of e's ancestors; a storage that exists only
// as such an ancestor (or implicitly) is filled in rather than duplicated.
// Stream bytes are read from the Reader at Close, so it must stay open
// until then.
func (w *Writer) Copy(e *Entry) error {
	if err := w.check(); err != nil {
		return err
	}
	var chain []*Entry
	for a := e.Parent; a != nil && a.Parent != nil; a = a.Parent {
		chain = append(chain, a)
	}
	parent := w.root
	for i := len(chain) - 1; i >= 0; i-- {
		c, err := w.mkdirIn(parent, chain[i], false)
		if err != nil {
			return err
		}
		parent = c
	}
	switch e.Type {
	case TypeRoot:
		w.SetRoot(Header{RawName: e.RawName, CLSID: e.CLSID, StateBits: e.StateBits, Created: e.Created, Modified: e.Modified})
		return w.copyChildren(w.root, e)
	case TypeStream:
		return w.copyStream(parent, e)
	}
	c, err := w.mkdirIn(parent, e, true)
	if err != nil {
		return err
	}
	return w.copyChildren(c, e)
}

// mkdirIn returns parent's child storage named like e, creating it with
// e's metadata. An existing storage that was not created explicitly takes
// e's metadata; explicit marks the result as explicitly created, and an
// explicit storage may not be created twice.
func (w *Writer) mkdirIn(parent *wnode, e *Entry, explicit bool) (*wnode, error) {
	if err := checkName(e.RawName); err != nil {
		return nil, err
	}
	k := nameKey(e.RawName)
	if c := parent.byKey[k]; c != nil {
		if c.typ != TypeStorage {
			return nil, fmt.Errorf("cfb: %q is a stream, not a storage", e.Path)
		}
		if !c.explicit {
			c.name, c.clsid, c.state, c.created, c.modified = slices.Clone(e.RawName), e.CLSID, e.StateBits, e.Created, e.Modified
			c.explicit = explicit
			return c, nil
		}
		if explicit {
			return nil, fmt.Errorf("cfb: duplicate entry name %q", decodeName(e.RawName))
		}
		return c, nil
	}
	c := &wnode{name: slices.Clone(e.RawName), key: k, typ: TypeStorage, explicit: explicit,
		byKey: map[string]*wnode{}, clsid: e.CLSID, state: e.StateBits, created: e.Created, modified: e.Modified}
	if err := w.add(parent, c); err != nil {
		return nil, err
	}
	return c, nil
}

func (w *Writer) copyStream(parent *wnode, e *Entry) error {
	if err := checkName(e.RawName); err != nil {
		return err
	}
	s, err := e.Open()
	if err != nil {
		return err
	}
	c := &wnode{name: slices.Clone(e.RawName), key: nameKey(e.RawName), typ: TypeStream, clsid: e.CLSID,
		state: e.StateBits, created: e.Created, modified: e.Modified, src: s, size: e.Size}
	return w.add(parent, c)
}

// copyChildren copies the subtree below e into n, iteratively.
func (w *Writer) copyChildren(n *wnode, e *Entry) error {
	type item struct {
		n *wnode
		e *Entry
	}
	stack := []item{{n, e}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, c := range it.e.Children {
			switch c.Type {
			case TypeStream:
				if err := w.copyStream(it.n, c); err != nil {
					return err
				}
			default:
				n, err := w.mkdirIn(it.n, c, true)
				if err != nil {
					return err
				}
				stack = append(stack, item{n, c})
			}
		}
	}
	return nil
}

// streamSize returns the final size of a stream node.
func (n *wnode) streamSize() int64 {
	if n.buf != nil {
		return int64(n.buf.Len())
	}
	return n.size
}

// layout is the planned file.
type layout struct {
	version  int
	shift    uint
	secSize  int64
	per      int64 // FAT entries per sector
	entries  []*wnode
	nFAT     int64
	nDIFAT   int64
	nDir     int64
	nMiniFAT int64
	nMini    int64 // mini sectors
	nMiniSec int64 // sectors holding the mini stream
	big      []*wnode
	small    []*wnode
	total    int64 // sectors after the header

	raw         io.Writer     // the Writer's destination
	bw          *bufio.Writer // buffered view of raw that write uses
	noCopyRange bool          // tests: use sendfile rather than copy_file_range

	firstDIFAT, firstDir, firstMiniFAT, firstMini, firstBig int64
}

// Close lays out and writes the compound file. It does not close the
// underlying writer.
func (w *Writer) Close() error {
	if err := w.check(); err != nil {
		return err
	}
	w.closed = true
	l, err := w.plan()
	if err != nil {
		w.err = err
		return err
	}
	bw := bufio.NewWriterSize(w.w, 64<<10)
	l.raw, l.bw, l.noCopyRange = w.w, bw, w.noCopyRange
	if err := l.write(bw); err != nil {
		w.err = prefixed(err)
		return w.err
	}
	if err := bw.Flush(); err != nil {
		w.err = prefixed(err)
		return w.err
	}
	return nil
}

// prefixed gives errors from the destination writer the package prefix,
// keeping the cause for errors.Is. An *fs.PathError (a full disk, say)
// already names the file and the operation: "cfb: write out.msi: no space
// left on device".
func prefixed(err error) error {
	if _, ok := err.(*fs.PathError); ok {
		return fmt.Errorf("cfb: %w", err)
	}
	if strings.HasPrefix(err.Error(), "cfb: ") {
		return err
	}
	return fmt.Errorf("cfb: writing: %w", err)
}

func (w *Writer) plan() (*layout, error) {
	if err := checkName(w.root.name); err != nil {
		return nil, fmt.Errorf("%w (root entry)", err)
	}
	// Directory ids in pre-order with children in name order; each
	// storage's children form a balanced binary tree.
	var entries []*wnode
	stack := []*wnode{w.root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n.id = uint32(len(entries))
		n.left, n.right, n.child = noStream, noStream, noStream
		entries = append(entries, n)
		slices.SortFunc(n.children, func(a, b *wnode) int { return compareNames(a.name, b.name) })
		for i := len(n.children) - 1; i >= 0; i-- {
			stack = append(stack, n.children[i])
		}
	}
	if int64(len(entries)) > int64(maxRegSect) {
		return nil, errors.New("cfb: too many entries")
	}
	for _, n := range entries {
		if len(n.children) > 0 {
			n.child = buildTree(n.children)
		}
	}
	l := &layout{entries: entries}
	var miniBytes int64
	fitsV3 := true
	for _, n := range entries {
		if n.typ != TypeStream {
			continue
		}
		sz := n.streamSize()
		if sz > v3MaxStream {
			fitsV3 = false
		}
		switch {
		case sz == 0:
			n.start = endOfChain
		case sz < miniCutoff:
			l.small = append(l.small, n)
			n.start = uint32(miniBytes / miniSectorSize)
			miniBytes += (sz + miniSectorSize - 1) &^ (miniSectorSize - 1)
		default:
			l.big = append(l.big, n)
		}
	}
	l.nMini = miniBytes / miniSectorSize
	version := w.version
	if version == 3 && !fitsV3 {
		version = 4
	}
	for {
		if err := l.size(version); err != nil {
			if version == 3 {
				version = 4
				continue
			}
			return nil, err
		}
		break
	}
	return l, nil
}

// buildTree links sorted siblings into a balanced binary search tree and
// colours it so that it is a valid red-black tree: every level is full
// except possibly the deepest, whose nodes are red. It returns the root id.
func buildTree(sib []*wnode) uint32 {
	full := 0 // number of full levels
	for (1<<(full+1))-1 <= len(sib) {
		full++
	}
	type span struct {
		lo, hi, depth int
		set           *uint32
	}
	var root uint32
	stack := []span{{0, len(sib), 0, &root}}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if s.lo >= s.hi {
			*s.set = noStream
			continue
		}
		mid := s.lo + (s.hi-s.lo-1)/2
		n := sib[mid]
		*s.set = n.id
		n.black = s.depth < full
		stack = append(stack, span{s.lo, mid, s.depth + 1, &n.left}, span{mid + 1, s.hi, s.depth + 1, &n.right})
	}
	return root
}

// size computes sector counts and positions for the given version.
func (l *layout) size(version int) error {
	l.version = version
	l.shift = 9
	if version == 4 {
		l.shift = 12
	}
	l.secSize = 1 << l.shift
	l.per = l.secSize / 4
	perDir := l.secSize / dirEntrySize
	l.nDir = (int64(len(l.entries)) + perDir - 1) / perDir
	l.nMiniFAT = (l.nMini + l.per - 1) / l.per
	l.nMiniSec = (l.nMini*miniSectorSize + l.secSize - 1) >> l.shift
	var bigSecs int64
	for _, n := range l.big {
		bigSecs += (n.streamSize() + l.secSize - 1) >> l.shift
	}
	data := l.nDir + l.nMiniFAT + l.nMiniSec + bigSecs
	l.nFAT, l.nDIFAT = 0, 0
	for {
		total := data + l.nFAT + l.nDIFAT
		f := (total + l.per - 1) / l.per
		x := int64(0)
		if f > headerDIFAT {
			x = (f - headerDIFAT + l.per - 2) / (l.per - 1)
		}
		if f == l.nFAT && x == l.nDIFAT {
			break
		}
		l.nFAT, l.nDIFAT = max(f, l.nFAT), max(x, l.nDIFAT)
	}
	l.total = data + l.nFAT + l.nDIFAT
	if l.total > int64(maxRegSect) {
		return fmt.Errorf("cfb: content needs %d sectors, more than version %d allows", l.total, version)
	}
	// Order: FAT, DIFAT, directory, mini FAT, mini stream, big streams.
	l.firstDIFAT = l.nFAT
	l.firstDir = l.firstDIFAT + l.nDIFAT
	l.firstMiniFAT = l.firstDir + l.nDir
	l.firstMini = l.firstMiniFAT + l.nMiniFAT
	l.firstBig = l.firstMini + l.nMiniSec
	next := l.firstBig
	for _, n := range l.big {
		n.start = uint32(next)
		next += (n.streamSize() + l.secSize - 1) >> l.shift
	}
	return nil
}

// chainWriter emits allocation-table entries sector by sector.
type chainWriter struct {
	w   io.Writer
	buf []byte
	n   int
	err error
}

func (c *chainWriter) put(v uint32) {
	if c.err != nil {
		return
	}
	binary.LittleEndian.PutUint32(c.buf[c.n:], v)
	c.n += 4
	if c.n == len(c.buf) {
		_, c.err = c.w.Write(c.buf)
		c.n = 0
	}
}

// chain emits a chain of count consecutive sectors starting at first.
func (c *chainWriter) chain(first, count int64) {
	for i := int64(1); i < count; i++ {
		c.put(uint32(first + i))
	}
	if count > 0 {
		c.put(endOfChain)
	}
}

// flush pads the last sector with FREESECT.
func (c *chainWriter) flush() error {
	for c.n != 0 && c.err == nil {
		c.put(freeSect)
	}
	return c.err
}

func (l *layout) write(w io.Writer) error {
	le := binary.LittleEndian
	h := make([]byte, l.secSize) // v4 pads the header to a whole sector
	copy(h, magic[:])
	le.PutUint16(h[0x18:], 0x003E)
	le.PutUint16(h[0x1A:], uint16(l.version))
	le.PutUint16(h[0x1C:], 0xFFFE)
	le.PutUint16(h[0x1E:], uint16(l.shift))
	le.PutUint16(h[0x20:], 6)
	if l.version == 4 {
		le.PutUint32(h[0x28:], uint32(l.nDir))
	}
	le.PutUint32(h[0x2C:], uint32(l.nFAT))
	le.PutUint32(h[0x30:], uint32(l.firstDir))
	le.PutUint32(h[0x38:], miniCutoff)
	if l.nMiniFAT > 0 {
		le.PutUint32(h[0x3C:], uint32(l.firstMiniFAT))
	} else {
		le.PutUint32(h[0x3C:], endOfChain)
	}
	le.PutUint32(h[0x40:], uint32(l.nMiniFAT))
	if l.nDIFAT > 0 {
		le.PutUint32(h[0x44:], uint32(l.firstDIFAT))
	} else {
		le.PutUint32(h[0x44:], endOfChain)
	}
	le.PutUint32(h[0x48:], uint32(l.nDIFAT))
	for i := int64(0); i < headerDIFAT; i++ {
		v := freeSect
		if i < l.nFAT {
			v = uint32(i)
		}
		le.PutUint32(h[0x4C+4*i:], v)
	}
	if _, err := w.Write(h); err != nil {
		return err
	}

	// FAT.
	cw := &chainWriter{w: w, buf: make([]byte, l.secSize)}
	for i := int64(0); i < l.nFAT; i++ {
		cw.put(fatSect)
	}
	for i := int64(0); i < l.nDIFAT; i++ {
		cw.put(difSect)
	}
	cw.chain(l.firstDir, l.nDir)
	cw.chain(l.firstMiniFAT, l.nMiniFAT)
	cw.chain(l.firstMini, l.nMiniSec)
	for _, n := range l.big {
		cw.chain(int64(n.start), (n.streamSize()+l.secSize-1)>>l.shift)
	}
	if err := cw.flush(); err != nil {
		return err
	}

	// DIFAT sectors: FAT sector numbers beyond the header's 109.
	if l.nDIFAT > 0 {
		cw := &chainWriter{w: w, buf: make([]byte, l.secSize)}
		fat := int64(headerDIFAT)
		for d := int64(0); d < l.nDIFAT; d++ {
			for j := int64(0); j < l.per-1; j++ {
				if fat < l.nFAT {
					cw.put(uint32(fat))
					fat++
				} else {
					cw.put(freeSect)
				}
			}
			if d+1 < l.nDIFAT {
				cw.put(uint32(l.firstDIFAT + d + 1))
			} else {
				cw.put(endOfChain)
			}
		}
		if cw.err != nil {
			return cw.err
		}
	}

	// Directory.
	dbuf := make([]byte, l.nDir*l.secSize)
	for i := range l.nDir * l.secSize / dirEntrySize {
		b := dbuf[i*dirEntrySize:]
		le.PutUint32(b[0x44:], noStream)
		le.PutUint32(b[0x48:], noStream)
		le.PutUint32(b[0x4C:], noStream)
	}
	for _, n := range l.entries {
		b := dbuf[int64(n.id)*dirEntrySize:]
		for i, u := range n.name {
			le.PutUint16(b[2*i:], u)
		}
		le.PutUint16(b[0x40:], uint16(2*(len(n.name)+1)))
		b[0x42] = byte(n.typ)
		if n.black || n.typ == TypeRoot {
			b[0x43] = 1
		}
		le.PutUint32(b[0x44:], n.left)
		le.PutUint32(b[0x48:], n.right)
		le.PutUint32(b[0x4C:], n.child)
		copy(b[0x50:], n.clsid[:])
		le.PutUint32(b[0x60:], n.state)
		le.PutUint64(b[0x64:], uint64(n.created))
		le.PutUint64(b[0x6C:], uint64(n.modified))
		switch n.typ {
		case TypeRoot:
			if l.nMini > 0 {
				le.PutUint32(b[0x74:], uint32(l.firstMini))
				le.PutUint64(b[0x78:], uint64(l.nMini*miniSectorSize))
			} else {
				le.PutUint32(b[0x74:], endOfChain)
			}
		case TypeStream:
			le.PutUint32(b[0x74:], n.start)
			le.PutUint64(b[0x78:], uint64(n.streamSize()))
		}
	}
	if _, err := w.Write(dbuf); err != nil {
		return err
	}

	// Mini FAT.
	cw = &chainWriter{w: w, buf: make([]byte, l.secSize)}
	for _, n := range l.small {
		cw.chain(int64(n.start), (n.streamSize()+miniSectorSize-1)/miniSectorSize)
	}
	if err := cw.flush(); err != nil {
		return err
	}

	// Mini stream.
	buf := make([]byte, 1<<20)
	var written int64
	for _, n := range l.small {
		sz := n.streamSize()
		if err := copyStream(w, n, buf, sz); err != nil {
			return err
		}
		pad := (sz+miniSectorSize-1)&^(miniSectorSize-1) - sz
		if err := zeros(w, buf, pad); err != nil {
			return err
		}
		written += sz + pad
	}
	if err := zeros(w, buf, l.nMiniSec*l.secSize-written); err != nil {
		return err
	}

	// Big streams.
	for _, n := range l.big {
		sz := n.streamSize()
		if err := l.copyBig(w, n, buf, sz); err != nil {
			return err
		}
		if err := zeros(w, buf, ((sz+l.secSize-1)&^(l.secSize-1))-sz); err != nil {
			return err
		}
	}
	return nil
}

func zeros(w io.Writer, buf []byte, n int64) error {
	for n > 0 {
		k := min(n, int64(len(buf)))
		clear(buf[:k])
		if _, err := w.Write(buf[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// copyBig writes a big stream, inside the kernel when it is a Stream of
// a file being copied to a file.
func (l *layout) copyBig(w io.Writer, n *wnode, buf []byte, size int64) error {
	if s, ok := n.src.(*Stream); ok && w == io.Writer(l.bw) && size >= 1<<20 {
		done, err := sendStream(l.bw, l.raw, s, size, l.noCopyRange)
		if err != nil {
			return fmt.Errorf("cfb: copying %q: %w", decodeName(n.name), err)
		}
		return copyFrom(w, n, buf, done, size)
	}
	return copyStream(w, n, buf, size)
}

// copyStream writes the stream's size bytes from its buffer or source.
func copyStream(w io.Writer, n *wnode, buf []byte, size int64) error {
	if n.buf != nil {
		_, err := w.Write(n.buf.Bytes())
		return err
	}
	return copyFrom(w, n, buf, 0, size)
}

// copyFrom writes bytes [off, size) of the stream's source.
func copyFrom(w io.Writer, n *wnode, buf []byte, off, size int64) error {
	for off < size {
		k := min(size-off, int64(len(buf)))
		m, err := n.src.ReadAt(buf[:k], off)
		if int64(m) < k {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("cfb: reading source of %q at offset %d: %w", decodeName(n.name), off+int64(m), err)
		}
		if _, err := w.Write(buf[:k]); err != nil {
			return err
		}
		off += k
	}
	return nil
}
