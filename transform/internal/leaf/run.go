package transform

import (
	"fmt"
	"github.com/msikit/msikit/transform/internal/edit"
	"slices"
	"strings"

	"github.com/msikit/msikit/msi"
)

// SplitAdvertisedOptions controls SplitAdvertised. The zero value is the
// recommended setting.
type SplitAdvertisedOptions struct {
	// KeepInParent keeps each advertised component's FeatureComponents row
	// in its original feature as well as adding it to the leaf. The
	// component is then still covered by the big feature's health check
	// (its repairs are not narrowed), but no row is removed. By default the
	// row moves.
	KeepInParent bool

	// DisallowAdvertise sets msidbFeatureAttributesDisallowAdvertise (8)
	// on every leaf. By default a leaf takes that bit (and
	// msidbFeatureAttributesNoUnsupportedAdvertise, 32) from its parent:
	// ICE10 forbids a child that disallows advertising under a parent that
	// allows it, and such a leaf stays absent in an advertise-only install,
	// leaving its entry points unregistered. Each leaf where this differs
	// from the parent gets a warning.
	DisallowAdvertise bool

	// AllowAbsent leaves msidbFeatureAttributesUIDisallowAbsent (16) off
	// the leaves. By default it is set, so that the leaf cannot be made
	// absent on its own through a user interface.
	AllowAbsent bool

	// Tables lists the entry-point tables whose rows start a split. Nil
	// means Class, Extension, Shortcut, TypeLib and PublishComponent.
	// "MsiAssembly" may be added to split assemblies' features as well.
	// Rows of the other tables that name the same feature and component
	// as a split entry point follow it into the leaf (unless KeepInParent),
	// so that no row names a feature that no longer holds its component.
	Tables []string

	// MaxChanges bounds the row changes the pass may make. 0 means
	// DefaultMaxChanges. Past it SplitAdvertised changes nothing and
	// returns an error wrapping ErrTooManyChanges.
	MaxChanges int
}

// leafEntryTables are the tables SplitAdvertised reads entry points from,
// with the column that names the feature.
var leafEntryTables = []struct{ table, column string }{
	{"Class", "Feature_"},
	{"Extension", "Feature_"},
	{"Shortcut", "Target"},
	{"TypeLib", "Feature_"},
	{"PublishComponent", "Feature_"},
	{"MsiAssembly", "Feature_"},
}

// SplitAdvertised moves each advertised component into a small hidden
// leaf feature under the feature its entry points named, so that a
// resiliency health check started by an entry point covers only that
// component instead of every component of a big feature.
//
// Entry points are Class and Extension rows (an Extension's Verb and MIME
// rows key on the extension and travel with it), Shortcut rows whose
// Target is a feature name, TypeLib and PublishComponent rows. They are
// grouped by (feature, component); each group gets one new Feature row
// keyed "<feature>_<component>" when that fits the 38-character Feature key
// and no feature has it (compared without case), else the first 29
// characters of it, "_" and 8 hex digits of an FNV-1a hash of feature,
// component and an attempt number; with Feature_Parent = the original feature,
// Display 0, Level = the parent's Level, Directory_ null and Attributes
// msidbFeatureAttributesFollowParent|msidbFeatureAttributesUIDisallowAbsent
// (18) plus the parent's advertise restrictions. The component's
// FeatureComponents row moves from the original feature to the leaf, the
// entry points' feature columns are re-pointed to it, and the parent's
// Condition rows are copied to it, so that its level equals its parent's
// even when a condition enables a parent authored at level 0.
//
// Entry points that already name a feature holding only their component
// (in particular the leaves of an earlier run) are left alone, so the pass
// is idempotent. So are entry points whose feature does not hold their
// component: a leaf would add the component to what selecting that
// feature installs (a warning, or a note when the feature holds no
// components and its health check is already minimal). Components also
// held by other features stay there (an info note names them). Odd data (features or components that do not exist,
// Feature_Parent cycles, a tree already at the depth limit of 16) is left
// alone with a warning in the report; it never makes the pass fail.
//
// SplitAdvertised edits db in memory. If it returns an error the database
// may be partly changed and should be discarded. Writing a changed signed
// package fails with msi.ErrSigned unless the caller drops the signature
// (msi.SaveOptions).
func SplitAdvertised(db *msi.Database, opts SplitAdvertisedOptions) (*Report, error) {
	rep := &Report{Pass: "leaf-features", Changes: []Change{}, Notes: []Note{}}
	lo := leafOptions{
		KeepInParent:      opts.KeepInParent,
		DisallowAdvertise: opts.DisallowAdvertise,
		AllowAbsent:       opts.AllowAbsent,
		MaxChanges:        opts.MaxChanges,
	}
	if opts.Tables != nil {
		lo.Tables = make(map[string]bool)
		for _, name := range opts.Tables {
			known := false
			for _, et := range leafEntryTables {
				known = known || et.table == name
			}
			if !known {
				return nil, fmt.Errorf("transform: leaf-features: %q is not an entry-point table", name)
			}
			lo.Tables[name] = true
		}
	}

	r, err := readLeafInput(db, rep)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return rep, nil
	}
	plan := planLeaves(&r.in, lo, rep)
	if plan.over != "" {
		return nil, edit.TooMany(plan.over)
	}
	if err := r.apply(plan); err != nil {
		return nil, err
	}
	return rep, nil
}

// leafReader holds what readLeafInput read, with the tables to edit.
type leafReader struct {
	db   *msi.Database
	in   leafInput
	keys [][]msi.Value // primary key of in.Entries[i], by leafEntry.ref
}

