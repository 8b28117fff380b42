package cab

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/msikit/msikit/internal/safefile"
)

// ErrMissingCabinet is matched by errors.Is when a file or folder continues
// in another cabinet of a set that cannot be opened (no ReaderOptions.OpenCabinet,
// or it failed).
var ErrMissingCabinet = errors.New("cab: continuation cabinet not available")

// ReaderOptions configures NewReaderOptions. The zero value (or nil) verifies
// checksums and does not follow cabinet sets.
type ReaderOptions struct {
	// OpenCabinet opens another cabinet of the same set by the name stored
	// in a cabinet header (PrevCabinet or NextCabinet). It is called only
	// when a file or folder spans cabinets, possibly from several
	// goroutines at once. The caller keeps ownership of what it returns
	// (close it after the Reader is no longer used). When nil, reading
	// data in another cabinet fails with an error matching
	// ErrMissingCabinet.
	OpenCabinet func(name string) (io.ReaderAt, int64, error)

	// IgnoreChecksums turns off CFDATA checksum verification. By default
	// a block whose checksum field is non-zero must match it (a zero field
	// means "no checksum", as written by some tools).
	IgnoreChecksums bool

	// Cache, when not nil, is shared by every Reader opened with it: the
	// decoders its folders leave (at most a few, whatever the number of
	// cabinets) serve the folders of the others. Without one, each Reader
	// and the cabinets of its set keep their own.
	Cache *DecoderCache

	// Limit, when not nil, bounds the decoding work of every Reader
	// sharing it (and the cabinets of their sets), on any goroutine:
	// decoding a block that would take the total past it fails with a
	// *LimitError, and the folder is then treated as failed at that
	// point. Bytes decoded only to reach a file, and a range decoded again
	// for a second file pointing at it, count as well: the bound is on
	// the work, which a decompression bomb (a few bytes of data for every
	// 32 KiB block) makes hundreds of times the cabinet's size; so do
	// blocks, each counting at least BlockCost (see Limit).
	Limit *Limit

	// Interrupt, when not nil, is asked before each CFDATA block is read
	// and decoded whether decoding may go on, on the goroutine reading: a
	// non-nil error stops it there, the read fails with an
	// *InterruptError wrapping that error, and the folder is then treated
	// as failed at that point. Blocks decoded only to reach a file are
	// asked about too, so a caller stops a Reader within one block (32 KiB
	// of output) of asking. For a context ctx,
	// func() error { return context.Cause(ctx) } stops decoding once ctx
	// is done. It is called once a block, possibly from several
	// goroutines at once: it must be cheap and safe for concurrent use.
	Interrupt func() error
}

// A Limit is a budget of decoding work shared through ReaderOptions.Limit,
// counted in decoded bytes: a byte of a stored, MSZIP or LZX folder is
// one, a byte of a Quantum folder QuantumCost, as its arithmetic decoder
// takes that much longer a byte (about 50 MB/s, where the others decode
// a bomb's long matches at several hundred); a Quantum block of more
// symbols than bytes (literals, each two symbols) counts
// QuantumSymbolCost for each symbol instead.
//
// A CFDATA block counts what it decodes to or, when more, its compressed
// bytes plus BlockCost for it and for each block of the compressed
// stream that starts inside it (a deflate block of MSZIP, an LZX block):
// each has a fixed cost (reading a header, rebuilding Huffman tables of
// up to 4,096 entries) whatever it decodes to, and a folder of thousands
// of tiny blocks (one byte each) is thousands of times slower to decode
// than its bytes count; read again for copies of a range, it would
// multiply that work. A real cabinet's blocks decode to 32 KiB each from
// one or a few such blocks and count what they decode to. The blocks
// inside a CFDATA block are known once it is decoded: its decoding may
// pass the bound, and its bytes are then not delivered. A Limit is safe
// for concurrent use.
type Limit struct {
	max  int64
	used atomic.Int64
}

// QuantumCost is what a byte decoded from a Quantum folder counts
// against a Limit.
const QuantumCost = 8

