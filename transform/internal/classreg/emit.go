package classreg

import (
	"slices"
	"strconv"
	"strings"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/transform/internal/edit"
)

// emit adds one Registry row (Root 0) unless an equal one exists. Past
// the MaxChanges bounds it records why in plan.over and adds nothing more.
func (p *planner) emit(key, name, value, component, reason string) {
	if p.plan.over != "" {
		return
	}
	if p.plan.adds.len()+len(p.plan.Remove) >= p.maxChanges {
		p.plan.over = clip.Sprintf("more than %d row changes", p.maxChanges)
		return
	}
	if p.textLeft -= p.newText(key) + p.newText(name) + p.newText(value) + p.newText(component); p.textLeft < 0 {
		p.plan.over = clip.Sprintf("more than %d bytes of Registry row text", maxText(p.maxChanges))
		if p.maxChanges > edit.DefaultMaxChanges {
			p.plan.over += ", the most any MaxChanges allows"
		}
		return
	}
	slot := p.slot(key, name)
	if ex, ok := p.existing[slot]; ok {
		if ex.Value == value {
			p.note(edit.Info, tblRegistry, []string{ex.ID}, "%s%s already written by this existing Registry row; not added again (%s)", key, valueName(name), reason)
		} else {
			p.note(edit.Warning, tblRegistry, []string{ex.ID}, "%s%s: the existing Registry row writes %q, the advertised registration wrote %q; the existing row already won (WriteRegistryValues runs after the Register* actions), so no row is added (%s)", key, valueName(name), ex.Value, value, reason)
		}
		return
	}
	adds := &p.plan.adds
	first, dup := p.added[slot]
	if dup {
		prev := adds.at(int(first))
		if prev.value != value {
			p.note(edit.Warning, tblRegistry, []string{adds.id(prev)}, "%s%s: %s wants %q but %s already writes %q; the first is kept", key, valueName(name), reason, value, adds.text(prev.reason), prev.value)
			return
		}
		if adds.text(prev.comp) == component || p.addedSlots[compSlot{slot, p.compTexts.ID(component)}] {
			return
		}
	}
	digest, suffix := p.registryID(key, name, component)
	if !dup {
		p.added[slot] = int32(adds.len())
	} else {
		p.addedSlots[compSlot{slot, p.compTexts.ID(component)}] = true
	}
	adds.add(addition{key: key, value: value, name: adds.texts.id(name), comp: adds.texts.id(component),
		reason: adds.texts.id(reason), suffix: suffix, digest: digest})
}

// literal returns fmtLiteral(s), made once per long text (textmemo.Min
// bytes or more) held in the same bytes: a pooled text with brackets
// named by thousands of rows (a description, a ProgId) gives them one
// escaped value, not a copy each.
func (p *planner) literal(s string) string { return p.literals.Get(s, fmtLiteral) }

// regValue returns regValue(s), made once per long text held in the same
// bytes, as literal does.
func (p *planner) regValue(s string) string { return p.regValues.Get(s, regValue) }

// textPerChange is the bytes of distinct Registry row text (key, name,
// value, component) the pass may add per change MaxChanges allows:
// 25.6 MB at the default 100,000. Real packages are far below it: the
// rows the pass adds average 63 bytes in the corpus (2,444 bytes in the
// largest), and the largest Registry table there holds 265 KB in all.
// The bound is what a hostile package can make the pass generate (each
// of hundreds of classes given one key holding a pooled 60 KB Context),
// which a rewrite then holds two or three times over (the plan, the
// string pool, the file written and read back): at 512 bytes a change,
// 51.2 MB of text took 220-255 MiB of peak RSS.
const textPerChange = 256

// maxText is the bound on the bytes of distinct Registry row text a plan
// of at most maxChanges changes may add: textPerChange a change, but no
// more than at edit.DefaultMaxChanges (25.6 MB). The text is what the
// rewrite holds several times over, so a raised MaxChanges does not
// raise it: with MaxChanges at 2^31-1, 36,000 classes each given one key
// holding a pooled 60 KB Context (msi-shared-long-descriptor-texts.msi
// of the scaled fixtures, 4.4 MB) asked for 2.2 GB of keys, and msikit
// rewrite passed 2 GB of memory.
func maxText(maxChanges int) int64 {
	return int64(min(maxChanges, edit.DefaultMaxChanges)) * textPerChange
}

