package mst

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"math/bits"
	"slices"
	"sort"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/msi"
)

// A Difference is a difference between two databases that Diff found but
// a transform cannot carry: Windows Installer transforms change tables
// only ("Transforms cannot modify any part of an installation package
// that is not in a database table, such as information in the summary
// information stream, information in substorages, or files in embedded
// cabinets", About Transforms), never remove or redefine columns, and a
// neutral transform leaves the codepage as it is.
type Difference struct {
	Kind     string // "summary", "stream", "storage", "table", "column", "codepage"
	Name     string // the property, stream, storage, table or column
	Old, New string // the values or sizes, "" when absent
	Reason   string
}

// String formats the difference on one line.
func (d Difference) String() string {
	return fmt.Sprintf("%s %s: %q -> %q: %s", d.Kind, d.Name, d.Old, d.New, d.Reason)
}

// Diff computes the changes that turn the database old into new, as a
// transform generated between them (MsiDatabaseGenerateTransform) holds
// them: tables created and dropped, non-key columns appended, rows
// inserted, deleted and updated (an update carries only the columns that
// changed, binary cells compared by their streams' bytes), and the
// codepage. What a transform cannot carry is listed in
// Changes.Unexpressible and otherwise left out: summary information,
// streams that are not binary cells (embedded cabinets), sub-storages,
// removed or redefined columns (the table's rows are still compared when
// their cells keep their types), a change to the neutral codepage, and
// rows that repeat the key of an earlier row (Table.DuplicateKeys, which
// only a package read from a file holds): records name rows by key, so
// only the first row of a key gets them, once, and a delete removes every
// row of its key.
//
// Updates of columns past the 16th, which the 16-bit record mask cannot
// name, are written as a delete and an insert of the row (listed too).
// The changes refer to new's rows and streams, and to old's rows for the
// keys of deletes, rather than copying them (a record costs 12 bytes):
// neither database may change while they are in use.
func Diff(old, new *msi.Database) (*Changes, error) {
	c := &Changes{Codepage: new.Codepage(), streams: new, size: new.Size()}
	b := newBudget("the rows compared", old.Size(), new.Size())
	texts := &textClasses{byBytes: old.Codepage() == new.Codepage()}
	c.CodepageChange = old.Codepage() != new.Codepage() && new.Codepage() != 0
	if old.Codepage() != new.Codepage() && new.Codepage() == 0 {
		c.Codepage = 0
		c.Unexpressible = append(c.Unexpressible, Difference{Kind: "codepage", Name: "codepage", Old: fmt.Sprint(old.Codepage()), New: "0",
			Reason: "a transform in the neutral codepage leaves the database's codepage as it is"})
	}
	var shapes columnSets
	for _, n := range union(old.TableNames(), new.TableNames()) {
		name := n.name
		var ot, nt *msi.Table
		var err error
		if n.inA {
			if ot, err = old.Table(name); err != nil {
				return nil, err
			}
		}
		if n.inB {
			if nt, err = new.Table(name); err != nil {
				return nil, err
			}
		}
		tc, err := diffTable(c, b, texts, &shapes, old, new, name, ot, nt)
		if err != nil {
			return nil, err
		}
		if tc != nil {
			c.Tables = append(c.Tables, tc)
		}
	}
	if err := diffOutside(c, old, new); err != nil {
		return nil, err
	}
	return c, nil
}

// A presence is a name of union's, and which of its lists have it.
type presence struct {
	name     string
	inA, inB bool
}

// union returns every name of a or b once, sorted, with which of the two
// has it, merging a and b (which it sorts in place). Two sets of 200,000
// table names (msi-50k-empty-tables.msi) cost two maps of ~6 MB and a
// third list while the tables are compared; this costs 24 bytes a name.
func union(a, b []string) []presence {
	slices.Sort(a)
	slices.Sort(b)
	out := make([]presence, 0, max(len(a), len(b)))
	add := func(name string, inA, inB bool) {
		if n := len(out); n > 0 && out[n-1].name == name {
			out[n-1].inA, out[n-1].inB = out[n-1].inA || inA, out[n-1].inB || inB
			return
		}
		out = append(out, presence{name, inA, inB})
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i] < b[j]:
			add(a[i], true, false)
			i++
		case i == len(a) || b[j] < a[i]:
			add(b[j], false, true)
			j++
		default:
			add(a[i], true, true)
			i++
			j++
		}
	}
	return out
}

