package validate

import (
	"strings"
	"unicode"

	"github.com/msikit/msikit/internal/textmemo"
)

// checkHKCUKeyPath reports a component that does not use a registry entry
// of its own under HKEY_CURRENT_USER as key path (ICE38, ICE43). Root -1
// counts as HKCU: it is HKCU in a per-user installation, which is the one
// these rules are about.
func (c *checker) checkHKCUKeyPath(cp *component, regs *regIndex, has, must string) {
	lead := "Component " + quote(cp.name) + " " + has + ". It " + must + " use a registry key under HKCU as its KeyPath"
	switch cp.keyPathKind() {
	case "registry":
		r, ok := regs.Lookup(cp.keyPath)
		root, _ := r.root()
		switch {
		case !ok:
			c.report(Error, "Component", "KeyPath", cp.key(), "The KeyPath registry entry %s for component %s does not exist", quote(cp.keyPath), quote(cp.name))
		case root != 1 && root != -1:
			c.report(Error, "Component", "KeyPath", cp.key(), "Component %s %s. Its KeyPath registry key %s must fall under HKCU (Root is %d)", quote(cp.name), has, quote(cp.keyPath), root)
		case r.comp() != cp.name:
			c.report(Error, "Component", "KeyPath", cp.key(), "The Registry entry %s is set as the KeyPath for component %s, but that registry entry does not belong to %s", quote(cp.keyPath), quote(cp.name), quote(cp.name))
		}
	case "directory":
		if cp.attr&compRegistryKeyPath != 0 {
			c.report(Error, "Component", "KeyPath", cp.key(), "%s. The KeyPath is currently null", lead)
		} else {
			c.report(Error, "Component", "KeyPath", cp.key(), "%s, not a folder (the KeyPath is null)", lead)
		}
	case "odbc":
		c.report(Error, "Component", "KeyPath", cp.key(), "%s, not an ODBC data source", lead)
	default:
		c.report(Error, "Component", "KeyPath", cp.key(), "%s, not a file", lead)
	}
}

// ice38: a component installed into a user profile is detected by an HKCU
// registry entry, not by a file or folder that another user's install may
// already have put there.
func ice38(c *checker) {
	comps := c.comps().list
	if len(comps) == 0 {
		return
	}
	regs := c.registryByID()
	for _, cp := range comps {
		if c.inProfile(cp.dir) != "" {
			c.checkHKCUKeyPath(cp, regs, "installs to user profile", "must")
		}
	}
}

// ice43: components with non-advertised shortcuts in a user profile use
// an HKCU key path, or only the first user gets the shortcuts. (The
// documentation's first sentence names every non-advertised shortcut; its
// reasoning, and the examples, concern shortcuts in a profile folder,
// which is what is checked.)
func ice43(c *checker) {
	t := c.table("Shortcut")
	if t == nil {
		return
	}
	ci := c.comps()
	regs := c.registryByID()
	var seen textmemo.Index[bool] // an index: Component_ may name one long text in every row
	for r := range t.Rows() {
		comp := str(r, "Component_")
		if seen.Get(comp) || c.advertisedTarget(str(r, "Target")) || c.inProfile(str(r, "Directory_")) == "" {
			continue
		}
		seen.Set(comp, true)
		if cp := ci.by.Get(comp); cp != nil {
			c.checkHKCUKeyPath(cp, regs, "has non-advertised shortcuts", "should")
		}
	}
}

// scope is where data goes: per user, per machine, or either (registry
// root -1, which follows ALLUSERS).
type scope uint8

const (
	scopeMachine scope = 1 << iota
	scopeUser
	scopeEither
)

func rootScope(root int32) scope {
	switch root {
	case 1:
		return scopeUser
	case -1:
		return scopeEither
	}
	return scopeMachine
}

func (c *checker) dirScope(dir string) scope {
	if c.inProfile(dir) != "" {
		return scopeUser
	}
	return scopeMachine
}

