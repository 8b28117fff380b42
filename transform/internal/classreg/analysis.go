package classreg

import (
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform/internal/edit"
)

// An Analysis is what the pass decides about each source row before it
// plans any Registry row: which rows msiexec registers (and why not the
// others) and what each registered row leads to. transform.Audit reads it,
// so that the audit and the pass share one analysis. Row numbers index
// the Input's slices (Classes, ProgIDs, ...); the slices the methods
// return belong to the analysis and must not be modified.
type Analysis struct {
	Input *Input
	p     *planner
}

// Analyze reads db's registration tables and runs the pass's checks and
// liveness analysis with the default options, without planning rows.
// Once stop says to stop it returns stop's error.
func Analyze(db *msi.Database, stop *edit.Stop) (*Analysis, error) {
	in, err := readInput(db, stop, nil)
	if err != nil {
		return nil, err
	}
	p := analyze(in, Options{Stop: stop})
	if stop.Stopped() {
		return nil, stop.Err()
	}
	// Keep what the methods read, and let the indexes and state only
	// planning needs go (the notes, the union-find, the index of a
	// 180,000-long ProgId chain): the audit holds the analysis while it
	// lists every entry point.
	return &Analysis{Input: in, p: &planner{in: in,
		classes: p.classes, progs: p.progs, apps: p.apps, exts: p.exts, verbs: p.verbs, mimes: p.mimes,
		classesBy: p.classesBy, classByApp: p.classByApp, extByProg: p.extByProg, verbsByExt: p.verbsByExt}}, nil
}

// The source tables, for Dead and Key.
const (
	TableClass     = tblClass
	TableProgID    = tblProgID
	TableAppID     = tblAppID
	TableExtension = tblExtension
	TableVerb      = tblVerb
	TableMIME      = tblMIME
)

func nodeOf(table string, i int) (node, bool) {
	for k := kindClass; k <= kindMIME; k++ {
		if k.table() == table {
			return node{k, i}, true
		}
	}
	return node{}, false
}

// Dead returns why msiexec never registers row i of table (one of the
// Table constants), or "" when it does.
func (a *Analysis) Dead(table string, i int) string {
	nd, ok := nodeOf(table, i)
	if !ok {
		return "no such table"
	}
	return a.p.dead(nd)
}

// Key returns the primary key of row i of table, as IDT text.
func (a *Analysis) Key(table string, i int) []string {
	nd, ok := nodeOf(table, i)
	if !ok {
		return nil
	}
	return a.p.ref(nd).Key
}

// ProgIDFollows returns the feature and component a registered ProgId's
// keys are written with (those of the class or extension that registers
// it).
func (a *Analysis) ProgIDFollows(i int) (feature, component string) {
	comp, feat, _ := a.p.progFollows(i)
	return feat, comp
}

// ProgIDClass returns the Class row found on ProgId i's parent chain, or
// -1.
func (a *Analysis) ProgIDClass(i int) int {
	_, ci := a.p.progClass(i)
	return ci
}

// VerbExtension returns the Extension row of verb i, or -1.
func (a *Analysis) VerbExtension(i int) int { return a.p.verbs[i].ext }

// MIMEExtension returns the Extension row of MIME row i, or -1.
func (a *Analysis) MIMEExtension(i int) int { return a.p.mimes[i].ext }

// VerbsOf returns the Verb rows of Extension row e.
func (a *Analysis) VerbsOf(e int) []int { return a.p.verbsByExt[e] }

// ExtensionsByProgID returns the Extension rows whose ProgId_ is progID.
func (a *Analysis) ExtensionsByProgID(progID string) []int {
	return a.p.extByProg.Get(a.p.lower(progID))
}

// ClassesByAppID returns the Class rows whose AppId_ is appID.
func (a *Analysis) ClassesByAppID(appID string) []int {
	return a.p.classByApp.Get(a.p.lower(appID))
}

// ClassesByCLSID returns the Class rows of clsid.
func (a *Analysis) ClassesByCLSID(clsid string) []int {
	return a.p.classesBy.Get(a.p.lower(clsid))
}
