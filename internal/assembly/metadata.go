package assembly

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"
)

// cliHeader is the fixed part of IMAGE_COR20_HEADER (ECMA-335 II.25.3.3).
type cliHeader struct {
	major, minor uint16
	metadata     dataDir
	flags        uint32
}

// cliOffset returns the file offset of the CLI header, or -1 when the
// image has none (or it cannot be mapped: cliHeader then says why).
func (im *image) cliOffset() int64 {
	d := im.dir(14)
	if d.rva == 0 || d.size == 0 {
		return -1
	}
	off, err := im.offset(d.rva, 72, "cli header")
	if err != nil {
		return -1
	}
	return off
}

func (im *image) cliHeader() (*cliHeader, error) {
	d := im.dir(14)
	if d.rva == 0 || d.size == 0 {
		return nil, &UnsupportedError{Msg: "no CLI header: a native image, not a .NET assembly", Err: ErrNoManifest}
	}
	b, off, err := im.read(d.rva, 72, "cli header")
	if err != nil {
		return nil, err
	}
	if cb := binary.LittleEndian.Uint32(b); cb < 72 {
		return nil, formatErr("cli header", off, "header size %d, want at least 72", cb)
	}
	return &cliHeader{
		major:    binary.LittleEndian.Uint16(b[4:]),
		minor:    binary.LittleEndian.Uint16(b[6:]),
		metadata: dataDir{binary.LittleEndian.Uint32(b[8:]), binary.LittleEndian.Uint32(b[12:])},
		flags:    binary.LittleEndian.Uint32(b[16:]),
	}, nil
}

// stream is one metadata stream: its bytes and their file offset.
type stream struct {
	data []byte
	off  int64
}

// metadata is the parsed metadata root (ECMA-335 II.24.2.1).
type metadata struct {
	version string
	streams map[string]stream
}

func parseMetadata(b []byte, off int64) (*metadata, error) {
	const part = "metadata root"
	if len(b) < 16 || binary.LittleEndian.Uint32(b) != 0x424a5342 {
		return nil, formatErr(part, off, "no BSJB signature")
	}
	vlen := binary.LittleEndian.Uint32(b[12:])
	if vlen > 255 || uint64(16)+uint64(vlen)+4 > uint64(len(b)) {
		return nil, formatErr(part, off+12, "version length %d out of range", vlen)
	}
	v := b[16 : 16+vlen]
	if i := bytes.IndexByte(v, 0); i >= 0 {
		v = v[:i]
	}
	md := &metadata{version: string(v), streams: map[string]stream{}}
	p := 16 + int(vlen)
	nstreams := int(binary.LittleEndian.Uint16(b[p+2:]))
	p += 4
	for i := 0; i < nstreams; i++ {
		if p+8 > len(b) {
			return nil, formatErr(part, off+int64(p), "stream header %d truncated", i)
		}
		so := binary.LittleEndian.Uint32(b[p:])
		ss := binary.LittleEndian.Uint32(b[p+4:])
		p += 8
		end := bytes.IndexByte(b[p:min(len(b), p+32)], 0)
		if end < 0 {
			return nil, formatErr(part, off+int64(p), "stream name %d not terminated within 32 bytes", i)
		}
		name := string(b[p : p+end])
		p += (end + 4) &^ 3
		if uint64(so)+uint64(ss) > uint64(len(b)) {
			return nil, formatErr(part, off+int64(p), "stream %q (%d bytes at %d) runs past the %d-byte metadata", name, ss, so, len(b))
		}
		if _, dup := md.streams[name]; !dup { // the runtime uses the first of duplicates
			md.streams[name] = stream{b[so : so+ss], off + int64(so)}
		}
	}
	return md, nil
}

