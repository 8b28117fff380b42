package msi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// CabCompression is the typeCompress field of a cabinet folder (CFFOLDER):
// the method in the low 4 bits, method parameters above.
type CabCompression uint16

// Cabinet compression methods (CabCompression.Method).
const (
	CabNone    = 0
	CabMSZIP   = 1
	CabQuantum = 2
	CabLZX     = 3
)

// Method returns the compression method: CabNone, CabMSZIP, CabQuantum or
// CabLZX (other values are invalid).
func (c CabCompression) Method() int { return int(c & 0x000F) }

// Window returns the window size as a power of two for LZX (15..21) and
// Quantum (10..21) folders, else 0.
func (c CabCompression) Window() int {
	switch c.Method() {
	case CabLZX, CabQuantum:
		return int(c>>8) & 0x1F
	}
	return 0
}

// String returns "none", "MSZIP", "LZX:21" or "Quantum:18" (method and
// window bits), or "unknown(0x…)".
func (c CabCompression) String() string {
	switch c.Method() {
	case CabNone:
		return "none"
	case CabMSZIP:
		return "MSZIP"
	case CabQuantum:
		return "Quantum:" + strconv.Itoa(c.Window())
	case CabLZX:
		return "LZX:" + strconv.Itoa(c.Window())
	}
	return fmt.Sprintf("unknown(%#04x)", uint16(c))
}

// CabFolder describes one CFFOLDER entry of a cabinet header.
type CabFolder struct {
	Compression CabCompression
	DataBlocks  int   // cCFData
	Offset      int64 // coffCabStart: offset of the first data block
}

// CabHeader is the part of a cabinet's header msikit reports: the CFHEADER
// fields and the folder table. It is read by ReadCabHeader without
// decompressing anything.
type CabHeader struct {
	Size        int64       // cbCabinet, the cabinet's declared size
	Version     string      // versionMajor.versionMinor, "1.3" in practice
	Files       int         // cFiles
	Flags       uint16      // 1 previous cabinet, 2 next cabinet, 4 reserve fields present
	SetID       int         // setID shared by the cabinets of one set
	Index       int         // iCabinet, position in a set
	PrevCabinet string      // set when the cabinet continues a previous one
	NextCabinet string      // set when the cabinet continues in another one
	Folders     []CabFolder // one per CFFOLDER, in header order

	compression string // Compression, computed by ReadCabHeader
}

// Compression summarizes the folders' methods: "MSZIP", "LZX:21", several
// joined by "+" when folders differ, or "" without folders. For a header
// read by ReadCabHeader it is computed once, so asking per Media row of a
// cabinet with 65,535 folders costs nothing.
func (h *CabHeader) Compression() string {
	if h.compression != "" {
		return h.compression
	}
	return compressionOf(h.Folders)
}

func compressionOf(folders []CabFolder) string {
	var names []string
	seenValue := map[CabCompression]bool{}
	seenName := map[string]bool{}
	for _, f := range folders {
		if seenValue[f.Compression] {
			continue
		}
		seenValue[f.Compression] = true
		if s := f.Compression.String(); !seenName[s] {
			seenName[s] = true
			names = append(names, s)
		}
	}
	return strings.Join(names, "+")
}

// ErrNotCabinet is matched by the error ReadCabHeader returns when the data
// does not start with the cabinet signature "MSCF".
var ErrNotCabinet = errors.New("msi: not a cabinet")

// cabinet header limits from the format: at most 65535 folders, strings of
// at most 255 bytes, a per-cabinet reserve of at most 60000 bytes.
const (
	cabHeaderFixed = 36
	cabMaxString   = 256
)

