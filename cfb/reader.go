package cfb

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/msikit/msikit/internal/safefile"
)

// Default budgets for ReaderOptions.
const (
	// DefaultMaxEntries is the default limit on directory entries.
	DefaultMaxEntries = 1 << 20
	// DefaultMaxDepth is the default limit on storage nesting below the root.
	DefaultMaxDepth = 64

	// minPathBudget is the least total length of all Entry.Path strings
	// the reader accepts; the budget is twice the file size when larger.
	minPathBudget = 16 << 20
)

// ReaderOptions sets the budgets the reader enforces on untrusted input,
// on top of checking every count from the file against the file's size.
// The zero value (or a nil pointer) means the defaults.
type ReaderOptions struct {
	// MaxEntries limits the number of directory entries (slots in the
	// directory stream). 0 means DefaultMaxEntries.
	MaxEntries int
	// MaxDepth limits how deeply storages may nest below the root.
	// 0 means DefaultMaxDepth. Memory for Entry.Path grows with
	// entries × depth, so raise it only as far as needed.
	MaxDepth int
}

// An Entry is one directory entry: the root, a storage or a stream.
type Entry struct {
	Name      string   // decoded UTF-16 name (unpaired surrogates become U+FFFD)
	RawName   []uint16 // exact on-disk name units, without the terminating NUL
	Type      Type     // TypeRoot, TypeStorage or TypeStream
	CLSID     GUID     // class ID as stored; meaningful for storages and the root only
	StateBits uint32   // user-defined state bits, kept as stored
	Created   Filetime // creation time exactly as stored; 0 when not recorded
	Modified  Filetime // modification time exactly as stored; 0 when not recorded
	Size      int64    // stream size in bytes; 0 for storages and the root
	Path      string   // names below the root joined by "/"; "" for the root
	Parent    *Entry   // nil for the root
	Children  []*Entry // storages and root: children in CFB name order

	r   *Reader
	ext []extent // streams: where the bytes are
	id  uint32   // directory entry index

	missing int64 // bytes past the end of a truncated file (read as zeros)
}

// IsDir reports whether e is a storage or the root.
func (e *Entry) IsDir() bool { return e.Type == TypeStorage || e.Type == TypeRoot }

// Open returns a fresh reader over the stream's bytes. Each call returns an
// independent Stream. Open fails for storages and the root.
func (e *Entry) Open() (*Stream, error) {
	if e.Type != TypeStream {
		return nil, fmt.Errorf("cfb: %q is a %v, not a stream", e.Path, e.Type)
	}
	return &Stream{ra: e.r.ra, fileSize: e.r.size, size: e.Size, ext: e.ext}, nil
}

// A Reader gives access to the entries of a compound file. Opening one
// checks every chain (acyclic, inside the file, long enough for the
// declared size) and describes each stream by a list of extents, so
// reading any part of a stream costs a binary search, never a FAT walk.
// Real files are messy: recoverable oddities (a partial last sector, a FAT
// longer than the file, a truncated stream, odd version fields) are
// accepted and described in Warnings.
type Reader struct {
	Root       *Entry   // the root storage; its Children are the top-level entries
	Version    int      // major version: 3 (512-byte sectors) or 4 (4096-byte sectors)
	SectorSize int      // 512 or 4096
	Warnings   []string // recoverable oddities found while reading

	ra      io.ReaderAt
	size    int64
	entries []*Entry

	// byPath is built by the first Lookup: a reader of 250,000
	// streams that is never asked by path (most are not) saves a map
	// of 250,000 paths.
	byPathOnce sync.Once
	byPath     map[string]*Entry
}

// A ReadCloser is a Reader that owns the file it reads; Close closes it.
type ReadCloser struct {
	*Reader
	f *os.File
}

// Close closes the underlying file.
func (rc *ReadCloser) Close() error { return rc.f.Close() }

