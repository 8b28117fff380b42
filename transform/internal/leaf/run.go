package leaf

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/transform/internal/edit"

	"github.com/msikit/msikit/msi"
)

// entryTables are the tables SplitAdvertised reads entry points from,
// with the column that names the feature.
var entryTables = []struct{ table, column string }{
	{"Class", "Feature_"},
	{"Extension", "Feature_"},
	{"Shortcut", "Target"},
	{"TypeLib", "Feature_"},
	{"PublishComponent", "Feature_"},
	{"MsiAssembly", "Feature_"},
}

// Run moves each advertised component of db into a hidden leaf feature
// (transform.SplitAdvertised documents what it does) and returns what it
// did. Tables, when not nil, names the entry-point tables (checked by
// transform); an error wrapping edit.ErrTooManyChanges, or opts.Stop's
// error, leaves db unchanged.
func Run(db *msi.Database, opts Options) (*edit.Log, error) {
	rep := &edit.Log{Sink: opts.Sink, NoteSink: opts.NoteSink}
	r, err := readInput(db, rep, opts.Stop, opts.Shared)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return rep, nil
	}
	plan := makePlan(&r.in, opts, rep)
	// Stopped while planning: the plan is partial, and nothing has been
	// changed yet. Past this point the plan is applied whole.
	if opts.Stop.Stopped() {
		return nil, opts.Stop.Err()
	}
	if plan.over != "" {
		return nil, edit.TooMany(plan.over)
	}
	if len(plan.RemoveFC)+len(plan.AddFC) > 0 {
		// The pass changes FeatureComponents: the pairs held for later
		// passes would no longer be the table's.
		opts.Shared.Forget()
	}
	if err := r.apply(plan); err != nil {
		return nil, err
	}
	return rep, nil
}

// EntryTable reports whether name is a table the pass can read entry
// points from.
func EntryTable(name string) bool {
	for _, et := range entryTables {
		if et.table == name {
			return true
		}
	}
	return false
}

// reader holds what readInput read, with the tables to edit.
type reader struct {
	db *msi.Database
	in Input
	// extensions describes each extension's Verb and MIME rows.
	extensions *textmemo.Index[string]
	elided     elidedRows
}

// A tableSource is what reading an entry-point table's rows needs: the
// pass changes no entry table before it updates the entries, and an
// update leaves every row where it is, so an Entry's row number keeps
// naming its row.
type tableSource struct {
	t *msi.Table
	// keyCols are the numbers of the key columns; prefix says they
	// are the row's first columns, in order.
	keyCols []int
	prefix  bool
	// extension is the Extension column's number, or -1.
	extension int
}

// optTable returns the named table, or nil when the database has none.
func optTable(db *msi.Database, name string) (*msi.Table, error) {
	t, err := edit.Table(db, name)
	if err != nil {
		return nil, fmt.Errorf("transform: leaf-features: %w", err)
	}
	return t, nil
}

// needColumns returns an error naming the first missing column.
func needColumns(t *msi.Table, names ...string) error {
	for _, n := range names {
		if _, ok := t.Column(n); !ok {
			// A table with the standard name but not the standard
			// columns: valid, but not something this pass can edit.
			return fmt.Errorf("transform: leaf-features: %w", &msi.UnsupportedError{Table: t.Name(), Msg: "no column " + n + " (not the standard schema)"})
		}
	}
	return nil
}

