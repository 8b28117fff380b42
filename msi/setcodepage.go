package msi

import (
	"fmt"

	"github.com/msikit/msikit/internal/clip"
)

// SetCodepage changes the database codepage (the string pool's), as
// importing a _ForceCodepage table does. Every string keeps its text and is
// re-encoded in the new codepage, so string ids, rows and their order stay
// as they are. If cp is outside 0 to 65535 or the new codepage cannot
// represent a string or the name of a table or column (*ValueError), or
// msikit has no conversion table for it (*UnsupportedError), SetCodepage
// returns an error and changes nothing. Codepage 0 is language-neutral;
// Windows Installer recommends starting from a neutral (ASCII-only)
// database when setting a codepage.
//
// The summary information has a codepage of its own (PIDCodepage, set with
// SummaryInfo.SetInt).
//
// Each change re-encodes the whole string pool: the changes made to one
// database may re-encode at most 64 MiB plus 64 times the database's size
// (the pool's bytes plus 16 a string, each time); past that SetCodepage
// returns an error wrapping ErrLimit and changes nothing.
func (db *Database) SetCodepage(cp int) error {
	if db.closed {
		return ErrClosed
	}
	if db.kind == PackageTransform {
		return &UnsupportedError{Table: forceCodepageTable, Msg: "editing transforms is not supported"}
	}
	p := db.pool
	if cp == p.codec.cp {
		return nil
	}
	if cp < 0 || cp > 0xFFFF {
		return &ValueError{Table: forceCodepageTable, Reason: fmt.Sprintf("codepage %d is out of range (0 to 65535)", cp)}
	}
	nc := newCodec(cp)
	if !nc.known {
		return &UnsupportedError{Table: forceCodepageTable, Msg: fmt.Sprintf("codepage %d has no conversion table in msikit", cp)}
	}
	// Re-encode into a new pool first, so that a failure changes nothing.
	// Ids stay as they are.
	p.mu.Lock()
	defer p.mu.Unlock()
	cost := int64(len(p.data)) + 16*int64(p.size())
	for _, c := range p.chunks {
		cost += int64(len(c))
	}
	for _, b := range p.borrowed {
		cost += int64(len(b))
	}
	limit := maxRecode(db.size)
	overLimit := func() error {
		return fmt.Errorf("%w: codepage %d: re-encoding the string pool again (%d strings) would take the work of codepage changes past %d bytes (64 MiB plus 64 times the database's size)", ErrLimit, cp, p.size(), limit)
	}
	if db.recoded+cost > limit {
		return overLimit()
	}
	// The names of tables and columns made by edits are not in the pool
	// until the database is written: they must fit the new codepage too
	// (they came back as other text). Checking them is work of the change
	// too, 16 plus its bytes a name, counted even when a name is refused:
	// changes that fail do not repeat it without end.
	for _, t := range db.tables {
		cost += 16 + int64(len(t.name))
		for _, c := range t.cols {
			cost += 16 + int64(len(c.Name))
		}
		if db.recoded+cost > limit {
			db.recoded += cost
			return overLimit()
		}
		err := nameFits(nc, t.name, t.name, "")
		for _, c := range t.cols {
			if err == nil {
				err = nameFits(nc, c.Name, t.name, c.Name)
			}
		}
		if err != nil {
			db.recoded += cost
			return err
		}
	}
	db.recoded += cost
	np := &stringPool{codec: nc, longRefs: p.longRefs, refs: p.refs, nsrc: p.nsrc, offs: make([]uint32, 2, p.nsrc+1)}
	encode := func(id int) ([]byte, string, error) {
		b, s := p.raw(uint32(id)), p.str(uint32(id))
		if !isASCII(b) {
			var ok bool
			if b, ok = nc.encode(s); !ok {
				return nil, "", &ValueError{Table: forceCodepageTable, Reason: fmt.Sprintf("codepage %d cannot represent string %d %q", cp, id, clip.String(s))}
			}
		}
		return b, s, nil
	}
	var data []byte
	for id := 1; id < p.nsrc; id++ {
		b, s, err := encode(id)
		if err != nil {
			return err
		}
		data = append(data, b...)
		if int64(len(data)) > maxStringData {
			return fmt.Errorf("%w: codepage %d: the string data would exceed %d bytes", ErrLimit, cp, int64(maxStringData))
		}
		np.offs = append(np.offs, uint32(len(data)))
		if string(b) != s {
			np.setSrcText(uint32(id), s)
		}
	}
	np.data = data
	for id := p.nsrc; id < p.size(); id++ {
		b, s, err := encode(id)
		if err != nil {
			return err
		}
		// Strings that became equal keep their ids; the index finds the
		// first.
		nid := np.storeAdded(b, s, false)
		if found, h := np.findAdded(string(b)); found == 0 {
			np.added.insert(h, nid)
		}
	}
	p.codec, p.data, p.offs, p.texts, p.srcText, p.srcTexts = np.codec, np.data, np.offs, np.texts, np.srcText, np.srcTexts
	p.recodes++ // other databases' indexes remember its long strings by id
	p.chunks, p.pages, p.nadded, p.added, p.seed, p.seeded = np.chunks, np.pages, np.nadded, np.added, np.seed, np.seeded
	// The texts remembered were interned in the old codepage.
	p.known, p.knownKey, p.units = nil, nil, nil
	// Row indexes are keyed by string bytes: rebuild them on next use.
	for _, t := range db.tables {
		t.index = nil
	}
	for _, t := range db.sysTables {
		t.index = nil
	}
	db.schemaView = [2]*Table{} // its names were interned in the old codepage
	db.modified = true
	db.contentModified = true
	return nil
}

// maxRecode bounds the work of all SetCodepage calls on a database of
// size bytes, counted as the bytes of its string pool plus 16 a string,
// each time it is re-encoded: a folder of 10,000 _ForceCodepage IDT
// files alternating two codepages re-encoded the 200,000 strings of a
// 5 MB package 10,000 times (60 s). A real import changes the codepage
// once.
func maxRecode(size int64) int64 { return 64<<20 + 64*size }

// maxStringData bounds _StringData: offsets into it are uint32.
const maxStringData = 1<<32 - 1

// nameFits reports a name of table (or of its column) that the codec nc
// cannot represent.
func nameFits(nc codec, name, table, column string) error {
	if isASCIIString(name) {
		return nil
	}
	if _, ok := nc.encode(name); ok {
		return nil
	}
	what := clip.Sprintf("the name of table %q", table)
	if column != "" {
		what = clip.Sprintf("the name of column %q of table %q", column, table)
	}
	return &ValueError{Table: forceCodepageTable, Reason: fmt.Sprintf("codepage %d cannot represent %s", nc.cp, what)}
}
