package classreg

import (
	"crypto/sha256"
	"hash/maphash"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/transform/internal/edit"
)

func (p *planner) index() {
	in := p.in
	for i := range in.Components {
		if p.stop.Tick() {
			return
		}
		c := &in.Components[i]
		if _, dup := p.comps.Lookup(c.Component); !dup {
			p.comps.Set(c.Component, c)
		}
	}
	for i := range in.Files {
		if p.stop.Tick() {
			return
		}
		f := &in.Files[i]
		if _, dup := p.files.Lookup(f.File); !dup {
			p.files.Set(f.File, f)
		}
	}
	for _, f := range in.Features {
		if p.stop.Tick() {
			return
		}
		p.features.Set(f, true)
	}
	for _, ic := range in.Icons {
		if p.stop.Tick() {
			return
		}
		p.icons.Set(ic, true)
	}
	p.compFeats = in.featureComponents
	if p.compFeats == nil {
		p.compFeats = edit.NewPairs(len(in.FeatureComponents))
		for _, fc := range in.FeatureComponents {
			if p.stop.Tick() {
				return
			}
			p.compFeats.Add(fc.Feature, fc.Component)
		}
	}
	for i, c := range in.Classes {
		if p.stop.Tick() {
			return
		}
		k := p.lower(c.CLSID)
		p.classesBy.Set(k, append(p.classesBy.Get(k), i))
	}
	for i, r := range in.ProgIDs {
		if p.stop.Tick() {
			return
		}
		if _, dup := p.progBy.Lookup(p.lower(r.ProgID)); !dup {
			p.progBy.Set(p.lower(r.ProgID), i)
		}
	}
	for i, r := range in.AppIDs {
		if p.stop.Tick() {
			return
		}
		if _, dup := p.appBy.Lookup(p.lower(r.AppID)); !dup {
			p.appBy.Set(p.lower(r.AppID), i)
		}
	}
	for i, r := range in.Extensions {
		if p.stop.Tick() {
			return
		}
		k := p.lower(strings.TrimPrefix(r.Extension, "."))
		p.extBy.Set(k, append(p.extBy.Get(k), i))
	}
	for i, c := range in.Classes {
		if p.stop.Tick() {
			return
		}
		if c.ProgIDDefault != "" {
			k := p.lower(c.ProgIDDefault)
			p.classByProg.Set(k, append(p.classByProg.Get(k), i))
		}
		if c.AppID != "" {
			k := p.lower(c.AppID)
			p.classByApp.Set(k, append(p.classByApp.Get(k), i))
		}
	}
	for i, e := range in.Extensions {
		if p.stop.Tick() {
			return
		}
		if e.ProgID != "" {
			k := p.lower(e.ProgID)
			p.extByProg.Set(k, append(p.extByProg.Get(k), i))
		}
	}
	for i, r := range in.MIMEs {
		if p.stop.Tick() {
			return
		}
		if _, dup := p.mimeBy.Lookup(p.lower(r.ContentType)); !dup {
			p.mimeBy.Set(p.lower(r.ContentType), i)
		}
	}
	p.existing = map[regSlot]RegistryRow{}
	// An index: the Registry rows' keys may be one long pooled text,
	// which a map hashes for each row (325,000 rows of a 480 KiB key:
	// 6.7 s of class-to-registry).
	p.usedIDs = &textmemo.Index[bool]{}
	p.usedDigests = map[[16]byte]struct{}{}
	p.plan.adds.idWidth = p.in.RegistryWidth
	if p.plan.adds.idWidth <= 0 {
		p.plan.adds.idWidth = 72
	}
	for _, r := range in.Registry {
		if p.stop.Tick() {
			return
		}
		p.useID(r.ID)
		key, ok := hkcrKey(r)
		if !ok {
			continue
		}
		slot := p.slot(key, r.Name)
		if _, dup := p.existing[slot]; !dup {
			p.existing[slot] = r
		}
	}
	p.added = map[regSlot]int32{}
	p.addedSlots = map[compSlot]bool{}
	p.owners = map[[2]int32]string{}
	p.compTaken = map[string]bool{}
	for _, c := range in.Components {
		if p.stop.Tick() {
			return
		}
		// FitIdent asks only about names of at most the column's width
		// (72 or less): a longer name, which may be a long text repeated
		// in every row, is never asked about.
		if len(c.Component) < textmemo.Min {
			p.compTaken[p.lower(c.Component)] = true
		}
	}
	for c := range in.ComponentRefs {
		if p.stop.Tick() {
			return
		}
		p.compTaken[p.lower(c)] = true
	}
	p.bitnessSeen = map[string]bool{}
}

// A regSlot is a registry value of HKEY_CLASSES_ROOT: the numbers
// (planner.slotTexts) of its key and value name, in lower case.
type regSlot struct{ key, name int32 }

// A compSlot is a regSlot written by a component (the number of its
// name).
type compSlot struct {
	regSlot
	comp int32
}

// slot returns the regSlot of the value name of key.
func (p *planner) slot(key, name string) regSlot {
	return regSlot{p.foldedID(key), p.foldedID(name)}
}

// foldedID returns the number of strings.ToLower(s) among the texts of
// slots: equal numbers for equal lower-case texts. A short one is
// numbered by slotTexts (an ASCII one without a lower-case copy). A long one (textmemo.Min bytes or more, once
// folded) is numbered by its SHA-256 digest (slotDigests, numbers from -2
// down), computed once per text held in the same bytes (folded): a
// generated key that holds a long pooled text (CLSID\{…}\ and a 60 KB
// Context, one per class) is then hashed, not copied in lower case and
// kept as long as the plan.
func (p *planner) foldedID(s string) int32 {
	if len(s) < textmemo.Min {
		if isASCII(s) {
			return p.slotTexts.id(s)
		}
		if low := strings.ToLower(s); len(low) < textmemo.Min {
			return p.slotTexts.id(low)
		}
	}
	return p.folded.Get(s, p.foldedLongID)
}

