package assembly

import (
	"encoding/binary"
	"errors"
	"io"
)

// Limits applied to every PE image, whatever its size.
const (
	maxSections = 96 // the PE/COFF specification's limit
	// maxRead caps any single structure read from the image (metadata,
	// version resource). Real metadata is at most a few MiB.
	maxRead = 64 << 20
)

// PE machine types (IMAGE_FILE_MACHINE_*).
const (
	MachineI386  = 0x014c
	MachineARMNT = 0x01c4
	MachineIA64  = 0x0200
	MachineAMD64 = 0x8664
	MachineARM64 = 0xaa64
)

// CLI header flags (COMIMAGE_FLAGS_*, ECMA-335 II.25.3.3.1).
const (
	FlagILOnly         = 0x00000001
	Flag32BitRequired  = 0x00000002
	FlagStrongNameSig  = 0x00000008
	FlagNativeEntry    = 0x00000010
	Flag32BitPreferred = 0x00020000
)

type section struct {
	va, vsize, raw, rawSize uint32
}

type dataDir struct{ rva, size uint32 }

// image is a parsed PE header: enough to map RVAs to file offsets.
type image struct {
	r             io.ReaderAt
	size          int64
	machine       uint16
	pe32Plus      bool
	sizeOfHeaders uint32
	sections      []section
	dirs          []dataDir
}

// readAt reads exactly n bytes at off, checked against the file size.
func readAt(r io.ReaderAt, size, off int64, n int, part string) ([]byte, error) {
	if off < 0 || n < 0 || off > size || int64(n) > size-off {
		return nil, formatErr(part, off, "%d bytes past the end of the %d-byte file", n, size)
	}
	if n > maxRead {
		return nil, formatErr(part, off, "structure of %d bytes exceeds the %d-byte limit", n, maxRead)
	}
	b := make([]byte, n)
	if _, err := r.ReadAt(b, off); err != nil && !(errors.Is(err, io.EOF) && n > 0) {
		return nil, &FormatError{Part: part, Offset: off, Msg: "read failed", Err: err}
	}
	return b, nil
}

func parseImage(r io.ReaderAt, size int64) (*image, error) {
	dos, err := readAt(r, size, 0, 64, "dos header")
	if err != nil {
		return nil, err
	}
	if dos[0] != 'M' || dos[1] != 'Z' {
		return nil, formatErr("dos header", 0, "no MZ signature")
	}
	peOff := int64(binary.LittleEndian.Uint32(dos[0x3c:]))
	hdr, err := readAt(r, size, peOff, 24, "pe header")
	if err != nil {
		return nil, err
	}
	if string(hdr[:4]) != "PE\x00\x00" {
		return nil, formatErr("pe header", peOff, "no PE signature")
	}
	im := &image{r: r, size: size, machine: binary.LittleEndian.Uint16(hdr[4:])}
	nsec := int(binary.LittleEndian.Uint16(hdr[6:]))
	optSize := int(binary.LittleEndian.Uint16(hdr[20:]))
	if nsec > maxSections {
		return nil, formatErr("pe header", peOff+6, "%d sections (limit %d)", nsec, maxSections)
	}
	optOff := peOff + 24
	opt, err := readAt(r, size, optOff, optSize, "optional header")
	if err != nil {
		return nil, err
	}
	if optSize < 2 {
		return nil, formatErr("optional header", optOff, "too short (%d bytes)", optSize)
	}
	var dirOff, ndirOff int
	switch magic := binary.LittleEndian.Uint16(opt); magic {
	case 0x10b:
		dirOff, ndirOff = 96, 92
	case 0x20b:
		im.pe32Plus = true
		dirOff, ndirOff = 112, 108
	default:
		return nil, formatErr("optional header", optOff, "unknown magic %#x", magic)
	}
	if optSize < dirOff {
		return nil, formatErr("optional header", optOff, "too short (%d bytes) for its magic", optSize)
	}
	im.sizeOfHeaders = binary.LittleEndian.Uint32(opt[60:])
	ndir := int(binary.LittleEndian.Uint32(opt[ndirOff:]))
	if avail := (optSize - dirOff) / 8; ndir > avail {
		ndir = avail // NumberOfRvaAndSizes larger than the header: trust the header
	}
	if ndir > 16 {
		ndir = 16
	}
	for i := 0; i < ndir; i++ {
		p := opt[dirOff+8*i:]
		im.dirs = append(im.dirs, dataDir{binary.LittleEndian.Uint32(p), binary.LittleEndian.Uint32(p[4:])})
	}
	secOff := optOff + int64(optSize)
	st, err := readAt(r, size, secOff, 40*nsec, "section table")
	if err != nil {
		return nil, err
	}
	for i := 0; i < nsec; i++ {
		p := st[40*i:]
		im.sections = append(im.sections, section{
			vsize:   binary.LittleEndian.Uint32(p[8:]),
			va:      binary.LittleEndian.Uint32(p[12:]),
			rawSize: binary.LittleEndian.Uint32(p[16:]),
			raw:     binary.LittleEndian.Uint32(p[20:]),
		})
	}
	return im, nil
}

// dir returns data directory i, or a zero dataDir when absent.
func (im *image) dir(i int) dataDir {
	if i < len(im.dirs) {
		return im.dirs[i]
	}
	return dataDir{}
}

// offset maps the n bytes at rva to a file offset; the whole range must lie
// in one section's raw data (or in the headers).
func (im *image) offset(rva, n uint32, part string) (int64, error) {
	end := uint64(rva) + uint64(n)
	if end <= uint64(im.sizeOfHeaders) && end <= uint64(im.size) {
		return int64(rva), nil
	}
	for _, s := range im.sections {
		vsize := s.vsize
		if vsize == 0 {
			vsize = s.rawSize
		}
		if rva < s.va || end > uint64(s.va)+uint64(vsize) {
			continue
		}
		d := uint64(rva - s.va)
		if d+uint64(n) > uint64(s.rawSize) {
			return 0, formatErr(part, -1, "RVA %#x+%#x lies beyond its section's raw data", rva, n)
		}
		return int64(uint64(s.raw) + d), nil
	}
	return 0, formatErr(part, -1, "RVA %#x+%#x is in no section", rva, n)
}

// read reads n bytes at rva.
func (im *image) read(rva, n uint32, part string) ([]byte, int64, error) {
	if n > maxRead {
		return nil, -1, formatErr(part, -1, "size %d exceeds the %d-byte limit", n, maxRead)
	}
	off, err := im.offset(rva, n, part)
	if err != nil {
		return nil, -1, err
	}
	b, err := readAt(im.r, im.size, off, int(n), part)
	return b, off, err
}
