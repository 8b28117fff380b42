package classreg

import (
	"fmt"
	"sort"
	"strings"

	"github.com/msikit/msikit/transform/internal/edit"
)

// liveness decides which rows msiexec would register at all.
func (p *planner) liveness() {
	in := p.in
	p.progLive = make([]bool, len(in.ProgIDs))
	p.progComp = make([]string, len(in.ProgIDs))
	p.progFeat = make([]string, len(in.ProgIDs))
	p.progWhy = make([]string, len(in.ProgIDs))
	// withProg: lower CLSID -> first registered Class row whose
	// ProgId_Default names a ProgId row.
	withProg := map[string]int{}
	for ci, c := range in.Classes {
		k := strings.ToLower(c.CLSID)
		if _, done := withProg[k]; done || p.classDead[ci] != "" || c.ProgIDDefault == "" {
			continue
		}
		if _, ok := p.progBy[strings.ToLower(c.ProgIDDefault)]; ok {
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
			if cj, ok := withProg[strings.ToLower(clsid)]; ok {
				c := in.Classes[cj]
				p.progLive[i] = true
				p.progComp[i], p.progFeat[i] = c.Component, c.Feature
				p.progWhy[i] = "class " + c.CLSID
				continue
			}
		}
		for _, e := range p.extByProg[strings.ToLower(r.ProgID)] {
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
		refs := append(append([]int(nil), p.classByProg[strings.ToLower(r.ProgID)]...), p.classesBy[strings.ToLower(r.Class)]...)
		for _, ci := range refs {
			if p.classDead[ci] == "" {
				p.progLive[i] = true
				p.progComp[i], p.progFeat[i] = in.Classes[ci].Component, in.Classes[ci].Feature
				break
			}
		}
		if !p.progLive[i] {
			for _, e := range p.extByProg[strings.ToLower(r.ProgID)] {
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
			p.note(edit.Info, tblProgID, r.ref.Key, "left alone: msiexec never registers this ProgId (no registered class on its chain, no extension with verbs names it)")
			continue
		}
		p.progIcon[i] = p.iconPath(r.Icon, r.IconIndex)
		if p.progIcon[i].problem != "" {
			p.problem(node{kindProgID, i}, "%s", p.progIcon[i].problem)
		}
	}
	p.clsidLive = map[string]bool{}
	for i, c := range in.Classes {
		if p.classDead[i] == "" {
			p.clsidLive[strings.ToLower(c.CLSID)] = true
		}
	}
	p.appLive = make([]bool, len(in.AppIDs))
	for i, c := range in.Classes {
		if c.AppID == "" || p.classDead[i] != "" {
			continue
		}
		if j, ok := p.appBy[strings.ToLower(c.AppID)]; ok {
			p.appLive[j] = true
		}
	}
	for i, a := range in.AppIDs {
		if !p.appLive[i] {
			p.note(edit.Info, tblAppID, a.ref.Key, "left alone: no registered class refers to this AppId")
		}
	}
	p.verbLive = make([]bool, len(in.Verbs))
	for i, v := range in.Verbs {
		e := p.verbExt[i]
		switch {
		case e < 0:
			p.note(edit.Warning, tblVerb, v.ref.Key, "left alone: extension %s is not in the Extension table", v.Extension)
		case p.extDead[e] != "":
			p.note(edit.Warning, tblVerb, v.ref.Key, "left alone: its extension is never registered")
		case in.Extensions[e].ProgID == "":
			p.note(edit.Info, tblVerb, v.ref.Key, "left alone: extension %s has no ProgId_, so msiexec registers no verbs for it", v.Extension)
		default:
			p.verbLive[i] = true
			if _, why := p.keyFile(in.Extensions[e].Component); why != "" {
				p.problem(node{kindVerb, i}, "the verb command needs a key file path: %s", why)
			}
		}
	}
	p.mimeLive = make([]bool, len(in.MIMEs))
	for i, m := range in.MIMEs {
		live := m.CLSID != "" && p.clsidLive[strings.ToLower(m.CLSID)]
		if e := p.mimeExt[i]; e >= 0 && p.extDead[e] == "" {
			live = true
		}
		switch {
		case p.mimeExt[i] < 0:
			p.note(edit.Warning, tblMIME, m.ref.Key, "left alone: extension %s is not in the Extension table, so msiexec writes nothing for it", m.Extension)
		case !live:
			p.note(edit.Info, tblMIME, m.ref.Key, "left alone: neither its class nor its extension is registered")
		default:
			p.mimeLive[i] = true
		}
	}
}

func (p *planner) find(x int) int {
	for p.parent[x] != x {
		p.parent[x] = p.parent[p.parent[x]]
		x = p.parent[x]
	}
	return x
}

func (p *planner) union(a, b node) {
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
func (p *planner) group() {
	in := p.in
	p.nodeIndex = map[node]int{}
	add := func(k kind, n int) {
		for i := 0; i < n; i++ {
			nd := node{k, i}
			p.nodeIndex[nd] = len(p.nodes)
			p.nodes = append(p.nodes, nd)
		}
	}
	add(kindClass, len(in.Classes))
	add(kindProgID, len(in.ProgIDs))
	add(kindAppID, len(in.AppIDs))
	add(kindExtension, len(in.Extensions))
	add(kindVerb, len(in.Verbs))
	add(kindMIME, len(in.MIMEs))
	p.parent = make([]int, len(p.nodes))
	for i := range p.parent {
		p.parent[i] = i
	}
	for i, c := range in.Classes {
		p.union(node{kindClass, i}, node{kindClass, p.classesBy[strings.ToLower(c.CLSID)][0]})
		if j, ok := p.progBy[strings.ToLower(c.ProgIDDefault)]; ok && c.ProgIDDefault != "" {
			p.union(node{kindClass, i}, node{kindProgID, j})
		}
		if j, ok := p.appBy[strings.ToLower(c.AppID)]; ok && c.AppID != "" {
			p.union(node{kindClass, i}, node{kindAppID, j})
		}
	}
	for i, r := range in.ProgIDs {
		if p.progParent[i] >= 0 {
			p.union(node{kindProgID, i}, node{kindProgID, p.progParent[i]})
		}
		if rows := p.classesBy[strings.ToLower(r.Class)]; len(rows) > 0 {
			p.union(node{kindProgID, i}, node{kindClass, rows[0]})
		}
	}
	for i, e := range in.Extensions {
		p.union(node{kindExtension, i}, node{kindExtension, p.extBy[strings.ToLower(strings.TrimPrefix(e.Extension, "."))][0]})
		if j, ok := p.progBy[strings.ToLower(e.ProgID)]; ok && e.ProgID != "" {
			p.union(node{kindExtension, i}, node{kindProgID, j})
		}
		if j, ok := p.mimeBy[strings.ToLower(e.MIME)]; ok && e.MIME != "" {
			p.union(node{kindExtension, i}, node{kindMIME, j})
		}
	}
	for i := range in.Verbs {
		if e := p.verbExt[i]; e >= 0 {
			p.union(node{kindVerb, i}, node{kindExtension, e})
		}
	}
	for i, m := range in.MIMEs {
		if e := p.mimeExt[i]; e >= 0 {
			p.union(node{kindMIME, i}, node{kindExtension, e})
		}
		if rows := p.classesBy[strings.ToLower(m.CLSID)]; len(rows) > 0 {
			p.union(node{kindMIME, i}, node{kindClass, rows[0]})
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
		rs = dedupe(rs)
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
		p.note(edit.Warning, nd.kind.table(), p.ref(nd).Key, "left advertised (registration group cannot be expressed faithfully): %s", strings.Join(reasons[g], "; "))
	}
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func (p *planner) isLive(nd node) bool {
	switch nd.kind {
	case kindClass:
		return p.classDead[nd.idx] == ""
	case kindProgID:
		return p.progLive[nd.idx]
	case kindAppID:
		return p.appLive[nd.idx]
	case kindExtension:
		return p.extDead[nd.idx] == ""
	case kindVerb:
		return p.verbLive[nd.idx]
	case kindMIME:
		return p.mimeLive[nd.idx]
	}
	return false
}

func (p *planner) ref(nd node) RowRef {
	in := p.in
	switch nd.kind {
	case kindClass:
		return in.Classes[nd.idx].ref
	case kindProgID:
		return in.ProgIDs[nd.idx].ref
	case kindAppID:
		return in.AppIDs[nd.idx].ref
	case kindExtension:
		return in.Extensions[nd.idx].ref
	case kindVerb:
		return in.Verbs[nd.idx].ref
	case kindMIME:
		return in.MIMEs[nd.idx].ref
	}
	return RowRef{}
}

// converted reports whether a live row is converted (its group not kept).
func (p *planner) converted(nd node) bool {
	return p.isLive(nd) && !p.keptGroup[p.find(p.nodeIndex[nd])]
}
