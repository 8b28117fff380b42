package classreg

import (
	"strings"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/transform/internal/edit"
)

func (p *planner) checkClasses() {
	in := p.in
	for i, c := range in.Classes {
		if p.stop.Tick() {
			return
		}
		nd := node{kindClass, i}
		if _, why := p.keyFile(c.Component); why != "" {
			p.classes[i].dead = why
		} else if !p.featureExists(c.Feature) {
			p.classes[i].dead = clip.Sprintf("feature %s is not in the Feature table", c.Feature)
		}
		if p.classes[i].dead != "" {
			p.note(edit.Warning, tblClass, c.ref.Key, "left alone: msiexec never registers this class: %s", p.classes[i].dead)
			continue
		}
		// The first registered class of each CLSID and of each
		// ProgId_Default, for the ProgIds and MIME types that follow one:
		// each walking the rows of its CLSID to it took 3.6 s for 30,000
		// ProgIds past 30,000 unregistered classes of one CLSID (9.3 s
		// when the ProgIds form a cycle).
		if k := p.lower(c.CLSID); !p.liveClass.Has(k) {
			p.liveClass.Set(k, i)
		}
		if k := p.lower(c.ProgIDDefault); c.ProgIDDefault != "" && !p.liveByProg.Has(k) {
			p.liveByProg.Set(k, i)
		}
		if c.Icon == "" && c.IconIndex.Valid {
			p.note(edit.Warning, tblClass, c.ref.Key, "IconIndex %d without Icon_ is ignored (msiexec would write a broken icon path)", c.IconIndex.V)
		} else if c.Icon != "" && !p.icons.Get(c.Icon) {
			p.note(edit.Warning, tblClass, c.ref.Key, "Icon_ %s is not in the Icon table; DefaultIcon will name a file that is never written", c.Icon)
		}
		p.classes[i].icon = p.iconPath(c.Icon, c.IconIndex)
		if p.classes[i].icon.problem != "" {
			p.problem(nd, "%s", p.classes[i].icon.problem)
		}
		if n := p.fileTypes(c.FileTypeMask); n > maxFileTypes {
			p.problem(nd, "%s", fileTypesProblem(n))
		}
		if c.AppID != "" {
			if _, ok := p.appBy.Lookup(p.lower(c.AppID)); !ok {
				p.note(edit.Warning, tblClass, c.ref.Key, "AppId_ %s is not in the AppId table; msiexec writes no AppID value for it, and neither do the Registry rows", c.AppID)
			}
		}
		if c.ProgIDDefault != "" {
			if _, ok := p.progBy.Lookup(p.lower(c.ProgIDDefault)); !ok {
				p.note(edit.Warning, tblClass, c.ref.Key, "ProgId_Default %s is not in the ProgId table; only CLSID\\%s\\ProgID is written for it", c.ProgIDDefault, c.CLSID)
			}
		}
		p.checkAdvertised(tblClass, c.ref.Key, c.Feature)
		if !p.compFeats.Has(c.Feature, c.Component) && !p.in.MergeModule {
			p.note(edit.Warning, tblClass, c.ref.Key, "Feature_ %s does not contain component %s: msiexec registers the class with %s but installs %s with its own features; the Registry rows go in a component of %s alone", c.Feature, c.Component, c.Feature, c.Component, c.Feature)
		}
		p.checkBitness(c)
	}
	// Duplicate CLSIDs, in table order: several contexts share the
	// CLSID-level keys; the same context from two components is a
	// conflict. Linear in the number of rows, however many share a CLSID.
	var done textmemo.Index[bool] // lower CLSIDs listed
	for _, c0 := range in.Classes {
		if p.stop.Tick() {
			return
		}
		k := p.lower(c0.CLSID)
		rows := p.classesBy.Get(k)
		if len(rows) < 2 || done.Get(k) {
			continue
		}
		done.Set(k, true)
		var ctxs []string
		for n, i := range rows {
			if p.stop.Tick() {
				return
			}
			if n == 8 {
				ctxs = append(ctxs, clip.Sprintf("and %d more", len(rows)-n))
				break
			}
			ctxs = append(ctxs, in.Classes[i].Context+" ("+in.Classes[i].Component+")")
		}
		list := strings.Join(ctxs, ", ")
		// One text for the rows of the CLSID spelled alike (the same
		// pooled string), which all say the same: made for each, the
		// notes of 97,000 rows of one pooled CLSID of a kilobyte held
		// 120 MB.
		shared := map[textmemo.Key]string{} // by spelling
		first := map[string]int{}           // lower context -> first live row
		flagged := map[int]bool{}
		for _, i := range rows {
			if p.stop.Tick() {
				return
			}
			c := in.Classes[i]
			// A case variant names its own spelling, made once too.
			k := textmemo.KeyAt(c.CLSID)
			text, ok := shared[k]
			if !ok {
				text = p.reason("CLSID %s has %d Class rows (%s); the CLSID-level keys are written once per component", []any{c.CLSID, len(rows), list})
				shared[k] = text
			}
			p.plan.notes.Add(edit.Note{Severity: edit.Info, Table: tblClass, Key: c.ref.Key, Reason: text})
			if p.classes[i].dead != "" {
				continue
			}
			ctx := p.lower(c.Context)
			j, seen := first[ctx]
			if !seen {
				first[ctx] = i
				continue
			}
			cj := in.Classes[j]
			why := clip.Sprintf("CLSID %s context %s is registered by two components (%s and %s): the server path depends on install order", c.CLSID, c.Context, cj.Component, c.Component)
			p.classes[i].clash = why
			p.problem(node{kindClass, i}, "%s", why)
			if !flagged[j] {
				flagged[j] = true
				p.problem(node{kindClass, j}, "%s", why)
			}
		}
	}
}

