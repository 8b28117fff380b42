package cfb

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// layout is the planned file.
type layout struct {
	version  int
	shift    uint
	secSize  int64
	per      int64 // FAT entries per sector
	entries  []*wnode
	nFAT     int64
	nDIFAT   int64
	nDir     int64
	nMiniFAT int64
	nMini    int64 // mini sectors
	nMiniSec int64 // sectors holding the mini stream
	big      []*wnode
	small    []*wnode
	total    int64 // sectors after the header

	raw         io.Writer     // the Writer's destination
	bw          *bufio.Writer // buffered view of raw that write uses
	noCopyRange bool          // tests: use sendfile rather than copy_file_range
	sent        int64         // bytes the kernel copied into raw, past bw

	firstDIFAT, firstDir, firstMiniFAT, firstMini, firstBig int64
}

// streamSize returns the final size of a stream node.
func (n *wnode) streamSize() int64 {
	if n.buf != nil {
		return int64(n.buf.Len())
	}
	return n.size
}

func (w *Writer) plan() (*layout, error) {
	if err := checkName(w.root.name); err != nil {
		return nil, fmt.Errorf("%w (root entry)", err)
	}
	// Directory ids in pre-order with children in name order; each
	// storage's children form a balanced binary tree.
	var entries []*wnode
	stack := []*wnode{w.root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n.id = uint32(len(entries))
		n.left, n.right, n.child = noStream, noStream, noStream
		entries = append(entries, n)
		slices.SortFunc(n.children, func(a, b *wnode) int { return compareNames(a.name, b.name) })
		for i := len(n.children) - 1; i >= 0; i-- {
			stack = append(stack, n.children[i])
		}
	}
	if int64(len(entries)) > int64(maxRegSect) {
		return nil, errors.New("cfb: too many entries")
	}
	for _, n := range entries {
		if len(n.children) > 0 {
			n.child = buildTree(n.children)
		}
	}
	l := &layout{entries: entries}
	var miniBytes int64
	fitsV3 := true
	for _, n := range entries {
		if n.typ != TypeStream {
			continue
		}
		sz := n.streamSize()
		if sz > v3MaxStream {
			fitsV3 = false
		}
		switch {
		case sz == 0:
			n.start = endOfChain
		case sz < miniCutoff:
			l.small = append(l.small, n)
			n.start = uint32(miniBytes / miniSectorSize)
			miniBytes += (sz + miniSectorSize - 1) &^ (miniSectorSize - 1)
		default:
			l.big = append(l.big, n)
		}
	}
	l.nMini = miniBytes / miniSectorSize
	version := w.version
	if version == 3 && !fitsV3 {
		version = 4
	}
	for {
		if err := l.size(version); err != nil {
			if version == 3 {
				version = 4
				continue
			}
			return nil, err
		}
		break
	}
	return l, nil
}

// buildTree links sorted siblings into a balanced binary search tree and
// colours it so that it is a valid red-black tree: every level is full
// except possibly the deepest, whose nodes are red. It returns the root id.
func buildTree(sib []*wnode) uint32 {
	full := 0 // number of full levels
	for (1<<(full+1))-1 <= len(sib) {
		full++
	}
	type span struct {
		lo, hi, depth int
		set           *uint32
	}
	var root uint32
	stack := []span{{0, len(sib), 0, &root}}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if s.lo >= s.hi {
			*s.set = noStream
			continue
		}
		mid := s.lo + (s.hi-s.lo-1)/2
		n := sib[mid]
		*s.set = n.id
		n.black = s.depth < full
		stack = append(stack, span{s.lo, mid, s.depth + 1, &n.left}, span{mid + 1, s.hi, s.depth + 1, &n.right})
	}
	return root
}

