package cab

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

// maxCabinetHops bounds how many cabinets of a set one stream may walk
// through, so a set whose names form a loop cannot run forever.
const maxCabinetHops = 1024

// maxCabinetIndex is the highest number (iCabinet) a cabinet of a set can
// have, and indexOffset where the header holds it.
const (
	maxCabinetIndex = 1<<16 - 1
	indexOffset     = 34
)

// Open returns a reader of the file's contents. Each call returns a new,
// independent stream, so several may be read at once from different
// goroutines. The folder holding the file is decoded from its start (LZX
// and MSZIP state depends on everything before), so opening each of many
// files in one folder repeats work: to read a whole folder, use
// Folder.Open and the files' Offset and Size.
//
// A file in a folder that began in an earlier cabinet of a set, or that
// continues in a later one, needs ReaderOptions.OpenCabinet; without it reading
// fails with an error matching ErrMissingCabinet.
//
// Once reading a folder has failed (a bad checksum, a corrupt block,
// data that ends early), Open fails at once for every file that needs the
// folder's data at or past the point of failure, with an error wrapping
// the first one: LZX, MSZIP and Quantum state cannot be recovered after a
// bad block, so decoding the folder again from its start could only fail
// the same way.
func (f *File) Open() (io.ReadCloser, error) {
	if !f.folder.contNext && !f.folder.contPrev {
		// The whole folder is here: the file must fit in its blocks.
		if max := int64(f.folder.NumBlocks) * maxBlockSize; f.Offset > max || f.Size > max-f.Offset {
			return nil, formatErr(f.hdrOff, fmt.Sprintf("file %q: offset %d + size %d exceeds the %d blocks of folder %d", f.Name, f.Offset, f.Size, f.folder.NumBlocks, f.folder.index), nil)
		}
	}
	start, err := f.folder.start()
	if err != nil {
		return nil, err
	}
	set := f.cab.set
	if fail, ok := set.failure(start); ok && f.Offset+f.Size > fail.off {
		// Not a FormatError of its own: the cause says what kind of
		// failure it was (corrupt data, a missing cabinet of the set).
		return nil, fmt.Errorf("cab: file %q: its folder could not be decoded past offset %d: %w", f.Name, fail.off, fail.err)
	}
	// Reuse a decoder left at or before this file by a file read to its
	// end, so reading a folder's files in order decodes it once, also
	// across the cabinets of a set.
	fr := set.takeCursor(start, f.Offset)
	if fr == nil {
		if fr, err = start.openAt(); err != nil {
			return nil, err
		}
	}
	return &fileReader{fr: fr, f: f, skip: f.Offset - fr.offset(), remain: f.Size}, nil
}

// maxIdleCursors bounds the decoders a set of Readers keeps for reuse.
const maxIdleCursors = 4

// readerSet is shared by a Reader and the cabinets of its set opened from
// it (Reader.Next, folders that span cabinets): each sibling is opened
// once, decoders left by one cabinet's files serve the next cabinet's, and
// a folder that failed to decode is remembered.
type readerSet struct {
	mu     sync.Mutex
	idle   []idleCursor
	spare  []spareDecoder
	failed map[*Folder]folderFailure // by the folder where the data begins
}

type idleCursor struct {
	folder *Folder // where the folder's data begins
	fr     *folderReader
}

// folderFailure records where decoding a folder stopped and why.
type folderFailure struct {
	off int64 // bytes of the folder decoded before the failure
	err error
}

// takeCursor returns an idle decoder of the folder whose data begins in
// start, positioned at or before off, removing it from the cache, or nil.
func (s *readerSet) takeCursor(start *Folder, off int64) *folderReader {
	s.mu.Lock()
	defer s.mu.Unlock()
	best := -1
	for i, c := range s.idle {
		if c.folder == start && c.fr.offset() <= off && (best < 0 || c.fr.offset() > s.idle[best].fr.offset()) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	fr := s.idle[best].fr
	s.idle = append(s.idle[:best], s.idle[best+1:]...)
	return fr
}

// putCursor offers a healthy decoder for reuse.
func (s *readerSet) putCursor(fr *folderReader) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.idle) >= maxIdleCursors {
		// Evict the oldest; its decoder may serve a new folder.
		if old := s.idle[0].fr; old.dec != nil {
			if _, ok := old.dec.(resetter); ok {
				s.addSpare(uint16(old.start.Method), old.dec, old.out, old.ra)
				old.dec, old.out, old.ra, old.raCab = nil, nil, nil, nil
			}
		}
		s.idle = s.idle[1:]
	}
	s.idle = append(s.idle, idleCursor{fr.start, fr})
}

