package validate

import (
	"context"
	"hash/maphash"
	"iter"
	"slices"
	"strings"

	"github.com/msikit/msikit/internal/bucket"
	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/msi"
)

// checker holds one validation run: the database, the tables read so far,
// the models several rules share (built on first use) and the findings.
type checker struct {
	db    *msi.Database
	kind  pkgKind
	max   int
	err   error // the first table that could not be decoded, or ctx's cause
	ctx   context.Context
	ticks int // calls of stopped

	rule     *ruleEntry
	yield    func(Finding) bool // gets the findings, a rule's at a time
	out      []Finding          // the running rule's findings not yet spilled
	outBytes int                // findingSize of out
	seen     map[uint64]int     // hash -> index in out of recent findings (report)
	hasher   maphash.Hash
	spill    *spill // the running rule's sorted runs, past spillBytes
	listed   map[ruleSev]int
	omitted  map[ruleSev]int
	// keys holds keyHash of the running rule's findings listed, with
	// the findings bounded (omit).
	keys  map[uint64]struct{}
	rec   *replay // report's outcomes are noted here while non-nil
	built int     // findings report has built (the tests' measure)
	epoch int     // spills and forgettings of seen (replay)

	clips    [4][2]string // the last long texts clipped, and their clips
	nextClip int          // the entry of clips to replace next
	msg      []byte       // report's message buffer
	keyBuf   []string     // clipKeyShared's

	tables map[string]*msi.Table // nil value: the database has no such table

	compIdx *compIndex
	owners  map[[2]string]*textmemo.Index[string] // ownerIndex, by table and key column
	dirs    *dirTree
	feats   *compFeatures         // component -> features (FeatureComponents)
	feature *textmemo.Index[bool] // Feature keys
	// featSets holds the features of components in many (sameFeature).
	featSets textmemo.Index[map[int32]bool]
	regs     *regRows
	regByID  *regIndex
	seqRows  map[string]*seqRows // sequenceRows, by table

	memo  textMemo     // checks of long texts, by identity (memo.go)
	texts textmemo.IDs // long texts by content (sameValues)
}

func newChecker(ctx context.Context, db *msi.Database, kind pkgKind, max int) *checker {
	if max == 0 {
		max = DefaultMaxFindings
	}
	return &checker{ctx: ctx, db: db, kind: kind, max: max, listed: map[ruleSev]int{}, omitted: map[ruleSev]int{}, seen: map[uint64]int{}, keys: map[uint64]struct{}{},
		tables: map[string]*msi.Table{}, memo: textMemo{}}
}

// stopped reports whether the run must stop: a table failed to decode, or
// the context is done (looked at every 1024th call; c.err is then its
// cause). Rules that walk every row call it a row at a time, so that an
// interrupt does not wait for a rule over a table of 100,000 rows.
func (c *checker) stopped() bool {
	if c.err != nil {
		return true
	}
	c.ticks++
	if c.ticks%1024 == 0 && c.ctx.Err() != nil {
		c.err = context.Cause(c.ctx)
		return true
	}
	return false
}

func (c *checker) start(r *ruleEntry) { c.rule = r }

// table returns the named table, or nil when the database has none. A
// table that does not decode is nil too, and its error stops the run.
func (c *checker) table(name string) *msi.Table {
	if t, ok := c.tables[name]; ok {
		return t
	}
	var t *msi.Table
	if c.db.HasTable(name) {
		var err error
		t, err = c.db.Table(name)
		if err != nil {
			if c.err == nil {
				c.err = err
			}
			t = nil
		}
	}
	c.tables[name] = t
	return t
}

// has reports whether t has a column of that name.
func has(t *msi.Table, column string) bool {
	_, ok := t.Column(column)
	return ok
}

// str returns a string cell ("" for null).
func str(r msi.Row, column string) string { return r.Get(column).Str() }

// num returns an integer cell and whether it is not null.
func num(r msi.Row, column string) (int32, bool) {
	v := r.Get(column)
	return v.Int(), !v.IsNull()
}

