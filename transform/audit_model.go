package transform

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/msikit/msikit/internal/bucket"
	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform/internal/edit"
)

// This file is the audit's model of a package's features, components and
// key paths: what a feature health check covers. It reads plain rows; the
// entry points and the passes' analysis are in audit_passes.go.

// auditModel is what the audit reads from a database.
type auditModel struct {
	db          *msi.Database
	productCode string
	allUsers    string
	perUser     string // MSIINSTALLPERUSER

	features     textmemo.Index[*amFeature]
	featureOrder []string
	numFeatures  int // len(featureOrder), which trim drops
	components   textmemo.Index[*amComponent]
	files        textmemo.Index[amFile]
	registry     textmemo.Index[amRegistry] // an index: keys may be one long pooled text
	odbc         map[string]bool
	createFolder map[string]bool     // Component -> has a CreateFolder row for its own directory
	compFiles    textmemo.Index[int] // Component -> File rows
	// The features holding each component of FeatureComponents, in
	// table order (featuresOf): those of component id are
	// compFeats[compStart[id]:compStart[id+1]], id being amComponent.fc-1
	// for a component of the Component table, compID[c] for the others.
	// A map of a slice per component took 40 bytes an entry more than
	// the id (10 MB for 120,000 components), and a map of every
	// component's id 55 bytes more than the field (6.5 MB).
	compID    textmemo.Index[int32]
	compStart []int32
	// fcIDs holds the id of each component of each feature's list
	// (amFeature.firstID), of numCompIDs ids: walkTree counts a chain's
	// components by them, not by their names hashed again.
	fcIDs        []int32
	numCompIDs   int
	compFeats    []string
	compFeatSets map[string]map[string]bool // featuresOf a component in many features, as a set (inFeature)
	// assemblies is Component -> MsiAssembly row: an Index, since every
	// row may name one long pooled text (a map hashed it per row).
	assemblies textmemo.Index[*amAssembly]
	// checks and distincts cache the health check of each feature and
	// the number of distinct components it holds.
	checks    map[string]*HealthCheck
	distincts map[string]int
	// walked holds, by feature (amFeature.idx), its chain and the
	// distinct components of it (walkTree, or chainOf for a feature in
	// or below a cycle); walkedNames, those of names the Feature table
	// lacks. A map by name took 110 bytes a feature more than the slice
	// (6 MB for 54,000 features).
	walked      []walked
	walkedNames map[string]walked
	treeWalked  bool
	// fileSeq is File key -> Sequence, filled by NewPackageIndex.
	fileSeq textmemo.Index[int]
	// descriptors caches descriptorOf by feature and component rows;
	// descriptorsByName, by feature, then component, those that are in
	// no table (Indexes, since either may be a long cell).
	descriptors       map[descKey][2]string
	descriptorsByName textmemo.Index[*textmemo.Index[[2]string]]
	// featureErrs caches, by feature, darwin.Encode's error for the
	// product code and the feature alone, as text; featureErrNames holds a stand-in
	// row for each feature that is in no table.
	featureErrs     map[*amFeature]string
	featureErrNames textmemo.Index[*amFeature]

	// stop ends reading the tables and the audit's long loops once the
	// audit's context is done; nil never does.
	stop *edit.Stop
}

type amFeature struct {
	name, parent string
	components   []string   // FeatureComponents order
	repeats      bool       // components names one twice (duplicate FeatureComponents rows)
	firstID      int32      // components' ids (fcPairs) are auditModel.fcIDs[firstID:][:len(components)]
	idx          int32      // its place in featureOrder
	up           *amFeature // the parent's row, set by walkTree (nil: none, or not walked)
}

type amComponent struct {
	name, id, directory, keyPath string
	attributes                   int32
	fc                           int32 // its FeatureComponents id + 1, 0 when it has none
}

type amFile struct {
	component, name, version string
}

type amRegistry struct {
	root      int16
	key, name string
	component string
}

type amAssembly struct {
	win32   bool
	private bool // File_Application set: installed beside an application, not in a global cache
	attrs   int32
	names   []amName
}