func (p *planner) foldedLongID(s string) int32 {
	if !isASCII(s) {
		// Folding may change the length: decide by the folded text's.
		if low := strings.ToLower(s); len(low) < textmemo.Min {
			return p.slotTexts.id(low)
		}
	}
	d := foldedDigest(s)
	id, ok := p.slotDigests[d]
	if !ok {
		if p.slotDigests == nil {
			p.slotDigests = map[[sha256.Size]byte]int32{}
		}
		id = -2 - int32(len(p.slotDigests))
		p.slotDigests[d] = id
	}
	return id
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// hkcrKey returns the HKEY_CLASSES_ROOT-relative key an existing Registry
// row writes, if it writes one: Root 0, or a Software\Classes key under
// HKLM (2) or the per-user/per-machine root (-1).
func hkcrKey(r RegistryRow) (string, bool) {
	switch r.Root {
	case 0:
		return r.Key, true
	case -1, 2:
		const pre = `software\classes\`
		if len(r.Key) > len(pre) && strings.ToLower(r.Key[:len(pre)]) == pre {
			return r.Key[len(pre):], true
		}
	}
	return "", false
}

func (p *planner) problem(n node, format string, args ...any) {
	p.problems = append(p.problems, nodeProblem{n, p.reason(format, args)})
}

// keyFile returns the File key of a component's key path when it is a
// file, or a reason why not.
func (p *planner) keyFile(component string) (*FileRow, string) {
	c := p.comps.Get(component)
	if c == nil {
		return nil, clip.Sprintf("component %s is not in the Component table", component)
	}
	switch {
	case c.Attributes&compRegistryKeyPath != 0:
		return nil, clip.Sprintf("component %s has a registry key path, not a key file", component)
	case c.Attributes&compODBCKeyPath != 0:
		return nil, clip.Sprintf("component %s has an ODBC data source key path, not a key file", component)
	case c.KeyPath == "":
		return nil, clip.Sprintf("component %s has no key file (its key path is its folder)", component)
	}
	f := p.files.Get(c.KeyPath)
	if f == nil {
		return nil, clip.Sprintf("component %s's key path %s is not in the File table", component, c.KeyPath)
	}
	return f, ""
}

// iconPath expresses a DefaultIcon from the Icon table.
func (p *planner) iconPath(icon string, index OptInt) iconRef {
	if icon == "" {
		return iconRef{}
	}
	if p.opts.NoIconCache {
		return iconRef{problem: clip.Sprintf("icon %s exists only in the Icon table (icon cache paths disabled)", icon)}
	}
	if strings.TrimSpace(p.in.AllUsers) != "1" {
		return iconRef{problem: clip.Sprintf("icon %s exists only in the Icon table and the package is not per-machine (ALLUSERS=%q), so the folder PublishProduct caches it in is only known at install time", icon, p.in.AllUsers)}
	}
	v := `[WindowsFolder]Installer\[ProductCode]\` + fmtLiteral(icon)
	if index.Valid {
		v += "," + strconv.Itoa(int(index.V))
	}
	return iconRef{value: v}
}

// foldIDs numbers short texts (shorter than textmemo.Min) by their
// lower-case form, as a textmemo.IDs of strings.ToLower's results
// would, without a lower-case copy of an ASCII text: it keeps the first
// text of each form as it came (a key the plan's row holds anyway) and
// compares the others to it ignoring ASCII case. A non-ASCII text is
// given to id already in lower case (strings.ToLower), and kept so. The
// copies and the map of them were 35 MB of the 160 MB the planner held
// for 400,000 rows (200,000 verbs of one extension). The zero foldIDs
// is empty.
type foldIDs struct {
	texts []string // by number
	// slots is an open-addressing table: the hash's upper 32 bits and
	// the number + 1 of a text, 0 when empty.
	slots []uint64
	seed  maphash.Seed
}

// id returns the number of s (shorter than textmemo.Min; a non-ASCII
// text in lower case), giving it the next number when its form is new.
func (t *foldIDs) id(s string) int32 {
	var buf [textmemo.Min]byte
	low := buf[:len(s)]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	if t.slots == nil {
		t.seed = maphash.MakeSeed()
		t.slots = make([]uint64, 64)
	}
	tag := maphash.Bytes(t.seed, low) &^ (1<<32 - 1)
	mask := uint64(len(t.slots) - 1)
	for i := tag >> 32 & mask; ; i = (i + 1) & mask {
		e := t.slots[i]
		if e == 0 {
			break
		}
		if e&^(1<<32-1) == tag {
			if n := int32(e&(1<<32-1)) - 1; foldEqual(t.texts[n], low) {
				return n
			}
		}
	}
	n := int32(len(t.texts))
	t.texts = append(t.texts, s)
	if 4*len(t.texts) > 3*len(t.slots) {
		old := t.slots
		t.slots = make([]uint64, 2*len(old))
		for _, e := range old {
			if e != 0 {
				t.put(e)
			}
		}
	}
	t.put(tag | uint64(n+1))
	return n
}

// put files entry e (hash tag and number + 1) in the table, which has
// room for it.
func (t *foldIDs) put(e uint64) {
	mask := uint64(len(t.slots) - 1)
	i := e >> 32 & mask
	for t.slots[i] != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = e
}

// foldEqual reports whether a equals low (ASCII in lower case) once a
// is, ASCII letters folded.
func foldEqual(a string, low []byte) bool {
	if len(a) != len(low) {
		return false
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != low[i] {
			return false
		}
	}
	return true
}
