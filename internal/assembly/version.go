package assembly

import (
	"encoding/binary"
	"fmt"
	"unicode/utf16"
)

const (
	rtVersion       = 16
	maxResEntries   = 4096 // per directory; real files have a handful
	vsFixedSig      = 0xfeef04bd
	maxVersionBlock = 1 << 20
	// maxVersionStrings bounds the strings kept from a StringTable; real
	// files have about a dozen.
	maxVersionStrings = 64
	// maxVersionLanguages bounds the VarFileInfo\Translation entries kept.
	maxVersionLanguages = 64
)

// A VersionInfo is what a PE image's version resource (the first RT_VERSION
// resource, a VS_VERSIONINFO structure) says about the file.
type VersionInfo struct {
	// FileVersion and ProductVersion come from VS_FIXEDFILEINFO
	// (dwFileVersionMS/LS, dwProductVersionMS/LS) as "a.b.c.d": the
	// version Windows shows and Windows Installer compares (WiX stores
	// FileVersion in File.Version). Both are "" when the resource has
	// no VS_FIXEDFILEINFO.
	FileVersion    string
	ProductVersion string
	// Languages are the language ids of VarFileInfo\Translation, in
	// stored order without repeats (at most 64): the languages the file
	// declares, which WiX stores in File.Language.
	Languages []uint16
	// Strings are the String entries of the first StringTable of
	// StringFileInfo (CompanyName, ProductName, FileDescription, ...), in
	// stored order, at most 64.
	Strings []VersionString
}

// A VersionString is one String entry of a version resource's
// StringFileInfo.
type VersionString struct {
	Key, Value string
}

// String returns the value of the String entry key, or "".
func (v *VersionInfo) String(key string) string {
	for _, s := range v.Strings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

// fileVersion reads VS_FIXEDFILEINFO.dwFileVersionMS/LS from the first
// RT_VERSION resource (first name, first language). It returns "" with a
// nil error when the image has no version resource.
func (im *image) fileVersion() (string, error) {
	v, err := im.versionInfo()
	if v == nil || err != nil {
		return "", err
	}
	return v.FileVersion, nil
}

// versionOffset returns the file offset of the resource directory, or -1
// when the image has none (or it cannot be mapped: versionInfo then says
// why).
func (im *image) versionOffset() int64 {
	root := im.dir(2)
	if root.rva == 0 || root.size == 0 {
		return -1
	}
	off, err := im.offset(root.rva, 16, "version resource")
	if err != nil {
		return -1
	}
	return off
}

// versionInfo reads the first RT_VERSION resource (first name, first
// language). It returns nil with a nil error when the image has no
// version resource. Every read goes forward in the file in the usual
// layout (directories, then data entries, then data).
func (im *image) versionInfo() (*VersionInfo, error) {
	const part = "version resource"
	root := im.dir(2)
	if root.rva == 0 || root.size == 0 {
		return nil, nil
	}
	if root.size > maxRead {
		return nil, formatErr(part, -1, "resource directory of %d bytes exceeds the limit", root.size)
	}
	rsrcOff, err := im.offset(root.rva, 16, part)
	if err != nil {
		return nil, err
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
		return nil, err
	}
	// Type → name → language → data entry; each level must be a
	// subdirectory except the last.
	for level := 0; level < 2; level++ {
		if e&0x80000000 == 0 {
			return nil, formatErr(part, rsrcOff, "level %d entry is data, want a directory", level+1)
		}
		e, ok, err = entry(e&0x7fffffff, -1)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, nil
		}
	}
	if e&0x80000000 != 0 {
		return nil, formatErr(part, rsrcOff, "language entry is a directory, want data")
	}
	if uint64(e)+16 > uint64(root.size) {
		return nil, formatErr(part, rsrcOff+int64(e), "data entry past the resource data")
	}
	de, err := readAt(im.r, im.size, rsrcOff+int64(e), 16, part)
	if err != nil {
		return nil, err
	}
	rva, size := binary.LittleEndian.Uint32(de), binary.LittleEndian.Uint32(de[4:])
	if size > maxVersionBlock {
		return nil, formatErr(part, rsrcOff+int64(e), "version block of %d bytes", size)
	}
	b, off, err := im.read(rva, size, part)
	if err != nil {
		return nil, err
	}
	return parseVersionInfo(b, off)
}

// A verBlock is one node of a VS_VERSIONINFO tree: wLength, wValueLength,
// wType, the NUL-terminated UTF-16 szKey, padding to 32 bits, the value,
// padding, and the children (blocks of the same shape) up to wLength.
// Offsets are relative to the start of the whole VS_VERSIONINFO, which
// is where the 32-bit alignment is counted from.
type verBlock struct {
	key              string
	valueLen, typ    int // raw wValueLength and wType
	valueAt, childAt int // offsets of the value and of the first child
	end              int // offset past the block
}

