package classreg

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/transform/internal/edit"
)

// sequence makes sure the Registry rows are written and removed: the
// Register*/Unregister* actions are kept (harmless on empty tables, and
// still needed by any group left advertised); WriteRegistryValues and
// RemoveRegistryValues are added to InstallExecuteSequence when missing.
func (p *planner) sequence() {
	if p.plan.adds.len() == 0 {
		return
	}
	if p.in.MergeModule {
		p.moduleSequence()
		return
	}
	// An index, not a map: a sequence table of 6-byte rows can name one
	// pooled 64 KiB action 800,000 times, which a map hashes (and
	// compares) for each row: 2.3 s at 4.6 MB.
	var have textmemo.Index[int32]
	used := map[int32]bool{}
	for _, s := range p.in.Sequences {
		if s.Table != "InstallExecuteSequence" {
			continue
		}
		if s.Sequence.Valid {
			have.Set(s.Action, s.Sequence.V)
			used[s.Sequence.V] = true
		} else {
			have.Set(s.Action, -1)
		}
	}
	lo, okLo := have.Lookup("InstallInitialize")
	hi, okHi := have.Lookup("InstallFinalize")
	if !okLo || !okHi || lo < 0 || hi < 0 {
		p.note(edit.Warning, "InstallExecuteSequence", nil, "no InstallInitialize/InstallFinalize; WriteRegistryValues and RemoveRegistryValues not checked")
		return
	}
	pick := func(action string, want, min, max int32) (int32, bool) {
		if s, ok := have.Lookup(action); ok {
			return s, false
		}
		for s := want; s < max; s++ {
			if s > min && !used[s] {
				used[s] = true
				return s, true
			}
		}
		for s := want; s > min; s-- {
			if s < max && !used[s] {
				used[s] = true
				return s, true
			}
		}
		return -1, false
	}
	w, addW := pick("WriteRegistryValues", 5000, lo, hi)
	if addW {
		p.plan.Actions = append(p.plan.Actions, Action{"WriteRegistryValues", w, seqInstall})
	} else if w < 0 {
		p.note(edit.Warning, "InstallExecuteSequence", nil, "no free sequence number for WriteRegistryValues")
		return
	}
	r, addR := pick("RemoveRegistryValues", 2600, lo, w)
	if addR {
		p.plan.Actions = append(p.plan.Actions, Action{"RemoveRegistryValues", r, seqInstall})
	} else if r < 0 {
		p.note(edit.Warning, "InstallExecuteSequence", nil, "no free sequence number for RemoveRegistryValues")
	}
}

// moduleSequence adds WriteRegistryValues and RemoveRegistryValues to a
// merge module's ModuleInstallExecuteSequence as merge modules sequence
// standard actions: the recommended sequence number (RemoveRegistryValues
// 2600, WriteRegistryValues 5000) with BaseAction and After null. The
// merge tool keeps the number the target package already uses for the
// action, and adds the action when the target lacks it, so the Registry
// rows are written and removed wherever the module is merged.
func (p *planner) moduleSequence() {
	var have textmemo.Index[bool] // an index, as in sequence
	for _, s := range p.in.Sequences {
		if s.Table == seqModule {
			have.Set(s.Action, true)
		}
	}
	for _, a := range []Action{{"RemoveRegistryValues", 2600, seqModule}, {"WriteRegistryValues", 5000, seqModule}} {
		if !have.Get(a.Action) {
			p.plan.Actions = append(p.plan.Actions, a)
		}
	}
}

func (p *planner) typeLibs() {
	for _, t := range p.in.TypeLibs {
		if p.stop.Tick() {
			return
		}
		p.note(edit.Warning, tblTypeLib, t.ref.Key, "left alone: registering a type library needs the library's own contents (its interfaces); RegisterTypeLibraries keeps doing it")
	}
}