// readInput reads the tables the pass needs, FeatureComponents through
// shared (nil: read here). It returns nil (and a note) when the database
// has no Feature or FeatureComponents table, and stop's error once stop
// says to stop.
func readInput(db *msi.Database, rep *edit.Log, stop *edit.Stop, shared *edit.Shared) (*reader, error) {
	ft, err := optTable(db, "Feature")
	if err != nil {
		return nil, err
	}
	fct, err := optTable(db, "FeatureComponents")
	if err != nil {
		return nil, err
	}
	if ft == nil || fct == nil {
		rep.Note(edit.Info, "", nil, "no Feature or FeatureComponents table (a merge module or patch?); nothing to split")
		return nil, nil
	}
	if err := needColumns(ft, "Feature", "Feature_Parent", "Display", "Level", "Attributes"); err != nil {
		return nil, err
	}
	if err := needColumns(fct, "Feature_", "Component_"); err != nil {
		return nil, err
	}
	lr := &reader{db: db}
	// A leaf's name goes into every feature column of this package, as
	// wide as it declares them (some declare Feature.Feature 32 wide).
	lr.in.FeatureWidth = edit.IdentWidth(db, maxFeatureKey, "Feature.Feature", "Feature.Feature_Parent",
		"FeatureComponents.Feature_", "Condition.Feature_", "Class.Feature_", "Extension.Feature_",
		"Shortcut.Target", "TypeLib.Feature_", "PublishComponent.Feature_", "MsiAssembly.Feature_")
	for row := range ft.Rows() {
		if stop.Tick() {
			return nil, stop.Err()
		}
		d := row.Get("Display")
		lr.in.Features = append(lr.in.Features, Feature{
			Name:        row.Get("Feature").Str(),
			Parent:      row.Get("Feature_Parent").Str(),
			Title:       row.Get("Title").String(),
			Description: row.Get("Description").String(),
			Display:     d.Int(),
			DisplayNull: d.IsNull(),
			Level:       row.Get("Level").Int(),
			Directory:   row.Get("Directory_").String(),
			Attributes:  row.Get("Attributes").Int(),
		})
	}
	if lr.in.featureComponents, err = shared.FeatureComponents(fct, stop); err != nil {
		return nil, err
	}
	ct, err := optTable(db, "Component")
	if err != nil {
		return nil, err
	}
	if ct != nil {
		if err := needColumns(ct, "Component"); err != nil {
			return nil, err
		}
		lr.in.Components = []string{}
		for row := range ct.Rows() {
			if stop.Tick() {
				return nil, stop.Err()
			}
			lr.in.Components = append(lr.in.Components, row.Get("Component").Str())
		}
	}
	cond, err := optTable(db, "Condition")
	if err != nil {
		return nil, err
	}
	if cond != nil {
		if err := needColumns(cond, "Feature_", "Level", "Condition"); err != nil {
			return nil, err
		}
		for row := range cond.Rows() {
			if stop.Tick() {
				return nil, stop.Err()
			}
			lr.in.Conditions = append(lr.in.Conditions, Condition{
				Feature: row.Get("Feature_").Str(), Level: row.Get("Level").Int(), Condition: row.Get("Condition").Str(),
			})
		}
	}

	if lr.extensions, err = extensionRelated(db, stop); err != nil {
		return nil, err
	}
	lr.in.rows = lr
	for _, et := range entryTables {
		t, err := optTable(db, et.table)
		if err != nil {
			return nil, err
		}
		if t == nil {
			continue
		}
		col, ok := t.Column(et.column)
		comp, ok2 := t.Column("Component_")
		if !ok || !ok2 {
			rep.Note(edit.Warning, et.table, nil, "table has no %s or Component_ column; its rows are left alone", et.column)
			continue
		}
		ts := &tableSource{t: t, prefix: true, extension: -1}
		for i, k := range t.KeyColumns() {
			ts.keyCols = append(ts.keyCols, k.Number-1)
			ts.prefix = ts.prefix && k.Number-1 == i
		}
		if c, ok := t.Column("Extension"); ok && et.table == "Extension" {
			ts.extension = c.Number - 1
		}
		src := &source{Table: et.table, Column: et.column, ColIndex: col.Number - 1, tab: ts}
		if lr.in.Entries == nil {
			lr.in.Entries = make([]Entry, 0, entryCount(db))
		}
		fi, ci := col.Number-1, comp.Number-1
		for i := range t.Len() {
			if stop.Tick() {
				return nil, stop.Err()
			}
			row := t.Row(i)
			lr.in.Entries = append(lr.in.Entries, Entry{
				src:       src,
				Component: edit.StrAt(row, ci),
				Feature:   edit.StrAt(row, fi),
				row:       i,
			})
		}
	}
	return lr, nil
}

// entryCount returns the number of rows of the entry tables db has.
func entryCount(db *msi.Database) int {
	n := 0
	for _, et := range entryTables {
		if t, err := edit.Table(db, et.table); err == nil && t != nil {
			n += t.Len()
		}
	}
	return n
}

