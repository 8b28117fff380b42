package classreg

import (
	"crypto/sha256"
	"fmt"
	"github.com/msikit/msikit/transform/internal/edit"
	"sort"
	"strconv"
	"strings"
)

// This file is the ClassToRegistry mapping: from plain rows of the Class,
// ProgId, AppId, Extension, Verb and MIME tables to the Registry rows that
// write the same keys and values, without a database. The rules follow what
// msiexec writes (checked against Wine's implementation and WiX's compiler,
// see the package documentation of ClassToRegistry for the decisions).

// Table names of the source tables.
const (
	tblClass     = "Class"
	tblProgID    = "ProgId"
	tblAppID     = "AppId"
	tblExtension = "Extension"
	tblVerb      = "Verb"
	tblMIME      = "MIME"
	tblTypeLib   = "TypeLib"
	tblRegistry  = "Registry"
)

// Component attribute bits.
const (
	compRegistryKeyPath = 0x0004
	compODBCKeyPath     = 0x0020
	comp64              = 0x0100
)

// classRelativePath is msidbClassAttributesRelativePath.
const classRelativePath = 1

// Addition is a Registry row to insert.
type Addition struct {
	Row    RegistryRow
	Reason string
}

// Removal is a source row to delete.
type Removal struct {
	Table  string
	Index  int // index into the input slice of that table
	Ref    RowRef
	Reason string
}

// Action is a standard action to add to a sequence table
// (InstallExecuteSequence, or ModuleInstallExecuteSequence for merge
// modules).
type Action struct {
	Action   string
	Sequence int32
	Table    string
}

// The sequence tables the pass adds actions to.
const (
	seqInstall = "InstallExecuteSequence"
	seqModule  = "ModuleInstallExecuteSequence"
)

// Plan is what ClassToRegistry will do.
type Plan struct {
	Add        []Addition
	Remove     []Removal
	Actions    []Action
	Components []NewComponent
	Notes      []edit.Note
	// over says which bound of MaxChanges the plan passed ("" if none);
	// planning stops there.
	over string
}

// NewComponent is a registry-only component the pass adds so that
// registration tied to a feature is installed and removed with that
// feature alone: its Registry rows, a FeatureComponents row for Feature,
// and the original component's directory, condition and 64-bit bit.
type NewComponent struct {
	Component   string // new key
	ComponentID string // GUID, derived from package data
	From        string // the component the registration names
	Feature     string
	Directory   string
	Attributes  int32 // registry key path, plus From's 64-bit and transitive bits
	Condition   string
	KeyPath     string // one of its own Registry rows
	Reason      string
}

// maxFileTypes is the most FileType values the pass writes for one
// class: as many patterns as the standard 255-character FileTypeMask
// column can hold. A class with more keeps its advertised form.
const maxFileTypes = 128

// node kinds of the registration graph.
type kind int

const (
	kindClass kind = iota
	kindProgID
	kindAppID
	kindExtension
	kindVerb
	kindMIME
)

func (k kind) table() string {
	return [...]string{tblClass, tblProgID, tblAppID, tblExtension, tblVerb, tblMIME}[k]
}

type node struct {
	kind kind
	idx  int
}

// planner holds the indexes and the state of one planning run.
type planner struct {
	in   *Input
	opts Options
	plan Plan

	comps     map[string]*ComponentRow
	files     map[string]*FileRow
	features  map[string]bool
	icons     map[string]bool
	compFeats map[string]map[string]bool

	classesBy map[string][]int // lower CLSID -> class rows
	progBy    map[string]int   // lower ProgId -> first row
	appBy     map[string]int
	extBy     map[string][]int // lower extension -> rows
	mimeBy    map[string]int
	// reverse indexes, so that no step is quadratic in hostile tables
	classByProg map[string][]int // lower ProgId_Default -> class rows
	classByApp  map[string][]int // lower AppId_ -> class rows
	extByProg   map[string][]int // lower ProgId_ -> extension rows
	verbsByExt  map[int][]int    // extension row -> its verbs
	clsidLive   map[string]bool  // lower CLSID -> some class row is registered
	progRootOf  []int            // top of each ProgId's chain, -1 on a cycle
	progClassOf []int            // class row found on the chain, -1 none
	progCLSID   []string         // CLSID found on the chain
	viOf        map[int][]int    // chain top -> ProgIds below it, table order

	// per-row facts
	classDead   []string // reason msiexec never registers the row, or ""
	extDead     []string
	progParent  []int // resolved parent row, -1 none
	progCyclic  []bool
	progLive    []bool
	progComp    []string // component the ProgId keys follow
	progFeat    []string // feature of the class or extension the ProgId follows
	progWhy     []string
	appLive     []bool
	verbExt     []int // extension row a verb belongs to (-1 none)
	verbLive    []bool
	mimeLive    []bool
	mimeExt     []int
	classIcon   []iconRef
	progIcon    []iconRef
	classClash  []string // duplicate CLSID/context conflict, or ""
	problems    map[node][]string
	nodes       []node
	nodeIndex   map[node]int
	parent      []int // union-find
	keptGroup   map[int]bool
	existing    map[string]RegistryRow // lower key \x00 lower name -> existing Root-0 row
	added       map[string]Addition    // lower key \x00 lower name -> first added row
	addedSlots  map[string]bool        // slot with component
	usedIDs     map[string]bool
	bitnessSeen map[string]bool
	// owners maps component \x00 feature to the component that holds the
	// Registry rows of registration tied to that feature (see owner).
	owners    map[string]string
	compTaken map[string]bool // lower-case Component keys in use

	maxChanges int   // bound on len(plan.Add)+len(plan.Remove)
	textLeft   int64 // bytes of added row text still allowed
}

type iconRef struct {
	value   string // DefaultIcon value, "" when none
	problem string // why it cannot be expressed, "" when fine
}

// makePlan computes the plan for in.
func makePlan(in *Input, opts Options) *Plan {
	p := &planner{in: in, opts: opts, maxChanges: opts.MaxChanges}
	if p.maxChanges <= 0 {
		p.maxChanges = edit.DefaultMaxChanges
	}
	p.textLeft = int64(p.maxChanges) * 512
	p.index()
	p.checkClasses()
	p.checkProgIDs()
	p.chains()
	p.checkExtensions()
	p.liveness()
	p.group()
	p.generate()
	p.finishComponents()
	p.sequence()
	p.typeLibs()
	p.advertisedRegistry()
	return &p.plan
}

func (p *planner) note(sev edit.Severity, table string, key []string, format string, args ...any) {
	p.plan.Notes = append(p.plan.Notes, edit.Note{Severity: sev, Table: table, Key: key, Reason: fmt.Sprintf(format, args...)})
}

