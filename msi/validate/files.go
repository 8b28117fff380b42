package validate

import (
	"strings"
)

// targetIDs gives each directory a number that two directories share
// exactly when they resolve to the same target folder through the
// Directory table, using short (long false) or long target names and
// comparing names without regard to case. Properties are not evaluated,
// as ICE30 does not evaluate them: a root folder is its own key. Each
// directory is resolved once, so the cost is linear in the table whatever
// its chains look like; a loop of parents counts as a root.
func (d *dirTree) targetIDs(long bool) map[string]int {
	type node struct {
		parent int
		name   string
	}
	intern := map[node]int{}
	get := func(n node) int {
		if id, ok := intern[n]; ok {
			return id
		}
		id := len(intern)
		intern[n] = id
		return id
	}
	names := d.short
	if long {
		names = d.long
	}
	ids := make(map[string]int, len(d.order))
	onPath := map[string]int{} // directory -> walk number
	for walk, key := range d.order {
		var path []string
		base := -1
		for cur := key; ; {
			if id, ok := ids[cur]; ok {
				base = id
				break
			}
			if w, ok := onPath[cur]; ok && w == walk {
				base = get(node{-2, strings.ToUpper(cur)}) // a loop: its entry is a root
				break
			}
			p, known := d.parent[cur]
			if known && systemFolders[cur] {
				p = "" // resolved by its key below
			}
			if !known {
				base = get(node{-1, strings.ToUpper(cur)}) // a parent the table lacks
				break
			}
			onPath[cur] = walk
			path = append(path, cur)
			if p == "" {
				break
			}
			cur = p
		}
		for i := len(path) - 1; i >= 0; i-- {
			k := path[i]
			parent := base
			if i < len(path)-1 {
				parent = ids[path[i+1]]
			}
			var id int
			switch name := names[k]; {
			case d.parent[k] == "" || systemFolders[k]:
				// A root, or a folder the installer sets from the system
				// (SystemFolder, ProgramFilesFolder...): its key, a
				// property, names it.
				id = get(node{-1, strings.ToUpper(k)})
			case name == "." || name == "":
				id = parent
			default:
				id = get(node{parent, strings.ToUpper(name)})
			}
			ids[k] = id
		}
	}
	return ids
}

// render returns a directory's target path for messages, from its root's
// key down, using short or long names. Long paths are shortened.
func (d *dirTree) render(key string, long bool) string {
	names := d.short
	if long {
		names = d.long
	}
	var parts []string
	seen := map[string]bool{}
	for cur := key; cur != "" && !seen[cur] && len(parts) < 32; cur = d.parent[cur] {
		seen[cur] = true
		if d.parent[cur] == "" || systemFolders[cur] {
			parts = append(parts, cur)
			break
		}
		if n := names[cur]; n != "." && n != "" {
			parts = append(parts, n)
		}
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return clip(strings.Join(parts, `\`), 200)
}

// ice30: two components never install a file of the same name into the
// same folder, on a system with short names (SFN) or long names (LFN):
// the file would be counted as one component's and removed with it.
func ice30(c *checker) {
	t := c.table("File")
	if t == nil {
		return
	}
	ci := c.comps()
	d := c.directories()
	type fileRef struct {
		file, comp string
		cond       bool
		key        []string
	}
	var files []fileRef
	var short, long []string
	for r := range t.Rows() {
		cp := ci.by[str(r, "Component_")]
		if cp == nil {
			continue
		}
		s, l := fileNames(str(r, "FileName"))
		files = append(files, fileRef{str(r, "File"), cp.name, cp.cond != "", keyOf(r)})
		short, long = append(short, strings.ToUpper(s)), append(long, strings.ToUpper(l))
	}
	for _, mode := range []struct {
		long  bool
		names []string
		sys   string
	}{{false, short, "SFN"}, {true, long, "LFN"}} {
		ids := d.targetIDs(mode.long)
		type slot struct {
			dir  int
			name string
		}
		groups := map[slot][]int{}
		type member struct {
			slot
			comp string
		}
		seen := map[member]bool{}
		var order []slot
		for i, f := range files {
			id, ok := ids[ci.by[f.comp].dir]
			if !ok {
				continue
			}
			s := slot{id, mode.names[i]}
			if m := (member{s, f.comp}); seen[m] {
				continue // the component's first file of that name stands for it
			} else {
				seen[m] = true
			}
			g := groups[s]
			if g == nil {
				order = append(order, s)
			}
			groups[s] = append(g, i)
		}
		for _, s := range order {
			g := groups[s]
			if len(g) < 2 {
				continue
			}
			// Pair every component with one hub: the first unconditional
			// component if there is one, so that each colliding component
			// is reported once, with the severity its worst pair has.
			hub := g[0]
			for _, i := range g {
				if !files[i].cond {
					hub = i
					break
				}
			}
			h := files[hub]
			for _, i := range g {
				if i == hub {
					continue
				}
				f := files[i]
				where := d.render(ci.by[h.comp].dir, mode.long)
				name := h.file
				if mode.names[hub] != "" {
					name = mode.names[hub]
				}
				for _, at := range []fileRef{h, f} {
					switch {
					case !h.cond && !f.cond:
						c.report(Error, "File", "", at.key, "The target file %s is installed in %s by two different components on an %s system: %s and %s. This breaks component reference counting", quote(name), quote(where), mode.sys, quote(h.comp), quote(f.comp))
					case h.cond && f.cond:
						c.report(Warning, "File", "", at.key, "The target file %s might be installed in %s by two different conditionalized components on an %s system: %s and %s. If the conditions are not mutually exclusive, this will break the component reference counting system", quote(name), quote(where), mode.sys, quote(h.comp), quote(f.comp))
					default:
						c.report(Error, "File", "", at.key, "Installation of a conditionalized component would cause the target file %s to be installed in %s by two different components on an %s system: %s and %s. This would break component reference counting", quote(name), quote(where), mode.sys, quote(h.comp), quote(f.comp))
					}
				}
			}
		}
	}
}
