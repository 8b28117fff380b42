package main

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"io"
	"strings"

	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/idt"
)

// What an import changed, table by table, for its report: rows are told
// apart by their primary key (rows inserted: keys the table did not have;
// deleted: keys it no longer has; updated: the same key with other values,
// a binary cell counting by its stream's bytes), summary information by
// property, the codepage by its number. An import replaces every row of a
// table, so a file that leaves out rows deletes them: the report says so.

// importChange is the report of one IDT file.
type importChange struct {
	file  string // the IDT file, as given
	table string // the table it names ("" when its header has none)

	created                    bool // the table did not exist
	rows                       int  // rows of the table after the import
	inserted, deleted, updated int

	props    int // summary information properties changed (_SummaryInformation)
	codepage [2]int
}

// changed reports whether the file changed anything.
func (c *importChange) changed() bool {
	switch c.table {
	case idt.SummaryInformationTable:
		return c.props > 0
	case idt.ForceCodepageTable:
		return c.codepage[0] != c.codepage[1]
	}
	return c.created || c.inserted+c.deleted+c.updated > 0
}

// String formats the change as the report's line (after "msikit: OUT: ").
func (c *importChange) String() string {
	var b strings.Builder
	switch c.table {
	case idt.SummaryInformationTable:
		if c.props == 0 {
			b.WriteString("summary information unchanged")
		} else {
			fmt.Fprintf(&b, "summary information: %s changed", nouns(c.props, "property", "properties"))
		}
	case idt.ForceCodepageTable:
		if c.codepage[0] == c.codepage[1] {
			fmt.Fprintf(&b, "codepage %d unchanged", c.codepage[1])
		} else {
			fmt.Fprintf(&b, "codepage %d (was %d)", c.codepage[1], c.codepage[0])
		}
	default:
		b.WriteString(escapeName(c.table))
		b.WriteString(": ")
		switch {
		case c.created:
			fmt.Fprintf(&b, "created, %s", plural(c.rows, "row"))
		case c.inserted+c.deleted+c.updated == 0:
			fmt.Fprintf(&b, "unchanged, %s", plural(c.rows, "row"))
		default:
			var parts []string
			for _, p := range []struct {
				n    int
				what string
			}{{c.inserted, "inserted"}, {c.deleted, "deleted"}, {c.updated, "updated"}} {
				if p.n > 0 {
					parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
				}
			}
			fmt.Fprintf(&b, "%s; %s now", strings.Join(parts, ", "), plural(c.rows, "row"))
		}
	}
	fmt.Fprintf(&b, " (%s)", escapeText(c.file))
	return b.String()
}

