package validate

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/msikit/msikit/internal/textmemo"
)

// moduleID is a module's identity: ModuleID and Language.
type moduleID struct {
	id   string
	lang int32
}

func (m moduleID) String() string { return m.id + " (language " + strconv.Itoa(int(m.lang)) + ")" }

// signature returns the module's identity from ModuleSignature.
func (c *checker) signature() (moduleID, bool) {
	t := c.table("ModuleSignature")
	if t == nil {
		return moduleID{}, false
	}
	for r := range t.Rows() {
		l, _ := num(r, "Language")
		return moduleID{str(r, "ModuleID"), l}, true
	}
	return moduleID{}, false
}

// icem02: a module's ModuleDependency and ModuleExclusion rows are its
// own (their first two columns name this module) and never name the
// module itself as required or excluded.
func icem02(c *checker) {
	self, ok := c.signature()
	if !ok {
		return
	}
	// isSelf compares a text with the module's ModuleID once per long
	// text: rows may name one pooled text as long as it, in another
	// string of the pool, which comparing byte by byte in each row costs
	// its length again.
	isSelf := func(s string) bool {
		return memoOf(c.memo, s, "module id", func() bool { return s == self.id })
	}
	for _, tc := range []struct{ table, other, otherLang, what string }{
		{"ModuleDependency", "RequiredID", "RequiredLanguage", "dependency"},
		{"ModuleExclusion", "ExcludedID", "ExcludedLanguage", "exclusion"},
	} {
		t := c.table(tc.table)
		if t == nil {
			continue
		}
		// Past the findings listed, a row of another module is only
		// counted (omit): its message, three module names formatted, is
		// not built (0.7 s for the 440,000 rows of a 5 MB module).
		for r := range t.Rows() {
			l, _ := num(r, "ModuleLanguage")
			owner := moduleID{str(r, "ModuleID"), l}
			ol, _ := num(r, tc.otherLang)
			other := moduleID{str(r, tc.other), ol}
			if owner.lang != self.lang || !isSelf(owner.id) {
				if key := keyOf(r); !c.omit(Error, tc.table, "ModuleID", key) {
					c.report(Error, tc.table, "ModuleID", key, "The %s on %s in the %s table is defined for the unrelated module %s; a module can only define %ss for itself (%s)", tc.what, other, tc.table, owner, tc.what, self)
				}
			}
			if (other.lang == self.lang || other.lang == 0) && isSelf(other.id) {
				if tc.what == "dependency" {
					c.report(Error, tc.table, tc.other, keyOf(r), "This module is listed as depending on itself")
				} else {
					c.report(Error, tc.table, tc.other, keyOf(r), "This module excludes itself from the target database")
				}
			}
		}
	}
}

// moduleSequences pairs each module sequence table with the sequence table
// a merge module must carry empty beside it.
var moduleSequences = [][2]string{
	{"ModuleInstallExecuteSequence", "InstallExecuteSequence"},
	{"ModuleInstallUISequence", "InstallUISequence"},
	{"ModuleAdminExecuteSequence", "AdminExecuteSequence"},
	{"ModuleAdminUISequence", "AdminUISequence"},
	{"ModuleAdvtExecuteSequence", "AdvtExecuteSequence"},
}

// icem04: a merge module has an empty FeatureComponents table, and for
// each module sequence table an empty sequence table of the standard
// name; standard sequence tables hold no rows.
func icem04(c *checker) {
	if t := c.table("FeatureComponents"); t == nil {
		c.report(Error, "FeatureComponents", "", nil, "An empty FeatureComponents table is required in a Merge Module")
	} else {
		for r := range t.Rows() {
			c.report(Error, "FeatureComponents", "", keyOf(r), "Feature-Component %s found in the FeatureComponents table. The FeatureComponents table must be empty in a Merge Module", quote(strings.Join(keyOf(r), ".")))
		}
	}
	for _, p := range moduleSequences {
		if c.table(p[0]) != nil && c.table(p[1]) == nil {
			c.report(Error, p[1], "", nil, "The Merge Module contains the %s table. It must therefore have an empty %s table", quote(p[0]), quote(p[1]))
		}
		if t := c.table(p[1]); t != nil {
			for r := range t.Rows() {
				c.report(Error, p[1], "", keyOf(r), "Action %s found in the %s table. This table must be empty in a Merge Module", quote(str(r, "Action")), p[1])
			}
		}
	}
}