// key returns e's primary key as IDT text.
func (lr *reader) key(e *Entry) []string {
	ts := e.src.tab
	row := ts.t.Row(e.row)
	key := make([]string, len(ts.keyCols))
	for j, k := range ts.keyCols {
		key[j] = row.At(k).String()
	}
	return key
}

// related describes the Verb and MIME rows of an Extension entry.
func (lr *reader) related(e *Entry) string {
	ts := e.src.tab
	if ts.extension < 0 || lr.extensions.Len() == 0 {
		return ""
	}
	return lr.extensions.Get(edit.StrAt(ts.t.Row(e.row), ts.extension))
}

// update returns the Key, Old and New of the change that sets e's
// feature column to feature: the row as IDT text before and after,
// each other cell longer than edit.MaxUnchangedCell elided
// (edit.UpdateRows), in one allocation, the key the first cells of Old
// when it can be (every key cell shown whole).
func (lr *reader) update(e *Entry, feature string) (key, old, new []string) {
	ts := e.src.tab
	row := ts.t.Row(e.row)
	n, keep := row.Len(), e.src.ColIndex
	cells := make([]string, 2*n)
	old, new = cells[:n:n], cells[n:]
	whole := ts.prefix
	for i := range old {
		s := row.At(i).String()
		if i != keep && len(s) > edit.MaxUnchangedCell {
			s = lr.elided.text(s)
			whole = whole && i >= len(ts.keyCols)
		}
		old[i] = s
	}
	copy(new, old)
	if keep >= 0 && keep < n {
		new[keep] = feature
	}
	if whole {
		key = old[:len(ts.keyCols):len(ts.keyCols)]
	} else {
		key = lr.key(e)
	}
	old, new = edit.UpdateRows(old, new)
	return key, old, new
}

// elidedRows holds the text edit.Elided gives a cell of each length: the
// elided text of one length is made once, so thousands of rows sharing
// a long pooled string share one short text in the report too.
type elidedRows map[int]string

// text returns edit.Elided(cell).
func (m *elidedRows) text(cell string) string {
	if *m == nil {
		*m = make(elidedRows)
	}
	e, ok := (*m)[len(cell)]
	if !ok {
		e = edit.Elided(cell)
		(*m)[len(cell)] = e
	}
	return e
}

// Bounds of the description of an extension's Verb and MIME rows that
// each of its changes carries: the first maxRelated of each table, each
// name over maxRelatedName bytes clipped, and a count of the rest. All
// of them, joined whole, were a text as long as the rows' names added up:
// 650,000 MIME rows of one extension, each naming one pooled 480 KiB
// ContentType (a 4.9 MB package), asked for 312 GB, and rewrite died out
// of memory.
const (
	maxRelated     = 8
	maxRelatedName = 64
)

// related are the Verb or MIME rows of one extension: the names of the
// first maxRelated, and how many more there are.
type related struct {
	names []string
	more  int
}

// relatedName returns a Verb or ContentType as a description lists it.
func relatedName(s string) string { return clip.Cut(s, maxRelatedName, maxRelatedName/2) }

// text returns kind and the names, "Verb open, print" or "MIME a, b and
// 12 more".
func (r *related) text(kind string) string {
	s := kind + " " + strings.Join(r.names, ", ")
	if r.more > 0 {
		s += " and " + strconv.Itoa(r.more) + " more"
	}
	return s
}

// extensionRelated describes each extension's Verb and MIME rows.
func extensionRelated(db *msi.Database, stop *edit.Stop) (*textmemo.Index[string], error) {
	// Indexes: Extension_ is a cell, which may name a long pooled text.
	var verbs, mimes textmemo.Index[*related]
	for _, src := range []struct {
		table, col string
		into       *textmemo.Index[*related]
	}{{"Verb", "Verb", &verbs}, {"MIME", "ContentType", &mimes}} {
		t, err := optTable(db, src.table)
		if err != nil {
			return nil, err
		}
		if t == nil {
			continue
		}
		for row := range t.Rows() {
			if stop.Tick() {
				return nil, stop.Err()
			}
			ext := row.Get("Extension_").Str()
			r := src.into.Get(ext)
			if r == nil {
				r = &related{}
				src.into.Set(ext, r)
			}
			if len(r.names) < maxRelated {
				r.names = append(r.names, relatedName(row.Get(src.col).String()))
			} else {
				r.more++
			}
		}
	}
	// An index: each Extension row looks its description up by a cell.
	out := &textmemo.Index[string]{}
	for ext, v := range verbs.All() {
		out.Set(ext, v.text("Verb"))
	}
	for ext, m := range mimes.All() {
		s := out.Get(ext)
		if s != "" {
			s += "; "
		}
		out.Set(ext, s+m.text("MIME"))
	}
	return out, nil
}

