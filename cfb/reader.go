package cfb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
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

// ReaderOptions sets the budgets the reader enforces on untrusted input.
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
	Type      Type
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

// A Reader gives access to the entries of a compound file.
type Reader struct {
	Root       *Entry
	Version    int      // major version: 3 (512-byte sectors) or 4 (4096-byte sectors)
	SectorSize int      // 512 or 4096
	Warnings   []string // recoverable oddities found while reading

	ra      io.ReaderAt
	size    int64
	entries []*Entry
	byPath  map[string]*Entry
}

// A ReadCloser is a Reader that owns the file it reads; Close closes it.
type ReadCloser struct {
	*Reader
	f *os.File
}

// Close closes the underlying file.
func (rc *ReadCloser) Close() error { return rc.f.Close() }

// OpenReader opens the named compound file.
func OpenReader(name string) (*ReadCloser, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	r, err := NewReader(f, fi.Size())
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
// when a Stream is read.
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
func (r *Reader) Lookup(path string) *Entry { return r.byPath[path] }

// extent maps the stream bytes [log, log+n) to file bytes [phys, phys+n).
type extent struct {
	log, phys, n int64
}

// run is a maximal run of consecutive sector numbers in a chain.
type run struct {
	first, count uint32
}

// parser holds the state used while opening a file.
type parser struct {
	r          *Reader
	maxEntries int
	maxDepth   int

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

func (p *parser) parse() error {
	r := p.r
	if r.size < headerSize {
		return formatErr(0, "", "file is %d bytes, shorter than the 512-byte header", r.size)
	}
	var h [headerSize]byte
	if err := p.readFull(h[:], 0); err != nil {
		return err
	}
	if [8]byte(h[0:8]) != magic {
		return formatErr(0, "", "not a compound file (bad signature)")
	}
	le := binary.LittleEndian
	major := le.Uint16(h[0x1A:])
	if bo := le.Uint16(h[0x1C:]); bo != 0xFFFE {
		return formatErr(0x1C, "", "bad byte order mark %#04x", bo)
	}
	shift := le.Uint16(h[0x1E:])
	switch shift {
	case 9, 12:
	default:
		return formatErr(0x1E, "", "unsupported sector shift %d", shift)
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
	if ms := le.Uint16(h[0x20:]); ms != 6 {
		return formatErr(0x20, "", "unsupported mini sector shift %d", ms)
	}
	if r.size < p.secSize {
		return formatErr(0, "", "file is %d bytes, shorter than one %d-byte sector", r.size, p.secSize)
	}
	nsec := (r.size - p.secSize + p.secSize - 1) >> p.shift
	if nsec > int64(maxRegSect) {
		nsec = int64(maxRegSect)
	}
	p.nsec = uint32(nsec)
	if (r.size-p.secSize)%p.secSize != 0 {
		p.warnf("file size %d is not a whole number of %d-byte sectors", r.size, p.secSize)
	}
	if cut := le.Uint32(h[0x38:]); cut != miniCutoff {
		return formatErr(0x38, "", "unsupported mini stream cutoff %d", cut)
	}
	numFAT := le.Uint32(h[0x2C:])
	firstDir := le.Uint32(h[0x30:])
	firstMiniFAT := le.Uint32(h[0x3C:])
	numMiniFAT := le.Uint32(h[0x40:])
	firstDIFAT := le.Uint32(h[0x44:])
	numDIFAT := le.Uint32(h[0x48:])

	if err := p.loadFAT(h[:], numFAT, firstDIFAT, numDIFAT); err != nil {
		return err
	}
	p.owner = make([]uint32, len(p.fat))
	p.nextOwner = 1

	// Directory.
	dirRuns, err := p.chain(p.fat, p.owner, uint32(len(p.fat)), firstDir, -1, "directory")
	if err != nil {
		return err
	}
	nslots := int64(0)
	for _, rn := range dirRuns {
		nslots += int64(rn.count) << p.shift / dirEntrySize
	}
	perSector := p.secSize / dirEntrySize
	if nslots > int64(p.maxEntries)+perSector {
		return formatErr(p.sectorOffset(firstDir), "", "directory has %d entries, more than the limit of %d", nslots, p.maxEntries)
	}
	if nslots == 0 {
		return formatErr(p.sectorOffset(firstDir), "", "directory is empty")
	}
	p.dir = make([]byte, nslots*dirEntrySize)
	p.dirExt = p.extents(dirRuns, int64(len(p.dir)))
	off := int64(0)
	for _, rn := range dirRuns {
		n := int64(rn.count) << p.shift
		if err := p.readFull(p.dir[off:off+n], p.sectorOffset(rn.first)); err != nil {
			return err
		}
		off += n
	}

	// Root entry and mini stream.
	root, err := p.entry(0, "")
	if err != nil {
		return err
	}
	if root.Type != TypeRoot {
		return formatErr(p.dirOffset(0), "", "first directory entry is a %v, not the root", root.Type)
	}
	if l, rt := p.sibling(0, 0x44), p.sibling(0, 0x48); l != noStream || rt != noStream {
		return formatErr(p.dirOffset(0)+0x44, "", "root entry has siblings (%d, %d)", int32(l), int32(rt))
	}
	r.Root = root
	if root.Size > 0 {
		runs, err := p.chain(p.fat, p.owner, uint32(len(p.fat)), p.start(0), p.sectorsFor(root.Size), "mini stream")
		if err != nil {
			return err
		}
		p.miniExt = p.extents(runs, root.Size)
		p.nmini = uint32((root.Size + miniSectorSize - 1) / miniSectorSize)
		if firstMiniFAT != endOfChain && firstMiniFAT != freeSect {
			runs, err := p.chain(p.fat, p.owner, uint32(len(p.fat)), firstMiniFAT, -1, "mini FAT")
			if err != nil {
				return err
			}
			var n int64
			for _, rn := range runs {
				n += int64(rn.count)
			}
			if uint32(n) != numMiniFAT {
				p.warnf("header says %d mini FAT sectors, chain has %d", numMiniFAT, n)
			}
			// Only entries for existing mini sectors matter.
			entries := min(n<<p.shift/4, int64(p.nmini))
			p.miniFAT = make([]uint32, entries)
			buf := make([]byte, p.secSize)
			i := int64(0)
			for _, rn := range runs {
				for s := rn.first; s < rn.first+rn.count && i < entries; s++ {
					if err := p.readFull(buf, p.sectorOffset(s)); err != nil {
						return err
					}
					for j := int64(0); j < p.secSize/4 && i < entries; j++ {
						p.miniFAT[i] = le.Uint32(buf[4*j:])
						i++
					}
				}
			}
		} else if numMiniFAT > 0 {
			p.warnf("header says %d mini FAT sectors but gives no first sector", numMiniFAT)
		}
		p.miniOwner = make([]uint32, p.nmini)
	}
	root.Size = 0 // the mini stream is internal
	return p.walk(root)
}

// loadFAT reads the DIFAT (header slots plus the DIFAT chain) and the FAT
// sectors it lists, keeping only the entries for sectors inside the file.
func (p *parser) loadFAT(h []byte, numFAT, firstDIFAT, numDIFAT uint32) error {
	le := binary.LittleEndian
	perSec := uint32(p.secSize / 4)
	// FAT sectors needed to describe every sector of the file.
	need := (p.nsec + perSec - 1) / perSec
	if numFAT > p.nsec {
		return formatErr(0x2C, "", "header declares %d FAT sectors but the file has only %d sectors", numFAT, p.nsec)
	}
	var fatSecs []uint32
	for i := 0; i < headerDIFAT && uint32(len(fatSecs)) < numFAT; i++ {
		fatSecs = append(fatSecs, le.Uint32(h[0x4C+4*i:]))
	}
	// Walk the DIFAT chain as declared, checking for loops.
	if numDIFAT > 0 || (firstDIFAT != endOfChain && firstDIFAT != freeSect) {
		seen := make(map[uint32]bool)
		buf := make([]byte, p.secSize)
		cur := firstDIFAT
		count := uint32(0)
		for cur != endOfChain && cur != freeSect {
			if cur > maxRegSect || cur >= p.nsec {
				return formatErr(-1, "", "DIFAT sector %d is past the end of the file (%d sectors)", cur, p.nsec)
			}
			if seen[cur] {
				return formatErr(p.sectorOffset(cur), "", "DIFAT chain loops back to sector %d", cur)
			}
			seen[cur] = true
			count++
			if count > numDIFAT && count > p.nsec {
				return formatErr(p.sectorOffset(cur), "", "DIFAT chain is longer than the file")
			}
			if err := p.readFull(buf, p.sectorOffset(cur)); err != nil {
				return err
			}
			for j := uint32(0); j < perSec-1 && uint32(len(fatSecs)) < numFAT; j++ {
				fatSecs = append(fatSecs, le.Uint32(buf[4*j:]))
			}
			cur = le.Uint32(buf[4*(perSec-1):])
		}
		if count != numDIFAT {
			p.warnf("header says %d DIFAT sectors, chain has %d", numDIFAT, count)
		}
	}
	if uint32(len(fatSecs)) < numFAT {
		p.warnf("DIFAT lists %d FAT sectors, header says %d", len(fatSecs), numFAT)
	}
	// The FAT may describe sectors past the end of a truncated file; keep
	// entries up to twice the file's sector count so such streams can still
	// be read (the missing bytes read as zeros, with a warning).
	limit := uint64(p.nsec)*2 + uint64(perSec)
	flen := max(uint64(p.nsec), min(uint64(len(fatSecs))*uint64(perSec), limit, uint64(maxRegSect)))
	p.fat = make([]uint32, flen)
	for i := range p.fat {
		p.fat[i] = freeSect
	}
	// FAT sectors are usually consecutive in the file: read runs of them
	// (up to fatReadMax bytes) at once rather than a sector per call.
	maxRun := max(1, fatReadMax>>p.shift)
	var buf []byte
	for i := 0; i < len(fatSecs); {
		base := uint64(i) * uint64(perSec)
		if base >= flen {
			break
		}
		s := fatSecs[i]
		if s == freeSect || s == endOfChain {
			p.warnf("FAT sector %d is missing from the DIFAT", i)
			i++
			continue
		}
		if s > maxRegSect || s >= p.nsec {
			if uint32(i) >= need {
				p.warnf("FAT sector %d (at sector %d) is past the end of the file", i, s)
				i++
				continue
			}
			return formatErr(-1, "", "FAT sector %d is at sector %d, past the end of the file (%d sectors)", i, s, p.nsec)
		}
		n := 1
		for i+n < len(fatSecs) && n < maxRun && fatSecs[i+n] == s+uint32(n) && s+uint32(n) < p.nsec &&
			uint64(i+n)*uint64(perSec) < flen {
			n++
		}
		if sz := n << p.shift; cap(buf) < sz {
			buf = make([]byte, sz)
		}
		b := buf[:n<<p.shift]
		if err := p.readFull(b, p.sectorOffset(s)); err != nil {
			return err
		}
		for k := range n {
			base := uint64(i+k) * uint64(perSec)
			sec := b[k<<p.shift:]
			for j := uint64(0); j < uint64(perSec) && base+j < flen; j++ {
				p.fat[base+j] = le.Uint32(sec[4*j:])
			}
		}
		i += n
	}
	return nil
}

// fatReadMax bounds one read of consecutive FAT sectors (a variable so
// tests can make runs short).
var fatReadMax = 1 << 20

// sectorsFor returns how many sectors hold size bytes.
func (p *parser) sectorsFor(size int64) int64 {
	return (size + p.secSize - 1) >> p.shift
}

// chain follows a chain from start in table (fat or mini FAT) over limit
// sectors, claiming each sector in owner. With need >= 0 it takes exactly
// need sectors (failing if the chain is shorter); with need < 0 it follows
// the chain to its end. Cycles, sectors out of range and sectors shared
// with another chain are errors.
func (p *parser) chain(table, owner []uint32, limit uint32, start uint32, need int64, what string) ([]run, error) {
	runs, err := p.chainFor(table, owner, limit, start, need, what, "", false)
	if err != nil {
		return nil, err
	}
	return runs, nil
}

func (p *parser) chainFor(table, owner []uint32, limit uint32, start uint32, need int64, what, path string, mini bool) ([]run, *FormatError) {
	id := p.nextOwner
	p.nextOwner++
	unit := "sector"
	if mini {
		unit = "mini sector"
	}
	if need > int64(limit) {
		return nil, &FormatError{Offset: -1, Path: path, Msg: fmt.Sprintf("%s needs %d %ss but the file has only %d", what, need, unit, limit)}
	}
	var runs []run
	cur := start
	for n := int64(0); need < 0 || n < need; n++ {
		if cur == endOfChain && need < 0 {
			break
		}
		if cur == endOfChain || cur == freeSect {
			return nil, &FormatError{Offset: -1, Path: path, Msg: fmt.Sprintf("%s chain ends after %d %ss, %d needed", what, n, unit, need)}
		}
		if cur >= limit {
			if cur > maxRegSect {
				return nil, &FormatError{Offset: -1, Path: path, Msg: fmt.Sprintf("%s chain reaches special %s value %#x", what, unit, cur)}
			}
			return nil, &FormatError{Offset: -1, Path: path, Msg: fmt.Sprintf("%s chain reaches %s %d, past the end of the file (%d %ss described)", what, unit, cur, limit, unit)}
		}
		switch owner[cur] {
		case 0:
		case id:
			return nil, &FormatError{Offset: -1, Path: path, Msg: fmt.Sprintf("%s chain loops back to %s %d", what, unit, cur)}
		default:
			return nil, &FormatError{Offset: -1, Path: path, Msg: fmt.Sprintf("%s chain uses %s %d, which belongs to another chain", what, unit, cur)}
		}
		owner[cur] = id
		if k := len(runs) - 1; k >= 0 && runs[k].first+runs[k].count == cur {
			runs[k].count++
		} else {
			runs = append(runs, run{cur, 1})
		}
		if need >= 0 && n+1 == need {
			break
		}
		if int(cur) >= len(table) {
			return nil, &FormatError{Offset: -1, Path: path, Msg: fmt.Sprintf("%s chain reaches %s %d, which has no allocation table entry", what, unit, cur)}
		}
		cur = table[cur]
	}
	return runs, nil
}

// extents turns runs of regular sectors into extents covering size bytes.
func (p *parser) extents(runs []run, size int64) []extent {
	ext := make([]extent, 0, len(runs))
	var log int64
	for _, rn := range runs {
		if log >= size {
			break
		}
		n := min(int64(rn.count)<<p.shift, size-log)
		ext = append(ext, extent{log: log, phys: p.sectorOffset(rn.first), n: n})
		log += n
	}
	return ext
}

// miniExtents maps runs of mini sectors through the mini stream's extents.
func (p *parser) miniExtents(runs []run, size int64) []extent {
	var ext []extent
	var log int64
	for _, rn := range runs {
		off := int64(rn.first) * miniSectorSize
		n := min(int64(rn.count)*miniSectorSize, size-log)
		for n > 0 {
			i, _ := slices.BinarySearchFunc(p.miniExt, off, func(e extent, t int64) int {
				if e.log+e.n <= t {
					return -1
				}
				if e.log > t {
					return 1
				}
				return 0
			})
			e := p.miniExt[i]
			k := min(n, e.log+e.n-off)
			phys := e.phys + off - e.log
			if j := len(ext) - 1; j >= 0 && ext[j].phys+ext[j].n == phys {
				ext[j].n += k
			} else {
				ext = append(ext, extent{log: log, phys: phys, n: k})
			}
			log += k
			off += k
			n -= k
		}
	}
	return ext
}

// dirOffset returns the file offset of directory entry id.
func (p *parser) dirOffset(id uint32) int64 {
	off := int64(id) * dirEntrySize
	for _, x := range p.dirExt {
		if off < x.log+x.n {
			return x.phys + off - x.log
		}
	}
	return -1
}

func (p *parser) sibling(id uint32, field int) uint32 {
	return binary.LittleEndian.Uint32(p.dir[int64(id)*dirEntrySize+int64(field):])
}

func (p *parser) start(id uint32) uint32 {
	return binary.LittleEndian.Uint32(p.dir[int64(id)*dirEntrySize+0x74:])
}

// entry decodes directory entry id (metadata only).
func (p *parser) entry(id uint32, parentPath string) (*Entry, error) {
	le := binary.LittleEndian
	b := p.dir[int64(id)*dirEntrySize : int64(id+1)*dirEntrySize]
	e := &Entry{r: p.r, id: id, Type: Type(b[0x42])}
	nlen := int(le.Uint16(b[0x40:]))
	units := make([]uint16, 0, maxNameUnits)
	for i := 0; i < 32; i++ {
		u := le.Uint16(b[2*i:])
		if u == 0 {
			break
		}
		units = append(units, u)
	}
	if len(units) > maxNameUnits {
		units = units[:maxNameUnits]
		p.warnf("entry %d: name has no terminating NUL", id)
	}
	if nlen != 2*(len(units)+1) && !(nlen == 0 && len(units) == 0) {
		p.warnf("entry %d (%q): name length field %d does not match the name", id, decodeName(units), nlen)
	}
	e.RawName = units
	e.Name = decodeName(units)
	if id != 0 {
		if parentPath == "" {
			e.Path = e.Name
		} else {
			e.Path = parentPath + "/" + e.Name
		}
	}
	copy(e.CLSID[:], b[0x50:0x60])
	e.StateBits = le.Uint32(b[0x60:])
	e.Created = Filetime(le.Uint64(b[0x64:]))
	e.Modified = Filetime(le.Uint64(b[0x6C:]))
	size := le.Uint64(b[0x78:])
	switch e.Type {
	case TypeStream, TypeRoot:
		if p.r.Version == 3 && size>>32 != 0 {
			p.warnf("entry %q: ignoring high 32 bits of a version 3 stream size (%#x)", e.Path, size)
			size &= 0xFFFFFFFF
		}
		if limit := uint64(len(p.fat)) << p.shift; size > limit {
			return nil, &FormatError{Offset: p.dirOffset(id) + 0x78, Path: e.Path, Msg: fmt.Sprintf("stream size %d exceeds what the file can hold (%d bytes)", size, p.r.size)}
		}
		e.Size = int64(size)
	case TypeStorage:
	default:
		return nil, &FormatError{Offset: p.dirOffset(id) + 0x42, Path: e.Path, Msg: fmt.Sprintf("directory entry %d has invalid type %d", id, b[0x42])}
	}
	return e, nil
}

// walk builds the tree below the root iteratively, with a visited set and
// the depth and entry budgets.
func (p *parser) walk(root *Entry) error {
	nslots := uint32(len(p.dir) / dirEntrySize)
	visited := make([]bool, nslots)
	visited[0] = true
	p.r.byPath = map[string]*Entry{"": root}
	type work struct {
		e     *Entry
		depth int
	}
	queue := []work{{root, 0}}
	var stack []uint32
	count := 1
	// Paths cost O(depth²) for deeply nested storages; bound their total.
	pathBudget := max(minPathBudget, 2*p.r.size)
	var pathBytes int64
	for len(queue) > 0 {
		w := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		parent := w.e
		childRoot := p.sibling(parent.id, 0x4C)
		if childRoot == noStream {
			continue
		}
		if w.depth >= p.maxDepth {
			return &FormatError{Offset: p.dirOffset(parent.id) + 0x4C, Path: parent.Path, Msg: fmt.Sprintf("storages nest deeper than the limit of %d", p.maxDepth)}
		}
		stack = append(stack[:0], childRoot)
		for len(stack) > 0 {
			id := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if id >= nslots {
				return &FormatError{Offset: -1, Path: parent.Path, Msg: fmt.Sprintf("directory entry id %d is past the end of the directory (%d entries)", id, nslots)}
			}
			if visited[id] {
				return &FormatError{Offset: p.dirOffset(id), Path: parent.Path, Msg: fmt.Sprintf("directory entry %d is referenced more than once (shared or cyclic tree)", id)}
			}
			visited[id] = true
			count++
			if count > p.maxEntries {
				return formatErr(-1, "", "more than the limit of %d directory entries", p.maxEntries)
			}
			e, err := p.entry(id, parent.Path)
			if err != nil {
				return err
			}
			if e.Type == TypeRoot {
				return &FormatError{Offset: p.dirOffset(id), Path: e.Path, Msg: fmt.Sprintf("directory entry %d is a second root", id)}
			}
			if len(e.RawName) == 0 {
				p.warnf("entry %d in %q has an empty name", id, parent.Path)
			}
			pathBytes += int64(len(e.Path))
			if pathBytes > pathBudget {
				return &FormatError{Offset: p.dirOffset(id), Path: parent.Path, Msg: fmt.Sprintf("entry paths total more than %d bytes (storages nested too deeply)", pathBudget)}
			}
			e.Parent = parent
			parent.Children = append(parent.Children, e)
			if l := p.sibling(id, 0x44); l != noStream {
				stack = append(stack, l)
			}
			if r := p.sibling(id, 0x48); r != noStream {
				stack = append(stack, r)
			}
			if e.Type == TypeStorage {
				queue = append(queue, work{e, w.depth + 1})
			} else {
				if err := p.streamExtents(e); err != nil {
					return err
				}
			}
		}
		slices.SortStableFunc(parent.Children, func(a, b *Entry) int { return compareNames(a.RawName, b.RawName) })
		for i := 1; i < len(parent.Children); i++ {
			if compareNames(parent.Children[i-1].RawName, parent.Children[i].RawName) == 0 {
				p.warnf("storage %q has two children named %q", parent.Path, parent.Children[i].Name)
			}
		}
	}
	// Pre-order list, iteratively.
	p.r.entries = make([]*Entry, 0, count)
	st := []*Entry{root}
	for len(st) > 0 {
		e := st[len(st)-1]
		st = st[:len(st)-1]
		p.r.entries = append(p.r.entries, e)
		if e != root {
			if _, dup := p.r.byPath[e.Path]; !dup {
				p.r.byPath[e.Path] = e
			}
		}
		for i := len(e.Children) - 1; i >= 0; i-- {
			st = append(st, e.Children[i])
		}
	}
	return nil
}

// streamExtents validates a stream's chain and records its extents.
func (p *parser) streamExtents(e *Entry) error {
	if e.Size == 0 {
		return nil
	}
	start := p.start(e.id)
	if e.Size < miniCutoff {
		if p.nmini == 0 {
			return &FormatError{Offset: p.dirOffset(e.id) + 0x74, Path: e.Path, Msg: "stream is in the mini stream but the file has none"}
		}
		need := (e.Size + miniSectorSize - 1) / miniSectorSize
		runs, err := p.chainFor(p.miniFAT, p.miniOwner, p.nmini, start, need, "stream", e.Path, true)
		if err != nil {
			err.Offset = p.dirOffset(e.id) + 0x74
			return err
		}
		e.ext = p.miniExtents(runs, e.Size)
		return nil
	}
	runs, err := p.chainFor(p.fat, p.owner, uint32(len(p.fat)), start, p.sectorsFor(e.Size), "stream", e.Path, false)
	if err != nil {
		err.Offset = p.dirOffset(e.id) + 0x74
		return err
	}
	e.ext = p.extents(runs, e.Size)
	for _, x := range e.ext {
		if end := x.phys + x.n; end > p.r.size {
			e.missing += end - max(x.phys, p.r.size)
		}
	}
	if e.missing > 0 {
		p.warnf("stream %q: %d bytes lie past the end of the (truncated) file and read as zeros", e.Path, e.missing)
	}
	return nil
}

// A Stream reads one stream's bytes. It implements io.Reader, io.ReaderAt
// and io.Seeker. ReadAt may be called concurrently; Read and Seek share the
// Stream's offset and must not be.
type Stream struct {
	ra       io.ReaderAt
	fileSize int64
	size     int64
	ext      []extent
	off      int64
}

// NewStream returns a Stream that reads the first size bytes of r, so that
// data not (yet) stored in a compound file can be handled like a stream
// that is; package msi returns one for a stream set but not yet saved.
// Reading past the end of r gives io.ErrUnexpectedEOF.
func NewStream(r io.ReaderAt, size int64) *Stream {
	size = max(size, 0)
	s := &Stream{ra: r, fileSize: size, size: size}
	if size > 0 {
		s.ext = []extent{{log: 0, phys: 0, n: size}}
	}
	return s
}

// Size returns the stream's length in bytes.
func (s *Stream) Size() int64 { return s.size }

// ReadAt reads len(b) bytes from offset off of the stream.
func (s *Stream) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("cfb: negative offset")
	}
	if off >= s.size {
		return 0, io.EOF
	}
	want := len(b)
	if rem := s.size - off; int64(want) > rem {
		want = int(rem)
	}
	i, _ := slices.BinarySearchFunc(s.ext, off, func(e extent, t int64) int {
		if e.log+e.n <= t {
			return -1
		}
		if e.log > t {
			return 1
		}
		return 0
	})
	n := 0
	for n < want && i < len(s.ext) {
		e := s.ext[i]
		k := min(int64(want-n), e.log+e.n-off)
		phys := e.phys + off - e.log
		chunk := b[n : n+int(k)]
		avail := int64(len(chunk))
		if phys+avail > s.fileSize {
			avail = max(0, s.fileSize-phys)
		}
		if avail > 0 {
			m, err := s.ra.ReadAt(chunk[:avail], phys)
			if int64(m) < avail {
				if err == nil || err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return n + m, err
			}
		}
		clear(chunk[avail:])
		n += int(k)
		off += k
		i++
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// Read reads from the stream's current offset.
func (s *Stream) Read(b []byte) (int, error) {
	if s.off >= s.size {
		return 0, io.EOF
	}
	n, err := s.ReadAt(b, s.off)
	s.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

// Seek sets the offset for the next Read, as io.Seeker describes.
func (s *Stream) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += s.off
	case io.SeekEnd:
		offset += s.size
	default:
		return 0, errors.New("cfb: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("cfb: negative position")
	}
	s.off = offset
	return offset, nil
}

// WriteTo copies the rest of the stream to w in large chunks.
func (s *Stream) WriteTo(w io.Writer) (int64, error) {
	var total int64
	if s.off >= s.size {
		return 0, nil
	}
	buf := make([]byte, min(s.size-s.off, 64<<10))
	for s.off < s.size {
		n, err := s.ReadAt(buf, s.off)
		if n > 0 {
			m, werr := w.Write(buf[:n])
			total += int64(m)
			s.off += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if err != nil && err != io.EOF {
			return total, err
		}
	}
	return total, nil
}
