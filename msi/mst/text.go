package mst

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/msi"
)

// WriteText writes c as a primary-key-aware diff of base (the database the
// changes apply to: the base of a transform, the old database of Diff),
// one line per change, for a reviewer:
//
//	codepage 0 -> 1252
//	table RemoveRegistry: created: RemoveRegistry s72 key, Root i2, Key l255, Name L255, Component_ s72
//	table AppId: dropped (3 rows)
//	table File: column added: Hash I4
//	+ Registry [reg1]	reg1	2	Software\Acme		1	Main
//	- Property [OLDPROP]	OLDPROP	x
//	~ Property [ProductVersion] Value: 1.0.0.0 -> 1.0.1.0
//	! Directory [Modified] update of a missing row (update-missing-row)
//	? summary 9 RevisionNumber: {...} -> {...} (a transform cannot change summary information)
//
// "+" is a row inserted (its values), "-" a row deleted (the row base has),
// "~" an update (each changed column, old and new), "!" a record base does
// not match (the error condition it meets), "?" a difference the
// changes cannot carry (Changes.Unexpressible) or records of a table base
// does not have. Values are written as IDT text (nulls empty), with control
// characters as \xNN; binary cells as [stream N bytes].
func WriteText(w io.Writer, base *msi.Database, c *Changes) error {
	bw := bufio.NewWriter(w)
	var baseSize int64
	if base != nil {
		baseSize = base.Size()
	}
	b := newBudget("the changes shown", baseSize, c.size)
	seen := &shownTexts{}
	if c.CodepageChange {
		fmt.Fprintf(bw, "codepage %d -> %d\n", base.Codepage(), c.Codepage)
	}
	for _, tc := range c.Tables {
		if err := writeTableText(bw, base, c, tc, b, seen); err != nil {
			bw.Flush()
			return err
		}
	}
	for _, name := range c.Unused {
		fmt.Fprintf(bw, "? stream %s: in the transform, but no binary cell names it\n", quoteText(name))
	}
	for _, d := range c.Unexpressible {
		fmt.Fprintf(bw, "? %s %s: %s -> %s (%s)\n", d.Kind, quoteText(d.Name), quoteText(d.Old), quoteText(d.New), d.Reason)
	}
	return bw.Flush()
}

func writeTableText(w *bufio.Writer, base *msi.Database, c *Changes, tc *TableChange, b *budget, seen *shownTexts) error {
	name := quoteText(tc.Name)
	var bt *msi.Table
	if base != nil && base.HasTable(tc.Name) {
		t, err := base.Table(tc.Name)
		if err != nil {
			return err
		}
		bt = t
	}
	switch {
	case tc.Dropped && tc.Created:
		fmt.Fprintf(w, "table %s: dropped and created again: %s\n", name, columnsText(tc.Columns))
	case tc.Dropped:
		rows := ""
		if bt != nil {
			rows = fmt.Sprintf(" (%d rows)", bt.Len())
		} else {
			rows = " (! the database has no such table: delete-missing-table)"
		}
		fmt.Fprintf(w, "table %s: dropped%s\n", name, rows)
	case tc.Created:
		exists := ""
		if bt != nil {
			exists = " (! the database has the table: add-existing-table)"
		}
		fmt.Fprintf(w, "table %s: created: %s%s\n", name, columnsText(tc.Columns), exists)
	case len(tc.Added) > 0:
		fmt.Fprintf(w, "table %s: columns added: %s\n", name, columnsText(tc.Added))
	}
	if tc.Columns == nil {
		if tc.Size > 0 {
			fmt.Fprintf(w, "? table %s: %d bytes of change records for a table the database does not have\n", name, tc.Size)
		}
		return nil
	}
	if bt != nil && tc.Created {
		bt = nil // the records are for the transform's table
	}
	keyBuf := make([]msi.Value, tc.nkeys())
	// The names an update line quotes, each quoted (and a name over 1 KiB
	// clipped) once for the table, not for each record: 30,000 updates of
	// 15 columns named by 64 KiB texts printed 29 GB (37 s for two 2 MB
	// packages).
	var colNames []string
	for r := range tc.Records() {
		// What a record costs is its key, looked up in base by its
		// bytes, and the text written (seen.shown): a long value is
		// written whole a few times, then clipped, so that 200,000
		// records naming one 60 KB text cost what they print.
		if err := b.spend(seen.take(), tc.Name); err != nil {
			return err
		}
		key := tc.keyInto(r, keyBuf)
		if err := b.spend(valuesBytes(key), tc.Name); err != nil {
			return err
		}
		// A key over 1 KiB is labelled clipped, as a column name is: a
		// record of a missing row prints only its key, and records
		// naming one 4.5 MB key printed 337 MB for a 4.5 MB transform.
		keys := keyText(key)
		for i := range keys {
			keys[i] = quoteText(clip.String(keys[i]))
		}
		keyText := strings.Join(keys, ", ")
		var cur msi.Row
		exists := false
		if bt != nil {
			cur, exists = bt.Lookup(key...)
		}
		switch r.Op {
		case Insert:
			if exists {
				put(w, "! ", name, " [", keyText, "] insert of a row the table has (add-existing-row): ", rowText(c, tc, r, r.Values, seen), "\n")
				continue
			}
			put(w, "+ ", name, " [", keyText, "]\t", rowText(c, tc, r, r.Values, seen), "\n")
		case Delete:
			if bt == nil {
				put(w, "- ", name, " [", keyText, "]\n")
				continue
			}
			if !exists {
				put(w, "! ", name, " [", keyText, "] delete of a missing row (delete-missing-row)\n")
				continue
			}
			put(w, "- ", name, " [", keyText, "]\t", baseRowText(cur, seen), "\n")
		case Update:
			if !exists {
				put(w, "! ", name, " [", keyText, "] update of a missing row (update-missing-row):")
			} else {
				put(w, "~ ", name, " [", keyText, "]")
			}
			if colNames == nil {
				colNames = make([]string, len(tc.Columns))
				for i, col := range tc.Columns {
					colNames[i] = quoteText(clip.String(col.Name))
				}
			}
			for i, col := range tc.Columns {
				if !r.Present(i) || col.Key {
					continue
				}
				old := ""
				if exists && i < cur.Len() {
					old = cellText(cur.At(i), cur, i, seen)
				}
				put(w, " ", colNames[i], ": ", old, " -> ", cellTextRecord(c, tc, r, i, seen), ";")
			}
			w.WriteByte('\n')
		}
	}
	return b.spend(seen.take(), tc.Name)
}

