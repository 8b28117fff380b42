package cab

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// maxCabinetHops bounds how many cabinets of a set one stream may walk
// through, so a set whose names form a loop cannot run forever.
const maxCabinetHops = 1024

// Open returns a reader of the file's contents. Each call returns a new,
// independent stream, so several may be read at once from different
// goroutines. The folder holding the file is decoded from its start (LZX
// and MSZIP state depends on everything before), so opening each of many
// files in one folder repeats work: to read a whole folder, use
// Folder.Open and the files' Offset and Size.
//
// A file in a folder that began in an earlier cabinet of a set, or that
// continues in a later one, needs Options.OpenCabinet; without it reading
// fails with an error matching ErrMissingCabinet.
func (f *File) Open() (io.ReadCloser, error) {
	if !f.folder.contNext && !f.folder.contPrev {
		// The whole folder is here: the file must fit in its blocks.
		if max := int64(f.folder.NumBlocks) * maxBlockSize; f.Offset > max || f.Size > max-f.Offset {
			return nil, formatErr(f.hdrOff, fmt.Sprintf("file %q: offset %d + size %d exceeds the %d blocks of folder %d", f.Name, f.Offset, f.Size, f.folder.NumBlocks, f.folder.index), nil)
		}
	}
	// Reuse a decoder left at or before this file by a file read to its
	// end, so reading a folder's files in order decodes it once.
	fr := f.cab.takeCursor(f.folder, f.Offset)
	if fr == nil {
		var err error
		if fr, err = f.folder.open(); err != nil {
			return nil, err
		}
	}
	return &fileReader{fr: fr, f: f, skip: f.Offset - fr.offset(), remain: f.Size}, nil
}

// maxIdleCursors bounds the decoders a Reader keeps for reuse.
const maxIdleCursors = 4

type idleCursor struct {
	folder *Folder
	fr     *folderReader
}

// takeCursor returns an idle decoder of folder positioned at or before
// off, removing it from the cache, or nil.
func (cr *Reader) takeCursor(folder *Folder, off int64) *folderReader {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	best := -1
	for i, c := range cr.idle {
		if c.folder == folder && c.fr.offset() <= off && (best < 0 || c.fr.offset() > cr.idle[best].fr.offset()) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	fr := cr.idle[best].fr
	cr.idle = append(cr.idle[:best], cr.idle[best+1:]...)
	return fr
}

// putCursor offers a healthy decoder for reuse.
func (cr *Reader) putCursor(folder *Folder, fr *folderReader) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if len(cr.idle) >= maxIdleCursors {
		// Evict the oldest; its decoder may serve a new folder.
		if old := cr.idle[0].fr; old.dec != nil {
			if _, ok := old.dec.(resetter); ok {
				if len(cr.spare) >= maxSpareDecoders {
					cr.spare = cr.spare[1:]
				}
				cr.spare = append(cr.spare, spareDecoder{old.method, old.dec})
				old.dec = nil
			}
		}
		cr.idle = cr.idle[1:]
	}
	cr.idle = append(cr.idle, idleCursor{folder, fr})
}

// maxSpareDecoders bounds the decoders of finished folders a Reader keeps
// for new folders (each holds up to a window of memory).
const maxSpareDecoders = 2

// A spareDecoder is the decoder of a folder read to its end, kept for
// another folder of the same method.
type spareDecoder struct {
	method uint16
	dec    decompressor
}

// newDecoder returns a decoder for a folder of the given method: a spare
// one, reset; or one taken from an idle cursor that has reached the end of
// its folder (it can serve no later file there that needs decoding); or
// a new one.
func (cr *Reader) newDecoder(method uint16) (decompressor, error) {
	cr.mu.Lock()
	var dec decompressor
	for i, s := range cr.spare {
		if s.method == method {
			dec = s.dec
			cr.spare = append(cr.spare[:i], cr.spare[i+1:]...)
			break
		}
	}
	if dec == nil {
		for i, c := range cr.idle {
			if uint16(c.fr.folder.Method) == method && c.fr.exhausted() {
				if _, ok := c.fr.dec.(resetter); ok {
					dec = c.fr.dec
					c.fr.dec = nil
					cr.idle = append(cr.idle[:i], cr.idle[i+1:]...)
					break
				}
			}
		}
	}
	cr.mu.Unlock()
	if dec != nil {
		dec.(resetter).reset()
		return dec, nil
	}
	return newDecompressor(method)
}