// Metadata table numbers (ECMA-335 II.22).
const (
	tModule                 = 0x00
	tTypeRef                = 0x01
	tTypeDef                = 0x02
	tFieldPtr               = 0x03
	tField                  = 0x04
	tMethodPtr              = 0x05
	tMethodDef              = 0x06
	tParamPtr               = 0x07
	tParam                  = 0x08
	tInterfaceImpl          = 0x09
	tMemberRef              = 0x0a
	tConstant               = 0x0b
	tCustomAttribute        = 0x0c
	tFieldMarshal           = 0x0d
	tDeclSecurity           = 0x0e
	tClassLayout            = 0x0f
	tFieldLayout            = 0x10
	tStandAloneSig          = 0x11
	tEventMap               = 0x12
	tEventPtr               = 0x13
	tEvent                  = 0x14
	tPropertyMap            = 0x15
	tPropertyPtr            = 0x16
	tProperty               = 0x17
	tMethodSemantics        = 0x18
	tMethodImpl             = 0x19
	tModuleRef              = 0x1a
	tTypeSpec               = 0x1b
	tImplMap                = 0x1c
	tFieldRVA               = 0x1d
	tENCLog                 = 0x1e
	tENCMap                 = 0x1f
	tAssembly               = 0x20
	tAssemblyRef            = 0x23
	tFile                   = 0x26
	tExportedType           = 0x27
	tManifestResource       = 0x28
	tGenericParam           = 0x2a
	tMethodSpec             = 0x2b
	tGenericParamConstraint = 0x2c
	tNone                   = -1 // an unused tag of a coded index
)

// Column kinds of the table schema.
const (
	cStr  = -1 // #Strings index
	cGUID = -2 // #GUID index
	cBlob = -3 // #Blob index
)

// Coded indexes (ECMA-335 II.24.2.6), as the tables each tag may name.
var (
	ciTypeDefOrRef        = []int{tTypeDef, tTypeRef, tTypeSpec}
	ciHasConstant         = []int{tField, tParam, tProperty}
	ciHasCustomAttribute  = []int{tMethodDef, tField, tTypeRef, tTypeDef, tParam, tInterfaceImpl, tMemberRef, tModule, tDeclSecurity, tProperty, tEvent, tStandAloneSig, tModuleRef, tTypeSpec, tAssembly, tAssemblyRef, tFile, tExportedType, tManifestResource, tGenericParam, tGenericParamConstraint, tMethodSpec}
	ciHasFieldMarshal     = []int{tField, tParam}
	ciHasDeclSecurity     = []int{tTypeDef, tMethodDef, tAssembly}
	ciMemberRefParent     = []int{tTypeDef, tTypeRef, tModuleRef, tMethodDef, tTypeSpec}
	ciHasSemantics        = []int{tEvent, tProperty}
	ciMethodDefOrRef      = []int{tMethodDef, tMemberRef}
	ciMemberForwarded     = []int{tField, tMethodDef}
	ciCustomAttributeType = []int{tNone, tNone, tMethodDef, tMemberRef, tNone}
	ciResolutionScope     = []int{tModule, tModuleRef, tAssemblyRef, tTypeRef}
)

// col describes one column: a fixed width (1, 2, 4), a heap kind (cStr,
// cGUID, cBlob), a simple index (idx >= 0: a table number) or a coded index
// (coded != nil).
type col struct {
	width int
	heap  int
	idx   int
	coded []int
}

func fixed(n int) col      { return col{width: n, idx: tNone} }
func heap(k int) col       { return col{heap: k, idx: tNone} }
func index(t int) col      { return col{idx: t} }
func coded(tags []int) col { return col{coded: tags, idx: tNone} }