// apply makes the planned edits.
func (lr *reader) apply(plan *Plan) error {
	if plan.empty() {
		return nil
	}
	db := lr.db
	wrap := func(err error) error { return fmt.Errorf("transform: leaf-features: %w", err) }

	ft, err := db.Table("Feature")
	if err != nil {
		return wrap(err)
	}
	for _, f := range plan.Features {
		cols := ft.Columns()
		vals := make([]msi.Value, len(cols))
		for i, c := range cols {
			switch c.Name {
			case "Feature":
				vals[i] = msi.StrValue(f.Name)
			case "Feature_Parent":
				vals[i] = msi.StrValue(f.Parent)
			case "Display":
				vals[i] = msi.IntValue(f.Display)
			case "Level":
				vals[i] = msi.IntValue(f.Level)
			case "Attributes":
				vals[i] = msi.IntValue(f.Attributes)
			}
		}
		if err := ft.Insert(vals...); err != nil {
			return wrap(err)
		}
	}

	if len(plan.Conditions) > 0 {
		ct, err := db.Table("Condition")
		if err != nil {
			return wrap(err)
		}
		for _, c := range plan.Conditions {
			if err := insertNamed(ct, map[string]msi.Value{
				"Feature_": msi.StrValue(c.Feature), "Level": msi.IntValue(c.Level), "Condition": msi.StrValue(c.Condition),
			}); err != nil {
				return wrap(err)
			}
		}
	}

	fct, err := db.Table("FeatureComponents")
	if err != nil {
		return wrap(err)
	}
	// The rows are added before the moved ones are removed: Insert looks
	// keys up in the table's key index, which an earlier pass's Insert
	// may have built already and DeleteFunc drops (a million rows
	// indexed again). Each added row names a leaf, a feature no row had
	// (no feature of the package, so never the parent a removed row
	// names): none is removed, and the table ends as removing first
	// leaves it, the kept rows in order, then the added ones.
	for _, r := range plan.AddFC {
		if err := insertNamed(fct, map[string]msi.Value{
			"Feature_": msi.StrValue(r.Feature), "Component_": msi.StrValue(r.Component),
		}); err != nil {
			return wrap(err)
		}
	}
	if len(plan.RemoveFC) > 0 {
		// Pairs numbers the names through textmemo.Index: rows repeating
		// one long name are not hashed per row.
		rm := edit.NewPairs(len(plan.RemoveFC))
		for _, r := range plan.RemoveFC {
			rm.Add(r.Feature, r.Component)
		}
		fi, ci := edit.ColumnIndex(fct, "Feature_"), edit.ColumnIndex(fct, "Component_")
		fct.DeleteFunc(func(row msi.Row) bool {
			// The component is read only in the rows of a feature
			// that lost one: most rows keep theirs.
			f := edit.StrAt(row, fi)
			return rm.NumRights(f) > 0 && rm.Has(f, edit.StrAt(row, ci))
		})
	}

	// One key buffer for every update: Update keeps none of it.
	var key []msi.Value
	for _, m := range plan.Moves {
		for _, e := range m.Entries {
			t, idx := e.src.tab.t, e.src.ColIndex
			key = t.Row(e.row).AppendKey(key[:0])
			if err := t.Update(key, func(vals []msi.Value) error {
				vals[idx] = msi.StrValue(m.Leaf)
				return nil
			}); err != nil {
				return wrap(err)
			}
		}
	}
	return nil
}

// insertNamed inserts a row given by column name; other columns are null.
func insertNamed(t *msi.Table, byName map[string]msi.Value) error {
	cols := t.Columns()
	vals := make([]msi.Value, len(cols))
	for i, c := range cols {
		vals[i] = byName[c.Name]
	}
	return t.Insert(vals...)
}