// advertisedRegistry reports existing Registry rows whose value is a darwin
// descriptor: hand-written advertised registration the pass cannot turn
// into a plain value (it does not know the server's path).
//
// A value is decided once per text: a pooled 64 KiB string that 175,000
// rows of a 5 MB package reference would otherwise be copied and scanned
// once per row (11 s at 5 MB). Rows referencing one pooled string hold
// the same bytes, so the text is known by its address and length.
func (p *planner) advertisedRegistry() {
	var seen textmemo.Memo[bool]
	for _, r := range p.in.Registry {
		if p.stop.Tick() {
			return
		}
		v := strings.TrimPrefix(r.Value, "[~]")
		v = strings.TrimSuffix(v, "[~]")
		if v == "" {
			continue
		}
		darwin := seen.Get(v, func(v string) bool { return isDarwinValue(strings.ReplaceAll(v, "[~]", "|")) })
		if darwin {
			p.note(edit.Warning, tblRegistry, []string{r.ID}, "left alone: its value is a darwin descriptor (advertised registration written by hand); it keeps the health check")
		}
	}
}

// owner returns the component whose Registry rows express registration
// that msiexec ties to feature (a Class or Extension row's Feature_) and
// that names component. msiexec registers it while that feature is
// installed (or advertised) and removes it when that feature is removed,
// whatever other features hold the component. When the component belongs
// to that feature alone and is removed (neither permanent nor
// unmanaged), its own Registry rows behave the same; otherwise (the
// component is in other features too, or not in that one, or is never
// uninstalled) the rows go in a new registry-only component that only
// the feature holds, with the original component's directory, condition
// and 64-bit attribute. In a merge module every component goes into the
// features the module is merged into, so the component itself is the
// owner unless it is never uninstalled: then the rows go in a new
// registry-only component of the module (ModuleComponents), or, in a
// module without a ModuleSignature row, stay with a warning.
func (p *planner) owner(component, feature string) string {
	src := p.comps.Get(component)
	kept := neverRemoved(src)
	if feature == "" || p.in.MergeModule && !kept || !kept && p.compFeats.NumLefts(component) == 1 && p.compFeats.Has(feature, component) {
		return component
	}
	key := [2]int32{p.compTexts.ID(component), p.compTexts.ID(feature)}
	if name, ok := p.owners[key]; ok {
		return name
	}
	if p.in.MergeModule && (p.in.ModuleID == "" || p.in.ModuleProblem != "") {
		why := "the module has no ModuleSignature row to list a registry-only component with"
		if p.in.ModuleProblem != "" {
			// Listed with a null or unreadable Language, the component
			// would be no component of the module.
			why = "the module's ModuleSignature row cannot list a registry-only component: " + p.in.ModuleProblem
		}
		p.note(edit.Warning, "Component", []string{component}, "the Registry rows of registration tied to the feature the module is merged into stay after that feature is removed or the product uninstalled, where msiexec removed the advertised registration: %s; %s", removalOf(src), why)
		p.owners[key] = component
		return component
	}
	width := p.in.ComponentWidth
	if width <= 0 {
		width = 72
	}
	// The name is made of the first width bytes of each (FitIdent
	// keeps no more), and its seed of the digests of a long component
	// or feature (ownerText): a component named by a pooled 1.25 MiB
	// text, in a class of each of 1,000 features, was copied, cleaned,
	// folded and hashed whole for each (10 s of CPU for msikit
	// rewrite).
	base := "reg_" + component[:min(len(component), width)] + "_" + feature[:min(len(feature), width)]
	if p.in.MergeModule {
		// A module's components go into the features it is merged
		// into, all of them: no feature in the name, whose end stays
		// the component's (a module's identifiers end with its GUID).
		base = "reg_" + component[:min(len(component), width)]
	}
	ctext, clong := p.ownerText(component)
	ftext, flong := p.ownerText(feature)
	seed := "classreg\x00" + ctext + "\x00" + ftext
	name := ""
	if p.in.MergeModule && len(base) > width {
		name = moduleOwnerName(component, p.in.ModuleID, width, seed, p.compTaken)
	}
	if name == "" {
		name = p.fitOwner.Fit(base, width, seed, p.compTaken)
	}
	if name == "" {
		p.note(edit.Warning, "Component", []string{component}, "the Component key column (%d characters) is too narrow for a registry-only component of feature %s: the Registry rows follow component %s and its features", width, feature, component)
		p.owners[key] = component
		return component
	}
	p.compTaken[p.lower(name)] = true
	p.owners[key] = name
	nc := NewComponent{Component: name, From: component, Feature: feature, Attributes: compRegistryKeyPath}
	if src != nil {
		nc.Directory, nc.Condition = src.Directory, src.Condition
		nc.Attributes |= src.Attributes & (comp64 | compTransitive)
	}
	if p.in.MergeModule {
		nc.Module, nc.ModuleLanguage = p.in.ModuleID, p.in.ModuleLanguage
	}
	g := guidTexts{component: ctext, feature: ftext, clong: clong, flong: flong}
	g.product, g.plong = p.guidProduct()
	if src != nil {
		g.id, g.idlong = p.ownerText(src.ComponentID)
	}
	nc.ComponentID = componentGUID(g)
	switch {
	case kept && p.in.MergeModule:
		nc.Reason = p.clips.Sprintf("registration tied to the feature the module is merged into, removed with it; %s", removalOf(src))
	case kept:
		nc.Reason = p.clips.Sprintf("registration tied to feature %s, removed with it; %s", feature, removalOf(src))
	case p.compFeats.Has(feature, component):
		nc.Reason = p.clips.Sprintf("registration tied to feature %s; component %s is also in %s", feature, component, p.otherFeatures(component, feature))
	default:
		nc.Reason = p.clips.Sprintf("registration tied to feature %s, which does not hold component %s", feature, component)
	}
	p.plan.Components = append(p.plan.Components, nc)
	return name
}