// keyOf returns the row's primary key as text.
func keyOf(r msi.Row) []string {
	k := r.Key()
	out := make([]string, len(k))
	for i, v := range k {
		out[i] = v.String()
	}
	return out
}

// Component attribute bits (Component table, Attributes column).
const (
	compSourceOnly      = 0x0001
	compRegistryKeyPath = 0x0004
	compPermanent       = 0x0010
	compODBCKeyPath     = 0x0020
	comp64Bit           = 0x0100
)

// component is one Component row.
type component struct {
	name, id, dir, cond, keyPath string
	attr                         int32
	row                          msi.Row
}

// key returns the component row's primary key, for reports.
func (c *component) key() []string { return keyOf(c.row) }

// keyPathKind tells what a component's KeyPath names.
func (c *component) keyPathKind() string {
	switch {
	case c.keyPath == "":
		return "directory"
	case c.attr&compRegistryKeyPath != 0:
		return "registry"
	case c.attr&compODBCKeyPath != 0:
		return "odbc"
	}
	return "file"
}

type compIndex struct {
	list []*component
	by   textmemo.Index[*component]
}

// comps returns the Component table's rows (empty when there is none).
func (c *checker) comps() *compIndex {
	if c.compIdx != nil {
		return c.compIdx
	}
	ci := &compIndex{}
	if t := c.table("Component"); t != nil {
		for r := range t.Rows() {
			a, _ := num(r, "Attributes")
			cp := &component{name: str(r, "Component"), id: str(r, "ComponentId"), dir: str(r, "Directory_"),
				cond: str(r, "Condition"), keyPath: str(r, "KeyPath"), attr: a, row: r}
			ci.list = append(ci.list, cp)
			if !ci.by.Has(cp.name) {
				ci.by.Set(cp.name, cp)
			}
		}
	}
	c.compIdx = ci
	return ci
}

// compFeatures is the features each component belongs to, as numbers:
// a component's features are a run of feature ids in one slice for all
// (in table order, a feature listed twice held twice), not a slice of
// strings each, which for a package pairing a thousand features with a
// thousand components each took 16 bytes a row and as much again in
// copies while the slices grew.
type compFeatures struct {
	comp  textmemo.IDs // component -> its number
	feat  textmemo.IDs // feature -> its id
	start []int32      // ids[start[i]:start[i+1]] are component i's features
	ids   []int32
}

// of returns the ids of the features of component comp, in table order.
func (cf *compFeatures) of(comp string) []int32 {
	i, ok := cf.comp.Lookup(comp)
	if !ok {
		return nil
	}
	return cf.ids[cf.start[i]:cf.start[i+1]]
}

// features returns the features each component belongs to
// (FeatureComponents; in a merge module every component of ModuleComponents
// belongs to the one feature the module is merged into, named "").
//
// It is keyed by component names, which may be one long pooled text in
// thousands of rows: a textmemo.Index hashes each text once.
func (c *checker) features() *compFeatures {
	if c.feats != nil {
		return c.feats
	}
	cf := &compFeatures{}
	c.feats = cf
	// One (component number, feature id) a row, in table order, then
	// counted and spread by component: one lookup of the component a
	// row, and the feature's id found once per run of rows naming it.
	var pairs []uint64
	number := func(comp string) (int32, bool) {
		n := cf.comp.Len()
		i := cf.comp.ID(comp)
		return i, int(i) == n
	}
	if c.kind == kindModule {
		if t := c.table("ModuleComponents"); t != nil {
			ci := colIndex(t, "Component")
			for r := range t.Rows() {
				if i, isNew := number(strAt(r, ci)); isNew {
					pairs = append(pairs, uint64(i)<<32|uint64(uint32(cf.feat.ID(""))))
				}
			}
		}
	} else if t := c.table("FeatureComponents"); t != nil {
		pairs = make([]uint64, 0, t.Len())
		ci, fi := colIndex(t, "Component_"), colIndex(t, "Feature_")
		for r := range t.Rows() {
			i, _ := number(strAt(r, ci))
			pairs = append(pairs, uint64(i)<<32|uint64(uint32(cf.feat.ID(strAt(r, fi)))))
		}
	}
	comp := func(p uint64) int32 { return int32(p >> 32) }
	cf.start = bucket.Starts(pairs, cf.comp.Len(), comp)
	cf.ids = bucket.Place(nil, pairs, cf.start, comp, func(p uint64) int32 { return int32(uint32(p)) })
	return cf
}

