package transform

import (
	"crypto/sha256"
	"fmt"
	"sort"
	"strings"
)

// This file is the ClassToRegistry mapping: from plain rows of the Class,
// ProgId, AppId, Extension, Verb and MIME tables to the Registry rows that
// write the same keys and values, without a database. The rules follow what
// msiexec writes (checked against Wine's implementation and WiX's compiler,
// see the package documentation of ClassToRegistry for the decisions).

// Table names of the source tables.
const (
	crTblClass     = "Class"
	crTblProgID    = "ProgId"
	crTblAppID     = "AppId"
	crTblExtension = "Extension"
	crTblVerb      = "Verb"
	crTblMIME      = "MIME"
	crTblTypeLib   = "TypeLib"
	crTblRegistry  = "Registry"
)

// Component attribute bits.
const (
	crCompRegistryKeyPath = 0x0004
	crCompODBCKeyPath     = 0x0020
	crComp64              = 0x0100
)

// crClassRelativePath is msidbClassAttributesRelativePath.
const crClassRelativePath = 1

// crAdd is a Registry row to insert.
type crAdd struct {
	Row    crRegistryRow
	Reason string
}

// crRemove is a source row to delete.
type crRemove struct {
	Table  string
	Index  int // index into the input slice of that table
	Ref    crRowRef
	Reason string
}

// crAction is a standard action to add to a sequence table
// (InstallExecuteSequence, or ModuleInstallExecuteSequence for merge
// modules).
type crAction struct {
	Action   string
	Sequence int32
	Table    string
}

// The sequence tables the pass adds actions to.
const (
	crSeqInstall = "InstallExecuteSequence"
	crSeqModule  = "ModuleInstallExecuteSequence"
)

// classRegPlan is what ClassToRegistry will do.
type classRegPlan struct {
	Add        []crAdd
	Remove     []crRemove
	Actions    []crAction
	Components []crNewComponent
	Notes      []Note
	// over says which bound of MaxChanges the plan passed ("" if none);
	// planning stops there.
	over string
}

