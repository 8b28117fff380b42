package cab

// newMSZIPDecompressor returns a decompressor for MSZIP folders.
func newMSZIPDecompressor() decompressor {
	return &mszipDecompressor{}
}

type mszipDecompressor struct{}

func (d *mszipDecompressor) decode(dst, src []byte) error {
	return &UnsupportedError{Method: methodMSZIP, Msg: "MSZIP not implemented yet"}
}
