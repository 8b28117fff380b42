package cfb

import (
	"fmt"
	"slices"
)

// readDir reads the directory, whose chain starts at sector first, into
// p.dir, after checking its size against the entry budget.
func (p *parser) readDir(first uint32) error {
	dirRuns, err := p.chain(p.fat, p.owner, uint32(len(p.fat)), first, -1, "directory")
	if err != nil {
		return err
	}
	nslots := int64(0)
	for _, rn := range dirRuns {
		nslots += int64(rn.count) << p.shift / dirEntrySize
	}
	perSector := p.secSize / dirEntrySize
	if nslots > int64(p.maxEntries)+perSector {
		return formatErr(p.sectorOffset(first), "", "directory has %d entries, more than the limit of %d", nslots, p.maxEntries)
	}
	if nslots == 0 {
		return formatErr(p.sectorOffset(first), "", "directory is empty")
	}
	p.dir = make([]byte, nslots*dirEntrySize)
	p.dirExt = p.extents(dirRuns, int64(len(p.dir)))
	off := int64(0)
	for _, rn := range dirRuns {
		n := int64(rn.count) << p.shift
		if err := p.readFull(p.dir[off:off+n], p.sectorOffset(rn.first)); err != nil {
			return err
		}
		off += n
	}
	return nil
}

// dirEntry returns the on-disk directory entry id.
func (p *parser) dirEntry(id uint32) *dirEntry { return dirEntryAt(p.dir, int64(id)) }

// dirOffset returns the file offset of directory entry id.
func (p *parser) dirOffset(id uint32) int64 {
	off := int64(id) * dirEntrySize
	for _, x := range p.dirExt {
		if off < x.log+x.n {
			return x.phys + off - x.log
		}
	}
	return -1
}

// entry decodes directory entry id (metadata only).
func (p *parser) entry(id uint32, parentPath string) (*Entry, error) {
	d := p.dirEntry(id)
	e := p.newEntry()
	*e = Entry{r: p.r, id: id, Type: Type(*d.typ())}
	nlen := int(d.nameLen().get())
	// The name is the units before the first NUL, in a slice of its own
	// length (most are far shorter than the field).
	n := 0
	for n < 32 && d.nameUnit(n).get() != 0 {
		n++
	}
	if n > maxNameUnits {
		n = maxNameUnits
		p.warnf("entry %d: name has no terminating NUL", id)
	}
	units := make([]uint16, n)
	for i := range units {
		units[i] = d.nameUnit(i).get()
	}
	if nlen != 2*(len(units)+1) && !(nlen == 0 && len(units) == 0) {
		p.warnf("entry %d (%q): name length field %d does not match the name", id, decodeName(units), nlen)
	}
	e.RawName = units
	e.Name = decodeName(units)
	if id != 0 {
		if parentPath == "" {
			e.Path = e.Name
		} else {
			e.Path = parentPath + "/" + e.Name
		}
	}
	copy(e.CLSID[:], d.clsid())
	e.StateBits = d.stateBits().get()
	e.Created = Filetime(d.created().get())
	e.Modified = Filetime(d.modified().get())
	size := d.size().get()
	switch e.Type {
	case TypeStream, TypeRoot:
		if p.r.Version == 3 && size>>32 != 0 {
			p.warnf("entry %q: ignoring high 32 bits of a version 3 stream size (%#x)", e.Path, size)
			size &= 0xFFFFFFFF
		}
		if limit := uint64(len(p.fat)) << p.shift; size > limit {
			return nil, &FormatError{Offset: p.dirOffset(id) + offSize, Path: e.Path, Msg: fmt.Sprintf("stream size %d exceeds what the file can hold (%d bytes)", size, p.r.size)}
		}
		e.Size = int64(size)
	case TypeStorage:
	default:
		return nil, &FormatError{Offset: p.dirOffset(id) + offType, Path: e.Path, Msg: fmt.Sprintf("directory entry %d has invalid type %d", id, *d.typ())}
	}
	return e, nil
}