// colIndex returns the index of t's column name, as Row.At takes it
// (msi.Table.Column's Number - 1), or -1 when it has none: a loop over a
// table's rows finds its columns once, not by name in each row.
func colIndex(t *msi.Table, name string) int {
	if col, ok := t.Column(name); ok {
		return col.Number - 1
	}
	return -1
}

// strAt returns the string of row's column i (colIndex's), "" for -1, as
// str(r, name) does.
func strAt(r msi.Row, i int) string {
	if i < 0 {
		return ""
	}
	return r.At(i).Str()
}

// sameFeature reports whether components a and b share a feature. It
// looks the features of the component in fewer of them up in a set of
// the other's (built once per component), so that components in a
// thousand features each cost a thousand lookups, not a million
// comparisons, each time a rule asks.
func (c *checker) sameFeature(a, b string) bool {
	fs := c.features()
	x, y := fs.of(a), fs.of(b)
	if len(x) > len(y) {
		x, y, b = y, x, a
	}
	if len(x)*len(y) <= 64 {
		for _, f := range x {
			if slices.Contains(y, f) {
				return true
			}
		}
		return false
	}
	set := c.featSet(b)
	for _, f := range x {
		if set[f] {
			return true
		}
	}
	return false
}

// featSet returns the features of component comp as a set, built once.
func (c *checker) featSet(comp string) map[int32]bool {
	set := c.featSets.Get(comp)
	if set == nil {
		ids := c.features().of(comp)
		set = make(map[int32]bool, len(ids))
		for _, f := range ids {
			set[f] = true
		}
		c.featSets.Set(comp, set)
	}
	return set
}

// inFeature reports whether FeatureComponents pairs component comp with
// feature: a component in many features is looked up in its set, so that
// thousands of shortcuts of a component in thousands of features cost a
// lookup each, not a scan each (ICE59 on 40,000 of both: 1.6 billion
// comparisons).
func (c *checker) inFeature(comp, feature string) bool {
	fs := c.features()
	id, ok := fs.feat.Lookup(feature)
	if !ok {
		return false // no component's
	}
	if ids := fs.of(comp); len(ids) <= 64 {
		return slices.Contains(ids, id)
	}
	return c.featSet(comp)[id]
}

// isFeature reports whether name is a key of the Feature table.
func (c *checker) isFeature(name string) bool {
	if c.feature == nil {
		c.feature = &textmemo.Index[bool]{}
		if t := c.table("Feature"); t != nil {
			for r := range t.Rows() {
				c.feature.Set(str(r, "Feature"), true)
			}
		}
	}
	return c.feature.Get(name)
}

// nullGUID is the feature reference of merge modules: the merge tool puts
// the feature in.
const nullGUID = "{00000000-0000-0000-0000-000000000000}"

// advertisedTarget reports whether a Shortcut's Target names a feature
// (an advertised shortcut): a Feature key in an installer, the null GUID in
// a merge module.
func (c *checker) advertisedTarget(target string) bool {
	if c.kind == kindModule {
		return target == nullGUID
	}
	return target != "" && !hasBracket(c.memo, target) && c.isFeature(target)
}

// dirTree is the Directory table as parent links and target names, each
// directory numbered by its position, so that walking a chain follows
// slice indexes, not a map lookup per step, and what a walk finds is
// memoised in slices, not maps keyed by directory. (With maps, a chain of
// 160,000 directories cost 1.34 s where 40,000 cost 0.24 s: each step a
// cache miss in a map larger than the caches, and maps rehashed as they
// grew. Numbered, 0.34 s and 0.064 s.)
type dirTree struct {
	// keys are the directories in stored order (the first row of each
	// key), then the parents that the table lacks: nodes with no row.
	keys  []string
	order []string              // keys[:n]: the table's directories in stored order
	index textmemo.Index[int32] // key -> node
	// parent is each node's parent node, or -1 for a root (no parent or
	// itself as parent) and for a parent the table lacks.
	parent      []int32
	parents     []string // Directory_Parent of each row, until link
	sys         []bool   // a system folder (systemFolders) with a row
	short, long []string // target names of the rows; "." means the parent itself
	ups         map[string][]int32
	stops       [2][]int32 // render's stops, by long
	memo        textMemo   // DefaultDir values split, by identity
}

