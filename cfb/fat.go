package cfb

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// run is a maximal run of consecutive sector numbers in a chain.
type run struct {
	first, count uint32
}

// loadFAT reads the DIFAT (header slots plus the DIFAT chain) and the FAT
// sectors it lists, keeping only the entries for sectors inside the file.
func (p *parser) loadFAT(h *header) error {
	numFAT := h.numFATSectors().get()
	firstDIFAT := h.firstDIFATSector().get()
	numDIFAT := h.numDIFATSectors().get()
	le := binary.LittleEndian
	perSec := uint32(p.secSize / 4)
	// FAT sectors needed to describe every sector of the file.
	need := (p.nsec + perSec - 1) / perSec
	if numFAT > p.nsec {
		return formatErr(offNumFATSectors, "", "header declares %d FAT sectors but the file has only %d sectors", numFAT, p.nsec)
	}
	var fatSecs []uint32
	for i := 0; i < headerDIFAT && uint32(len(fatSecs)) < numFAT; i++ {
		fatSecs = append(fatSecs, h.difat(i).get())
	}
	// Walk the DIFAT chain as declared, checking for loops.
	if numDIFAT > 0 || (firstDIFAT != endOfChain && firstDIFAT != freeSect) {
		seen := make(map[uint32]bool)
		buf := make([]byte, p.secSize)
		cur := firstDIFAT
		count := uint32(0)
		for cur != endOfChain && cur != freeSect {
			if cur > maxRegSect || cur >= p.nsec {
				return formatErr(-1, "", "DIFAT sector %d is past the end of the file (%d sectors)", cur, p.nsec)
			}
			if seen[cur] {
				return formatErr(p.sectorOffset(cur), "", "DIFAT chain loops back to sector %d", cur)
			}
			seen[cur] = true
			count++
			if count > numDIFAT && count > p.nsec {
				return formatErr(p.sectorOffset(cur), "", "DIFAT chain is longer than the file")
			}
			if err := p.readFull(buf, p.sectorOffset(cur)); err != nil {
				return err
			}
			for j := uint32(0); j < perSec-1 && uint32(len(fatSecs)) < numFAT; j++ {
				fatSecs = append(fatSecs, le.Uint32(buf[4*j:]))
			}
			cur = le.Uint32(buf[4*(perSec-1):])
		}
		if count != numDIFAT {
			p.warnf("header says %d DIFAT sectors, chain has %d", numDIFAT, count)
		}
	}
	if uint32(len(fatSecs)) < numFAT {
		p.warnf("DIFAT lists %d FAT sectors, header says %d", len(fatSecs), numFAT)
	}
	// The FAT may describe sectors past the end of a truncated file; keep
	// entries up to twice the file's sector count so such streams can still
	// be read (the missing bytes read as zeros, with a warning).
	limit := uint64(p.nsec)*2 + uint64(perSec)
	flen := max(uint64(p.nsec), min(uint64(len(fatSecs))*uint64(perSec), limit, uint64(maxRegSect)))
	p.fat = make([]uint32, flen)
	for i := range p.fat {
		p.fat[i] = freeSect
	}
	// FAT sectors are usually consecutive in the file: read runs of them
	// (up to fatReadMax bytes) at once rather than a sector per call.
	maxRun := max(1, fatReadMax>>p.shift)
	var buf []byte
	for i := 0; i < len(fatSecs); {
		base := uint64(i) * uint64(perSec)
		if base >= flen {
			break
		}
		s := fatSecs[i]
		if s == freeSect || s == endOfChain {
			p.warnf("FAT sector %d is missing from the DIFAT", i)
			i++
			continue
		}
		if s > maxRegSect || s >= p.nsec {
			if uint32(i) >= need {
				p.warnf("FAT sector %d (at sector %d) is past the end of the file", i, s)
				i++
				continue
			}
			return formatErr(-1, "", "FAT sector %d is at sector %d, past the end of the file (%d sectors)", i, s, p.nsec)
		}
		n := 1
		for i+n < len(fatSecs) && n < maxRun && fatSecs[i+n] == s+uint32(n) && s+uint32(n) < p.nsec &&
			uint64(i+n)*uint64(perSec) < flen {
			n++
		}
		if sz := n << p.shift; cap(buf) < sz {
			buf = make([]byte, sz)
		}
		b := buf[:n<<p.shift]
		if err := p.readFull(b, p.sectorOffset(s)); err != nil {
			return err
		}
		for k := range n {
			base := uint64(i+k) * uint64(perSec)
			sec := b[k<<p.shift:]
			for j := uint64(0); j < uint64(perSec) && base+j < flen; j++ {
				p.fat[base+j] = le.Uint32(sec[4*j:])
			}
		}
		i += n
	}
	return nil
}