// ReadCabHeader reads the CFHEADER and CFFOLDER entries at the start of r
// (a cabinet of size bytes). It reads at most the header, reserve, names
// and folder table, checking each against size; nothing is decompressed.
// Errors name the stream (when name is not "") and the offset.
func ReadCabHeader(r io.ReaderAt, size int64, name string) (*CabHeader, error) {
	ferr := func(off int64, format string, args ...any) error {
		return &FormatError{Stream: name, Offset: off, Msg: "cabinet: " + fmt.Sprintf(format, args...)}
	}
	read := func(off, n int64) ([]byte, error) {
		if off < 0 || n < 0 || off+n > size {
			return nil, ferr(off, "header truncated (need %d bytes at %d, cabinet has %d)", n, off, size)
		}
		b := make([]byte, n)
		if _, err := r.ReadAt(b, off); err != nil && !(errors.Is(err, io.EOF) && n == 0) {
			if errors.Is(err, io.EOF) {
				return nil, ferr(off, "header truncated")
			}
			return nil, &FormatError{Stream: name, Offset: off, Msg: "cabinet: read failed", Err: err}
		}
		return b, nil
	}
	if size < 4 {
		return nil, fmt.Errorf("%w (%d bytes)", ErrNotCabinet, size)
	}
	sig, err := read(0, 4)
	if err != nil {
		return nil, err
	}
	if string(sig) != "MSCF" {
		return nil, fmt.Errorf("%w (signature %q)", ErrNotCabinet, sig)
	}
	b, err := read(0, cabHeaderFixed)
	if err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	h := &CabHeader{
		Size:    int64(le.Uint32(b[8:])),
		Version: fmt.Sprintf("%d.%d", b[25], b[24]),
		Files:   int(le.Uint16(b[28:])),
		Flags:   le.Uint16(b[30:]),
		SetID:   int(le.Uint16(b[32:])),
		Index:   int(le.Uint16(b[34:])),
	}
	nfolders := int64(le.Uint16(b[26:]))
	off := int64(cabHeaderFixed)
	var folderReserve int64
	const (
		flagPrev    = 0x0001
		flagNext    = 0x0002
		flagReserve = 0x0004
	)
	if h.Flags&flagReserve != 0 {
		rb, err := read(off, 4)
		if err != nil {
			return nil, err
		}
		headerReserve := int64(le.Uint16(rb))
		folderReserve = int64(rb[2])
		if headerReserve > 60000 {
			return nil, ferr(off, "header reserve of %d bytes exceeds 60000", headerReserve)
		}
		off += 4 + headerReserve
	}
	readString := func() (string, error) {
		n := int64(cabMaxString)
		if off+n > size {
			n = size - off
		}
		sb, err := read(off, n)
		if err != nil {
			return "", err
		}
		i := strings.IndexByte(string(sb), 0)
		if i < 0 {
			return "", ferr(off, "unterminated cabinet name")
		}
		off += int64(i) + 1
		return string(sb[:i]), nil
	}
	if h.Flags&flagPrev != 0 {
		if h.PrevCabinet, err = readString(); err != nil {
			return nil, err
		}
		if _, err = readString(); err != nil { // disk name
			return nil, err
		}
	}
	if h.Flags&flagNext != 0 {
		if h.NextCabinet, err = readString(); err != nil {
			return nil, err
		}
		if _, err = readString(); err != nil {
			return nil, err
		}
	}
	entry := 8 + folderReserve
	if off+nfolders*entry > size {
		return nil, ferr(off, "%d folders of %d bytes exceed the cabinet's %d bytes", nfolders, entry, size)
	}
	fb, err := read(off, nfolders*entry)
	if err != nil {
		return nil, err
	}
	h.Folders = make([]CabFolder, nfolders)
	for i := range h.Folders {
		p := int64(i) * entry
		h.Folders[i] = CabFolder{
			Offset:      int64(le.Uint32(fb[p:])),
			DataBlocks:  int(le.Uint16(fb[p+4:])),
			Compression: CabCompression(le.Uint16(fb[p+6:])),
		}
	}
	h.compression = compressionOf(h.Folders)
	return h, nil
}

// Cabinet is one cabinet of a package: a Media table row, or an embedded
// cabinet stream no Media row names (as in patches, whose Media rows live
// in their transforms).
type Cabinet struct {
	// DiskID and LastSequence come from the Media row (0 when there is
	// none); Name is its Cabinet column as written ("#product.cab" for an
	// embedded cabinet).
	DiskID       int
	LastSequence int
	Name         string
	// Embedded reports whether the cabinet is a stream of the package;
	// Stream is then its decoded stream name and Size its size.
	Embedded bool
	Stream   string
	Size     int64
	// Header is the cabinet's header (nil for external cabinets, or when
	// the stream is missing or not a cabinet; Err then says why). Rows
	// naming the same stream share one Header: do not modify it.
	Header *CabHeader
	Err    error
}

// Cabinets lists the package's cabinets: every Media row that names one
// (in table order; a transform's Media changes are not read), then any
// other stream that starts with a cabinet signature. Headers of embedded cabinets are read (bounded, nothing is
// decompressed); a bad header is reported in Cabinet.Err, not as the
// method's error. The error is non-nil only when the Media table itself
// cannot be read.
func (db *Database) Cabinets() ([]Cabinet, error) {
	var cabs []Cabinet
	named := map[string]bool{}
	// Media rows may name one cabinet many times: its header is read
	// once and shared.
	headers := map[string]*Cabinet{}
	fill := func(c *Cabinet) {
		if h, ok := headers[c.Stream]; ok {
			c.Size, c.Header, c.Err = h.Size, h.Header, h.Err
			return
		}
		db.fillCabinet(c)
		headers[c.Stream] = c
	}
	if db.Kind() != PackageTransform && hasTable(db, "Media") {
		t, err := db.Table("Media")
		if err != nil {
			return nil, err
		}
		for row := range t.Rows() {
			name := row.Get("Cabinet").Str()
			if name == "" {
				continue
			}
			c := Cabinet{
				DiskID:       int(row.Get("DiskId").Int()),
				LastSequence: int(row.Get("LastSequence").Int()),
				Name:         name,
			}
			if strings.HasPrefix(name, "#") {
				c.Embedded = true
				c.Stream = name[1:]
				named[c.Stream] = true
				fill(&c)
			}
			cabs = append(cabs, c)
		}
	}
	var extra []Cabinet
	for _, s := range db.Streams() {
		if named[s.Name] || s.Size < cabHeaderFixed || strings.HasPrefix(s.Name, "\x05") {
			continue
		}
		st, err := db.OpenStream(s.Name)
		if err != nil {
			continue
		}
		var sig [4]byte
		if _, err := st.ReadAt(sig[:], 0); err != nil || string(sig[:]) != "MSCF" {
			continue
		}
		c := Cabinet{Embedded: true, Stream: s.Name}
		db.fillCabinet(&c)
		extra = append(extra, c)
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i].Stream < extra[j].Stream })
	return append(cabs, extra...), nil
}

func (db *Database) fillCabinet(c *Cabinet) {
	st, err := db.OpenStream(c.Stream)
	if err != nil {
		c.Err = err
		return
	}
	c.Size = st.Size()
	c.Header, c.Err = ReadCabHeader(st, st.Size(), c.Stream)
}

// hasTable reports whether the database has table name.
func hasTable(db *Database, name string) bool { return db.HasTable(name) }