// newText returns the bytes text adds to the rows planned: its length,
// but 0 for a long text (textmemo.Min bytes or more) held in the same
// bytes as one counted before, which the rows share (a pooled component
// name, a value made once by withArgs), as the package's string pool
// stores it once.
func (p *planner) newText(text string) int64 {
	k, long := textmemo.KeyOf(text)
	if long {
		if p.counted[k] {
			return 0
		}
		if p.counted == nil {
			p.counted = map[textmemo.Key]bool{}
		}
		p.counted[k] = true
	}
	return int64(len(text))
}

// withArgs returns command, then a space and args when there are any:
// once per command and long args (textmemo.Min bytes or more), so that
// the rows of thousands of verbs or classes naming one pooled 60 KB
// Argument and one file hold one value, not a copy each.
func (p *planner) withArgs(command, args string) string {
	if args == "" {
		return command
	}
	if len(args) < textmemo.Min {
		// The last value made again for the same texts: the verbs of
		// one extension (200,000 in a hostile package) mostly give one
		// file's command the same arguments.
		if command != p.lastCommand || args != p.lastArgs {
			p.lastCommand, p.lastArgs, p.lastWithArgs = command, args, command+" "+args
		}
		return p.lastWithArgs
	}
	k := [2]int32{p.argTexts.ID(command), p.argTexts.ID(args)}
	if v, ok := p.withArgsOf[k]; ok {
		return v
	}
	v := command + " " + args
	if p.withArgsOf == nil {
		p.withArgsOf = map[[2]int32]string{}
	}
	p.withArgsOf[k] = v
	return v
}

func valueName(name string) string {
	if name == "" {
		return " (default)"
	}
	return " [" + name + "]"
}

func (p *planner) remove(nd node, reason string) {
	if p.plan.over == "" && p.plan.adds.len()+len(p.plan.Remove) >= p.maxChanges {
		p.plan.over = clip.Sprintf("more than %d row changes", p.maxChanges)
	}
	if p.plan.over != "" {
		return
	}
	p.plan.Remove = append(p.plan.Remove, Removal{Table: nd.kind.table(), Index: nd.idx, Ref: p.ref(nd), Reason: reason})
}

// dropped notes a part of a converted row that is not written.
func (p *planner) dropped(nd node, what string, why string) {
	p.note(edit.Warning, nd.kind.table(), p.ref(nd).Key, "dropped %s: %s", what, why)
}

func (p *planner) generate() {
	in := p.in
	// Every converted Class, ProgId, Extension, Verb and MIME row is
	// removed: when they alone pass MaxChanges the plan is over before
	// any Registry row is made, so no planning work (and memory) grows
	// past the bound.
	removals := 0
	for k, n := range []int{len(in.Classes), len(in.ProgIDs), 0, len(in.Extensions), len(in.Verbs), len(in.MIMEs)} {
		if p.stop.Tick() {
			return
		}
		for i := 0; i < n; i++ {
			if p.stop.Tick() {
				return
			}
			if p.converted(node{kind(k), i}) {
				removals++
			}
		}
	}
	if removals > p.maxChanges {
		p.plan.over = clip.Sprintf("more than %d row changes", p.maxChanges)
		return
	}
	// Each converted row is removed once: the removals are allocated
	// once, not in the copies of a slice grown by append (200,000 verbs
	// of one extension held 39 MB of removals at the peak of the plan,
	// 13 MB of them live).
	p.plan.Remove = slices.Grow(p.plan.Remove, removals)
	// each runs emit on every converted row of one kind, in table order,
	// until planning stops at MaxChanges.
	each := func(k kind, n int, emit func(i int)) bool {
		for i := 0; i < n; i++ {
			if p.stop.Tick() {
				return false
			}
			if p.plan.over != "" {
				return false
			}
			if p.converted(node{k, i}) {
				emit(i)
			}
		}
		return p.plan.over == ""
	}
	_ = each(kindClass, len(in.Classes), p.convertClass) &&
		each(kindProgID, len(in.ProgIDs), p.emitProgID) &&
		each(kindAppID, len(in.AppIDs), p.emitAppID) &&
		each(kindExtension, len(in.Extensions), p.convertExtension) &&
		p.removeVerbs() &&
		each(kindMIME, len(in.MIMEs), p.emitMIME)
}

