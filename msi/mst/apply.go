package mst

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/msi"
)

// ApplyOptions controls Apply.
type ApplyOptions struct {
	// Suppress, when SetSuppress is true, replaces the error conditions
	// the transform's summary information suppresses (as
	// MsiDatabaseApplyTransform's iErrorConditions does).
	Suppress    ErrorConditions
	SetSuppress bool
	// Skip lists validation checks not to enforce: a transform whose
	// validation flags rule the database out is refused with a
	// *ValidationError unless the failing check is skipped.
	Skip Check
}

// A ConditionError reports an error condition a transform met and does
// not suppress (nor ApplyOptions.Suppress): a row it adds exists, a row
// it deletes or updates does not, a table it adds exists or a table it
// drops does not, or the codepages conflict. Windows Installer fails the
// transform then.
type ConditionError struct {
	Condition ErrorConditions
	Table     string
	Key       []string // the row's key values as text
	Msg       string
}

// Error formats the error as "mst: table T row [k]: condition: message".
func (e *ConditionError) Error() string {
	var b strings.Builder
	b.WriteString("mst: ")
	if e.Table != "" {
		fmt.Fprintf(&b, "table %s ", e.Table)
	}
	if len(e.Key) > 0 {
		fmt.Fprintf(&b, "row [%s] ", strings.Join(clip.Strings(e.Key), ", "))
	}
	fmt.Fprintf(&b, "(%s): %s; the transform does not suppress this error condition", e.Condition, e.Msg)
	return b.String()
}

// A ValidationError reports a validation check of the transform's summary
// information that the database fails: it is not the database the
// transform was made for.
type ValidationError struct {
	Check     Check
	Transform string // what the transform wants
	Database  string // what the database has
	Msg       string
}

// Error formats the error with both values, each over 1 KiB clipped: a
// patch skipping each of thousands of transforms made for another
// product gives an error for each, all quoting the database's value.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("mst: the transform does not apply to this database (%s check): %s: the transform wants %q, the database has %q", e.Check, e.Msg, clip.String(e.Transform), clip.String(e.Database))
}

// Report says what Apply did.
type Report struct {
	Transform string // the transform's name
	Tables    []TableReport
	// OldCodepage and NewCodepage are the database's codepage before
	// and after (equal when unchanged).
	OldCodepage, NewCodepage int
	// Suppressed counts the error conditions met and suppressed, by
	// condition; Notes describes them (the first ones) and the records
	// skipped.
	Suppressed map[ErrorConditions]int
	Notes      []string
}

// TableReport is what Apply did to one table.
type TableReport struct {
	Table                      string
	Created, Dropped           bool
	AddedColumns               int
	Inserted, Updated, Deleted int
	Streams                    int // binary cell streams set or removed
}

// maxNotes bounds Report.Notes: a hostile transform could meet a
// condition once per record.
const maxNotes = 100

func (r *Report) note(format string, args ...any) {
	switch {
	case len(r.Notes) < maxNotes:
		r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
	case len(r.Notes) == maxNotes:
		r.Notes = append(r.Notes, "further notes left out")
	}
}

// Changed reports whether the transform changed anything.
func (r *Report) Changed() bool {
	if r.OldCodepage != r.NewCodepage {
		return true
	}
	for _, t := range r.Tables {
		if t.Created || t.Dropped || t.AddedColumns > 0 || t.Inserted+t.Updated+t.Deleted+t.Streams > 0 {
			return true
		}
	}
	return false
}