// icem05: every ModuleComponents row names a component of the Component
// table and this module; every component is listed in ModuleComponents.
func icem05(c *checker) {
	self, ok := c.signature()
	ci := c.comps()
	var listed textmemo.Index[bool] // an index: rows may name one long text
	if t := c.table("ModuleComponents"); t != nil {
		for r := range t.Rows() {
			comp := str(r, "Component")
			listed.Set(comp, true)
			l, _ := num(r, "Language")
			if m := (moduleID{str(r, "ModuleID"), l}); ok && m != self {
				c.report(Error, "ModuleComponents", "ModuleID", keyOf(r), "The component %s in the ModuleComponents table does not belong to this Merge Module: it names %s, the module is %s", quote(comp), m, self)
			}
			if ci.by.Get(comp) == nil {
				c.report(Error, "ModuleComponents", "Component", keyOf(r), "The component %s in the ModuleComponents table is not listed in the Component table", quote(comp))
			}
		}
	}
	for _, cp := range ci.list {
		if !listed.Get(cp.name) {
			c.report(Error, "Component", "", cp.key(), "The component %s in the Component table is not listed in the ModuleComponents table", quote(cp.name))
		}
	}
}

// icem06: a module names no feature: shortcut targets are formatted
// (non-advertised) or the null GUID, and Feature_ columns hold the null
// GUID, which the merge tool replaces.
func icem06(c *checker) {
	if t := c.table("Shortcut"); t != nil {
		for r := range t.Rows() {
			if target := str(r, "Target"); target != nullGUID && !strings.Contains(target, "[") {
				c.report(Error, "Shortcut", "Target", keyOf(r), "The target of shortcut %s is %s: not a property and not a null GUID. Modules may not directly reference features", quote(str(r, "Shortcut")), quote(target))
			}
		}
	}
	for _, table := range []string{"Class", "Extension", "TypeLib", "PublishComponent", "MsiAssembly"} {
		t := c.table(table)
		if t == nil || !has(t, "Feature_") {
			continue
		}
		for r := range t.Rows() {
			if f := str(r, "Feature_"); f != "" && f != nullGUID {
				c.report(Error, table, "Feature_", keyOf(r), "The row %s in the %s table has a feature reference (%s) that is not a null GUID. Modules may not directly reference features", quote(strings.Join(keyOf(r), ".")), table, quote(f))
			}
		}
	}
}

