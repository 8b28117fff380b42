package assembly

import (
	"encoding/binary"
	"fmt"
)

const (
	rtVersion       = 16
	maxResEntries   = 4096 // per directory; real files have a handful
	vsFixedSig      = 0xfeef04bd
	maxVersionBlock = 1 << 20
)

// fileVersion reads VS_FIXEDFILEINFO.dwFileVersionMS/LS from the first
// RT_VERSION resource (first name, first language), the value Windows shows
// as "File version" and WiX stores in File.Version. It returns "" with a nil
// error when the image has no version resource.
func (im *image) fileVersion() (string, error) {
	const part = "version resource"
	root := im.dir(2)
	if root.rva == 0 || root.size == 0 {
		return "", nil
	}
	if root.size > maxRead {
		return "", formatErr(part, -1, "resource directory of %d bytes exceeds the limit", root.size)
	}
	rsrcOff, err := im.offset(root.rva, 16, part)
	if err != nil {
		return "", err
	}
	// entry finds, in the directory at dirOff (relative to the resource
	// root), the entry with the given ID, or the first entry when id < 0.
	entry := func(dirOff uint32, id int) (uint32, bool, error) {
		if uint64(dirOff)+16 > uint64(root.size) {
			return 0, false, formatErr(part, rsrcOff+int64(dirOff), "directory past the resource data")
		}
		h, err := readAt(im.r, im.size, rsrcOff+int64(dirOff), 16, part)
		if err != nil {
			return 0, false, err
		}
		n := int(binary.LittleEndian.Uint16(h[12:])) + int(binary.LittleEndian.Uint16(h[14:]))
		if n > maxResEntries || uint64(dirOff)+16+8*uint64(n) > uint64(root.size) {
			return 0, false, formatErr(part, rsrcOff+int64(dirOff), "%d entries do not fit the resource data", n)
		}
		if n == 0 {
			return 0, false, nil
		}
		es, err := readAt(im.r, im.size, rsrcOff+int64(dirOff)+16, 8*n, part)
		if err != nil {
			return 0, false, err
		}
		for i := 0; i < n; i++ {
			name := binary.LittleEndian.Uint32(es[8*i:])
			if id < 0 || (name&0x80000000 == 0 && name == uint32(id)) {
				return binary.LittleEndian.Uint32(es[8*i+4:]), true, nil
			}
		}
		return 0, false, nil
	}
	e, ok, err := entry(0, rtVersion)
	if err != nil || !ok {
		return "", err
	}
	// Type → name → language → data entry; each level must be a
	// subdirectory except the last.
	for level := 0; level < 2; level++ {
		if e&0x80000000 == 0 {
			return "", formatErr(part, rsrcOff, "level %d entry is data, want a directory", level+1)
		}
		e, ok, err = entry(e&0x7fffffff, -1)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", nil
		}
	}
	if e&0x80000000 != 0 {
		return "", formatErr(part, rsrcOff, "language entry is a directory, want data")
	}
	if uint64(e)+16 > uint64(root.size) {
		return "", formatErr(part, rsrcOff+int64(e), "data entry past the resource data")
	}
	de, err := readAt(im.r, im.size, rsrcOff+int64(e), 16, part)
	if err != nil {
		return "", err
	}
	rva, size := binary.LittleEndian.Uint32(de), binary.LittleEndian.Uint32(de[4:])
	if size > maxVersionBlock {
		return "", formatErr(part, rsrcOff+int64(e), "version block of %d bytes", size)
	}
	b, off, err := im.read(rva, size, part)
	if err != nil {
		return "", err
	}
	// VS_VERSIONINFO: wLength, wValueLength, wType, szKey
	// "VS_VERSION_INFO\0" (UTF-16), padding to 4 bytes, then the
	// VS_FIXEDFILEINFO value: 6+32 = 38, aligned to 40.
	if len(b) < 40+52 {
		return "", formatErr(part, off, "VS_VERSIONINFO of %d bytes is too short", len(b))
	}
	if vl := binary.LittleEndian.Uint16(b[2:]); vl < 52 {
		return "", nil // no VS_FIXEDFILEINFO
	}
	fi := b[40:]
	if binary.LittleEndian.Uint32(fi) != vsFixedSig {
		return "", formatErr(part, off+40, "VS_FIXEDFILEINFO signature %#x", binary.LittleEndian.Uint32(fi))
	}
	ms, ls := binary.LittleEndian.Uint32(fi[8:]), binary.LittleEndian.Uint32(fi[12:])
	return fmt.Sprintf("%d.%d.%d.%d", ms>>16, ms&0xffff, ls>>16, ls&0xffff), nil
}