// ice57: a component holds per-user or per-machine data, not both, or a
// multi-user machine ends up with a partial component for some users.
func ice57(c *checker) {
	comps := c.comps().list
	if len(comps) == 0 {
		return
	}
	regs := c.registryRows()
	byID := c.registryByID()
	var data textmemo.Index[scope]
	or := func(comp string, s scope) { data.Set(comp, data.Get(comp)|s) }
	for r := range regs.All() {
		if root, ok := r.root(); ok {
			or(r.comp(), rootScope(root))
		}
	}
	if t := c.table("File"); t != nil {
		ci := c.comps()
		for r := range t.Rows() {
			comp := str(r, "Component_")
			if cp := ci.by.Get(comp); cp != nil {
				or(comp, c.dirScope(cp.dir))
			}
		}
	}
	if t := c.table("Shortcut"); t != nil {
		for r := range t.Rows() {
			if !c.advertisedTarget(str(r, "Target")) {
				or(str(r, "Component_"), c.dirScope(str(r, "Directory_")))
			}
		}
	}
	for _, cp := range comps {
		var kp scope
		switch cp.keyPathKind() {
		case "registry":
			r, ok := byID.Lookup(cp.keyPath)
			root, hasRoot := r.root()
			if !ok || !hasRoot {
				continue // ICE02 reports it
			}
			kp = rootScope(root)
		case "odbc":
			kp = scopeMachine
		case "directory":
			kp = c.dirScope(cp.dir)
			or(cp.name, kp)
		default:
			kp = c.dirScope(cp.dir)
		}
		d := data.Get(cp.name) | kp
		switch {
		case kp == scopeMachine && d&scopeUser != 0:
			c.report(Error, "Component", "", cp.key(), "Component %s has both per-user and per-machine data with a per-machine KeyPath", quote(cp.name))
		case kp == scopeMachine && d&scopeEither != 0:
			c.report(Error, "Component", "", cp.key(), "Component %s has a registry entry that can be either per-user or per-machine and a per-machine KeyPath", quote(cp.name))
		case kp == scopeUser && d&scopeMachine != 0:
			c.report(Warning, "Component", "", cp.key(), "Component %s has both per-user and per-machine data with a per-user KeyPath", quote(cp.name))
		case kp == scopeEither && d&scopeUser != 0:
			c.report(Error, "Component", "", cp.key(), "Component %s has both per-user data and a KeyPath that can be either per-user or per-machine", quote(cp.name))
		}
	}
}

// ice64: a folder the package creates in a user profile is removed by a
// RemoveFile row (FileName null), or it stays behind for roaming users.
func ice64(c *checker) {
	d := c.directories()
	// An index: RemoveFile's rows are 10 bytes, and DirProperty may name
	// one long text in each.
	var removed textmemo.Index[bool]
	if t := c.table("RemoveFile"); t != nil {
		for r := range t.Rows() {
			if str(r, "FileName") == "" {
				removed.Set(str(r, "DirProperty"), true)
			}
		}
	}
	for i, k := range d.order {
		if inSet(userProfileFolders, k) || d.long[i] == "." || removed.Get(k) {
			continue
		}
		if c.inProfile(k) != "" {
			c.report(Error, "Directory", "", []string{k}, "The directory %s is in the user profile but is not listed in the RemoveFile table", quote(k))
		}
	}
}

// isPublicProperty reports whether name is a public property: one with
// no lower-case letter.
func isPublicProperty(name string) bool {
	return name != "" && strings.IndexFunc(name, unicode.IsLower) < 0
}

// ice90: a shortcut folder in a user profile that is a public property
// breaks when ALLUSERS changes in the UI sequence.
func ice90(c *checker) {
	t := c.table("Shortcut")
	if t == nil {
		return
	}
	for r := range t.Rows() {
		dir := str(r, "Directory_")
		if memoOf(c.memo, dir, "public property", func() bool { return isPublicProperty(dir) }) && c.inProfile(dir) != "" {
			c.report(Warning, "Shortcut", "Directory_", keyOf(r), "The shortcut %s has a directory (%s) that is a public property (ALL CAPS) and is under the user profile directory. This results in a problem if the value of the ALLUSERS property changes in the UI sequence", quote(str(r, "Shortcut")), quote(dir))
		}
	}
}

// ice91: files, .ini files and shortcuts in folders that stay per user
// whatever ALLUSERS says (harmless for per-user-only packages).
func ice91(c *checker) {
	d := c.directories()
	perUser := func(dir string) string { return d.up(dir, "peruser", perUserOnlyFolders) }
	msg := "will be installed to the per user directory %s (in %s) that does not vary based on ALLUSERS value. This file won't be copied to each user's profile even if a per machine installation is desired"
	if t := c.table("File"); t != nil {
		ci := c.comps()
		for r := range t.Rows() {
			if cp := ci.by.Get(str(r, "Component_")); cp != nil {
				if f := perUser(cp.dir); f != "" {
					c.report(Warning, "File", "", keyOf(r), "The file %s "+msg, quote(str(r, "File")), quote(cp.dir), f)
				}
			}
		}
	}
	if t := c.table("IniFile"); t != nil {
		for r := range t.Rows() {
			dir := str(r, "DirProperty")
			if f := perUser(dir); f != "" {
				c.report(Warning, "IniFile", "DirProperty", keyOf(r), "The IniFile %s "+msg, quote(str(r, "IniFile")), quote(dir), f)
			}
		}
	}
	if t := c.table("Shortcut"); t != nil {
		for r := range t.Rows() {
			dir := str(r, "Directory_")
			if f := perUser(dir); f != "" {
				c.report(Warning, "Shortcut", "Directory_", keyOf(r), "The shortcut %s "+msg, quote(str(r, "Shortcut")), quote(dir), f)
			}
		}
	}
}
