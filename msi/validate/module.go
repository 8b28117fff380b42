package validate

import (
	"strconv"
	"strings"
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
	for _, tc := range []struct{ table, other, otherLang, what string }{
		{"ModuleDependency", "RequiredID", "RequiredLanguage", "dependency"},
		{"ModuleExclusion", "ExcludedID", "ExcludedLanguage", "exclusion"},
	} {
		t := c.table(tc.table)
		if t == nil {
			continue
		}
		for r := range t.Rows() {
			l, _ := num(r, "ModuleLanguage")
			owner := moduleID{str(r, "ModuleID"), l}
			ol, _ := num(r, tc.otherLang)
			other := moduleID{str(r, tc.other), ol}
			if owner != self {
				c.report(Error, tc.table, "ModuleID", keyOf(r), "The %s on %s in the %s table is defined for the unrelated module %s; a module can only define %ss for itself (%s)", tc.what, other, tc.table, owner, tc.what, self)
			}
			if other.id == self.id && (other.lang == self.lang || other.lang == 0) {
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
	listed := map[string]bool{}
	if t := c.table("ModuleComponents"); t != nil {
		for r := range t.Rows() {
			comp := str(r, "Component")
			listed[comp] = true
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
		if !listed[cp.name] {
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

// versionLess reports whether dotted version a is lower than b.
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// icem08: a module does not exclude a module version it requires.
func icem08(c *checker) {
	dep, exc := c.table("ModuleDependency"), c.table("ModuleExclusion")
	if dep == nil || exc == nil {
		return
	}
	type excl struct {
		lang     int32
		min, max string
	}
	excluded := map[string][]excl{}
	for r := range exc.Rows() {
		l, _ := num(r, "ExcludedLanguage")
		excluded[str(r, "ExcludedID")] = append(excluded[str(r, "ExcludedID")], excl{l, str(r, "ExcludedMinVersion"), str(r, "ExcludedMaxVersion")})
	}
	for r := range dep.Rows() {
		id, ver := str(r, "RequiredID"), str(r, "RequiredVersion")
		lang, _ := num(r, "RequiredLanguage")
		for _, e := range excluded[id] {
			if e.lang != 0 && lang != 0 && e.lang != lang {
				continue
			}
			if ver != "" && ((e.min != "" && versionLess(ver, e.min)) || (e.max != "" && versionLess(e.max, ver))) {
				continue
			}
			c.report(Error, "ModuleDependency", "RequiredID", keyOf(r), "This module requires module %s (language %d, version %s) but also lists it as an exclusion", quote(id), lang, quote(ver))
			break
		}
	}
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
	custom := map[string]bool{}
	if t := c.table("CustomAction"); t != nil {
		for r := range t.Rows() {
			custom[str(r, "Action")] = true
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
			switch {
			case custom[a] && !hasSeq && base == "" && !hasAfter:
				c.report(Error, p[0], "", keyOf(r), "Custom actions should not leave the Sequence, BaseAction, and After fields of the Module Sequence tables all empty. The custom action %s leaves them empty in the %s table", quote(a), p[0])
			case custom[a] && hasSeq && base == "":
				c.report(Warning, p[0], "Sequence", keyOf(r), "Custom actions should use the BaseAction and After fields and not the Sequence field in the Module Sequence tables. The custom action %s uses the Sequence field and not BaseAction and After in the %s table", quote(a), p[0])
			case !custom[a] && (base != "" || hasAfter):
				c.report(Error, p[0], "BaseAction", keyOf(r), "Standard actions should not use the BaseAction and After fields in Module Sequence tables. The standard action %s has values in the BaseAction or After fields of the %s table", quote(a), p[0])
			case !custom[a] && !hasSeq:
				c.report(Error, p[0], "Sequence", keyOf(r), "Standard actions must have an entry in the Sequence field of Module Sequence tables. The standard action %s has no Sequence value in the %s table", quote(a), p[0])
			}
		}
	}
}