// icem08: a module does not exclude a module version it requires: no
// ModuleExclusion row of the required module covers the dependency's
// language (either may be 0, any language) and version (between
// ExcludedMinVersion and ExcludedMaxVersion, each optional).
//
// The exclusions of each module are grouped by language into ranges of
// version ranks, which answer a dependency in logarithmic time: scanning
// every exclusion of the module for each dependency took 0.74 s for
// 20,000 of each, and a 5 MB module holds 200,000 of each. Versions are
// parsed and ranked once per distinct text.
func icem08(c *checker) {
	dep, exc := c.table("ModuleDependency"), c.table("ModuleExclusion")
	if dep == nil || exc == nil {
		return
	}
	var vr versionRanker
	type exclusion struct {
		id       string
		lang     int32
		min, max int32 // version ids, -1 for none
	}
	var excls []exclusion
	for r := range exc.Rows() {
		l, _ := num(r, "ExcludedLanguage")
		excls = append(excls, exclusion{str(r, "ExcludedID"), l, vr.id(str(r, "ExcludedMinVersion")), vr.id(str(r, "ExcludedMaxVersion"))})
	}
	if len(excls) == 0 {
		return
	}
	type dependency struct {
		lang int32
		ver  int32 // version id, -1 for none
	}
	var deps []dependency
	for r := range dep.Rows() {
		l, _ := num(r, "RequiredLanguage")
		deps = append(deps, dependency{l, vr.id(str(r, "RequiredVersion"))})
	}
	rank := vr.ranks()
	// The exclusions of each module: all of them, and by language.
	type excluded struct {
		all    versionRanges
		byLang map[int32]*versionRanges
	}
	var byID textmemo.Index[*excluded]
	for _, e := range excls {
		x := byID.Get(e.id)
		if x == nil {
			x = &excluded{byLang: map[int32]*versionRanges{}}
			byID.Set(e.id, x)
		}
		rg := versionRange{lo: rankOf(rank, e.min, -1), hi: rankOf(rank, e.max, math.MaxInt32)}
		x.all.add(rg)
		l := x.byLang[e.lang]
		if l == nil {
			l = &versionRanges{}
			x.byLang[e.lang] = l
		}
		l.add(rg)
	}
	i := 0
	for r := range dep.Rows() {
		d := deps[i]
		i++
		id := str(r, "RequiredID")
		x := byID.Get(id)
		if x == nil {
			continue
		}
		v := rankOf(rank, d.ver, -2) // -2: no version, any exclusion covers it
		var hit bool
		if d.lang == 0 {
			hit = x.all.covers(v)
		} else {
			hit = x.byLang[0].covers(v) || x.byLang[d.lang].covers(v)
		}
		if hit {
			ver := str(r, "RequiredVersion")
			c.report(Error, "ModuleDependency", "RequiredID", keyOf(r), "This module requires module %s (language %d, version %s) but also lists it as an exclusion", quote(id), d.lang, quote(ver))
		}
	}
}

// versionRanker numbers the distinct version texts it is given and ranks
// them by number, part by part (equal versions, such as 1.0 and
// 1.0.0, of equal rank), parsing and hashing each distinct text once.
type versionRanker struct {
	ids  textmemo.IDs
	text []string // by id
}

// id returns the id of version text s, -1 for "".
func (v *versionRanker) id(s string) int32 {
	if s == "" {
		return -1
	}
	id := v.ids.ID(s)
	if int(id) == len(v.text) {
		v.text = append(v.text, s)
	}
	return id
}

// ranks returns the rank of each id's version.
func (v *versionRanker) ranks() []int32 {
	parsed := make([][]int, len(v.text))
	for i, s := range v.text {
		parsed[i] = parseVersion(s)
	}
	order := make([]int32, len(v.text))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return compareVersions(parsed[a], parsed[b]) })
	rank := make([]int32, len(v.text))
	r := int32(0)
	for i, id := range order {
		if i > 0 && compareVersions(parsed[order[i-1]], parsed[id]) != 0 {
			r++
		}
		rank[id] = r
	}
	return rank
}

// rankOf returns the rank of version id, or none for id -1.
func rankOf(rank []int32, id, none int32) int32 {
	if id < 0 {
		return none
	}
	return rank[id]
}

// parseVersion returns the numbers of a dotted version as versionLess
// reads them (a part that is not a number counts as 0).
func parseVersion(s string) []int {
	parts := strings.Split(s, ".")
	out := make([]int, len(parts))
	for i, p := range parts {
		out[i], _ = strconv.Atoi(p)
	}
	return out
}

// compareVersions compares parsed versions part by part, missing parts
// counting as 0.
func compareVersions(a, b []int) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return cmp.Compare(x, y)
		}
	}
	return 0
}

// versionRange is a range of version ranks, both ends included.
type versionRange struct{ lo, hi int32 }

// versionRanges answers whether any of its ranges covers a version rank:
// sorted by lower end, with the highest upper end of each prefix.
type versionRanges struct {
	rs     []versionRange
	sorted bool
	maxHi  []int32 // maxHi[i]: the highest hi of rs[:i+1]
}

func (vs *versionRanges) add(r versionRange) { vs.rs, vs.sorted = append(vs.rs, r), false }

