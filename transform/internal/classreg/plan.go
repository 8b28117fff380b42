package classreg

import (
	"crypto/sha256"
	"strings"
	"unsafe"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/transform/internal/edit"
)

// This file is the ClassToRegistry mapping: from plain rows of the Class,
// ProgId, AppId, Extension, Verb and MIME tables to the Registry rows that
// write the same keys and values, without a database. The rules follow what
// msiexec writes (checked against Wine's implementation and WiX's compiler,
// see the package documentation of ClassToRegistry for the decisions).

// Table names of the source tables.
const (
	tblClass     = "Class"
	tblProgID    = "ProgId"
	tblAppID     = "AppId"
	tblExtension = "Extension"
	tblVerb      = "Verb"
	tblMIME      = "MIME"
	tblTypeLib   = "TypeLib"
	tblRegistry  = "Registry"
)

// Component attribute bits.
const (
	compRegistryKeyPath = 0x0004
	compODBCKeyPath     = 0x0020
	comp64              = 0x0100
)

// classRelativePath is msidbClassAttributesRelativePath.
const classRelativePath = 1

// Addition is a Registry row to insert.
type Addition struct {
	Row    RegistryRow
	Reason string
}

// Removal is a source row to delete.
type Removal struct {
	Table  string
	Index  int // index into the input slice of that table
	Ref    RowRef
	Reason string
}

// Action is a standard action to add to a sequence table
// (InstallExecuteSequence, or ModuleInstallExecuteSequence for merge
// modules).
type Action struct {
	Action   string
	Sequence int32
	Table    string
}

// The sequence tables the pass adds actions to.
const (
	seqInstall = "InstallExecuteSequence"
	seqModule  = "ModuleInstallExecuteSequence"
)

// Plan is what ClassToRegistry will do.
type Plan struct {
	// Add are the plan's Registry rows as makePlan returns it; planning
	// keeps them in adds (applyPlan takes them from there).
	Add        []Addition
	adds       additions
	Remove     []Removal
	Actions    []Action
	Components []NewComponent
	// Notes are the plan's notes as makePlan returns it; planning keeps
	// them in notes (Run moves them to the report's Planned notes).
	Notes []edit.Note
	notes edit.NoteChunks
	// over says which bound of MaxChanges the plan passed ("" if none);
	// planning stops there.
	over string
}

// NewComponent is a registry-only component the pass adds so that
// registration tied to a feature is installed and removed with that
// feature alone: its Registry rows, a FeatureComponents row for Feature,
// and the original component's directory, condition and 64-bit bit. In
// a merge module (Module set) it gets a ModuleComponents row instead,
// and the merge tool puts it in the features the module is merged into.
type NewComponent struct {
	Component   string // new key
	ComponentID string // GUID, derived from package data
	From        string // the component the registration names
	Feature     string
	// Module and ModuleLanguage are the ModuleID and Language of the
	// merge module's ModuleSignature row; "" in an installer.
	Module, ModuleLanguage string
	Directory              string
	Attributes             int32 // registry key path, plus From's 64-bit and transitive bits
	Condition              string
	KeyPath                string // one of its own Registry rows
	Reason                 string
}

// maxFileTypes is the most FileType values the pass writes for one
// class: as many patterns as the standard 255-character FileTypeMask
// column can hold. A class with more keeps its advertised form.
const maxFileTypes = 128

// node kinds of the registration graph.
type kind int

const (
	kindClass kind = iota
	kindProgID
	kindAppID
	kindExtension
	kindVerb
	kindMIME
)

func (k kind) table() string {
	return [...]string{tblClass, tblProgID, tblAppID, tblExtension, tblVerb, tblMIME}[k]
}

type node struct {
	kind kind
	idx  int
}

