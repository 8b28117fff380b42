package cab

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"io"
)

// A test cabinet builder, written from MS-CAB independently of the reader,
// for fixtures the real tools cannot make: sets, reserve areas, split
// blocks and hostile values.

type tcBlock struct {
	data   []byte // stored compressed bytes
	uncomp int    // declared uncompressed size
	csum   *uint32
	nosum  bool // write a zero checksum
}

type tcFolder struct {
	method  uint16
	blocks  []tcBlock
	reserve []byte
	nblocks *int // override cCFData
}

type tcFile struct {
	name   string
	size   uint32
	offset uint32
	folder uint16
	date   uint16
	time   uint16
	attr   uint16
}

type tcCab struct {
	flags          uint16
	setID, index   uint16
	prev, prevDisk string
	next, nextDisk string
	hdrReserve     []byte
	folderReserve  int
	dataReserve    int
	folders        []tcFolder
	files          []tcFile
	cbCabinet      *uint32
	nfiles         *int
}

func (c *tcCab) bytes() []byte {
	var dir bytes.Buffer
	le := binary.LittleEndian
	hasReserve := len(c.hdrReserve) > 0 || c.folderReserve > 0 || c.dataReserve > 0
	flags := c.flags
	if hasReserve {
		flags |= flagReservePresent
	}
	if c.prev != "" {
		flags |= flagPrevCabinet
	}
	if c.next != "" {
		flags |= flagNextCabinet
	}
	// header (fields patched below)
	hdr := make([]byte, headerSize)
	copy(hdr, "MSCF")
	hdr[24], hdr[25] = 3, 1
	le.PutUint16(hdr[26:], uint16(len(c.folders)))
	nfiles := len(c.files)
	if c.nfiles != nil {
		nfiles = *c.nfiles
	}
	le.PutUint16(hdr[28:], uint16(nfiles))
	le.PutUint16(hdr[30:], flags)
	le.PutUint16(hdr[32:], c.setID)
	le.PutUint16(hdr[34:], c.index)
	dir.Write(hdr)
	if hasReserve {
		var r [4]byte
		le.PutUint16(r[:], uint16(len(c.hdrReserve)))
		r[2] = byte(c.folderReserve)
		r[3] = byte(c.dataReserve)
		dir.Write(r[:])
		dir.Write(c.hdrReserve)
	}
	if c.prev != "" {
		dir.WriteString(c.prev + "\x00" + c.prevDisk + "\x00")
	}
	if c.next != "" {
		dir.WriteString(c.next + "\x00" + c.nextDisk + "\x00")
	}
	folderAt := dir.Len()
	for range c.folders {
		dir.Write(make([]byte, folderSize+c.folderReserve))
	}
	coffFiles := dir.Len()
	for _, f := range c.files {
		var e [fileSize]byte
		le.PutUint32(e[0:], f.size)
		le.PutUint32(e[4:], f.offset)
		le.PutUint16(e[8:], f.folder)
		le.PutUint16(e[10:], f.date)
		le.PutUint16(e[12:], f.time)
		le.PutUint16(e[14:], f.attr)
		dir.Write(e[:])
		dir.WriteString(f.name + "\x00")
	}
	out := dir.Bytes()
	le.PutUint32(out[16:], uint32(coffFiles))
	var data bytes.Buffer
	for i, fo := range c.folders {
		e := out[folderAt+i*(folderSize+c.folderReserve):]
		le.PutUint32(e[0:], uint32(len(out)+data.Len()))
		n := len(fo.blocks)
		if fo.nblocks != nil {
			n = *fo.nblocks
		}
		le.PutUint16(e[4:], uint16(n))
		le.PutUint16(e[6:], fo.method)
		copy(e[folderSize:], fo.reserve)
		for _, b := range fo.blocks {
			var h [dataHeaderSize]byte
			le.PutUint16(h[4:], uint16(len(b.data)))
			le.PutUint16(h[6:], uint16(b.uncomp))
			sum := checksum(h[4:8], checksum(b.data, 0))
			if b.csum != nil {
				sum = *b.csum
			}
			if b.nosum {
				sum = 0
			}
			le.PutUint32(h[0:], sum)
			data.Write(h[:])
			data.Write(make([]byte, c.dataReserve))
			data.Write(b.data)
		}
	}
	out = append(out, data.Bytes()...)
	total := uint32(len(out))
	if c.cbCabinet != nil {
		total = *c.cbCabinet
	}
	le.PutUint32(out[8:], total)
	return out
}

// storedBlocks cuts data into stored blocks of at most n bytes.
func storedBlocks(data []byte, n int) []tcBlock {
	var bs []tcBlock
	for len(data) > 0 {
		k := min(n, len(data))
		bs = append(bs, tcBlock{data: data[:k:k], uncomp: k})
		data = data[k:]
	}
	return bs
}

// mszipBlocks compresses data as MSZIP blocks of 32 KiB, each a complete
// deflate stream using the previous 32 KiB as its dictionary.
func mszipBlocks(data []byte) []tcBlock {
	var bs []tcBlock
	for off := 0; off < len(data); off += maxBlockSize {
		end := min(off+maxBlockSize, len(data))
		dict := data[max(0, off-mszipWindow):off]
		var buf bytes.Buffer
		buf.WriteString("CK")
		w, _ := flate.NewWriterDict(&buf, flate.BestCompression, dict)
		w.Write(data[off:end])
		w.Close()
		bs = append(bs, tcBlock{data: buf.Bytes(), uncomp: end - off})
	}
	return bs
}

func ptr[T any](v T) *T { return &v }

// sample returns n bytes of compressible pseudo-random text.
func sample(n int, seed uint32) []byte {
	words := []string{"cabinet ", "folder ", "LZX ", "window ", "MSZIP ", "block ", "\r\n", "0123 ", "\xe8\x10\x00\x00\x00"}
	var b bytes.Buffer
	x := seed | 1
	for b.Len() < n {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b.WriteString(words[x%uint32(len(words))])
		if x%7 == 0 {
			b.WriteByte(byte(x >> 8))
		}
	}
	return b.Bytes()[:n]
}

func mustFlateWriter(w io.Writer) *flate.Writer {
	fw, _ := flate.NewWriter(w, flate.BestSpeed)
	return fw
}