func (p *planner) index() {
	in := p.in
	p.comps = map[string]*ComponentRow{}
	for i := range in.Components {
		c := &in.Components[i]
		if _, dup := p.comps[c.Component]; !dup {
			p.comps[c.Component] = c
		}
	}
	p.files = map[string]*FileRow{}
	for i := range in.Files {
		f := &in.Files[i]
		if _, dup := p.files[f.File]; !dup {
			p.files[f.File] = f
		}
	}
	p.features = map[string]bool{}
	for _, f := range in.Features {
		p.features[f] = true
	}
	p.icons = map[string]bool{}
	for _, ic := range in.Icons {
		p.icons[ic] = true
	}
	p.compFeats = map[string]map[string]bool{}
	for _, fc := range in.FeatureComponents {
		m := p.compFeats[fc.Component]
		if m == nil {
			m = map[string]bool{}
			p.compFeats[fc.Component] = m
		}
		m[fc.Feature] = true
	}
	p.classesBy = map[string][]int{}
	for i, c := range in.Classes {
		k := strings.ToLower(c.CLSID)
		p.classesBy[k] = append(p.classesBy[k], i)
	}
	p.progBy = map[string]int{}
	for i, r := range in.ProgIDs {
		if _, dup := p.progBy[strings.ToLower(r.ProgID)]; !dup {
			p.progBy[strings.ToLower(r.ProgID)] = i
		}
	}
	p.appBy = map[string]int{}
	for i, r := range in.AppIDs {
		if _, dup := p.appBy[strings.ToLower(r.AppID)]; !dup {
			p.appBy[strings.ToLower(r.AppID)] = i
		}
	}
	p.extBy = map[string][]int{}
	for i, r := range in.Extensions {
		k := strings.ToLower(strings.TrimPrefix(r.Extension, "."))
		p.extBy[k] = append(p.extBy[k], i)
	}
	p.classByProg = map[string][]int{}
	p.classByApp = map[string][]int{}
	for i, c := range in.Classes {
		if c.ProgIDDefault != "" {
			k := strings.ToLower(c.ProgIDDefault)
			p.classByProg[k] = append(p.classByProg[k], i)
		}
		if c.AppID != "" {
			k := strings.ToLower(c.AppID)
			p.classByApp[k] = append(p.classByApp[k], i)
		}
	}
	p.extByProg = map[string][]int{}
	for i, e := range in.Extensions {
		if e.ProgID != "" {
			k := strings.ToLower(e.ProgID)
			p.extByProg[k] = append(p.extByProg[k], i)
		}
	}
	p.mimeBy = map[string]int{}
	for i, r := range in.MIMEs {
		if _, dup := p.mimeBy[strings.ToLower(r.ContentType)]; !dup {
			p.mimeBy[strings.ToLower(r.ContentType)] = i
		}
	}
	p.problems = map[node][]string{}
	p.existing = map[string]RegistryRow{}
	p.usedIDs = map[string]bool{}
	for _, r := range in.Registry {
		p.usedIDs[r.ID] = true
		key, ok := hKCRKey(r)
		if !ok {
			continue
		}
		slot := strings.ToLower(key) + "\x00" + strings.ToLower(r.Name)
		if _, dup := p.existing[slot]; !dup {
			p.existing[slot] = r
		}
	}
	p.added = map[string]Addition{}
	p.addedSlots = map[string]bool{}
	p.owners = map[string]string{}
	p.compTaken = map[string]bool{}
	for _, c := range in.Components {
		p.compTaken[strings.ToLower(c.Component)] = true
	}
	p.bitnessSeen = map[string]bool{}
}