// nullGUID is the Feature_ value merge modules use: the merge tool
// replaces it with the feature the module is merged into.
const nullGUID = "{00000000-0000-0000-0000-000000000000}"

// featureExists reports whether a Feature_ value names a feature: one of
// the Feature table, or in a merge module the null GUID placeholder.
func (p *planner) featureExists(f string) bool {
	return p.features.Get(f) || p.in.MergeModule && f == nullGUID
}

// Feature attribute bits.
const (
	featFavorAdvertise    = 0x04
	featDisallowAdvertise = 0x08
)

// checkAdvertised notes rows whose feature favours being advertised: the
// original registers them while the feature is only advertised (and
// installs it on first use); the Registry rows appear only once the
// component is installed locally.
func (p *planner) checkAdvertised(table string, key []string, feature string) {
	if a := p.in.FeatureAttributes.Get(feature); a&featFavorAdvertise != 0 && a&featDisallowAdvertise == 0 {
		p.note(edit.Warning, table, key, "feature %s favours advertising: the original registers this while the feature is only advertised (install on demand); the Registry rows are written only when the component is installed", feature)
	}
}

func is64(platform string) bool {
	switch strings.ToLower(platform) {
	case "x64", "intel64", "amd64", "arm64":
		return true
	}
	return false
}

func (p *planner) checkBitness(c ClassRow) {
	comp := p.comps.Get(c.Component)
	if comp == nil {
		return
	}
	pkg64 := is64(p.in.Platform)
	comp64 := comp.Attributes&comp64 != 0
	if pkg64 == comp64 {
		return
	}
	view := func(b bool) string {
		if b {
			return "64-bit"
		}
		return "32-bit"
	}
	p.note(edit.Warning, tblClass, c.ref.Key,
		"bitness: msiexec registered this class in the %s registry view (package platform %q), the Registry rows follow component %s (%s)",
		view(pkg64), p.in.Platform, c.Component, view(comp64))
}