// schema lists the columns of every table that precedes Assembly (0x20):
// their row sizes locate the Assembly table in the #~ stream.
var schema = [tAssembly + 1][]col{
	tModule:          {fixed(2), heap(cStr), heap(cGUID), heap(cGUID), heap(cGUID)},
	tTypeRef:         {coded(ciResolutionScope), heap(cStr), heap(cStr)},
	tTypeDef:         {fixed(4), heap(cStr), heap(cStr), coded(ciTypeDefOrRef), index(tField), index(tMethodDef)},
	tFieldPtr:        {index(tField)},
	tField:           {fixed(2), heap(cStr), heap(cBlob)},
	tMethodPtr:       {index(tMethodDef)},
	tMethodDef:       {fixed(4), fixed(2), fixed(2), heap(cStr), heap(cBlob), index(tParam)},
	tParamPtr:        {index(tParam)},
	tParam:           {fixed(2), fixed(2), heap(cStr)},
	tInterfaceImpl:   {index(tTypeDef), coded(ciTypeDefOrRef)},
	tMemberRef:       {coded(ciMemberRefParent), heap(cStr), heap(cBlob)},
	tConstant:        {fixed(2), coded(ciHasConstant), heap(cBlob)},
	tCustomAttribute: {coded(ciHasCustomAttribute), coded(ciCustomAttributeType), heap(cBlob)},
	tFieldMarshal:    {coded(ciHasFieldMarshal), heap(cBlob)},
	tDeclSecurity:    {fixed(2), coded(ciHasDeclSecurity), heap(cBlob)},
	tClassLayout:     {fixed(2), fixed(4), index(tTypeDef)},
	tFieldLayout:     {fixed(4), index(tField)},
	tStandAloneSig:   {heap(cBlob)},
	tEventMap:        {index(tTypeDef), index(tEvent)},
	tEventPtr:        {index(tEvent)},
	tEvent:           {fixed(2), heap(cStr), coded(ciTypeDefOrRef)},
	tPropertyMap:     {index(tTypeDef), index(tProperty)},
	tPropertyPtr:     {index(tProperty)},
	tProperty:        {fixed(2), heap(cStr), heap(cBlob)},
	tMethodSemantics: {fixed(2), index(tMethodDef), coded(ciHasSemantics)},
	tMethodImpl:      {index(tTypeDef), coded(ciMethodDefOrRef), coded(ciMethodDefOrRef)},
	tModuleRef:       {heap(cStr)},
	tTypeSpec:        {heap(cBlob)},
	tImplMap:         {fixed(2), coded(ciMemberForwarded), heap(cStr), index(tModuleRef)},
	tFieldRVA:        {fixed(4), index(tField)},
	tENCLog:          {fixed(4), fixed(4)},
	tENCMap:          {fixed(4)},
	tAssembly:        {fixed(4), fixed(2), fixed(2), fixed(2), fixed(2), fixed(4), heap(cBlob), heap(cStr), heap(cStr)},
}

// ptrTable maps a table to its edit-and-continue indirection table: an
// index into either must be wide enough for both.
var ptrTable = map[int]int{tField: tFieldPtr, tMethodDef: tMethodPtr, tParam: tParamPtr, tEvent: tEventPtr, tProperty: tPropertyPtr}

// tables is the header of the #~ (or #-) stream.
type tables struct {
	rows                     [64]uint32
	strWide, guidWide, blobW bool
	dataStart                int // offset of the first row within the stream
}

func parseTablesHeader(s stream) (*tables, error) {
	const part = "#~ stream"
	b := s.data
	if len(b) < 24 {
		return nil, formatErr(part, s.off, "header truncated (%d bytes)", len(b))
	}
	t := &tables{}
	hs := b[6]
	t.strWide, t.guidWide, t.blobW = hs&1 != 0, hs&2 != 0, hs&4 != 0
	valid := binary.LittleEndian.Uint64(b[8:])
	p := 24
	for i := 0; i < 64; i++ {
		if valid&(1<<i) == 0 {
			continue
		}
		if p+4 > len(b) {
			return nil, formatErr(part, s.off+int64(p), "row counts truncated")
		}
		n := binary.LittleEndian.Uint32(b[p:])
		if n > 1<<24 { // a metadata token holds a 24-bit row number
			return nil, formatErr(part, s.off+int64(p), "table %#x claims %d rows", i, n)
		}
		t.rows[i] = n
		p += 4
	}
	if hs&0x40 != 0 { // "extra data": 4 more bytes after the row counts
		p += 4
	}
	t.dataStart = p
	return t, nil
}

func (t *tables) indexWidth(table int) int {
	n := t.rows[table]
	if pt, ok := ptrTable[table]; ok {
		n = max(n, t.rows[pt])
	}
	if n < 1<<16 {
		return 2
	}
	return 4
}

func (t *tables) codedWidth(tags []int) int {
	bits := 0
	for 1<<bits < len(tags) {
		bits++
	}
	var most uint32
	for _, tb := range tags {
		if tb != tNone {
			most = max(most, t.rows[tb])
		}
	}
	if most < 1<<(16-bits) {
		return 2
	}
	return 4
}

func (t *tables) width(c col) int {
	switch {
	case c.width > 0:
		return c.width
	case c.heap == cStr:
		return wide(t.strWide)
	case c.heap == cGUID:
		return wide(t.guidWide)
	case c.heap == cBlob:
		return wide(t.blobW)
	case c.coded != nil:
		return t.codedWidth(c.coded)
	default:
		return t.indexWidth(c.idx)
	}
}

func wide(w bool) int {
	if w {
		return 4
	}
	return 2
}