// directories returns the Directory table as a tree (empty when there is
// none).
func (c *checker) directories() *dirTree {
	if c.dirs != nil {
		return c.dirs
	}
	var d *dirTree
	if t := c.table("Directory"); t == nil {
		d = newDirTree(0)
	} else {
		d = newDirTree(t.Len())
		for r := range t.Rows() {
			d.add(str(r, "Directory"), str(r, "Directory_Parent"), str(r, "DefaultDir"))
		}
	}
	d.link()
	c.dirs = d
	return d
}

// newDirTree returns an empty tree with room for rows directories (the
// rows of a decoded table, not a count the file claims).
func newDirTree(rows int) *dirTree {
	return &dirTree{ups: map[string][]int32{}, memo: textMemo{},
		keys: make([]string, 0, rows), parent: make([]int32, 0, rows), parents: make([]string, 0, rows),
		sys: make([]bool, 0, rows), short: make([]string, 0, rows), long: make([]string, 0, rows)}
}

// add adds a Directory row (before link); a repeated key is ignored.
func (d *dirTree) add(key, parent, defaultDir string) {
	if d.index.Has(key) {
		return
	}
	d.index.Set(key, int32(len(d.keys)))
	d.keys = append(d.keys, key)
	d.parent = append(d.parent, -1)
	d.parents = append(d.parents, parent)
	n := memoOf(d.memo, defaultDir, "targetNames", func() [2]string {
		s, l := targetNames(defaultDir)
		return [2]string{s, l}
	})
	s, l := n[0], n[1]
	d.short, d.long = append(d.short, s), append(d.long, l)
	d.sys = append(d.sys, inSet(systemFolders, key))
}

// link resolves the parents of the rows added, adding a node for each
// parent the table lacks.
func (d *dirTree) link() {
	n := len(d.keys)
	d.order = d.keys[:n:n]
	for i, p := range d.parents {
		if p == "" || p == d.keys[i] {
			continue
		}
		j, ok := d.index.Lookup(p)
		if !ok {
			j = int32(len(d.keys))
			d.index.Set(p, j)
			d.keys = append(d.keys, p)
			d.parent = append(d.parent, -1)
		}
		d.parent[i] = j
	}
	d.parents = nil
}

// node returns the node of a directory of the table (false for a key with
// no row).
func (d *dirTree) node(key string) (int32, bool) {
	i, ok := d.index.Lookup(key)
	return i, ok && int(i) < len(d.order)
}

// first returns, for each node, the first node at or above it (following
// parents, itself included) where stop holds, or -1 when its chain ends at
// a root or comes back on itself before one does. Each node is visited
// once (its walk stops at a node already resolved), so the cost is linear
// in the table whatever its chains look like, and the walks are loops, not
// recursion.
func (d *dirTree) first(stop func(i int32) bool) []int32 {
	const (
		todo = iota
		walking
		done
	)
	res := make([]int32, len(d.keys))
	state := make([]uint8, len(d.keys))
	var path []int32
	for i := range d.keys {
		if state[i] == done {
			continue
		}
		r := int32(-1)
		path = path[:0]
		for cur := int32(i); cur >= 0; cur = d.parent[cur] {
			if state[cur] == done {
				r = res[cur]
				break
			}
			if state[cur] == walking {
				break // a loop: no stop on it
			}
			state[cur] = walking
			path = append(path, cur)
			if stop(cur) {
				r = cur
				break
			}
		}
		for _, j := range path {
			res[j], state[j] = r, done
		}
	}
	return res
}

