package validate

import (
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/msi"
)

// valSpec is one _Validation row: what a column may hold.
type valSpec struct {
	nullable       bool
	min, max       int32
	hasMin, hasMax bool
	keyTable       string // the KeyTable list as written ("" for none)
	keyColumn      int
	category       string
	set            string          // the Set list as written ("" for none)
	members        map[string]bool // set's members, made on first use
	quotedSet      string          // quote(set), made on first use
	rowKey         []string        // the _Validation row's key, for reports
}

// maxKeyTables bounds the distinct tables one KeyTable list may name:
// each value of the column is looked up in each of them. Real
// _Validation tables name at most five; a hostile one naming thousands
// would make the work rows × tables. A list naming more is an ICE03
// error and its foreign keys are not checked.
const maxKeyTables = 32

// keyRef is a KeyTable list resolved against the database once: the
// value sets of the distinct tables it names that have rows, whether any
// of them exists, and the names joined for messages (clipped).
type keyRef struct {
	sets   []map[string]bool
	exists bool
	tables int    // distinct tables named
	names  string // "A or B", clipped
}

// knownCategories are the category names ICE03 accepts: the Column Data
// Types of the Windows Installer documentation, plus KeyFormatted and URL,
// which the standard _Validation table's own Category set lists.
var knownCategories = setOf("Text", "UpperCase", "LowerCase", "Integer", "DoubleInteger", "TimeDate",
	"Identifier", "Property", "Filename", "WildCardFilename", "Path", "Paths", "AnyPath", "DefaultDir",
	"RegPath", "Formatted", "FormattedSDDLText", "Template", "Condition", "Guid", "Version", "Language",
	"Binary", "CustomSource", "Cabinet", "Shortcut", "KeyFormatted", "URL")

// moduleTables are the tables only merge modules have. mergemod.cub
// brings their _Validation rows when Windows validates a module, so a
// module without them is not missing anything.
var moduleTables = setOf("ModuleSignature", "ModuleComponents", "ModuleDependency", "ModuleExclusion",
	"ModuleIgnoreTable", "ModuleConfiguration", "ModuleSubstitution", "ModuleInstallExecuteSequence",
	"ModuleInstallUISequence", "ModuleAdminExecuteSequence", "ModuleAdminUISequence",
	"ModuleAdvtExecuteSequence", "ModuleAdvtUISequence")

// categoryError is the ICE03 message title for a value its category
// refuses.
var categoryError = map[string]string{
	"Identifier": "Invalid identifier", "Guid": "Invalid GUID string", "UpperCase": "All UPPER case required",
	"LowerCase": "All lower case required", "Integer": "Invalid integer", "DoubleInteger": "Invalid integer",
	"Version": "Invalid version string", "Property": "Invalid property string", "Language": "Invalid Language Id",
	"Filename": "Invalid Filename", "WildCardFilename": "Invalid file name/usage of wildcards",
	"DefaultDir": "Invalid DefaultDir string", "Cabinet": "Bad cabinet syntax/name",
	"Condition": "Bad conditional string", "Formatted": "Invalid format string",
	"KeyFormatted": "Invalid format string", "RegPath": "Invalid registry path", "Shortcut": "Bad shortcut target",
}

// intCell reads an integer column that may be stored as text in an odd
// _Validation table.
func intCell(r msi.Row, column string) (int32, bool) {
	v := r.Get(column)
	if v.IsNull() {
		return 0, false
	}
	if s := v.Str(); s != "" {
		n, err := strconv.ParseInt(s, 10, 32)
		return int32(n), err == nil
	}
	return v.Int(), true
}