// moduleOwnerName returns the name of a merge module's registry-only
// component of component when "reg_" + component is longer than width:
// "reg_", the start of component, "_", 8 hex digits of an FNV-1a hash of
// seed and an attempt counter, and component's end, the module's GUID
// (the ModuleID's part after its last period, 36 characters) that every
// identifier of the module ends with, so that once merged it meets no
// identifier of the package or of another module. It returns "" when
// component does not end with that GUID, when the column is too narrow
// for it, or when no name of 1,024 attempts is free (FitIdent then
// names it). Cut as FitIdent cuts, a module's component of 69 or more
// characters lost the GUID.
func moduleOwnerName(component, moduleID string, width int, seed string, taken map[string]bool) string {
	dot := strings.LastIndexByte(moduleID, '.')
	if dot < 0 || len(moduleID)-dot != 37 {
		return ""
	}
	suffix := moduleID[dot:]
	if !strings.HasSuffix(component, suffix) || strings.ContainsFunc(suffix[1:], func(r rune) bool { return !edit.IdentByte(byte(r), false) || r >= 0x80 }) {
		return ""
	}
	head := width - len(suffix) - 9 // "_" and 8 hex digits
	if head < len("reg_")+1 {
		return ""
	}
	prefix := edit.SanitizeIdent("reg_" + component[:min(len(component)-len(suffix), head-len("reg_"))])
	for i := range 1024 {
		h := fnv.New32a()
		fmt.Fprintf(h, "%s\x00%d", seed, i)
		name := fmt.Sprintf("%s_%08X%s", prefix, h.Sum32(), suffix)
		if !taken[strings.ToLower(name)] {
			return name
		}
	}
	return ""
}

// otherFeatures lists, for the reason of component's registry-only
// component of feature, which holds component, the first 8 of
// component's other features in order, and how many more there are. It
// is made only for that reason: listed for each owner, whatever its
// reason, the lists of 40,000 owners of one component whose features do
// not hold it were made for nothing.
func (p *planner) otherFeatures(component, feature string) string {
	// Its features sorted once (sortedFeatures), not listed and
	// sorted for each feature it is given an owner for (10,000
	// features of one component: 10,000 lists of 10,000).
	var others []string
	all := p.sortedFeatures(component)
	for _, f := range all {
		if len(others) == 8 {
			break
		}
		if f != feature {
			others = append(others, f)
		}
	}
	n := len(all) - 1 // the features are distinct, feature among them
	if n > 8 {
		others = append(others, p.clips.Sprintf("and %d more", n-8))
	}
	return strings.Join(others, ", ")
}

