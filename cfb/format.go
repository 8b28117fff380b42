package cfb

import "encoding/binary"

// On-disk constants (MS-CFB 2.1, 2.2).
const (
	headerSize     = 512
	dirEntrySize   = 128
	miniSectorSize = 64
	miniCutoff     = 4096
	headerDIFAT    = 109
	maxNameUnits   = 31

	maxRegSect uint32 = 0xFFFFFFFA
	difSect    uint32 = 0xFFFFFFFC
	fatSect    uint32 = 0xFFFFFFFD
	endOfChain uint32 = 0xFFFFFFFE
	freeSect   uint32 = 0xFFFFFFFF
	noStream   uint32 = 0xFFFFFFFF
)

var magic = [8]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// u16, u32 and u64 are little-endian integer fields of an on-disk
// structure, as returned by the accessors of header and dirEntry.
type (
	u16 []byte
	u32 []byte
	u64 []byte
)

func (f u16) get() uint16  { return binary.LittleEndian.Uint16(f) }
func (f u16) set(v uint16) { binary.LittleEndian.PutUint16(f, v) }
func (f u32) get() uint32  { return binary.LittleEndian.Uint32(f) }
func (f u32) set(v uint32) { binary.LittleEndian.PutUint32(f, v) }
func (f u64) get() uint64  { return binary.LittleEndian.Uint64(f) }
func (f u64) set(v uint64) { binary.LittleEndian.PutUint64(f, v) }

// header is the compound file header (MS-CFB 2.2). Version 4 pads it with
// zeros to a whole 4096-byte sector.
type header [headerSize]byte

// Byte offsets of the header fields.
const (
	offMinorVersion     = 0x18
	offMajorVersion     = 0x1A
	offByteOrder        = 0x1C
	offSectorShift      = 0x1E
	offMiniSectorShift  = 0x20
	offNumDirSectors    = 0x28 // version 4 only
	offNumFATSectors    = 0x2C
	offFirstDirSector   = 0x30
	offMiniStreamCutoff = 0x38
	offFirstMiniFAT     = 0x3C
	offNumMiniFAT       = 0x40
	offFirstDIFAT       = 0x44
	offNumDIFAT         = 0x48
	offDIFAT            = 0x4C // headerDIFAT sector numbers
)

func (h *header) signature() []byte       { return h[:len(magic)] }
func (h *header) minorVersion() u16       { return u16(h[offMinorVersion:][:2]) }
func (h *header) majorVersion() u16       { return u16(h[offMajorVersion:][:2]) }
func (h *header) byteOrder() u16          { return u16(h[offByteOrder:][:2]) }
func (h *header) sectorShift() u16        { return u16(h[offSectorShift:][:2]) }
func (h *header) miniSectorShift() u16    { return u16(h[offMiniSectorShift:][:2]) }
func (h *header) numDirSectors() u32      { return u32(h[offNumDirSectors:][:4]) }
func (h *header) numFATSectors() u32      { return u32(h[offNumFATSectors:][:4]) }
func (h *header) firstDirSector() u32     { return u32(h[offFirstDirSector:][:4]) }
func (h *header) miniStreamCutoff() u32   { return u32(h[offMiniStreamCutoff:][:4]) }
func (h *header) firstMiniFATSector() u32 { return u32(h[offFirstMiniFAT:][:4]) }
func (h *header) numMiniFATSectors() u32  { return u32(h[offNumMiniFAT:][:4]) }
func (h *header) firstDIFATSector() u32   { return u32(h[offFirstDIFAT:][:4]) }
func (h *header) numDIFATSectors() u32    { return u32(h[offNumDIFAT:][:4]) }

// difat is the header's i-th DIFAT slot (i < headerDIFAT): the sector
// number of the i-th FAT sector.
func (h *header) difat(i int) u32 { return u32(h[offDIFAT+4*i:][:4]) }

// dirEntry is one directory entry (MS-CFB 2.6).
type dirEntry [dirEntrySize]byte

// Byte offsets of the directory entry fields.
const (
	offName      = 0x00 // 32 UTF-16 units, NUL-terminated
	offNameLen   = 0x40 // bytes, including the NUL
	offType      = 0x42
	offColor     = 0x43 // 0 red, 1 black
	offLeft      = 0x44 // left sibling id
	offRight     = 0x48 // right sibling id
	offChild     = 0x4C // root of the children's tree
	offCLSID     = 0x50
	offStateBits = 0x60
	offCreated   = 0x64
	offModified  = 0x6C
	offStart     = 0x74 // first sector (mini sector for small streams)
	offSize      = 0x78
)

func (d *dirEntry) nameUnit(i int) u16 { return u16(d[offName+2*i:][:2]) }
func (d *dirEntry) nameLen() u16       { return u16(d[offNameLen:][:2]) }
func (d *dirEntry) typ() *byte         { return &d[offType] }
func (d *dirEntry) color() *byte       { return &d[offColor] }
func (d *dirEntry) left() u32          { return u32(d[offLeft:][:4]) }
func (d *dirEntry) right() u32         { return u32(d[offRight:][:4]) }
func (d *dirEntry) child() u32         { return u32(d[offChild:][:4]) }
func (d *dirEntry) clsid() []byte      { return d[offCLSID:][:16] }
func (d *dirEntry) stateBits() u32     { return u32(d[offStateBits:][:4]) }
func (d *dirEntry) created() u64       { return u64(d[offCreated:][:8]) }
func (d *dirEntry) modified() u64      { return u64(d[offModified:][:8]) }
func (d *dirEntry) start() u32         { return u32(d[offStart:][:4]) }
func (d *dirEntry) size() u64          { return u64(d[offSize:][:8]) }

// dirEntryAt returns the view of directory entry i of a buffer of entries.
func dirEntryAt(b []byte, i int64) *dirEntry {
	return (*dirEntry)(b[i*dirEntrySize:][:dirEntrySize])
}

// colorBlack marks a black node of a red-black sibling tree (0 is red).
const colorBlack = 1
