package validate

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// refDirTree is dirTree as it was before nodes were numbered (maps keyed by
// directory, a walk per call memoised by key): the reference the numbered
// tree must agree with on every table.
type refDirTree struct {
	parent      map[string]string // "" for a root
	short, long map[string]string // target names; "." means the parent itself
	order       []string          // keys in stored order
	memo        map[string]map[string]string
}

func newRefDirTree(rows [][3]string) *refDirTree {
	d := &refDirTree{parent: map[string]string{}, short: map[string]string{}, long: map[string]string{},
		memo: map[string]map[string]string{}}
	for _, r := range rows {
		k := r[0]
		if _, dup := d.parent[k]; dup {
			continue
		}
		p := r[1]
		if p == k {
			p = ""
		}
		d.parent[k] = p
		s, l := targetNames(r[2])
		d.short[k], d.long[k] = s, l
		d.order = append(d.order, k)
	}
	return d
}

func (d *refDirTree) up(key, setName string, set map[string]bool) string {
	memo := d.memo[setName]
	if memo == nil {
		memo = map[string]string{}
		d.memo[setName] = memo
	}
	var path []string
	onPath := map[string]bool{}
	res := ""
	for cur := key; cur != ""; {
		if r, ok := memo[cur]; ok {
			res = r
			break
		}
		if set[cur] {
			res = cur
			break
		}
		if onPath[cur] {
			break
		}
		onPath[cur] = true
		path = append(path, cur)
		cur = d.parent[cur]
	}
	for _, k := range path {
		memo[k] = res
	}
	return res
}

func (d *refDirTree) targetIDs(long bool) map[string]int {
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
	onPath := map[string]int{}
	for walk, key := range d.order {
		var path []string
		base := -1
		for cur := key; ; {
			if id, ok := ids[cur]; ok {
				base = id
				break
			}
			if w, ok := onPath[cur]; ok && w == walk {
				base = get(node{-2, strings.ToUpper(cur)})
				break
			}
			p, known := d.parent[cur]
			if known && systemFolders[cur] {
				p = ""
			}
			if !known {
				base = get(node{-1, strings.ToUpper(cur)})
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

func (d *refDirTree) render(key string, long bool) string {
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
	return cut(strings.Join(parts, `\`), 200)
}

// randomDirRows returns a Directory table of n rows drawn from few keys,
// so that it has duplicates, keys equal but for case, loops, self parents, parents it lacks, system
// folders, a null key, and names that are ".", empty, short|long or
// target:source.
func randomDirRows(r *rand.Rand, n int) [][3]string {
	keys := []string{"", "TARGETDIR", "ProgramFilesFolder", "AppDataFolder", "SystemFolder", "DesktopFolder", "PersonalFolder", "k0", "k1", "missing0"}
	for i := range 3 + r.IntN(40) {
		keys = append(keys, fmt.Sprintf("K%d", i))
	}
	names := []string{".", "", "a", "A", "b|Bee", "B|bee", "x:y", ".:src", "c|.", "d", "Program Files"}
	rows := make([][3]string, n)
	for i := range rows {
		k := keys[r.IntN(len(keys))]
		var p string
		switch x := r.IntN(10); {
		case x == 0:
			p = ""
		case x == 1:
			p = k
		case x == 2:
			p = fmt.Sprintf("Missing%d", r.IntN(3))
		default:
			p = keys[r.IntN(len(keys))]
		}
		rows[i] = [3]string{k, p, names[r.IntN(len(names))]}
	}
	return rows
}

// TestDirTreeMatchesReference checks that the numbered tree answers as the
// map-based one did (up, targetIDs, render), on random tables.
func TestDirTreeMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	// Long chains too: past render's 32 names, through "." directories,
	// into a loop.
	var fixed [][][3]string
	for _, loop := range []bool{false, true} {
		for _, every := range []int{1, 2, 7} {
			rows := [][3]string{{"TARGETDIR", "", "SourceDir"}}
			parent := "TARGETDIR"
			for i := range 100 {
				name := "."
				if i%every == 0 {
					name = fmt.Sprintf("n%d|name%d", i, i)
				}
				k := fmt.Sprintf("K%d", i)
				rows = append(rows, [3]string{k, parent, name})
				parent = k
			}
			if loop {
				rows[1][1] = parent
			}
			fixed = append(fixed, rows)
		}
	}
	for iter := range 3000 + len(fixed) {
		rows := randomDirRows(r, 1+r.IntN(60))
		if iter < len(fixed) {
			rows = fixed[iter]
		}
		ref := newRefDirTree(rows)
		d := newDirTree(len(rows))
		for _, row := range rows {
			d.add(row[0], row[1], row[2])
		}
		d.link()
		if diff := cmp.Diff(ref.order, d.order); diff != "" {
			t.Fatalf("table %d: order (-ref +new):\n%s", iter, diff)
		}
		// Every key the table names, some it does not.
		probe := append([]string{"", "Nowhere", "AppDataFolder", "Missing0", "Missing1", "Missing2"}, d.order...)
		r.Shuffle(len(probe), func(i, j int) { probe[i], probe[j] = probe[j], probe[i] })
		sets := map[string]map[string]bool{"profile": userProfileFolders, "f32": folders32, "random": {}}
		for _, k := range probe {
			if r.IntN(3) == 0 {
				sets["random"][k] = true
			}
		}
		for name, set := range sets {
			for _, k := range probe {
				if got, want := d.up(k, name, set), ref.up(k, name, set); got != want {
					t.Fatalf("table %d %v: up(%q, %s) = %q, want %q", iter, rows, k, name, got, want)
				}
			}
		}
		for _, long := range []bool{false, true} {
			want := ref.targetIDs(long)
			got := d.targetIDs(long)
			// The numbers may differ; the classes they make must not.
			toNew, toRef := map[int]int{}, map[int]int{}
			for _, k := range d.order {
				i, ok := d.node(k)
				if !ok {
					t.Fatalf("table %d: no node for %q", iter, k)
				}
				g, w := got[i], want[k]
				if x, ok := toNew[w]; ok && x != g {
					t.Fatalf("table %d %v long=%v: %q splits from its folder", iter, rows, long, k)
				}
				if x, ok := toRef[g]; ok && x != w {
					t.Fatalf("table %d %v long=%v: %q joins another folder", iter, rows, long, k)
				}
				toNew[w], toRef[g] = g, w
			}
			for _, k := range probe {
				if got, want := d.render(k, long), ref.render(k, long); got != want {
					t.Fatalf("table %d %v: render(%q, %v) = %q, want %q", iter, rows, k, long, got, want)
				}
			}
		}
	}
}