func (p *planner) checkProgIDs() {
	in := p.in
	n := len(in.ProgIDs)
	for i, r := range in.ProgIDs {
		if p.stop.Tick() {
			return
		}
		p.progs[i].parent, p.progs[i].clsidRow = -1, -1
		if r.Parent == "" {
			continue
		}
		j, ok := p.progBy.Lookup(p.lower(r.Parent))
		switch {
		case !ok:
			p.note(edit.Warning, tblProgID, r.ref.Key, "ProgId_Parent %s is not in the ProgId table; treated as no parent, as msiexec does", r.Parent)
		case j == i:
			p.note(edit.Info, tblProgID, r.ref.Key, "ProgId_Parent names the ProgId itself; treated as no parent, as msiexec does")
		default:
			p.progs[i].parent = int32(j)
		}
	}
	// Cycle detection: colour 0 unvisited, 1 on the current walk, 2 done.
	state := make([]int, n)
	for i := range in.ProgIDs {
		if p.stop.Tick() {
			return
		}
		if state[i] != 0 {
			continue
		}
		var path []int
		j := i
		for j >= 0 && state[j] == 0 {
			if p.stop.Tick() {
				return
			}
			state[j] = 1
			path = append(path, j)
			j = int(p.progs[j].parent)
		}
		bad := j >= 0 && (state[j] == 1 || p.progs[j].cyclic)
		for _, k := range path {
			if p.stop.Tick() {
				return
			}
			state[k] = 2
			if bad {
				p.progs[k].cyclic = true
			}
		}
	}
	for i, r := range in.ProgIDs {
		if p.stop.Tick() {
			return
		}
		if p.progs[i].cyclic {
			// Its problem (cycleProblem) is group's to find: it counts
			// only when the ProgId is registered, which liveness decides.
			p.note(edit.Warning, tblProgID, r.ref.Key, "ProgId_Parent chain never ends (a cycle); no CurVer, CLSID or VersionIndependentProgID can be derived from it")
		}
		if r.Class != "" {
			if _, ok := p.classesBy.Lookup(p.lower(r.Class)); !ok {
				p.note(edit.Warning, tblProgID, r.ref.Key, "Class_ %s is not in the Class table", r.Class)
			}
		}
		if r.Icon == "" && r.IconIndex.Valid {
			p.note(edit.Warning, tblProgID, r.ref.Key, "IconIndex %d without Icon_ is ignored", r.IconIndex.V)
		} else if r.Icon != "" && !p.icons.Get(r.Icon) {
			p.note(edit.Warning, tblProgID, r.ref.Key, "Icon_ %s is not in the Icon table; DefaultIcon will name a file that is never written", r.Icon)
		}
	}
}

// progRoot returns the top of a ProgId's parent chain (itself if none), or
// -1 on a cycle.
func (p *planner) progRoot(i int) int { return int(p.progs[i].root) }

// progClass returns the CLSID found first on a ProgId's chain (its own
// Class_, then its parents'), as msiexec inherits CLSID through
// ProgId_Parent, and the first registered Class row of that CLSID (-1 if
// none is registered).
func (p *planner) progClass(i int) (clsid string, classRow int) {
	f := &p.progs[i]
	if f.clsidRow >= 0 {
		clsid = p.in.Classes[f.clsidRow].CLSID
	}
	return clsid, int(f.class)
}

// progFollows returns the component and feature a registered ProgId's
// keys are written with (those of the class or extension that registers
// it), and what registers it ("class {...}", "extension .x"; "" for a
// cyclic ProgId).
func (p *planner) progFollows(i int) (comp, feat, why string) {
	f := &p.progs[i]
	switch f.viaBy {
	case viaClass:
		c := &p.in.Classes[f.via]
		if !f.cyclic {
			why = "class " + c.CLSID
		}
		return c.Component, c.Feature, why
	case viaExtension:
		e := &p.in.Extensions[f.via]
		if !f.cyclic {
			why = "extension ." + e.Extension
		}
		return e.Component, e.Feature, why
	}
	return "", "", ""
}

