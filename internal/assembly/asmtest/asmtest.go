package asmtest

import (
	"encoding/binary"
	"unicode/utf16"
)

// Fill is a table that precedes Assembly in a fixture: rows rows of
// rowSize bytes each. rowSize is computed by hand in each test case from
// ECMA-335 II.22, so the fixture does not share the parser's arithmetic.
type Fill struct {
	Table   int
	Rows    uint32
	RowSize int
}

// Spec describes a tiny PE image with CLI metadata, built in code.
type Spec struct {
	// Machine, PE32Plus and CorFlags go to the COFF header, the optional
	// header magic and the CLI header. Name, Culture, PublicKey, Ver and
	// AsmFlags fill the Assembly row; HeapSizes is the #~ HeapSizes byte.
	// Fills are the tables written before Assembly; ExtraRows only adds
	// row counts (tables after Assembly need no data). FileVersion, if
	// set, adds an RT_VERSION resource.
	Machine     uint16
	PE32Plus    bool
	CorFlags    uint32
	Name        string
	Culture     string
	PublicKey   []byte
	Ver         [4]uint16
	AsmFlags    uint32
	HeapSizes   byte
	Fills       []Fill
	NoAssembly  bool
	FileVersion *[4]uint16
	// VersionStrings and Translations, if set with FileVersion, add a
	// StringFileInfo table ("040904B0") of these Key/Value pairs and a
	// VarFileInfo\Translation value of these language/codepage pairs.
	VersionStrings [][2]string
	Translations   []uint32
	TablesStream   string // "#~" unless set
	ExtraRows      map[int]uint32
}

func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// utf16z encodes s as NUL-terminated UTF-16LE.
func utf16z(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s + "\x00")) {
		b = le16(b, u)
	}
	return b
}

// verBlock builds one VS_VERSIONINFO node: wLength, wValueLength, wType,
// the key, padding, the value, padding, the children. Each node starts
// 4-byte aligned, so alignment within it is counted from its start.
func verBlock(key string, valueLen, typ uint16, value []byte, children ...[]byte) []byte {
	b := le16(le16(le16(nil, 0), valueLen), typ)
	b = pad4(append(b, utf16z(key)...))
	b = pad4(append(b, value...))
	for _, c := range children {
		b = pad4(append(b, c...))
	}
	binary.LittleEndian.PutUint16(b, uint16(len(b)))
	return b
}

// Layout of the images: one section at RVA 0x2000, file offset 0x200,
// holding the CLI header, then the metadata, then the version resource.
const (
	fixSectionVA  = 0x2000
	fixSectionRaw = 0x200
)