// planner holds the indexes and the state of one planning run.
type planner struct {
	in   *Input
	opts Options
	plan Plan

	lowered textmemo.Memo[string] // lower's results for long texts
	// progReasons are the reasons of removed ProgIds, by the row they
	// follow (progFollows): one string for the ProgIds of one class,
	// not one each (180,000 in a chain: 20 MB of copies).
	progReasons map[progVia]string

	comps     textmemo.Index[*ComponentRow]
	files     textmemo.Index[*FileRow]
	features  textmemo.Index[bool]
	icons     textmemo.Index[bool]
	compFeats *edit.Pairs // FeatureComponents: feature -> its components, and back

	classesBy textmemo.Index[[]int] // lower CLSID -> class rows
	progBy    textmemo.Index[int]   // lower ProgId -> first row
	appBy     textmemo.Index[int]
	extBy     textmemo.Index[[]int] // lower extension -> rows
	mimeBy    textmemo.Index[int]
	// reverse indexes, so that no step is quadratic in hostile tables
	classByProg textmemo.Index[[]int] // lower ProgId_Default -> class rows
	classByApp  textmemo.Index[[]int] // lower AppId_ -> class rows
	extByProg   textmemo.Index[[]int] // lower ProgId_ -> extension rows
	// lower ProgId -> the components of the registered extensions with
	// verbs naming it (progExtComps), made once per ProgId text
	extCompsByProg textmemo.Index[[]string]
	verbsByExt     map[int][]int       // extension row -> its verbs
	liveClass      textmemo.Index[int] // lower CLSID -> its first registered class row
	liveByProg     textmemo.Index[int] // lower ProgId_Default -> its first registered class row
	viOf           map[int][]int       // chain top -> ProgIds below it, table order

	// What the phases find out about each row, one slice per kind,
	// indexed like the Input's rows.
	classes   []classFacts
	progs     []progFacts
	apps      []appFacts
	exts      []extFacts
	verbs     []verbFacts
	mimes     []mimeFacts
	problems  []nodeProblem     // in the order found
	nodeBase  [kindMIME + 1]int // first union-find number of each kind
	nodeCount [kindMIME + 1]int
	parent    []int  // union-find
	keptGroup []bool // by union-find root
	// The maps below are keyed by the numbers of the texts they are
	// keyed by, not by the texts joined: joining and hashing them per
	// row would copy and hash a long pooled key, component or feature
	// name once per row that names it. slotTexts numbers the short
	// texts of slots (keys and value names) by their lower-case form,
	// compTexts the components and features (exact).
	slotTexts foldIDs
	compTexts textmemo.IDs
	// slotDigests numbers the long lower-case texts of slots by their
	// digests, and folded remembers the number of each long text
	// (foldedID).
	slotDigests map[[sha256.Size]byte]int32
	folded      textmemo.Memo[int32]
	// withArgsOf holds the values withArgs made with long arguments, by
	// the numbers (argTexts) of the command and the arguments.
	argTexts   textmemo.IDs
	literals   textmemo.Memo[string] // fmtLiteral's results for long texts
	regValues  textmemo.Memo[string] // regValue's results for long texts
	withArgsOf map[[2]int32]string
	existing   map[regSlot]RegistryRow // existing Root-0 row of each slot
	// The value withArgs made last with short arguments, and its texts.
	lastCommand, lastArgs, lastWithArgs string
	// added holds the first added row of each slot, by its index in
	// plan.adds: not a copy of the Addition (a map of 130,000 copies of
	// 104 bytes held 30 MB while planning the FileTypeMask fixture).
	added map[regSlot]int32
	// addedSlots holds the slots given a row of a component other than
	// that of the slot's first row (added): most slots have one.
	addedSlots map[compSlot]bool
	// The identifiers in use, the package's and the planned rows':
	// those registryID makes whole (canonicalID) by their digests, 16
	// bytes, the others by their text.
	usedDigests map[[16]byte]struct{}
	longDigests longDigests // registryDigest's digests of long fields
	usedIDs     *textmemo.Index[bool]
	bitnessSeen map[string]bool
	// owners maps a component and feature to the component that holds
	// the Registry rows of registration tied to that feature (see owner).
	owners map[[2]int32]string
	// ownerFeatures holds the sorted features of the components given
	// owners, by compTexts number (sortedFeatures).
	ownerFeatures map[int32][]string
	compTaken     map[string]bool  // lower-case Component keys in use
	fitOwner      edit.IdentFitter // names the owners in compTaken
	// product is what the new components' GUIDs quote for the package
	// (guidProduct), made once.
	product struct {
		text       string
		long, made bool
	}
	// fileTypeCount memoizes fileTypes of long FileTypeMask values.
	fileTypeCount textmemo.Memo[int]

	// texts shares the equal problems and note reasons of many rows.
	texts edit.Texts
	// clips clips each long text the reasons quote once, not once per
	// reason: 40,000 classes of one component named by a pooled 512
	// KiB text made two clipped copies of it for each of their notes.
	clips clip.Memo
	// formatted memoizes reason's texts of one string argument, by
	// format then argument (an Index: the argument may be a long cell);
	// nFormatted counts them.
	formatted  map[string]*textmemo.Index[string]
	nFormatted int

	// stop ends the planning loops early once the pass's context is
	// done (the caller then discards the partial plan); nil never does.
	stop *edit.Stop

	maxChanges int   // bound on plan.adds.len()+len(plan.Remove)
	textLeft   int64 // bytes of added row text still allowed
	// counted holds the long texts textLeft counted (newText).
	counted map[textmemo.Key]bool
}