// fatReadMax bounds one read of consecutive FAT sectors (a variable so
// tests can make runs short).
var fatReadMax = 1 << 20

// loadMiniStream locates the mini stream, whose size the root entry gives,
// and reads the mini FAT entries for its sectors.
func (p *parser) loadMiniStream(h *header, size int64) error {
	firstMiniFAT := h.firstMiniFATSector().get()
	numMiniFAT := h.numMiniFATSectors().get()
	runs, err := p.chain(p.fat, p.owner, uint32(len(p.fat)), p.dirEntry(0).start().get(), p.sectorsFor(size), "mini stream")
	if err != nil {
		return err
	}
	p.miniExt = p.extents(runs, size)
	p.nmini = uint32((size + miniSectorSize - 1) / miniSectorSize)
	if firstMiniFAT != endOfChain && firstMiniFAT != freeSect {
		runs, err := p.chain(p.fat, p.owner, uint32(len(p.fat)), firstMiniFAT, -1, "mini FAT")
		if err != nil {
			return err
		}
		var n int64
		for _, rn := range runs {
			n += int64(rn.count)
		}
		if uint32(n) != numMiniFAT {
			p.warnf("header says %d mini FAT sectors, chain has %d", numMiniFAT, n)
		}
		// Only entries for existing mini sectors matter.
		entries := min(n<<p.shift/4, int64(p.nmini))
		p.miniFAT = make([]uint32, entries)
		buf := make([]byte, p.secSize)
		i := int64(0)
		for _, rn := range runs {
			for s := rn.first; s < rn.first+rn.count && i < entries; s++ {
				if err := p.readFull(buf, p.sectorOffset(s)); err != nil {
					return err
				}
				for j := int64(0); j < p.secSize/4 && i < entries; j++ {
					p.miniFAT[i] = binary.LittleEndian.Uint32(buf[4*j:])
					i++
				}
			}
		}
	} else if numMiniFAT > 0 {
		p.warnf("header says %d mini FAT sectors but gives no first sector", numMiniFAT)
	}
	p.miniOwner = make([]uint32, p.nmini)
	return nil
}

// sectorsFor returns how many sectors hold size bytes.
func (p *parser) sectorsFor(size int64) int64 {
	return (size + p.secSize - 1) >> p.shift
}

// chain follows a chain from start in table (fat or mini FAT) over limit
// sectors, claiming each sector in owner. With need >= 0 it takes exactly
// need sectors (failing if the chain is shorter); with need < 0 it follows
// the chain to its end. Cycles, sectors out of range and sectors shared
// with another chain are errors.
func (p *parser) chain(table, owner []uint32, limit uint32, start uint32, need int64, what string) ([]run, error) {
	runs, err := p.chainFor(table, owner, limit, start, need, what, "", false)
	if err != nil {
		return nil, err
	}
	return runs, nil
}