// crNewComponent is a registry-only component the pass adds so that
// registration tied to a feature is installed and removed with that
// feature alone: its Registry rows, a FeatureComponents row for Feature,
// and the original component's directory, condition and 64-bit bit.
type crNewComponent struct {
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

// crMaxFileTypes is the most FileType values the pass writes for one
// class: as many patterns as the standard 255-character FileTypeMask
// column can hold. A class with more keeps its advertised form.
const crMaxFileTypes = 128

// crNode kinds of the registration graph.
type crKind int

const (
	crClass crKind = iota
	crProgID
	crAppID
	crExtension
	crVerb
	crMIME
)

func (k crKind) table() string {
	return [...]string{crTblClass, crTblProgID, crTblAppID, crTblExtension, crTblVerb, crTblMIME}[k]
}

type crNode struct {
	kind crKind
	idx  int
}

// crPlanner holds the indexes and the state of one planning run.
type crPlanner struct {
	in   *classRegInput
	opts ClassToRegistryOptions
	plan classRegPlan

	comps     map[string]*crComponentRow
	files     map[string]*crFileRow
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
	classIcon   []crIcon
	progIcon    []crIcon
	classClash  []string // duplicate CLSID/context conflict, or ""
	problems    map[crNode][]string
	nodes       []crNode
	nodeIndex   map[crNode]int
	parent      []int // union-find
	keptGroup   map[int]bool
	existing    map[string]crRegistryRow // lower key \x00 lower name -> existing Root-0 row
	added       map[string]crAdd         // lower key \x00 lower name -> first added row
	addedSlots  map[string]bool          // slot with component
	usedIDs     map[string]bool
	bitnessSeen map[string]bool
	// owners maps component \x00 feature to the component that holds the
	// Registry rows of registration tied to that feature (see owner).
	owners    map[string]string
	compTaken map[string]bool // lower-case Component keys in use

	maxChanges int   // bound on len(plan.Add)+len(plan.Remove)
	textLeft   int64 // bytes of added row text still allowed
}

type crIcon struct {
	value   string // DefaultIcon value, "" when none
	problem string // why it cannot be expressed, "" when fine
}

// planClassRegistry computes the plan for in.
func planClassRegistry(in *classRegInput, opts ClassToRegistryOptions) *classRegPlan {
	p := &crPlanner{in: in, opts: opts, maxChanges: opts.MaxChanges}
	if p.maxChanges <= 0 {
		p.maxChanges = DefaultMaxChanges
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

func (p *crPlanner) note(sev Severity, table string, key []string, format string, args ...any) {
	p.plan.Notes = append(p.plan.Notes, Note{Severity: sev, Table: table, Key: key, Reason: fmt.Sprintf(format, args...)})
}

func (p *crPlanner) index() {
	in := p.in
	p.comps = map[string]*crComponentRow{}
	for i := range in.Components {
		c := &in.Components[i]
		if _, dup := p.comps[c.Component]; !dup {
			p.comps[c.Component] = c
		}
	}
	p.files = map[string]*crFileRow{}
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
		k := crLower(c.CLSID)
		p.classesBy[k] = append(p.classesBy[k], i)
	}
	p.progBy = map[string]int{}
	for i, r := range in.ProgIDs {
		if _, dup := p.progBy[crLower(r.ProgID)]; !dup {
			p.progBy[crLower(r.ProgID)] = i
		}
	}
	p.appBy = map[string]int{}
	for i, r := range in.AppIDs {
		if _, dup := p.appBy[crLower(r.AppID)]; !dup {
			p.appBy[crLower(r.AppID)] = i
		}
	}
	p.extBy = map[string][]int{}
	for i, r := range in.Extensions {
		k := crLower(strings.TrimPrefix(r.Extension, "."))
		p.extBy[k] = append(p.extBy[k], i)
	}
	p.classByProg = map[string][]int{}
	p.classByApp = map[string][]int{}
	for i, c := range in.Classes {
		if c.ProgIDDefault != "" {
			k := crLower(c.ProgIDDefault)
			p.classByProg[k] = append(p.classByProg[k], i)
		}
		if c.AppID != "" {
			k := crLower(c.AppID)
			p.classByApp[k] = append(p.classByApp[k], i)
		}
	}
	p.extByProg = map[string][]int{}
	for i, e := range in.Extensions {
		if e.ProgID != "" {
			k := crLower(e.ProgID)
			p.extByProg[k] = append(p.extByProg[k], i)
		}
	}
	p.mimeBy = map[string]int{}
	for i, r := range in.MIMEs {
		if _, dup := p.mimeBy[crLower(r.ContentType)]; !dup {
			p.mimeBy[crLower(r.ContentType)] = i
		}
	}
	p.problems = map[crNode][]string{}
	p.existing = map[string]crRegistryRow{}
	p.usedIDs = map[string]bool{}
	for _, r := range in.Registry {
		p.usedIDs[r.ID] = true
		key, ok := crHKCRKey(r)
		if !ok {
			continue
		}
		slot := crLower(key) + "\x00" + crLower(r.Name)
		if _, dup := p.existing[slot]; !dup {
			p.existing[slot] = r
		}
	}
	p.added = map[string]crAdd{}
	p.addedSlots = map[string]bool{}
	p.owners = map[string]string{}
	p.compTaken = map[string]bool{}
	for _, c := range in.Components {
		p.compTaken[crLower(c.Component)] = true
	}
	p.bitnessSeen = map[string]bool{}
}

// hkcrKey returns the HKEY_CLASSES_ROOT-relative key an existing Registry
// row writes, if it writes one: Root 0, or a Software\Classes key under
// HKLM (2) or the per-user/per-machine root (-1).
func crHKCRKey(r crRegistryRow) (string, bool) {
	switch r.Root {
	case 0:
		return r.Key, true
	case -1, 2:
		const pre = `software\classes\`
		if len(r.Key) > len(pre) && crLower(r.Key[:len(pre)]) == pre {
			return r.Key[len(pre):], true
		}
	}
	return "", false
}

func (p *crPlanner) problem(n crNode, format string, args ...any) {
	p.problems[n] = append(p.problems[n], fmt.Sprintf(format, args...))
}

// keyFile returns the File key of a component's key path when it is a
// file, or a reason why not.
func (p *crPlanner) keyFile(component string) (*crFileRow, string) {
	c := p.comps[component]
	if c == nil {
		return nil, fmt.Sprintf("component %s is not in the Component table", component)
	}
	switch {
	case c.Attributes&crCompRegistryKeyPath != 0:
		return nil, fmt.Sprintf("component %s has a registry key path, not a key file", component)
	case c.Attributes&crCompODBCKeyPath != 0:
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
func (p *crPlanner) iconPath(icon string, index crOptInt) crIcon {
	if icon == "" {
		return crIcon{}
	}
	if p.opts.NoIconCache {
		return crIcon{problem: fmt.Sprintf("icon %s exists only in the Icon table (icon cache paths disabled)", icon)}
	}
	if strings.TrimSpace(p.in.AllUsers) != "1" {
		return crIcon{problem: fmt.Sprintf("icon %s exists only in the Icon table and the package is not per-machine (ALLUSERS=%q), so the folder PublishProduct caches it in is only known at install time", icon, p.in.AllUsers)}
	}
	v := `[WindowsFolder]Installer\[ProductCode]\` + fmtLiteral(icon)
	if index.Valid {
		v += "," + crItoa(int(index.V))
	}
	return crIcon{value: v}
}

func (p *crPlanner) checkClasses() {
	in := p.in
	n := len(in.Classes)
	p.classDead = make([]string, n)
	p.classIcon = make([]crIcon, n)
	p.classClash = make([]string, n)
	for i, c := range in.Classes {
		nd := crNode{crClass, i}
		if _, why := p.keyFile(c.Component); why != "" {
			p.classDead[i] = why
		} else if !p.featureExists(c.Feature) {
			p.classDead[i] = fmt.Sprintf("feature %s is not in the Feature table", c.Feature)
		}
		if p.classDead[i] != "" {
			p.note(Warning, crTblClass, c.ref.Key, "left alone: msiexec never registers this class: %s", p.classDead[i])
			continue
		}
		if c.Icon == "" && c.IconIndex.Valid {
			p.note(Warning, crTblClass, c.ref.Key, "IconIndex %d without Icon_ is ignored (msiexec would write a broken icon path)", c.IconIndex.V)
		} else if c.Icon != "" && !p.icons[c.Icon] {
			p.note(Warning, crTblClass, c.ref.Key, "Icon_ %s is not in the Icon table; DefaultIcon will name a file that is never written", c.Icon)
		}
		p.classIcon[i] = p.iconPath(c.Icon, c.IconIndex)
		if p.classIcon[i].problem != "" {
			p.problem(nd, "%s", p.classIcon[i].problem)
		}
		if n := crFileTypes(c.FileTypeMask); n > crMaxFileTypes {
			p.problem(nd, "%s", crFileTypesProblem(n))
		}
		if c.AppID != "" {
			if _, ok := p.appBy[crLower(c.AppID)]; !ok {
				p.note(Warning, crTblClass, c.ref.Key, "AppId_ %s is not in the AppId table; msiexec writes no AppID value for it, and neither do the Registry rows", c.AppID)
			}
		}
		if c.ProgIDDefault != "" {
			if _, ok := p.progBy[crLower(c.ProgIDDefault)]; !ok {
				p.note(Warning, crTblClass, c.ref.Key, "ProgId_Default %s is not in the ProgId table; only CLSID\\%s\\ProgID is written for it", c.ProgIDDefault, c.CLSID)
			}
		}
		p.checkAdvertised(crTblClass, c.ref.Key, c.Feature)
		if feats := p.compFeats[c.Component]; !feats[c.Feature] && !p.in.MergeModule {
			p.note(Warning, crTblClass, c.ref.Key, "Feature_ %s does not contain component %s: msiexec registers the class with %s but installs %s with its own features; the Registry rows go in a component of %s alone", c.Feature, c.Component, c.Feature, c.Component, c.Feature)
		}
		p.checkBitness(c)
	}
	// Duplicate CLSIDs, in table order: several contexts share the
	// CLSID-level keys; the same context from two components is a
	// conflict. Linear in the number of rows, however many share a CLSID.
	done := map[string]bool{}
	for _, c0 := range in.Classes {
		k := crLower(c0.CLSID)
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
			p.note(Info, crTblClass, c.ref.Key, "CLSID %s has %d Class rows (%s); the CLSID-level keys are written once per component", c.CLSID, len(rows), list)
			if p.classDead[i] != "" {
				continue
			}
			ctx := crLower(c.Context)
			j, seen := first[ctx]
			if !seen {
				first[ctx] = i
				continue
			}
			cj := in.Classes[j]
			why := fmt.Sprintf("CLSID %s context %s is registered by two components (%s and %s): the server path depends on install order", c.CLSID, c.Context, cj.Component, c.Component)
			p.classClash[i] = why
			p.problem(crNode{crClass, i}, "%s", why)
			if !flagged[j] {
				flagged[j] = true
				p.problem(crNode{crClass, j}, "%s", why)
			}
		}
	}
}

// crNullGUID is the Feature_ value merge modules use: the merge tool
// replaces it with the feature the module is merged into.
const crNullGUID = "{00000000-0000-0000-0000-000000000000}"

// featureExists reports whether a Feature_ value names a feature: one of
// the Feature table, or in a merge module the null GUID placeholder.
func (p *crPlanner) featureExists(f string) bool {
	return p.features[f] || p.in.MergeModule && f == crNullGUID
}

// Feature attribute bits.
const (
	crFeatFavorAdvertise    = 0x04
	crFeatDisallowAdvertise = 0x08
)

// checkAdvertised notes rows whose feature favours being advertised: the
// original registers them while the feature is only advertised (and
// installs it on first use); the Registry rows appear only once the
// component is installed locally.
func (p *crPlanner) checkAdvertised(table string, key []string, feature string) {
	if a := p.in.FeatureAttributes[feature]; a&crFeatFavorAdvertise != 0 && a&crFeatDisallowAdvertise == 0 {
		p.note(Warning, table, key, "feature %s favours advertising: the original registers this while the feature is only advertised (install on demand); the Registry rows are written only when the component is installed", feature)
	}
}

func crIs64(platform string) bool {
	switch crLower(platform) {
	case "x64", "intel64", "amd64", "arm64":
		return true
	}
	return false
}

func (p *crPlanner) checkBitness(c classRow) {
	comp := p.comps[c.Component]
	if comp == nil {
		return
	}
	pkg64 := crIs64(p.in.Platform)
	comp64 := comp.Attributes&crComp64 != 0
	if pkg64 == comp64 {
		return
	}
	view := func(b bool) string {
		if b {
			return "64-bit"
		}
		return "32-bit"
	}
	p.note(Warning, crTblClass, c.ref.Key,
		"bitness: msiexec registered this class in the %s registry view (package platform %q), the Registry rows follow component %s (%s)",
		view(pkg64), p.in.Platform, c.Component, view(comp64))
}

func (p *crPlanner) checkProgIDs() {
	in := p.in
	n := len(in.ProgIDs)
	p.progParent = make([]int, n)
	p.progCyclic = make([]bool, n)
	p.progIcon = make([]crIcon, n)
	for i, r := range in.ProgIDs {
		p.progParent[i] = -1
		if r.Parent == "" {
			continue
		}
		j, ok := p.progBy[crLower(r.Parent)]
		switch {
		case !ok:
			p.note(Warning, crTblProgID, r.ref.Key, "ProgId_Parent %s is not in the ProgId table; treated as no parent, as msiexec does", r.Parent)
		case j == i:
			p.note(Info, crTblProgID, r.ref.Key, "ProgId_Parent names the ProgId itself; treated as no parent, as msiexec does")
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
			p.problem(crNode{crProgID, i}, "ProgId_Parent chain of %s never ends (a cycle)", r.ProgID)
			p.note(Warning, crTblProgID, r.ref.Key, "ProgId_Parent chain never ends (a cycle); no CurVer, CLSID or VersionIndependentProgID can be derived from it")
		}
		if r.Class != "" {
			if _, ok := p.classesBy[crLower(r.Class)]; !ok {
				p.note(Warning, crTblProgID, r.ref.Key, "Class_ %s is not in the Class table", r.Class)
			}
		}
		if r.Icon == "" && r.IconIndex.Valid {
			p.note(Warning, crTblProgID, r.ref.Key, "IconIndex %d without Icon_ is ignored", r.IconIndex.V)
		} else if r.Icon != "" && !p.icons[r.Icon] {
			p.note(Warning, crTblProgID, r.ref.Key, "Icon_ %s is not in the Icon table; DefaultIcon will name a file that is never written", r.Icon)
		}
	}
}

// progRoot returns the top of a ProgId's parent chain (itself if none), or
// -1 on a cycle.
func (p *crPlanner) progRoot(i int) int { return p.progRootOf[i] }

// progClass returns the CLSID found first on a ProgId's chain (its own
// Class_, then its parents'), as msiexec inherits CLSID through
// ProgId_Parent, and the first registered Class row of that CLSID (-1 if
// none is registered).
func (p *crPlanner) progClass(i int) (clsid string, classRow int) {
	return p.progCLSID[i], p.progClassOf[i]
}

// chains computes, in linear time, the top, the class and the CLSID of
// every ProgId's parent chain, and the ProgIds below each top.
func (p *crPlanner) chains() {
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
			rows, own := p.classesBy[crLower(r.Class)]
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

func (p *crPlanner) checkExtensions() {
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
			p.note(Warning, crTblExtension, e.ref.Key, "left alone: msiexec never registers this extension: %s", p.extDead[i])
			continue
		}
		p.checkAdvertised(crTblExtension, e.ref.Key, e.Feature)
		if e.MIME != "" {
			if _, ok := p.mimeBy[crLower(e.MIME)]; !ok {
				p.note(Warning, crTblExtension, e.ref.Key, "MIME_ %s is not in the MIME table; msiexec writes no Content Type for it, and neither do the Registry rows", e.MIME)
			}
		}
		if e.ProgID != "" {
			if _, ok := p.progBy[crLower(e.ProgID)]; !ok {
				p.note(Warning, crTblExtension, e.ref.Key, "ProgId_ %s is not in the ProgId table; its name is used as is", e.ProgID)
			}
		}
	}
	p.verbExt = make([]int, len(in.Verbs))
	p.verbsByExt = map[int][]int{}
	for i, v := range in.Verbs {
		p.verbExt[i] = -1
		if rows, ok := p.extBy[crLower(strings.TrimPrefix(v.Extension, "."))]; ok {
			p.verbExt[i] = rows[0] // msiexec attaches verbs to the first row of that extension
			p.verbsByExt[rows[0]] = append(p.verbsByExt[rows[0]], i)
		}
	}
	p.mimeExt = make([]int, len(in.MIMEs))
	for i, m := range in.MIMEs {
		p.mimeExt[i] = -1
		if rows, ok := p.extBy[crLower(strings.TrimPrefix(m.Extension, "."))]; ok {
			p.mimeExt[i] = rows[0]
		}
	}
}

// extHasVerbs reports whether extension row e owns at least one verb.
func (p *crPlanner) extHasVerbs(e int) bool { return len(p.verbsByExt[e]) > 0 }

// liveness decides which rows msiexec would register at all.
func (p *crPlanner) liveness() {
	in := p.in
	p.progLive = make([]bool, len(in.ProgIDs))
	p.progComp = make([]string, len(in.ProgIDs))
	p.progFeat = make([]string, len(in.ProgIDs))
	p.progWhy = make([]string, len(in.ProgIDs))
	// withProg: lower CLSID -> first registered Class row whose
	// ProgId_Default names a ProgId row.
	withProg := map[string]int{}
	for ci, c := range in.Classes {
		k := crLower(c.CLSID)
		if _, done := withProg[k]; done || p.classDead[ci] != "" || c.ProgIDDefault == "" {
			continue
		}
		if _, ok := p.progBy[crLower(c.ProgIDDefault)]; ok {
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
			if cj, ok := withProg[crLower(clsid)]; ok {
				c := in.Classes[cj]
				p.progLive[i] = true
				p.progComp[i], p.progFeat[i] = c.Component, c.Feature
				p.progWhy[i] = "class " + c.CLSID
				continue
			}
		}
		for _, e := range p.extByProg[crLower(r.ProgID)] {
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
		refs := append(append([]int(nil), p.classByProg[crLower(r.ProgID)]...), p.classesBy[crLower(r.Class)]...)
		for _, ci := range refs {
			if p.classDead[ci] == "" {
				p.progLive[i] = true
				p.progComp[i], p.progFeat[i] = in.Classes[ci].Component, in.Classes[ci].Feature
				break
			}
		}
		if !p.progLive[i] {
			for _, e := range p.extByProg[crLower(r.ProgID)] {
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
			p.note(Info, crTblProgID, r.ref.Key, "left alone: msiexec never registers this ProgId (no registered class on its chain, no extension with verbs names it)")
			continue
		}
		p.progIcon[i] = p.iconPath(r.Icon, r.IconIndex)
		if p.progIcon[i].problem != "" {
			p.problem(crNode{crProgID, i}, "%s", p.progIcon[i].problem)
		}
	}
	p.clsidLive = map[string]bool{}
	for i, c := range in.Classes {
		if p.classDead[i] == "" {
			p.clsidLive[crLower(c.CLSID)] = true
		}
	}
	p.appLive = make([]bool, len(in.AppIDs))
	for i, c := range in.Classes {
		if c.AppID == "" || p.classDead[i] != "" {
			continue
		}
		if j, ok := p.appBy[crLower(c.AppID)]; ok {
			p.appLive[j] = true
		}
	}
	for i, a := range in.AppIDs {
		if !p.appLive[i] {
			p.note(Info, crTblAppID, a.ref.Key, "left alone: no registered class refers to this AppId")
		}
	}
	p.verbLive = make([]bool, len(in.Verbs))
	for i, v := range in.Verbs {
		e := p.verbExt[i]
		switch {
		case e < 0:
			p.note(Warning, crTblVerb, v.ref.Key, "left alone: extension %s is not in the Extension table", v.Extension)
		case p.extDead[e] != "":
			p.note(Warning, crTblVerb, v.ref.Key, "left alone: its extension is never registered")
		case in.Extensions[e].ProgID == "":
			p.note(Info, crTblVerb, v.ref.Key, "left alone: extension %s has no ProgId_, so msiexec registers no verbs for it", v.Extension)
		default:
			p.verbLive[i] = true
			if _, why := p.keyFile(in.Extensions[e].Component); why != "" {
				p.problem(crNode{crVerb, i}, "the verb command needs a key file path: %s", why)
			}
		}
	}
	p.mimeLive = make([]bool, len(in.MIMEs))
	for i, m := range in.MIMEs {
		live := m.CLSID != "" && p.clsidLive[crLower(m.CLSID)]
		if e := p.mimeExt[i]; e >= 0 && p.extDead[e] == "" {
			live = true
		}
		switch {
		case p.mimeExt[i] < 0:
			p.note(Warning, crTblMIME, m.ref.Key, "left alone: extension %s is not in the Extension table, so msiexec writes nothing for it", m.Extension)
		case !live:
			p.note(Info, crTblMIME, m.ref.Key, "left alone: neither its class nor its extension is registered")
		default:
			p.mimeLive[i] = true
		}
	}
}

func (p *crPlanner) find(x int) int {
	for p.parent[x] != x {
		p.parent[x] = p.parent[p.parent[x]]
		x = p.parent[x]
	}
	return x
}

func (p *crPlanner) union(a, b crNode) {
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
func (p *crPlanner) group() {
	in := p.in
	p.nodeIndex = map[crNode]int{}
	add := func(k crKind, n int) {
		for i := 0; i < n; i++ {
			nd := crNode{k, i}
			p.nodeIndex[nd] = len(p.nodes)
			p.nodes = append(p.nodes, nd)
		}
	}
	add(crClass, len(in.Classes))
	add(crProgID, len(in.ProgIDs))
	add(crAppID, len(in.AppIDs))
	add(crExtension, len(in.Extensions))
	add(crVerb, len(in.Verbs))
	add(crMIME, len(in.MIMEs))
	p.parent = make([]int, len(p.nodes))
	for i := range p.parent {
		p.parent[i] = i
	}
	for i, c := range in.Classes {
		p.union(crNode{crClass, i}, crNode{crClass, p.classesBy[crLower(c.CLSID)][0]})
		if j, ok := p.progBy[crLower(c.ProgIDDefault)]; ok && c.ProgIDDefault != "" {
			p.union(crNode{crClass, i}, crNode{crProgID, j})
		}
		if j, ok := p.appBy[crLower(c.AppID)]; ok && c.AppID != "" {
			p.union(crNode{crClass, i}, crNode{crAppID, j})
		}
	}
	for i, r := range in.ProgIDs {
		if p.progParent[i] >= 0 {
			p.union(crNode{crProgID, i}, crNode{crProgID, p.progParent[i]})
		}
		if rows := p.classesBy[crLower(r.Class)]; len(rows) > 0 {
			p.union(crNode{crProgID, i}, crNode{crClass, rows[0]})
		}
	}
	for i, e := range in.Extensions {
		p.union(crNode{crExtension, i}, crNode{crExtension, p.extBy[crLower(strings.TrimPrefix(e.Extension, "."))][0]})
		if j, ok := p.progBy[crLower(e.ProgID)]; ok && e.ProgID != "" {
			p.union(crNode{crExtension, i}, crNode{crProgID, j})
		}
		if j, ok := p.mimeBy[crLower(e.MIME)]; ok && e.MIME != "" {
			p.union(crNode{crExtension, i}, crNode{crMIME, j})
		}
	}
	for i := range in.Verbs {
		if e := p.verbExt[i]; e >= 0 {
			p.union(crNode{crVerb, i}, crNode{crExtension, e})
		}
	}
	for i, m := range in.MIMEs {
		if e := p.mimeExt[i]; e >= 0 {
			p.union(crNode{crMIME, i}, crNode{crExtension, e})
		}
		if rows := p.classesBy[crLower(m.CLSID)]; len(rows) > 0 {
			p.union(crNode{crMIME, i}, crNode{crClass, rows[0]})
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
		rs = crDedupe(rs)
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
		p.note(Warning, nd.kind.table(), p.ref(nd).Key, "left advertised (registration group cannot be expressed faithfully): %s", strings.Join(reasons[g], "; "))
	}
}

func crDedupe(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func (p *crPlanner) isLive(nd crNode) bool {
	switch nd.kind {
	case crClass:
		return p.classDead[nd.idx] == ""
	case crProgID:
		return p.progLive[nd.idx]
	case crAppID:
		return p.appLive[nd.idx]
	case crExtension:
		return p.extDead[nd.idx] == ""
	case crVerb:
		return p.verbLive[nd.idx]
	case crMIME:
		return p.mimeLive[nd.idx]
	}
	return false
}

func (p *crPlanner) ref(nd crNode) crRowRef {
	in := p.in
	switch nd.kind {
	case crClass:
		return in.Classes[nd.idx].ref
	case crProgID:
		return in.ProgIDs[nd.idx].ref
	case crAppID:
		return in.AppIDs[nd.idx].ref
	case crExtension:
		return in.Extensions[nd.idx].ref
	case crVerb:
		return in.Verbs[nd.idx].ref
	case crMIME:
		return in.MIMEs[nd.idx].ref
	}
	return crRowRef{}
}

// converted reports whether a live row is converted (its group not kept).
func (p *crPlanner) converted(nd crNode) bool {
	return p.isLive(nd) && !p.keptGroup[p.find(p.nodeIndex[nd])]
}

// emit adds one Registry row (Root 0) unless an equal one exists. Past
// the MaxChanges bounds it records why in plan.over and adds nothing more.
func (p *crPlanner) emit(key, name, value, component, reason string) {
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
	slot := crLower(key) + "\x00" + crLower(name)
	if ex, ok := p.existing[slot]; ok {
		if ex.Value == value {
			p.note(Info, crTblRegistry, []string{ex.ID}, "%s%s already written by this existing Registry row; not added again (%s)", key, crValueName(name), reason)
		} else {
			p.note(Warning, crTblRegistry, []string{ex.ID}, "%s%s: the existing Registry row writes %q, the advertised registration wrote %q; the existing row already won (WriteRegistryValues runs after the Register* actions), so no row is added (%s)", key, crValueName(name), ex.Value, value, reason)
		}
		return
	}
	if prev, ok := p.added[slot]; ok {
		if prev.Row.Value != value {
			p.note(Warning, crTblRegistry, []string{prev.Row.ID}, "%s%s: %s wants %q but %s already writes %q; the first is kept", key, crValueName(name), reason, value, prev.Reason, prev.Row.Value)
			return
		}
		if p.addedSlots[slot+"\x00"+component] {
			return
		}
	}
	id := p.registryID(key, name, component)
	a := crAdd{Row: crRegistryRow{ID: id, Root: 0, Key: key, Name: name, Value: value, Component: component}, Reason: reason}
	if _, ok := p.added[slot]; !ok {
		p.added[slot] = a
	}
	p.addedSlots[slot+"\x00"+component] = true
	p.plan.Add = append(p.plan.Add, a)
}

func crValueName(name string) string {
	if name == "" {
		return " (default)"
	}
	return " [" + name + "]"
}

func (p *crPlanner) remove(nd crNode, reason string) {
	if p.plan.over == "" && len(p.plan.Add)+len(p.plan.Remove) >= p.maxChanges {
		p.plan.over = fmt.Sprintf("more than %d row changes", p.maxChanges)
	}
	if p.plan.over != "" {
		return
	}
	p.plan.Remove = append(p.plan.Remove, crRemove{Table: nd.kind.table(), Index: nd.idx, Ref: p.ref(nd), Reason: reason})
}

// dropped notes a part of a converted row that is not written.
func (p *crPlanner) dropped(nd crNode, what string, why string) {
	p.note(Warning, nd.kind.table(), p.ref(nd).Key, "dropped %s: %s", what, why)
}

func (p *crPlanner) generate() {
	in := p.in
	// Classes.
	for i := range in.Classes {
		nd := crNode{crClass, i}
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
		nd := crNode{crProgID, i}
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
			p.emit(key, "", crRegValue(fmtLiteral(r.Description)), comp, why)
		}
		if clsid, _ := p.progClass(i); clsid != "" {
			p.emit(key+`\CLSID`, "", crRegValue(fmtLiteral(clsid)), comp, why)
		}
		if ic := p.progIcon[i]; ic.value != "" {
			p.emit(key+`\DefaultIcon`, "", ic.value, comp, why)
		} else if ic.problem != "" {
			p.dropped(nd, "DefaultIcon", ic.problem)
		}
		if p.progParent[i] >= 0 {
			if root := p.progRoot(i); root >= 0 && root != i {
				p.emit(key+`\CurVer`, "", crRegValue(fmtLiteral(in.ProgIDs[root].ProgID)), comp, why)
			}
		}
		p.remove(nd, "converted to Registry rows ("+p.progWhy[i]+")")
	}
	// AppIds: once per component of the converted classes using them.
	for i, a := range in.AppIDs {
		nd := crNode{crAppID, i}
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
		for _, ci := range p.classByApp[crLower(a.AppID)] {
			c := in.Classes[ci]
			if !p.converted(crNode{crClass, ci}) || p.classClash[ci] != "" {
				continue
			}
			// msiexec writes the AppID key once per class using it, with
			// that class's Description: the last class wins.
			if c.Description != "" {
				if desc != "" && desc != c.Description {
					p.note(Warning, crTblAppID, a.ref.Key, "classes %s and %s give different descriptions; AppID default = %q (the last, as msiexec leaves it)", descFrom, c.CLSID, c.Description)
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
				p.emit(key, "", crRegValue(fmtLiteral(desc)), comp, why)
			}
			if a.RemoteServerName != "" {
				p.emit(key, "RemoteServerName", crRegValue(a.RemoteServerName), comp, why) // Formatted column
			}
			if a.LocalService != "" {
				p.emit(key, "LocalService", crRegValue(fmtLiteral(a.LocalService)), comp, why)
			}
			if a.ServiceParameters != "" {
				p.emit(key, "ServiceParameters", crRegValue(fmtLiteral(a.ServiceParameters)), comp, why)
			}
			if a.DllSurrogate != "" {
				p.emit(key, "DllSurrogate", crRegValue(fmtLiteral(a.DllSurrogate)), comp, why)
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
		nd := crNode{crExtension, i}
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
		nd := crNode{crVerb, i}
		if !p.converted(nd) {
			continue
		}
		p.remove(nd, "converted to Registry rows")
	}
	// MIME types.
	for i, m := range in.MIMEs {
		nd := crNode{crMIME, i}
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
			for _, ci := range p.classesBy[crLower(m.CLSID)] {
				if p.classDead[ci] == "" {
					comp = p.owner(in.Classes[ci].Component, in.Classes[ci].Feature)
					break
				}
			}
		}
		key := `MIME\Database\Content Type\` + fmtLiteral(m.ContentType)
		why := "MIME " + m.ContentType
		p.emit(key, "Extension", crRegValue(fmtLiteral("."+strings.TrimPrefix(e.Extension, "."))), comp, why)
		if m.CLSID != "" {
			p.emit(key, "CLSID", crRegValue(fmtLiteral(m.CLSID)), comp, why)
		}
		p.remove(nd, "converted to Registry rows")
	}
}

func (p *crPlanner) emitClass(i int) {
	in := p.in
	c := in.Classes[i]
	nd := crNode{crClass, i}
	comp := p.owner(c.Component, c.Feature)
	why := "Class " + c.CLSID + " " + c.Context
	key := `CLSID\` + fmtLiteral(c.CLSID)
	if c.Description != "" {
		p.emit(key, "", crRegValue(fmtLiteral(c.Description)), comp, why)
	}
	// The server: the key file's path, or its name alone with the
	// relative-path attribute; quoted for local servers (an executable
	// path with spaces); then the formatted Argument.
	f, _ := p.keyFile(c.Component)
	server := "[#" + f.File + "]"
	if c.Attributes.Valid && c.Attributes.V&crClassRelativePath != 0 {
		server = fmtLiteral(crLongName(f.FileName))
	}
	if strings.EqualFold(c.Context, "LocalServer") || strings.EqualFold(c.Context, "LocalServer32") {
		server = `"` + server + `"`
	}
	if c.Argument != "" {
		server += " " + c.Argument
	}
	p.emit(key+`\`+fmtLiteral(c.Context), "", crRegValue(server), comp, why)
	if c.ProgIDDefault != "" {
		prog := c.ProgIDDefault
		if j, ok := p.progBy[crLower(prog)]; ok {
			prog = in.ProgIDs[j].ProgID
			if vi := p.versionIndependent(j); vi >= 0 {
				p.emit(key+`\VersionIndependentProgID`, "", crRegValue(fmtLiteral(in.ProgIDs[vi].ProgID)), comp, why)
			}
		}
		p.emit(key+`\ProgID`, "", crRegValue(fmtLiteral(prog)), comp, why)
	}
	if c.AppID != "" {
		if j, ok := p.appBy[crLower(c.AppID)]; ok {
			p.emit(key, "AppID", crRegValue(fmtLiteral(in.AppIDs[j].AppID)), comp, why)
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
			p.emit(key+`\InprocHandler32`, "", crRegValue(fmtLiteral(crLongName(h))), comp, why)
		}
	}
	if n := crFileTypes(c.FileTypeMask); n > crMaxFileTypes {
		p.dropped(nd, "the FileType values", crFileTypesProblem(n))
	} else if n > 0 {
		rest := c.FileTypeMask
		for i := 0; i < n; i++ {
			mask, tail, _ := strings.Cut(rest, ";")
			rest = tail
			p.emit(`FileType\`+fmtLiteral(c.CLSID)+`\`+crItoa(i), "", crRegValue(fmtLiteral(mask)), comp, why)
		}
	}
}

// crFileTypes counts the patterns msiexec registers from a FileTypeMask:
// those before the first empty one.
func crFileTypes(mask string) int {
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

func crFileTypesProblem(n int) string {
	return fmt.Sprintf("FileTypeMask has %d patterns; the pass writes at most %d FileType values for one class (as many as the standard 255-character column holds)", n, crMaxFileTypes)
}

// versionIndependent returns the ProgId whose chain ends at root j (the
// version-independent ProgId of a class's default ProgId), or -1. With
// several candidates the last in table order is taken, as msiexec loads
// them in order and the last one wins; that is reported.
func (p *crPlanner) versionIndependent(j int) int {
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
		p.note(Warning, crTblProgID, p.in.ProgIDs[j].ref.Key, "several ProgIds descend from %s (%s); VersionIndependentProgID = %s (the last)", p.in.ProgIDs[j].ProgID, strings.Join(names, ", "), p.in.ProgIDs[vi].ProgID)
	}
	return vi
}

func (p *crPlanner) emitExtension(i int) {
	in := p.in
	e := in.Extensions[i]
	comp := p.owner(e.Component, e.Feature)
	ext := strings.TrimPrefix(e.Extension, ".")
	why := "Extension ." + ext
	key := "." + fmtLiteral(ext)
	wrote := false
	if e.MIME != "" {
		if j, ok := p.mimeBy[crLower(e.MIME)]; ok {
			p.emit(key, "Content Type", crRegValue(fmtLiteral(in.MIMEs[j].ContentType)), comp, why)
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
	if j, ok := p.progBy[crLower(prog)]; ok {
		prog = in.ProgIDs[j].ProgID
	}
	pkey := fmtLiteral(prog)
	p.emit(key, "", crRegValue(pkey), comp, why)
	if i != crFirst(p.extBy[crLower(ext)]) {
		return // verbs belong to the first row of the extension
	}
	f, fwhy := p.keyFile(e.Component)
	best := crOptInt{}
	bestVerb := ""
	for _, vi := range p.verbsByExt[i] {
		v := in.Verbs[vi]
		vnd := crNode{crVerb, vi}
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
		p.emit(vkey+`\command`, "", crRegValue(cmd), comp, vwhy)
		if v.Command != "" {
			p.emit(vkey, "", crRegValue(v.Command), comp, vwhy)
		}
		if v.Sequence.Valid && (!best.Valid || v.Sequence.V < best.V) {
			best, bestVerb = v.Sequence, v.Verb
		}
	}
	if best.Valid {
		p.emit(pkey+`\shell`, "", crRegValue(fmtLiteral(bestVerb)), comp, why+" default verb")
	}
}

func crFirst(s []int) int {
	if len(s) == 0 {
		return -1
	}
	return s[0]
}

// sequence makes sure the Registry rows are written and removed: the
// Register*/Unregister* actions are kept (harmless on empty tables, and
// still needed by any group left advertised); WriteRegistryValues and
// RemoveRegistryValues are added to InstallExecuteSequence when missing.
func (p *crPlanner) sequence() {
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
		p.note(Warning, "InstallExecuteSequence", nil, "no InstallInitialize/InstallFinalize; WriteRegistryValues and RemoveRegistryValues not checked")
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
		p.plan.Actions = append(p.plan.Actions, crAction{"WriteRegistryValues", w, crSeqInstall})
	} else if w < 0 {
		p.note(Warning, "InstallExecuteSequence", nil, "no free sequence number for WriteRegistryValues")
		return
	}
	r, addR := pick("RemoveRegistryValues", 2600, lo, w)
	if addR {
		p.plan.Actions = append(p.plan.Actions, crAction{"RemoveRegistryValues", r, crSeqInstall})
	} else if r < 0 {
		p.note(Warning, "InstallExecuteSequence", nil, "no free sequence number for RemoveRegistryValues")
	}
}

// moduleSequence adds WriteRegistryValues and RemoveRegistryValues to a
// merge module's ModuleInstallExecuteSequence as merge modules sequence
// standard actions: the recommended sequence number (RemoveRegistryValues
// 2600, WriteRegistryValues 5000) with BaseAction and After null. The
// merge tool keeps the number the target package already uses for the
// action, and adds the action when the target lacks it, so the Registry
// rows are written and removed wherever the module is merged.
func (p *crPlanner) moduleSequence() {
	have := map[string]bool{}
	for _, s := range p.in.Sequences {
		if s.Table == crSeqModule {
			have[s.Action] = true
		}
	}
	for _, a := range []crAction{{"RemoveRegistryValues", 2600, crSeqModule}, {"WriteRegistryValues", 5000, crSeqModule}} {
		if !have[a.Action] {
			p.plan.Actions = append(p.plan.Actions, a)
		}
	}
}

func (p *crPlanner) typeLibs() {
	for _, t := range p.in.TypeLibs {
		p.note(Warning, crTblTypeLib, t.ref.Key, "left alone: registering a type library needs the library's own contents (its interfaces); RegisterTypeLibraries keeps doing it")
	}
}

// advertisedRegistry reports existing Registry rows whose value is a darwin
// descriptor: hand-written advertised registration the pass cannot turn
// into a plain value (it does not know the server's path).
func (p *crPlanner) advertisedRegistry() {
	for _, r := range p.in.Registry {
		v := strings.TrimPrefix(r.Value, "[~]")
		v = strings.TrimSuffix(v, "[~]")
		if v == "" {
			continue
		}
		if isDarwinValue(strings.ReplaceAll(v, "[~]", "|")) {
			p.note(Warning, crTblRegistry, []string{r.ID}, "left alone: its value is a darwin descriptor (advertised registration written by hand); it keeps the health check")
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
func (p *crPlanner) owner(component, feature string) string {
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
	name := fitIdent("reg_"+component+"_"+feature, width, "classreg\x00"+component+"\x00"+feature, p.compTaken)
	if name == "" {
		p.note(Warning, "Component", []string{component}, "the Component key column (%d characters) is too narrow for a registry-only component of feature %s: the Registry rows follow component %s and its features", width, feature, component)
		p.owners[key] = component
		return component
	}
	p.compTaken[crLower(name)] = true
	p.owners[key] = name
	src := p.comps[component]
	nc := crNewComponent{Component: name, From: component, Feature: feature, Attributes: crCompRegistryKeyPath}
	if src != nil {
		nc.Directory, nc.Condition = src.Directory, src.Condition
		nc.Attributes |= src.Attributes & (crComp64 | crCompTransitive)
	}
	nc.ComponentID = crComponentGUID(p.in.ProductCode, src, component, feature)
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
const crCompTransitive = 0x0040

// finishComponents gives every new component its key path: its first
// Registry row that writes a value. A component whose rows only create
// keys ("*", as for an extension without ProgId or MIME type) keeps a null
// KeyPath without the registry key path bit, so that its directory (the
// original component's) is its key path.
func (p *crPlanner) finishComponents() {
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
			nc.Attributes &^= crCompRegistryKeyPath
		}
		p.note(Info, "Component", []string{nc.Component}, "new registry-only component for %s: %s; msiexec registers it only with that feature, so its Registry rows live in a component only that feature holds", nc.From, nc.Reason)
	}
}

// crComponentGUID derives a new component's ComponentId from package data
// (the ProductCode, the original component's ComponentId and key, and the
// feature), so that the same package rewritten again gets the same GUID.
func crComponentGUID(product string, src *crComponentRow, component, feature string) string {
	id := ""
	if src != nil {
		id = src.ComponentID
	}
	h := sha256.New()
	fmt.Fprintf(h, "msikit class registration component\x00%s\x00%s\x00%s\x00%s", product, id, component, feature)
	return guidFromHash(h.Sum(nil))
}

// registryID returns a free primary key for a new Registry row (Root 0)
// that fits this package's Registry key column, and marks it used.
func (p *crPlanner) registryID(key, name, component string) string {
	width := p.in.RegistryWidth
	if width <= 0 {
		width = 72
	}
	base := crRegistryID(0, key, name, component)
	id := base[:min(len(base), width)]
	for n := 2; p.usedIDs[id]; n++ {
		suffix := "_" + crItoa(n)
		id = base[:min(len(base), width-len(suffix))] + suffix
	}
	p.usedIDs[id] = true
	return id
}