// parseBlock reads the block at off in b, which must end by end.
func parseBlock(b []byte, off, end int) (verBlock, bool) {
	if off+6 > end {
		return verBlock{}, false
	}
	n := int(binary.LittleEndian.Uint16(b[off:]))
	if n < 6 || off+n > end {
		return verBlock{}, false
	}
	blk := verBlock{
		end:      off + n,
		valueLen: int(binary.LittleEndian.Uint16(b[off+2:])),
		typ:      int(binary.LittleEndian.Uint16(b[off+4:])),
	}
	p := off + 6
	var key []uint16
	for {
		if p+2 > blk.end {
			return verBlock{}, false // key not terminated
		}
		u := binary.LittleEndian.Uint16(b[p:])
		p += 2
		if u == 0 {
			break
		}
		key = append(key, u)
	}
	blk.key = string(utf16.Decode(key))
	blk.valueAt = min(align4(p), blk.end)
	blk.childAt = blk.valueAt
	return blk, true
}

func align4(n int) int { return (n + 3) &^ 3 }

// children iterates over the child blocks of blk, starting at off.
func children(b []byte, blk verBlock, off int, yield func(verBlock) bool) {
	for off = align4(off); off < blk.end; {
		c, ok := parseBlock(b, off, blk.end)
		if !ok || !yield(c) {
			return
		}
		off = align4(c.end)
	}
}

// utf16String decodes b up to its first NUL.
func utf16String(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

// parseVersionInfo decodes a VS_VERSIONINFO block read at file offset
// off. Only VS_FIXEDFILEINFO must be well formed; StringFileInfo and
// VarFileInfo are read as far as their structure holds, since writers
// disagree on details such as wValueLength's unit.
func parseVersionInfo(b []byte, off int64) (*VersionInfo, error) {
	const part = "version resource"
	root, ok := parseBlock(b, 0, len(b))
	if !ok {
		return nil, formatErr(part, off, "VS_VERSIONINFO of %d bytes is malformed", len(b))
	}
	v := &VersionInfo{}
	childAt := root.valueAt
	if root.valueLen >= 52 {
		if root.valueAt+52 > root.end {
			return nil, formatErr(part, off, "VS_VERSIONINFO of %d bytes is too short", len(b))
		}
		fi := b[root.valueAt:]
		if sig := binary.LittleEndian.Uint32(fi); sig != vsFixedSig {
			return nil, formatErr(part, off+int64(root.valueAt), "VS_FIXEDFILEINFO signature %#x", sig)
		}
		ver := func(ms, ls uint32) string {
			return fmt.Sprintf("%d.%d.%d.%d", ms>>16, ms&0xffff, ls>>16, ls&0xffff)
		}
		le := binary.LittleEndian
		v.FileVersion = ver(le.Uint32(fi[8:]), le.Uint32(fi[12:]))
		v.ProductVersion = ver(le.Uint32(fi[16:]), le.Uint32(fi[20:]))
		childAt = root.valueAt + root.valueLen
	}
	seenStrings := false
	children(b, root, childAt, func(c verBlock) bool {
		switch c.key {
		case "StringFileInfo":
			if seenStrings {
				return true
			}
			seenStrings = true
			// The first StringTable only: its key names its language
			// and codepage ("040904B0").
			children(b, c, c.valueAt, func(table verBlock) bool {
				children(b, table, table.valueAt, func(s verBlock) bool {
					if len(v.Strings) >= maxVersionStrings {
						return false
					}
					// The value runs from its aligned start to the end of
					// the block; wValueLength counts characters for some
					// writers and bytes for others, so it is not trusted.
					v.Strings = append(v.Strings, VersionString{Key: s.key, Value: utf16String(b[s.valueAt:s.end])})
					return true
				})
				return false
			})
		case "VarFileInfo":
			children(b, c, c.valueAt, func(vr verBlock) bool {
				if vr.key != "Translation" {
					return true
				}
				end := min(vr.valueAt+vr.valueLen, vr.end)
				for p := vr.valueAt; p+4 <= end && len(v.Languages) < maxVersionLanguages; p += 4 {
					lang := binary.LittleEndian.Uint16(b[p:])
					dup := false
					for _, l := range v.Languages {
						dup = dup || l == lang
					}
					if !dup {
						v.Languages = append(v.Languages, lang)
					}
				}
				return false
			})
		}
		return true
	})
	return v, nil
}