// readValidation reads the _Validation table and reports the errors in it
// (ICE03's "_Validation table:" messages).
func (c *checker) readValidation(vt *msi.Table) map[string]map[string]*valSpec {
	specs := map[string]map[string]*valSpec{}
	for r := range vt.Rows() {
		table, column := str(r, "Table"), str(r, "Column")
		s := &valSpec{nullable: str(r, "Nullable") != "N", category: str(r, "Category"), rowKey: keyOf(r)}
		s.min, s.hasMin = intCell(r, "MinValue")
		s.max, s.hasMax = intCell(r, "MaxValue")
		// Lists are split when a column they describe is checked, not
		// here: many rows may share one long list.
		if kt := str(r, "KeyTable"); kt != "" {
			s.keyTable = kt
			s.keyColumn = 1
			if n, ok := intCell(r, "KeyColumn"); ok {
				s.keyColumn = int(n)
			}
			if s.keyColumn < 1 || s.keyColumn > 32 {
				c.report(Error, "_Validation", "KeyColumn", s.rowKey, "_Validation table: KeyColumn %d is outside 1-32", s.keyColumn)
			}
		}
		s.set = str(r, "Set")
		if s.hasMin && s.hasMax && s.max < s.min {
			c.report(Error, "_Validation", "MaxValue", s.rowKey, "_Validation table: Value in MaxValue column (%d) < that in MinValue column (%d)", s.max, s.min)
		}
		if s.category != "" && !inSet(knownCategories, s.category) {
			c.report(Error, "_Validation", "Category", s.rowKey, "_Validation table: Invalid category string %s", quote(s.category))
		}
		if specs[table] == nil {
			specs[table] = map[string]*valSpec{}
		}
		specs[table][column] = s
	}
	return specs
}

// fkIndex holds, per referenced table and column, the values present,
// and each spec's KeyTable list resolved.
type fkIndex struct {
	c    *checker
	sets map[string]map[string]bool
	refs map[*valSpec]*keyRef
}

// keyRefOp names the resolution of a KeyTable list for column col in the
// text memo.
type keyRefOp struct{ col int }

// ref resolves s's KeyTable list once per spec (and once per long list
// shared by many specs): its distinct tables, in order.
func (f *fkIndex) ref(s *valSpec) *keyRef {
	if r, ok := f.refs[s]; ok {
		return r
	}
	r := memoOf(f.c.memo, s.keyTable, keyRefOp{s.keyColumn}, func() *keyRef {
		r := &keyRef{}
		seen := map[string]bool{}
		var names []string
		for kt := range strings.SplitSeq(s.keyTable, ";") {
			if seen[kt] {
				continue
			}
			seen[kt] = true
			r.tables++
			if r.tables > maxKeyTables {
				continue // counted, not looked up
			}
			if len(names) < 8 {
				names = append(names, kt)
			}
			if set, ok := f.values(kt, s.keyColumn); ok {
				r.exists = true
				if len(set) > 0 {
					r.sets = append(r.sets, set)
				}
			}
		}
		r.names = strings.Join(names, " or ")
		if r.tables > len(names) {
			r.names += fmt.Sprintf(" or %d more", r.tables-len(names))
		}
		r.names = cut(r.names, 120)
		return r
	})
	f.refs[s] = r
	return r
}

// values returns the values of column number col (1-based) of table, and
// false when the database has no such table.
func (f *fkIndex) values(table string, col int) (map[string]bool, bool) {
	k := table + "\x00" + strconv.Itoa(col)
	if s, ok := f.sets[k]; ok {
		return s, s != nil
	}
	t := f.c.table(table)
	if t == nil {
		f.sets[k] = nil
		return nil, false
	}
	set := map[string]bool{}
	cols := t.Columns()
	if col >= 1 && col <= len(cols) {
		name := cols[col-1].Name
		for r := range t.Rows() {
			v := r.Get(name).String()
			// A long value repeated in many rows is hashed once.
			memoOf(f.c.memo, v, &set, func() bool { set[v] = true; return true })
		}
	}
	f.sets[k] = set
	return set, true
}

// has reports whether text is a value of column s.keyColumn of one of
// s.keyTables (looking a long text up once, however many rows repeat it).
func (f *fkIndex) has(s *valSpec, text string) bool {
	r := f.ref(s)
	return memoOf(f.c.memo, text, s, func() bool {
		for _, set := range r.sets {
			if set[text] {
				return true
			}
		}
		return false
	})
}

// utf16Len returns the length of s in UTF-16 code units, as Windows
// Installer counts a string column's size.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2 // a surrogate pair
		} else {
			n++ // an invalid byte decodes as one U+FFFD
		}
	}
	return n
}

