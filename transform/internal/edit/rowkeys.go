package edit

import (
	"strconv"

	"github.com/msikit/msikit/internal/textmemo"
)

// RowKeys names rows by their table and key cells, as map keys. The zero
// value is ready to use; the names of one RowKeys compare equal exactly
// when the tables and key cells are equal.
type RowKeys struct {
	long textmemo.IDs // key cells of textmemo.Min bytes or more, numbered
}

// Key names the row of table whose key cells are k: each part is written
// as its length, a colon and its text, except that a cell of
// textmemo.Min bytes or more is written as its length and a number (the
// length tells which), so that the names of rows whose keys name one
// long pooled text do not each copy it, nor hash it when looked up
// (thousands of rows naming a 900 KB text would otherwise take GBs).
func (ks *RowKeys) Key(table string, k []string) string {
	b := make([]byte, 0, 64)
	b = strconv.AppendInt(b, int64(len(table)), 10)
	b = append(b, ':')
	b = append(b, table...)
	for _, c := range k {
		b = append(b, 0)
		b = strconv.AppendInt(b, int64(len(c)), 10)
		b = append(b, ':')
		if len(c) < textmemo.Min {
			b = append(b, c...)
			continue
		}
		b = strconv.AppendInt(b, int64(ks.long.ID(c)), 10)
	}
	return string(b)
}
