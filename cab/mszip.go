package cab

import (
	"bytes"
	"compress/flate"
	"io"
)

// mszipWindow is the deflate history carried from block to block.
const mszipWindow = 32768

// newMSZIPDecompressor returns a decompressor for MSZIP folders: each
// CFDATA block holds "CK" and a complete raw deflate stream, whose
// back-references may reach into the previous 32 KiB of output.
func newMSZIPDecompressor() decompressor {
	return &mszipDecompressor{}
}

type mszipDecompressor struct {
	hist []byte // the last mszipWindow bytes of output, at the start of buf
	buf  []byte
	br   bytes.Reader
	fr   io.ReadCloser
	one  [1]byte
}

func (d *mszipDecompressor) decode(dst, src []byte) error {
	if len(src) < 2 || src[0] != 'C' || src[1] != 'K' {
		return formatErr(-1, "mszip: block does not start with the CK signature", nil)
	}
	d.br.Reset(src[2:])
	if d.fr == nil {
		d.fr = flate.NewReaderDict(&d.br, nil)
		d.buf = make([]byte, 2*mszipWindow)
		d.hist = d.buf[:0]
	} else if err := d.fr.(flate.Resetter).Reset(&d.br, d.hist); err != nil {
		return err
	}
	if _, err := io.ReadFull(d.fr, dst); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return formatErr(-1, "mszip: "+"block decodes to fewer bytes than declared", err)
	}
	// The block's deflate stream must end exactly here.
	if n, err := d.fr.Read(d.one[:]); n != 0 {
		return formatErr(-1, "mszip: "+"block decodes to more bytes than declared", nil)
	} else if err != io.EOF {
		return formatErr(-1, "mszip: "+"block does not end its deflate stream", err)
	}
	// Keep the last 32 KiB of output as the next block's dictionary; hist
	// always starts at buf[0] and len(dst) <= 32 KiB, so append never grows.
	if drop := len(d.hist) + len(dst) - mszipWindow; drop > 0 {
		if drop >= len(d.hist) {
			d.hist = d.hist[:0]
			if len(dst) > mszipWindow {
				dst = dst[len(dst)-mszipWindow:]
			}
		} else {
			n := copy(d.buf, d.hist[drop:])
			d.hist = d.buf[:n]
		}
	}
	d.hist = append(d.hist, dst...)
	return nil
}
