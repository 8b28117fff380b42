package msi

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/clip"
)

// Stream names in a database are "packed" so that long names fit the
// 31-unit limit of a compound-file directory entry: characters from the
// 64-character alphabet below are stored two per UTF-16 unit (0x3800 +
// second<<6 + first) or, for a lone trailing one, as 0x4800 + index. The
// names of table streams start with the unit 0x4840.

const packAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._"

const (
	tablePrefix   = 0x4840
	maxStreamName = 31 // UTF-16 units, without the terminating NUL
)

// packIndex maps a byte to its alphabet index, or -1.
var packIndex = func() (t [128]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(packAlphabet); i++ {
		t[packAlphabet[i]] = int8(i)
	}
	return
}()

func packable(r rune) int {
	if r >= 0 && r < 128 {
		return int(packIndex[r])
	}
	return -1
}

var (
	errNameTooLong = errors.New("msi: stream name too long")
	errNameNUL     = errors.New("msi: stream name holds NUL")
)

// nameProblem words a packName error for a message about the name.
func nameProblem(err error) string {
	if errors.Is(err, errNameNUL) {
		return "name holds NUL, which no compound file entry name can ([MS-CFB] 2.6.1)"
	}
	return "name longer than 31 units when packed"
}

// packName encodes a decoded stream name; table selects the table prefix.
// It fails when the packed name exceeds 31 UTF-16 units or the name holds
// NUL, which ends a compound file's entry name. Names that start
// with U+0005 (\x05SummaryInformation, \x05DigitalSignature, ...) are
// property sets and signatures that Windows Installer and every other
// reader look up by their literal name: they are stored unpacked.
func packName(name string, table bool) ([]uint16, error) {
	if strings.IndexByte(name, 0) >= 0 {
		return nil, errNameNUL
	}
	out := make([]uint16, 0, len(name)+1)
	if !table && strings.HasPrefix(name, "\x05") {
		out = utf16.AppendRune(out[:0], 5)
		for _, r := range name[1:] {
			out = utf16.AppendRune(out, r)
		}
		if len(out) > maxStreamName {
			return nil, errNameTooLong
		}
		return out, nil
	}
	if table {
		out = append(out, tablePrefix)
	}
	rs := []rune(name)
	for i := 0; i < len(rs); i++ {
		a := packable(rs[i])
		if a < 0 {
			out = utf16.AppendRune(out, rs[i])
			continue
		}
		if i+1 < len(rs) {
			if b := packable(rs[i+1]); b >= 0 {
				out = append(out, uint16(0x3800+(b<<6)+a))
				i++
				continue
			}
		}
		out = append(out, uint16(0x4800+a))
	}
	if len(out) > maxStreamName {
		return nil, errNameTooLong
	}
	return out, nil
}

// EncodeStreamName returns the directory-entry name of the stream name
// (a decoded name such as "Binary.Icon", or a table name with table set),
// packed as Windows Installer stores it; names starting with U+0005 are
// stored as they are. It fails when the result is longer than the 31
// UTF-16 units a compound file allows, or the name holds NUL. Writers of other files built on
// the database encoding (transforms) name their streams with it.
func EncodeStreamName(name string, table bool) ([]uint16, error) {
	return packName(name, table)
}

// DecodeStreamName returns the name of the stream whose directory-entry
// name is raw, as EncodeStreamName takes it: a table's name (table is
// true) or a decoded stream name such as "Binary.Icon". Readers of files
// built on the database encoding (transforms, signatures) name a stream
// with it rather than by its packed name.
func DecodeStreamName(raw []uint16) (name string, table bool) {
	return unpackName(raw)
}

// unpackName decodes raw directory-entry name units. table reports whether
// the name had the table prefix (which is removed).
func unpackName(raw []uint16) (name string, table bool) {
	if len(raw) > 0 && raw[0] == tablePrefix {
		table = true
		raw = raw[1:]
	}
	buf := make([]uint16, 0, len(raw)*2)
	for _, c := range raw {
		switch {
		case c >= 0x3800 && c < 0x4800:
			c -= 0x3800
			buf = append(buf, uint16(packAlphabet[c&0x3f]), uint16(packAlphabet[c>>6]))
		case c >= 0x4800 && c < 0x4840:
			buf = append(buf, uint16(packAlphabet[c-0x4800]))
		default:
			buf = append(buf, c)
		}
	}
	return string(utf16.Decode(buf)), table
}

// canonicalName reports whether raw is the form packName gives name: the
// name every other reader (msiexec, msitools) looks a stream up by. Of two
// streams that decode to the same name, the canonical one is the stream.
func canonicalName(raw []uint16, name string) bool {
	want, err := packName(name, false)
	return err == nil && slices.Equal(raw, want)
}

// RowStreamNameError reports why a row of table whose key values are
// keys (in the order of its key columns) cannot have a stream, or nil
// when it can: the name Row.StreamName would give it (the table's name
// and each key, joined by ".") holds NUL, or packs into more than the 31
// UTF-16 units of a compound file's entry name. Importers check a row
// with a binary cell with it before the row is added; it allocates
// nothing for a name that fits, and looks at no more than
// MaxStreamNameBytes of a long key.
func RowStreamNameError(table string, keys []Value) error {
	if problem := rowStreamNameProblem(table, keys); problem != "" {
		return fmt.Errorf("msi: table %s: %s", clip.String(table), problem)
	}
	return nil
}