// The facts of one row. dead is why msiexec never registers the row, ""
// when it does (the checks decide it for classes and extensions; liveness
// for the others, which are registered only through what refers to them).
type (
	classFacts struct {
		dead  string
		icon  iconRef
		clash string // duplicate CLSID/context conflict, or ""
	}
	// progFacts is small (40 bytes): a ProgId chain or cycle gives
	// each of 180,000 rows one. What can be read from the Input is not
	// copied: the CLSID and the component, feature and reason a ProgId
	// follows are those of the Class or Extension row it names, its
	// DefaultIcon is computed again when its keys are written.
	progFacts struct {
		dead   string
		parent int32 // resolved parent row, -1 none
		root   int32 // top of the chain, -1 on a cycle
		class  int32 // class row found on the chain, -1 none
		// clsidRow is the Class row whose CLSID the chain carries (the
		// CLSID found first on it), -1 none.
		clsidRow int32
		// via is the Class (viaClass) or Extension (viaExtension) row
		// whose component and feature the ProgId's keys follow.
		via    int32
		viaBy  uint8
		cyclic bool // on a ProgId_Parent cycle
	}
	appFacts  struct{ dead string }
	extFacts  struct{ dead string }
	verbFacts struct {
		dead string
		ext  int // extension row the verb belongs to, -1 none
	}
	mimeFacts struct {
		dead string
		ext  int // extension row, -1 none
	}
)

// nodeProblem is why a row's registration cannot be expressed: a pair in
// a slice, not a map entry holding a slice, since a ProgId cycle gives
// each of hundreds of thousands of rows one.
type nodeProblem struct {
	n    node
	text string
}

// What registers a ProgId (progFacts.viaBy).
const (
	viaNone = iota
	viaClass
	viaExtension
)

type iconRef struct {
	value   string // DefaultIcon value, "" when none
	problem string // why it cannot be expressed, "" when fine
}

// makePlan computes the plan for in, with its notes in Notes and its
// Registry rows in Add.
func makePlan(in *Input, opts Options) *Plan {
	plan := planFor(in, opts)
	plan.Notes = plan.notes.Take()
	plan.Add = plan.adds.take()
	return plan
}

// addChunk is the number of additions in one chunk of an additions.
const addChunk = 1024

// addition is a Registry row of the plan as planning holds it (64
// bytes): its key and value, its name, component and reason as numbers
// of texts (planTexts: the rows of one registration share them), and
// its identifier as the digest registryDigest made, with the n of the
// "_n" at its end (0 none): idText writes it when the row is added. As
// an Addition (an identifier of 35 bytes made for each row, and five
// strings), with the index of the identifiers taken, a plan of 400,000
// rows held 152 bytes a row more than this.
type addition struct {
	key, value         string
	name, comp, reason int32
	suffix             int32
	digest             [16]byte
}