// diffTable compares one table; nil means no change. The cells read are
// spent from b as texts counts them: a long pooled string shared by many
// rows costs its bytes once, and a few bytes for each further cell, unless
// it is a key looked up in the other database.
func diffTable(c *Changes, b *budget, texts *textClasses, shapes *columnSets, old, new *msi.Database, name string, ot, nt *msi.Table) (*TableChange, error) {
	switch {
	case ot == nil:
		tc := &TableChange{Name: name, Created: true}
		tc.setColumns(shapes.intern(nt.Columns()))
		tc.Added = tc.Columns
		if nt.Len() == 0 {
			return tc, nil
		}
		all := uint32(1)<<len(tc.Columns) - 1
		rows := &rowRecords{src: nt, recs: make([]rowRecord, 0, nt.Len())}
		ndup := dupRows(nt)
		var vals []msi.Value
		for ri := range nt.Len() {
			vals = rowValues(vals[:0], nt.Row(ri), tc.Columns)
			if err := b.spend(texts.valuesCost(vals, 0), name); err != nil {
				return nil, err
			}
			if ndup.has(ri) {
				continue // see repeatedKeys
			}
			rows.recs = append(rows.recs, rowRecord{op: Insert, has: all, row: uint32(ri)})
		}
		if n := ndup.count(); n > 0 {
			c.Unexpressible = append(c.Unexpressible, repeatedKeys(name, 0, 0, n, n))
		}
		tc.rows = rows
		return tc, nil
	case nt == nil:
		tc := &TableChange{Name: name, Dropped: true}
		tc.setColumns(shapes.intern(ot.Columns()))
		return tc, nil
	}
	oc, nc := ot.Columns(), nt.Columns()
	tc := &TableChange{Name: name}
	if len(nc) < len(oc) {
		c.Unexpressible = append(c.Unexpressible, Difference{Kind: "table", Name: name, Old: fmt.Sprintf("%d columns", len(oc)), New: fmt.Sprintf("%d columns", len(nc)),
			Reason: "a transform cannot remove columns; the table's rows are not compared"})
		return nil, nil
	}
	comparable := true
	for i, o := range oc {
		n := nc[i]
		if o.Name == n.Name && sameShape(o, n) {
			continue
		}
		c.Unexpressible = append(c.Unexpressible, Difference{Kind: "column", Name: name + "." + o.Name, Old: o.Name + " " + o.IDTType(), New: n.Name + " " + n.IDTType(),
			Reason: "a transform cannot change a column's name or definition"})
		if o.Type != n.Type || o.Key != n.Key {
			comparable = false
		}
	}
	if !comparable {
		c.Unexpressible[len(c.Unexpressible)-1].Reason += "; the table's rows are not compared"
		return nil, nil
	}
	for _, n := range nc[len(oc):] {
		if n.Key {
			c.Unexpressible = append(c.Unexpressible, Difference{Kind: "column", Name: name + "." + n.Name, New: n.Name + " " + n.IDTType(),
				Reason: "a transform cannot add a key column; the table's rows are not compared"})
			return nil, nil
		}
	}
	tc.Added = nc[len(oc):]
	tc.setColumns(nc)
	rows := &rowRecords{src: nt, old: ot}
	all := uint32(1)<<len(nc) - 1
	keyMask := tc.keyMask()
	nkeys := tc.nkeys()
	// deleteKey adds a delete of the row with the key values of vals.
	deleteKey := func(vals func(int) msi.Value) {
		rows.recs = append(rows.recs, rowRecord{op: Delete, has: keyMask, row: uint32(len(rows.delKey) / max(nkeys, 1))})
		for m := keyMask; m != 0; m &= m - 1 {
			rows.delKey = append(rows.delKey, vals(bits.TrailingZeros32(m)))
		}
	}
	var key []msi.Value // one row's key at a time
	// The old rows a new row's key found: their keys are in new, so
	// the deletes below need not look them up again (on a table of a
	// million rows, a million lookups of a cache miss each). Keys of
	// two codepages are compared as text converted from one to the
	// other, which need not find the same rows both ways: they are all
	// looked up.
	var found rowSet
	if old.Codepage() == new.Codepage() && ot.Len() > 0 && nt.Len() > 0 {
		found = make(rowSet, (ot.Len()+63)/64)
	}
	// Each row's values are read once, for its size, its key and the
	// comparison (a string cell is a lookup in the pool, a binary cell
	// a stream name made).
	var keyCols []int // nothing made for an empty table
	for i, col := range nc {
		if col.Key && nt.Len() > 0 {
			keyCols = append(keyCols, i)
		}
	}
	// Rows that repeat the key of an earlier row (which a package read
	// from a file can hold): a record names its row by key, so only the
	// first row of a key gets records (see repeatedKeys).
	// Old's index is built for the lookups anyway (DuplicateKeys is then
	// free when no key repeats). New's is not: a new row found in old is
	// known to repeat a key when an earlier one found the same old row;
	// only inserts, and every row across codepages (found is nil), are
	// checked with new's DuplicateKeys.
	odup := dupRows(ot)
	var ndup rowSet
	ndupDone := false
	newDup := func(ri int) bool {
		if !ndupDone {
			ndup, ndupDone = dupRows(nt), true
		}
		return ndup.has(ri)
	}
	newSkipped, oldKept, newDups := 0, 0, 0
	var inserts []int // positions in rows.recs of the inserts yet to be checked for repeated keys
	var nv, ov []msi.Value
	for ri := range nt.Len() {
		nr := nt.Row(ri)
		nv = rowValues(nv[:0], nr, nc)
		if err := b.spend(texts.valuesCost(nv, keyMask), name); err != nil {
			return nil, err
		}
		key = key[:0]
		for _, k := range keyCols {
			key = append(key, nv[k])
		}
		oi, ok := ot.LookupIndex(key...)
		if ok {
			ov = rowValues(ov[:0], ot.Row(oi), oc)
			if err := b.spend(texts.valuesCost(ov, 0), name); err != nil {
				return nil, err
			}
		}
		dup := false
		switch {
		case found == nil:
			dup = newDup(ri)
		case ok:
			dup = found.has(oi)
			found.add(oi)
		}
		if dup {
			newDups++
		}
		if !ok {
			if dup {
				newSkipped++
				continue
			}
			if found != nil {
				// Whether it repeats the key of another insert is
				// found once all are known (inserts, below).
				inserts = append(inserts, len(rows.recs))
			}
			rows.recs = append(rows.recs, rowRecord{op: Insert, has: all, row: uint32(ri)})
			continue
		}
		var changed uint32
		for i := range nc {
			var o msi.Value
			if i < len(oc) {
				o = ov[i]
			}
			same, err := sameValue(old, new, texts, name, nc[i], nr, o, nv[i])
			if err != nil {
				return nil, err
			}
			if !same {
				changed |= 1 << i
			}
		}
		if changed == 0 {
			continue
		}
		if dup {
			newSkipped++
			continue
		}
		if changed>>16 != 0 {
			// The record mask names columns 1 to 16 only. A key value
			// over 1 KiB is quoted clipped: a difference is kept for
			// each such row, and 2,400 rows keyed by one 64 KiB text and
			// a number held 157 MB of them (243 MiB, 160 MB printed).
			c.Unexpressible = append(c.Unexpressible, Difference{Kind: "table", Name: name, Old: fmt.Sprint(clip.Strings(keyText(key))),
				Reason: "a change of a column past the 16th, which an update record cannot name: written as a delete and an insert of the row"})
			deleteKey(nr.At)
			rows.recs = append(rows.recs, rowRecord{op: Insert, has: all, row: uint32(ri)})
			continue
		}
		rows.recs = append(rows.recs, rowRecord{op: Update, has: changed | keyMask, row: uint32(ri)})
	}
	if len(inserts) > 0 {
		// Inserts that repeat the key of an earlier insert. A few among
		// many rows are told by their keys' text (new's index would
		// cost 12 bytes a row of new), many by new's index.
		var seen map[string]bool
		var texts textmemo.IDs
		var kb []byte
		small := len(inserts)*8 < nt.Len()
		if small {
			seen = make(map[string]bool, len(inserts))
		}
		w, next := inserts[0], 0
		for i := inserts[0]; i < len(rows.recs); i++ {
			rec := rows.recs[i]
			if next < len(inserts) && inserts[next] == i {
				next++
				ri := int(rec.row)
				var dup bool
				if small {
					key = nt.Row(ri).AppendKey(key[:0])
					kb = appendKey(kb[:0], key, &texts)
					if dup = seen[string(kb)]; !dup {
						seen[string(kb)] = true
					}
				} else {
					dup = newDup(ri)
				}
				if dup {
					newDups++
					newSkipped++
					continue
				}
			}
			rows.recs[w] = rec
			w++
		}
		rows.recs = rows.recs[:w]
	}
	for oi := range ot.Len() {
		if found.has(oi) {
			continue
		}
		or := ot.Row(oi)
		ov = rowValues(ov[:0], or, oc)
		if err := b.spend(texts.valuesCost(ov, keyMask), name); err != nil {
			return nil, err
		}
		key = or.AppendKey(key[:0])
		if _, ok := nt.Lookup(key...); ok {
			if odup.has(oi) {
				oldKept++ // the records of its key change its first row only
			}
			continue
		}
		if odup.has(oi) {
			continue // the delete of the key's first row removes it too
		}
		// The key is read from the old row when the record is.
		rows.recs = append(rows.recs, rowRecord{op: Delete, has: keyMask, row: uint32(oi), fromOld: true})
	}
	if newSkipped > 0 || oldKept != newDups {
		c.Unexpressible = append(c.Unexpressible, repeatedKeys(name, odup.count(), oldKept, newDups, newSkipped))
	}
	if len(rows.recs) == 0 && len(tc.Added) == 0 {
		return nil, nil
	}
	if len(rows.recs) > 0 {
		tc.rows = rows
	}
	nc = shapes.intern(nc)
	tc.Columns, tc.Added = nc, nc[len(oc):]
	return tc, nil
}