// convertClass converts Class row i (or drops it when its context
// clashes with another component's).
func (p *planner) convertClass(i int) {
	nd := node{kindClass, i}
	if p.classes[i].clash != "" {
		p.dropped(nd, "the whole class row", p.classes[i].clash)
		p.remove(nd, "dropped (conflicting context)")
		return
	}
	p.emitClass(i)
	p.remove(nd, "converted to Registry rows")
}

// convertExtension converts Extension row i with its verbs' keys.
func (p *planner) convertExtension(i int) {
	p.emitExtension(i)
	p.remove(node{kindExtension, i}, "converted to Registry rows")
}

// removeVerbs removes the converted verbs (emitExtension wrote their
// keys). It does not stop at MaxChanges, as before.
func (p *planner) removeVerbs() bool {
	for i := range p.in.Verbs {
		if nd := (node{kindVerb, i}); p.converted(nd) {
			p.remove(nd, "converted to Registry rows")
		}
	}
	return true
}

// progExtComps returns the components (owners) of the registered
// extensions with verbs that name progID, each once, in table order. They
// are found once per ProgId text: ProgIds that differ only in case (a
// hostile package can hold 2^n of a name of n letters) share the
// extensions of their lower-case form, and walking those for each of
// them was quadratic. A component's name may be one long pooled text,
// so the set of those seen is a textmemo index.
func (p *planner) progExtComps(progID string) []string {
	k := p.lower(progID)
	exts := p.extByProg.Get(k)
	if len(exts) == 0 {
		return nil
	}
	// Remembered only for a ProgId of several extensions: a chain of
	// 60,000 ProgIds of one extension each would hold an entry each.
	remember := len(exts) > 8
	if remember {
		if comps, ok := p.extCompsByProg.Lookup(k); ok {
			return comps
		}
	}
	var comps []string
	var seen textmemo.Index[bool]
	for _, e := range exts {
		if p.stop.Tick() {
			break
		}
		if x := p.in.Extensions[e]; p.exts[e].dead == "" && p.extHasVerbs(e) && p.converted(node{kindExtension, e}) {
			if c := p.owner(x.Component, x.Feature); !seen.Has(c) {
				seen.Set(c, true)
				comps = append(comps, c)
			}
		}
	}
	if remember {
		p.extCompsByProg.Set(k, comps)
	}
	return comps
}

// emitProgID writes the keys of ProgId row i (or drops a cyclic one).
func (p *planner) emitProgID(i int) {
	in := p.in
	r := in.ProgIDs[i]
	nd := node{kindProgID, i}
	if p.progs[i].cyclic {
		p.dropped(nd, "the ProgId", "its ProgId_Parent chain is a cycle")
		p.remove(nd, "dropped (ProgId_Parent cycle)")
		return
	}
	comp, feat, via := p.progFollows(i)
	// msiexec registers a ProgId while its class server or an extension
	// server with verbs naming it is installed (RegisterProgIdInfo; Wine
	// the same): the keys go in the component it follows and in each
	// such extension's, so that either one installed writes them. (A
	// ProgId the extensions alone reach already follows the first.)
	comps := []string{p.owner(comp, feat)}
	if p.progs[i].viaBy == viaClass {
		for _, c := range p.progExtComps(r.ProgID) {
			if c != comps[0] {
				comps = append(comps, c)
			}
		}
	}
	why := "ProgId " + clip.String(r.ProgID)
	key := p.literal(r.ProgID)
	// The values, made once for all the components.
	var desc, class, curVer string
	if r.Description != "" {
		desc = p.regValue(p.literal(r.Description))
	}
	if clsid, _ := p.progClass(i); clsid != "" {
		class = p.regValue(p.literal(clsid))
	}
	ic := p.iconPath(r.Icon, r.IconIndex)
	if p.progs[i].parent >= 0 {
		if root := p.progRoot(i); root >= 0 && root != i {
			curVer = p.regValue(p.literal(in.ProgIDs[root].ProgID))
		}
	}
	for j, comp := range comps {
		if p.plan.over != "" || p.stop.Tick() {
			break
		}
		if desc != "" {
			p.emit(key, "", desc, comp, why)
		}
		if class != "" {
			p.emit(key+`\CLSID`, "", class, comp, why)
		}
		if ic.value != "" {
			p.emit(key+`\DefaultIcon`, "", ic.value, comp, why)
		} else if ic.problem != "" && j == 0 {
			p.dropped(nd, "DefaultIcon", ic.problem)
		}
		if curVer != "" {
			p.emit(key+`\CurVer`, "", curVer, comp, why)
		}
	}
	p.remove(nd, p.progReason(i, via))
}