// ownerText returns s as the seed of a new component's name and its
// GUID quote it: s itself, or for a text of longField bytes or more the
// 64 hex digits of its SHA-256 (remembered by its bytes) and true, so
// that a long pooled name is hashed once, not once per feature.
func (p *planner) ownerText(s string) (string, bool) {
	if len(s) < longField {
		return s, false
	}
	d := p.longDigests.digest(s, false)
	return hex.EncodeToString(d[:]), true
}

// sortedFeatures returns the features that hold component, sorted,
// made once per component.
func (p *planner) sortedFeatures(component string) []string {
	id := p.compTexts.ID(component)
	if fs, ok := p.ownerFeatures[id]; ok {
		return fs
	}
	fs := p.compFeats.Lefts(component)
	sort.Strings(fs)
	if p.ownerFeatures == nil {
		p.ownerFeatures = map[int32][]string{}
	}
	p.ownerFeatures[id] = fs
	return fs
}

// neverRemoved reports whether msiexec never removes component src's own
// Registry rows (removalOf says why). A permanent component is never
// uninstalled (under Wine, the rewrite of a class in a permanent component
// of vfp-VFPODBC.msi left every key after uninstall). A component with a
// null ComponentId is unmanaged: "the installer does not register the
// component and the component cannot be removed" (Component table); Wine
// too leaves its Registry rows after uninstall, while it removes the
// advertised registration of a class in it with the class's feature
// (office.msi, component ExtraDll).
func neverRemoved(src *ComponentRow) bool {
	return src != nil && (src.Attributes&compPermanent != 0 || src.ComponentID == "")
}

// removalOf returns why msiexec never removes component src's own
// Registry rows, "" when it does (neverRemoved).
func removalOf(src *ComponentRow) string {
	switch {
	case src == nil:
		return ""
	case src.Attributes&compPermanent != 0:
		return clip.Sprintf("component %s is permanent (attribute 16), so its own Registry rows are never removed", src.Component)
	case src.ComponentID == "":
		return clip.Sprintf("component %s has a null ComponentId (unmanaged: never registered nor removed), so its own Registry rows are never removed", src.Component)
	}
	return ""
}

// Component attribute bits the new components copy.
const compTransitive = 0x0040

// compPermanent marks a component msiexec never uninstalls
// (msidbComponentAttributesPermanent); the new components do not copy it.
const compPermanent = 0x0010

// finishComponents gives every new component its key path: its first
// Registry row that writes a value. A component whose rows only create
// keys ("*", as for an extension without ProgId or MIME type) keeps a null
// KeyPath without the registry key path bit, so that its directory (the
// original component's) is its key path.
func (p *planner) finishComponents() {
	adds := &p.plan.adds
	// The first value row of each component, by its name: a textmemo
	// index, as one long component (a pooled text in two entries) can
	// hold every row, and a map hashed and compared it for each.
	var first textmemo.Index[*addition]
	adds.each(func(a *addition) bool {
		switch adds.text(a.name) {
		case "*", "+", "-":
			return true // key creation and deletion markers are no values
		}
		if !first.Has(adds.text(a.comp)) {
			first.Set(adds.text(a.comp), a)
		}
		return true
	})
	for i := range p.plan.Components {
		nc := &p.plan.Components[i]
		if kp, ok := first.Lookup(nc.Component); ok {
			nc.KeyPath = adds.id(kp)
		} else {
			nc.Attributes &^= compRegistryKeyPath
		}
		if nc.Module != "" {
			p.note(edit.Info, "Component", []string{nc.Component}, "new registry-only component for %s: %s; listed in ModuleComponents, it goes into the features the module is merged into, and is removed with them", nc.From, nc.Reason)
			continue
		}
		p.note(edit.Info, "Component", []string{nc.Component}, "new registry-only component for %s: %s; msiexec registers it only with that feature, so its Registry rows live in a component only that feature holds", nc.From, nc.Reason)
	}
}

// guidTexts are the texts componentGUID hashes, each as ownerText
// gives it, and whether ownerText gave its digest (a long text).
type guidTexts struct {
	product, id, component, feature string
	plong, idlong, clong, flong     bool
}

