package cab

// newLZXDecompressor returns a decompressor for LZX folders.
func newLZXDecompressor(windowBits int) (decompressor, error) {
	return nil, &UnsupportedError{Method: methodLZX, Msg: "LZX not implemented yet"}
}
