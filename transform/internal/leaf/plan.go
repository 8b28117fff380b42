package leaf

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/transform/internal/edit"
)

// This file holds the SplitAdvertised algorithm over plain row structs, with
// no dependency on the msi package: leaf.go reads the tables into a
// Input, makePlan decides, and leaf.go applies the Plan.

// Feature table Attributes bits (Microsoft's Feature table documentation,
// msidbFeatureAttributes*).
const (
	featFollowParent           = 2
	featFavorAdvertise         = 4
	featDisallowAdvertise      = 8
	featUIDisallowAbsent       = 16
	featNoUnsupportedAdvertise = 32
)

// Limits from the Feature table documentation: the Feature key is at most
// 38 characters and no feature may be deeper than 16 (error 2701).
const (
	maxFeatureKey   = 38
	maxFeatureDepth = 16
)

// maxLeafConditions is the most Condition rows of a feature the pass
// copies into each leaf under it. Real features have one or two; a
// feature with more keeps its entry points (and is reported), since every
// leaf would copy them all.
const maxLeafConditions = 64

// maxListed is how many names a note lists before "and N more".
const maxListed = 8

// Feature is one Feature row.
type Feature struct {
	Name        string
	Parent      string // "" when null (a root feature)
	Title       string
	Description string
	Display     int32
	DisplayNull bool
	Level       int32
	Directory   string
	Attributes  int32
}

// row is the Feature row as IDT text per column, in the standard order.
func (f Feature) row() []string {
	disp := strconv.Itoa(int(f.Display))
	if f.DisplayNull {
		disp = ""
	}
	return []string{f.Name, f.Parent, f.Title, f.Description, disp,
		strconv.Itoa(int(f.Level)), f.Directory, strconv.Itoa(int(f.Attributes))}
}

// FeatureComponent is one FeatureComponents row.
type FeatureComponent struct{ Feature, Component string }

func (r FeatureComponent) row() []string { return []string{r.Feature, r.Component} }

// Condition is one Condition row.
type Condition struct {
	Feature   string
	Level     int32
	Condition string
}

func (c Condition) row() []string {
	return []string{c.Feature, strconv.Itoa(int(c.Level)), c.Condition}
}

// A source is a table entry points are read from, with the column
// that names their feature. Its entries point to it: an Entry holds no
// copy of the table's name and columns (460,000 PublishComponent rows
// held 144 bytes an Entry, and a key of three strings).
type source struct {
	Table    string
	Column   string // the column naming the feature: Feature_ or Target
	ColIndex int    // index of Column in a row

	// key, row and related are those of a source that is one row given
	// as text (tests): its primary key, the whole row (as an update's
	// Old shows it: edit.UpdateRows) and a description of the rows that
	// travel with it (an Extension's Verb and MIME rows). For a table
	// read from a database they are nil and "", and Input.rows reads
	// them from the row when the report needs them.
	key, row []string
	related  string
	// tab is the table the source's entries were read from (nil for
	// one row given as text).
	tab *tableSource
}

// A Entry is one row of an entry-point table (Class, Extension,
// Shortcut, TypeLib, PublishComponent, MsiAssembly) that may name a
// feature. Its key and text are read from the row only for the entries
// a note or a change names (Input.key, Input.update).
type Entry struct {
	src       *source
	Component string
	Feature   string // value of the source's Column
	row       int    // the row's number in its table
}

// Table returns the name of e's table.
func (e *Entry) Table() string { return e.src.Table }

// rowReader reads the text of entry points from the database they were
// read from.
type rowReader interface {
	// key returns e's primary key as IDT text.
	key(e *Entry) []string
	// update returns the Key, Old and New of the change that sets e's
	// feature column to feature.
	update(e *Entry, feature string) (key, old, new []string)
	// related describes the rows that travel with e, or is "".
	related(e *Entry) string
}

// Input is what the pass reads from a database.
type Input struct {
	Features          []Feature
	FeatureComponents []FeatureComponent
	// featureComponents holds the FeatureComponents pairs (feature,
	// component) when the database was read into it instead of
	// FeatureComponents: 8 bytes a pair, not two strings.
	featureComponents *edit.Pairs
	// Components lists the Component table's keys; nil when the table is
	// absent (then components are not checked).
	Components []string
	Conditions []Condition
	Entries    []Entry
	// FeatureWidth is the widest feature key every column a leaf's name
	// goes into accepts in this package (0: the standard 38).
	FeatureWidth int
	// rows reads the text of entries whose source is a table (nil when
	// every source is one row given as text).
	rows rowReader
}