func (p *parser) chainFor(table, owner []uint32, limit uint32, start uint32, need int64, what, path string, mini bool) ([]run, *FormatError) {
	id := p.nextOwner
	p.nextOwner++
	unit := "sector"
	if mini {
		unit = "mini sector"
	}
	if need > int64(limit) {
		return nil, &FormatError{Offset: -1, Path: path, Msg: fmt.Sprintf("%s needs %d %ss but the file has only %d", what, need, unit, limit)}
	}
	var runs []run
	cur := start
	for n := int64(0); need < 0 || n < need; n++ {
		if cur == endOfChain && need < 0 {
			break
		}
		if cur == endOfChain || cur == freeSect {
			return nil, &FormatError{Offset: -1, Path: path, Msg: fmt.Sprintf("%s chain ends after %d %ss, %d needed", what, n, unit, need)}
		}
		if cur >= limit {
			if cur > maxRegSect {
				return nil, &FormatError{Offset: -1, Path: path, Msg: fmt.Sprintf("%s chain reaches special %s value %#x", what, unit, cur)}
			}
			return nil, &FormatError{Offset: -1, Path: path, Msg: fmt.Sprintf("%s chain reaches %s %d, past the end of the file (%d %ss described)", what, unit, cur, limit, unit)}
		}
		switch owner[cur] {
		case 0:
		case id:
			return nil, &FormatError{Offset: -1, Path: path, Msg: fmt.Sprintf("%s chain loops back to %s %d", what, unit, cur)}
		default:
			return nil, &FormatError{Offset: -1, Path: path, Msg: fmt.Sprintf("%s chain uses %s %d, which belongs to another chain", what, unit, cur)}
		}
		owner[cur] = id
		if k := len(runs) - 1; k >= 0 && runs[k].first+runs[k].count == cur {
			runs[k].count++
		} else {
			runs = append(runs, run{cur, 1})
		}
		if need >= 0 && n+1 == need {
			break
		}
		if int(cur) >= len(table) {
			return nil, &FormatError{Offset: -1, Path: path, Msg: fmt.Sprintf("%s chain reaches %s %d, which has no allocation table entry", what, unit, cur)}
		}
		cur = table[cur]
	}
	return runs, nil
}

// extents turns runs of regular sectors into extents covering size bytes.
func (p *parser) extents(runs []run, size int64) []extent {
	ext := make([]extent, 0, len(runs))
	var log int64
	for _, rn := range runs {
		if log >= size {
			break
		}
		n := min(int64(rn.count)<<p.shift, size-log)
		ext = append(ext, extent{log: log, phys: p.sectorOffset(rn.first), n: n})
		log += n
	}
	return ext
}

// miniExtents maps runs of mini sectors through the mini stream's extents.
func (p *parser) miniExtents(runs []run, size int64) []extent {
	var ext []extent
	var log int64
	for _, rn := range runs {
		off := int64(rn.first) * miniSectorSize
		n := min(int64(rn.count)*miniSectorSize, size-log)
		for n > 0 {
			i, _ := slices.BinarySearchFunc(p.miniExt, off, func(e extent, t int64) int {
				if e.log+e.n <= t {
					return -1
				}
				if e.log > t {
					return 1
				}
				return 0
			})
			e := p.miniExt[i]
			k := min(n, e.log+e.n-off)
			phys := e.phys + off - e.log
			if j := len(ext) - 1; j >= 0 && ext[j].phys+ext[j].n == phys {
				ext[j].n += k
			} else {
				ext = append(ext, extent{log: log, phys: phys, n: k})
			}
			log += k
			off += k
			n -= k
		}
	}
	return ext
}

// streamExtents validates a stream's chain and records its extents.
func (p *parser) streamExtents(e *Entry) error {
	if e.Size == 0 {
		return nil
	}
	start := p.dirEntry(e.id).start().get()
	if e.Size < miniCutoff {
		if p.nmini == 0 {
			return &FormatError{Offset: p.dirOffset(e.id) + offStart, Path: e.Path, Msg: "stream is in the mini stream but the file has none"}
		}
		need := (e.Size + miniSectorSize - 1) / miniSectorSize
		runs, err := p.chainFor(p.miniFAT, p.miniOwner, p.nmini, start, need, "stream", e.Path, true)
		if err != nil {
			err.Offset = p.dirOffset(e.id) + offStart
			return err
		}
		e.ext = p.miniExtents(runs, e.Size)
		return nil
	}
	runs, err := p.chainFor(p.fat, p.owner, uint32(len(p.fat)), start, p.sectorsFor(e.Size), "stream", e.Path, false)
	if err != nil {
		err.Offset = p.dirOffset(e.id) + offStart
		return err
	}
	e.ext = p.extents(runs, e.Size)
	for _, x := range e.ext {
		if end := x.phys + x.n; end > p.r.size {
			e.missing += end - max(x.phys, p.r.size)
		}
	}
	if e.missing > 0 {
		p.warnf("stream %q: %d bytes lie past the end of the (truncated) file and read as zeros", e.Path, e.missing)
	}
	return nil
}
