package cab

// mszipWindow is the deflate history carried from block to block.
const mszipWindow = 32768

// newMSZIPDecompressor returns a decompressor for MSZIP folders: each
// CFDATA block holds "CK" and a complete raw deflate stream (RFC 1951),
// whose back-references may reach into the previous 32 KiB of output.
func newMSZIPDecompressor() decompressor {
	return &mszipDecompressor{}
}

type mszipDecompressor struct {
	inf  *inflater
	buf  []byte // history (the last <= 32 KiB of output), then the block
	hist int    // bytes of history at the start of buf
}

func (d *mszipDecompressor) reset(uint16) { d.hist = 0 }

// innerBlocks returns the deflate blocks the last decode call started.
func (d *mszipDecompressor) innerBlocks() int {
	if d.inf == nil {
		return 0
	}
	return d.inf.blocks
}

func (d *mszipDecompressor) decode(dst, src []byte) error {
	if len(src) < 2 || src[0] != 'C' || src[1] != 'K' {
		return formatErr(-1, "mszip: block does not start with the CK signature", nil)
	}
	if d.inf == nil {
		d.inf = newInflater()
		d.buf = make([]byte, mszipWindow+maxBlockSize+inflateSlack)
	}
	if err := d.inf.inflate(d.buf, d.hist, len(dst), src[2:]); err != nil {
		return err
	}
	copy(dst, d.buf[d.hist:d.hist+len(dst)])
	// Keep the last 32 KiB as the next block's history.
	total := d.hist + len(dst)
	keep := min(total, mszipWindow)
	copy(d.buf, d.buf[total-keep:total])
	d.hist = keep
	return nil
}
