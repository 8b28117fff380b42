package cfb

import (
	"encoding/binary"
	"unicode/utf16"
)

// rawFile assembles compound files byte by byte, including broken ones, for
// the hardening tests and fuzz seeds. Layout: sector 0 holds the FAT,
// sectors from 1 the directory (dirSecs of them), the rest is data.
type rawFile struct {
	secSize int
	hdr     []byte
	secs    [][]byte
}

func newRaw(version, nsec, dirSecs int) *rawFile {
	shift := 9
	if version == 4 {
		shift = 12
	}
	f := &rawFile{secSize: 1 << shift, hdr: make([]byte, 1<<shift)}
	for i := 0; i < nsec; i++ {
		f.secs = append(f.secs, make([]byte, f.secSize))
	}
	le := binary.LittleEndian
	h := f.hdr
	copy(h, magic[:])
	le.PutUint16(h[0x18:], 0x3E)
	le.PutUint16(h[0x1A:], uint16(version))
	le.PutUint16(h[0x1C:], 0xFFFE)
	le.PutUint16(h[0x1E:], uint16(shift))
	le.PutUint16(h[0x20:], 6)
	if version == 4 {
		le.PutUint32(h[0x28:], uint32(dirSecs))
	}
	le.PutUint32(h[0x2C:], 1)
	le.PutUint32(h[0x30:], 1)
	le.PutUint32(h[0x38:], miniCutoff)
	le.PutUint32(h[0x3C:], endOfChain)
	le.PutUint32(h[0x44:], endOfChain)
	for i := 0; i < headerDIFAT; i++ {
		le.PutUint32(h[0x4C+4*i:], freeSect)
	}
	le.PutUint32(h[0x4C:], 0)
	for i := 0; i < f.secSize/4; i++ {
		f.setFAT(i, freeSect)
	}
	f.setFAT(0, fatSect)
	for i := 1; i <= dirSecs; i++ {
		f.setFAT(i, uint32(i+1))
	}
	f.setFAT(dirSecs, endOfChain)
	// Mark every directory slot unused.
	for s := 1; s <= dirSecs; s++ {
		for off := 0; off < f.secSize; off += dirEntrySize {
			b := f.secs[s][off:]
			le.PutUint32(b[0x44:], noStream)
			le.PutUint32(b[0x48:], noStream)
			le.PutUint32(b[0x4C:], noStream)
		}
	}
	return f
}

func (f *rawFile) setHeader(off int, v uint32) { binary.LittleEndian.PutUint32(f.hdr[off:], v) }

func (f *rawFile) setFAT(i int, v uint32) { binary.LittleEndian.PutUint32(f.secs[0][4*i:], v) }

// dirEntry fills directory slot id.
func (f *rawFile) dirEntry(id int, name string, typ Type, left, right, child, start uint32, size uint64) {
	per := f.secSize / dirEntrySize
	b := f.secs[1+id/per][(id%per)*dirEntrySize:]
	le := binary.LittleEndian
	u := utf16.Encode([]rune(name))
	for i, c := range u {
		le.PutUint16(b[2*i:], c)
	}
	le.PutUint16(b[0x40:], uint16(2*(len(u)+1)))
	b[0x42] = byte(typ)
	b[0x43] = 1
	le.PutUint32(b[0x44:], left)
	le.PutUint32(b[0x48:], right)
	le.PutUint32(b[0x4C:], child)
	le.PutUint32(b[0x74:], start)
	le.PutUint64(b[0x78:], size)
}

func (f *rawFile) bytes() []byte {
	out := append([]byte(nil), f.hdr...)
	for _, s := range f.secs {
		out = append(out, s...)
	}
	return out
}