// targetNames returns the short and long target names of a DefaultDir
// value ("[target:]source", each "short|long" or one name).
func targetNames(defaultDir string) (short, long string) {
	target, _, _ := strings.Cut(defaultDir, ":")
	short, long, ok := strings.Cut(target, "|")
	if !ok {
		long = short
	}
	return short, long
}

// fileNames returns the short and long names of a File table FileName.
func fileNames(fileName string) (short, long string) {
	short, long, ok := strings.Cut(fileName, "|")
	if !ok {
		long = short
	}
	return short, long
}

// up returns the first directory at or above key (following
// Directory_Parent) that set names, or "" if none; a parent the table
// lacks counts if set names it. setName keys the memo: the first call for
// a set resolves every directory at once (first), later calls look up.
func (d *dirTree) up(key, setName string, set map[string]bool) string {
	if key == "" {
		return ""
	}
	i, ok := d.index.Lookup(key)
	if !ok {
		if inSet(set, key) {
			return key
		}
		return ""
	}
	res := d.ups[setName]
	if res == nil {
		res = d.first(func(i int32) bool { return inSet(set, d.keys[i]) })
		d.ups[setName] = res
	}
	if r := res[i]; r >= 0 {
		return d.keys[r]
	}
	return ""
}

// The standard folders, by what they hold.
var (
	// userProfileFolders are the folders in a user's profile (ICE38, 43,
	// 57, 64, 90): where files go per user.
	userProfileFolders = setOf("AppDataFolder", "LocalAppDataFolder", "DesktopFolder", "FavoritesFolder",
		"PersonalFolder", "MyPicturesFolder", "NetHoodFolder", "PrintHoodFolder", "ProgramMenuFolder",
		"RecentFolder", "SendToFolder", "StartMenuFolder", "StartupFolder", "TemplateFolder", "AdminToolsFolder")
	// perUserOnlyFolders do not follow ALLUSERS to the All Users profile
	// (ICE91).
	perUserOnlyFolders = setOf("AppDataFolder", "FavoritesFolder", "NetHoodFolder", "PersonalFolder",
		"PrintHoodFolder", "RecentFolder", "SendToFolder", "MyPicturesFolder", "LocalAppDataFolder")
	// folders32 and folders64 are the folders whose location depends on
	// bitness (ICE80).
	folders32 = setOf("ProgramFilesFolder", "CommonFilesFolder", "SystemFolder")
	folders64 = setOf("ProgramFiles64Folder", "CommonFiles64Folder", "System64Folder")
	// systemFolders are the System Folder Properties of the Windows
	// Installer documentation, plus TARGETDIR (ICEM09, ICE99).
	systemFolders = setOf("AdminToolsFolder", "AppDataFolder", "CommonAppDataFolder", "CommonFiles64Folder",
		"CommonFilesFolder", "DesktopFolder", "FavoritesFolder", "FontsFolder", "LocalAppDataFolder",
		"MyPicturesFolder", "NetHoodFolder", "PersonalFolder", "PrintHoodFolder", "ProgramFiles64Folder",
		"ProgramFilesFolder", "ProgramMenuFolder", "RecentFolder", "SendToFolder", "StartMenuFolder",
		"StartupFolder", "System16Folder", "System64Folder", "SystemFolder", "TempFolder", "TemplateFolder",
		"WindowsFolder", "WindowsVolume", "TARGETDIR")
)

// setOf returns a set of names, each shorter than textmemo.Min (inSet).
func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// inSet reports whether set, made by setOf, holds name: a long name (a
// cell naming a 900 KB pooled string) cannot be in it, and is not hashed.
func inSet(set map[string]bool, name string) bool {
	return len(name) < textmemo.Min && set[name]
}

// inProfile returns the user-profile folder directory key is in ("" if none).
func (c *checker) inProfile(dir string) string {
	return c.directories().up(dir, "profile", userProfileFolders)
}

// regRow is one Registry row, whose cells are read when asked for (the
// zero regRow's are empty).
type regRow struct {
	x   *regRows
	row msi.Row
}

// A regCol is a column of the Registry table a rule reads.
type regCol int