// sameValue compares a cell of the old row and of the new row nr, which
// share their key: values by kind and text (strings also by their bytes
// when both databases share a codepage; long strings by their numbers in
// texts, which has read both cells), binary cells by their streams'
// contents (each stream name once; a cell whose stream neither package
// has, such as one keyed by a text too long to name a stream, is alike).
func sameValue(old, new *msi.Database, texts *textClasses, table string, col msi.Column, nr msi.Row, ov, nv msi.Value) (bool, error) {
	if ov.IsNull() || nv.IsNull() {
		return ov.IsNull() == nv.IsNull(), nil
	}
	if ov.Kind() == msi.KindString && nv.Kind() == msi.KindString && len(ov.Str()) == len(nv.Str()) {
		a, okA := texts.class(ov)
		b, okB := texts.class(nv)
		if okA && okB {
			return a == b, nil
		}
	}
	if col.Type != msi.ColBinary {
		if !ov.Equal(nv) {
			return false, nil
		}
		if ov.Kind() == msi.KindString && old.Codepage() == new.Codepage() && !isASCII(ov.Str()) {
			return bytes.Equal(ov.Bytes(), nv.Bytes()), nil
		}
		return true, nil
	}
	if nr.StreamNameLen() > msi.MaxStreamNameBytes {
		// A key too long for a stream name: neither package can have
		// the cell's stream, and the name is not built (a 64 KiB key
		// shared by 100,000 rows).
		return true, nil
	}
	name := nr.StreamName() // the old row's too: the same key
	if same, ok := texts.streams[name]; ok {
		return same, nil
	}
	a, errA := old.OpenStream(name)
	b, errB := new.OpenStream(name)
	var same bool
	switch {
	case errors.Is(errA, fs.ErrNotExist) && errors.Is(errB, fs.ErrNotExist):
		// Neither package has the cell's stream (a key too long for a
		// stream name, a stream lost): the cells are alike, as
		// rewrite -o keeps them.
		same = true
	case errA != nil:
		return false, fmt.Errorf("mst: table %s: %w", table, errA)
	case errB != nil:
		return false, fmt.Errorf("mst: table %s: %w", table, errB)
	default:
		var err error
		if same, err = sameStream(a, b); err != nil {
			return false, err
		}
	}
	if texts.streams == nil {
		texts.streams = map[string]bool{}
	}
	texts.streams[name] = same
	return same, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// sameStream compares two streams' bytes in pieces.
func sameStream(a, b *io.SectionReader) (bool, error) {
	if a.Size() != b.Size() {
		return false, nil
	}
	const chunk = 64 << 10
	ba, bb := make([]byte, chunk), make([]byte, chunk)
	for off := int64(0); off < a.Size(); off += chunk {
		n := int(min(chunk, a.Size()-off))
		if _, err := a.ReadAt(ba[:n], off); err != nil && err != io.EOF {
			return false, err
		}
		if _, err := b.ReadAt(bb[:n], off); err != nil && err != io.EOF {
			return false, err
		}
		if !bytes.Equal(ba[:n], bb[:n]) {
			return false, nil
		}
	}
	return true, nil
}

// diffOutside lists the differences outside the tables: summary
// information, streams no binary cell owns, sub-storages.
func diffOutside(c *Changes, old, new *msi.Database) error {
	osi, err := old.SummaryInfo()
	if err != nil {
		return err
	}
	nsi, err := new.SummaryInfo()
	if err != nil {
		return err
	}
	ids := map[msi.PropertyID]bool{}
	for _, p := range osi.Properties() {
		ids[p.ID] = true
	}
	for _, p := range nsi.Properties() {
		ids[p.ID] = true
	}
	var pids []msi.PropertyID
	for id := range ids {
		pids = append(pids, id)
	}
	sort.Slice(pids, func(i, j int) bool { return pids[i] < pids[j] })
	for _, id := range pids {
		op, oOK := osi.Get(id)
		np, nOK := nsi.Get(id)
		ot, nt := propText(op, oOK), propText(np, nOK)
		if ot == nt && op.Type == np.Type {
			continue
		}
		c.Unexpressible = append(c.Unexpressible, Difference{Kind: "summary", Name: fmt.Sprintf("%d %s", id, id), Old: ot, New: nt,
			Reason: "a transform cannot change summary information"})
	}

	ostreams, nstreams := map[string]msi.StreamInfo{}, map[string]msi.StreamInfo{}
	for _, s := range old.Streams() {
		ostreams[s.Name] = s
	}
	for _, s := range new.Streams() {
		nstreams[s.Name] = s
	}
	var names []string
	for n := range ostreams {
		names = append(names, n)
	}
	for n := range nstreams {
		if _, ok := ostreams[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		if name == msi.SummaryInfoStream {
			continue
		}
		os, oOK := ostreams[name]
		ns, nOK := nstreams[name]
		if oOK && nOK && os.Table != "" || !oOK && ns.Table != "" || !nOK && os.Table != "" {
			continue // a binary cell: compared with its row
		}
		switch {
		case !oOK:
			c.Unexpressible = append(c.Unexpressible, Difference{Kind: "stream", Name: name, New: fmt.Sprintf("%d bytes", ns.Size), Reason: "a transform cannot add a stream that is not a binary cell"})
		case !nOK:
			c.Unexpressible = append(c.Unexpressible, Difference{Kind: "stream", Name: name, Old: fmt.Sprintf("%d bytes", os.Size), Reason: "a transform cannot remove a stream that is not a binary cell"})
		default:
			a, err := old.OpenStream(name)
			if err != nil {
				return err
			}
			b, err := new.OpenStream(name)
			if err != nil {
				return err
			}
			same, err := sameStream(a, b)
			if err != nil {
				return err
			}
			if !same {
				c.Unexpressible = append(c.Unexpressible, Difference{Kind: "stream", Name: name, Old: fmt.Sprintf("%d bytes", os.Size), New: fmt.Sprintf("%d bytes", ns.Size),
					Reason: "a transform cannot change a stream that is not a binary cell"})
			}
		}
	}

	for _, s := range union(old.Storages(), new.Storages()) {
		name := s.name
		switch {
		case !s.inA:
			c.Unexpressible = append(c.Unexpressible, Difference{Kind: "storage", Name: name, New: "present", Reason: "a transform cannot add a sub-storage"})
		case !s.inB:
			c.Unexpressible = append(c.Unexpressible, Difference{Kind: "storage", Name: name, Old: "present", Reason: "a transform cannot remove a sub-storage"})
		default:
			a, b := storageSignature(old, name), storageSignature(new, name)
			if a != b {
				c.Unexpressible = append(c.Unexpressible, Difference{Kind: "storage", Name: name, Old: a, New: b, Reason: "a transform cannot change a sub-storage"})
			}
		}
	}
	return nil
}

// storageSignature describes a sub-storage by its streams (tables,
// string pool and the others): names, sizes and a hash of their bytes.
// Sub-storages are small (embedded transforms); a nested one is named,
// not described.
func storageSignature(db *msi.Database, name string) string {
	sub, err := db.OpenStorage(name)
	if err != nil {
		return "unreadable: " + err.Error()
	}
	var b bytes.Buffer
	names := append([]string{"_StringPool", "_StringData"}, sub.TableNames()...)
	for _, t := range names {
		data, ok, err := sub.RawTableStream(t)
		switch {
		case err != nil:
			fmt.Fprintf(&b, "table stream %s: %v; ", t, err)
		case ok:
			h := fnv.New64a()
			h.Write(data)
			fmt.Fprintf(&b, "table stream %s %d bytes %x; ", t, len(data), h.Sum64())
		}
	}
	for _, s := range sub.Streams() {
		h := fnv.New64a()
		r, err := sub.OpenStream(s.Name)
		if err == nil {
			_, err = io.Copy(h, r)
		}
		if err != nil {
			fmt.Fprintf(&b, "stream %s: %v; ", s.Name, err)
			continue
		}
		fmt.Fprintf(&b, "stream %s %d bytes %x; ", s.Name, s.Size, h.Sum64())
	}
	for _, st := range sub.Storages() {
		fmt.Fprintf(&b, "storage %s; ", st)
	}
	return b.String()
}

// propText returns a summary property as text ("" when absent).
func propText(p msi.Property, ok bool) string {
	if !ok {
		return ""
	}
	if t := p.Text(); t != "" || p.Type == msi.PropString || p.Type == msi.PropInt16 || p.Type == msi.PropInt32 {
		return t
	}
	return fmt.Sprintf("%d bytes", len(p.Raw))
}

// rowSet is a set of row numbers (nil: empty).
type rowSet []uint64

// dupRows returns the rows of t that repeat the key of an earlier row
// (Table.DuplicateKeys; nil, without a row looked up again, when none do).
func dupRows(t *msi.Table) rowSet {
	if t.Len() < 2 {
		// No key to repeat, and no index built: a table's first index
		// costs 8 KiB, and 50,000 empty tables were 400 MB of them.
		return nil
	}
	d := t.DuplicateKeys()
	if d == nil {
		return nil
	}
	s := make(rowSet, (t.Len()+63)/64)
	for _, r := range d {
		s.add(r)
	}
	return s
}

func (s rowSet) add(r int)      { s[r/64] |= 1 << (r % 64) }
func (s rowSet) has(r int) bool { return s != nil && s[r/64]&(1<<(r%64)) != 0 }

func (s rowSet) count() int {
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}

// repeatedKeys is the difference noted for a table whose rows repeat a
// key in ways a transform cannot express: a record names its row by key,
// so the changes of a new row that repeats the key of an earlier one
// (skipped) are not written, and an old row that repeats a key the new
// database keeps (kept of old such rows) stays as it is (a delete removes
// every row of its key, as ApplyChanges does).
func repeatedKeys(table string, old, kept, new, skipped int) Difference {
	return Difference{Kind: "table", Name: table,
		Old: fmt.Sprintf("%d rows repeating the key of an earlier row", old),
		New: fmt.Sprintf("%d rows repeating the key of an earlier row", new),
		Reason: fmt.Sprintf("a transform names rows by their key: it adds, changes or removes the first row of a key only "+
			"(the changes of %d new rows that repeat a key are not written; %d old rows that repeat a key the new package keeps stay)", skipped, kept)}
}

// rowValues appends the values of row r (of columns cols) to dst as Diff
// reads them: a binary cell as BinaryValue or Null, never as its stream's
// name, which Row.At builds from the row's key (100,000 rows keyed by a
// 64 KiB text made 6.4 GB of names: 60 s).
func rowValues(dst []msi.Value, r msi.Row, cols []msi.Column) []msi.Value {
	for i, c := range cols {
		switch {
		case c.Type != msi.ColBinary:
			dst = append(dst, r.At(i))
		case r.IsNull(i):
			dst = append(dst, msi.Null)
		default:
			dst = append(dst, msi.BinaryValue())
		}
	}
	return dst
}
