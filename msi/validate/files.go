package validate

import (
	"slices"
	"strings"

	"github.com/msikit/msikit/internal/textmemo"
)

// targetIDs gives each directory a number that two directories share
// exactly when they resolve to the same target folder through the
// Directory table, using short (long false) or long target names and
// comparing names without regard to case. Properties are not evaluated,
// as ICE30 does not evaluate them: a root folder is its own key. Each
// directory is resolved once, so the cost is linear in the table whatever
// its chains look like; a loop of parents counts as a root. The result is
// indexed by node (dirTree.node); only the table's directories have one.
func (d *dirTree) targetIDs(long bool) []int {
	type node struct {
		parent int
		name   int32 // the folded name's number in folded
	}
	n := len(d.order)
	memo := textMemo{}              // a long name shared by many directories is folded once
	var folded textmemo.IDs         // the folded names, numbered
	intern := make(map[node]int, n) // at most a folder per directory, and the roots
	get := func(parent int, name string) int {
		n := node{parent, folded.ID(name)}
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
	ids := make([]int, n)
	for i := range ids {
		ids[i] = -1
	}
	onPath := make([]int, n) // directory -> walk number + 1
	var path []int32
	for walk := range n {
		path = path[:0]
		base := -1
		for cur := int32(walk); ; {
			if int(cur) >= n {
				base = get(-1, upper(memo, d.keys[cur])) // a parent the table lacks
				break
			}
			if id := ids[cur]; id >= 0 {
				base = id
				break
			}
			if onPath[cur] == walk+1 {
				base = get(-2, upper(memo, d.keys[cur])) // a loop: its entry is a root
				break
			}
			onPath[cur] = walk + 1
			path = append(path, cur)
			p := d.parent[cur]
			if p < 0 || d.sys[cur] {
				break // resolved by its key below
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
			case d.parent[k] < 0 || d.sys[k]:
				// A root, or a folder the installer sets from the system
				// (SystemFolder, ProgramFilesFolder...): its key, a
				// property, names it.
				id = get(-1, upper(memo, d.keys[k]))
			case name == "." || name == "":
				id = parent
			default:
				id = get(parent, upper(memo, name))
			}
			ids[k] = id
		}
	}
	return ids
}

// maxRenderParts bounds the folder names render puts in a path.
const maxRenderParts = 32

// render returns a directory's target path for messages, from its root's
// key down, using short or long names: the last maxRenderParts names at
// most, shortened to 200 bytes. Directories named "." (their parent) are
// skipped through render's stops, so a call costs at most maxRenderParts
// steps, however long the chain of such directories above.
func (d *dirTree) render(key string, long bool) string {
	if key == "" {
		return ""
	}
	i, ok := d.index.Lookup(key)
	if !ok {
		return cut(key, 200) // a root by its key, as a parent the table lacks
	}
	names := d.short
	if long {
		names = d.long
	}
	b := 0
	if long {
		b = 1
	}
	stops := d.stops[b]
	if stops == nil {
		// The nodes render names: roots, system folders, parents the
		// table lacks, directories with a name of their own.
		stops = d.first(func(i int32) bool {
			if int(i) >= len(d.order) || d.parent[i] < 0 || d.sys[i] {
				return true
			}
			n := names[i]
			return n != "." && n != ""
		})
		d.stops[b] = stops
	}
	var parts []string
	var seen []int32 // named directories only: at most maxRenderParts
	for cur := stops[i]; cur >= 0 && len(parts) < maxRenderParts && !slices.Contains(seen, cur); {
		seen = append(seen, cur)
		if int(cur) >= len(d.order) || d.parent[cur] < 0 || d.sys[cur] {
			parts = append(parts, d.keys[cur])
			break
		}
		parts = append(parts, names[cur])
		cur = stops[d.parent[cur]]
	}
	slices.Reverse(parts)
	return cut(strings.Join(parts, `\`), 200)
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
		cp := ci.by.Get(str(r, "Component_"))
		if cp == nil {
			continue
		}
		fn := str(r, "FileName")
		n := memoOf(c.memo, fn, "fileNames", func() [2]string {
			s, l := fileNames(fn)
			return [2]string{s, l}
		})
		s, l := n[0], n[1]
		files = append(files, fileRef{str(r, "File"), cp.name, cp.cond != "", keyOf(r)})
		short, long = append(short, upper(c.memo, s)), append(long, upper(c.memo, l))
	}
	for _, mode := range []struct {
		long  bool
		names []string
		sys   string
	}{{false, short, "SFN"}, {true, long, "LFN"}} {
		ids := d.targetIDs(mode.long)
		type slot struct {
			dir  int
			name int32 // the name's number in texts
		}
		groups := map[slot][]int{}
		type member struct {
			slot
			comp int32 // the component's number in texts
		}
		var texts textmemo.IDs
		seen := map[member]bool{}
		var order []slot
		for i, f := range files {
			node, ok := d.node(ci.by.Get(f.comp).dir)
			if !ok {
				continue
			}
			s := slot{ids[node], texts.ID(mode.names[i])}
			if m := (member{s, texts.ID(f.comp)}); seen[m] {
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
			where := d.render(ci.by.Get(h.comp).dir, mode.long)
			name := h.file
			if mode.names[hub] != "" {
				name = mode.names[hub]
			}
			for _, i := range g {
				if i == hub {
					continue
				}
				f := files[i]
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