// covers reports whether a range covers rank v; v -2 (no version) is
// covered by any range. A nil *versionRanges covers nothing.
func (vs *versionRanges) covers(v int32) bool {
	if vs == nil || len(vs.rs) == 0 {
		return false
	}
	if v == -2 {
		return true
	}
	if !vs.sorted {
		slices.SortFunc(vs.rs, func(a, b versionRange) int { return cmp.Compare(a.lo, b.lo) })
		vs.maxHi = make([]int32, len(vs.rs))
		for i, r := range vs.rs {
			vs.maxHi[i] = r.hi
			if i > 0 {
				vs.maxHi[i] = max(vs.maxHi[i], vs.maxHi[i-1])
			}
		}
		vs.sorted = true
	}
	k, _ := slices.BinarySearchFunc(vs.rs, v+1, func(r versionRange, t int32) int { return cmp.Compare(r.lo, t) })
	return k > 0 && vs.maxHi[k-1] >= v
}

// icem09: a module's components do not install directly into predefined
// folders: the Directory rows of the module would collide with those of
// the package it is merged into. Modules alias such folders to names of
// their own.
func icem09(c *checker) {
	for _, cp := range c.comps().list {
		if inSet(systemFolders, cp.dir) {
			c.report(Warning, "Component", "Directory_", cp.key(), "The component %s installs directly into the pre-defined directory %s. It is recommended that merge modules alias all such directories to unique names", quote(cp.name), quote(cp.dir))
		}
	}
}

// productProperties may not be set by a merge module (ICEM10).
var productProperties = []string{"ProductLanguage", "ProductCode", "ProductVersion", "ProductName", "Manufacturer"}

// icem10: a module's Property table holds no product properties.
func icem10(c *checker) {
	t := c.table("Property")
	if t == nil {
		return
	}
	for r := range t.Rows() {
		p := str(r, "Property")
		for _, bad := range productProperties {
			if p == bad {
				c.report(Error, "Property", "Property", keyOf(r), "The property %s is not allowed in a merge module", quote(p))
			}
		}
	}
}

// icem12: in the module sequence tables, standard actions (those not in
// CustomAction) have a Sequence and no BaseAction or After; custom actions
// use BaseAction and After, or at least one of the three.
func icem12(c *checker) {
	// An index: a module sequence table's rows may name one long action.
	var custom textmemo.Index[bool]
	if t := c.table("CustomAction"); t != nil {
		for r := range t.Rows() {
			custom.Set(str(r, "Action"), true)
		}
	}
	for _, p := range moduleSequences {
		t := c.table(p[0])
		if t == nil {
			continue
		}
		for r := range t.Rows() {
			a := str(r, "Action")
			_, hasSeq := num(r, "Sequence")
			base := str(r, "BaseAction")
			_, hasAfter := num(r, "After")
			isCustom := custom.Get(a)
			switch {
			case isCustom && !hasSeq && base == "" && !hasAfter:
				c.report(Error, p[0], "", keyOf(r), "Custom actions should not leave the Sequence, BaseAction, and After fields of the Module Sequence tables all empty. The custom action %s leaves them empty in the %s table", quote(a), p[0])
			case isCustom && hasSeq && base == "":
				c.report(Warning, p[0], "Sequence", keyOf(r), "Custom actions should use the BaseAction and After fields and not the Sequence field in the Module Sequence tables. The custom action %s uses the Sequence field and not BaseAction and After in the %s table", quote(a), p[0])
			case !isCustom && (base != "" || hasAfter):
				c.report(Error, p[0], "BaseAction", keyOf(r), "Standard actions should not use the BaseAction and After fields in Module Sequence tables. The standard action %s has values in the BaseAction or After fields of the %s table", quote(a), p[0])
			case !isCustom && !hasSeq:
				c.report(Error, p[0], "Sequence", keyOf(r), "Standard actions must have an entry in the Sequence field of Module Sequence tables. The standard action %s has no Sequence value in the %s table", quote(a), p[0])
			}
		}
	}
}