// guidProduct returns, as ownerText gives it, the text the GUIDs of new
// components quote for the package: its ProductCode, and in a merge
// module its ModuleID (a module has no ProductCode). It is made once: a
// crafted module's 256 KiB ModuleID, joined to the ProductCode and
// hashed for each of 40,000 new components, took 11 s of CPU for msikit
// rewrite.
func (p *planner) guidProduct() (string, bool) {
	if !p.product.made {
		s := p.in.ProductCode
		if p.in.MergeModule {
			s += p.in.ModuleID
		}
		p.product.text, p.product.long = p.ownerText(s)
		p.product.made = true
	}
	return p.product.text, p.product.long
}

// componentGUID derives a new component's ComponentId from package data
// (the ProductCode, the original component's ComponentId and key, and the
// feature), so that the same package rewritten again gets the same GUID.
//
// When the component or the feature is long (ownerText gave its digest,
// clong or flong), the text hashed starts otherwise and says which of
// the two are digests, so that no GUID of a long name is that of a name
// spelled as its digest; so it does, in a third form, when the product
// or the original ComponentId is (texts that are 38 characters in a
// package that is not crafted).
func componentGUID(g guidTexts) string {
	h := sha256.New()
	switch {
	case g.plong || g.idlong:
		fmt.Fprintf(h, "msikit class registration component (long texts)\x00%t\x00%t\x00%t\x00%t\x00%s\x00%s\x00%s\x00%s",
			g.plong, g.idlong, g.clong, g.flong, g.product, g.id, g.component, g.feature)
	case g.clong || g.flong:
		fmt.Fprintf(h, "msikit class registration component (long names)\x00%s\x00%s\x00%t\x00%t\x00%s\x00%s", g.product, g.id, g.clong, g.flong, g.component, g.feature)
	default:
		fmt.Fprintf(h, "msikit class registration component\x00%s\x00%s\x00%s\x00%s", g.product, g.id, g.component, g.feature)
	}
	return edit.GUIDFromHash(h.Sum(nil))
}

// registryID returns a free primary key for a new Registry row (Root 0)
// that fits this package's Registry key column, as the digest and "_n"
// suffix idText writes it from, and marks it used.
func (p *planner) registryID(key, name, component string) (digest [16]byte, suffix int32) {
	digest = registryDigest(0, key, name, component, &p.longDigests)
	for suffix = 0; p.idUsed(&digest, suffix); suffix++ {
		if suffix == 0 {
			suffix = 1 // the first suffix tried is "_2"
		}
	}
	switch {
	case suffix != 0 || p.plan.adds.idWidth < len(idPrefix)+32:
		p.usedIDs.Set(idText(&digest, suffix, p.plan.adds.idWidth), true)
	case strings.IndexByte(key, 0) >= 0 || strings.IndexByte(name, 0) >= 0 ||
		len(component) < longField && strings.IndexByte(component, 0) >= 0:
		// A NUL in a text hashed as it is (a component of longField
		// bytes or more is hashed as its digest's hex): the text can be
		// that of other fields. A component "\x00D" of key K and one "D"
		// of key K+"\x00" had one identifier, and two Registry rows
		// one primary key, when only NULs in the key and name counted.
		p.usedDigests[digest] = struct{}{}
	default:
		// Not kept: no other row of the plan can have this digest. The
		// text hashed is key, name and component folded and joined by
		// NUL bytes, and emit adds no two rows of one folded key, name
		// and component (one slot, added and addedSlots); without a NUL
		// in the three, other texts hash other bytes (texts with one
		// have more NULs, and are kept). The digests of 400,000 rows
		// were 12 MB of the planner.
	}
	return digest, suffix
}

// idUsed reports whether the identifier of digest and suffix (idText)
// is in use.
func (p *planner) idUsed(digest *[16]byte, suffix int32) bool {
	if suffix == 0 && p.plan.adds.idWidth >= len(idPrefix)+32 {
		_, ok := p.usedDigests[*digest] // the whole identifier: canonicalID
		return ok
	}
	return p.usedIDs.Get(idText(digest, suffix, p.plan.adds.idWidth))
}

// useID marks an identifier of the package used.
func (p *planner) useID(id string) {
	if d, ok := canonicalID(id); ok {
		p.usedDigests[d] = struct{}{}
	} else {
		p.usedIDs.Set(id, true)
	}
}