// maxSpareDecoders bounds the decoders of finished folders a set of
// Readers keeps for new folders (each holds up to a window of memory).
const maxSpareDecoders = 2

// A spareDecoder is the decoder of a folder read to its end, kept for
// another folder of the same method, with its reader's output and
// read-ahead buffers (nil if it had none): a Reader reading thousands of
// one-folder cabinets through a DecoderCache allocates neither again.
type spareDecoder struct {
	method  uint16
	dec     decompressor
	out, ra []byte
}

// addSpare keeps dec (and the buffers out and ra) for a later folder of
// the given method; s.mu is held.
func (s *readerSet) addSpare(method uint16, dec decompressor, out, ra []byte) {
	if len(s.spare) >= maxSpareDecoders {
		s.spare = s.spare[1:]
	}
	s.spare = append(s.spare, spareDecoder{method, dec, out, ra})
}

// newDecoder returns a decoder for a folder of the given method: a spare
// one, reset; or one taken from an idle cursor that has reached the end of
// its folder (it can serve no later file there that needs decoding); or
// a new one. Reusing a decoder saves allocating and zeroing its window
// (4 MiB for LZX) for every folder.
//
// It also returns the output and read-ahead buffers that came with the
// decoder, if any (out is maxBlockSize long, ra has blockReadAhead of
// capacity), for the new folder's reader.
func (s *readerSet) newDecoder(method uint16) (dec decompressor, out, ra []byte, err error) {
	s.mu.Lock()
	for i, sp := range s.spare {
		if compatibleDecoder(sp.method, method) {
			dec, out, ra = sp.dec, sp.out, sp.ra
			s.spare = append(s.spare[:i], s.spare[i+1:]...)
			break
		}
	}
	if dec == nil {
		for i, c := range s.idle {
			if compatibleDecoder(uint16(c.fr.start.Method), method) && c.fr.exhausted() {
				if _, ok := c.fr.dec.(resetter); ok {
					dec, out, ra = c.fr.dec, c.fr.out, c.fr.ra
					c.fr.dec, c.fr.out, c.fr.ra, c.fr.raCab = nil, nil, nil, nil
					s.idle = append(s.idle[:i], s.idle[i+1:]...)
					break
				}
			}
		}
	}
	s.mu.Unlock()
	if dec != nil {
		dec.(resetter).reset(method)
		return dec, out, ra, nil
	}
	dec, err = newDecompressor(method)
	return dec, nil, nil, err
}

// putSpare offers the decoder of a closed folder stream (and its buffers)
// for reuse.
func (s *readerSet) putSpare(method uint16, dec decompressor, out, ra []byte) {
	if _, ok := dec.(resetter); !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addSpare(method, dec, out, ra)
}

// fail records that decoding the folder beginning in start stopped after
// off bytes; the first failure is kept.
func (s *readerSet) fail(start *Folder, off int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.failed[start]; ok {
		return
	}
	if s.failed == nil {
		s.failed = map[*Folder]folderFailure{}
	}
	s.failed[start] = folderFailure{off, err}
}

func (s *readerSet) failure(start *Folder) (folderFailure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.failed[start]
	return f, ok
}

// Open returns a reader of the folder's whole uncompressed data, decoded
// block by block: the stream the files' Offset fields index. A folder
// that began in an earlier cabinet is decoded from its real start, and
// one that continues in later cabinets runs through them (both need
// ReaderOptions.OpenCabinet). Each call returns a new, independent stream.
func (f *Folder) Open() (io.ReadCloser, error) {
	start, err := f.start()
	if err != nil {
		return nil, err
	}
	return start.openAt()
}

// start returns the folder where f's data begins: f itself or, for a
// folder continued from earlier cabinets of a set, the last folder of the
// earliest one. Siblings are opened once per set, so walking back again
// costs no parsing.
func (f *Folder) start() (*Folder, error) {
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
	return start, nil
}