// Apply applies transform t to db in memory, as Windows Installer does
// when it installs db with TRANSFORMS=t: first the validation flags of
// t's summary information are checked against db (a *ValidationError
// unless the check is in opts.Skip), then the change records are decoded
// against db and applied: tables dropped and created, columns added, the
// codepage changed, rows inserted, updated and deleted, binary cells'
// streams set. An error condition the transform meets is suppressed when
// its summary information (or opts.Suppress) says so, and fails the apply
// with a *ConditionError otherwise. Suppressed, a full row whose key
// exists replaces the row, and an update or delete of a missing row, the
// creation of an existing table (with the same columns) or the drop of a
// missing table does nothing; each is counted in the Report.
//
// Streams of t are read when db is written, so t must stay open until
// then. On error db is left partly changed: discard it.
func Apply(db *msi.Database, t *Transform, opts *ApplyOptions) (*Report, error) {
	var o ApplyOptions
	if opts != nil {
		o = *opts
	}
	if err := Validate(db, t.Summary(), o.Skip); err != nil {
		return nil, err
	}
	c, err := t.Decode(db)
	if err != nil {
		return nil, err
	}
	suppress := t.Summary().Suppress
	if o.SetSuppress {
		suppress = o.Suppress
	}
	rep, err := ApplyChanges(db, c, suppress)
	if rep != nil {
		rep.Transform = t.Name()
	}
	return rep, err
}