// hkcrKey returns the HKEY_CLASSES_ROOT-relative key an existing Registry
// row writes, if it writes one: Root 0, or a Software\Classes key under
// HKLM (2) or the per-user/per-machine root (-1).
func hKCRKey(r RegistryRow) (string, bool) {
	switch r.Root {
	case 0:
		return r.Key, true
	case -1, 2:
		const pre = `software\classes\`
		if len(r.Key) > len(pre) && strings.ToLower(r.Key[:len(pre)]) == pre {
			return r.Key[len(pre):], true
		}
	}
	return "", false
}

func (p *planner) problem(n node, format string, args ...any) {
	p.problems[n] = append(p.problems[n], fmt.Sprintf(format, args...))
}

// keyFile returns the File key of a component's key path when it is a
// file, or a reason why not.
func (p *planner) keyFile(component string) (*FileRow, string) {
	c := p.comps[component]
	if c == nil {
		return nil, fmt.Sprintf("component %s is not in the Component table", component)
	}
	switch {
	case c.Attributes&compRegistryKeyPath != 0:
		return nil, fmt.Sprintf("component %s has a registry key path, not a key file", component)
	case c.Attributes&compODBCKeyPath != 0:
		return nil, fmt.Sprintf("component %s has an ODBC data source key path, not a key file", component)
	case c.KeyPath == "":
		return nil, fmt.Sprintf("component %s has no key file (its key path is its folder)", component)
	}
	f := p.files[c.KeyPath]
	if f == nil {
		return nil, fmt.Sprintf("component %s's key path %s is not in the File table", component, c.KeyPath)
	}
	return f, ""
}

// iconPath expresses a DefaultIcon from the Icon table.
func (p *planner) iconPath(icon string, index OptInt) iconRef {
	if icon == "" {
		return iconRef{}
	}
	if p.opts.NoIconCache {
		return iconRef{problem: fmt.Sprintf("icon %s exists only in the Icon table (icon cache paths disabled)", icon)}
	}
	if strings.TrimSpace(p.in.AllUsers) != "1" {
		return iconRef{problem: fmt.Sprintf("icon %s exists only in the Icon table and the package is not per-machine (ALLUSERS=%q), so the folder PublishProduct caches it in is only known at install time", icon, p.in.AllUsers)}
	}
	v := `[WindowsFolder]Installer\[ProductCode]\` + fmtLiteral(icon)
	if index.Valid {
		v += "," + strconv.Itoa(int(index.V))
	}
	return iconRef{value: v}
}

func (p *planner) checkClasses() {
	in := p.in
	n := len(in.Classes)
	p.classDead = make([]string, n)
	p.classIcon = make([]iconRef, n)
	p.classClash = make([]string, n)
	for i, c := range in.Classes {
		nd := node{kindClass, i}
		if _, why := p.keyFile(c.Component); why != "" {
			p.classDead[i] = why
		} else if !p.featureExists(c.Feature) {
			p.classDead[i] = fmt.Sprintf("feature %s is not in the Feature table", c.Feature)
		}
		if p.classDead[i] != "" {
			p.note(edit.Warning, tblClass, c.ref.Key, "left alone: msiexec never registers this class: %s", p.classDead[i])
			continue
		}
		if c.Icon == "" && c.IconIndex.Valid {
			p.note(edit.Warning, tblClass, c.ref.Key, "IconIndex %d without Icon_ is ignored (msiexec would write a broken icon path)", c.IconIndex.V)
		} else if c.Icon != "" && !p.icons[c.Icon] {
			p.note(edit.Warning, tblClass, c.ref.Key, "Icon_ %s is not in the Icon table; DefaultIcon will name a file that is never written", c.Icon)
		}
		p.classIcon[i] = p.iconPath(c.Icon, c.IconIndex)
		if p.classIcon[i].problem != "" {
			p.problem(nd, "%s", p.classIcon[i].problem)
		}
		if n := fileTypes(c.FileTypeMask); n > maxFileTypes {
			p.problem(nd, "%s", fileTypesProblem(n))
		}
		if c.AppID != "" {
			if _, ok := p.appBy[strings.ToLower(c.AppID)]; !ok {
				p.note(edit.Warning, tblClass, c.ref.Key, "AppId_ %s is not in the AppId table; msiexec writes no AppID value for it, and neither do the Registry rows", c.AppID)
			}
		}
		if c.ProgIDDefault != "" {
			if _, ok := p.progBy[strings.ToLower(c.ProgIDDefault)]; !ok {
				p.note(edit.Warning, tblClass, c.ref.Key, "ProgId_Default %s is not in the ProgId table; only CLSID\\%s\\ProgID is written for it", c.ProgIDDefault, c.CLSID)
			}
		}
		p.checkAdvertised(tblClass, c.ref.Key, c.Feature)
		if feats := p.compFeats[c.Component]; !feats[c.Feature] && !p.in.MergeModule {
			p.note(edit.Warning, tblClass, c.ref.Key, "Feature_ %s does not contain component %s: msiexec registers the class with %s but installs %s with its own features; the Registry rows go in a component of %s alone", c.Feature, c.Component, c.Feature, c.Component, c.Feature)
		}
		p.checkBitness(c)
	}
	// Duplicate CLSIDs, in table order: several contexts share the
	// CLSID-level keys; the same context from two components is a
	// conflict. Linear in the number of rows, however many share a CLSID.
	done := map[string]bool{}
	for _, c0 := range in.Classes {
		k := strings.ToLower(c0.CLSID)
		rows := p.classesBy[k]
		if len(rows) < 2 || done[k] {
			continue
		}
		done[k] = true
		var ctxs []string
		for n, i := range rows {
			if n == 8 {
				ctxs = append(ctxs, fmt.Sprintf("and %d more", len(rows)-n))
				break
			}
			ctxs = append(ctxs, in.Classes[i].Context+" ("+in.Classes[i].Component+")")
		}
		list := strings.Join(ctxs, ", ")
		first := map[string]int{} // lower context -> first live row
		flagged := map[int]bool{}
		for _, i := range rows {
			c := in.Classes[i]
			p.note(edit.Info, tblClass, c.ref.Key, "CLSID %s has %d Class rows (%s); the CLSID-level keys are written once per component", c.CLSID, len(rows), list)
			if p.classDead[i] != "" {
				continue
			}
			ctx := strings.ToLower(c.Context)
			j, seen := first[ctx]
			if !seen {
				first[ctx] = i
				continue
			}
			cj := in.Classes[j]
			why := fmt.Sprintf("CLSID %s context %s is registered by two components (%s and %s): the server path depends on install order", c.CLSID, c.Context, cj.Component, c.Component)
			p.classClash[i] = why
			p.problem(node{kindClass, i}, "%s", why)
			if !flagged[j] {
				flagged[j] = true
				p.problem(node{kindClass, j}, "%s", why)
			}
		}
	}
}

// nullGUID is the Feature_ value merge modules use: the merge tool
// replaces it with the feature the module is merged into.
const nullGUID = "{00000000-0000-0000-0000-000000000000}"

// featureExists reports whether a Feature_ value names a feature: one of
// the Feature table, or in a merge module the null GUID placeholder.
func (p *planner) featureExists(f string) bool {
	return p.features[f] || p.in.MergeModule && f == nullGUID
}

// Feature attribute bits.
const (
	featFavorAdvertise    = 0x04
	featDisallowAdvertise = 0x08
)

// checkAdvertised notes rows whose feature favours being advertised: the
// original registers them while the feature is only advertised (and
// installs it on first use); the Registry rows appear only once the
// component is installed locally.
func (p *planner) checkAdvertised(table string, key []string, feature string) {
	if a := p.in.FeatureAttributes[feature]; a&featFavorAdvertise != 0 && a&featDisallowAdvertise == 0 {
		p.note(edit.Warning, table, key, "feature %s favours advertising: the original registers this while the feature is only advertised (install on demand); the Registry rows are written only when the component is installed", feature)
	}
}

func is64(platform string) bool {
	switch strings.ToLower(platform) {
	case "x64", "intel64", "amd64", "arm64":
		return true
	}
	return false
}

func (p *planner) checkBitness(c ClassRow) {
	comp := p.comps[c.Component]
	if comp == nil {
		return
	}
	pkg64 := is64(p.in.Platform)
	comp64 := comp.Attributes&comp64 != 0
	if pkg64 == comp64 {
		return
	}
	view := func(b bool) string {
		if b {
			return "64-bit"
		}
		return "32-bit"
	}
	p.note(edit.Warning, tblClass, c.ref.Key,
		"bitness: msiexec registered this class in the %s registry view (package platform %q), the Registry rows follow component %s (%s)",
		view(pkg64), p.in.Platform, c.Component, view(comp64))
}

func (p *planner) checkProgIDs() {
	in := p.in
	n := len(in.ProgIDs)
	p.progParent = make([]int, n)
	p.progCyclic = make([]bool, n)
	p.progIcon = make([]iconRef, n)
	for i, r := range in.ProgIDs {
		p.progParent[i] = -1
		if r.Parent == "" {
			continue
		}
		j, ok := p.progBy[strings.ToLower(r.Parent)]
		switch {
		case !ok:
			p.note(edit.Warning, tblProgID, r.ref.Key, "ProgId_Parent %s is not in the ProgId table; treated as no parent, as msiexec does", r.Parent)
		case j == i:
			p.note(edit.Info, tblProgID, r.ref.Key, "ProgId_Parent names the ProgId itself; treated as no parent, as msiexec does")
		default:
			p.progParent[i] = j
		}
	}
	// Cycle detection: colour 0 unvisited, 1 on the current walk, 2 done.
	state := make([]int, n)
	for i := range in.ProgIDs {
		if state[i] != 0 {
			continue
		}
		var path []int
		j := i
		for j >= 0 && state[j] == 0 {
			state[j] = 1
			path = append(path, j)
			j = p.progParent[j]
		}
		bad := j >= 0 && (state[j] == 1 || p.progCyclic[j])
		for _, k := range path {
			state[k] = 2
			if bad {
				p.progCyclic[k] = true
			}
		}
	}
	for i, r := range in.ProgIDs {
		if p.progCyclic[i] {
			p.problem(node{kindProgID, i}, "ProgId_Parent chain of %s never ends (a cycle)", r.ProgID)
			p.note(edit.Warning, tblProgID, r.ref.Key, "ProgId_Parent chain never ends (a cycle); no CurVer, CLSID or VersionIndependentProgID can be derived from it")
		}
		if r.Class != "" {
			if _, ok := p.classesBy[strings.ToLower(r.Class)]; !ok {
				p.note(edit.Warning, tblProgID, r.ref.Key, "Class_ %s is not in the Class table", r.Class)
			}
		}
		if r.Icon == "" && r.IconIndex.Valid {
			p.note(edit.Warning, tblProgID, r.ref.Key, "IconIndex %d without Icon_ is ignored", r.IconIndex.V)
		} else if r.Icon != "" && !p.icons[r.Icon] {
			p.note(edit.Warning, tblProgID, r.ref.Key, "Icon_ %s is not in the Icon table; DefaultIcon will name a file that is never written", r.Icon)
		}
	}
}

// progRoot returns the top of a ProgId's parent chain (itself if none), or
// -1 on a cycle.
func (p *planner) progRoot(i int) int { return p.progRootOf[i] }

// progClass returns the CLSID found first on a ProgId's chain (its own
// Class_, then its parents'), as msiexec inherits CLSID through
// ProgId_Parent, and the first registered Class row of that CLSID (-1 if
// none is registered).
func (p *planner) progClass(i int) (clsid string, ClassRow int) {
	return p.progCLSID[i], p.progClassOf[i]
}

// chains computes, in linear time, the top, the class and the CLSID of
// every ProgId's parent chain, and the ProgIds below each top.
func (p *planner) chains() {
	in := p.in
	n := len(in.ProgIDs)
	p.progRootOf = make([]int, n)
	p.progClassOf = make([]int, n)
	p.progCLSID = make([]string, n)
	done := make([]bool, n)
	for i := range in.ProgIDs {
		if done[i] {
			continue
		}
		// Walk up to a known or terminal ProgId, then fill the path back.
		var path []int
		j := i
		for j >= 0 && !done[j] && !p.progCyclic[j] {
			path = append(path, j)
			j = p.progParent[j]
		}
		for k := len(path) - 1; k >= 0; k-- {
			x := path[k]
			parent := p.progParent[x]
			r := in.ProgIDs[x]
			rows, own := p.classesBy[strings.ToLower(r.Class)]
			switch {
			case r.Class != "" && own:
				p.progCLSID[x] = in.Classes[rows[0]].CLSID
				p.progClassOf[x] = -1
				for _, ci := range rows {
					if p.classDead[ci] == "" {
						p.progClassOf[x], p.progCLSID[x] = ci, in.Classes[ci].CLSID
						break
					}
				}
			case parent >= 0 && !p.progCyclic[parent]:
				p.progCLSID[x], p.progClassOf[x] = p.progCLSID[parent], p.progClassOf[parent]
			default:
				p.progClassOf[x] = -1
			}
			if parent >= 0 && !p.progCyclic[parent] {
				p.progRootOf[x] = p.progRootOf[parent]
			} else {
				p.progRootOf[x] = x
			}
			done[x] = true
		}
	}
	for i := range in.ProgIDs {
		if p.progCyclic[i] {
			p.progRootOf[i], p.progClassOf[i], p.progCLSID[i] = -1, -1, ""
		}
	}
	p.viOf = map[int][]int{}
	for i := range in.ProgIDs {
		if r := p.progRootOf[i]; r >= 0 && r != i && p.progParent[i] >= 0 {
			p.viOf[r] = append(p.viOf[r], i)
		}
	}
}

func (p *planner) checkExtensions() {
	in := p.in
	p.extDead = make([]string, len(in.Extensions))
	for i, e := range in.Extensions {
		switch {
		case p.comps[e.Component] == nil:
			p.extDead[i] = fmt.Sprintf("component %s is not in the Component table", e.Component)
		case !p.featureExists(e.Feature):
			p.extDead[i] = fmt.Sprintf("feature %s is not in the Feature table", e.Feature)
		}
		if p.extDead[i] != "" {
			p.note(edit.Warning, tblExtension, e.ref.Key, "left alone: msiexec never registers this extension: %s", p.extDead[i])
			continue
		}
		p.checkAdvertised(tblExtension, e.ref.Key, e.Feature)
		if e.MIME != "" {
			if _, ok := p.mimeBy[strings.ToLower(e.MIME)]; !ok {
				p.note(edit.Warning, tblExtension, e.ref.Key, "MIME_ %s is not in the MIME table; msiexec writes no Content Type for it, and neither do the Registry rows", e.MIME)
			}
		}
		if e.ProgID != "" {
			if _, ok := p.progBy[strings.ToLower(e.ProgID)]; !ok {
				p.note(edit.Warning, tblExtension, e.ref.Key, "ProgId_ %s is not in the ProgId table; its name is used as is", e.ProgID)
			}
		}
	}
	p.verbExt = make([]int, len(in.Verbs))
	p.verbsByExt = map[int][]int{}
	for i, v := range in.Verbs {
		p.verbExt[i] = -1
		if rows, ok := p.extBy[strings.ToLower(strings.TrimPrefix(v.Extension, "."))]; ok {
			p.verbExt[i] = rows[0] // msiexec attaches verbs to the first row of that extension
			p.verbsByExt[rows[0]] = append(p.verbsByExt[rows[0]], i)
		}
	}
	p.mimeExt = make([]int, len(in.MIMEs))
	for i, m := range in.MIMEs {
		p.mimeExt[i] = -1
		if rows, ok := p.extBy[strings.ToLower(strings.TrimPrefix(m.Extension, "."))]; ok {
			p.mimeExt[i] = rows[0]
		}
	}
}

// extHasVerbs reports whether extension row e owns at least one verb.
func (p *planner) extHasVerbs(e int) bool { return len(p.verbsByExt[e]) > 0 }

// liveness decides which rows msiexec would register at all.
func (p *planner) liveness() {
	in := p.in
	p.progLive = make([]bool, len(in.ProgIDs))
	p.progComp = make([]string, len(in.ProgIDs))
	p.progFeat = make([]string, len(in.ProgIDs))
	p.progWhy = make([]string, len(in.ProgIDs))
	// withProg: lower CLSID -> first registered Class row whose
	// ProgId_Default names a ProgId row.
	withProg := map[string]int{}
	for ci, c := range in.Classes {
		k := strings.ToLower(c.CLSID)
		if _, done := withProg[k]; done || p.classDead[ci] != "" || c.ProgIDDefault == "" {
			continue
		}
		if _, ok := p.progBy[strings.ToLower(c.ProgIDDefault)]; ok {
			withProg[k] = ci
		}
	}
	for i, r := range in.ProgIDs {
		if p.progCyclic[i] {
			// A cycle is registered by nothing we can compute; it stays
			// a problem of whatever refers to it.
			continue
		}
		// Registered with its class: a registered Class row of the CLSID
		// on its chain whose ProgId_Default names a ProgId row.
		if clsid, ci := p.progClass(i); ci >= 0 {
			if cj, ok := withProg[strings.ToLower(clsid)]; ok {
				c := in.Classes[cj]
				p.progLive[i] = true
				p.progComp[i], p.progFeat[i] = c.Component, c.Feature
				p.progWhy[i] = "class " + c.CLSID
				continue
			}
		}
		for _, e := range p.extByProg[strings.ToLower(r.ProgID)] {
			if p.extDead[e] == "" && p.extHasVerbs(e) {
				ext := in.Extensions[e]
				p.progLive[i] = true
				p.progComp[i], p.progFeat[i] = ext.Component, ext.Feature
				p.progWhy[i] = "extension ." + ext.Extension
				break
			}
		}
	}
	// Cyclic ProgIds referenced by a live class or extension are live (and
	// a problem); otherwise dead.
	for i := range in.ProgIDs {
		if !p.progCyclic[i] {
			continue
		}
		r := in.ProgIDs[i]
		refs := append(append([]int(nil), p.classByProg[strings.ToLower(r.ProgID)]...), p.classesBy[strings.ToLower(r.Class)]...)
		for _, ci := range refs {
			if p.classDead[ci] == "" {
				p.progLive[i] = true
				p.progComp[i], p.progFeat[i] = in.Classes[ci].Component, in.Classes[ci].Feature
				break
			}
		}
		if !p.progLive[i] {
			for _, e := range p.extByProg[strings.ToLower(r.ProgID)] {
				if p.extDead[e] == "" {
					p.progLive[i] = true
					p.progComp[i], p.progFeat[i] = in.Extensions[e].Component, in.Extensions[e].Feature
					break
				}
			}
		}
	}
	for i, r := range in.ProgIDs {
		if !p.progLive[i] {
			p.note(edit.Info, tblProgID, r.ref.Key, "left alone: msiexec never registers this ProgId (no registered class on its chain, no extension with verbs names it)")
			continue
		}
		p.progIcon[i] = p.iconPath(r.Icon, r.IconIndex)
		if p.progIcon[i].problem != "" {
			p.problem(node{kindProgID, i}, "%s", p.progIcon[i].problem)
		}
	}
	p.clsidLive = map[string]bool{}
	for i, c := range in.Classes {
		if p.classDead[i] == "" {
			p.clsidLive[strings.ToLower(c.CLSID)] = true
		}
	}
	p.appLive = make([]bool, len(in.AppIDs))
	for i, c := range in.Classes {
		if c.AppID == "" || p.classDead[i] != "" {
			continue
		}
		if j, ok := p.appBy[strings.ToLower(c.AppID)]; ok {
			p.appLive[j] = true
		}
	}
	for i, a := range in.AppIDs {
		if !p.appLive[i] {
			p.note(edit.Info, tblAppID, a.ref.Key, "left alone: no registered class refers to this AppId")
		}
	}
	p.verbLive = make([]bool, len(in.Verbs))
	for i, v := range in.Verbs {
		e := p.verbExt[i]
		switch {
		case e < 0:
			p.note(edit.Warning, tblVerb, v.ref.Key, "left alone: extension %s is not in the Extension table", v.Extension)
		case p.extDead[e] != "":
			p.note(edit.Warning, tblVerb, v.ref.Key, "left alone: its extension is never registered")
		case in.Extensions[e].ProgID == "":
			p.note(edit.Info, tblVerb, v.ref.Key, "left alone: extension %s has no ProgId_, so msiexec registers no verbs for it", v.Extension)
		default:
			p.verbLive[i] = true
			if _, why := p.keyFile(in.Extensions[e].Component); why != "" {
				p.problem(node{kindVerb, i}, "the verb command needs a key file path: %s", why)
			}
		}
	}
	p.mimeLive = make([]bool, len(in.MIMEs))
	for i, m := range in.MIMEs {
		live := m.CLSID != "" && p.clsidLive[strings.ToLower(m.CLSID)]
		if e := p.mimeExt[i]; e >= 0 && p.extDead[e] == "" {
			live = true
		}
		switch {
		case p.mimeExt[i] < 0:
			p.note(edit.Warning, tblMIME, m.ref.Key, "left alone: extension %s is not in the Extension table, so msiexec writes nothing for it", m.Extension)
		case !live:
			p.note(edit.Info, tblMIME, m.ref.Key, "left alone: neither its class nor its extension is registered")
		default:
			p.mimeLive[i] = true
		}
	}
}

func (p *planner) find(x int) int {
	for p.parent[x] != x {
		p.parent[x] = p.parent[p.parent[x]]
		x = p.parent[x]
	}
	return x
}

func (p *planner) union(a, b node) {
	ia, oka := p.nodeIndex[a]
	ib, okb := p.nodeIndex[b]
	if !oka || !okb {
		return
	}
	ra, rb := p.find(ia), p.find(ib)
	if ra != rb {
		if ra < rb {
			p.parent[rb] = ra
		} else {
			p.parent[ra] = rb
		}
	}
}

// group joins rows that write overlapping registration (a class and its
// ProgIds, a ProgId and its parent, an extension with its verbs, MIME types
// and ProgId, classes sharing a CLSID or an AppId) so that a group is
// converted or kept advertised as a whole.
func (p *planner) group() {
	in := p.in
	p.nodeIndex = map[node]int{}
	add := func(k kind, n int) {
		for i := 0; i < n; i++ {
			nd := node{k, i}
			p.nodeIndex[nd] = len(p.nodes)
			p.nodes = append(p.nodes, nd)
		}
	}
	add(kindClass, len(in.Classes))
	add(kindProgID, len(in.ProgIDs))
	add(kindAppID, len(in.AppIDs))
	add(kindExtension, len(in.Extensions))
	add(kindVerb, len(in.Verbs))
	add(kindMIME, len(in.MIMEs))
	p.parent = make([]int, len(p.nodes))
	for i := range p.parent {
		p.parent[i] = i
	}
	for i, c := range in.Classes {
		p.union(node{kindClass, i}, node{kindClass, p.classesBy[strings.ToLower(c.CLSID)][0]})
		if j, ok := p.progBy[strings.ToLower(c.ProgIDDefault)]; ok && c.ProgIDDefault != "" {
			p.union(node{kindClass, i}, node{kindProgID, j})
		}
		if j, ok := p.appBy[strings.ToLower(c.AppID)]; ok && c.AppID != "" {
			p.union(node{kindClass, i}, node{kindAppID, j})
		}
	}
	for i, r := range in.ProgIDs {
		if p.progParent[i] >= 0 {
			p.union(node{kindProgID, i}, node{kindProgID, p.progParent[i]})
		}
		if rows := p.classesBy[strings.ToLower(r.Class)]; len(rows) > 0 {
			p.union(node{kindProgID, i}, node{kindClass, rows[0]})
		}
	}
	for i, e := range in.Extensions {
		p.union(node{kindExtension, i}, node{kindExtension, p.extBy[strings.ToLower(strings.TrimPrefix(e.Extension, "."))][0]})
		if j, ok := p.progBy[strings.ToLower(e.ProgID)]; ok && e.ProgID != "" {
			p.union(node{kindExtension, i}, node{kindProgID, j})
		}
		if j, ok := p.mimeBy[strings.ToLower(e.MIME)]; ok && e.MIME != "" {
			p.union(node{kindExtension, i}, node{kindMIME, j})
		}
	}
	for i := range in.Verbs {
		if e := p.verbExt[i]; e >= 0 {
			p.union(node{kindVerb, i}, node{kindExtension, e})
		}
	}
	for i, m := range in.MIMEs {
		if e := p.mimeExt[i]; e >= 0 {
			p.union(node{kindMIME, i}, node{kindExtension, e})
		}
		if rows := p.classesBy[strings.ToLower(m.CLSID)]; len(rows) > 0 {
			p.union(node{kindMIME, i}, node{kindClass, rows[0]})
		}
	}
	// A group with a problem in one of its live rows keeps its advertised
	// form unless the caller asked to drop what cannot be expressed.
	p.keptGroup = map[int]bool{}
	reasons := map[int][]string{}
	for nd, probs := range p.problems {
		if !p.isLive(nd) {
			continue
		}
		g := p.find(p.nodeIndex[nd])
		reasons[g] = append(reasons[g], probs...)
	}
	if p.opts.DropUnexpressible {
		return
	}
	for g, rs := range reasons {
		p.keptGroup[g] = true
		sort.Strings(rs)
		rs = dedupe(rs)
		if len(rs) > 5 {
			rs = append(rs[:5], fmt.Sprintf("and %d more", len(rs)-5))
		}
		reasons[g] = rs
	}
	for _, nd := range p.nodes {
		g := p.find(p.nodeIndex[nd])
		if !p.keptGroup[g] || !p.isLive(nd) {
			continue
		}
		p.note(edit.Warning, nd.kind.table(), p.ref(nd).Key, "left advertised (registration group cannot be expressed faithfully): %s", strings.Join(reasons[g], "; "))
	}
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func (p *planner) isLive(nd node) bool {
	switch nd.kind {
	case kindClass:
		return p.classDead[nd.idx] == ""
	case kindProgID:
		return p.progLive[nd.idx]
	case kindAppID:
		return p.appLive[nd.idx]
	case kindExtension:
		return p.extDead[nd.idx] == ""
	case kindVerb:
		return p.verbLive[nd.idx]
	case kindMIME:
		return p.mimeLive[nd.idx]
	}
	return false
}

func (p *planner) ref(nd node) RowRef {
	in := p.in
	switch nd.kind {
	case kindClass:
		return in.Classes[nd.idx].ref
	case kindProgID:
		return in.ProgIDs[nd.idx].ref
	case kindAppID:
		return in.AppIDs[nd.idx].ref
	case kindExtension:
		return in.Extensions[nd.idx].ref
	case kindVerb:
		return in.Verbs[nd.idx].ref
	case kindMIME:
		return in.MIMEs[nd.idx].ref
	}
	return RowRef{}
}

// converted reports whether a live row is converted (its group not kept).
func (p *planner) converted(nd node) bool {
	return p.isLive(nd) && !p.keptGroup[p.find(p.nodeIndex[nd])]
}

// emit adds one Registry row (Root 0) unless an equal one exists. Past
// the MaxChanges bounds it records why in plan.over and adds nothing more.
func (p *planner) emit(key, name, value, component, reason string) {
	if p.plan.over != "" {
		return
	}
	if len(p.plan.Add)+len(p.plan.Remove) >= p.maxChanges {
		p.plan.over = fmt.Sprintf("more than %d row changes", p.maxChanges)
		return
	}
	if p.textLeft -= int64(len(key) + len(name) + len(value) + len(component)); p.textLeft < 0 {
		p.plan.over = fmt.Sprintf("more than %d bytes of Registry row text", int64(p.maxChanges)*512)
		return
	}
	slot := strings.ToLower(key) + "\x00" + strings.ToLower(name)
	if ex, ok := p.existing[slot]; ok {
		if ex.Value == value {
			p.note(edit.Info, tblRegistry, []string{ex.ID}, "%s%s already written by this existing Registry row; not added again (%s)", key, valueName(name), reason)
		} else {
			p.note(edit.Warning, tblRegistry, []string{ex.ID}, "%s%s: the existing Registry row writes %q, the advertised registration wrote %q; the existing row already won (WriteRegistryValues runs after the Register* actions), so no row is added (%s)", key, valueName(name), ex.Value, value, reason)
		}
		return
	}
	if prev, ok := p.added[slot]; ok {
		if prev.Row.Value != value {
			p.note(edit.Warning, tblRegistry, []string{prev.Row.ID}, "%s%s: %s wants %q but %s already writes %q; the first is kept", key, valueName(name), reason, value, prev.Reason, prev.Row.Value)
			return
		}
		if p.addedSlots[slot+"\x00"+component] {
			return
		}
	}
	id := p.registryID(key, name, component)
	a := Addition{Row: RegistryRow{ID: id, Root: 0, Key: key, Name: name, Value: value, Component: component}, Reason: reason}
	if _, ok := p.added[slot]; !ok {
		p.added[slot] = a
	}
	p.addedSlots[slot+"\x00"+component] = true
	p.plan.Add = append(p.plan.Add, a)
}

func valueName(name string) string {
	if name == "" {
		return " (default)"
	}
	return " [" + name + "]"
}

func (p *planner) remove(nd node, reason string) {
	if p.plan.over == "" && len(p.plan.Add)+len(p.plan.Remove) >= p.maxChanges {
		p.plan.over = fmt.Sprintf("more than %d row changes", p.maxChanges)
	}
	if p.plan.over != "" {
		return
	}
	p.plan.Remove = append(p.plan.Remove, Removal{Table: nd.kind.table(), Index: nd.idx, Ref: p.ref(nd), Reason: reason})
}

// dropped notes a part of a converted row that is not written.
func (p *planner) dropped(nd node, what string, why string) {
	p.note(edit.Warning, nd.kind.table(), p.ref(nd).Key, "dropped %s: %s", what, why)
}

func (p *planner) generate() {
	in := p.in
	// Classes.
	for i := range in.Classes {
		nd := node{kindClass, i}
		if p.plan.over != "" {
			return
		}
		if !p.converted(nd) {
			continue
		}
		if p.classClash[i] != "" {
			p.dropped(nd, "the whole class row", p.classClash[i])
			p.remove(nd, "dropped (conflicting context)")
			continue
		}
		p.emitClass(i)
		p.remove(nd, "converted to Registry rows")
	}
	// ProgIds.
	for i, r := range in.ProgIDs {
		nd := node{kindProgID, i}
		if p.plan.over != "" {
			return
		}
		if !p.converted(nd) {
			continue
		}
		if p.progCyclic[i] {
			p.dropped(nd, "the ProgId", "its ProgId_Parent chain is a cycle")
			p.remove(nd, "dropped (ProgId_Parent cycle)")
			continue
		}
		comp := p.owner(p.progComp[i], p.progFeat[i])
		why := "ProgId " + r.ProgID
		key := fmtLiteral(r.ProgID)
		if r.Description != "" {
			p.emit(key, "", regValue(fmtLiteral(r.Description)), comp, why)
		}
		if clsid, _ := p.progClass(i); clsid != "" {
			p.emit(key+`\CLSID`, "", regValue(fmtLiteral(clsid)), comp, why)
		}
		if ic := p.progIcon[i]; ic.value != "" {
			p.emit(key+`\DefaultIcon`, "", ic.value, comp, why)
		} else if ic.problem != "" {
			p.dropped(nd, "DefaultIcon", ic.problem)
		}
		if p.progParent[i] >= 0 {
			if root := p.progRoot(i); root >= 0 && root != i {
				p.emit(key+`\CurVer`, "", regValue(fmtLiteral(in.ProgIDs[root].ProgID)), comp, why)
			}
		}
		p.remove(nd, "converted to Registry rows ("+p.progWhy[i]+")")
	}
	// AppIds: once per component of the converted classes using them.
	for i, a := range in.AppIDs {
		nd := node{kindAppID, i}
		if p.plan.over != "" {
			return
		}
		if !p.converted(nd) {
			continue
		}
		desc := ""
		descFrom := ""
		var comps []string
		seen := map[string]bool{}
		for _, ci := range p.classByApp[strings.ToLower(a.AppID)] {
			c := in.Classes[ci]
			if !p.converted(node{kindClass, ci}) || p.classClash[ci] != "" {
				continue
			}
			// msiexec writes the AppID key once per class using it, with
			// that class's Description: the last class wins.
			if c.Description != "" {
				if desc != "" && desc != c.Description {
					p.note(edit.Warning, tblAppID, a.ref.Key, "classes %s and %s give different descriptions; AppID default = %q (the last, as msiexec leaves it)", descFrom, c.CLSID, c.Description)
				}
				desc, descFrom = c.Description, c.CLSID
			}
			if comp := p.owner(c.Component, c.Feature); !seen[comp] {
				seen[comp] = true
				comps = append(comps, comp)
			}
		}
		key := `AppID\` + fmtLiteral(a.AppID)
		why := "AppId " + a.AppID
		for _, comp := range comps {
			if desc != "" {
				p.emit(key, "", regValue(fmtLiteral(desc)), comp, why)
			}
			if a.RemoteServerName != "" {
				p.emit(key, "RemoteServerName", regValue(a.RemoteServerName), comp, why) // Formatted column
			}
			if a.LocalService != "" {
				p.emit(key, "LocalService", regValue(fmtLiteral(a.LocalService)), comp, why)
			}
			if a.ServiceParameters != "" {
				p.emit(key, "ServiceParameters", regValue(fmtLiteral(a.ServiceParameters)), comp, why)
			}
			if a.DllSurrogate != "" {
				p.emit(key, "DllSurrogate", regValue(fmtLiteral(a.DllSurrogate)), comp, why)
			}
			if a.ActivateAtStorage.Valid && a.ActivateAtStorage.V != 0 {
				p.emit(key, "ActivateAtStorage", "Y", comp, why)
			}
			if a.RunAsInteractiveUser.Valid && a.RunAsInteractiveUser.V != 0 {
				p.emit(key, "RunAs", "Interactive User", comp, why)
			}
		}
		if len(comps) == 0 {
			continue
		}
		p.remove(nd, "converted to Registry rows")
	}
	// Extensions and their verbs.
	for i := range in.Extensions {
		nd := node{kindExtension, i}
		if p.plan.over != "" {
			return
		}
		if !p.converted(nd) {
			continue
		}
		p.emitExtension(i)
		p.remove(nd, "converted to Registry rows")
	}
	for i := range in.Verbs {
		nd := node{kindVerb, i}
		if !p.converted(nd) {
			continue
		}
		p.remove(nd, "converted to Registry rows")
	}
	// MIME types.
	for i, m := range in.MIMEs {
		nd := node{kindMIME, i}
		if p.plan.over != "" {
			return
		}
		if !p.converted(nd) {
			continue
		}
		e := in.Extensions[p.mimeExt[i]]
		// The keys follow the extension's component, or the class's
		// when only the class is registered.
		comp := p.owner(e.Component, e.Feature)
		if p.extDead[p.mimeExt[i]] != "" {
			for _, ci := range p.classesBy[strings.ToLower(m.CLSID)] {
				if p.classDead[ci] == "" {
					comp = p.owner(in.Classes[ci].Component, in.Classes[ci].Feature)
					break
				}
			}
		}
		key := `MIME\Database\Content Type\` + fmtLiteral(m.ContentType)
		why := "MIME " + m.ContentType
		p.emit(key, "Extension", regValue(fmtLiteral("."+strings.TrimPrefix(e.Extension, "."))), comp, why)
		if m.CLSID != "" {
			p.emit(key, "CLSID", regValue(fmtLiteral(m.CLSID)), comp, why)
		}
		p.remove(nd, "converted to Registry rows")
	}
}

func (p *planner) emitClass(i int) {
	in := p.in
	c := in.Classes[i]
	nd := node{kindClass, i}
	comp := p.owner(c.Component, c.Feature)
	why := "Class " + c.CLSID + " " + c.Context
	key := `CLSID\` + fmtLiteral(c.CLSID)
	if c.Description != "" {
		p.emit(key, "", regValue(fmtLiteral(c.Description)), comp, why)
	}
	// The server: the key file's path, or its name alone with the
	// relative-path attribute; quoted for local servers (an executable
	// path with spaces); then the formatted Argument.
	f, _ := p.keyFile(c.Component)
	server := "[#" + f.File + "]"
	if c.Attributes.Valid && c.Attributes.V&classRelativePath != 0 {
		server = fmtLiteral(longName(f.FileName))
	}
	if strings.EqualFold(c.Context, "LocalServer") || strings.EqualFold(c.Context, "LocalServer32") {
		server = `"` + server + `"`
	}
	if c.Argument != "" {
		server += " " + c.Argument
	}
	p.emit(key+`\`+fmtLiteral(c.Context), "", regValue(server), comp, why)
	if c.ProgIDDefault != "" {
		prog := c.ProgIDDefault
		if j, ok := p.progBy[strings.ToLower(prog)]; ok {
			prog = in.ProgIDs[j].ProgID
			if vi := p.versionIndependent(j); vi >= 0 {
				p.emit(key+`\VersionIndependentProgID`, "", regValue(fmtLiteral(in.ProgIDs[vi].ProgID)), comp, why)
			}
		}
		p.emit(key+`\ProgID`, "", regValue(fmtLiteral(prog)), comp, why)
	}
	if c.AppID != "" {
		if j, ok := p.appBy[strings.ToLower(c.AppID)]; ok {
			p.emit(key, "AppID", regValue(fmtLiteral(in.AppIDs[j].AppID)), comp, why)
		}
	}
	if ic := p.classIcon[i]; ic.value != "" {
		p.emit(key+`\DefaultIcon`, "", ic.value, comp, why)
	} else if ic.problem != "" {
		p.dropped(nd, "DefaultIcon", ic.problem)
	}
	if h := c.DefInprocHandler; h != "" {
		switch h {
		case "1":
			p.emit(key+`\InprocHandler`, "", "ole2.dll", comp, why)
		case "2":
			p.emit(key+`\InprocHandler32`, "", "ole32.dll", comp, why)
		case "3":
			p.emit(key+`\InprocHandler`, "", "ole2.dll", comp, why)
			p.emit(key+`\InprocHandler32`, "", "ole32.dll", comp, why)
		default:
			p.emit(key+`\InprocHandler32`, "", regValue(fmtLiteral(longName(h))), comp, why)
		}
	}
	if n := fileTypes(c.FileTypeMask); n > maxFileTypes {
		p.dropped(nd, "the FileType values", fileTypesProblem(n))
	} else if n > 0 {
		rest := c.FileTypeMask
		for i := 0; i < n; i++ {
			mask, tail, _ := strings.Cut(rest, ";")
			rest = tail
			p.emit(`FileType\`+fmtLiteral(c.CLSID)+`\`+strconv.Itoa(i), "", regValue(fmtLiteral(mask)), comp, why)
		}
	}
}

// fileTypes counts the patterns msiexec registers from a FileTypeMask:
// those before the first empty one.
func fileTypes(mask string) int {
	n := 0
	for mask != "" {
		pat, rest, found := strings.Cut(mask, ";")
		if pat == "" {
			break // msiexec stops at an empty pattern
		}
		n++
		if !found {
			break
		}
		mask = rest
	}
	return n
}

func fileTypesProblem(n int) string {
	return fmt.Sprintf("FileTypeMask has %d patterns; the pass writes at most %d FileType values for one class (as many as the standard 255-character column holds)", n, maxFileTypes)
}

// versionIndependent returns the ProgId whose chain ends at root j (the
// version-independent ProgId of a class's default ProgId), or -1. With
// several candidates the last in table order is taken, as msiexec loads
// them in order and the last one wins; that is reported.
func (p *planner) versionIndependent(j int) int {
	below := p.viOf[j]
	if len(below) == 0 {
		return -1
	}
	vi := below[len(below)-1]
	if len(below) > 1 {
		var names []string
		for n, i := range below {
			if n == 8 {
				names = append(names, fmt.Sprintf("and %d more", len(below)-n))
				break
			}
			names = append(names, p.in.ProgIDs[i].ProgID)
		}
		p.note(edit.Warning, tblProgID, p.in.ProgIDs[j].ref.Key, "several ProgIds descend from %s (%s); VersionIndependentProgID = %s (the last)", p.in.ProgIDs[j].ProgID, strings.Join(names, ", "), p.in.ProgIDs[vi].ProgID)
	}
	return vi
}

func (p *planner) emitExtension(i int) {
	in := p.in
	e := in.Extensions[i]
	comp := p.owner(e.Component, e.Feature)
	ext := strings.TrimPrefix(e.Extension, ".")
	why := "Extension ." + ext
	key := "." + fmtLiteral(ext)
	wrote := false
	if e.MIME != "" {
		if j, ok := p.mimeBy[strings.ToLower(e.MIME)]; ok {
			p.emit(key, "Content Type", regValue(fmtLiteral(in.MIMEs[j].ContentType)), comp, why)
			wrote = true
		}
	}
	if e.ProgID == "" {
		if !wrote {
			// msiexec creates the bare key; "*" creates it on install and
			// removes it on uninstall, as UnregisterExtensionInfo does.
			p.emit(key, "*", "", comp, why)
		}
		return
	}
	prog := e.ProgID
	if j, ok := p.progBy[strings.ToLower(prog)]; ok {
		prog = in.ProgIDs[j].ProgID
	}
	pkey := fmtLiteral(prog)
	p.emit(key, "", regValue(pkey), comp, why)
	if i != firstOf(p.extBy[strings.ToLower(ext)]) {
		return // verbs belong to the first row of the extension
	}
	f, fwhy := p.keyFile(e.Component)
	best := OptInt{}
	bestVerb := ""
	for _, vi := range p.verbsByExt[i] {
		v := in.Verbs[vi]
		vnd := node{kindVerb, vi}
		vwhy := why + " verb " + v.Verb
		if f == nil {
			p.dropped(vnd, "the verb", fwhy)
			continue
		}
		vkey := pkey + `\shell\` + fmtLiteral(v.Verb)
		cmd := `"[#` + f.File + `]"`
		if v.Argument != "" {
			cmd += " " + v.Argument
		}
		p.emit(vkey+`\command`, "", regValue(cmd), comp, vwhy)
		if v.Command != "" {
			p.emit(vkey, "", regValue(v.Command), comp, vwhy)
		}
		if v.Sequence.Valid && (!best.Valid || v.Sequence.V < best.V) {
			best, bestVerb = v.Sequence, v.Verb
		}
	}
	if best.Valid {
		p.emit(pkey+`\shell`, "", regValue(fmtLiteral(bestVerb)), comp, why+" default verb")
	}
}

func firstOf(s []int) int {
	if len(s) == 0 {
		return -1
	}
	return s[0]
}

// sequence makes sure the Registry rows are written and removed: the
// Register*/Unregister* actions are kept (harmless on empty tables, and
// still needed by any group left advertised); WriteRegistryValues and
// RemoveRegistryValues are added to InstallExecuteSequence when missing.
func (p *planner) sequence() {
	if len(p.plan.Add) == 0 {
		return
	}
	if p.in.MergeModule {
		p.moduleSequence()
		return
	}
	have := map[string]int32{}
	used := map[int32]bool{}
	for _, s := range p.in.Sequences {
		if s.Table != "InstallExecuteSequence" {
			continue
		}
		if s.Sequence.Valid {
			have[s.Action] = s.Sequence.V
			used[s.Sequence.V] = true
		} else {
			have[s.Action] = -1
		}
	}
	lo, okLo := have["InstallInitialize"]
	hi, okHi := have["InstallFinalize"]
	if !okLo || !okHi || lo < 0 || hi < 0 {
		p.note(edit.Warning, "InstallExecuteSequence", nil, "no InstallInitialize/InstallFinalize; WriteRegistryValues and RemoveRegistryValues not checked")
		return
	}
	pick := func(action string, want, min, max int32) (int32, bool) {
		if s, ok := have[action]; ok {
			return s, false
		}
		for s := want; s < max; s++ {
			if s > min && !used[s] {
				used[s] = true
				return s, true
			}
		}
		for s := want; s > min; s-- {
			if s < max && !used[s] {
				used[s] = true
				return s, true
			}
		}
		return -1, false
	}
	w, addW := pick("WriteRegistryValues", 5000, lo, hi)
	if addW {
		p.plan.Actions = append(p.plan.Actions, Action{"WriteRegistryValues", w, seqInstall})
	} else if w < 0 {
		p.note(edit.Warning, "InstallExecuteSequence", nil, "no free sequence number for WriteRegistryValues")
		return
	}
	r, addR := pick("RemoveRegistryValues", 2600, lo, w)
	if addR {
		p.plan.Actions = append(p.plan.Actions, Action{"RemoveRegistryValues", r, seqInstall})
	} else if r < 0 {
		p.note(edit.Warning, "InstallExecuteSequence", nil, "no free sequence number for RemoveRegistryValues")
	}
}

// moduleSequence adds WriteRegistryValues and RemoveRegistryValues to a
// merge module's ModuleInstallExecuteSequence as merge modules sequence
// standard actions: the recommended sequence number (RemoveRegistryValues
// 2600, WriteRegistryValues 5000) with BaseAction and After null. The
// merge tool keeps the number the target package already uses for the
// action, and adds the action when the target lacks it, so the Registry
// rows are written and removed wherever the module is merged.
func (p *planner) moduleSequence() {
	have := map[string]bool{}
	for _, s := range p.in.Sequences {
		if s.Table == seqModule {
			have[s.Action] = true
		}
	}
	for _, a := range []Action{{"RemoveRegistryValues", 2600, seqModule}, {"WriteRegistryValues", 5000, seqModule}} {
		if !have[a.Action] {
			p.plan.Actions = append(p.plan.Actions, a)
		}
	}
}

func (p *planner) typeLibs() {
	for _, t := range p.in.TypeLibs {
		p.note(edit.Warning, tblTypeLib, t.ref.Key, "left alone: registering a type library needs the library's own contents (its interfaces); RegisterTypeLibraries keeps doing it")
	}
}

// advertisedRegistry reports existing Registry rows whose value is a darwin
// descriptor: hand-written advertised registration the pass cannot turn
// into a plain value (it does not know the server's path).
func (p *planner) advertisedRegistry() {
	for _, r := range p.in.Registry {
		v := strings.TrimPrefix(r.Value, "[~]")
		v = strings.TrimSuffix(v, "[~]")
		if v == "" {
			continue
		}
		if isDarwinValue(strings.ReplaceAll(v, "[~]", "|")) {
			p.note(edit.Warning, tblRegistry, []string{r.ID}, "left alone: its value is a darwin descriptor (advertised registration written by hand); it keeps the health check")
		}
	}
}

// owner returns the component whose Registry rows express registration
// that msiexec ties to feature (a Class or Extension row's Feature_) and
// that names component. msiexec registers it while that feature is
// installed (or advertised) and removes it when that feature is removed,
// whatever other features hold the component. When the component belongs
// to that feature alone, its own Registry rows behave the same; otherwise
// (the component is in other features too, or not in that one) the rows
// go in a new registry-only component that only the feature holds, with
// the original component's directory, condition and 64-bit attribute. In
// a merge module every component goes into the features the module is
// merged into, so the component itself is the owner.
func (p *planner) owner(component, feature string) string {
	feats := p.compFeats[component]
	if p.in.MergeModule || feature == "" || (len(feats) == 1 && feats[feature]) {
		return component
	}
	key := component + "\x00" + feature
	if name, ok := p.owners[key]; ok {
		return name
	}
	width := p.in.ComponentWidth
	if width <= 0 {
		width = 72
	}
	name := edit.FitIdent("reg_"+component+"_"+feature, width, "classreg\x00"+component+"\x00"+feature, p.compTaken)
	if name == "" {
		p.note(edit.Warning, "Component", []string{component}, "the Component key column (%d characters) is too narrow for a registry-only component of feature %s: the Registry rows follow component %s and its features", width, feature, component)
		p.owners[key] = component
		return component
	}
	p.compTaken[strings.ToLower(name)] = true
	p.owners[key] = name
	src := p.comps[component]
	nc := NewComponent{Component: name, From: component, Feature: feature, Attributes: compRegistryKeyPath}
	if src != nil {
		nc.Directory, nc.Condition = src.Directory, src.Condition
		nc.Attributes |= src.Attributes & (comp64 | compTransitive)
	}
	nc.ComponentID = componentGUID(p.in.ProductCode, src, component, feature)
	var others []string
	for f := range feats {
		if f != feature {
			others = append(others, f)
		}
	}
	sort.Strings(others)
	if len(others) > 8 {
		others = append(others[:8], fmt.Sprintf("and %d more", len(others)-8))
	}
	if feats[feature] {
		nc.Reason = fmt.Sprintf("registration tied to feature %s; component %s is also in %s", feature, component, strings.Join(others, ", "))
	} else {
		nc.Reason = fmt.Sprintf("registration tied to feature %s, which does not hold component %s", feature, component)
	}
	p.plan.Components = append(p.plan.Components, nc)
	return name
}

// Component attribute bits the new components copy.
const compTransitive = 0x0040

// finishComponents gives every new component its key path: its first
// Registry row that writes a value. A component whose rows only create
// keys ("*", as for an extension without ProgId or MIME type) keeps a null
// KeyPath without the registry key path bit, so that its directory (the
// original component's) is its key path.
func (p *planner) finishComponents() {
	first := map[string]string{}
	for _, a := range p.plan.Add {
		switch a.Row.Name {
		case "*", "+", "-":
			continue // key creation and deletion markers are no values
		}
		if _, ok := first[a.Row.Component]; !ok {
			first[a.Row.Component] = a.Row.ID
		}
	}
	for i := range p.plan.Components {
		nc := &p.plan.Components[i]
		if kp, ok := first[nc.Component]; ok {
			nc.KeyPath = kp
		} else {
			nc.Attributes &^= compRegistryKeyPath
		}
		p.note(edit.Info, "Component", []string{nc.Component}, "new registry-only component for %s: %s; msiexec registers it only with that feature, so its Registry rows live in a component only that feature holds", nc.From, nc.Reason)
	}
}

// componentGUID derives a new component's ComponentId from package data
// (the ProductCode, the original component's ComponentId and key, and the
// feature), so that the same package rewritten again gets the same GUID.
func componentGUID(product string, src *ComponentRow, component, feature string) string {
	id := ""
	if src != nil {
		id = src.ComponentID
	}
	h := sha256.New()
	fmt.Fprintf(h, "msikit class registration component\x00%s\x00%s\x00%s\x00%s", product, id, component, feature)
	return edit.GUIDFromHash(h.Sum(nil))
}

// registryID returns a free primary key for a new Registry row (Root 0)
// that fits this package's Registry key column, and marks it used.
func (p *planner) registryID(key, name, component string) string {
	width := p.in.RegistryWidth
	if width <= 0 {
		width = 72
	}
	base := registryID(0, key, name, component)
	id := base[:min(len(base), width)]
	for n := 2; p.usedIDs[id]; n++ {
		suffix := "_" + strconv.Itoa(n)
		id = base[:min(len(base), width-len(suffix))] + suffix
	}
	p.usedIDs[id] = true
	return id
}