// QuantumSymbolCost is what a symbol of a Quantum block counts against a
// Limit, when its symbols count more than its bytes: each symbol is an
// arithmetic decoding step (three divisions and a model update), about
// 10 ns on the development machine, so a block of literals, two symbols a
// byte, decodes at 47 MB/s where matches of 259 bytes decode at 500
// (BenchmarkQuantumLiterals). A block of literals of one byte value,
// which its adaptive models make cost 0.04 bits each (153 bytes of input
// for 32 KiB), counted at QuantumCost a byte took 2.1 s of decoding at
// the bound of a 5 MB package.
const QuantumSymbolCost = 8

// BlockCost is the least a CFDATA block, and each block of the
// compressed stream starting inside it, counts against a Limit (with the
// compressed bytes): what reading a block header with its Huffman tables
// takes, in bytes of a bomb's long matches (1.2-1.5 ns each). On the
// development machine a one-byte dynamic deflate block takes 2.8 µs, a
// small LZX block 3 µs, and the costliest LZX header (905 code lengths
// one by one, 590 bytes of input) 6.5 µs (BenchmarkLZXTinyBlocks): 4,700
// counted, 1.4 ns each.
const BlockCost = 4096

// blockCost is what a CFDATA block of a folder of method m counts: it
// decodes to n bytes from in, starts inner blocks of its stream, and (for
// Quantum) decodes syms symbols.
func blockCost(m Method, n, in, inner, syms int) int64 {
	out := int64(n)
	if m.Kind() == Quantum {
		out = max(out*QuantumCost, int64(syms)*QuantumSymbolCost)
	}
	return max(out, int64(in)+BlockCost*int64(1+inner))
}

// NewLimit returns a Limit of max bytes of decoding work.
func NewLimit(max int64) *Limit { return &Limit{max: max} }

// Max returns the limit's bound.
func (l *Limit) Max() int64 { return l.max }

// Used returns the work counted so far (at most Max: take never passes it).
func (l *Limit) Used() int64 { return l.used.Load() }

// take counts n more, reporting false (and counting nothing) when they
// would pass the bound.
func (l *Limit) take(n int64) bool {
	for {
		u := l.used.Load()
		if u+n > l.max {
			return false
		}
		if l.used.CompareAndSwap(u, u+n) {
			return true
		}
	}
}

// A DecoderCache keeps the decoders of folders read so far (positioned
// where a file read to its end left them, or finished and ready for a new
// folder) for the Readers that share it through ReaderOptions.Cache, and
// remembers the folders that failed to decode. A program reading many
// cabinets one after another, each a folder or two, then allocates a few
// decoders in all instead of one for each cabinet (an LZX decoder holds a
// 4 MiB window): 12,000 cabinets of one LZX folder each took 420 MB of
// memory, or 10 s of zeroing windows once each Reader was dropped after
// use. The zero value is ready to use; a DecoderCache is safe for
// concurrent use and must not be copied after first use.
type DecoderCache struct {
	set readerSet
}

// A Reader serves the contents of one cabinet.
type Reader struct {
	// Folders lists the cabinet's folders (compressed streams) in order.
	Folders []*Folder
	// Files lists the cabinet's files in directory order.
	Files []*File

	// SetID and Index identify the cabinet within a set of cabinets.
	SetID, Index uint16
	// PrevCabinet and PrevDisk name the previous cabinet of the set and
	// its disk; empty for the first one. NextCabinet and NextDisk name the
	// next one; empty for the last.
	PrevCabinet, PrevDisk, NextCabinet, NextDisk string
	// Reserve holds the per-cabinet reserved bytes of the header, if any.
	Reserve []byte
	// Truncated reports that the cabinet header claims more bytes than
	// were given: the directory was read, but data past the end is
	// missing and reading it fails.
	Truncated bool

	r           io.ReaderAt
	set         *readerSet // shared with the other cabinets of the set reached from this one
	prev, next  *Reader    // siblings already opened (guarded by set.mu)
	size        int64      // usable length: min(size, cbCabinet)
	flags       uint16
	dataReserve int
	opts        ReaderOptions
}

