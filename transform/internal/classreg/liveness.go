package classreg

import (
	"cmp"
	"slices"
	"sort"
	"strings"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/transform/internal/edit"
)

// cycleProblem is the problem of a registered ProgId on a ProgId_Parent
// cycle.
const cycleProblem = "a ProgId_Parent chain never ends (a cycle)"

// Reasons msiexec never registers a row (facts.dead), for the kinds whose
// rows are registered only when something registered refers to them.
const (
	deadProgID = "msiexec never registers this ProgId (no registered class on its chain, no extension with verbs names it)"
	deadAppID  = "no registered class refers to this AppId"
)

// liveness decides which rows msiexec would register at all: every row of
// every kind ends with dead "" (registered) or the reason it is not. Class
// and Extension rows were decided by the checks; ProgId, AppId, Verb and
// MIME rows start dead and come alive through what refers to them.
func (p *planner) liveness() {
	in := p.in
	for i := range p.progs {
		if p.stop.Tick() {
			return
		}
		p.progs[i].dead = deadProgID
	}
	for i := range p.apps {
		if p.stop.Tick() {
			return
		}
		p.apps[i].dead = deadAppID
	}
	// withProg: lower CLSID -> first registered Class row whose
	// ProgId_Default names a ProgId row.
	withProg := map[string]int{}
	for ci, c := range in.Classes {
		if p.stop.Tick() {
			return
		}
		k := p.lower(c.CLSID)
		if _, done := withProg[k]; done || p.classes[ci].dead != "" || c.ProgIDDefault == "" {
			continue
		}
		if _, ok := p.progBy.Lookup(p.lower(c.ProgIDDefault)); ok {
			withProg[k] = ci
		}
	}
	// The first registered extension of each ProgId_, and the first with
	// verbs: each ProgId walking the extensions of its name to them took
	// 5.1 s for 30,000 ProgIds (one name in as many cases) past 30,000
	// unregistered extensions.
	var extLive, extVerbs textmemo.Index[int]
	for e, r := range in.Extensions {
		if p.stop.Tick() {
			return
		}
		if r.ProgID == "" || p.exts[e].dead != "" {
			continue
		}
		k := p.lower(r.ProgID)
		if !extLive.Has(k) {
			extLive.Set(k, e)
		}
		if !extVerbs.Has(k) && p.extHasVerbs(e) {
			extVerbs.Set(k, e)
		}
	}
	for i, r := range in.ProgIDs {
		if p.stop.Tick() {
			return
		}
		if p.progs[i].cyclic {
			// A cycle is registered by nothing we can compute; it stays
			// a problem of whatever refers to it.
			continue
		}
		// Registered with its class: a registered Class row of the CLSID
		// on its chain whose ProgId_Default names a ProgId row.
		if clsid, ci := p.progClass(i); ci >= 0 {
			if cj, ok := withProg[p.lower(clsid)]; ok {
				p.progs[i].dead = ""
				p.progs[i].via, p.progs[i].viaBy = int32(cj), viaClass
				continue
			}
		}
		if e, ok := extVerbs.Lookup(p.lower(r.ProgID)); ok {
			p.progs[i].dead = ""
			p.progs[i].via, p.progs[i].viaBy = int32(e), viaExtension
		}
	}
	// Cyclic ProgIds referenced by a live class or extension are live (and
	// a problem); otherwise dead.
	for i := range in.ProgIDs {
		if p.stop.Tick() {
			return
		}
		if !p.progs[i].cyclic {
			continue
		}
		r := in.ProgIDs[i]
		// The first registered class naming it as its default, else of
		// its Class.
		ci, ok := p.liveByProg.Lookup(p.lower(r.ProgID))
		if !ok {
			ci, ok = p.liveClass.Lookup(p.lower(r.Class))
		}
		if ok {
			p.progs[i].dead = ""
			p.progs[i].via, p.progs[i].viaBy = int32(ci), viaClass
		}
		if p.progs[i].dead != "" {
			if e, ok := extLive.Lookup(p.lower(r.ProgID)); ok {
				p.progs[i].dead = ""
				p.progs[i].via, p.progs[i].viaBy = int32(e), viaExtension
			}
		}
	}
	for i, r := range in.ProgIDs {
		if p.stop.Tick() {
			return
		}
		if p.progs[i].dead != "" {
			p.note(edit.Info, tblProgID, r.ref.Key, "left alone: %s", p.progs[i].dead)
			continue
		}
		// Not kept: emitProgID computes it again.
		if ic := p.iconPath(r.Icon, r.IconIndex); ic.problem != "" {
			p.problem(node{kindProgID, i}, "%s", ic.problem)
		}
	}
	for i, c := range in.Classes {
		if p.stop.Tick() {
			return
		}
		if c.AppID == "" || p.classes[i].dead != "" {
			continue
		}
		if j, ok := p.appBy.Lookup(p.lower(c.AppID)); ok {
			p.apps[j].dead = ""
		}
	}
	for i, a := range in.AppIDs {
		if p.stop.Tick() {
			return
		}
		if p.apps[i].dead != "" {
			p.note(edit.Info, tblAppID, a.ref.Key, "left alone: %s", p.apps[i].dead)
		}
	}
	// Why the rows of an extension are left alone, made once per extension
	// (its rows can number hundreds of thousands, each formatting the
	// extension's name, clipped, anew: 250 MB for 650,000 MIME rows).
	var noExt, noProgID, noExtMIME textmemo.Index[string]
	once := func(x *textmemo.Index[string], ext, format string) string {
		if r, ok := x.Lookup(ext); ok {
			return r
		}
		r := clip.Sprintf(format, ext)
		x.Set(ext, r)
		return r
	}
	for i, v := range in.Verbs {
		if p.stop.Tick() {
			return
		}
		e := p.verbs[i].ext
		sev := edit.Warning
		switch {
		case e < 0:
			p.verbs[i].dead = once(&noExt, v.Extension, "extension %s is not in the Extension table")
		case p.exts[e].dead != "":
			p.verbs[i].dead = "its extension is never registered"
		case in.Extensions[e].ProgID == "":
			sev = edit.Info
			p.verbs[i].dead = once(&noProgID, v.Extension, "extension %s has no ProgId_, so msiexec registers no verbs for it")
		default:
			if _, why := p.keyFile(in.Extensions[e].Component); why != "" {
				p.problem(node{kindVerb, i}, "the verb command needs a key file path: %s", why)
			}
		}
		if p.verbs[i].dead != "" {
			p.note(sev, tblVerb, v.ref.Key, "left alone: %s", p.verbs[i].dead)
		}
	}
	for i, m := range in.MIMEs {
		if p.stop.Tick() {
			return
		}
		live := m.CLSID != "" && p.hasLiveClass(m.CLSID)
		if e := p.mimes[i].ext; e >= 0 && p.exts[e].dead == "" {
			live = true
		}
		sev := edit.Info
		switch {
		case p.mimes[i].ext < 0:
			sev = edit.Warning
			p.mimes[i].dead = once(&noExtMIME, m.Extension, "extension %s is not in the Extension table, so msiexec writes nothing for it")
		case !live:
			p.mimes[i].dead = "neither its class nor its extension is registered"
		}
		if p.mimes[i].dead != "" {
			p.note(sev, tblMIME, m.ref.Key, "left alone: %s", p.mimes[i].dead)
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
	ia, oka := p.nodeID(a)
	ib, okb := p.nodeID(b)
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
	// Nodes are numbered kind by kind in table order (nodeID), so the
	// union-find needs no index of its own.
	total := 0
	for k, n := range []int{len(in.Classes), len(in.ProgIDs), len(in.AppIDs), len(in.Extensions), len(in.Verbs), len(in.MIMEs)} {
		if p.stop.Tick() {
			return
		}
		p.nodeBase[k], p.nodeCount[k] = total, n
		total += n
	}
	p.parent = make([]int, total)
	for i := range p.parent {
		if p.stop.Tick() {
			return
		}
		p.parent[i] = i
	}
	for i, c := range in.Classes {
		if p.stop.Tick() {
			return
		}
		p.union(node{kindClass, i}, node{kindClass, p.classesBy.Get(p.lower(c.CLSID))[0]})
		if j, ok := p.progBy.Lookup(p.lower(c.ProgIDDefault)); ok && c.ProgIDDefault != "" {
			p.union(node{kindClass, i}, node{kindProgID, j})
		}
		if j, ok := p.appBy.Lookup(p.lower(c.AppID)); ok && c.AppID != "" {
			p.union(node{kindClass, i}, node{kindAppID, j})
		}
	}
	for i, r := range in.ProgIDs {
		if p.stop.Tick() {
			return
		}
		if p.progs[i].parent >= 0 {
			p.union(node{kindProgID, i}, node{kindProgID, int(p.progs[i].parent)})
		}
		if rows := p.classesBy.Get(p.lower(r.Class)); len(rows) > 0 {
			p.union(node{kindProgID, i}, node{kindClass, rows[0]})
		}
	}
	for i, e := range in.Extensions {
		if p.stop.Tick() {
			return
		}
		p.union(node{kindExtension, i}, node{kindExtension, p.extBy.Get(p.lower(strings.TrimPrefix(e.Extension, ".")))[0]})
		if j, ok := p.progBy.Lookup(p.lower(e.ProgID)); ok && e.ProgID != "" {
			p.union(node{kindExtension, i}, node{kindProgID, j})
		}
		if j, ok := p.mimeBy.Lookup(p.lower(e.MIME)); ok && e.MIME != "" {
			p.union(node{kindExtension, i}, node{kindMIME, j})
		}
	}
	for i := range in.Verbs {
		if p.stop.Tick() {
			return
		}
		if e := p.verbs[i].ext; e >= 0 {
			p.union(node{kindVerb, i}, node{kindExtension, e})
		}
	}
	for i, m := range in.MIMEs {
		if p.stop.Tick() {
			return
		}
		if e := p.mimes[i].ext; e >= 0 {
			p.union(node{kindMIME, i}, node{kindExtension, e})
		}
		if rows := p.classesBy.Get(p.lower(m.CLSID)); len(rows) > 0 {
			p.union(node{kindMIME, i}, node{kindClass, rows[0]})
		}
	}
	// A group with a problem in one of its live rows keeps its advertised
	// form unless the caller asked to drop what cannot be expressed.
	// Both by union-find root: a slice, not a map, since a package may
	// hold tens of thousands of one-row groups.
	p.keptGroup = make([]bool, len(p.parent))
	if p.opts.DropUnexpressible {
		return
	}
	// The live rows' problems by group: a pair per problem, not a list
	// per row.
	type groupProblem struct {
		g    int
		text string
	}
	var gps []groupProblem
	for _, pr := range p.problems {
		if p.stop.Tick() {
			return
		}
		if !p.isLive(pr.n) {
			continue
		}
		id, _ := p.nodeID(pr.n)
		gps = append(gps, groupProblem{p.find(id), pr.text})
	}
	// A ProgId on a cycle has a problem when registered: found here, not
	// listed for each of a cycle's 180,000 rows that nothing registers.
	for i := range p.progs {
		if p.stop.Tick() {
			return
		}
		if nd := (node{kindProgID, i}); p.progs[i].cyclic && p.isLive(nd) {
			id, _ := p.nodeID(nd)
			gps = append(gps, groupProblem{p.find(id), cycleProblem})
		}
	}
	if len(gps) == 0 {
		return
	}
	slices.SortStableFunc(gps, func(a, b groupProblem) int { return cmp.Compare(a.g, b.g) })
	reasons := map[int]string{} // kept group -> its reasons, joined
	for i := 0; i < len(gps); {
		if p.stop.Tick() {
			return
		}
		j := i
		var rs []string
		for ; j < len(gps) && gps[j].g == gps[i].g; j++ {
			if p.stop.Tick() {
				return
			}
			rs = append(rs, gps[j].text)
		}
		g := gps[i].g
		i = j
		p.keptGroup[g] = true
		sort.Strings(rs)
		rs = dedupe(rs)
		if len(rs) > 5 {
			rs = append(rs[:5], clip.Sprintf("and %d more", len(rs)-5))
		}
		reasons[g] = strings.Join(rs, "; ")
	}
	for id := range p.parent {
		if p.stop.Tick() {
			return
		}
		nd := p.nodeOf(id)
		g := p.find(id)
		if !p.keptGroup[g] || !p.isLive(nd) {
			continue
		}
		p.note(edit.Warning, nd.kind.table(), p.ref(nd).Key, "left advertised (registration group cannot be expressed faithfully): %s", reasons[g])
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

func (p *planner) isLive(nd node) bool { return p.dead(nd) == "" }

// dead is why msiexec never registers the row of nd, or "" when it does.
func (p *planner) dead(nd node) string {
	switch nd.kind {
	case kindClass:
		return p.classes[nd.idx].dead
	case kindProgID:
		return p.progs[nd.idx].dead
	case kindAppID:
		return p.apps[nd.idx].dead
	case kindExtension:
		return p.exts[nd.idx].dead
	case kindVerb:
		return p.verbs[nd.idx].dead
	case kindMIME:
		return p.mimes[nd.idx].dead
	}
	return "no such row"
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
	id, _ := p.nodeID(nd)
	return p.isLive(nd) && !p.keptGroup[p.find(id)]
}

// nodeID returns the union-find number of nd (false when nd is no row).
func (p *planner) nodeID(nd node) (int, bool) {
	if nd.kind < kindClass || nd.kind > kindMIME || nd.idx < 0 || nd.idx >= p.nodeCount[nd.kind] {
		return 0, false
	}
	return p.nodeBase[nd.kind] + nd.idx, true
}

// nodeOf is the node numbered id.
func (p *planner) nodeOf(id int) node {
	k := kindClass
	for k < kindMIME && id >= p.nodeBase[k]+p.nodeCount[k] {
		k++
	}
	return node{k, id - p.nodeBase[k]}
}

// hasLiveClass reports whether a class row of clsid is registered.
func (p *planner) hasLiveClass(clsid string) bool {
	_, ok := p.liveClass.Lookup(p.lower(clsid))
	return ok
}