// putSpare offers the decoder of a closed folder stream for reuse.
func (cr *Reader) putSpare(method uint16, dec decompressor) {
	if _, ok := dec.(resetter); !ok {
		return
	}
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if len(cr.spare) >= maxSpareDecoders {
		cr.spare = cr.spare[1:]
	}
	cr.spare = append(cr.spare, spareDecoder{method, dec})
}

// Open returns a reader of the folder's whole uncompressed data, decoded
// block by block: the stream the files' Offset fields index. A folder
// that began in an earlier cabinet is decoded from its real start, and
// one that continues in later cabinets runs through them (both need
// Options.OpenCabinet). Each call returns a new, independent stream.
func (f *Folder) Open() (io.ReadCloser, error) {
	return f.open()
}

func (f *Folder) open() (*folderReader, error) {
	start := f
	hops := 0
	for start.contPrev {
		prev, err := start.cab.openSibling(start.cab.PrevCabinet, -1)
		if err != nil {
			return nil, err
		}
		if len(prev.Folders) == 0 {
			return nil, formatErr(-1, fmt.Sprintf("previous cabinet %q has no folders", start.cab.PrevCabinet), nil)
		}
		start = prev.Folders[len(prev.Folders)-1]
		if hops++; hops > maxCabinetHops {
			return nil, formatErr(-1, "cabinet set is longer than 1024 cabinets (a loop?)", nil)
		}
	}
	dec, err := f.cab.newDecoder(uint16(start.Method))
	if err != nil {
		return nil, err
	}
	return &folderReader{
		owner:  f.cab,
		method: uint16(start.Method),
		folder: start,
		off:    start.DataOffset,
		dec:    dec,
		out:    make([]byte, maxBlockSize),
		hops:   hops,
	}, nil
}

// openSibling opens the cabinet name, the previous (dir -1) or next
// (dir +1) one of cr's set, and checks that it belongs to the set.
func (cr *Reader) openSibling(name string, dir int) (*Reader, error) {
	if cr.opts.OpenCabinet == nil {
		return nil, fmt.Errorf("%w: %q (no Options.OpenCabinet)", ErrMissingCabinet, name)
	}
	if name == "" {
		return nil, fmt.Errorf("%w: the cabinet header names none", ErrMissingCabinet)
	}
	ra, size, err := cr.opts.OpenCabinet(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrMissingCabinet, name, err)
	}
	sib, err := NewReaderOptions(ra, size, &cr.opts)
	if err != nil {
		return nil, fmt.Errorf("cabinet %q: %w", name, err)
	}
	if sib.SetID != cr.SetID || int(sib.Index) != int(cr.Index)+dir {
		return nil, formatErr(-1, fmt.Sprintf("cabinet %q is set %d number %d, want set %d number %d", name, sib.SetID, sib.Index, cr.SetID, int(cr.Index)+dir), nil)
	}
	return sib, nil
}

// folderReader decodes a folder's CFDATA blocks in order, following the
// folder into later cabinets of a set.
type folderReader struct {
	owner  *Reader // where the decoder goes back when closed
	method uint16
	folder *Folder // current part of the folder
	block  int     // blocks of the current part already read
	off    int64   // offset of the next CFDATA in the current cabinet
	dec    decompressor
	src    []byte // compressed data of the current block (reused)
	out    []byte // decoded block, maxBlockSize capacity
	pos    int    // read position in out
	n      int    // valid bytes in out
	total  int64  // bytes decoded so far
	hops   int
	err    error // sticky
}

func (r *folderReader) Read(p []byte) (int, error) {
	for r.pos == r.n {
		if r.err != nil {
			return 0, r.err
		}
		if err := r.nextBlock(); err != nil {
			r.err = err
			return 0, err
		}
	}
	n := copy(p, r.out[r.pos:r.n])
	r.pos += n
	return n, nil
}