// ice03 checks every value against the _Validation table, as Windows
// Installer's MsiViewModify(MSIMODIFY_VALIDATE) does for ICE03.
func ice03(c *checker) {
	var specs map[string]map[string]*valSpec
	if vt := c.table("_Validation"); vt != nil {
		specs = c.readValidation(vt)
	} else {
		c.report(Info, "", "", nil, "the package has no _Validation table (shipped packages often leave it out): only duplicate keys, nulls in columns _Columns declares not nullable and string lengths are checked, not categories, ranges, sets or foreign keys")
	}
	fk := &fkIndex{c: c, sets: map[string]map[string]bool{}, refs: map[*valSpec]*keyRef{}}
	badKeyTable := map[*valSpec]bool{}
	var rows replay // the findings of a table's last row checked in full
	for _, name := range c.db.TableNames() {
		t := c.table(name)
		if t == nil || t.Len() == 0 || name == "_Validation" {
			// The _Validation table describes itself loosely (its KeyTable
			// column holds lists such as "File;Registry", categorized
			// Identifier): its rows are checked by readValidation.
			continue
		}
		cols := t.Columns()
		colSpec := make([]*valSpec, len(cols))
		for i, col := range cols {
			if col.Key && col.Localizable {
				c.report(Error, name, col.Name, nil, "Column cannot be localized: it is part of the primary key")
			}
			if specs == nil {
				continue
			}
			colSpec[i] = specs[name][col.Name]
			if colSpec[i] == nil && !(c.kind == kindModule && inSet(moduleTables, name)) {
				c.report(Error, name, col.Name, nil, "Missing data in _Validation table or old database: no _Validation row describes this column")
			}
		}
		// Rows repeating an earlier row's key, in order: the table's own
		// key index compares cells, so neither memory nor time grows with
		// the keys' lengths.
		dups := t.DuplicateKeys()
		r := -1
		var vals []msi.Value // one row's values at a time
		// The last row checked in full, and what its findings did: a
		// row identical to it (and, like it, repeating an earlier key)
		// has the same findings, counted again without building them.
		var prev []msi.Value
		prevDup := false
		for row := range t.Rows() {
			r++
			if c.stopped() {
				return
			}
			// A binary cell's value is its stream's name, built from the
			// row's key (a long pooled key shared by a million rows would
			// be copied for each); only whether it is null is checked.
			vals = vals[:0]
			for i, col := range cols {
				switch {
				case !isBinaryColumn(col):
					vals = append(vals, row.At(i))
				case row.IsNull(i):
					vals = append(vals, msi.Value{})
				default:
					vals = append(vals, msi.BinaryValue())
				}
			}
			var rowKey []string
			key := func() []string {
				if rowKey == nil {
					rowKey = keyOf(row)
				}
				return rowKey
			}
			dup := len(dups) > 0 && dups[0] == r
			if dup {
				dups = dups[1:]
				if replayRows && prevDup && c.sameValues(vals, prev) && c.replay(&rows) {
					continue
				}
			}
			c.record(&rows)
			marked := len(badKeyTable)
			if dup {
				c.report(Error, name, "", key(), "Duplicate primary key")
			}
			for i, col := range cols {
				c.checkValue(fk, badKeyTable, name, col, colSpec[i], specs != nil, vals[i], key)
			}
			c.record(nil)
			// A _Validation row reported once (badKeyTable) is not
			// reported for the rows after it.
			rows.ok = rows.ok && len(badKeyTable) == marked
			prev, prevDup = append(prev[:0], vals...), dup
		}
	}
}