// size computes sector counts and positions for the given version.
func (l *layout) size(version int) error {
	l.version = version
	l.shift = 9
	if version == 4 {
		l.shift = 12
	}
	l.secSize = 1 << l.shift
	l.per = l.secSize / 4
	perDir := l.secSize / dirEntrySize
	l.nDir = (int64(len(l.entries)) + perDir - 1) / perDir
	l.nMiniFAT = (l.nMini + l.per - 1) / l.per
	l.nMiniSec = (l.nMini*miniSectorSize + l.secSize - 1) >> l.shift
	var bigSecs int64
	for _, n := range l.big {
		bigSecs += (n.streamSize() + l.secSize - 1) >> l.shift
	}
	data := l.nDir + l.nMiniFAT + l.nMiniSec + bigSecs
	l.nFAT, l.nDIFAT = 0, 0
	for {
		total := data + l.nFAT + l.nDIFAT
		f := (total + l.per - 1) / l.per
		x := int64(0)
		if f > headerDIFAT {
			x = (f - headerDIFAT + l.per - 2) / (l.per - 1)
		}
		if f == l.nFAT && x == l.nDIFAT {
			break
		}
		l.nFAT, l.nDIFAT = max(f, l.nFAT), max(x, l.nDIFAT)
	}
	l.total = data + l.nFAT + l.nDIFAT
	if l.total > int64(maxRegSect) {
		return fmt.Errorf("cfb: content needs %d sectors, more than version %d allows", l.total, version)
	}
	// Order: FAT, DIFAT, directory, mini FAT, mini stream, big streams.
	l.firstDIFAT = l.nFAT
	l.firstDir = l.firstDIFAT + l.nDIFAT
	l.firstMiniFAT = l.firstDir + l.nDir
	l.firstMini = l.firstMiniFAT + l.nMiniFAT
	l.firstBig = l.firstMini + l.nMiniSec
	next := l.firstBig
	for _, n := range l.big {
		n.start = uint32(next)
		next += (n.streamSize() + l.secSize - 1) >> l.shift
	}
	return nil
}

// chainWriter emits allocation-table entries sector by sector.
type chainWriter struct {
	w   io.Writer
	buf []byte
	n   int
	err error
}

func (c *chainWriter) put(v uint32) {
	if c.err != nil {
		return
	}
	binary.LittleEndian.PutUint32(c.buf[c.n:], v)
	c.n += 4
	if c.n == len(c.buf) {
		_, c.err = c.w.Write(c.buf)
		c.n = 0
	}
}

// chain emits a chain of count consecutive sectors starting at first.
func (c *chainWriter) chain(first, count int64) {
	for i := int64(1); i < count; i++ {
		c.put(uint32(first + i))
	}
	if count > 0 {
		c.put(endOfChain)
	}
}

// flush pads the last sector with FREESECT.
func (c *chainWriter) flush() error {
	for c.n != 0 && c.err == nil {
		c.put(freeSect)
	}
	return c.err
}

// write writes the planned file in the order size placed its parts: the
// header, the FAT, the DIFAT, the directory, the mini FAT, the mini stream
// and the big streams.
func (l *layout) write(w io.Writer) error {
	if err := l.writeHeader(w); err != nil {
		return err
	}
	if err := l.writeFAT(w); err != nil {
		return err
	}
	if err := l.writeDIFAT(w); err != nil {
		return err
	}
	if err := l.writeDir(w); err != nil {
		return err
	}
	if err := l.writeMiniFAT(w); err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	if err := l.writeMiniStream(w, buf); err != nil {
		return err
	}
	return l.writeBigStreams(w, buf)
}