// OpenReader opens the named compound file.
// A name that is not a regular file (a named pipe, a device, a folder) is
// refused at once, without waiting for a pipe's writer, with an
// *fs.PathError matching fs.ErrInvalid.
func OpenReader(name string) (*ReadCloser, error) {
	f, size, err := safefile.OpenRegular(name)
	if err != nil {
		return nil, err
	}
	r, err := NewReader(f, size)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &ReadCloser{Reader: r, f: f}, nil
}

// NewReader reads the compound file of the given size from r with the
// default budgets.
func NewReader(r io.ReaderAt, size int64) (*Reader, error) {
	return NewReaderOptions(r, size, nil)
}

// NewReaderOptions reads the compound file of the given size from r with
// the budgets in opts (nil means defaults). It loads the allocation tables
// and the directory, and checks every chain; stream bytes are read only
// when a Stream is read. r must hold size bytes: the tables are sized by
// it, so its last byte is read first, and a size r cannot serve is a
// *FormatError at that offset.
func NewReaderOptions(r io.ReaderAt, size int64, opts *ReaderOptions) (*Reader, error) {
	p := &parser{r: &Reader{ra: r, size: size}, maxEntries: DefaultMaxEntries, maxDepth: DefaultMaxDepth}
	if opts != nil {
		if opts.MaxEntries > 0 {
			p.maxEntries = opts.MaxEntries
		}
		if opts.MaxDepth > 0 {
			p.maxDepth = opts.MaxDepth
		}
	}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.r, nil
}

// Entries returns every entry in pre-order (root first, children in CFB
// name order). The slice is shared; do not modify it.
func (r *Reader) Entries() []*Entry { return r.entries }

// Lookup returns the entry whose Path is path, or nil. "" is the root.
// If several siblings share a name, the first in name order wins.
func (r *Reader) Lookup(path string) *Entry {
	r.byPathOnce.Do(func() {
		r.byPath = make(map[string]*Entry, len(r.entries))
		for _, e := range r.entries { // pre-order: the first of two siblings named alike wins
			if _, dup := r.byPath[e.Path]; !dup {
				r.byPath[e.Path] = e
			}
		}
	})
	return r.byPath[path]
}

// parser holds the state used while opening a file.
type parser struct {
	r          *Reader
	maxEntries int
	maxDepth   int

	slab     []Entry // unused entries of the current chunk (newEntry)
	slabSize int     // size of the current chunk

	shift     uint   // sector shift
	secSize   int64  // sector size
	nsec      uint32 // sectors present (the last may be partial)
	fat       []uint32
	owner     []uint32 // chain id owning each sector, 0 = none
	nextOwner uint32

	miniFAT   []uint32
	miniOwner []uint32
	nmini     uint32
	miniExt   []extent // where the mini stream lives

	dir    []byte
	dirExt []extent // where the directory lives in the file
}

func (p *parser) warnf(format string, args ...any) {
	if len(p.r.Warnings) < 100 {
		p.r.Warnings = append(p.r.Warnings, fmt.Sprintf(format, args...))
	} else if len(p.r.Warnings) == 100 {
		p.r.Warnings = append(p.r.Warnings, "further warnings suppressed")
	}
}

// readFull reads len(b) bytes at off, zero-filling what lies past the end
// of the file (real files often end with a partial sector).
func (p *parser) readFull(b []byte, off int64) error {
	n := len(b)
	if off >= p.r.size {
		n = 0
	} else if rem := p.r.size - off; int64(n) > rem {
		n = int(rem)
	}
	if n > 0 {
		m, err := p.r.ra.ReadAt(b[:n], off)
		if m < n {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return &FormatError{Offset: off, Msg: "read failed", Err: err}
		}
	}
	clear(b[n:])
	return nil
}

func (p *parser) sectorOffset(s uint32) int64 { return (int64(s) + 1) << p.shift }

