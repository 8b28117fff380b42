package validate

import (
	"strings"

	"github.com/msikit/msikit/msi"
)

// checker holds one validation run: the database, the tables read so far,
// the models several rules share (built on first use) and the findings.
type checker struct {
	db   *msi.Database
	kind pkgKind
	max  int
	err  error // the first table that could not be decoded

	rule    *ruleEntry
	out     []Finding
	listed  map[ruleSev]int
	omitted map[ruleSev]int

	tables map[string]*msi.Table // nil value: the database has no such table

	compIdx *compIndex
	dirs    *dirTree
	feats   map[string][]string // component -> features (FeatureComponents)
	feature map[string]bool     // Feature keys
	regs    []regRow
	regByID map[string]regRow

	memo    textMemo       // checks of long texts, by identity (memo.go)
	textNum map[string]int // long key values, numbered (writeKeyPart)
}

func newChecker(db *msi.Database, kind pkgKind, max int) *checker {
	if max == 0 {
		max = DefaultMaxFindings
	}
	return &checker{db: db, kind: kind, max: max, listed: map[ruleSev]int{}, omitted: map[ruleSev]int{},
		tables: map[string]*msi.Table{}, memo: textMemo{}}
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
	by   map[string]*component
}

// comps returns the Component table's rows (empty when there is none).
func (c *checker) comps() *compIndex {
	if c.compIdx != nil {
		return c.compIdx
	}
	ci := &compIndex{by: map[string]*component{}}
	if t := c.table("Component"); t != nil {
		for r := range t.Rows() {
			a, _ := num(r, "Attributes")
			cp := &component{name: str(r, "Component"), id: str(r, "ComponentId"), dir: str(r, "Directory_"),
				cond: str(r, "Condition"), keyPath: str(r, "KeyPath"), attr: a, row: r}
			ci.list = append(ci.list, cp)
			if _, dup := ci.by[cp.name]; !dup {
				ci.by[cp.name] = cp
			}
		}
	}
	c.compIdx = ci
	return ci
}

// features returns the features each component belongs to
// (FeatureComponents; in a merge module every component of ModuleComponents
// belongs to the one feature the module is merged into, named "").
func (c *checker) features() map[string][]string {
	if c.feats != nil {
		return c.feats
	}
	c.feats = map[string][]string{}
	if c.kind == kindModule {
		if t := c.table("ModuleComponents"); t != nil {
			for r := range t.Rows() {
				comp := str(r, "Component")
				if len(c.feats[comp]) == 0 {
					c.feats[comp] = []string{""}
				}
			}
		}
		return c.feats
	}
	if t := c.table("FeatureComponents"); t != nil {
		for r := range t.Rows() {
			comp := str(r, "Component_")
			c.feats[comp] = append(c.feats[comp], str(r, "Feature_"))
		}
	}
	return c.feats
}

// sameFeature reports whether components a and b share a feature.
func (c *checker) sameFeature(a, b string) bool {
	fs := c.features()
	for _, x := range fs[a] {
		for _, y := range fs[b] {
			if x == y {
				return true
			}
		}
	}
	return false
}

// isFeature reports whether name is a key of the Feature table.
func (c *checker) isFeature(name string) bool {
	if c.feature == nil {
		c.feature = map[string]bool{}
		if t := c.table("Feature"); t != nil {
			for r := range t.Rows() {
				c.feature[str(r, "Feature")] = true
			}
		}
	}
	return c.feature[name]
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
	return target != "" && !strings.Contains(target, "[") && c.isFeature(target)
}

// dirTree is the Directory table as parent links and target names.
type dirTree struct {
	parent      map[string]string // "" for a root
	short, long map[string]string // target names; "." means the parent itself
	order       []string          // keys in stored order
	memo        map[string]map[string]string
}

// directories returns the Directory table as a tree (empty when there is
// none).
func (c *checker) directories() *dirTree {
	if c.dirs != nil {
		return c.dirs
	}
	d := &dirTree{parent: map[string]string{}, short: map[string]string{}, long: map[string]string{},
		memo: map[string]map[string]string{}}
	if t := c.table("Directory"); t != nil {
		for r := range t.Rows() {
			k := str(r, "Directory")
			if _, dup := d.parent[k]; dup {
				continue
			}
			p := str(r, "Directory_Parent")
			if p == k {
				p = ""
			}
			d.parent[k] = p
			s, l := targetNames(str(r, "DefaultDir"))
			d.short[k], d.long[k] = s, l
			d.order = append(d.order, k)
		}
	}
	c.dirs = d
	return d
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
// Directory_Parent) that set names, or "" if none; setName keys the memo.
// Each directory is visited once per set, whatever the chains look like
// (loops end when a directory repeats).
func (d *dirTree) up(key, setName string, set map[string]bool) string {
	memo := d.memo[setName]
	if memo == nil {
		memo = map[string]string{}
		d.memo[setName] = memo
	}
	var path []string
	onPath := map[string]bool{}
	res := ""
	for cur := key; cur != ""; {
		if r, ok := memo[cur]; ok {
			res = r
			break
		}
		if set[cur] {
			res = cur
			break
		}
		if onPath[cur] {
			break // a loop: no folder of the set above
		}
		onPath[cur] = true
		path = append(path, cur)
		cur = d.parent[cur]
	}
	for _, k := range path {
		memo[k] = res
	}
	return res
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

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// inProfile returns the user-profile folder directory key is in ("" if none).
func (c *checker) inProfile(dir string) string {
	return c.directories().up(dir, "profile", userProfileFolders)
}

// regRow is one Registry row.
type regRow struct {
	id, key, name, value, comp string
	root                       int32
	hasRoot                    bool
	row                        msi.Row
}

// registryRows returns the Registry table's rows.
func (c *checker) registryRows() []regRow {
	if c.regs != nil {
		return c.regs
	}
	c.regs = []regRow{}
	if t := c.table("Registry"); t != nil {
		for r := range t.Rows() {
			root, ok := num(r, "Root")
			c.regs = append(c.regs, regRow{id: str(r, "Registry"), key: str(r, "Key"), name: str(r, "Name"),
				value: str(r, "Value"), comp: str(r, "Component_"), root: root, hasRoot: ok, row: r})
		}
	}
	return c.regs
}

// registryByID returns the Registry rows by key.
func (c *checker) registryByID() map[string]regRow {
	if c.regByID == nil {
		regs := c.registryRows()
		c.regByID = make(map[string]regRow, len(regs))
		for _, r := range regs {
			if _, dup := c.regByID[r.id]; !dup {
				c.regByID[r.id] = r
			}
		}
	}
	return c.regByID
}

// quote returns s quoted for a message, shortened when long.
func quote(s string) string {
	return "'" + clip(s, 120) + "'"
}