// newEntry returns a zero Entry from a slab: directory entries are
// allocated in chunks that grow from 16 to 256 entries, so that a large
// directory costs a few hundred allocations rather than one per entry,
// and a small one does not pay for a large chunk.
func (p *parser) newEntry() *Entry {
	if len(p.slab) == 0 {
		p.slabSize = min(max(16, 2*p.slabSize), 256)
		p.slab = make([]Entry, p.slabSize)
	}
	e := &p.slab[0]
	p.slab = p.slab[1:]
	return e
}

// walk builds the tree below the root iteratively, with a visited set and
// the depth and entry budgets.
func (p *parser) walk(root *Entry) error {
	nslots := uint32(len(p.dir) / dirEntrySize)
	visited := make([]bool, nslots)
	visited[0] = true
	type work struct {
		e     *Entry
		depth int
	}
	queue := []work{{root, 0}}
	var stack []uint32
	count := 1
	// Paths cost O(depth²) for deeply nested storages; bound their total.
	pathBudget := max(minPathBudget, 2*p.r.size)
	var pathBytes int64
	for len(queue) > 0 {
		w := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		parent := w.e
		childRoot := p.dirEntry(parent.id).child().get()
		if childRoot == noStream {
			continue
		}
		if w.depth >= p.maxDepth {
			return &FormatError{Offset: p.dirOffset(parent.id) + offChild, Path: parent.Path, Msg: fmt.Sprintf("storages nest deeper than the limit of %d", p.maxDepth)}
		}
		stack = append(stack[:0], childRoot)
		for len(stack) > 0 {
			id := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if id >= nslots {
				return &FormatError{Offset: -1, Path: parent.Path, Msg: fmt.Sprintf("directory entry id %d is past the end of the directory (%d entries)", id, nslots)}
			}
			if visited[id] {
				return &FormatError{Offset: p.dirOffset(id), Path: parent.Path, Msg: fmt.Sprintf("directory entry %d is referenced more than once (shared or cyclic tree)", id)}
			}
			visited[id] = true
			count++
			if count > p.maxEntries {
				return formatErr(-1, "", "more than the limit of %d directory entries", p.maxEntries)
			}
			e, err := p.entry(id, parent.Path)
			if err != nil {
				return err
			}
			if e.Type == TypeRoot {
				return &FormatError{Offset: p.dirOffset(id), Path: e.Path, Msg: fmt.Sprintf("directory entry %d is a second root", id)}
			}
			if len(e.RawName) == 0 {
				p.warnf("entry %d in %q has an empty name", id, parent.Path)
			}
			pathBytes += int64(len(e.Path))
			if pathBytes > pathBudget {
				return &FormatError{Offset: p.dirOffset(id), Path: parent.Path, Msg: fmt.Sprintf("entry paths total more than %d bytes (storages nested too deeply)", pathBudget)}
			}
			e.Parent = parent
			parent.Children = append(parent.Children, e)
			d := p.dirEntry(id)
			if l := d.left().get(); l != noStream {
				stack = append(stack, l)
			}
			if r := d.right().get(); r != noStream {
				stack = append(stack, r)
			}
			if e.Type == TypeStorage {
				queue = append(queue, work{e, w.depth + 1})
			} else {
				if err := p.streamExtents(e); err != nil {
					return err
				}
			}
		}
		slices.SortStableFunc(parent.Children, func(a, b *Entry) int { return compareNames(a.RawName, b.RawName) })
		for i := 1; i < len(parent.Children); i++ {
			if compareNames(parent.Children[i-1].RawName, parent.Children[i].RawName) == 0 {
				p.warnf("storage %q has two children named %q", parent.Path, parent.Children[i].Name)
			}
		}
	}
	// Pre-order list, iteratively.
	p.r.entries = make([]*Entry, 0, count)
	st := []*Entry{root}
	for len(st) > 0 {
		e := st[len(st)-1]
		st = st[:len(st)-1]
		p.r.entries = append(p.r.entries, e)
		for i := len(e.Children) - 1; i >= 0; i-- {
			st = append(st, e.Children[i])
		}
	}
	return nil
}
