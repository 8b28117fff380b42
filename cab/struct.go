package cab

import (
	"encoding/binary"
	"time"
)

// On-disk layout sizes (MS-CAB).
const (
	headerSize     = 36 // fixed part of CFHEADER
	folderSize     = 8  // fixed part of CFFOLDER
	fileSize       = 16 // fixed part of CFFILE, before the name
	dataHeaderSize = 8  // fixed part of CFDATA
	maxNameLen     = 255
	maxReserveHdr  = 60000
)

// CFHEADER flags.
const (
	flagPrevCabinet    = 0x0001
	flagNextCabinet    = 0x0002
	flagReservePresent = 0x0004
)

// Special CFFILE.iFolder values for files that span cabinets.
const (
	ifoldContinuedFromPrev    = 0xfffd
	ifoldContinuedToNext      = 0xfffe
	ifoldContinuedPrevAndNext = 0xffff
)

// Attr holds a file's CFFILE attribute bits.
type Attr uint16

// File attribute bits.
const (
	AttrReadOnly  Attr = 0x01 // read-only
	AttrHidden    Attr = 0x02 // hidden
	AttrSystem    Attr = 0x04 // system file
	AttrArchive   Attr = 0x20 // modified since last backup
	AttrExec      Attr = 0x40 // run after extraction
	AttrNameIsUTF Attr = 0x80 // the name is UTF-8, not the local code page
)

// Method is a folder's compression type: the CFFOLDER typeCompress field.
// The low 4 bits are the method; the rest are method parameters.
type Method uint16

// Compression methods (the value of Method.Kind).
const (
	None    Method = methodNone
	MSZIP   Method = methodMSZIP
	Quantum Method = methodQuantum
	LZX     Method = methodLZX
)

// Kind returns the method alone (None, MSZIP, Quantum or LZX, or an
// unknown value), without parameters.
func (m Method) Kind() Method { return m & 0x000f }

// WindowBits returns the base-2 logarithm of the window size for LZX and
// Quantum folders (bits 8-12 of typeCompress), and 0 for other methods.
func (m Method) WindowBits() int {
	switch m.Kind() {
	case LZX, Quantum:
		return int(m>>8) & 0x1f
	}
	return 0
}

// Level returns the Quantum compression level (bits 4-7 of typeCompress),
// and 0 for other methods.
func (m Method) Level() int {
	if m.Kind() == Quantum {
		return int(m>>4) & 0xf
	}
	return 0
}

// String returns the method as in "LZX:21", "Quantum:18" (the window
// bits; Level gives Quantum's level), "MSZIP" or "none".
func (m Method) String() string {
	switch m.Kind() {
	case None:
		return "none"
	case MSZIP:
		return "MSZIP"
	case Quantum:
		return "Quantum:" + itoa(m.WindowBits())
	case LZX:
		return "LZX:" + itoa(m.WindowBits())
	}
	return "method" + itoa(int(m.Kind()))
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	neg := i < 0
	if neg {
		i = -i
	}
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}

// dosTime converts MS-DOS date and time fields to a time.Time in UTC (the
// fields carry no zone). Invalid fields give the zero Time.
func dosTime(date, tm uint16) time.Time {
	if date == 0 && tm == 0 {
		return time.Time{}
	}
	year := int(date>>9) + 1980
	month := time.Month(date >> 5 & 0xf)
	day := int(date & 0x1f)
	hour := int(tm >> 11)
	minute := int(tm >> 5 & 0x3f)
	sec := int(tm&0x1f) * 2
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}
	}
	return time.Date(year, month, day, hour, minute, sec, 0, time.UTC)
}

// checksum computes the CFDATA checksum of p continuing from seed: the XOR
// of p's little-endian 32-bit words, with the 1-3 trailing bytes taken
// big-endian.
func checksum(p []byte, seed uint32) uint32 {
	// The XOR of little-endian 64-bit words holds the XOR of the 32-bit
	// words at even positions in its low half, odd ones in its high half.
	var x uint64
	q := p
	for len(q) >= 32 {
		x ^= binary.LittleEndian.Uint64(q) ^ binary.LittleEndian.Uint64(q[8:]) ^
			binary.LittleEndian.Uint64(q[16:]) ^ binary.LittleEndian.Uint64(q[24:])
		q = q[32:]
	}
	for len(q) >= 4 {
		x ^= uint64(binary.LittleEndian.Uint32(q))
		q = q[4:]
	}
	c := seed ^ uint32(x) ^ uint32(x>>32)
	var t uint32
	for _, b := range q {
		t = t<<8 | uint32(b)
	}
	return c ^ t
}