func hasTable(db *msi.Database, name string) bool {
	return slices.Contains(db.TableNames(), name)
}

// table returns the named table, or nil when the database has none.
func optTable(db *msi.Database, name string) (*msi.Table, error) {
	if !hasTable(db, name) {
		return nil, nil
	}
	t, err := db.Table(name)
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

func rowText(r msi.Row) []string {
	vals := r.Values()
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = v.String()
	}
	return out
}

func valuesText(vals []msi.Value) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = v.String()
	}
	return out
}

// readLeafInput reads the tables the pass needs. It returns nil (and a
// note) when the database has no Feature or FeatureComponents table.
func readLeafInput(db *msi.Database, rep *Report) (*leafReader, error) {
	ft, err := optTable(db, "Feature")
	if err != nil {
		return nil, err
	}
	fct, err := optTable(db, "FeatureComponents")
	if err != nil {
		return nil, err
	}
	if ft == nil || fct == nil {
		rep.note(Info, "", nil, "no Feature or FeatureComponents table (a merge module or patch?); nothing to split")
		return nil, nil
	}
	if err := needColumns(ft, "Feature", "Feature_Parent", "Display", "Level", "Attributes"); err != nil {
		return nil, err
	}
	if err := needColumns(fct, "Feature_", "Component_"); err != nil {
		return nil, err
	}
	lr := &leafReader{db: db}
	// A leaf's name goes into every feature column of this package, as
	// wide as it declares them (some declare Feature.Feature 32 wide).
	lr.in.FeatureWidth = edit.IdentWidth(db, maxFeatureKey, "Feature.Feature", "Feature.Feature_Parent",
		"FeatureComponents.Feature_", "Condition.Feature_", "Class.Feature_", "Extension.Feature_",
		"Shortcut.Target", "TypeLib.Feature_", "PublishComponent.Feature_", "MsiAssembly.Feature_")
	for row := range ft.Rows() {
		d := row.Get("Display")
		lr.in.Features = append(lr.in.Features, leafFeature{
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
	for row := range fct.Rows() {
		lr.in.FeatureComponents = append(lr.in.FeatureComponents, leafFC{row.Get("Feature_").Str(), row.Get("Component_").Str()})
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
			lr.in.Conditions = append(lr.in.Conditions, leafCondition{
				Feature: row.Get("Feature_").Str(), Level: row.Get("Level").Int(), Condition: row.Get("Condition").Str(),
			})
		}
	}

	related, err := extensionRelated(db)
	if err != nil {
		return nil, err
	}
	for _, et := range leafEntryTables {
		t, err := optTable(db, et.table)
		if err != nil {
			return nil, err
		}
		if t == nil {
			continue
		}
		col, ok := t.Column(et.column)
		if _, ok2 := t.Column("Component_"); !ok || !ok2 {
			rep.note(Warning, et.table, nil, "table has no %s or Component_ column; its rows are left alone", et.column)
			continue
		}
		for row := range t.Rows() {
			key := row.Key()
			e := leafEntry{
				Table:     et.table,
				Key:       valuesText(key),
				Row:       rowText(row),
				Column:    et.column,
				ColIndex:  col.Number - 1,
				Component: row.Get("Component_").Str(),
				Feature:   row.Get(et.column).Str(),
				ref:       len(lr.keys),
			}
			if et.table == "Extension" {
				e.Related = related[row.Get("Extension").Str()]
			}
			lr.keys = append(lr.keys, key)
			lr.in.Entries = append(lr.in.Entries, e)
		}
	}
	return lr, nil
}

// extensionRelated describes each extension's Verb and MIME rows.
func extensionRelated(db *msi.Database) (map[string]string, error) {
	verbs := make(map[string][]string)
	mimes := make(map[string][]string)
	for _, src := range []struct {
		table, col string
		into       map[string][]string
	}{{"Verb", "Verb", verbs}, {"MIME", "ContentType", mimes}} {
		t, err := optTable(db, src.table)
		if err != nil {
			return nil, err
		}
		if t == nil {
			continue
		}
		for row := range t.Rows() {
			ext := row.Get("Extension_").Str()
			src.into[ext] = append(src.into[ext], row.Get(src.col).String())
		}
	}
	out := make(map[string]string)
	for ext, v := range verbs {
		out[ext] = "Verb " + strings.Join(v, ", ")
	}
	for ext, m := range mimes {
		if out[ext] != "" {
			out[ext] += "; "
		}
		out[ext] += "MIME " + strings.Join(m, ", ")
	}
	return out, nil
}

// apply makes the planned edits.
func (lr *leafReader) apply(plan *leafPlan) error {
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
	if len(plan.RemoveFC) > 0 {
		rm := make(map[leafFC]bool, len(plan.RemoveFC))
		for _, r := range plan.RemoveFC {
			rm[r] = true
		}
		fct.DeleteFunc(func(row msi.Row) bool {
			return rm[leafFC{row.Get("Feature_").Str(), row.Get("Component_").Str()}]
		})
	}
	for _, r := range plan.AddFC {
		if err := insertNamed(fct, map[string]msi.Value{
			"Feature_": msi.StrValue(r.Feature), "Component_": msi.StrValue(r.Component),
		}); err != nil {
			return wrap(err)
		}
	}

	for _, rp := range plan.Repoints {
		t, err := db.Table(rp.Entry.Table)
		if err != nil {
			return wrap(err)
		}
		idx := rp.Entry.ColIndex
		name := rp.NewFeature
		if err := t.Update(lr.keys[rp.Entry.ref], func(vals []msi.Value) error {
			vals[idx] = msi.StrValue(name)
			return nil
		}); err != nil {
			return wrap(err)
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
