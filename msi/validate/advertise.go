package validate

import (
	"strings"

	"github.com/msikit/msikit/internal/textmemo"
)

// ice19: what advertising needs from the components it names. Components
// of Class, Extension and TypeLib rows have a ComponentId and a file as
// key path (advertising activates the key file); components of advertised
// shortcuts have a ComponentId and a file or folder as key path;
// components of PublishComponent rows have a ComponentId.
func ice19(c *checker) {
	ci := c.comps()
	check := func(table, column string, key []string, what, comp string, fileOnly bool) {
		cp := ci.by.Get(comp)
		if cp == nil {
			return // ICE03 reports the broken reference
		}
		if cp.id == "" {
			c.report(Error, table, column, key, "%s references the component %s which does not have a ComponentId specified in the Component table", what, quote(comp))
			return
		}
		switch cp.keyPathKind() {
		case "directory":
			if fileOnly {
				c.report(Error, table, column, key, "%s references the component %s which references a directory as its KeyPath (the KeyPath is null); an advertised component needs a file", what, quote(comp))
			}
		case "registry":
			c.report(Error, table, column, key, "%s references the component %s which references a Registry entry as its KeyPath (Attributes %d); an advertised component needs a file", what, quote(comp), cp.attr)
		case "odbc":
			c.report(Error, table, column, key, "%s references the component %s which references an ODBC data source as its KeyPath (Attributes %d); an advertised component needs a file", what, quote(comp), cp.attr)
		}
	}
	for _, tc := range [][2]string{{"Class", "CLSID"}, {"Extension", "Extension"}, {"TypeLib", "LibID"}} {
		t := c.table(tc[0])
		if t == nil {
			continue
		}
		for r := range t.Rows() {
			check(tc[0], "Component_", keyOf(r), tc[0]+" "+quote(str(r, tc[1])), str(r, "Component_"), true)
		}
	}
	if t := c.table("Shortcut"); t != nil {
		for r := range t.Rows() {
			if c.advertisedTarget(str(r, "Target")) {
				check("Shortcut", "Component_", keyOf(r), "Advertised shortcut "+quote(str(r, "Shortcut")), str(r, "Component_"), false)
			}
		}
	}
	if t := c.table("PublishComponent"); t != nil {
		for r := range t.Rows() {
			comp := str(r, "Component_")
			if cp := ci.by.Get(comp); cp != nil && cp.id == "" {
				c.report(Error, "PublishComponent", "Component_", keyOf(r), "PublishComponent %s references the component %s which does not have a ComponentId specified in the Component table", quote(str(r, "ComponentId")), quote(comp))
			}
		}
	}
}

// ice59: an advertised shortcut's component is installed by the feature
// the shortcut advertises, or the shortcut starts nothing.
func ice59(c *checker) {
	t := c.table("Shortcut")
	if t == nil {
		return
	}
	for r := range t.Rows() {
		target, comp := str(r, "Target"), str(r, "Component_")
		if !c.advertisedTarget(target) {
			continue
		}
		if !c.inFeature(comp, target) {
			c.report(Error, "Shortcut", "Target", keyOf(r), "The shortcut %s activates component %s and advertises feature %s, but there is no mapping between %s and %s in the FeatureComponents table", quote(str(r, "Shortcut")), quote(comp), quote(target), quote(target), quote(comp))
		}
	}
}

