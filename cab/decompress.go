// NOTE TO THE QUANTUM ENGINEER: implement newQuantumDecompressor (below) in
// cab/quantum.go with exactly the signature documented here, and delete
// cab/quantum_stub.go in the same commit. The reader calls it once per
// folder, then decode once per CFDATA block of that folder, in order.
// Return errors built with formatErr / the FormatError type of errors.go
// (errors.Is(err, ErrFormat) must hold for corrupt input); never panic, and
// never write beyond len(dst).

package cab

// A decompressor decodes the CFDATA blocks of one folder, in order. State
// (the history window and anything else the method keeps) carries across
// the blocks of that folder; a new folder gets a new decompressor.
//
// decode decompresses one block's compressed bytes src into dst, whose
// length is exactly the block's declared uncompressed size (at most
// maxBlockSize, 32 KiB). It must fill dst completely or return an error;
// it must not read beyond src (running out of input is an error wrapping
// ErrFormat), must not retain dst or src after returning, and must bound
// its own work and memory by len(dst), len(src) and the window size.
type decompressor interface {
	decode(dst, src []byte) error
}

// A blockCounter is a decompressor whose stream has blocks of its own
// inside CFDATA blocks (deflate's in MSZIP, LZX's), each starting with a
// header that may rebuild Huffman tables whatever it decodes to:
// innerBlocks returns how many headers the last decode call read. A Limit
// counts them (BlockCost each).
type blockCounter interface {
	innerBlocks() int
}

// A symbolCounter is a decompressor whose work grows with the symbols it
// decodes more than with the bytes they make (Quantum's arithmetic
// decoder): symbols returns how many the last decode call decoded. A
// Limit counts them (QuantumSymbolCost each) when they count more than
// the bytes.
type symbolCounter interface {
	symbols() int
}

// A resetter is a decompressor that can start a new folder of the same
// method, keeping its buffers: a Reader reuses the decoders of folders read
// to their end instead of allocating (and zeroing) a new window for each.
//
// reset is called only with a method compatible with the decoder's
// (compatibleDecoder): the same method, or, for Quantum, any Quantum
// method (the level does not matter to a decoder, and the window a
// Quantum decoder holds serves every window size).
type resetter interface {
	reset(method uint16)
}

// compatibleDecoder reports whether a decoder made for folders of method
// have can be reset for a folder of method want.
func compatibleDecoder(have, want uint16) bool {
	if have == want {
		return true
	}
	bits := int(want>>8) & 0x1f
	return have&0x000f == methodQuantum && want&0x000f == methodQuantum &&
		bits >= quantumMinWindowBits && bits <= quantumMaxWindowBits
}

// Compression methods: the low 4 bits of CFFOLDER.typeCompress.
const (
	methodNone    = 0
	methodMSZIP   = 1
	methodQuantum = 2
	methodLZX     = 3
)

// maxBlockSize is the largest uncompressed size a CFDATA block may declare
// (32 KiB). The compressed size may exceed it by a little (maxBlockSlack).
const (
	maxBlockSize  = 32768
	maxBlockSlack = 6144
)

// newDecompressor returns the decompressor for a folder's typeCompress
// value: bits 0-3 the method; for Quantum bits 4-7 the level and bits 8-12
// the window bits; for LZX bits 8-12 the window bits.
//
// Implemented elsewhere, with these exact signatures:
//
//	func newQuantumDecompressor(level, windowBits int) (decompressor, error) // quantum.go
//	func newLZXDecompressor(windowBits int) (decompressor, error)            // lzx.go
//	func newMSZIPDecompressor() decompressor                                 // mszip.go
func newDecompressor(typeCompress uint16) (decompressor, error) {
	switch m := typeCompress & 0x000f; m {
	case methodNone:
		return storedDecompressor{}, nil
	case methodMSZIP:
		return newMSZIPDecompressor(), nil
	case methodQuantum:
		level := int(typeCompress>>4) & 0xf
		windowBits := int(typeCompress>>8) & 0x1f
		return newQuantumDecompressor(level, windowBits)
	case methodLZX:
		windowBits := int(typeCompress>>8) & 0x1f
		return newLZXDecompressor(windowBits)
	default:
		return nil, &UnsupportedError{Method: int(m), Msg: "unknown compression method"}
	}
}

// storedDecompressor copies uncompressed (method 0) blocks.
type storedDecompressor struct{}

// reset does nothing: a stored folder keeps no state. It lets a reader's
// buffers be reused with the decoder (spareDecoder).
func (storedDecompressor) reset(uint16) {}

func (storedDecompressor) decode(dst, src []byte) error {
	if len(src) != len(dst) {
		return formatErr(-1, "stored block: compressed size differs from uncompressed size", nil)
	}
	copy(dst, src)
	return nil
}