const (
	regID regCol = iota
	regKey
	regName
	regValue
	regComp
	regRoot
	numRegCols
)

// regColNames are the columns' names, by regCol.
var regColNames = [numRegCols]string{"Registry", "Key", "Name", "Value", "Component_", "Root"}

// cell returns the cell of column c (null when the table lacks it).
func (r regRow) cell(c regCol) msi.Value {
	if r.x == nil || r.x.pos[c] < 0 {
		return msi.Null
	}
	return r.row.At(r.x.pos[c])
}

func (r regRow) id() string    { return r.cell(regID).Str() }
func (r regRow) key() string   { return r.cell(regKey).Str() }
func (r regRow) name() string  { return r.cell(regName).Str() }
func (r regRow) value() string { return r.cell(regValue).Str() }
func (r regRow) comp() string  { return r.cell(regComp).Str() }

// root returns the Root cell, and whether it is not null.
func (r regRow) root() (int32, bool) {
	v := r.cell(regRoot)
	return v.Int(), !v.IsNull()
}

// regRows are the Registry table's rows, not copied: 380,000 rows (a
// rewrite --validate of a package whose verbs became Registry rows) held
// 46 MB of copies (five strings, the root and the row, 120 bytes a row),
// on top of the table. A rule reads the cells it looks at.
type regRows struct {
	t   *msi.Table      // nil: no Registry table
	pos [numRegCols]int // the columns' positions, -1 for a column the table lacks
}

// Len returns the number of rows.
func (x *regRows) Len() int {
	if x.t == nil {
		return 0
	}
	return x.t.Len()
}

// At returns row i.
func (x *regRows) At(i int) regRow { return regRow{x: x, row: x.t.Row(i)} }

// All returns an iterator over the rows, in stored order.
func (x *regRows) All() iter.Seq[regRow] {
	return func(yield func(regRow) bool) {
		for i := range x.Len() {
			if !yield(x.At(i)) {
				return
			}
		}
	}
}

// registryRows returns the Registry table's rows.
func (c *checker) registryRows() *regRows {
	if c.regs != nil {
		return c.regs
	}
	c.regs = &regRows{}
	if t := c.table("Registry"); t != nil {
		c.regs = &regRows{t: t}
		for i, name := range regColNames {
			c.regs.pos[i] = slices.IndexFunc(t.Columns(), func(col msi.Column) bool { return col.Name == name })
		}
	}
	return c.regs
}

// regIndex finds Registry rows by key: the first row of each key, held
// as its position in the checker's registryRows, not as a copy of it
// (150,000 rows copied into an index cost 37 MB beside the 18 MB of the
// rows themselves; their positions cost 5 MB).
type regIndex struct {
	rows *regRows
	pos  textmemo.Index[int32]
}

// Lookup returns the first Registry row whose key is id, and whether
// there is one.
func (x *regIndex) Lookup(id string) (regRow, bool) {
	i, ok := x.pos.Lookup(id)
	if !ok {
		return regRow{}, false
	}
	return x.rows.At(int(i)), true
}

// registryByID returns the Registry rows by key, for lookups by the
// KeyPath cells of components (a textmemo.Index: thousands of them may
// name one long pooled text).
func (c *checker) registryByID() *regIndex {
	if c.regByID == nil {
		regs := c.registryRows()
		c.regByID = &regIndex{rows: regs}
		c.regByID.pos.Reserve(regs.Len())
		for i := range regs.Len() {
			if id := regs.At(i).id(); !c.regByID.pos.Has(id) {
				c.regByID.pos.Set(id, int32(i))
			}
		}
	}
	return c.regByID
}

// quote returns s quoted for a message, shortened when long.
func quote(s string) string {
	return string(appendQuote(nil, s))
}

// appendQuote appends s quoted for a message, shortened when long, as
// quote returns it.
func appendQuote(dst []byte, s string) []byte {
	dst = append(dst, '\'')
	if len(s) <= 120 {
		dst = append(dst, s...)
	} else {
		dst = append(append(dst, clip.Prefix(s, 120)...), "…"...)
	}
	return append(dst, '\'')
}