// openAt returns a decoder at the start of folder f, where a folder's data
// begins.
func (f *Folder) openAt() (*folderReader, error) {
	dec, out, ra, err := f.cab.set.newDecoder(uint16(f.Method))
	if err != nil {
		return nil, err
	}
	if len(out) != maxBlockSize {
		out = make([]byte, maxBlockSize)
	}
	return &folderReader{
		start:  f,
		folder: f,
		off:    f.DataOffset,
		dec:    dec,
		out:    out,
		ra:     ra[:0],
	}, nil
}

// Next returns the next cabinet of the set, the one NextCabinet names,
// opened through ReaderOptions.OpenCabinet and checked to belong to the set. It
// is opened once: later calls, and reading a folder that continues into
// it, use the same Reader, so reading its files after r's (in order)
// continues decoding where r's last folder stopped instead of starting
// the folder again. It fails with an error matching ErrMissingCabinet when
// r is the last cabinet or the next one cannot be opened.
func (r *Reader) Next() (*Reader, error) {
	if r.NextCabinet == "" {
		return nil, fmt.Errorf("%w: the cabinet header names no next cabinet", ErrMissingCabinet)
	}
	return r.openSibling(r.NextCabinet, +1)
}

// openSibling returns the cabinet name, the previous (dir -1) or next
// (dir +1) one of cr's set, opening it on first use and checking that it
// belongs to the set.
func (cr *Reader) openSibling(name string, dir int) (*Reader, error) {
	set := cr.set
	set.mu.Lock()
	defer set.mu.Unlock()
	if dir < 0 && cr.prev != nil {
		return cr.prev, nil
	}
	if dir > 0 && cr.next != nil {
		return cr.next, nil
	}
	// A set numbers its cabinets from 0 to 65,535: the first has no
	// previous cabinet and the last no next one, whatever the header
	// names.
	if dir < 0 && cr.Index == 0 {
		return nil, formatErr(indexOffset, fmt.Sprintf("cabinet number 0 of set %d is the first of its set, yet its first folder continues from a previous cabinet %q", cr.SetID, name), nil)
	}
	if dir > 0 && cr.Index == maxCabinetIndex {
		return nil, formatErr(indexOffset, fmt.Sprintf("cabinet number %d of set %d is the last a set can have, yet it names a next cabinet %q", maxCabinetIndex, cr.SetID, name), nil)
	}
	if cr.opts.OpenCabinet == nil {
		return nil, fmt.Errorf("%w: %q (no ReaderOptions.OpenCabinet)", ErrMissingCabinet, name)
	}
	if name == "" {
		return nil, fmt.Errorf("%w: the cabinet header names none", ErrMissingCabinet)
	}
	ra, size, err := cr.opts.OpenCabinet(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrMissingCabinet, name, err)
	}
	sib, err := newReader(ra, size, cr.opts, set)
	if err != nil {
		return nil, fmt.Errorf("cabinet %q: %w", name, err)
	}
	if sib.SetID != cr.SetID || int(sib.Index) != int(cr.Index)+dir {
		which := "next"
		if dir < 0 {
			which = "previous"
		}
		return nil, formatErr(-1, fmt.Sprintf("the %s cabinet %q is set %d number %d, want set %d number %d (this cabinet is number %d)", which, name, sib.SetID, sib.Index, cr.SetID, int(cr.Index)+dir, cr.Index), nil)
	}
	if dir < 0 {
		cr.prev, sib.next = sib, cr
	} else {
		cr.next, sib.prev = sib, cr
	}
	return sib, nil
}

// folderReader decodes a folder's CFDATA blocks in order, following the
// folder into later cabinets of a set.
type folderReader struct {
	start  *Folder // where the folder's data begins
	folder *Folder // current part of the folder
	block  int     // blocks of the current part already read
	off    int64   // offset of the next CFDATA in the current cabinet
	dec    decompressor
	src    []byte // compressed data of the current block: in buf or ra
	buf    []byte // compressed data of a block not wholly in ra (reused)
	ra     []byte // cabinet bytes at raOff of raCab, read ahead
	raOff  int64
	raCab  *Reader
	out    []byte // decoded block, maxBlockSize capacity
	pos    int    // read position in out
	n      int    // valid bytes in out
	total  int64  // bytes decoded so far
	hops   int
	err    error // sticky
}