// A Folder is one compressed stream of a cabinet: a run of CFDATA blocks
// decoded with one compression method; files are byte ranges of it.
type Folder struct {
	// Method is the compression type (typeCompress).
	Method Method
	// DataOffset is the offset of the folder's first CFDATA block.
	DataOffset int64
	// NumBlocks is the number of CFDATA blocks stored in this cabinet.
	NumBlocks int
	// Reserve holds the per-folder reserved bytes, if any.
	Reserve []byte

	cab      *Reader
	index    int
	contPrev bool // the folder's data begins in the previous cabinet
	contNext bool // the folder's data continues in the next cabinet
}

// Index returns the folder's position in its cabinet's Folders.
func (f *Folder) Index() int { return f.index }

// ContinuedFromPrev reports whether the folder began in the previous
// cabinet of a set (its first blocks live there).
func (f *Folder) ContinuedFromPrev() bool { return f.contPrev }

// ContinuesInNext reports whether the folder's data continues in the next
// cabinet of a set.
func (f *Folder) ContinuesInNext() bool { return f.contNext }

// FileHeader describes a file in a cabinet.
type FileHeader struct {
	// Name is the file name as stored, converted to UTF-8: taken as UTF-8
	// when AttrNameIsUTF is set, otherwise as Windows-1252. Cabinets use
	// backslashes as separators; Name keeps them.
	Name string
	// Size is the uncompressed size in bytes.
	Size int64
	// Modified is the stored MS-DOS date and time, read as UTC (the
	// format has no zone); zero if the fields are invalid.
	Modified time.Time
	// Date and Time are the raw MS-DOS date and time fields.
	Date, Time uint16
	// Attr holds the attribute bits.
	Attr Attr
	// FolderIndex is the raw iFolder field: a folder index, or 0xFFFD
	// (continued from the previous cabinet), 0xFFFE (continued in the
	// next) or 0xFFFF (both).
	FolderIndex uint16
	// Offset is the file's offset in its folder's uncompressed data.
	Offset int64
}

// A File is a file in a cabinet.
type File struct {
	FileHeader
	cab    *Reader
	folder *Folder
	hdrOff int64
}

// Folder returns the folder holding the file's data in this cabinet.
func (f *File) Folder() *Folder { return f.folder }

// ContinuedFromPrev reports whether the file's data begins in a previous
// cabinet of a set.
func (f *File) ContinuedFromPrev() bool {
	return f.FolderIndex == ifoldContinuedFromPrev || f.FolderIndex == ifoldContinuedPrevAndNext
}

// NewReader reads the cabinet directory from r, which holds size bytes,
// verifying block checksums and not following cabinet sets. It is
// NewReaderOptions(r, size, nil).
func NewReader(r io.ReaderAt, size int64) (*Reader, error) {
	return NewReaderOptions(r, size, nil)
}

// NewReaderOptions reads the cabinet directory from r, which holds size
// bytes. opts may be nil.
func NewReaderOptions(r io.ReaderAt, size int64, opts *ReaderOptions) (*Reader, error) {
	var o ReaderOptions
	if opts != nil {
		o = *opts
	}
	set := &readerSet{}
	if o.Cache != nil {
		set = &o.Cache.set
	}
	return newReader(r, size, o, set)
}

// newReader reads a cabinet directory for a Reader belonging to set.
func newReader(r io.ReaderAt, size int64, opts ReaderOptions, set *readerSet) (*Reader, error) {
	cr := &Reader{r: r, opts: opts, set: set}
	if err := cr.init(size); err != nil {
		return nil, err
	}
	return cr, nil
}

// cursor reads the cabinet's directory sequentially with bounds checks,
// through a window of up to cursorWindow bytes read at once: a directory
// of 65,535 files costs a few reads, not two per file.
type cursor struct {
	r   io.ReaderAt
	off int64
	end int64
	win []byte // bytes at winOff
	at  int64  // winOff
}

// cursorWindow is how much of the directory one read fetches.
const cursorWindow = 64 << 10