// parse reads the header, the allocation tables and the directory, in
// that order, each step checking what the next relies on.
func (p *parser) parse() error {
	h, err := p.readHeader()
	if err != nil {
		return err
	}
	if err := p.loadFAT(h); err != nil {
		return err
	}
	p.owner = make([]uint32, len(p.fat))
	p.nextOwner = 1
	if err := p.readDir(h.firstDirSector().get()); err != nil {
		return err
	}
	root, err := p.entry(0, "")
	if err != nil {
		return err
	}
	if root.Type != TypeRoot {
		return formatErr(p.dirOffset(0), "", "first directory entry is a %v, not the root", root.Type)
	}
	if d := p.dirEntry(0); d.left().get() != noStream || d.right().get() != noStream {
		return formatErr(p.dirOffset(0)+offLeft, "", "root entry has siblings (%d, %d)", int32(d.left().get()), int32(d.right().get()))
	}
	if len(root.RawName) == 0 {
		// Windows writes "Root Entry"; an empty name cannot be written
		// back (Writer refuses empty names), as for any other entry.
		p.warnf("entry 0 (the root) has an empty name")
	}
	p.r.Root = root
	if root.Size > 0 {
		if err := p.loadMiniStream(h, root.Size); err != nil {
			return err
		}
	}
	root.Size = 0 // the mini stream is internal
	return p.walk(root)
}

// readHeader reads and checks the header, and sets the sector geometry.
func (p *parser) readHeader() (*header, error) {
	r := p.r
	if r.size < headerSize {
		return nil, formatErr(0, "", "file is %d bytes, shorter than the 512-byte header", r.size)
	}
	h := new(header)
	if err := p.readFull(h[:], 0); err != nil {
		return nil, err
	}
	// The tables are sized by the sectors the size holds (4 bytes of FAT
	// and owner per sector): a size the reader does not back, given by
	// an embedder (a remote file's claimed length), made a 20 KB package
	// said to be 1 TiB allocate and fill 16 GiB before any chain was
	// read. Its last byte must be there.
	var last [1]byte
	if n, err := r.ra.ReadAt(last[:], r.size-1); n < 1 {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, &FormatError{Offset: r.size - 1, Msg: fmt.Sprintf("the last byte of the %d bytes given cannot be read", r.size), Err: err}
	}
	if [8]byte(h.signature()) != magic {
		return nil, formatErr(0, "", "not a compound file (bad signature)")
	}
	major := h.majorVersion().get()
	if bo := h.byteOrder().get(); bo != 0xFFFE {
		return nil, formatErr(offByteOrder, "", "bad byte order mark %#04x", bo)
	}
	shift := h.sectorShift().get()
	switch shift {
	case 9, 12:
	default:
		return nil, formatErr(offSectorShift, "", "unsupported sector shift %d", shift)
	}
	p.shift = uint(shift)
	p.secSize = 1 << shift
	r.SectorSize = int(p.secSize)
	switch {
	case major == 3 && shift == 9, major == 4 && shift == 12:
		r.Version = int(major)
	default:
		r.Version = 3
		if shift == 12 {
			r.Version = 4
		}
		p.warnf("major version %d does not match sector size %d; using the sector size", major, p.secSize)
	}
	if ms := h.miniSectorShift().get(); ms != 6 {
		return nil, formatErr(offMiniSectorShift, "", "unsupported mini sector shift %d", ms)
	}
	if r.size < p.secSize {
		return nil, formatErr(0, "", "file is %d bytes, shorter than one %d-byte sector", r.size, p.secSize)
	}
	nsec := (r.size - p.secSize + p.secSize - 1) >> p.shift
	if nsec > int64(maxRegSect) {
		nsec = int64(maxRegSect)
	}
	p.nsec = uint32(nsec)
	if (r.size-p.secSize)%p.secSize != 0 {
		p.warnf("file size %d is not a whole number of %d-byte sectors", r.size, p.secSize)
	}
	if cut := h.miniStreamCutoff().get(); cut != miniCutoff {
		return nil, formatErr(offMiniStreamCutoff, "", "unsupported mini stream cutoff %d", cut)
	}
	return h, nil
}