// chains computes, in linear time, the top, the class and the CLSID of
// every ProgId's parent chain, and the ProgIds below each top.
func (p *planner) chains() {
	in := p.in
	n := len(in.ProgIDs)
	done := make([]bool, n)
	for i := range in.ProgIDs {
		if p.stop.Tick() {
			return
		}
		if done[i] {
			continue
		}
		// Walk up to a known or terminal ProgId, then fill the path back.
		var path []int
		j := i
		for j >= 0 && !done[j] && !p.progs[j].cyclic {
			if p.stop.Tick() {
				return
			}
			path = append(path, j)
			j = int(p.progs[j].parent)
		}
		for k := len(path) - 1; k >= 0; k-- {
			if p.stop.Tick() {
				return
			}
			x := path[k]
			parent := p.progs[x].parent
			r := in.ProgIDs[x]
			k := p.lower(r.Class)
			rows, own := p.classesBy.Lookup(k)
			switch {
			case r.Class != "" && own:
				p.progs[x].clsidRow = int32(rows[0])
				p.progs[x].class = -1
				if ci, ok := p.liveClass.Lookup(k); ok {
					p.progs[x].class, p.progs[x].clsidRow = int32(ci), int32(ci)
				}
			case parent >= 0 && !p.progs[parent].cyclic:
				p.progs[x].clsidRow, p.progs[x].class = p.progs[parent].clsidRow, p.progs[parent].class
			default:
				p.progs[x].class, p.progs[x].clsidRow = -1, -1
			}
			if parent >= 0 && !p.progs[parent].cyclic {
				p.progs[x].root = p.progs[parent].root
			} else {
				p.progs[x].root = int32(x)
			}
			done[x] = true
		}
	}
	for i := range in.ProgIDs {
		if p.stop.Tick() {
			return
		}
		if p.progs[i].cyclic {
			p.progs[i].root, p.progs[i].class, p.progs[i].clsidRow = -1, -1, -1
		}
	}
	p.viOf = map[int][]int{}
	for i := range in.ProgIDs {
		if p.stop.Tick() {
			return
		}
		if r := int(p.progs[i].root); r >= 0 && r != i && p.progs[i].parent >= 0 {
			p.viOf[r] = append(p.viOf[r], i)
		}
	}
}

func (p *planner) checkExtensions() {
	in := p.in
	for i, e := range in.Extensions {
		if p.stop.Tick() {
			return
		}
		switch {
		case p.comps.Get(e.Component) == nil:
			p.exts[i].dead = clip.Sprintf("component %s is not in the Component table", e.Component)
		case !p.featureExists(e.Feature):
			p.exts[i].dead = clip.Sprintf("feature %s is not in the Feature table", e.Feature)
		}
		if p.exts[i].dead != "" {
			p.note(edit.Warning, tblExtension, e.ref.Key, "left alone: msiexec never registers this extension: %s", p.exts[i].dead)
			continue
		}
		p.checkAdvertised(tblExtension, e.ref.Key, e.Feature)
		if e.MIME != "" {
			if _, ok := p.mimeBy.Lookup(p.lower(e.MIME)); !ok {
				p.note(edit.Warning, tblExtension, e.ref.Key, "MIME_ %s is not in the MIME table; msiexec writes no Content Type for it, and neither do the Registry rows", e.MIME)
			}
		}
		if e.ProgID != "" {
			if _, ok := p.progBy.Lookup(p.lower(e.ProgID)); !ok {
				p.note(edit.Warning, tblExtension, e.ref.Key, "ProgId_ %s is not in the ProgId table; its name is used as is", e.ProgID)
			}
		}
	}
	p.verbsByExt = map[int][]int{}
	for i, v := range in.Verbs {
		if p.stop.Tick() {
			return
		}
		p.verbs[i].ext = -1
		if rows, ok := p.extBy.Lookup(p.lower(strings.TrimPrefix(v.Extension, "."))); ok {
			p.verbs[i].ext = rows[0] // msiexec attaches verbs to the first row of that extension
			p.verbsByExt[rows[0]] = append(p.verbsByExt[rows[0]], i)
		}
	}
	for i, m := range in.MIMEs {
		if p.stop.Tick() {
			return
		}
		p.mimes[i].ext = -1
		if rows, ok := p.extBy.Lookup(p.lower(strings.TrimPrefix(m.Extension, "."))); ok {
			p.mimes[i].ext = rows[0]
		}
	}
}

// extHasVerbs reports whether extension row e owns at least one verb.
func (p *planner) extHasVerbs(e int) bool { return len(p.verbsByExt[e]) > 0 }