// nouns formats a count and a noun of an irregular plural.
func nouns(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// idtTableName returns the table an IDT file names (idt.TableName); a
// file it cannot read names no table ("", and the import reports why).
func idtTableName(path string) string {
	f, _, err := safefile.OpenRegular(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	table, _ := idt.TableName(f)
	return table
}

// rowPrints fingerprints a table's rows: for each primary key (a hash of
// its cells), a hash of the row's other cells, binary cells by their
// streams' bytes. A text is hashed once however many cells share it when
// it is long (textmemo), so a pooled 1 MB string named by every row costs
// one pass.
//
// A stream is hashed once however many rows name it: rows of one key
// (a table may hold duplicates) share the stream Table.Key, and 100,000
// rows of one key naming a 1 MB stream hashed 100 GB before the import
// could start.
type rowPrints struct {
	seed  maphash.Seed
	texts textmemo.Memo[uint64]
	buf   []byte
	// streams holds the hash of each stream read since the last
	// snapshot or compare started, by name (the streams an import
	// replaces keep their names, so each pass starts afresh). Only
	// streams that exist are held: their names are short.
	streams map[string]uint64
}

func newRowPrints() *rowPrints { return &rowPrints{seed: maphash.MakeSeed()} }

func (p *rowPrints) text(s string) uint64 {
	return p.texts.Get(s, func(s string) uint64 { return maphash.String(p.seed, s) })
}

// cells hashes the cells of row at idx; a binary cell by its stream's
// bytes when streams is set, else by whether it is null.
//
// A binary cell's stream is named by the row's key (Table.Key), which the
// fingerprint keys the row by: the name adds nothing to it, and is not
// built for each row (a key that is one long pooled text would be copied
// into a name per row). A stream that cannot be read (missing in a
// damaged package, or a key too long to name one) counts as missing: the
// report must not stop an import the package allows.
func (p *rowPrints) cells(row msi.Row, cols []msi.Column, idx []int, streams bool) uint64 {
	b := p.buf[:0]
	for _, i := range idx {
		if cols[i].Type == msi.ColBinary {
			if row.IsNull(i) {
				b = append(b, byte(msi.KindNull))
				continue
			}
			b = append(b, byte(msi.KindBinary))
			if !streams {
				continue
			}
			sum, ok := p.stream(row, cols[i].Name)
			if !ok {
				b = append(b, 0xff)
				continue
			}
			b = binary.LittleEndian.AppendUint64(b, sum)
			continue
		}
		v := row.At(i)
		b = append(b, byte(v.Kind()))
		switch v.Kind() {
		case msi.KindInt:
			b = binary.LittleEndian.AppendUint32(b, uint32(v.Int()))
		case msi.KindString:
			b = binary.LittleEndian.AppendUint64(b, p.text(v.Str()))
		}
	}
	p.buf = b
	return maphash.Bytes(p.seed, b)
}

// stream returns the hash of the bytes of the stream of the binary cell
// column of row, read once per stream name since the last snapshot or
// compare started; ok is false when it cannot be read.
func (p *rowPrints) stream(row msi.Row, column string) (sum uint64, ok bool) {
	st, err := row.OpenStream(column)
	if err != nil {
		return 0, false
	}
	name := row.StreamName() // short: a stream has it
	if sum, ok := p.streams[name]; ok {
		return sum, true
	}
	var h maphash.Hash
	h.SetSeed(p.seed)
	if _, err := io.Copy(&h, st); err != nil {
		return 0, false
	}
	sum = h.Sum64()
	p.streams[name] = sum
	return sum, true
}

// tableShape returns t's columns and the positions of its key cells and
// of the others.
func tableShape(t *msi.Table) (cols []msi.Column, key, rest []int) {
	cols = t.Columns()
	for i, c := range cols {
		if c.Key {
			key = append(key, i)
		} else {
			rest = append(rest, i)
		}
	}
	return cols, key, rest
}

// tableBefore is a table's fingerprint before an import: for each key
// hash, the hash of the other cells (nil: the table did not exist).
type tableBefore map[uint64]uint64

// snapshot fingerprints table of db before an import replaces its rows
// (binary cells by their streams' bytes).
func (p *rowPrints) snapshot(db *msi.Database, table string) tableBefore {
	t, err := db.Table(table)
	if err != nil {
		return nil // a new table (or one the import refuses)
	}
	cols, key, rest := tableShape(t)
	p.streams = map[string]uint64{}
	s := make(tableBefore, t.Len())
	for row := range t.Rows() {
		s[p.cells(row, cols, key, false)] = p.cells(row, cols, rest, true)
	}
	return s
}

// compare counts what the import did to table against its fingerprint
// before: rows inserted, deleted and updated (an existing table keeps its
// columns, so the hashes compare cell for cell).
func (p *rowPrints) compare(db *msi.Database, table string, before tableBefore, c *importChange) error {
	t, err := db.Table(table)
	if err != nil {
		return err
	}
	c.rows = t.Len()
	if before == nil {
		c.created = true
		return nil
	}
	cols, key, rest := tableShape(t)
	p.streams = map[string]uint64{}
	seen := make(map[uint64]bool, min(len(before), t.Len()))
	for row := range t.Rows() {
		k := p.cells(row, cols, key, false)
		old, ok := before[k]
		if !ok {
			c.inserted++
			continue
		}
		if seen[k] {
			continue // a duplicate key: counted once
		}
		seen[k] = true
		if p.cells(row, cols, rest, true) != old {
			c.updated++
		}
	}
	c.deleted = len(before) - len(seen)
	return nil
}

// summaryProps returns the summary information properties of db as text,
// by id, for counting what an import changes.
func summaryProps(db *msi.Database) map[msi.PropertyID]string {
	si, err := db.SummaryInfo()
	if err != nil {
		return nil
	}
	m := map[msi.PropertyID]string{}
	for _, p := range si.Properties() {
		m[p.ID] = fmt.Sprintf("%d %d %v %q", p.Type, p.Int, p.Time, p.Raw)
	}
	return m
}

// changedProps counts the properties that differ between a and b.
func changedProps(a, b map[msi.PropertyID]string) int {
	n := 0
	for id, v := range b {
		if w, ok := a[id]; !ok || w != v {
			n++
		}
	}
	for id := range a {
		if _, ok := b[id]; !ok {
			n++
		}
	}
	return n
}
