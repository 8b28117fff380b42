package transform

import (
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/msikit/msikit/msi"
)

// leafName returns the key for the leaf that holds component under parent:
// "<parent>_<component>" when that fits in width characters (the Feature
// key width this package declares, at most 38) and no feature (compared
// case-insensitively) has it; otherwise a shortened form (see fitIdent).
// The result depends only on its arguments and taken, so the pass is
// deterministic.
func leafName(parent, component string, width int, taken map[string]bool) string {
	return fitIdent(parent+"_"+component, width, parent+"\x00"+component, taken)
}

// fitIdent returns base as a valid Identifier of at most width characters
// that taken (lower-cased keys) does not hold: base itself when it fits
// and is free; otherwise its first width-9 characters, "_" and 8 hex
// digits of an FNV-1a hash of seed and an attempt counter (in a column
// narrower than 10 characters, "_" and as many hex digits as fit).
// Characters that may not appear in an Identifier become '_'. It returns
// "" only when width is below 2 and base does not fit.
func fitIdent(base string, width int, seed string, taken map[string]bool) string {
	base = sanitizeIdent(base)
	if len(base) <= width && !taken[strings.ToLower(base)] {
		return base
	}
	if width < 2 {
		return ""
	}
	prefix := "_"
	digits := width - 1
	if width >= 10 {
		prefix, digits = base[:min(len(base), width-9)]+"_", 8
	}
	for i := 0; i < 1<<20; i++ {
		h := fnv.New32a()
		fmt.Fprintf(h, "%s\x00%d", seed, i)
		hex := fmt.Sprintf("%08X", h.Sum32())
		if digits < 8 {
			hex = hex[:digits]
		}
		if name := prefix + hex; !taken[strings.ToLower(name)] {
			return name
		}
	}
	return ""
}

// sanitizeIdent maps s to a valid Identifier: bytes outside letters,
// digits, '_' and '.' become '_', and so does a leading digit or period.
func sanitizeIdent(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !identByte(c, i == 0) {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "_"
	}
	return string(b)
}

// identWidth returns the number of characters an identifier may have so
// that it fits every named column of this package (Table.Column; tables or
// columns the package lacks are skipped), never more than limit. A string
// column of size 0 is unlimited.
func identWidth(db *msi.Database, limit int, columns ...string) int {
	w := limit
	names := db.TableNames()
	for _, tc := range columns {
		table, column, _ := strings.Cut(tc, ".")
		if !containsString(names, table) {
			continue
		}
		t, err := db.Table(table)
		if err != nil {
			continue
		}
		if c, ok := t.Column(column); ok && c.Type == msi.ColString && c.Size > 0 && c.Size < w {
			w = c.Size
		}
	}
	return w
}

func containsString(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}