// offset returns the folder offset of the next byte Read returns.
func (r *folderReader) offset() int64 { return r.total - int64(r.n-r.pos) }

// discard skips n decoded bytes.
func (r *folderReader) discard(n int64) error {
	for n > 0 {
		if r.pos == r.n {
			if r.err != nil {
				return r.err
			}
			if err := r.nextBlock(); err != nil {
				r.err = err
				return err
			}
		}
		k := int64(r.n - r.pos)
		if k > n {
			k = n
		}
		r.pos += int(k)
		n -= k
	}
	return nil
}

// exhausted reports whether the reader has returned all of its folder.
func (r *folderReader) exhausted() bool {
	return r.dec != nil && r.pos == r.n && r.block >= r.folder.NumBlocks && !r.folder.contNext
}

func (r *folderReader) Close() error {
	if r.err == nil {
		r.err = errors.New("cab: read from closed stream")
	}
	if r.dec != nil && r.owner != nil {
		r.owner.putSpare(r.method, r.dec)
	}
	r.out, r.src, r.dec = nil, nil, nil
	r.pos, r.n = 0, 0
	return nil
}

// nextPart moves to the folder's continuation in the next cabinet.
func (r *folderReader) nextPart() error {
	cab := r.folder.cab
	if r.hops++; r.hops > maxCabinetHops {
		return formatErr(-1, "cabinet set is longer than 1024 cabinets (a loop?)", nil)
	}
	next, err := cab.openSibling(cab.NextCabinet, +1)
	if err != nil {
		return err
	}
	if len(next.Folders) == 0 {
		return formatErr(-1, fmt.Sprintf("next cabinet %q has no folders", cab.NextCabinet), nil)
	}
	r.folder = next.Folders[0]
	r.block = 0
	r.off = r.folder.DataOffset
	return nil
}