// key returns e's primary key as IDT text.
func (in *Input) key(e *Entry) []string {
	if e.src.tab != nil && in.rows != nil {
		return in.rows.key(e)
	}
	return e.src.key
}

// related describes the rows that travel with e, or is "".
func (in *Input) related(e *Entry) string {
	if e.src.tab != nil && in.rows != nil {
		return in.rows.related(e)
	}
	return e.src.related
}

// update returns the Key, Old and New of the change that sets e's
// feature column to feature.
func (in *Input) update(e *Entry, feature string) (key, old, new []string) {
	if e.src.tab != nil && in.rows != nil {
		return in.rows.update(e, feature)
	}
	row := append([]string(nil), e.src.row...)
	if e.src.ColIndex >= 0 && e.src.ColIndex < len(row) {
		row[e.src.ColIndex] = feature
	}
	old, new = edit.UpdateRows(e.src.row, row)
	return e.src.key, old, new
}

// A move sets the feature column of entries to a leaf.
type move struct {
	Leaf    string
	Entries []*Entry // in the Input
}

// Plan is what the pass will change, in application order.
type Plan struct {
	Features   []Feature
	Conditions []Condition
	RemoveFC   []FeatureComponent
	AddFC      []FeatureComponent
	// Moves are the entries each leaf takes: the groups of the plan,
	// whose entries were grouped for it, not copied into a list of
	// updates (460,000 of them).
	Moves []move
	// over says why planning stopped at the MaxChanges bound ("" if it
	// did not); the plan is then not to be applied.
	over string
}

func (p *Plan) empty() bool {
	return len(p.Features)+len(p.Conditions)+len(p.RemoveFC)+len(p.AddFC)+len(p.Moves) == 0
}

// Options are the parts of SplitAdvertisedOptions the planner needs.
type Options struct {
	KeepInParent      bool
	DisallowAdvertise bool
	AllowAbsent       bool
	Tables            map[string]bool // nil = defaultLeafTables
	MaxChanges        int             // 0 = edit.DefaultMaxChanges
	// Stop, if not nil, ends reading and planning early once the
	// pass's context is done (Run then discards the partial plan and
	// changes nothing); a plan, once made, is applied whole.
	Stop *edit.Stop
	// Shared, if not nil, holds the FeatureComponents pairs an earlier
	// pass read (edit.Shared), or holds them for later passes.
	Shared *edit.Shared
	// Sink, if not nil, takes the changes in place of the returned
	// Log's Changes (edit.Log.Sink).
	Sink edit.Sink
	// NoteSink, if not nil, takes the notes in place of the returned
	// Log's Notes and Planned notes (edit.Log.NoteSink).
	NoteSink edit.NoteSink
}

// defaultLeafTables are the entry-point tables that start a split unless
// the options name others.
var defaultLeafTables = map[string]bool{
	"Class": true, "Extension": true, "Shortcut": true, "TypeLib": true, "PublishComponent": true,
}

func (o Options) splits(table string) bool {
	if o.Tables != nil {
		return o.Tables[table]
	}
	return defaultLeafTables[table]
}

// treeState is a feature's place in the tree.
type treeState struct {
	depth int    // 1 for a root
	bad   string // why the tree above this feature is broken, or ""
}