// BuildPE returns the bytes of the image described by s.
func BuildPE(s Spec) []byte {
	wideStr, wideBlob := s.HeapSizes&1 != 0, s.HeapSizes&4 != 0
	idx := func(b []byte, v uint32, wide bool) []byte {
		if wide {
			return le32(b, v)
		}
		return le16(b, uint16(v))
	}
	// Heaps.
	strs := []byte{0}
	nameIdx := uint32(len(strs))
	strs = append(append(strs, s.Name...), 0)
	var cultIdx uint32
	if s.Culture != "" {
		cultIdx = uint32(len(strs))
		strs = append(append(strs, s.Culture...), 0)
	}
	strs = pad4(strs)
	blobs := []byte{0}
	var pkIdx uint32
	if s.PublicKey != nil {
		pkIdx = uint32(len(blobs))
		n := len(s.PublicKey)
		if n < 0x80 {
			blobs = append(blobs, byte(n))
		} else {
			blobs = append(blobs, byte(0x80|n>>8), byte(n))
		}
		blobs = append(blobs, s.PublicKey...)
	}
	blobs = pad4(blobs)
	// #~ stream.
	rows := map[int]uint32{}
	for _, f := range s.Fills {
		rows[f.Table] = f.Rows
	}
	for t, n := range s.ExtraRows {
		rows[t] = n
	}
	if !s.NoAssembly {
		rows[0x20] = 1
	}
	var valid uint64
	for t := range rows {
		valid |= 1 << t
	}
	tb := le32(nil, 0)
	tb = append(tb, 2, 0, s.HeapSizes, 1)
	tb = binary.LittleEndian.AppendUint64(tb, valid)
	tb = binary.LittleEndian.AppendUint64(tb, 0)
	for t := 0; t < 64; t++ {
		if valid&(1<<t) != 0 {
			tb = le32(tb, rows[t])
		}
	}
	for _, f := range s.Fills {
		tb = append(tb, make([]byte, int(f.Rows)*f.RowSize)...)
	}
	if !s.NoAssembly {
		tb = le32(tb, 0x8004)
		for _, v := range s.Ver {
			tb = le16(tb, v)
		}
		tb = le32(tb, s.AsmFlags)
		tb = idx(tb, pkIdx, wideBlob)
		tb = idx(tb, nameIdx, wideStr)
		tb = idx(tb, cultIdx, wideStr)
	}
	tb = pad4(tb)
	tsName := s.TablesStream
	if tsName == "" {
		tsName = "#~"
	}
	// Metadata root.
	type st struct {
		name string
		data []byte
	}
	streams := []st{{tsName, tb}, {"#Strings", strs}, {"#GUID", make([]byte, 16)}, {"#Blob", blobs}}
	ver := pad4([]byte("v4.0.30319\x00"))
	hdrLen := 16 + len(ver) + 4
	for _, x := range streams {
		hdrLen += 8 + len(pad4(append([]byte(x.name), 0)))
	}
	md := le32(nil, 0x424a5342)
	md = le16(le16(md, 1), 1)
	md = le32(md, 0)
	md = le32(md, uint32(len(ver)))
	md = append(md, ver...)
	md = le16(le16(md, 0), uint16(len(streams)))
	off := hdrLen
	for _, x := range streams {
		md = le32(le32(md, uint32(off)), uint32(len(x.data)))
		md = append(md, pad4(append([]byte(x.name), 0))...)
		off += len(x.data)
	}
	for _, x := range streams {
		md = append(md, x.data...)
	}
	// Section: CLI header at 0, metadata at 0x48, resources after.
	sec := make([]byte, 0x48)
	mdRVA := uint32(fixSectionVA + 0x48)
	binary.LittleEndian.PutUint32(sec[0:], 72)
	binary.LittleEndian.PutUint16(sec[4:], 2)
	binary.LittleEndian.PutUint16(sec[6:], 5)
	binary.LittleEndian.PutUint32(sec[8:], mdRVA)
	binary.LittleEndian.PutUint32(sec[12:], uint32(len(md)))
	binary.LittleEndian.PutUint32(sec[16:], s.CorFlags)
	sec = pad4(append(sec, md...))
	var rsrcRVA, rsrcSize uint32
	if s.FileVersion != nil {
		rsrcRVA = uint32(fixSectionVA + len(sec))
		r := make([]byte, 0x58)
		dir := func(at int, id, target uint32) {
			binary.LittleEndian.PutUint16(r[at+14:], 1) // one ID entry
			binary.LittleEndian.PutUint32(r[at+16:], id)
			binary.LittleEndian.PutUint32(r[at+20:], target)
		}
		dir(0x00, 16, 0x80000000|0x18)
		dir(0x18, 1, 0x80000000|0x30)
		dir(0x30, 0x409, 0x48)
		vi := le16(nil, 0)
		vi = le16(vi, 52)
		vi = le16(vi, 0)
		for _, u := range utf16.Encode([]rune("VS_VERSION_INFO\x00")) {
			vi = le16(vi, u)
		}
		vi = pad4(vi)
		fv := *s.FileVersion
		vi = le32(vi, 0xfeef04bd)
		vi = le32(vi, 0x10000)
		vi = le32(vi, uint32(fv[0])<<16|uint32(fv[1]))
		vi = le32(vi, uint32(fv[2])<<16|uint32(fv[3]))
		vi = append(vi, make([]byte, 52-16)...)
		if len(s.VersionStrings) > 0 {
			var strs [][]byte
			for _, kv := range s.VersionStrings {
				v := utf16z(kv[1])
				strs = append(strs, verBlock(kv[0], uint16(len(v)/2), 1, v))
			}
			vi = append(vi, verBlock("StringFileInfo", 0, 1, nil, verBlock("040904B0", 0, 1, nil, strs...))...)
		}
		if len(s.Translations) > 0 {
			var v []byte
			for _, tr := range s.Translations {
				v = le32(v, tr)
			}
			vi = append(vi, verBlock("VarFileInfo", 0, 1, nil, verBlock("Translation", uint16(len(v)), 0, v))...)
		}
		binary.LittleEndian.PutUint16(vi, uint16(len(vi)))
		binary.LittleEndian.PutUint32(r[0x48:], rsrcRVA+0x58)
		binary.LittleEndian.PutUint32(r[0x4c:], uint32(len(vi)))
		r = append(r, vi...)
		rsrcSize = uint32(len(r))
		sec = pad4(append(sec, r...))
	}
	// Headers.
	optSize := 224
	if s.PE32Plus {
		optSize = 240
	}
	img := make([]byte, fixSectionRaw)
	copy(img, "MZ")
	binary.LittleEndian.PutUint32(img[0x3c:], 0x40)
	p := img[0x40:]
	copy(p, "PE\x00\x00")
	binary.LittleEndian.PutUint16(p[4:], s.Machine)
	binary.LittleEndian.PutUint16(p[6:], 1)
	binary.LittleEndian.PutUint16(p[20:], uint16(optSize))
	o := p[24:]
	dirOff := 96
	if s.PE32Plus {
		binary.LittleEndian.PutUint16(o, 0x20b)
		dirOff = 112
	} else {
		binary.LittleEndian.PutUint16(o, 0x10b)
	}
	binary.LittleEndian.PutUint32(o[60:], fixSectionRaw)
	binary.LittleEndian.PutUint32(o[dirOff-4:], 16)
	binary.LittleEndian.PutUint32(o[dirOff+2*8:], rsrcRVA)
	binary.LittleEndian.PutUint32(o[dirOff+2*8+4:], rsrcSize)
	binary.LittleEndian.PutUint32(o[dirOff+14*8:], fixSectionVA)
	binary.LittleEndian.PutUint32(o[dirOff+14*8+4:], 72)
	sh := o[optSize:]
	copy(sh, ".text")
	binary.LittleEndian.PutUint32(sh[8:], uint32(len(sec)))
	binary.LittleEndian.PutUint32(sh[12:], fixSectionVA)
	binary.LittleEndian.PutUint32(sh[16:], uint32(len(sec)))
	binary.LittleEndian.PutUint32(sh[20:], fixSectionRaw)
	return append(img, sec...)
}