// readBlock reads the next CFDATA of the current part, appending its data
// to r.src, and returns its declared uncompressed size.
func (r *folderReader) readBlock() (int, error) {
	cab := r.folder.cab
	at := r.off
	hlen := dataHeaderSize + cab.dataReserve
	if int64(hlen) > cab.size-at {
		return 0, formatErr(at, fmt.Sprintf("folder %d: data block %d header runs past the end of the cabinet", r.folder.index, r.block), io.ErrUnexpectedEOF)
	}
	var hb [dataHeaderSize + 255]byte
	h := hb[:hlen]
	if _, err := cab.r.ReadAt(h, at); err != nil {
		return 0, formatErr(at, "reading data block header", unexpected(err))
	}
	sum := binary.LittleEndian.Uint32(h)
	cbData := int(binary.LittleEndian.Uint16(h[4:]))
	cbUncomp := int(binary.LittleEndian.Uint16(h[6:]))
	if cbUncomp > maxBlockSize {
		return 0, formatErr(at+6, fmt.Sprintf("folder %d: data block %d claims %d uncompressed bytes (limit %d)", r.folder.index, r.block, cbUncomp, maxBlockSize), nil)
	}
	if cbData > maxBlockSize+maxBlockSlack || len(r.src)+cbData > 2*(maxBlockSize+maxBlockSlack) {
		return 0, formatErr(at+4, fmt.Sprintf("folder %d: data block %d claims %d compressed bytes (limit %d)", r.folder.index, r.block, cbData, maxBlockSize+maxBlockSlack), nil)
	}
	if int64(cbData) > cab.size-at-int64(hlen) {
		return 0, formatErr(at+4, fmt.Sprintf("folder %d: data block %d (%d bytes) runs past the end of the cabinet", r.folder.index, r.block, cbData), io.ErrUnexpectedEOF)
	}
	base := len(r.src)
	if cap(r.src) < base+cbData {
		ns := make([]byte, base, base+cbData+maxBlockSlack)
		copy(ns, r.src)
		r.src = ns
	}
	r.src = r.src[:base+cbData]
	data := r.src[base:]
	if _, err := cab.r.ReadAt(data, at+int64(hlen)); err != nil {
		return 0, formatErr(at+int64(hlen), "reading data block", unexpected(err))
	}
	if sum != 0 && !cab.opts.IgnoreChecksums {
		if got := checksum(h[4:8], checksum(data, 0)); got != sum {
			return 0, formatErr(at, fmt.Sprintf("folder %d: data block %d checksum %#08x, want %#08x", r.folder.index, r.block, got, sum), nil)
		}
	}
	r.off = at + int64(hlen) + int64(cbData)
	r.block++
	return cbUncomp, nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// nextBlock reads and decodes the next block into r.out.
func (r *folderReader) nextBlock() error {
	if r.dec == nil {
		return errors.New("cab: read from closed stream")
	}
	if r.block >= r.folder.NumBlocks {
		if !r.folder.contNext {
			return io.EOF
		}
		if err := r.nextPart(); err != nil {
			return err
		}
		if r.folder.NumBlocks == 0 {
			return formatErr(-1, "continuation folder has no data blocks", nil)
		}
	}
	at := r.off
	r.src = r.src[:0]
	cbUncomp, err := r.readBlock()
	if err != nil {
		return err
	}
	if cbUncomp == 0 {
		// A block split across cabinets: its data continues in the first
		// block of the next cabinet, which carries the uncompressed size.
		if r.block != r.folder.NumBlocks || !r.folder.contNext && r.folder.cab.flags&flagNextCabinet == 0 {
			return formatErr(at+6, fmt.Sprintf("folder %d: data block %d declares 0 uncompressed bytes", r.folder.index, r.block-1), nil)
		}
		if err := r.nextPart(); err != nil {
			return err
		}
		if r.folder.NumBlocks == 0 {
			return formatErr(-1, "continuation folder has no data blocks", nil)
		}
		at = r.off
		if cbUncomp, err = r.readBlock(); err != nil {
			return err
		}
		if cbUncomp == 0 {
			return formatErr(at+6, "continued data block declares 0 uncompressed bytes", nil)
		}
	}
	if err := r.dec.decode(r.out[:cbUncomp], r.src); err != nil {
		var ue *UnsupportedError
		if errors.As(err, &ue) {
			return err
		}
		return formatErr(at, fmt.Sprintf("folder %d (%v): data block %d", r.folder.index, r.folder.Method, r.block-1), err)
	}
	r.pos, r.n = 0, cbUncomp
	r.total += int64(cbUncomp)
	return nil
}

// fileReader reads one file's bytes out of its folder's stream.
type fileReader struct {
	fr     *folderReader
	f      *File
	skip   int64
	remain int64
	err    error
}

func (r *fileReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.skip > 0 {
		if err := r.fr.discard(r.skip); err != nil {
			r.err = r.wrap(err)
			return 0, r.err
		}
		r.skip = 0
	}
	if r.remain <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.remain {
		p = p[:r.remain]
	}
	n, err := r.fr.Read(p)
	r.remain -= int64(n)
	if err != nil {
		r.err = r.wrap(err)
		if n > 0 {
			return n, nil
		}
		return 0, r.err
	}
	return n, nil
}

func (r *fileReader) wrap(err error) error {
	if err == io.EOF {
		return formatErr(r.f.hdrOff, fmt.Sprintf("file %q: folder data ends %d bytes before the end of the file", r.f.Name, r.remain+r.skip), io.ErrUnexpectedEOF)
	}
	return err
}

func (r *fileReader) Close() error {
	if r.err == nil && r.remain == 0 && r.skip == 0 && r.fr.err == nil {
		// Read to the end without trouble: the decoder can serve a later
		// file of the same folder.
		r.err = errors.New("cab: read from closed file")
		r.f.cab.putCursor(r.f.folder, r.fr)
		r.fr = nil
		return nil
	}
	if r.err == nil {
		r.err = errors.New("cab: read from closed file")
	}
	if r.fr != nil {
		r.fr.Close()
		r.fr = nil
	}
	return nil
}