func (r *folderReader) Read(p []byte) (int, error) {
	if err := r.fill(); err != nil {
		return 0, err
	}
	n := copy(p, r.out[r.pos:r.n])
	r.pos += n
	return n, nil
}

// fill makes sure r.out[r.pos:r.n] is not empty, decoding the next block
// if needed.
func (r *folderReader) fill() error {
	for r.pos == r.n {
		if r.err != nil {
			return r.err
		}
		if err := r.nextBlock(); err != nil {
			r.setErr(err)
			return err
		}
	}
	return nil
}

// setErr makes err sticky and records the folder as failed after the
// bytes decoded so far, so that later files of the folder fail at once.
func (r *folderReader) setErr(err error) {
	r.err = err
	if err == io.EOF {
		err = formatErr(-1, fmt.Sprintf("folder %d: data ends after %d bytes", r.start.index, r.total), io.ErrUnexpectedEOF)
	}
	r.start.cab.set.fail(r.start, r.total, err)
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
				r.setErr(err)
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
	if r.dec != nil {
		r.start.cab.set.putSpare(uint16(r.start.Method), r.dec, r.out, r.ra)
	}
	r.out, r.src, r.buf, r.ra, r.raCab, r.dec = nil, nil, nil, nil, nil, nil
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

// blockReadAhead is how many bytes of a cabinet a folder reader reads at
// once: the next block's header and data, and those after it, in one
// system call rather than two per block.
const blockReadAhead = 64 << 10

// readAt returns the n bytes at off in cabinet cab: a view of the
// read-ahead buffer (valid until the next call), or, for data longer than
// half of it, dst (n bytes, which readAt fills).
func (r *folderReader) readAt(cab *Reader, n int, dst []byte, off int64) ([]byte, error) {
	if cab == r.raCab && off >= r.raOff && off-r.raOff+int64(n) <= int64(len(r.ra)) {
		i := off - r.raOff
		return r.ra[i : i+int64(n)], nil
	}
	if n > blockReadAhead/2 {
		if len(dst) != n {
			dst = make([]byte, n)
		}
		if _, err := cab.r.ReadAt(dst, off); err != nil {
			return nil, err
		}
		return dst, nil
	}
	w := max(min(int64(blockReadAhead), cab.size-off), int64(n))
	if r.ra == nil {
		r.ra = make([]byte, 0, blockReadAhead)
	}
	r.raCab = nil
	m, err := cab.r.ReadAt(r.ra[:w], off)
	if m < n {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	// Bytes past what was asked for may be missing (a cabinet shorter
	// than its header says): keep what was read.
	r.ra, r.raOff, r.raCab = r.ra[:m], off, cab
	return r.ra[:n], nil
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
	base := len(r.src)
	if base > 0 {
		// The first part of a block split across cabinets: it may be a
		// view of ra, which the reads below overwrite.
		if cap(r.buf) < 2*(maxBlockSize+maxBlockSlack) {
			r.buf = make([]byte, 0, 2*(maxBlockSize+maxBlockSlack))
		}
		r.buf = append(r.buf[:0], r.src...)
		r.src = r.buf
	}
	h, err := r.readAt(cab, hlen, nil, at)
	if err != nil {
		return 0, formatErr(at, "reading data block header", unexpected(err))
	}
	sum := binary.LittleEndian.Uint32(h)
	cbData := int(binary.LittleEndian.Uint16(h[4:]))
	cbUncomp := int(binary.LittleEndian.Uint16(h[6:]))
	var hsum [4]byte // checksummed with the data
	copy(hsum[:], h[4:8])
	if cbUncomp > maxBlockSize {
		return 0, formatErr(at+6, fmt.Sprintf("folder %d: data block %d claims %d uncompressed bytes (limit %d)", r.folder.index, r.block, cbUncomp, maxBlockSize), nil)
	}
	if cbData > maxBlockSize+maxBlockSlack || len(r.src)+cbData > 2*(maxBlockSize+maxBlockSlack) {
		return 0, formatErr(at+4, fmt.Sprintf("folder %d: data block %d claims %d compressed bytes (limit %d)", r.folder.index, r.block, cbData, maxBlockSize+maxBlockSlack), nil)
	}
	if int64(cbData) > cab.size-at-int64(hlen) {
		return 0, formatErr(at+4, fmt.Sprintf("folder %d: data block %d (%d bytes) runs past the end of the cabinet", r.folder.index, r.block, cbData), io.ErrUnexpectedEOF)
	}
	// The data goes to r.buf, where a block split across cabinets is
	// joined; a whole block is decoded where readAt has it.
	var buf []byte // where readAt reads data it does not read ahead
	if base > 0 || cbData > blockReadAhead/2 {
		if cap(r.buf) < base+cbData {
			nb := make([]byte, base, base+cbData+maxBlockSlack)
			copy(nb, r.src)
			r.buf, r.src = nb, nb
		}
		buf = r.buf[base : base+cbData]
	}
	data, err := r.readAt(cab, cbData, buf, at+int64(hlen))
	if err != nil {
		return 0, formatErr(at+int64(hlen), "reading data block", unexpected(err))
	}
	if sum != 0 && !cab.opts.IgnoreChecksums {
		if got := checksum(hsum[:], checksum(data, 0)); got != sum {
			return 0, formatErr(at, fmt.Sprintf("folder %d: data block %d checksum %#08x, want %#08x", r.folder.index, r.block, got, sum), nil)
		}
	}
	if base == 0 {
		r.src = data
	} else {
		copy(buf, data)
		r.src = r.buf[:base+cbData]
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
	if stop := r.start.cab.opts.Interrupt; stop != nil && (r.block < r.folder.NumBlocks || r.folder.contNext) {
		if err := stop(); err != nil {
			return &InterruptError{Folder: r.start.index, Offset: r.total, Err: err}
		}
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
	r.src = nil
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
	l := r.start.cab.opts.Limit
	var cost int64
	if l != nil {
		if cost = blockCost(r.start.Method, cbUncomp, len(r.src), 0, 0); !l.take(cost) {
			return &LimitError{Limit: l.max, Folder: r.start.index, Offset: r.total}
		}
	}
	if err := r.dec.decode(r.out[:cbUncomp], r.src); err != nil {
		var ue *UnsupportedError
		if errors.As(err, &ue) {
			return err
		}
		return formatErr(at, fmt.Sprintf("folder %d (%v): data block %d", r.folder.index, r.folder.Method, r.block-1), err)
	}
	if l != nil {
		// The blocks inside it, and a Quantum block's symbols, are known
		// once it is decoded: the work of one CFDATA block may pass the
		// bound, its bytes are not delivered.
		var inner, syms int
		if bc, ok := r.dec.(blockCounter); ok {
			inner = bc.innerBlocks()
		}
		if sc, ok := r.dec.(symbolCounter); ok {
			syms = sc.symbols()
		}
		if extra := blockCost(r.start.Method, cbUncomp, len(r.src), inner, syms) - cost; extra > 0 && !l.take(extra) {
			return &LimitError{Limit: l.max, Folder: r.start.index, Offset: r.total}
		}
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
	if err := r.ready(); err != nil {
		return 0, err
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

// WriteTo writes the rest of the file to w straight from the decoder's
// block buffer: io.Copy uses it, saving a copy of every byte.
func (r *fileReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if err := r.ready(); err != nil {
			if err == io.EOF {
				return total, nil
			}
			return total, err
		}
		if err := r.fr.fill(); err != nil {
			r.err = r.wrap(err)
			return total, r.err
		}
		p := r.fr.out[r.fr.pos:r.fr.n]
		if int64(len(p)) > r.remain {
			p = p[:r.remain]
		}
		n, err := w.Write(p)
		if n < 0 || n > len(p) {
			n = 0 // a broken writer (io.Copy has the same check)
			if err == nil {
				err = errors.New("cab: invalid write result")
			}
		}
		r.fr.pos += n
		r.remain -= int64(n)
		total += int64(n)
		if err != nil {
			return total, err
		}
		if n < len(p) {
			return total, io.ErrShortWrite
		}
	}
}

// ready returns the sticky error, skips to the file's first byte, and
// returns io.EOF at its end.
func (r *fileReader) ready() error {
	if r.err != nil {
		return r.err
	}
	if r.skip > 0 {
		if err := r.fr.discard(r.skip); err != nil {
			r.err = r.wrap(err)
			return r.err
		}
		r.skip = 0
	}
	if r.remain <= 0 {
		return io.EOF
	}
	return nil
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
		r.f.cab.set.putCursor(r.fr)
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