// makePlan decides the leaf features for in and records every decision in
// rep. It never fails: odd data becomes notes.
func makePlan(in *Input, opts Options, rep *edit.Log) *Plan {
	plan := &Plan{}

	var features textmemo.Index[*Feature]
	taken := make(map[string]bool, len(in.Features))
	for i := range in.Features {
		if opts.Stop.Tick() {
			return plan
		}
		f := &in.Features[i]
		if _, dup := features.Lookup(f.Name); dup {
			rep.Note(edit.Warning, "Feature", []string{f.Name}, "duplicate Feature key; the first row is used")
			continue
		}
		features.Set(f.Name, f)
		taken[strings.ToLower(f.Name)] = true
	}
	fc := in.featureComponents // feature -> its components
	if fc == nil {
		fc = edit.NewPairs(len(in.FeatureComponents))
		for _, r := range in.FeatureComponents {
			if opts.Stop.Tick() {
				return plan
			}
			fc.Add(r.Feature, r.Component)
		}
	}
	var components *textmemo.Index[bool]
	if in.Components != nil {
		components = new(textmemo.Index[bool])
		for _, c := range in.Components {
			if opts.Stop.Tick() {
				return plan
			}
			components.Set(c, true)
		}
	}
	// Feature and component names may be long pooled texts named by
	// thousands of entry points: the maps keyed by them hash each text
	// once (textmemo), not once per entry point.
	var conditions textmemo.Index[[]Condition]
	for _, c := range in.Conditions {
		if opts.Stop.Tick() {
			return plan
		}
		conditions.Set(c.Feature, append(conditions.Get(c.Feature), c))
	}

	var tree textmemo.Index[treeState]
	state := func(name string) treeState {
		if s, ok := tree.Lookup(name); ok {
			return s
		}
		// Walk up iteratively: a cycle or a very deep chain cannot recurse
		// without limit, and each feature is resolved once.
		var chain []string
		seen := make(map[string]bool)
		cur := name
		var s treeState
		for {
			if opts.Stop.Tick() {
				return treeState{} // the plan is discarded
			}
			if known, ok := tree.Lookup(cur); ok {
				s = known
				break
			}
			if seen[cur] {
				s = treeState{bad: "Feature_Parent chain has a cycle through " + strconv.Quote(clip.String(cur))}
				break
			}
			f, ok := features.Lookup(cur)
			if !ok {
				s = treeState{bad: "Feature_Parent " + strconv.Quote(clip.String(cur)) + " names no feature"}
				break
			}
			seen[cur] = true
			chain = append(chain, cur)
			if f.Parent == "" {
				s = treeState{depth: 0}
				break
			}
			cur = f.Parent
		}
		for i := len(chain) - 1; i >= 0; i-- {
			if s.bad == "" {
				s.depth++
			}
			tree.Set(chain[i], s)
		}
		return tree.Get(name)
	}

	// Tree problems are reported once per feature, in key order.
	names := make([]string, 0, features.Len())
	for n := range features.All() {
		if opts.Stop.Tick() {
			return plan
		}
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if opts.Stop.Tick() {
			return plan
		}
		s := state(n)
		switch {
		case s.bad != "":
			rep.Note(edit.Warning, "Feature", []string{n}, "%s; advertised entry points in this feature are left alone", s.bad)
		case s.depth > maxFeatureDepth:
			rep.Note(edit.Warning, "Feature", []string{n}, "feature is %d levels deep, over the limit of %d", s.depth, maxFeatureDepth)
		}
	}

	// isSingle reports whether feature f already holds exactly component c
	// and nothing else, so that a health check through f covers only c.
	isSingle := func(f, c string) bool {
		return fc.NumRights(f) == 1 && fc.Has(f, c)
	}

	// A group is the entry points of one component in one feature,
	// keyed by the numbers of the two names.
	type group struct {
		feature, component string
		entries            []*Entry
	}
	var groupTexts textmemo.IDs
	groups := make(map[[2]int32]*group)
	var followers []*Entry
	for i := range in.Entries {
		if opts.Stop.Tick() {
			return plan
		}
		e := &in.Entries[i]
		if !opts.splits(e.Table()) {
			// Not a kind that starts a split; it still follows its
			// component into a leaf made for another entry point.
			if _, ok := features.Lookup(e.Feature); ok && e.Component != "" {
				followers = append(followers, e)
			}
			continue
		}
		if e.Table() == "Shortcut" {
			if _, ok := features.Lookup(e.Feature); !ok {
				if looksLikeFeature(e.Feature) {
					rep.Note(edit.Warning, e.Table(), in.key(e), "Target %q looks like a feature name but no such feature exists; left alone", e.Feature)
				}
				continue // not an advertised shortcut
			}
		}
		f, ok := features.Lookup(e.Feature)
		if !ok {
			rep.Note(edit.Warning, e.Table(), in.key(e), "%s %q names no feature; left alone", e.src.Column, e.Feature)
			continue
		}
		if e.Component == "" {
			rep.Note(edit.Warning, e.Table(), in.key(e), "entry point has no component; left alone")
			continue
		}
		if components != nil && !components.Get(e.Component) {
			rep.Note(edit.Warning, e.Table(), in.key(e), "Component_ %q names no component; left alone", e.Component)
			continue
		}
		s := state(f.Name)
		if s.bad != "" {
			rep.Note(edit.Warning, e.Table(), in.key(e), "feature %q is not in a valid feature tree (%s); left alone", f.Name, s.bad)
			continue
		}
		if !fc.Has(f.Name, e.Component) {
			// A leaf would add the component to the install selections of
			// the feature's subtree (Wine, for one, then keeps it installed
			// when the feature's parent is removed), so leave it.
			if n := fc.NumRights(f.Name); n > 0 {
				rep.Note(edit.Warning, e.Table(), in.key(e), "component %q is not in feature %q, whose health check covers its %d other components; left alone", e.Component, f.Name, n)
			} else {
				rep.Note(edit.Info, e.Table(), in.key(e), "component %q is not in feature %q, which holds no components; left alone", e.Component, f.Name)
			}
			continue
		}
		if isSingle(f.Name, e.Component) {
			rep.Note(edit.Info, e.Table(), in.key(e), "feature %q already holds only component %q; left alone", f.Name, e.Component)
			continue
		}
		if n := len(conditions.Get(f.Name)); n > maxLeafConditions {
			rep.Note(edit.Warning, e.Table(), in.key(e), "feature %q has %d Condition rows, which every leaf under it would copy; the pass copies at most %d; left alone", f.Name, n, maxLeafConditions)
			continue
		}
		if s.depth+1 > maxFeatureDepth {
			rep.Note(edit.Warning, e.Table(), in.key(e), "feature %q is %d levels deep; a leaf under it would exceed the limit of %d; left alone", f.Name, s.depth, maxFeatureDepth)
			continue
		}
		k := [2]int32{groupTexts.ID(f.Name), groupTexts.ID(e.Component)}
		g := groups[k]
		if g == nil {
			g = &group{feature: f.Name, component: e.Component}
			groups[k] = g
		}
		g.entries = append(g.entries, e)
	}

	if !opts.KeepInParent {
		// The component leaves the feature, so every other row naming
		// that feature for that component moves with it.
		for _, e := range followers {
			if opts.Stop.Tick() {
				return plan
			}
			if g := groups[[2]int32{groupTexts.ID(e.Feature), groupTexts.ID(e.Component)}]; g != nil {
				g.entries = append(g.entries, e)
			}
		}
	}

	keys := make([]*group, 0, len(groups))
	for _, g := range groups {
		if opts.Stop.Tick() {
			return plan
		}
		keys = append(keys, g)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].feature != keys[j].feature {
			return keys[i].feature < keys[j].feature
		}
		return keys[i].component < keys[j].component
	})

	maxChanges := opts.MaxChanges
	if maxChanges <= 0 {
		maxChanges = edit.DefaultMaxChanges
	}
	// made counts the changes recorded: rep may pass them to its Sink
	// rather than keep them. The report gets room for them all at once
	// (at most: a leaf the package's key width cannot name makes none),
	// not in the copies of a slice grown leaf by leaf, which held the
	// old array of 460,000 changes beside the new; unless they may be
	// over MaxChanges, when the plan is likely to be given up.
	made, most := 0, 0
	for _, k := range keys {
		most += 3 + len(conditions.Get(k.feature)) + len(k.entries)
		if most > maxChanges {
			break
		}
	}
	if most <= maxChanges {
		rep.Grow(most)
	}
	change := func(c edit.Change) {
		rep.Change(c)
		made++
	}
	// component -> its features, sorted; keyed as the other maps are.
	var sortedFeatures textmemo.Index[[]string]
	var leafNames namer
	for _, k := range keys {
		if opts.Stop.Tick() {
			return plan
		}
		// A leaf costs a Feature row, its copied conditions, one or two
		// FeatureComponents rows and one update per entry point.
		if n := made + 3 + len(conditions.Get(k.feature)) + len(k.entries); n > maxChanges {
			plan.over = fmt.Sprintf("more than %d row changes", maxChanges)
			return plan
		}
		parent := features.Get(k.feature)
		width := in.FeatureWidth
		if width <= 0 || width > maxFeatureKey {
			width = maxFeatureKey
		}
		name := leafNames.featureName(parent.Name, k.component, width, taken)
		if name == "" {
			for _, e := range k.entries {
				if opts.Stop.Tick() {
					return plan
				}
				rep.Note(edit.Warning, e.Table(), in.key(e), "left alone: this package's feature key columns are %d characters wide, too narrow for a leaf name", width)
			}
			continue
		}
		taken[strings.ToLower(name)] = true

		attrs := int32(featFollowParent | featUIDisallowAbsent)
		if opts.AllowAbsent {
			attrs &^= featUIDisallowAbsent
		}
		// ICE10: a child may not disallow advertising while its parent
		// allows it, so the advertise bits follow the parent unless the
		// caller insists.
		attrs |= parent.Attributes & (featDisallowAdvertise | featNoUnsupportedAdvertise)
		if opts.DisallowAdvertise {
			attrs |= featDisallowAdvertise
			if parent.Attributes&featDisallowAdvertise == 0 {
				rep.Note(edit.Warning, "Feature", []string{name}, "leaf disallows advertising while its parent %q allows it (ICE10); an advertise-only install of %q will not register its entry points", parent.Name, parent.Name)
			}
		}
		leaf := Feature{
			Name:       name,
			Parent:     parent.Name,
			Display:    0,
			Level:      parent.Level,
			Attributes: attrs,
		}
		entries := k.entries
		plan.Features = append(plan.Features, leaf)
		change(edit.Change{Op: edit.Add, Table: "Feature", Key: []string{name}, New: leaf.row(),
			Reason: "leaf for component " + clip.String(k.component) + " under " + clip.String(parent.Name)})

		for _, c := range conditions.Get(parent.Name) {
			if opts.Stop.Tick() {
				return plan
			}
			nc := Condition{Feature: name, Level: c.Level, Condition: c.Condition}
			plan.Conditions = append(plan.Conditions, nc)
			change(edit.Change{Op: edit.Add, Table: "Condition", Key: []string{name, strconv.Itoa(int(c.Level))}, New: nc.row(),
				Reason: "copy of " + clip.String(parent.Name) + "'s condition so the leaf's level always equals its parent's"})
		}

		old := FeatureComponent{parent.Name, k.component}
		if !opts.KeepInParent {
			plan.RemoveFC = append(plan.RemoveFC, old)
			change(edit.Change{Op: edit.Remove, Table: "FeatureComponents", Key: old.row(), Old: old.row(),
				Reason: "moved to leaf " + name})
		}
		nfc := FeatureComponent{name, k.component}
		plan.AddFC = append(plan.AddFC, nfc)
		change(edit.Change{Op: edit.Add, Table: "FeatureComponents", Key: nfc.row(), New: nfc.row(),
			Reason: "advertised component in its own leaf"})

		if fc.NumLefts(k.component) > 1 {
			sorted, ok := sortedFeatures.Lookup(k.component)
			if !ok {
				sorted = fc.Lefts(k.component)
				sort.Strings(sorted)
				sortedFeatures.Set(k.component, sorted)
			}
			if others := otherFeatures(sorted, parent.Name); others != "" {
				rep.Note(edit.Info, "FeatureComponents", old.row(), "component %q is shared with features %s, which keep it", k.component, others)
			}
		}

		// The reason is the same for each entry of one column (bar an
		// extension's related rows): one string for all of them.
		var column, plain string
		// The reason with an extension's related rows, made once for the
		// entries in a row of one extension (and one column), not copied
		// for each: 390,000 Extension rows of one extension.
		var withRel, withReason string
		plan.Moves = append(plan.Moves, move{Leaf: name, Entries: entries})
		for _, e := range entries {
			if opts.Stop.Tick() {
				return plan
			}
			if e.src.Column != column {
				column, plain = e.src.Column, e.src.Column+" "+clip.String(parent.Name)+" → "+name
				withRel, withReason = "", ""
			}
			reason := plain
			if r := in.related(e); r != "" {
				if r != withRel {
					withRel, withReason = r, plain+"; with "+r
				}
				reason = withReason
			}
			key, old, nrow := in.update(e, name)
			change(edit.Change{Op: edit.Update, Table: e.Table(), Key: key, Old: old, New: nrow, Reason: reason})
		}
	}
	return plan
}