// additions holds a plan's Registry rows in chunks of addChunk. A slice
// grown by append holds its old and its new array at once while it
// grows, and applied, holds every row until the last one is in the
// table: the 360,000 rows (104 bytes each) of a ProgId chain of 180,000
// rows were held whole beside their report's changes and row texts.
// Chunks grow without copying, and applyPlan lets each go once its rows
// are in the table and the report. The zero additions is empty.
type additions struct {
	chunks [][]addition
	n      int
	// texts are the names, components and reasons of the rows, and
	// idWidth the width their identifiers are cut to.
	texts   planTexts
	idWidth int
}

// len returns the number of rows held.
func (a *additions) len() int { return a.n }

// at returns row i.
func (a *additions) at(i int) *addition { return &a.chunks[i/addChunk][i%addChunk] }

// add appends x.
func (a *additions) add(x addition) {
	if len(a.chunks) == 0 || len(a.chunks[len(a.chunks)-1]) == addChunk {
		a.chunks = append(a.chunks, make([]addition, 0, addChunk))
	}
	last := &a.chunks[len(a.chunks)-1]
	*last = append(*last, x)
	a.n++
}

// each calls fn with each row in order, until fn returns false.
func (a *additions) each(fn func(*addition) bool) {
	for _, c := range a.chunks {
		for i := range c {
			if !fn(&c[i]) {
				return
			}
		}
	}
}

// drain calls fn with each row in order, and empties a, each chunk let
// go once fn has taken its rows; it stops at fn's first error.
func (a *additions) drain(fn func(*addition) error) error {
	for i := range a.chunks {
		for j := range a.chunks[i] {
			if err := fn(&a.chunks[i][j]); err != nil {
				return err
			}
		}
		a.chunks[i] = nil
	}
	a.chunks, a.n = nil, 0
	return nil
}

// id returns the identifier of row x.
func (a *additions) id(x *addition) string { return idText(&x.digest, x.suffix, a.idWidth) }

// text returns text number i of the rows (name, comp, reason).
func (a *additions) text(i int32) string { return a.texts.all[i] }

// row returns x as a RegistryRow (Root 0).
func (a *additions) row(x *addition) RegistryRow {
	return RegistryRow{ID: a.id(x), Key: x.key, Name: a.text(x.name), Value: x.value, Component: a.text(x.comp)}
}

// cell returns the IDT text of column i of row x (whose identifier is
// id), in Registry column order (registryColumns), "" for i < 0 (a
// column outside the standard schema).
func (a *additions) cell(x *addition, id string, i int) string {
	switch i {
	case 0:
		return id
	case 1:
		return "0"
	case 2:
		return x.key
	case 3:
		return a.text(x.name)
	case 4:
		return x.value
	case 5:
		return a.text(x.comp)
	}
	return ""
}

// take returns the rows held as Additions (nil when none), and empties a.
func (a *additions) take() []Addition {
	var all []Addition
	if a.n > 0 {
		all = make([]Addition, 0, a.n)
	}
	a.each(func(x *addition) bool {
		all = append(all, Addition{Row: a.row(x), Reason: a.text(x.reason)})
		return true
	})
	a.chunks, a.n = nil, 0
	return all
}

// planTexts numbers the names, components and reasons of the planned
// rows. A text is known by its address and length, through a small
// cache of those seen last, not by a map of every text: the rows of one
// registration (and the verbs of one extension) name the same few
// strings, and a text not in the cache is only numbered again. Text 0
// is "".
type planTexts struct {
	all   []string
	cache [256]struct {
		p  *byte
		n  int
		id int32
	}
}

// id returns the number of s.
func (t *planTexts) id(s string) int32 {
	if s == "" {
		return 0
	}
	if len(t.all) == 0 {
		t.all = append(t.all, "")
	}
	p := unsafe.StringData(s)
	c := &t.cache[(uintptr(unsafe.Pointer(p))>>3^uintptr(len(s))*0x9E3779B1)%uintptr(len(t.cache))]
	if c.p != p || c.n != len(s) {
		c.p, c.n, c.id = p, len(s), int32(len(t.all))
		t.all = append(t.all, s)
	}
	return c.id
}