// writeHeader writes the header, padded to a whole sector.
func (l *layout) writeHeader(w io.Writer) error {
	b := make([]byte, l.secSize) // v4 pads the header to a whole sector
	h := (*header)(b[:headerSize])
	copy(h.signature(), magic[:])
	h.minorVersion().set(0x003E)
	h.majorVersion().set(uint16(l.version))
	h.byteOrder().set(0xFFFE)
	h.sectorShift().set(uint16(l.shift))
	h.miniSectorShift().set(6)
	if l.version == 4 {
		h.numDirSectors().set(uint32(l.nDir))
	}
	h.numFATSectors().set(uint32(l.nFAT))
	h.firstDirSector().set(uint32(l.firstDir))
	h.miniStreamCutoff().set(miniCutoff)
	if l.nMiniFAT > 0 {
		h.firstMiniFATSector().set(uint32(l.firstMiniFAT))
	} else {
		h.firstMiniFATSector().set(endOfChain)
	}
	h.numMiniFATSectors().set(uint32(l.nMiniFAT))
	if l.nDIFAT > 0 {
		h.firstDIFATSector().set(uint32(l.firstDIFAT))
	} else {
		h.firstDIFATSector().set(endOfChain)
	}
	h.numDIFATSectors().set(uint32(l.nDIFAT))
	for i := range headerDIFAT {
		v := freeSect
		if int64(i) < l.nFAT {
			v = uint32(i)
		}
		h.difat(i).set(v)
	}
	_, err := w.Write(b)
	return err
}

// writeFAT writes the FAT: its own sectors, the DIFAT sectors, then one
// chain each for the directory, the mini FAT, the mini stream and every
// big stream.
func (l *layout) writeFAT(w io.Writer) error {
	cw := &chainWriter{w: w, buf: make([]byte, l.secSize)}
	for i := int64(0); i < l.nFAT; i++ {
		cw.put(fatSect)
	}
	for i := int64(0); i < l.nDIFAT; i++ {
		cw.put(difSect)
	}
	cw.chain(l.firstDir, l.nDir)
	cw.chain(l.firstMiniFAT, l.nMiniFAT)
	cw.chain(l.firstMini, l.nMiniSec)
	for _, n := range l.big {
		cw.chain(int64(n.start), (n.streamSize()+l.secSize-1)>>l.shift)
	}
	return cw.flush()
}

// writeDIFAT writes the DIFAT sectors: the FAT sector numbers beyond the
// header's 109, each sector ending with the number of the next.
func (l *layout) writeDIFAT(w io.Writer) error {
	if l.nDIFAT == 0 {
		return nil
	}
	cw := &chainWriter{w: w, buf: make([]byte, l.secSize)}
	fat := int64(headerDIFAT)
	for d := int64(0); d < l.nDIFAT; d++ {
		for j := int64(0); j < l.per-1; j++ {
			if fat < l.nFAT {
				cw.put(uint32(fat))
				fat++
			} else {
				cw.put(freeSect)
			}
		}
		if d+1 < l.nDIFAT {
			cw.put(uint32(l.firstDIFAT + d + 1))
		} else {
			cw.put(endOfChain)
		}
	}
	return cw.err
}