// otherFeatures lists the features of sorted (in order, repeats kept as
// they come) other than f, joined with ", ", the first maxListed of them
// and "and N more": a component in thousands of features costs a short
// note per leaf, not a list of thousands. f's copies are found by binary
// search and the list stops at maxListed, so a note costs the same
// however many features share the component (a scan of the list per
// leaf made the pass quadratic in them).
func otherFeatures(sorted []string, f string) string {
	lo, _ := slices.BinarySearch(sorted, f)
	hi := lo + sort.Search(len(sorted)-lo, func(j int) bool { return sorted[lo+j] != f })
	n := len(sorted) - (hi - lo)
	var out []string
	for i := 0; i < len(sorted) && len(out) < min(n, maxListed); i++ {
		if i >= lo && i < hi {
			i = hi - 1
			continue
		}
		out = append(out, sorted[i])
	}
	if n > maxListed {
		out = append(out, fmt.Sprintf("and %d more", n-maxListed))
	}
	return strings.Join(out, ", ")
}

// looksLikeFeature reports whether a Shortcut Target could be meant as a
// feature name: a non-empty Identifier (letters, digits, underscores and
// periods, starting with a letter or underscore), not a formatted string
// such as [#File].
func looksLikeFeature(s string) bool {
	if s == "" || len(s) > 72 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !edit.IdentByte(s[i], i == 0) {
			return false
		}
	}
	return true
}
