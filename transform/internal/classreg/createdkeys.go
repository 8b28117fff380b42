package classreg

import (
	"strings"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
)

// maxKeyName is the longest key name the registry holds (255
// characters). A tree root longer than that names no key msiexec could
// have created, so treeRoot looks no further than this into a key: a
// Registry row whose key is a long pooled text costs the same as any.
const maxKeyName = 255

// segment returns the text of s before its first backslash and whether
// it is at most maxKeyName bytes long, reading no more than that.
func segment(s string) (string, bool) {
	head := s[:min(len(s), maxKeyName+1)]
	if i := strings.IndexByte(head, '\\'); i >= 0 {
		return s[:i], true
	}
	return head, len(head) <= maxKeyName
}

// treeRoot returns the key (relative to HKCR) whose whole tree msiexec's
// unregistration deletes and that contains key, or "" when there is none:
// CLSID\{clsid} and FileType\{clsid} (UnregisterClassInfo), .ext
// (UnregisterExtensionInfo), and a ProgId (UnregisterProgIdInfo; the
// shell verbs below it go with the extension). AppID and MIME keys are
// deleted without their subkeys, so a key created below them stays in
// the original too. A root past maxKeyName is none.
func treeRoot(key string) string {
	first, ok := segment(key)
	if !ok || first == "" {
		return ""
	}
	switch {
	case strings.EqualFold(first, "clsid"), strings.EqualFold(first, "filetype"):
		if len(key) == len(first) {
			return ""
		}
		second, ok := segment(key[len(first)+1:])
		if !ok || second == "" {
			return ""
		}
		return key[:len(first)+1+len(second)]
	}
	for _, k := range [...]string{"appid", "mime", "wow6432node", "interface", "typelib", "installer"} {
		if strings.EqualFold(first, k) {
			return ""
		}
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
	// The components of the added rows in those trees, in order. A
	// component's name may be a long pooled text, named by every row:
	// each root's set knows it by identity (textmemo), hashing it once.
	comps := map[string][]string{}
	seen := map[string]*textmemo.Index[bool]{}
	adds := &p.plan.adds
	adds.each(func(a *addition) bool {
		if p.stop.Tick() {
			return false
		}
		root := treeRoot(a.key)
		if root == "" {
			return true
		}
		root = p.lower(root)
		if !roots[root] {
			return true
		}
		comp := adds.text(a.comp)
		set := seen[root]
		if set == nil {
			set = &textmemo.Index[bool]{}
			seen[root] = set
		}
		if set.Has(comp) {
			return true
		}
		set.Set(comp, true)
		comps[root] = append(comps[root], comp)
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