// ApplyChanges applies changes c (from Transform.Decode against db, or
// from Diff with db as the old database) to db, suppressing the error
// conditions in suppress, without validation. See Apply.
func ApplyChanges(db *msi.Database, c *Changes, suppress ErrorConditions) (*Report, error) {
	rep := &Report{OldCodepage: db.Codepage(), NewCodepage: db.Codepage(), Suppressed: map[ErrorConditions]int{}}
	b := newBudget("the records and the rows they change", db.Size(), c.size)
	in := &interned{db: db}
	met := func(cond ErrorConditions, table string, key []msi.Value, msg string) error {
		keys := keyText(key)
		if suppress&cond == 0 {
			return &ConditionError{Condition: cond, Table: table, Key: keys, Msg: msg}
		}
		rep.Suppressed[cond]++
		where := ""
		if table != "" {
			where = "table " + table + " "
		}
		if len(keys) > 0 {
			// A key over 1 KiB is quoted clipped: a note is kept for
			// each of the first 100 records that meet a condition, and
			// records naming one 4 MB key held 1.2 GB of notes.
			where += "row [" + strings.Join(clip.Strings(keys), ", ") + "] "
		}
		rep.note("%s(%s, suppressed): %s", where, cond, msg)
		return nil
	}
	// The report of each table, by its index in rep.Tables: a pointer
	// into rep.Tables would point into an array append has since left
	// (the rows of a table created early were counted in a copy the
	// report no longer held), and kept every such array alive (four
	// times the last one: 68 MB for 180,000 tables created). Made room
	// for at once: about one report a table.
	rep.Tables = make([]TableReport, 0, len(c.Tables))
	reports := make(map[string]int32, len(c.Tables))
	tr := func(name string) *TableReport {
		if i, ok := reports[name]; ok {
			return &rep.Tables[i]
		}
		rep.Tables = append(rep.Tables, TableReport{Table: name})
		reports[name] = int32(len(rep.Tables) - 1)
		return &rep.Tables[len(rep.Tables)-1]
	}

	// The codepage, before any string is stored.
	if c.Codepage != 0 && c.Codepage != db.Codepage() {
		if db.Codepage() != 0 {
			if err := met(ChangeCodepage, "", nil, fmt.Sprintf("the transform's codepage is %d, the database's %d", c.Codepage, db.Codepage())); err != nil {
				return rep, err
			}
		}
		if err := db.SetCodepage(c.Codepage); err != nil {
			return rep, fmt.Errorf("mst: the transform changes the codepage to %d: %w", c.Codepage, err)
		}
		rep.NewCodepage = c.Codepage
	}

	// Not when the codepage changed: the delete records of Diff's
	// changes hold the old database's strings, of the other codepage.
	in.keysOnce = c.Codepage == db.Codepage() && !c.CodepageChange

	// Schema: tables dropped, then created, then columns added. The
	// records of a table come after its schema.
	for _, tc := range c.Tables {
		if !tc.Dropped {
			continue
		}
		if !db.HasTable(tc.Name) {
			if err := met(DeleteMissingTable, tc.Name, nil, "the transform drops a table the database does not have"); err != nil {
				return rep, err
			}
			continue
		}
		if err := db.DropTable(tc.Name); err != nil {
			return rep, err
		}
		tr(tc.Name).Dropped = true
	}
	for _, tc := range c.Tables {
		if !tc.Created {
			continue
		}
		if db.HasTable(tc.Name) {
			if err := met(AddExistingTable, tc.Name, nil, "the transform creates a table the database has"); err != nil {
				return rep, err
			}
			t, err := db.Table(tc.Name)
			if err != nil {
				return rep, err
			}
			if !sameColumns(t.Columns(), tc.Columns) {
				return rep, &msi.UnsupportedError{Table: tc.Name, Msg: "the transform creates the table with other columns than the database has"}
			}
			continue
		}
		if _, err := db.CreateTable(tc.Name, tc.Columns); err != nil {
			return rep, err
		}
		tr(tc.Name).Created = true
	}
	for _, tc := range c.Tables {
		if tc.Created || len(tc.Added) == 0 {
			continue
		}
		if tc.Columns == nil || !db.HasTable(tc.Name) {
			rep.note("table %s: %d columns not added: the database has no such table", tc.Name, len(tc.Added))
			continue
		}
		t, err := db.Table(tc.Name)
		if err != nil {
			return rep, err
		}
		for _, col := range tc.Added {
			if err := t.AddColumn(col); err != nil {
				return rep, err
			}
			tr(tc.Name).AddedColumns++
		}
	}

	// Rows.
	for _, tc := range c.Tables {
		if tc.Len() == 0 {
			if tc.Columns == nil && tc.Size > 0 {
				rep.note("table %s: %d bytes of change records skipped: the database has no such table", tc.Name, tc.Size)
			}
			continue
		}
		if !db.HasTable(tc.Name) {
			rep.note("table %s: %d change records skipped: the table does not exist", tc.Name, tc.Len())
			continue
		}
		if err := applyRows(db, c, tc, tr(tc.Name), met, b, in); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// applyRows applies the records of one table, in stream order. Deletes
// are collected and done in one pass over the table at the end, so a
// transform deleting many rows costs one pass, not one per row; a row
// deleted and then inserted again is replaced in place.
func applyRows(db *msi.Database, c *Changes, tc *TableChange, tr *TableReport, met func(ErrorConditions, string, []msi.Value, string) error, b *budget, in *interned) error {
	t, err := db.Table(tc.Name)
	if err != nil {
		return err
	}
	cols := t.Columns()
	if len(cols) != len(tc.Columns) {
		return &msi.UnsupportedError{Table: tc.Name, Msg: fmt.Sprintf("the records have %d columns, the table %d", len(tc.Columns), len(cols))}
	}
	var binary []int
	for i, col := range cols {
		if col.Type == msi.ColBinary {
			binary = append(binary, i)
		}
	}
	pending := map[string]bool{}
	var texts textmemo.IDs // long key texts, numbered in the pending keys
	flush := func() {
		if len(pending) == 0 {
			return
		}
		var kb []byte
		tr.Deleted += t.DeleteFunc(func(r msi.Row) bool {
			kb = appendKey(kb[:0], r.Key(), &texts)
			return pending[string(kb)]
		})
		clear(pending)
	}
	// streams sets or removes the binary cells' streams of a row written
	// with r (all columns when whole).
	streams := func(r Record, key []msi.Value, whole bool) error {
		if binary == nil {
			return nil
		}
		name := StreamName(tc.Name, key)
		for _, i := range binary {
			if !whole && !r.Present(i) {
				continue
			}
			if r.Values[i].IsNull() {
				if db.DeleteStream(name) == nil {
					tr.Streams++
				}
				continue
			}
			s, err := c.OpenStream(tc, r)
			if err != nil {
				return &msi.FormatError{Table: tc.Name, Stream: name, Offset: -1, Msg: "the record sets a binary cell but the transform has no stream for it", Err: err}
			}
			if err := db.SetStream(name, s, s.Size()); err != nil {
				return err
			}
			tr.Streams++
		}
		return nil
	}
	keyBuf := make([]msi.Value, tc.nkeys())
	var ks []byte // the key as appendKey writes it; map lookups with string(ks) do not allocate
	keyMask := tc.keyMask()
	for r := range tc.Records() {
		// The key is looked up by its bytes (a long one hashed once
		// when of the database's codepage); the other strings are
		// stored through in (a long one hashed once).
		if err := b.spend(in.cost(r.Values, keyMask), tc.Name); err != nil {
			return err
		}
		key := tc.keyInto(r, keyBuf)
		ks = appendKey(ks[:0], key, &texts)
		cur, exists := t.Lookup(key...)
		if exists {
			// Update reads the row's cells, not their bytes.
			if err := b.spend(cur.Len(), tc.Name); err != nil {
				return err
			}
		}
		deleted := pending[string(ks)]
		if deleted {
			exists = false
		}
		switch r.Op {
		case Insert:
			if exists || deleted {
				if exists {
					if err := met(AddExistingRow, tc.Name, key, "the transform adds a row the table has"); err != nil {
						return err
					}
				}
				// Replace the row: a suppressed add of an existing row,
				// or a row deleted and inserted again.
				in.store(r, true)
				if err := t.Update(key, func(v []msi.Value) error { copy(v, r.Values); return nil }); err != nil {
					return err
				}
				if deleted {
					delete(pending, string(ks))
					tr.Deleted++
					tr.Inserted++
				} else {
					tr.Updated++
				}
				if err := streams(r, key, true); err != nil {
					return err
				}
				continue
			}
			in.store(r, true)
			if err := t.Insert(r.Values...); err != nil {
				return err
			}
			tr.Inserted++
			if err := streams(r, key, true); err != nil {
				return err
			}
		case Update:
			if !exists {
				if err := met(UpdateMissingRow, tc.Name, key, "the transform updates a row the table does not have"); err != nil {
					return err
				}
				continue
			}
			in.store(r, false)
			err := t.Update(key, func(v []msi.Value) error {
				for i := range v {
					if r.Present(i) {
						v[i] = r.Values[i]
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			tr.Updated++
			if err := streams(r, key, false); err != nil {
				return err
			}
		case Delete:
			if !exists {
				if err := met(DeleteMissingRow, tc.Name, key, "the transform deletes a row the table does not have"); err != nil {
					return err
				}
				continue
			}
			pending[string(ks)] = true
		}
	}
	flush()
	return nil
}

// interned holds the long strings (textmemo.Min bytes or more) of a
// transform as strings of the database it is applied to: a string that
// the records set in many rows is hashed and compared into the
// database's pool once (msi.Database.Intern), and each cell set from it
// then names it by its id. Keyed by the identity of the transform's
// string (its pool's bytes).
type interned struct {
	db   *msi.Database
	long map[textmemo.Key]msi.Value
	seen map[textmemo.Key]bool // long strings cost has counted
	// keysOnce: the records' strings are of the database's codepage
	// (Changes.Codepage, once any change of codepage is applied), so a
	// long key string is hashed once by the table looking it up; keyed
	// holds those counted.
	keysOnce bool
	keyed    map[textmemo.Key]bool
}

// cost returns what a record's values cost to apply: a cell a byte, a
// string its length, once for a long one (twice: hashed and compared as
// it is stored), a few bytes after. A key string is also looked up by its
// bytes: a long one once (twice its length, then a few bytes) when the
// record's strings are of the database's codepage (msi's index remembers
// it by its pool and id, see keysOnce), else its length each time (its
// text is converted for each lookup).
func (in *interned) cost(vals []msi.Value, keyMask uint32) int {
	n := len(vals)
	for i, v := range vals {
		s := v.Str()
		key := i < 32 && keyMask&(1<<i) != 0
		switch {
		case v.Kind() != msi.KindString:
		case len(s) < textmemo.Min || key && !in.keysOnce:
			n += len(s)
		default:
			k := textmemo.KeyAt(s)
			if key && !in.keyed[k] {
				if in.keyed == nil {
					in.keyed = map[textmemo.Key]bool{}
				}
				in.keyed[k] = true
				n += 2 * len(s)
			}
			if in.seen[k] {
				n += 8
				continue
			}
			if in.seen == nil {
				in.seen = map[textmemo.Key]bool{}
			}
			in.seen[k] = true
			n += 2 * len(s)
		}
	}
	return n
}

// store replaces the string values of r that Insert (whole) or Update
// stores with the database's own strings, in column order (the order
// Insert and Update would add them to the pool, which the ids written
// follow): a long one through the memo. A value the database cannot
// take is left for Insert or Update to refuse.
func (in *interned) store(r Record, whole bool) {
	for i, v := range r.Values {
		if v.Kind() != msi.KindString || !whole && !r.Present(i) {
			continue
		}
		s := v.Str()
		var k textmemo.Key
		if len(s) >= textmemo.Min {
			k = textmemo.KeyAt(s)
			if w, ok := in.long[k]; ok {
				r.Values[i] = w
				continue
			}
		}
		w, err := in.db.Intern(v)
		if err != nil {
			continue
		}
		if len(s) >= textmemo.Min {
			if in.long == nil {
				in.long = map[textmemo.Key]msi.Value{}
			}
			in.long[k] = w
		}
		r.Values[i] = w
	}
}

// appendKey appends to b what identifies a key in the pending-delete set:
// per value its kind, then an integer, a string with its length, or for
// a long string (textmemo.Min bytes or more) L and its number in texts,
// so that rows whose keys repeat one long pooled text (a table of
// duplicate keys) neither copy nor hash it per row.
func appendKey(b []byte, key []msi.Value, texts *textmemo.IDs) []byte {
	for _, v := range key {
		b = strconv.AppendInt(b, int64(v.Kind()), 10)
		b = append(b, ':')
		switch v.Kind() {
		case msi.KindInt:
			b = strconv.AppendInt(b, int64(v.Int()), 10)
		case msi.KindString:
			if len(v.Str()) >= textmemo.Min {
				b = append(b, 'L')
				b = strconv.AppendInt(b, int64(texts.ID(v.Str())), 10)
				break
			}
			b = strconv.AppendInt(b, int64(len(v.Str())), 10)
			b = append(b, ':')
			b = append(b, v.Str()...)
		}
		b = append(b, ';')
	}
	return b
}

// keyText returns key values as text.
func keyText(key []msi.Value) []string {
	out := make([]string, len(key))
	for i, v := range key {
		out[i] = v.String()
	}
	return out
}

// sameColumns reports whether two column lists have the same names and
// shapes.
func sameColumns(a, b []msi.Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || !sameShape(a[i], b[i]) {
			return false
		}
	}
	return true
}

// sameShape reports whether two columns have the same definition.
func sameShape(a, b msi.Column) bool {
	return a.Type == b.Type && a.Size == b.Size && a.Nullable == b.Nullable && a.Key == b.Key && a.Localizable == b.Localizable
}

// Validate checks the validation flags of a transform's summary s against
// db (its ProductCode, UpgradeCode, ProductVersion and ProductLanguage
// properties, and the platform in its summary information's Template),
// skipping the checks in skip. The first failing check is returned as a
// *ValidationError. Empty values in the transform's summary (a blank
// platform or language) restrict nothing.
func Validate(db *msi.Database, s Summary, skip Check) error {
	v := s.Validation
	if v == 0 {
		return nil
	}
	props, err := properties(db, "ProductCode", "UpgradeCode", "ProductVersion", "ProductLanguage")
	if err != nil {
		return err
	}
	if v&ValidateProduct != 0 && skip&CheckProduct == 0 && s.BaseProductCode != "" {
		if !strings.EqualFold(s.BaseProductCode, props["ProductCode"]) {
			return &ValidationError{Check: CheckProduct, Transform: s.BaseProductCode, Database: props["ProductCode"], Msg: "ProductCode differs"}
		}
	}
	if v&ValidateUpgradeCode != 0 && skip&CheckUpgradeCode == 0 && s.UpgradeCode != "" {
		if !strings.EqualFold(s.UpgradeCode, props["UpgradeCode"]) {
			return &ValidationError{Check: CheckUpgradeCode, Transform: s.UpgradeCode, Database: props["UpgradeCode"], Msg: "UpgradeCode differs"}
		}
	}
	if v&ValidateLanguage != 0 && skip&CheckLanguage == 0 && s.BaseLanguage != "" {
		if !sameNumber(s.BaseLanguage, props["ProductLanguage"]) {
			return &ValidationError{Check: CheckLanguage, Transform: s.BaseLanguage, Database: props["ProductLanguage"], Msg: "ProductLanguage differs"}
		}
	}
	if v&ValidatePlatform != 0 && skip&CheckPlatform == 0 && s.BasePlatform != "" {
		si, err := db.SummaryInfo()
		if err != nil {
			return err
		}
		p, _ := splitTemplate(si.String(msi.PIDTemplate))
		if !samePlatform(s.BasePlatform, p) {
			return &ValidationError{Check: CheckPlatform, Transform: s.BasePlatform, Database: p, Msg: "the platform in the Template summary property differs"}
		}
	}
	if v&versionFields != 0 && skip&CheckVersion == 0 {
		fields := 1
		switch {
		case v&ValidateUpdateVersion != 0:
			fields = 3
		case v&ValidateMinorVersion != 0:
			fields = 2
		}
		rel := v & versionRelations
		if rel == 0 {
			rel = VersionEqual
		}
		installed, base := props["ProductVersion"], s.BaseVersion
		cmp, ok := compareVersions(installed, base, fields)
		holds := ok && (rel&VersionLess != 0 && cmp < 0 || rel&VersionLessEqual != 0 && cmp <= 0 ||
			rel&VersionEqual != 0 && cmp == 0 || rel&VersionGreaterEqual != 0 && cmp >= 0 || rel&VersionGreater != 0 && cmp > 0)
		if !holds {
			return &ValidationError{Check: CheckVersion, Transform: base, Database: installed,
				Msg: fmt.Sprintf("ProductVersion must be %s the base version, compared on %d fields", relationText(rel), fields)}
		}
	}
	return nil
}

func relationText(rel Validation) string {
	var parts []string
	for _, r := range []struct {
		v Validation
		s string
	}{{VersionLess, "<"}, {VersionLessEqual, "<="}, {VersionEqual, "="}, {VersionGreaterEqual, ">="}, {VersionGreater, ">"}} {
		if rel&r.v != 0 {
			parts = append(parts, r.s)
		}
	}
	return strings.Join(parts, " or ")
}

// properties reads the named properties of db ("" for missing ones).
func properties(db *msi.Database, names ...string) (map[string]string, error) {
	out := map[string]string{}
	if !db.HasTable("Property") {
		return out, nil
	}
	t, err := db.Table("Property")
	if err != nil {
		return nil, err
	}
	if len(t.KeyColumns()) != 1 {
		return out, nil
	}
	for _, n := range names {
		if row, ok := t.Lookup(msi.StrValue(n)); ok && row.Len() > 1 {
			out[n] = row.At(1).String()
		}
	}
	return out, nil
}

// sameNumber compares two decimal numbers ("1033", "01033"), or the text
// when one does not parse.
func sameNumber(a, b string) bool {
	x, err1 := strconv.Atoi(strings.TrimSpace(a))
	y, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil {
		return strings.TrimSpace(a) == strings.TrimSpace(b)
	}
	return x == y
}

// samePlatform compares platform names of the Template property, taking
// AMD64 (the older name) as x64.
func samePlatform(a, b string) bool {
	norm := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "amd64" {
			return "x64"
		}
		return s
	}
	return norm(a) == norm(b)
}

// compareVersions compares the first fields of two "a.b.c.d" versions;
// ok is false when one does not parse.
func compareVersions(a, b string, fields int) (int, bool) {
	pa, ok1 := parseVersion(a)
	pb, ok2 := parseVersion(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	for i := 0; i < fields; i++ {
		if pa[i] != pb[i] {
			if pa[i] < pb[i] {
				return -1, true
			}
			return 1, true
		}
	}
	return 0, true
}

func parseVersion(s string) ([4]int, bool) {
	var v [4]int
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) == 0 || len(parts) > 4 || parts[0] == "" {
		return v, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return v, false
		}
		v[i] = n
	}
	return v, true
}

// errNoTransforms is the error for a patch that lists no transform: a
// malformed patch (it matches msi.ErrFormat).
func errNoTransforms() error {
	return &msi.FormatError{Stream: msi.SummaryInfoStream, Offset: -1, Msg: "PID 8 (LastSavedBy) lists no transforms: a patch holds at least one"}
}