// writeDir writes the directory sectors; slots past the last entry are
// unused (no siblings, no child). It fills and writes dirChunk entries
// at a time (entry i has id i): 250,000 streams would need a 32 MB
// buffer at once.
func (l *layout) writeDir(w io.Writer) error {
	const dirChunk = 512 // 64 KiB, whole sectors of either size
	slots := l.nDir * l.secSize / dirEntrySize
	buf := make([]byte, min(slots, dirChunk)*dirEntrySize)
	for start := int64(0); start < slots; start += dirChunk {
		b := buf[:min(dirChunk, slots-start)*dirEntrySize]
		clear(b)
		for i := range int64(len(b)) / dirEntrySize {
			d := dirEntryAt(b, i)
			d.left().set(noStream)
			d.right().set(noStream)
			d.child().set(noStream)
			if id := start + i; id < int64(len(l.entries)) {
				l.putEntry(d, l.entries[id])
			}
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// putEntry fills the directory entry d for node n.
func (l *layout) putEntry(d *dirEntry, n *wnode) {
	for i, u := range n.name {
		d.nameUnit(i).set(u)
	}
	d.nameLen().set(uint16(2 * (len(n.name) + 1)))
	*d.typ() = byte(n.typ)
	if n.black || n.typ == TypeRoot {
		*d.color() = colorBlack
	}
	d.left().set(n.left)
	d.right().set(n.right)
	d.child().set(n.child)
	copy(d.clsid(), n.clsid[:])
	d.stateBits().set(n.state)
	d.created().set(uint64(n.created))
	d.modified().set(uint64(n.modified))
	switch n.typ {
	case TypeRoot:
		if l.nMini > 0 {
			d.start().set(uint32(l.firstMini))
			d.size().set(uint64(l.nMini * miniSectorSize))
		} else {
			d.start().set(endOfChain)
		}
	case TypeStream:
		d.start().set(n.start)
		d.size().set(uint64(n.streamSize()))
	}
}

// writeMiniFAT writes the mini FAT: one chain per small stream.
func (l *layout) writeMiniFAT(w io.Writer) error {
	cw := &chainWriter{w: w, buf: make([]byte, l.secSize)}
	for _, n := range l.small {
		cw.chain(int64(n.start), (n.streamSize()+miniSectorSize-1)/miniSectorSize)
	}
	return cw.flush()
}

// writeMiniStream writes the small streams, each padded to whole mini
// sectors, and pads the mini stream to whole sectors; buf is scratch.
func (l *layout) writeMiniStream(w io.Writer, buf []byte) error {
	var written int64
	for _, n := range l.small {
		sz := n.streamSize()
		if err := copyStream(w, n, buf, sz); err != nil {
			return err
		}
		pad := (sz+miniSectorSize-1)&^(miniSectorSize-1) - sz
		if err := zeros(w, buf, pad); err != nil {
			return err
		}
		written += sz + pad
	}
	return zeros(w, buf, l.nMiniSec*l.secSize-written)
}

// writeBigStreams writes the big streams, each padded to whole sectors;
// buf is scratch.
func (l *layout) writeBigStreams(w io.Writer, buf []byte) error {
	for _, n := range l.big {
		sz := n.streamSize()
		if err := l.copyBig(w, n, buf, sz); err != nil {
			return err
		}
		if err := zeros(w, buf, ((sz+l.secSize-1)&^(l.secSize-1))-sz); err != nil {
			return err
		}
	}
	return nil
}

func zeros(w io.Writer, buf []byte, n int64) error {
	for n > 0 {
		k := min(n, int64(len(buf)))
		clear(buf[:k])
		if _, err := w.Write(buf[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// copyBig writes a big stream, inside the kernel when it is a Stream of
// a file being copied to a file.
func (l *layout) copyBig(w io.Writer, n *wnode, buf []byte, size int64) error {
	if s, ok := n.src.(*Stream); ok && w == io.Writer(l.bw) && size >= 1<<20 {
		done, err := sendStream(l.bw, l.raw, s, size, l.noCopyRange)
		l.sent += done
		if err != nil {
			return n.streamErr("copy", done, err)
		}
		return copyFrom(w, n, buf, done, size)
	}
	return copyStream(w, n, buf, size)
}

// copyStream writes the stream's size bytes from its buffer or source.
func copyStream(w io.Writer, n *wnode, buf []byte, size int64) error {
	if n.buf != nil {
		_, err := w.Write(n.buf.Bytes())
		return err
	}
	return copyFrom(w, n, buf, 0, size)
}

// streamErr returns the *StreamError of stream n failing at off.
func (n *wnode) streamErr(op string, off int64, err error) *StreamError {
	var names []string
	for p := n; p != nil && p.typ != TypeRoot; p = p.parentDir {
		names = append(names, decodeName(p.name))
	}
	slices.Reverse(names)
	return &StreamError{Op: op, Path: strings.Join(names, "/"), RawName: slices.Clone(n.name), Root: n.parentDir == nil || n.parentDir.typ == TypeRoot, Offset: off, Err: err}
}

// copyFrom writes bytes [off, size) of the stream's source.
func copyFrom(w io.Writer, n *wnode, buf []byte, off, size int64) error {
	for off < size {
		k := min(size-off, int64(len(buf)))
		m, err := n.src.ReadAt(buf[:k], off)
		if int64(m) < k {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return n.streamErr("read", off+int64(m), err)
		}
		if _, err := w.Write(buf[:k]); err != nil {
			return err
		}
		off += k
	}
	return nil
}