// rowStreamName returns the stream name of a row of table whose key
// values are keys, as Row.StreamName builds it.
func rowStreamName(table string, keys []Value) string {
	var b strings.Builder
	b.WriteString(table)
	for _, k := range keys {
		b.WriteByte('.')
		b.WriteString(k.String())
	}
	return b.String()
}

// rowStreamNameProblem is RowStreamNameError's reason, "" when the name
// fits.
func rowStreamNameProblem(table string, keys []Value) string {
	if strings.HasPrefix(table, "\x05") {
		// Stored as it is (see packName): rare enough to build.
		name := rowStreamName(table, keys)
		if _, err := packName(name, false); err != nil {
			return fmt.Sprintf("a row's stream name %q: %s", clip.String(name), nameProblem(err))
		}
		return ""
	}
	var c nameCounter
	c.add(table)
	var num [11]byte // an int32 in decimal
	for _, k := range keys {
		c.add(".")
		if k.kind == KindInt {
			c.add(string(strconv.AppendInt(num[:0], int64(k.n), 10)))
		} else {
			c.add(k.s)
		}
	}
	if c.pending {
		c.units++
	}
	switch {
	case c.nul:
		return fmt.Sprintf("a row's stream name %s: %s", rowNameText(table, keys), nameProblem(errNameNUL))
	case c.units > maxStreamName:
		return fmt.Sprintf("a row's stream name %s: %s", rowNameText(table, keys), nameProblem(errNameTooLong))
	}
	return ""
}

// rowNameText quotes the stream name of a row for a message, clipped.
func rowNameText(table string, keys []Value) string {
	b := []byte(table)
	for _, k := range keys {
		b = append(b, '.')
		b = clip.AppendString(b, k.String())
		if len(b) > clip.Max {
			break
		}
	}
	return strconv.Quote(clip.String(string(b)))
}

// nameCounter counts the UTF-16 units packName makes of a name given in
// pieces, stopping once the name is too long.
type nameCounter struct {
	units   int
	pending bool // a packable character waits for its pair
	nul     bool
}

func (c *nameCounter) add(s string) {
	for _, r := range s {
		if c.units > maxStreamName || c.nul {
			return
		}
		if r == 0 {
			c.nul = true
			return
		}
		if packable(r) >= 0 {
			if c.pending {
				c.units++
			}
			c.pending = !c.pending
			continue
		}
		if c.pending {
			c.units++
			c.pending = false
		}
		c.units += utf16.RuneLen(r)
	}
}

// streamCaseClash returns the stream other than name that a compound file
// would hold as the same entry as name, packed into units (the two differ
// only in case), or "" if there is none.
func (db *Database) streamCaseClash(name string, units []uint16) string {
	if !cfb.HasCase(units) {
		return ""
	}
	if db.streamCase == nil {
		db.newCaseIndex(&db.streamCase)
		for i, e := range db.streams {
			db.noteCase(db.streamCase, db.streamNames[i], e.RawName)
		}
		for n, o := range db.overlay {
			if u, err := packName(n, false); err == nil && !o.deleted {
				db.noteCase(db.streamCase, n, u)
			}
		}
	}
	if other := db.caseFound(db.streamCase, name, units, false); other != "" && db.hasStream(other) {
		return other
	}
	return ""
}

// tableCaseClash is streamCaseClash for the name of a new table, packed
// into units: the table other than name whose stream would be the same
// entry, or "".
func (db *Database) tableCaseClash(name string, units []uint16) string {
	if !cfb.HasCase(units) {
		return ""
	}
	if db.tableCase == nil {
		db.newCaseIndex(&db.tableCase)
		for _, t := range db.tables {
			if u, err := packName(t.name, true); err == nil {
				db.noteCase(db.tableCase, t.name, u)
			}
		}
	}
	if other := db.caseFound(db.tableCase, name, units, true); other != "" && db.byName[other] != nil {
		return other
	}
	return ""
}

// newCaseIndex makes the empty index *m, and the seed of the indexes.
func (db *Database) newCaseIndex(m *map[uint64]string) {
	if db.streamCase == nil && db.tableCase == nil {
		db.caseSeed = maphash.MakeSeed()
	}
	*m = map[uint64]string{}
}

// caseHash is the hash of units' cfb.NameKey that indexes them.
func (db *Database) caseHash(units []uint16) uint64 {
	var buf [2 * maxStreamName]byte
	return maphash.Bytes(db.caseSeed, cfb.AppendNameKey(buf[:0], units))
}

// caseFound returns the name other than name that m (streamCase or
// tableCase) holds for the hash of units' key, if it packs (table selects
// the table prefix) to the same cfb.NameKey; a name of the same hash but
// another key is not a clash.
func (db *Database) caseFound(m map[uint64]string, name string, units []uint16, table bool) string {
	other, ok := m[db.caseHash(units)]
	if !ok || other == name {
		return ""
	}
	u, err := packName(other, table)
	if err != nil {
		return ""
	}
	var a, b [2 * maxStreamName]byte
	if !bytes.Equal(cfb.AppendNameKey(a[:0], u), cfb.AppendNameKey(b[:0], units)) {
		return ""
	}
	return other
}

// noteCase records name, packed into units, in the index m (streamCase or
// tableCase) once it is built: by a hash of its cfb.NameKey, so that the
// index holds no copy of the names (300,000 streams of names with case:
// 13 MB more heap, not 25).
func (db *Database) noteCase(m map[uint64]string, name string, units []uint16) {
	if m != nil && cfb.HasCase(units) {
		m[db.caseHash(units)] = name
	}
}