// amName is one MsiAssemblyName row.
type amName struct{ name, value string }

// amTable calls fn for each row of table when the database has it.
func (m *auditModel) rows(table string, fn func(r msi.Row)) error {
	if !m.db.HasTable(table) {
		return nil
	}
	t, err := m.db.Table(table)
	if err != nil {
		return fmt.Errorf("transform: audit: %w", err)
	}
	for r := range t.Rows() {
		if m.stop.Tick() {
			return m.stop.Err()
		}
		fn(r)
	}
	return nil
}

// count returns the number of rows of table (0 when the database has
// none, or it does not load: rows reports that).
func (m *auditModel) count(table string) int {
	if !m.db.HasTable(table) {
		return 0
	}
	t, err := m.db.Table(table)
	if err != nil {
		return 0
	}
	return t.Len()
}

func readAuditModel(db *msi.Database, stop *edit.Stop) (*auditModel, error) {
	return readModel(db, false, stop)
}

// readFeatureModel reads the features and what they hold only: what
// check and covers need (the rewritten copy's model, whose key paths the
// audit never reports).
func readFeatureModel(db *msi.Database, stop *edit.Stop) (*auditModel, error) {
	return readModel(db, true, stop)
}

// readModel reads the model; once stop says to stop, it returns stop's
// error.
func readModel(db *msi.Database, featuresOnly bool, stop *edit.Stop) (*auditModel, error) {
	m := &auditModel{db: db, stop: stop, odbc: map[string]bool{},
		createFolder: map[string]bool{}, checks: map[string]*HealthCheck{}}
	var err error
	// str is a string cell. The features-only model outlives its
	// database: it keeps copies, not views of the database's string pool,
	// one copy of each long text however many rows share it.
	str := func(r msi.Row, col string) string { return r.Get(col).Str() }
	if featuresOnly {
		var long textmemo.Index[string] // a long text's one copy
		str = func(r msi.Row, col string) string {
			s := r.Get(col).Str()
			if len(s) < 256 {
				return strings.Clone(s)
			}
			if c, ok := long.Lookup(s); ok {
				return c
			}
			c := strings.Clone(s)
			long.Set(c, c)
			return c
		}
	}
	step := func(table string, fn func(r msi.Row)) {
		if featuresOnly && table != "Feature" && table != "FeatureComponents" {
			return
		}
		if err == nil {
			err = m.rows(table, fn)
		}
	}

	step("Property", func(r msi.Row) {
		switch r.Get("Property").Str() {
		case "ProductCode":
			m.productCode = r.Get("Value").Str()
		case "ALLUSERS":
			m.allUsers = strings.TrimSpace(r.Get("Value").Str())
		case "MSIINSTALLPERUSER":
			m.perUser = strings.TrimSpace(r.Get("Value").Str())
		}
	})
	// The indexes by name are sized for the rows they are filled from:
	// grown step by step, those of 120,000 components were rehashed and
	// copied again and again (a tenth of the audit's time).
	m.features.Reserve(m.count("Feature"))
	if !featuresOnly {
		m.components.Reserve(m.count("Component"))
	}
	step("Feature", func(r msi.Row) {
		name := str(r, "Feature")
		if _, dup := m.features.Lookup(name); dup {
			return
		}
		m.features.Set(name, &amFeature{name: name, parent: str(r, "Feature_Parent"), idx: int32(len(m.featureOrder))})
		m.featureOrder = append(m.featureOrder, name)
		m.numFeatures = len(m.featureOrder)
	})
	step("Component", func(r msi.Row) {
		name := r.Get("Component").Str()
		if _, dup := m.components.Lookup(name); dup {
			return
		}
		m.components.Set(name, &amComponent{name: name, id: r.Get("ComponentId").Str(), directory: r.Get("Directory_").Str(),
			keyPath: r.Get("KeyPath").Str(), attributes: r.Get("Attributes").Int()})
	})
	fc := fcPairs{pairs: make([][2]int32, 0, m.count("FeatureComponents")), clone: featuresOnly}
	fc.fID.Reserve(m.count("Feature"))
	fc.cID.Reserve(m.count("Component"))
	step("FeatureComponents", func(r msi.Row) { fc.add(r.Get("Feature_").Str(), r.Get("Component_").Str()) })
	if err == nil && !stop.Stopped() {
		fc.group(m)
	}
	var longNames textmemo.Memo[string] // longName of long FileNames
	step("File", func(r msi.Row) {
		key := r.Get("File").Str()
		c := r.Get("Component_").Str()
		m.compFiles.Set(c, m.compFiles.Get(c)+1)
		if _, dup := m.files.Lookup(key); !dup {
			m.files.Set(key, amFile{component: c, name: longNames.Get(r.Get("FileName").Str(), longName), version: r.Get("Version").Str()})
		}
	})
	step("Registry", func(r msi.Row) {
		key := r.Get("Registry").Str()
		if !m.registry.Has(key) {
			m.registry.Set(key, amRegistry{root: int16(r.Get("Root").Int()), key: r.Get("Key").Str(), name: r.Get("Name").Str(), component: r.Get("Component_").Str()})
		}
	})
	step("ODBCDataSource", func(r msi.Row) { m.odbc[r.Get("DataSource").Str()] = true })
	step("CreateFolder", func(r msi.Row) {
		c := r.Get("Component_").Str()
		if comp := m.components.Get(c); comp != nil && comp.directory == r.Get("Directory_").Str() {
			m.createFolder[c] = true
		}
	})
	// The names of each component's assembly, by component: an Index
	// (as m.assemblies), the rows of a table may all name one long text.
	var names textmemo.Index[[]amName]
	step("MsiAssemblyName", func(r msi.Row) {
		c := r.Get("Component_").Str()
		names.Set(c, append(names.Get(c), amName{r.Get("Name").Str(), r.Get("Value").Str()}))
	})
	step("MsiAssembly", func(r msi.Row) {
		c := r.Get("Component_").Str()
		a := r.Get("Attributes")
		m.assemblies.Set(c, &amAssembly{win32: !a.IsNull() && a.Int() == 1, attrs: a.Int(), private: r.Get("File_Application").Str() != "", names: names.Get(c)})
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// trim drops what the model keeps for the audit's analysis once it is
// done: what stays is what the report's features and their components'
// key paths are written from.
func (m *auditModel) trim() {
	m.db = nil
	m.featureOrder = nil
	m.compID, m.compStart, m.compFeats, m.compFeatSets = textmemo.Index[int32]{}, nil, nil, nil
	m.checks, m.distincts, m.walked, m.walkedNames, m.treeWalked = nil, nil, nil, nil, false
	m.dropDescriptors()
	m.fileSeq = textmemo.Index[int]{}
}

// dropDescriptors drops the caches of descriptorOf: the entry points,
// listed, hold their descriptors.
func (m *auditModel) dropDescriptors() {
	m.descriptors, m.featureErrs = nil, nil
	m.descriptorsByName, m.featureErrNames = textmemo.Index[*textmemo.Index[[2]string]]{}, textmemo.Index[*amFeature]{}
}

// perMachine reports whether the package installs per machine: ALLUSERS
// 1, or 2 (per machine when an administrator installs it) without
// MSIINSTALLPERUSER=1.
func (m *auditModel) perMachine() bool {
	switch m.allUsers {
	case "1":
		return true
	case "2":
		return m.perUser != "1"
	}
	return false
}

// Component attribute bits the key path depends on.
const (
	compRegistryKeyPath = 0x0004
	compODBCKeyPath     = 0x0020
)

// Registry roots (the Registry table's Root column).
var rootNames = map[int16]string{-1: "HKMU", 0: "HKCR", 1: "HKCU", 2: "HKLM", 3: "HKU"}

// keyPath describes the key path of component c.
func (m *auditModel) keyPath(c *amComponent) KeyPath {
	kp := KeyPath{}
	switch {
	case c.attributes&compRegistryKeyPath != 0:
		kp.Kind = "registry"
		r, ok := m.registry.Lookup(c.keyPath)
		if c.keyPath == "" || !ok {
			kp.Kind = "missing"
			kp.Problem = clip.Sprintf("the registry key path %q names no Registry row", c.keyPath)
			return kp
		}
		kp.Registry = c.keyPath
		kp.Root = rootNames[r.root]
		if kp.Root == "" {
			kp.Root = fmt.Sprint(r.root)
		}
		if r.root == -1 {
			// HKMU: HKLM per machine, HKCU per user.
			if m.perMachine() {
				kp.Root = "HKLM"
			} else {
				kp.Root = "HKCU"
			}
		}
		kp.Key, kp.Name = r.key, r.name
		if r.component != c.name {
			kp.Problem = clip.Sprintf("the key path's Registry row belongs to component %s", r.component)
		}
	case c.attributes&compODBCKeyPath != 0:
		kp.Kind = "odbc"
		kp.ODBC = c.keyPath
		if !m.odbc[c.keyPath] {
			kp.Kind = "missing"
			kp.Problem = clip.Sprintf("the ODBC key path %q names no ODBCDataSource row", c.keyPath)
		}
	case c.keyPath == "":
		kp.Kind = "folder"
		kp.Directory = c.directory
		switch {
		case c.directory == "SystemFolder" || c.directory == "System64Folder" || c.directory == "WindowsFolder":
			kp.Problem = clip.Sprintf("the key path is %s, which every system has: the component is always detected, installed or not (ICE18)", c.directory)
		case !m.createFolder[c.name] && m.compFiles.Get(c.name) == 0:
			kp.Problem = "the key path is the component's folder, which nothing creates (no CreateFolder row, no files): Windows Installer removes empty folders, so the key path goes missing (ICE18)"
		}
	default:
		kp.Kind = "file"
		f, ok := m.files.Lookup(c.keyPath)
		if !ok {
			kp.Kind = "missing"
			kp.Problem = clip.Sprintf("the key file %q names no File row", c.keyPath)
			return kp
		}
		kp.File, kp.FileName, kp.Version = c.keyPath, f.name, f.version
		if f.component != c.name {
			kp.Problem = clip.Sprintf("the key file belongs to component %s", f.component)
		}
		if a := m.assemblies.Get(c.name); a != nil && !a.private {
			// A global assembly's key path is checked in the assembly
			// cache, by the identity MsiAssemblyName gives.
			kp.Kind = "assembly"
			kp.Assembly = assemblyIdentity(a)
			if a.win32 {
				kp.AssemblyKind = "win32"
			} else {
				kp.AssemblyKind = ".net"
			}
		}
	}
	return kp
}

// assemblyIdentity writes an assembly's MsiAssemblyName rows as a display
// name: "name, attr=value, ...", name first. Each name and value is
// clipped (clip.String): the identity is kept for each component, and a
// long pooled value shared by the rows of many components is not copied
// into each.
func assemblyIdentity(a *amAssembly) string {
	var name string
	var rest []string
	for _, at := range a.names {
		if strings.EqualFold(at.name, "name") && name == "" {
			name = clip.String(at.value)
			continue
		}
		rest = append(rest, clip.String(at.name)+"="+clip.String(at.value))
	}
	sort.Strings(rest)
	return clip.String(strings.Join(append([]string{name}, rest...), ", "))
}

// inFeature reports whether FeatureComponents pairs component comp with
// feature. A component in many features is looked up in a set built once:
// thousands of entry points of a component in thousands of features cost
// a lookup each, not a scan of its features each (31,500 entry points of
// a component in 42,000 features: 1.3 billion comparisons, 3.4 s).
func (m *auditModel) inFeature(comp, feature string) bool {
	fs := m.featuresOf(comp)
	if len(fs) <= 64 {
		return slices.Contains(fs, feature)
	}
	set := m.compFeatSets[comp]
	if set == nil {
		if m.compFeatSets == nil {
			m.compFeatSets = map[string]map[string]bool{}
		}
		set = make(map[string]bool, len(fs))
		for _, f := range fs {
			set[f] = true
		}
		m.compFeatSets[comp] = set
	}
	return set[feature]
}

// maxChain is the longest Feature_Parent chain the audit follows:
// Windows Installer refuses trees deeper than 16 (error 2701); a longer
// chain in a hostile package is cut there and reported.
const maxChain = 64

// chain returns a feature and its parents, the feature first, stopping at
// a cycle, a parent that does not exist or maxChain features (problem
// says which).
//
// The walk keeps the features in an array on the stack, so a cycle is
// found by comparing pointers and the chain is allocated once, at its
// length: tens of thousands of entry points, each naming a feature deep
// in a chain, allocated a map of up to 64 names each (925 MB in all for
// 55,000 of them).
func (m *auditModel) chain(feature string) (chain []string, problem string) {
	var walked [maxChain]*amFeature
	n := 0
	done := func() []string {
		if n == 0 {
			return nil
		}
		out := make([]string, n)
		for i, ft := range walked[:n] {
			out[i] = ft.name
		}
		return out
	}
	for f := feature; f != ""; {
		ft := m.features.Get(f)
		if ft == nil {
			if f == feature {
				return nil, clip.Sprintf("feature %q is not in the Feature table", f)
			}
			return done(), clip.Sprintf("Feature_Parent %q names no feature", f)
		}
		if slices.Contains(walked[:n], ft) {
			return done(), clip.Sprintf("the Feature_Parent chain has a cycle through %q", f)
		}
		if n == maxChain {
			return done(), clip.Sprintf("the Feature_Parent chain is deeper than %d features (Windows Installer allows 16)", maxChain)
		}
		walked[n] = ft
		n++
		f = ft.parent
	}
	return done(), ""
}

// own calls fn with each component a feature holds (FeatureComponents),
// each once, in table order, until fn returns false. Nothing is kept: a
// CoveredComponent is 288 bytes, and one feature can hold 124,000
// components (36 MB as a list).
func (m *auditModel) own(feature string, fn func(cname string) bool) {
	ft := m.features.Get(feature)
	if ft == nil {
		return
	}
	if !ft.repeats {
		// No set of the names seen: the 120,000 components of one
		// feature were hashed into one each time the report was
		// written (twice for --json, counted then written).
		for _, c := range ft.components {
			if !fn(c) {
				return
			}
		}
		return
	}
	seen := make(map[string]struct{}, len(ft.components))
	for _, cname := range ft.components {
		if _, dup := seen[cname]; dup {
			continue
		}
		seen[cname] = struct{}{}
		if !fn(cname) {
			return
		}
	}
}

// covered returns what the report says of component cname of feature.
func (m *auditModel) covered(feature, cname string) CoveredComponent {
	cc := CoveredComponent{Feature: feature, Component: cname}
	if c := m.components.Get(cname); c != nil {
		cc.ComponentID = c.id
		cc.KeyPath = m.keyPath(c)
	} else {
		cc.KeyPath = KeyPath{Kind: "missing", Problem: "the component is not in the Component table"}
	}
	return cc
}

// check returns the health check of feature: the feature and its parents,
// whose components' key paths Windows Installer verifies before it
// returns a component of the feature through an advertised entry point,
// and how many distinct components that is. The components themselves
// are listed once per feature (own).
func (m *auditModel) check(feature string) *HealthCheck {
	if hc, ok := m.checks[feature]; ok {
		return hc
	}
	chain, problem, covers := m.chainOf(feature)
	hc := &HealthCheck{Feature: feature, Features: chain, Problem: problem, Covers: covers}
	if hc.Features == nil {
		hc.Features = []string{}
	}
	m.checks[feature] = hc
	return hc
}

// chainFeatures calls fn with the feature of each name of chain, a
// feature's name and its parents' in turn as chainOf and check make it.
// It follows the features' parent links from start (the first name's
// feature, or nil) and looks a name up only where a link does not lead
// to it: the chains of 54,000 entry points name 3.5 million features. A
// name no feature has is skipped.
func (m *auditModel) chainFeatures(start *amFeature, chain []string, fn func(*amFeature)) {
	ft := start
	for _, g := range chain {
		if ft == nil || ft.name != g {
			ft = m.features.Get(g)
		}
		if ft == nil {
			continue
		}
		fn(ft)
		ft = ft.up
	}
}

// chainOf returns what check says of feature without making it a
// HealthCheck: the entry points' Covers and the coverage of their
// features need the chain and its count only, and a HealthCheck kept for
// each of 54,000 features, of the package and of the rewritten copy,
// took 6 MB each.
func (m *auditModel) chainOf(feature string) (chain []string, problem string, covers int) {
	if !m.treeWalked {
		m.walkTree()
	}
	ft := m.features.Get(feature)
	var w walked
	if ft != nil {
		w = m.walked[ft.idx]
	} else {
		w = m.walkedNames[feature]
	}
	if !w.done {
		// In or below a cycle: walked alone (once), and not counted.
		w.chain, w.problem = m.chain(feature)
		w.covers, w.done = -1, true
		if ft != nil {
			m.walked[ft.idx] = w
		} else {
			if m.walkedNames == nil {
				m.walkedNames = map[string]walked{}
			}
			m.walkedNames[feature] = w
		}
	}
	if w.covers >= 0 {
		return w.chain, w.problem, w.covers
	}
	// A chain cut at maxChain or running into a cycle (refused by
	// Windows Installer): each feature's distinct components, added up,
	// so that no big feature is counted again for every one of thousands
	// of features below it.
	// The chain's features followed through their parent links, not
	// looked up by name (64 for each of 54,000 features).
	at := ft
	for _, f := range w.chain {
		if at == nil || at.name != f {
			at = m.features.Get(f)
		}
		covers += m.distinctOf(at)
		if at != nil {
			at = at.up
		}
	}
	// Kept: each of 54,000 features of a chain cut at maxChain is asked
	// for by its entry points' Covers, check and coverage, and adding up
	// 64 counts by name each time was a fifth of the audit's time.
	w.covers = covers
	if ft != nil {
		m.walked[ft.idx] = w
	} else {
		m.walkedNames[feature] = w
	}
	return w.chain, w.problem, covers
}

// walked is what walkTree finds for a feature reachable from a root of
// the feature tree.
type walked struct {
	chain   []string // the feature, then its parents, at most maxChain
	problem string   // as chain's
	covers  int      // distinct components of the chain; -1 when cut
	done    bool     // set: the zero value is a feature not walked yet
}

// walkTree sets m.walked of every feature reachable from a root of the
// feature tree (a feature without a parent, or whose parent is not in
// the Feature table); features in or below a cycle are left to chain.
//
// It counts, per component, how many features of the current chain hold
// it: entering a feature adds its components, leaving takes them away,
// so each FeatureComponents row is counted in and out once, and a feature
// of 200,000 components above 5,000 advertised features costs its rows
// twice, not 5,000 times (a count per checked feature did that: over
// 100 s at 3.8 MB). Chains deeper than maxChain are cut and not counted
// (check adds up their features' counts).
//
// The chains share their names: a feature's chain is written just before
// its parent's in one array, so a Feature_Parent chain of 55,000
// features holds its names once instead of 64 times (a chain per entry
// point made the audit of such a package 430 MB). A later sibling, whose
// slot the first one took, starts a new array.
func (m *auditModel) walkTree() {
	m.walked, m.treeWalked = make([]walked, m.numFeatures), true
	// The children of each feature by its place (amFeature.idx), found
	// through the parent links, not by name: a name may be one long
	// pooled text in thousands of rows (a 4 MiB component in 2,000
	// features took 1.1 s of hashing when the names were hashed each
	// time), and a chain of 54,000 features was looked up by name twice
	// per feature.
	children := make([][]*amFeature, m.numFeatures)
	var roots []*amFeature
	for _, name := range m.featureOrder {
		ft := m.features.Get(name)
		if ft == nil || ft.name != name {
			continue
		}
		if up, ok := m.features.Lookup(ft.parent); ft.parent == "" || !ok {
			roots = append(roots, ft)
		} else {
			ft.up = up
			children[up.idx] = append(children[up.idx], ft)
		}
	}
	// How many levels each feature's subtree has (1 for a leaf): a new
	// chain array keeps that much room, at most maxChain, so a leaf's
	// chain takes exactly its names and a long chain's array lasts.
	height := make([]int32, m.numFeatures)
	descend(roots, children, func(*amFeature) {}, func(ft *amFeature) {
		h := int32(1)
		for _, ch := range children[ft.idx] {
			h = max(h, height[ch.idx]+1)
		}
		height[ft.idx] = h
	})
	held := make([]int32, m.numCompIDs) // per component id: features of the chain holding it
	distinct := 0
	count := func(ft *amFeature, d int32) {
		for _, id := range m.fcIDs[ft.firstID:][:len(ft.components)] {
			if held[id] == 0 {
				distinct++
			}
			if held[id] += d; held[id] == 0 {
				distinct--
			}
		}
	}
	cut := clip.Sprintf("the Feature_Parent chain is deeper than %d features (Windows Installer allows 16)", maxChain)
	// The features being walked, root first: where each one's chain is.
	type frame struct {
		arr     *chainArray
		off     int // arr.names[off] is the feature
		depth   int
		problem string
	}
	var stack []frame
	enter := func(ft *amFeature) {
		f := frame{depth: 1}
		if len(stack) == 0 {
			if ft.parent != "" {
				f.problem = clip.Sprintf("Feature_Parent %q names no feature", ft.parent)
			}
			f.arr = newChainArray(0, min(int(height[ft.idx]), maxChain))
			f.off = f.arr.lo - 1
		} else {
			parent := &stack[len(stack)-1]
			f.depth, f.problem = parent.depth+1, parent.problem
			if parent.off == parent.arr.lo && parent.off > 0 {
				f.arr, f.off = parent.arr, parent.off-1 // the slot before the parent's chain is free
			} else {
				n := min(parent.depth, maxChain-1)
				f.arr = newChainArray(n, min(int(height[ft.idx]), maxChain))
				f.off = f.arr.lo - 1
				copy(f.arr.names[f.arr.lo:], parent.arr.names[parent.off:parent.off+n])
			}
		}
		f.arr.names[f.off], f.arr.lo = ft.name, f.off
		k := min(f.depth, maxChain)
		w := walked{chain: f.arr.names[f.off : f.off+k : f.off+k], problem: f.problem, covers: -1, done: true}
		if f.depth > maxChain {
			w.problem = cut
		} else {
			count(ft, 1)
			w.covers = distinct
		}
		m.walked[ft.idx] = w
		stack = append(stack, f)
	}
	leave := func(ft *amFeature) {
		if stack[len(stack)-1].depth <= maxChain {
			count(ft, -1)
		}
		stack = stack[:len(stack)-1]
	}
	descend(roots, children, enter, leave)
}

// descend walks the feature trees below roots depth first, without
// recursion (a chain can be tens of thousands of features deep): enter
// is called for each feature before its children (children, by
// amFeature.idx), leave after them. A feature is walked once.
func descend(roots []*amFeature, children [][]*amFeature, enter, leave func(*amFeature)) {
	type frame struct {
		ft   *amFeature
		next int // the child to walk next
	}
	var stack []frame
	seen := make([]bool, len(children))
	for _, r := range roots {
		if seen[r.idx] {
			continue
		}
		seen[r.idx] = true
		enter(r)
		stack = append(stack, frame{ft: r})
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if kids := children[top.ft.idx]; top.next < len(kids) {
				ch := kids[top.next]
				top.next++
				if !seen[ch.idx] {
					seen[ch.idx] = true
					enter(ch)
					stack = append(stack, frame{ft: ch})
				}
				continue
			}
			leave(top.ft)
			stack = stack[:len(stack)-1]
		}
	}
}

// A chainArray holds chains written from its end towards its start:
// names[lo:] are taken.
type chainArray struct {
	names []string
	lo    int
}

// newChainArray returns an array with room for n names of a parent's
// chain at its end and room more before them.
func newChainArray(n, room int) *chainArray {
	size := n + room
	return &chainArray{names: make([]string, size), lo: size - n}
}

// distinctOf returns how many distinct components ft holds (0 for nil).
func (m *auditModel) distinctOf(ft *amFeature) int {
	if ft == nil {
		return 0
	}
	feature := ft.name
	if !ft.repeats {
		return len(ft.components)
	}
	if n, ok := m.distincts[feature]; ok {
		return n
	}
	n := 0
	m.own(feature, func(string) bool { n++; return true })
	if m.distincts == nil {
		m.distincts = map[string]int{}
	}
	m.distincts[feature] = n
	return n
}

// fcPairs collects the FeatureComponents rows as pairs of ids (8 bytes a
// row) and then hands each feature and each component its list in one
// exactly sized array per direction: a slice appended to per feature and
// per component regrew each many times (a table pairing 1,050 features
// with 1,050 components allocated 240 MB so).
type fcPairs struct {
	fID, cID textmemo.Index[int32] // long names hashed once per distinct text
	f, c     []string
	pairs    [][2]int32
	clone    bool // keep copies of the names, not views of the string pool (but for long names, which the indexes see first as views)
}

func (p *fcPairs) add(f, c string) {
	id := func(ids *textmemo.Index[int32], names *[]string, s string) int32 {
		n, ok := ids.Lookup(s)
		if !ok {
			if p.clone {
				s = strings.Clone(s)
			}
			n = int32(len(*names))
			ids.Set(s, n)
			*names = append(*names, s)
		}
		return n
	}
	p.pairs = append(p.pairs, [2]int32{id(&p.fID, &p.f, f), id(&p.cID, &p.c, c)})
}

// group sets the features' components and the components' features
// (featuresOf), each in table order.
func (p *fcPairs) group(m *auditModel) {
	if len(p.pairs) == 0 {
		return
	}
	featOf := func(pr [2]int32) int32 { return pr[0] }
	compOf := func(pr [2]int32) int32 { return pr[1] }
	fStart, cStart := bucket.Starts(p.pairs, len(p.f), featOf), bucket.Starts(p.pairs, len(p.c), compOf)
	byF := bucket.Place(nil, p.pairs, fStart, featOf, func(pr [2]int32) string { return p.c[pr[1]] })
	byFID := bucket.Place(nil, p.pairs, fStart, featOf, compOf) // byF's component ids
	byC := bucket.Place(nil, p.pairs, cStart, compOf, func(pr [2]int32) string { return p.f[pr[0]] })
	// last[c] is 1 + the last feature found holding component id c: a
	// feature whose list names a component twice (duplicate rows) is
	// marked, so that own sets the names aside only for such a one.
	last := make([]int32, len(p.c))
	for i, f := range p.f {
		repeats := false
		for _, c := range byFID[fStart[i]:fStart[i+1]] {
			repeats = repeats || last[c] == int32(i)+1
			last[c] = int32(i) + 1
		}
		if ft := m.features.Get(f); ft != nil {
			ft.components = byF[fStart[i]:fStart[i+1]:fStart[i+1]]
			ft.repeats = repeats
			ft.firstID = fStart[i]
		}
	}
	m.fcIDs, m.numCompIDs = byFID, len(p.c)
	m.compFeats = byC
	for id, c := range p.c {
		if comp := m.components.Get(c); comp != nil {
			comp.fc = int32(id) + 1
			continue
		}
		m.compID.Set(c, int32(id))
	}
	m.compStart = cStart
}

// featuresOf returns the features that hold component c, in
// FeatureComponents order.
func (m *auditModel) featuresOf(c string) []string {
	var id int32
	if comp := m.components.Get(c); comp != nil {
		if comp.fc == 0 {
			return nil
		}
		id = comp.fc - 1
	} else if n, ok := m.compID.Lookup(c); ok {
		id = n
	} else {
		return nil
	}
	lo, hi := m.compStart[id], m.compStart[id+1]
	return m.compFeats[lo:hi:hi]
}