// put writes the strings to w: the per-record lines are written without
// fmt, whose printers come from a sync.Pool (which the race detector
// empties at random, making each line allocate a printer).
func put(w *bufio.Writer, parts ...string) {
	for _, p := range parts {
		w.WriteString(p)
	}
}

// columnsText lists columns as "Name type[ key]".
func columnsText(cols []msi.Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = quoteText(clip.String(c.Name)) + " " + c.IDTType()
		if c.Key {
			parts[i] += " key"
		}
	}
	return strings.Join(parts, ", ")
}

// rowText writes a record's values tab-separated.
func rowText(c *Changes, tc *TableChange, r Record, vals []msi.Value, seen *shownTexts) string {
	parts := make([]string, len(vals))
	for i := range vals {
		parts[i] = cellTextRecord(c, tc, r, i, seen)
	}
	return strings.Join(parts, "\t")
}

// baseRowText writes a row of the base tab-separated.
func baseRowText(row msi.Row, seen *shownTexts) string {
	parts := make([]string, row.Len())
	for i := range parts {
		parts[i] = cellText(row.At(i), row, i, seen)
	}
	return strings.Join(parts, "\t")
}

// cellText is a base cell as text.
func cellText(v msi.Value, row msi.Row, i int, seen *shownTexts) string {
	if v.Kind() == msi.KindBinary {
		col := row.Table().Columns()[i]
		s, err := row.OpenStream(col.Name)
		if err != nil {
			return "[stream missing]"
		}
		return fmt.Sprintf("[stream %d bytes]", s.Size())
	}
	return seen.quote(v.String())
}

// cellTextRecord is a record's cell as text.
func cellTextRecord(c *Changes, tc *TableChange, r Record, i int, seen *shownTexts) string {
	v := r.Values[i]
	if v.Kind() == msi.KindBinary {
		s, err := c.OpenStream(tc, r)
		if err != nil {
			return "[stream missing]"
		}
		return fmt.Sprintf("[stream %d bytes]", s.Size())
	}
	return seen.quote(v.String())
}

// maxQuotedWhole is how many times a text shows one value over clip.Max
// bytes whole; then clipped. Real differences repeat a long value a few
// times (a license text in a deleted and an inserted Control row, in
// several dialogs).
const maxQuotedWhole = 8

// shownTexts counts the values over clip.Max bytes a text has quoted in
// full, by their bytes' identity (textmemo): such a value is quoted whole
// maxQuotedWhole times, then clipped (its first bytes and its length).
// 320 inserted rows of 15 cells sharing one pooled 64 KiB text printed
// 315 MB for a 4.5 MB package; a transform of updates setting one 60 KB
// text, 66 MB for 70 KB.
type shownTexts struct {
	long  textmemo.Index[shownText]
	shown int // the bytes quote has read since take
}

// shownText is how often a long value was quoted whole, and once
// maxQuotedWhole times, its clipped quote (made once: 200,000 records
// naming one text clipped it 200,000 times, 25 MB).
type shownText struct {
	whole   int
	clipped string
}

// quote returns s as quoteText writes it, or clipped when it is over
// clip.Max bytes and was quoted whole maxQuotedWhole times.
func (t *shownTexts) quote(s string) string {
	if len(s) > clip.Max {
		st := t.long.Get(s)
		if st.whole >= maxQuotedWhole {
			if st.clipped == "" {
				st.clipped = quoteText(clip.String(s))
				t.long.Set(s, st)
			}
			t.shown += len(st.clipped) + 1
			return st.clipped
		}
		st.whole++
		t.long.Set(s, st)
	}
	t.shown += len(s) + 1
	return quoteText(s)
}

// take returns the bytes quote has read since the last take.
func (t *shownTexts) take() int {
	n := t.shown
	t.shown = 0
	return n
}

// quoteText writes control characters (and DEL) as \xNN, so that a value
// stays on its line and in its column.
func quoteText(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			fmt.Fprintf(&b, `\x%02x`, s[i])
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