// checkValue checks one cell. hasValidation tells whether the package has
// a _Validation table at all (without one, only the schema is checked).
func (c *checker) checkValue(fk *fkIndex, badKeyTable map[*valSpec]bool, table string, col msi.Column, s *valSpec, hasValidation bool, v msi.Value, key func() []string) {
	if v.IsNull() {
		if (s != nil && !s.nullable) || (!hasValidation && !col.Nullable) {
			c.report(Error, table, col.Name, key(), "Not a nullable column: the value is null")
		}
		return
	}
	if isBinaryColumn(col) {
		return
	}
	text := v.String()
	if !isIntColumn(col) && col.Size > 0 {
		if n := memoOf(c.memo, text, "utf16Len", func() int { return utf16Len(text) }); n > col.Size {
			c.report(Error, table, col.Name, key(), "String overflow (greater than length permitted in column): %d characters, the column holds %d", n, col.Size)
		}
	}
	if s == nil {
		return
	}
	if isIntColumn(col) {
		if n := v.Int(); s.hasMax && n > s.max {
			c.report(Error, table, col.Name, key(), "Value exceeds MaxValue: %d > %d", n, s.max)
		} else if s.hasMin && n < s.min {
			c.report(Error, table, col.Name, key(), "Value below MinValue: %d < %d", n, s.min)
		}
	}
	if s.set != "" {
		if s.members == nil {
			// Once per spec, and once per long list many specs share.
			s.members = memoOf(c.memo, s.set, "set", func() map[string]bool {
				m := map[string]bool{}
				for v := range strings.SplitSeq(s.set, ";") {
					m[v] = true
				}
				return m
			})
		}
		if !s.members[text] {
			// As report would write "Value not a member of the set: %s
			// is not one of %s" of the two quoted (under maxArg bytes
			// each, and under maxMessage together: neither clipped nor
			// cut), the set quoted once per spec, not once per value:
			// 760,000 values outside one long set spent a fifth of
			// ICE03's time quoting it and boxing the arguments.
			if s.quotedSet == "" {
				s.quotedSet = quote(s.set)
			}
			c.msg = appendSetMessage(c.msg[:0], text, s.quotedSet)
			c.reportMsg(Error, table, col.Name, key())
		}
	}
	var catErr error
	if !isIntColumn(col) && s.category != "" && inSet(knownCategories, s.category) {
		catErr = memoOf(c.memo, text, s.category, func() error { return checkCategory(s.category, text) })
	}
	if s.category == "Version" && s.keyTable != "" {
		// File.Version: a version, or the key of a companion file whose
		// version stands for this one's.
		if catErr == nil {
			return
		}
		if fk.has(s, text) {
			return
		}
		c.report(Error, table, col.Name, key(), "%s: %v, nor a key of %s (a companion file)", categoryError[s.category], catErr, fk.ref(s).names)
		return
	}
	if catErr != nil {
		c.report(Error, table, col.Name, key(), "%s: %v", categoryError[s.category], catErr)
	}
	if s.keyTable == "" || badKeyTable[s] {
		return
	}
	ref := fk.ref(s)
	if ref.tables > maxKeyTables {
		badKeyTable[s] = true
		c.report(Error, "_Validation", "KeyTable", s.rowKey, "_Validation table: Data in KeyTable column is incorrect: %s.%s references %d tables, more than %d: its foreign keys are not checked", table, col.Name, ref.tables, maxKeyTables)
		return
	}
	if !ref.exists {
		badKeyTable[s] = true
		c.report(Error, "_Validation", "KeyTable", s.rowKey, "_Validation table: Data in KeyTable column is incorrect: %s.%s references %s, which the database does not have", table, col.Name, quote(s.keyTable))
		return
	}
	if fk.has(s, text) {
		return
	}
	c.report(Error, table, col.Name, key(), "Not a valid foreign key: %s is not in %s (column %d)", quote(text), ref.names, s.keyColumn)
}

// setMessage is the format of ICE03's message for a value not in its
// column's set, of the value and the set quoted.
const setMessage = "Value not a member of the set: %s is not one of %s"

// appendSetMessage appends the message report makes of setMessage,
// quote(text) and quotedSet (quote of the set).
func appendSetMessage(dst []byte, text, quotedSet string) []byte {
	dst = append(dst, "Value not a member of the set: "...)
	dst = appendQuote(dst, text)
	return append(append(dst, " is not one of "...), quotedSet...)
}

// replayRows lets ICE03 count a row identical to the one before it by
// replaying that row's findings (false in the tests comparing the two
// ways).
var replayRows = true

// sameValues reports whether two rows' values are the same, without
// comparing long texts byte by byte: a text of textmemo.Min bytes or more
// is compared by its number in c.texts, given once per distinct text
// (hashed once per pool string holding it), so that rows of long texts
// alike but for their last bytes, or of one text held in two pool
// strings, cost no more than others.
func (c *checker) sameValues(a, b []msi.Value) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := &a[i], &b[i]
		if x.Kind() != y.Kind() {
			return false
		}
		switch x.Kind() {
		case msi.KindInt:
			if x.Int() != y.Int() {
				return false
			}
		case msi.KindString:
			s, t := x.String(), y.String()
			switch {
			case len(s) != len(t):
				return false
			case unsafe.StringData(s) == unsafe.StringData(t):
			case len(s) < textmemo.Min:
				if s != t {
					return false
				}
			case c.texts.ID(s) != c.texts.ID(t):
				return false
			}
		}
	}
	return true
}
