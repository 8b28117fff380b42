// Temporary stub: the Quantum engineer deletes this file when adding
// quantum.go. See the note at the top of decompress.go.

package cab

func newQuantumDecompressor(level, windowBits int) (decompressor, error) {
	return nil, &UnsupportedError{Method: methodQuantum, Msg: "Quantum decompression not implemented yet"}
}