// peek returns the n bytes at c.off without consuming them (n must not
// exceed cursorWindow), or fewer when the cabinet ends first.
func (c *cursor) peek(n int) ([]byte, error) {
	if rem := c.end - c.off; int64(n) > rem {
		n = int(max(rem, 0))
	}
	if c.off >= c.at && c.off+int64(n) <= c.at+int64(len(c.win)) {
		i := c.off - c.at
		return c.win[i : i+int64(n)], nil
	}
	// The window starts small and doubles, so that the many small
	// cabinets of a set do not each cost a large buffer.
	w := int64(max(min(max(2*cap(c.win), 4096), cursorWindow), n))
	if rem := c.end - c.off; rem < w {
		w = rem
	}
	if int64(cap(c.win)) < w {
		c.win = make([]byte, 0, w)
	}
	c.win = c.win[:w]
	c.at = c.off
	m, err := c.r.ReadAt(c.win, c.off)
	if m < n {
		c.win = c.win[:m]
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	c.win = c.win[:m]
	return c.win[:n], nil
}

func (c *cursor) read(n int, what string) ([]byte, error) {
	if int64(n) > c.end-c.off {
		return nil, formatErr(c.off, what+" runs past the end of the cabinet", io.ErrUnexpectedEOF)
	}
	if n > cursorWindow {
		p := make([]byte, n)
		if _, err := c.r.ReadAt(p, c.off); err != nil {
			return nil, formatErr(c.off, "reading "+what, unexpected(err))
		}
		c.off += int64(n)
		return p, nil
	}
	p, err := c.peek(n)
	if err != nil {
		return nil, formatErr(c.off, "reading "+what, err)
	}
	c.off += int64(n)
	return p, nil
}

// cstring reads a NUL-terminated string of at most maxNameLen bytes.
func (c *cursor) cstring(what string) ([]byte, error) {
	start := c.off
	n := int64(maxNameLen + 1)
	if rem := c.end - c.off; rem < n {
		n = rem
	}
	if n <= 0 {
		return nil, formatErr(start, what+" runs past the end of the cabinet", io.ErrUnexpectedEOF)
	}
	p, err := c.peek(int(n))
	if err != nil && len(p) == 0 {
		return nil, formatErr(start, "reading "+what, err)
	}
	i := 0
	for i < len(p) && p[i] != 0 {
		i++
	}
	if i == len(p) {
		if int64(i) > maxNameLen {
			return nil, formatErr(start, what+" is longer than 255 bytes or not terminated", nil)
		}
		return nil, formatErr(start, what+" runs past the end of the cabinet", io.ErrUnexpectedEOF)
	}
	c.off += int64(i) + 1
	out := make([]byte, i)
	copy(out, p[:i])
	return out, nil
}

func (cr *Reader) init(size int64) error {
	if size < headerSize {
		return formatErr(0, "file too short for a cabinet header", io.ErrUnexpectedEOF)
	}
	c := &cursor{r: cr.r, end: size}
	h, err := c.read(headerSize, "header")
	if err != nil {
		return err
	}
	if string(h[0:4]) != "MSCF" {
		return formatErr(0, "not a cabinet (no MSCF signature)", nil)
	}
	cbCabinet := int64(binary.LittleEndian.Uint32(h[8:]))
	coffFiles := int64(binary.LittleEndian.Uint32(h[16:]))
	verMinor, verMajor := h[24], h[25]
	nFolders := int(binary.LittleEndian.Uint16(h[26:]))
	nFiles := int(binary.LittleEndian.Uint16(h[28:]))
	cr.flags = binary.LittleEndian.Uint16(h[30:])
	cr.SetID = binary.LittleEndian.Uint16(h[32:])
	cr.Index = binary.LittleEndian.Uint16(h[34:])
	if verMajor != 1 {
		return &UnsupportedError{Method: -1, Msg: fmt.Sprintf("cabinet format version %d.%d", verMajor, verMinor)}
	}
	if cbCabinet < headerSize {
		return formatErr(8, fmt.Sprintf("cabinet size %d is smaller than its header", cbCabinet), nil)
	}
	if cbCabinet > size {
		// Truncated: the directory may still be whole and the data that
		// is present readable; blocks past the end fail when read.
		cr.Truncated = true
		cbCabinet = size
	}
	cr.size = cbCabinet
	c.end = cbCabinet

	folderReserve := 0
	if cr.flags&flagReservePresent != 0 {
		rh, err := c.read(4, "reserve sizes")
		if err != nil {
			return err
		}
		cbHdr := int(binary.LittleEndian.Uint16(rh))
		folderReserve = int(rh[2])
		cr.dataReserve = int(rh[3])
		if cbHdr > maxReserveHdr {
			return formatErr(headerSize, fmt.Sprintf("header reserve of %d bytes exceeds the limit of %d", cbHdr, maxReserveHdr), nil)
		}
		if cbHdr > 0 {
			p, err := c.read(cbHdr, "header reserve")
			if err != nil {
				return err
			}
			cr.Reserve = append([]byte(nil), p...)
		}
	}
	if cr.flags&flagPrevCabinet != 0 {
		if cr.PrevCabinet, err = c.name("previous cabinet name"); err != nil {
			return err
		}
		if cr.PrevDisk, err = c.name("previous disk name"); err != nil {
			return err
		}
	}
	if cr.flags&flagNextCabinet != 0 {
		if cr.NextCabinet, err = c.name("next cabinet name"); err != nil {
			return err
		}
		if cr.NextDisk, err = c.name("next disk name"); err != nil {
			return err
		}
	}

	// Folders.
	if int64(nFolders)*int64(folderSize+folderReserve) > c.end-c.off {
		return formatErr(26, fmt.Sprintf("%d folders do not fit in the cabinet", nFolders), nil)
	}
	cr.Folders = make([]*Folder, nFolders)
	for i := range cr.Folders {
		at := c.off
		p, err := c.read(folderSize, "folder entry")
		if err != nil {
			return err
		}
		f := &Folder{
			DataOffset: int64(binary.LittleEndian.Uint32(p)),
			NumBlocks:  int(binary.LittleEndian.Uint16(p[4:])),
			Method:     Method(binary.LittleEndian.Uint16(p[6:])),
			cab:        cr,
			index:      i,
		}
		if folderReserve > 0 {
			q, err := c.read(folderReserve, "folder reserve")
			if err != nil {
				return err
			}
			f.Reserve = append([]byte(nil), q...)
		}
		// Blocks are checked one by one as they are read: some writers
		// declare a block for a folder holding only empty files and store
		// none.
		if f.DataOffset < headerSize || f.DataOffset > cbCabinet {
			return formatErr(at, fmt.Sprintf("folder %d: data offset %d is outside the cabinet", i, f.DataOffset), nil)
		}
		cr.Folders[i] = f
	}

	// Files.
	if coffFiles < c.off || coffFiles > cbCabinet {
		return formatErr(16, fmt.Sprintf("file table offset %d is outside the cabinet directory", coffFiles), nil)
	}
	c.off = coffFiles
	if int64(nFiles)*(fileSize+2) > c.end-c.off {
		return formatErr(28, fmt.Sprintf("%d files do not fit in the cabinet", nFiles), nil)
	}
	cr.Files = make([]*File, nFiles)
	for i := range cr.Files {
		at := c.off
		p, err := c.read(fileSize, "file entry")
		if err != nil {
			return err
		}
		f := &File{cab: cr, hdrOff: at}
		f.Size = int64(binary.LittleEndian.Uint32(p))
		f.Offset = int64(binary.LittleEndian.Uint32(p[4:]))
		f.FolderIndex = binary.LittleEndian.Uint16(p[8:])
		f.Date = binary.LittleEndian.Uint16(p[10:])
		f.Time = binary.LittleEndian.Uint16(p[12:])
		f.Attr = Attr(binary.LittleEndian.Uint16(p[14:]))
		f.Modified = dosTime(f.Date, f.Time)
		raw, err := c.cstring("file name")
		if err != nil {
			return err
		}
		f.Name = decodeName(raw, f.Attr&AttrNameIsUTF != 0)
		switch fi := int(f.FolderIndex); {
		case fi < nFolders:
			f.folder = cr.Folders[fi]
		case nFolders == 0:
			return formatErr(at+8, fmt.Sprintf("file %q: folder index %#x but the cabinet has no folders", f.Name, fi), nil)
		case fi == ifoldContinuedFromPrev:
			f.folder = cr.Folders[0]
			f.folder.contPrev = true
		case fi == ifoldContinuedToNext:
			f.folder = cr.Folders[nFolders-1]
			f.folder.contNext = true
		case fi == ifoldContinuedPrevAndNext:
			f.folder = cr.Folders[0]
			f.folder.contPrev = true
			f.folder.contNext = true
		default:
			return formatErr(at+8, fmt.Sprintf("file %q: folder index %d out of range (%d folders)", f.Name, fi, nFolders), nil)
		}
		cr.Files[i] = f
	}
	if nFolders > 0 {
		// A folder that continues must be the last one; files of the first
		// folder of a continued cabinet count from the folder's real start.
		if cr.flags&flagNextCabinet == 0 {
			cr.Folders[nFolders-1].contNext = false
		}
		if cr.flags&flagPrevCabinet == 0 {
			cr.Folders[0].contPrev = false
		}
	}
	return nil
}

func (c *cursor) name(what string) (string, error) {
	raw, err := c.cstring(what)
	if err != nil {
		return "", err
	}
	return decodeName(raw, false), nil
}

// cp1252 maps bytes 0x80-0x9F of Windows-1252; other bytes map to the
// same code point (Latin-1). Undefined entries map to U+FFFD.
var cp1252 = [32]rune{
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
}

// decodeName converts a stored file name to UTF-8.
func decodeName(raw []byte, isUTF8 bool) string {
	ascii := true
	for _, b := range raw {
		if b >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii || (isUTF8 && utf8.Valid(raw)) {
		return string(raw)
	}
	if isUTF8 {
		return strings.ToValidUTF8(string(raw), "\uFFFD")
	}
	var sb strings.Builder
	for _, b := range raw {
		switch {
		case b < 0x80:
			sb.WriteByte(b)
		case b < 0xa0:
			sb.WriteRune(cp1252[b-0x80])
		default:
			sb.WriteRune(rune(b))
		}
	}
	return sb.String()
}

// OpenReader opens the cabinet file name. Cabinets of the same set are
// looked up in the same directory when a file spans them (names compared
// exactly, then case-insensitively; a name must stay inside the directory).
// Close the ReadCloser when done. A name that is not a regular file (a
// named pipe, a device, a folder) is refused at once, without waiting for
// a pipe's writer, with an *fs.PathError matching fs.ErrInvalid; so is such
// a next cabinet of the set.
func OpenReader(name string) (*ReadCloser, error) {
	f, size, err := safefile.OpenRegular(name)
	if err != nil {
		return nil, err
	}
	rc := &ReadCloser{files: []*os.File{f}, dir: safefile.NewFolder(filepath.Dir(name))}
	opts := &ReaderOptions{OpenCabinet: rc.openSibling}
	r, err := NewReaderOptions(f, size, opts)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	rc.Reader = r
	return rc, nil
}

// A ReadCloser is a Reader over a cabinet file opened by OpenReader; Close
// closes it and any other cabinets of the set opened along the way.
type ReadCloser struct {
	*Reader
	dir    *safefile.Folder // the first cabinet's, where the others of the set are
	mu     sync.Mutex
	files  []*os.File
	closed bool
}

func (rc *ReadCloser) openSibling(name string) (io.ReaderAt, int64, error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.closed {
		return nil, 0, errors.New("cab: reader closed")
	}
	f, size, err := rc.dir.Open(name)
	if err != nil {
		return nil, 0, err
	}
	rc.files = append(rc.files, f)
	return f, size, nil
}

// Close closes the cabinet files.
func (rc *ReadCloser) Close() error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.closed = true
	var first error
	for _, f := range rc.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	rc.files = nil
	return first
}
