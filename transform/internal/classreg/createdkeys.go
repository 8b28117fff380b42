package classreg

import (
	"strings"

	"github.com/msikit/msikit/internal/clip"
)

// treeRoot returns the key (relative to HKCR) whose whole tree msiexec's
// unregistration deletes and that contains key, or "" when there is none:
// CLSID\{clsid} and FileType\{clsid} (UnregisterClassInfo), .ext
// (UnregisterExtensionInfo), and a ProgId (UnregisterProgIdInfo; the
// shell verbs below it go with the extension). AppID and MIME keys are
// deleted without their subkeys, so a key created below them stays in
// the original too.
func treeRoot(key string) string {
	first, rest, _ := strings.Cut(key, `\`)
	switch strings.ToLower(first) {
	case "clsid", "filetype":
		second, _, _ := strings.Cut(rest, `\`)
		if second == "" {
			return ""
		}
		return key[:len(first)+1+len(second)]
	case "", "appid", "mime", "wow6432node", "interface", "typelib", "installer":
		return ""
	}
	return first
}

// removeCreatedKeys keeps keys the package creates inside converted
// registration from outliving it. msiexec's unregistration deletes a
// class's, ProgId's or extension's key with all its subkeys, and with
// them a key the package's own Registry row "+" created there (a row
// that creates its key on install and never removes it: WiX-style
// Insertable or Programmable keys, say). After the rewrite the converted
// registration goes value by value with its component, and the "+" key
// would stay forever. For each such row, a row "-" (delete the key and
// its subkeys when the component is uninstalled) is added to each
// component that holds Registry rows the pass added in that tree, so the
// key goes when the registration does, as before.
func (p *planner) removeCreatedKeys() {
	if p.plan.over != "" {
		return
	}
	// The "+" rows under a tree root, by lower root: usually none, and
	// then nothing else is built.
	type created struct {
		row  int
		root string
	}
	var rows []created
	roots := map[string]bool{}
	for i, r := range p.in.Registry {
		if p.stop.Tick() {
			return
		}
		if r.Root != 0 || r.Name != "+" || r.Value != "" {
			continue
		}
		if root := treeRoot(r.Key); root != "" {
			rows = append(rows, created{i, p.lower(root)})
			roots[p.lower(root)] = true
		}
	}
	if len(rows) == 0 {
		return
	}
	// The components of the added rows in those trees, in order.
	comps := map[string][]string{}
	seen := map[[2]string]bool{}
	p.plan.adds.each(func(a *Addition) bool {
		if p.stop.Tick() {
			return false
		}
		root := p.lower(treeRoot(a.Row.Key))
		if !roots[root] || seen[[2]string{root, a.Row.Component}] {
			return true
		}
		seen[[2]string{root, a.Row.Component}] = true
		comps[root] = append(comps[root], a.Row.Component)
		return true
	})
	for _, c := range rows {
		r := p.in.Registry[c.row]
		for _, comp := range comps[c.root] {
			if p.stop.Tick() || p.plan.over != "" {
				return
			}
			p.emit(r.Key, "-", "", comp, clip.Sprintf("key %s, which Registry row %s creates and never removes, was deleted with the advertised registration's key tree", r.Key, r.ID))
		}
	}
}