// planFor computes the plan for in, with its notes in notes and its
// Registry rows in adds.
func planFor(in *Input, opts Options) *Plan {
	p := analyze(in, opts)
	// Each phase reads what the ones before it made: once stopped (a
	// phase cut short), none runs and the partial plan is discarded.
	for _, phase := range []func(){p.generate, p.removeCreatedKeys, p.finishComponents, p.sequence, p.typeLibs, p.advertisedRegistry} {
		if p.stop.Stopped() {
			break
		}
		phase()
	}
	// A copy, not &p.plan: the planner (the Input, every row's facts,
	// the indexes) is garbage once the plan is made, before the pass
	// edits the database.
	plan := p.plan
	return &plan
}

// analyze runs the phases that decide about each source row (index,
// checks, liveness, groups) and returns the planner before any Registry
// row is made: what Analyze reports.
func analyze(in *Input, opts Options) *planner {
	p := &planner{in: in, opts: opts, stop: opts.Stop, maxChanges: opts.MaxChanges}
	if p.maxChanges <= 0 {
		p.maxChanges = edit.DefaultMaxChanges
	}
	p.textLeft = maxText(p.maxChanges)
	p.classes = make([]classFacts, len(in.Classes))
	p.progs = make([]progFacts, len(in.ProgIDs))
	p.apps = make([]appFacts, len(in.AppIDs))
	p.exts = make([]extFacts, len(in.Extensions))
	p.verbs = make([]verbFacts, len(in.Verbs))
	p.mimes = make([]mimeFacts, len(in.MIMEs))
	for _, phase := range []func(){p.index, p.checkClasses, p.checkProgIDs, p.chains, p.checkExtensions, p.liveness, p.group} {
		if p.stop.Stopped() {
			break
		}
		phase()
	}
	return p
}

func (p *planner) note(sev edit.Severity, table string, key []string, format string, args ...any) {
	n := edit.Note{Severity: sev, Table: table, Key: key, Reason: p.reason(format, args)}
	if p.opts.NoteSink != nil {
		// Straight to the report (Run): the 650,000 notes of MIME rows
		// naming one missing extension were held here as Notes (47 MB)
		// beside the Input until the plan was made.
		p.opts.NoteSink.AddNote(n)
		return
	}
	p.plan.notes.Add(n)
}

// reason returns clip.Sprintf(format, args...), shared with the equal
// reasons of other rows (texts). A reason with no argument, or with one
// string argument it had before, is not formatted again: the notes of a
// 180,000-row ProgId cycle ("left alone: " and the same text on each
// row) would otherwise format 20 MB of text to keep one copy of it.
func (p *planner) reason(format string, args []any) string {
	if len(args) == 0 && !strings.Contains(format, "%") {
		return p.texts.Intern(format)
	}
	s, one := "", len(args) == 1
	if one {
		s, one = args[0].(string)
	}
	if !one {
		return p.texts.Intern(p.clips.Sprintf(format, args...))
	}
	byArg := p.formatted[format]
	if byArg != nil {
		if r, ok := byArg.Lookup(s); ok {
			return r
		}
	}
	r := p.texts.Intern(p.clips.Sprintf(format, args...))
	if p.formatted == nil || p.nFormatted >= maxFormatted {
		p.formatted, p.nFormatted, byArg = map[string]*textmemo.Index[string]{}, 0, nil
	}
	if byArg == nil {
		byArg = new(textmemo.Index[string])
		p.formatted[format] = byArg
	}
	byArg.Set(s, r)
	p.nFormatted++
	return r
}

// maxFormatted is how many reasons planner.formatted remembers before
// it starts afresh.
const maxFormatted = 1024

// lower returns strings.ToLower(s), computed once per long text: the
// indexes and checks fold the same cells many times, and a pooled 64 KiB
// string that thousands of rows name as their ProgId, AppId or CLSID
// would otherwise be copied each time (436 MB for 5,000 rows).
func (p *planner) lower(s string) string { return p.lowered.Get(s, strings.ToLower) }
