package cfb

import (
	"bufio"
	"bytes"
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
	CLSID     GUID     // class ID (for streams too: kept as given)
	StateBits uint32   // user-defined state bits
	Created   Filetime // creation time; 0 for none
	Modified  Filetime // modification time; 0 for none
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
//
//   - Mkdir(path, h) and MkdirHeader(parentPath, h) add storages;
//   - CreateFrom(path, r, size) and CreateHeaderFrom(parentPath, h, r, size)
//     add streams whose bytes are read from an io.ReaderAt at Close and
//     copied through in chunks, never held whole;
//   - Create(path) and CreateHeader(parentPath, h) return an io.Writer for a
//     small stream buffered in memory;
//   - Copy(e) passes through a stream, a storage subtree or (for the root)
//     the whole file from a Reader, with names, CLSIDs, state bits, times
//     and bytes;
//   - SetRoot(h) sets the root's CLSID, state bits and times.
//
// Paths are "/"-separated names below the root; missing parent storages are
// created with zero metadata. The Header variants take exact names (RawName)
// and so reach names that contain "/". Sibling names must differ under CFB
// comparison (case-insensitive).
//
// Version 3 (512-byte sectors) is the default; the writer switches to
// version 4 (4096-byte sectors) when a stream exceeds version 3's 2 GiB
// limit or the sector count does not fit, or when WriterOptions asks for
// it. Streams under 4096 bytes go to the mini stream, DIFAT sectors are
// added when the FAT needs more than 109 sectors, and each storage's
// children form a balanced red-black tree in CFB name order. Output is
// deterministic: the same entries give the same bytes whatever order they
// were added in. When a Stream of a file is copied into an *os.File, Linux
// moves the bytes inside the kernel (copy_file_range or sendfile).
type Writer struct {
	w       io.Writer
	version int
	root    *wnode
	closed  bool
	err     error
	nodes   int
	written int64 // bytes Close wrote to w

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
	var buf [2 * maxNameUnits]byte // on the stack for a name that fits
	return string(AppendNameKey(buf[:0], u))
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
// Name, or a RawName that is not nil, also replaces the root's name (by
// default "Root Entry"); an empty one makes Close fail, as for any entry.
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
	cw := &countingWriter{w: w.w}
	bw := bufio.NewWriterSize(cw, 64<<10)
	l.raw, l.bw, l.noCopyRange = w.w, bw, w.noCopyRange
	err = l.write(bw)
	if err == nil {
		err = bw.Flush()
	}
	w.written = cw.n + l.sent
	if err != nil {
		w.err = prefixed(err)
		return w.err
	}
	return nil
}

// Written returns the number of bytes Close wrote to the underlying
// writer: all of the file when it succeeded, those that made it before
// the failure when it did (as io.WriterTo reports them). It counts the
// bytes the kernel copied as well (the writer's own file offset, which
// an append-mode file or a device does not advance as written, is not
// used).
func (w *Writer) Written() int64 { return w.written }

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
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