// A progVia names the row a ProgId follows (progFacts.viaBy and via).
type progVia struct {
	by  uint8
	row int32
}

// progReason returns the reason of removing ProgId i, which follows
// via (progFollows), made once for the ProgIds that follow one row.
func (p *planner) progReason(i int, via string) string {
	k := progVia{p.progs[i].viaBy, p.progs[i].via}
	if r, ok := p.progReasons[k]; ok {
		return r
	}
	if p.progReasons == nil {
		p.progReasons = map[progVia]string{}
	}
	r := "converted to Registry rows (" + via + ")"
	p.progReasons[k] = r
	return r
}

// emitAppID writes the keys of AppId row i: once per component of the
// converted classes using it.
func (p *planner) emitAppID(i int) {
	in := p.in
	a := in.AppIDs[i]
	nd := node{kindAppID, i}
	desc := ""
	descFrom, descComp := "", ""
	var comps []string
	// The components seen: a textmemo index, as the classes can all name
	// one long component in two pool entries (a map hashed it per class).
	var seen textmemo.Index[bool]
	for _, ci := range p.classByApp.Get(p.lower(a.AppID)) {
		if p.stop.Tick() {
			return
		}
		c := in.Classes[ci]
		if !p.converted(node{kindClass, ci}) || p.classes[ci].clash != "" {
			continue
		}
		// msiexec writes the AppID key once per class using it, with
		// that class's Description: the last class wins.
		comp := p.owner(c.Component, c.Feature)
		if c.Description != "" {
			if desc != "" && desc != c.Description {
				if comp != descComp {
					// In two components, which are installed apart: no
					// Registry rows follow msiexec in every feature state.
					p.note(edit.Warning, tblAppID, a.ref.Key, "classes %s (component %s) and %s (component %s) give different descriptions; AppID default = %q in both components (the last, as msiexec leaves it when both are installed; with only %s's feature installed msiexec leaves %q)", descFrom, descComp, c.CLSID, comp, c.Description, descComp, desc)
				} else {
					p.note(edit.Warning, tblAppID, a.ref.Key, "classes %s and %s give different descriptions; AppID default = %q (the last, as msiexec leaves it)", descFrom, c.CLSID, c.Description)
				}
			}
			desc, descFrom, descComp = c.Description, c.CLSID, comp
		}
		if !seen.Has(comp) {
			seen.Set(comp, true)
			comps = append(comps, comp)
		}
	}
	key := `AppID\` + p.literal(a.AppID)
	why := "AppId " + clip.String(a.AppID)
	for _, comp := range comps {
		if p.stop.Tick() {
			return
		}
		if desc != "" {
			p.emit(key, "", p.regValue(p.literal(desc)), comp, why)
		}
		if a.RemoteServerName != "" {
			p.emit(key, "RemoteServerName", p.regValue(a.RemoteServerName), comp, why) // Formatted column
		}
		if a.LocalService != "" {
			p.emit(key, "LocalService", p.regValue(p.literal(a.LocalService)), comp, why)
		}
		if a.ServiceParameters != "" {
			p.emit(key, "ServiceParameters", p.regValue(p.literal(a.ServiceParameters)), comp, why)
		}
		if a.DllSurrogate != "" {
			p.emit(key, "DllSurrogate", p.regValue(p.literal(a.DllSurrogate)), comp, why)
		}
		if a.ActivateAtStorage.Valid && a.ActivateAtStorage.V != 0 {
			p.emit(key, "ActivateAtStorage", "Y", comp, why)
		}
		if a.RunAsInteractiveUser.Valid && a.RunAsInteractiveUser.V != 0 {
			p.emit(key, "RunAs", "Interactive User", comp, why)
		}
	}
	if len(comps) > 0 {
		p.remove(nd, "converted to Registry rows")
	}
}

// emitMIME writes the keys of MIME row i.
func (p *planner) emitMIME(i int) {
	in := p.in
	m := in.MIMEs[i]
	e := in.Extensions[p.mimes[i].ext]
	// msiexec registers a MIME type when its class server or its
	// extension server is installed (RegisterMIMEInfo; Wine checks
	// both), and removes it when neither is: the keys go in the
	// extension's component and in the class's, each while registered,
	// so that either one installed writes them. owner is asked only
	// about registered rows: it may make a registry-only component,
	// which a dead extension's component (one that does not exist, say)
	// must not get.
	// The class's is its CLSID's first registered row, found through
	// liveClass: walking the CLSID's rows for each MIME type took 3.7 s
	// for 32,000 of them naming one CLSID of 32,000 unregistered rows.
	var comps [2]string
	n := 0
	if p.exts[p.mimes[i].ext].dead == "" {
		comps[n] = p.owner(e.Component, e.Feature)
		n++
	}
	if ci, ok := p.liveClass.Lookup(p.lower(m.CLSID)); ok && m.CLSID != "" && p.converted(node{kindClass, ci}) {
		if c := p.owner(in.Classes[ci].Component, in.Classes[ci].Feature); n == 0 || c != comps[0] {
			comps[n] = c
			n++
		}
	}
	key := `MIME\Database\Content Type\` + p.literal(m.ContentType)
	why := "MIME " + clip.String(m.ContentType)
	for _, comp := range comps[:n] {
		p.emit(key, "Extension", p.regValue(p.literal("."+strings.TrimPrefix(e.Extension, "."))), comp, why)
		if m.CLSID != "" {
			p.emit(key, "CLSID", p.regValue(p.literal(m.CLSID)), comp, why)
		}
	}
	p.remove(node{kindMIME, i}, "converted to Registry rows")
}

func (p *planner) emitClass(i int) {
	in := p.in
	c := in.Classes[i]
	nd := node{kindClass, i}
	comp := p.owner(c.Component, c.Feature)
	why := "Class " + clip.String(c.CLSID) + " " + clip.String(c.Context)
	key := `CLSID\` + p.literal(c.CLSID)
	if c.Description != "" {
		p.emit(key, "", p.regValue(p.literal(c.Description)), comp, why)
	}
	// The server: the key file's path, or its name alone with the
	// relative-path attribute; quoted for local servers (an executable
	// path with spaces); then the formatted Argument.
	f, _ := p.keyFile(c.Component)
	server := "[#" + f.File + "]"
	if c.Attributes.Valid && c.Attributes.V&classRelativePath != 0 {
		server = p.literal(longName(f.FileName))
	}
	if strings.EqualFold(c.Context, "LocalServer") || strings.EqualFold(c.Context, "LocalServer32") {
		server = `"` + server + `"`
	}
	server = p.withArgs(server, c.Argument)
	p.emit(key+`\`+p.literal(c.Context), "", p.regValue(server), comp, why)
	if c.ProgIDDefault != "" {
		prog := c.ProgIDDefault
		if j, ok := p.progBy.Lookup(p.lower(prog)); ok {
			prog = in.ProgIDs[j].ProgID
			if vi := p.versionIndependent(j); vi >= 0 {
				p.emit(key+`\VersionIndependentProgID`, "", p.regValue(p.literal(in.ProgIDs[vi].ProgID)), comp, why)
			}
		}
		p.emit(key+`\ProgID`, "", p.regValue(p.literal(prog)), comp, why)
	}
	if c.AppID != "" {
		if j, ok := p.appBy.Lookup(p.lower(c.AppID)); ok {
			p.emit(key, "AppID", p.regValue(p.literal(in.AppIDs[j].AppID)), comp, why)
		}
	}
	if ic := p.classes[i].icon; ic.value != "" {
		p.emit(key+`\DefaultIcon`, "", ic.value, comp, why)
	} else if ic.problem != "" {
		p.dropped(nd, "DefaultIcon", ic.problem)
	}
	if h := c.DefInprocHandler; h != "" {
		switch h {
		case "1":
			p.emit(key+`\InprocHandler`, "", "ole2.dll", comp, why)
		case "2":
			p.emit(key+`\InprocHandler32`, "", "ole32.dll", comp, why)
		case "3":
			p.emit(key+`\InprocHandler`, "", "ole2.dll", comp, why)
			p.emit(key+`\InprocHandler32`, "", "ole32.dll", comp, why)
		default:
			p.emit(key+`\InprocHandler32`, "", p.regValue(p.literal(longName(h))), comp, why)
		}
	}
	if n := p.fileTypes(c.FileTypeMask); n > maxFileTypes {
		p.dropped(nd, "the FileType values", fileTypesProblem(n))
	} else if n > 0 {
		rest := c.FileTypeMask
		for i := 0; i < n; i++ {
			if p.stop.Tick() {
				return
			}
			mask, tail, _ := strings.Cut(rest, ";")
			rest = tail
			p.emit(`FileType\`+p.literal(c.CLSID)+`\`+strconv.Itoa(i), "", p.regValue(p.literal(mask)), comp, why)
		}
	}
}

// fileTypes is the package-level fileTypes, computed once per long mask
// (textmemo): a hostile package can give thousands of classes one pooled
// 64 KiB mask, which is then scanned once, not once per row.
func (p *planner) fileTypes(mask string) int { return p.fileTypeCount.Get(mask, fileTypes) }

// fileTypes counts the patterns msiexec registers from a FileTypeMask:
// those before the first empty one.
func fileTypes(mask string) int {
	n := 0
	for mask != "" {
		pat, rest, found := strings.Cut(mask, ";")
		if pat == "" {
			break // msiexec stops at an empty pattern
		}
		n++
		if !found {
			break
		}
		mask = rest
	}
	return n
}

func fileTypesProblem(n int) string {
	return clip.Sprintf("FileTypeMask has %d patterns; the pass writes at most %d FileType values for one class (as many as the standard 255-character column holds)", n, maxFileTypes)
}

// versionIndependent returns the ProgId whose chain ends at root j (the
// version-independent ProgId of a class's default ProgId), or -1. With
// several candidates the last in table order is taken, as msiexec loads
// them in order and the last one wins; that is reported.
func (p *planner) versionIndependent(j int) int {
	below := p.viOf[j]
	if len(below) == 0 {
		return -1
	}
	vi := below[len(below)-1]
	if len(below) > 1 {
		var names []string
		for n, i := range below {
			if n == 8 {
				names = append(names, clip.Sprintf("and %d more", len(below)-n))
				break
			}
			names = append(names, p.in.ProgIDs[i].ProgID)
		}
		p.note(edit.Warning, tblProgID, p.in.ProgIDs[j].ref.Key, "several ProgIds descend from %s (%s); VersionIndependentProgID = %s (the last)", p.in.ProgIDs[j].ProgID, strings.Join(names, ", "), p.in.ProgIDs[vi].ProgID)
	}
	return vi
}

func (p *planner) emitExtension(i int) {
	in := p.in
	e := in.Extensions[i]
	comp := p.owner(e.Component, e.Feature)
	ext := strings.TrimPrefix(e.Extension, ".")
	why := "Extension ." + clip.String(ext)
	key := "." + p.literal(ext)
	wrote := false
	if e.MIME != "" {
		if j, ok := p.mimeBy.Lookup(p.lower(e.MIME)); ok {
			p.emit(key, "Content Type", p.regValue(p.literal(in.MIMEs[j].ContentType)), comp, why)
			wrote = true
		}
	}
	if e.ProgID == "" {
		if !wrote {
			// msiexec creates the bare key; "*" creates it on install and
			// removes it on uninstall, as UnregisterExtensionInfo does.
			p.emit(key, "*", "", comp, why)
		}
		return
	}
	prog := e.ProgID
	if j, ok := p.progBy.Lookup(p.lower(prog)); ok {
		prog = in.ProgIDs[j].ProgID
	}
	pkey := p.literal(prog)
	p.emit(key, "", p.regValue(pkey), comp, why)
	if i != firstOf(p.extBy.Get(p.lower(ext))) {
		return // verbs belong to the first row of the extension
	}
	f, fwhy := p.keyFile(e.Component)
	best := OptInt{}
	bestVerb := ""
	for _, vi := range p.verbsByExt[i] {
		if p.stop.Tick() {
			return
		}
		v := in.Verbs[vi]
		vnd := node{kindVerb, vi}
		vwhy := why + " verb " + clip.String(v.Verb)
		if f == nil {
			p.dropped(vnd, "the verb", fwhy)
			continue
		}
		vkey := pkey + `\shell\` + p.literal(v.Verb)
		cmd := p.withArgs(`"[#`+f.File+`]"`, v.Argument)
		p.emit(vkey+`\command`, "", p.regValue(cmd), comp, vwhy)
		if v.Command != "" {
			p.emit(vkey, "", p.regValue(v.Command), comp, vwhy)
		}
		if v.Sequence.Valid && (!best.Valid || v.Sequence.V < best.V) {
			best, bestVerb = v.Sequence, v.Verb
		}
	}
	if best.Valid {
		p.emit(pkey+`\shell`, "", p.regValue(p.literal(bestVerb)), comp, why+" default verb")
	}
}

func firstOf(s []int) int {
	if len(s) == 0 {
		return -1
	}
	return s[0]
}