// regClass classifies a registry key under HKEY_CLASSES_ROOT by the
// advertising table that could express it: "Class", "AppId", "TypeLib",
// "MIME", "Extension", "Verb", "ProgId", or "" for none. progIDs holds the
// names known to be ProgIds (upper-cased).
func regClass(key string, progIDs *textmemo.Index[bool], memo textMemo) string {
	first, rest, _ := cutKey(memo, key)
	// Folded once per long text (memo): a Registry table of 12-byte rows
	// can name one pooled 480 KiB key 325,000 times, which folding for
	// each row took minutes over (and hashed each fold anew).
	lf := upper(memo, first)
	switch {
	case lf == "CLSID" && rest != "", lf == "FILETYPE" && rest != "":
		return "Class"
	case lf == "APPID" && rest != "":
		return "AppId"
	case lf == "TYPELIB" && rest != "":
		return "TypeLib"
	case lf == "MIME" && len(rest) > len(`Database\Content Type\`) && strings.EqualFold(rest[:len(`Database\Content Type\`)], `Database\Content Type\`):
		return "MIME"
	case strings.HasPrefix(first, ".") && len(first) > 1:
		if isVerbKey(rest, memo) {
			return "Verb"
		}
		return "Extension"
	case progIDs.Get(lf):
		if isVerbKey(rest, memo) {
			return "Verb"
		}
		return "ProgId"
	}
	return ""
}

// isVerbKey reports whether the key below an extension or ProgId is a
// shell verb ("shell\open" and below; "shell" alone holds the default
// verb, which the Verb table also expresses).
func isVerbKey(rest string, memo textMemo) bool {
	first, _, _ := cutKey(memo, rest)
	return strings.EqualFold(first, "shell")
}

// classesKey returns the part of a Registry row's key below
// HKEY_CLASSES_ROOT: the key itself for Root 0, the key below
// Software\Classes for HKCU, HKLM and the per-user-or-machine root (-1).
func classesKey(root int32, key string) (string, bool) {
	switch root {
	case 0:
		return key, true
	case -1, 1, 2:
		const p = `Software\Classes\`
		if len(key) > len(p) && strings.EqualFold(key[:len(p)], p) {
			return key[len(p):], true
		}
	}
	return "", false
}

// ice33: Registry rows that register what the advertising tables (Class,
// ProgId, Extension, Verb, AppId, MIME, TypeLib) could express. Microsoft
// documents these warnings as obsolete, and msikit's class-to-registry
// pass produces exactly such rows on purpose (see the package
// documentation): each is a warning, never an error.
func ice33(c *checker) {
	regs := c.registryRows()
	if regs.Len() == 0 {
		return
	}
	progIDs := c.progIDNames(regs)
	why := map[string]string{
		"Class":     "a COM class",
		"AppId":     "an AppId",
		"TypeLib":   "a type library",
		"MIME":      "a MIME type",
		"Extension": "a file extension",
		"Verb":      "a shell verb",
		"ProgId":    "a ProgId",
	}
	for r := range regs.All() {
		root, hasRoot := r.root()
		k, ok := classesKey(root, r.key())
		if !ok || !hasRoot {
			continue
		}
		if table := regClass(k, progIDs, c.memo); table != "" {
			c.report(Warning, "Registry", "Key", keyOf(r.row), "Reg key %s registers %s through the Registry table; ICE33 suggests the %s table (an obsolete warning)", quote(r.key()), why[table], table)
		}
	}
}

// progIDNames returns the names (upper-cased) the package uses as ProgIds:
// the ProgId table's keys, the ProgIds Class and Extension rows name, and
// from the Registry rows under HKEY_CLASSES_ROOT: keys with a CLSID or
// CurVer subkey, the default values of CLSID\{...}\ProgID and
// \VersionIndependentProgID keys, and the default values of extension
// keys.
func (c *checker) progIDNames(regs *regRows) *textmemo.Index[bool] {
	names := &textmemo.Index[bool]{}
	add := func(s string) {
		if s != "" && !hasBracket(c.memo, s) {
			names.Set(upper(c.memo, s), true)
		}
	}
	for _, tc := range [][2]string{{"ProgId", "ProgId"}, {"Class", "ProgId_Default"}, {"Extension", "ProgId_"}} {
		if t := c.table(tc[0]); t != nil {
			for r := range t.Rows() {
				add(str(r, tc[1]))
			}
		}
	}
	for r := range regs.All() {
		root, _ := r.root()
		k, ok := classesKey(root, r.key())
		if !ok {
			continue
		}
		first, rest, _ := cutKey(c.memo, k)
		switch lr := upper(c.memo, rest); {
		case lr == "CLSID" || lr == "CURVER":
			add(first)
		case strings.EqualFold(first, "CLSID") && r.name() == "" &&
			(strings.HasSuffix(lr, `\PROGID`) || strings.HasSuffix(lr, `\VERSIONINDEPENDENTPROGID`)):
			add(r.value())
		case strings.HasPrefix(first, ".") && rest == "" && r.name() == "":
			add(r.value())
		}
	}
	return names
}