// assemblyRow is the decoded Assembly table row (ECMA-335 II.22.2).
type assemblyRow struct {
	hashAlg                      uint32
	major, minor, build, revison uint16
	flags                        uint32
	publicKey, name, culture     uint32 // heap indexes
}

// assemblyRow locates and decodes row 1 of the Assembly table.
func (t *tables) assemblyRow(s stream) (*assemblyRow, error) {
	const part = "#~ stream"
	if t.rows[tAssembly] == 0 {
		return nil, &UnsupportedError{Msg: "metadata has no Assembly row (a module, not an assembly)", Err: ErrNoManifest}
	}
	if t.rows[tAssembly] > 1 {
		return nil, formatErr(part, s.off, "Assembly table has %d rows, want 1", t.rows[tAssembly])
	}
	pos := uint64(t.dataStart)
	for tb := 0; tb < tAssembly; tb++ {
		rs := 0
		for _, c := range schema[tb] {
			rs += t.width(c)
		}
		pos += uint64(rs) * uint64(t.rows[tb])
	}
	var rs int
	for _, c := range schema[tAssembly] {
		rs += t.width(c)
	}
	if pos+uint64(rs) > uint64(len(s.data)) {
		return nil, formatErr(part, s.off, "Assembly row at %d (%d bytes) lies past the %d-byte stream", pos, rs, len(s.data))
	}
	b := s.data[pos:]
	get := func(w int) uint32 {
		var v uint32
		if w == 2 {
			v = uint32(binary.LittleEndian.Uint16(b))
		} else {
			v = binary.LittleEndian.Uint32(b)
		}
		b = b[w:]
		return v
	}
	r := &assemblyRow{}
	r.hashAlg = get(4)
	r.major, r.minor, r.build, r.revison = uint16(get(2)), uint16(get(2)), uint16(get(2)), uint16(get(2))
	r.flags = get(4)
	r.publicKey = get(wide(t.blobW))
	r.name = get(wide(t.strWide))
	r.culture = get(wide(t.strWide))
	return r, nil
}

// maxString caps a #Strings entry: identity strings are short.
const maxString = 1024

// str reads the NUL-terminated UTF-8 string at index i of the #Strings heap.
func str(s stream, i uint32, what string) (string, error) {
	const part = "#Strings heap"
	if i == 0 {
		return "", nil
	}
	if uint64(i) >= uint64(len(s.data)) {
		return "", formatErr(part, s.off, "%s index %d past the %d-byte heap", what, i, len(s.data))
	}
	b := s.data[i:]
	end := bytes.IndexByte(b[:min(len(b), maxString+1)], 0)
	if end < 0 {
		return "", formatErr(part, s.off+int64(i), "%s not terminated within %d bytes", what, maxString)
	}
	if !utf8.Valid(b[:end]) {
		return "", formatErr(part, s.off+int64(i), "%s is not valid UTF-8", what)
	}
	return string(b[:end]), nil
}

// blob reads the blob at index i of the #Blob heap (ECMA-335 II.24.2.4).
func blob(s stream, i uint32) ([]byte, error) {
	const part = "#Blob heap"
	if i == 0 {
		return nil, nil
	}
	b := s.data
	if uint64(i) >= uint64(len(b)) {
		return nil, formatErr(part, s.off, "index %d past the %d-byte heap", i, len(b))
	}
	p := int(i)
	var n, hdr int
	switch c := b[p]; {
	case c&0x80 == 0:
		n, hdr = int(c), 1
	case c&0xc0 == 0x80:
		if p+2 > len(b) {
			return nil, formatErr(part, s.off+int64(p), "length truncated")
		}
		n, hdr = int(c&0x3f)<<8|int(b[p+1]), 2
	case c&0xe0 == 0xc0:
		if p+4 > len(b) {
			return nil, formatErr(part, s.off+int64(p), "length truncated")
		}
		n, hdr = int(c&0x1f)<<24|int(b[p+1])<<16|int(b[p+2])<<8|int(b[p+3]), 4
	default:
		return nil, formatErr(part, s.off+int64(p), "bad length prefix %#x", c)
	}
	if n > len(b)-p-hdr {
		return nil, formatErr(part, s.off+int64(p), "blob of %d bytes runs past the heap", n)
	}
	return b[p+hdr : p+hdr+n], nil
}
