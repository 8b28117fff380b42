package transform

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"iter"
	"math/bits"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/authenticode"
	"github.com/msikit/msikit/msi/install"
	"github.com/msikit/msikit/transform/internal/edit"
)

// Error is the severity of an audit finding that breaks installs or
// repairs outright (a key path that names nothing, an assembly identity
// Windows rejects).
const Error Severity = "error"

// entryPointTables are the tables whose rows Audit lists as entry points.
var entryPointTables = []string{"Class", "ProgId", "AppId", "Extension", "Verb", "MIME", "Shortcut", "TypeLib", "PublishComponent"}

// checkEntryPointRows refuses a package whose entry point tables hold
// more than max rows together, from the tables' row counts alone.
func checkEntryPointRows(db *msi.Database, max int) error {
	n := 0
	for _, name := range entryPointTables {
		if !db.HasTable(name) {
			continue
		}
		t, err := db.Table(name)
		if err != nil {
			return fmt.Errorf("transform: audit: %w", err)
		}
		n += t.Len()
	}
	if n > max {
		return fmt.Errorf("transform: audit: %w: %d rows in %s, more than %d (the MaxEntryPoints option, msikit audit --max-entry-points)", ErrTooManyEntryPoints, n, strings.Join(entryPointTables, ", "), max)
	}
	return nil
}

// DefaultBroadCheck is AuditOptions.BroadCheck's default: an advertised
// entry point whose health check covers more components than this gets a
// warning.
const DefaultBroadCheck = 10

// AuditOptions are the options of Audit. The zero value is the default.
type AuditOptions struct {
	// BroadCheck is the number of components a health check may cover
	// before the entry points that start it are reported (0 means
	// DefaultBroadCheck).
	BroadCheck int
	// MaxEntryPoints is the number of rows the tables that hold
	// advertised entry points may have together (0 means
	// DefaultMaxEntryPoints); past it Audit reads nothing and returns an
	// error wrapping ErrTooManyEntryPoints.
	MaxEntryPoints int
	// NoRewrite leaves out the preview of what msikit rewrite would change:
	// Audit runs the three passes (class-to-registry, leaf-features,
	// assembly-names, with their defaults) on a copy of the database
	// (Database.Reopen), which reads the assemblies out of the package's
	// cabinets.
	NoRewrite bool
	// Source is the folder assembly-names reads files from in the preview
	// (AssemblyNamesOptions.Source), when the cabinets are elsewhere.
	Source string
	// Now is the time a signature without a timestamp is checked at
	// (authenticode.VerifyOptions.CurrentTime); zero means time.Now().
	Now time.Time
	// NoPassReports leaves the passes' reports out of the preview
	// (RewritePreview.Passes is empty): it still counts their changes,
	// says what they do to each entry point and finding, and fails as
	// they fail, but holds one pass's report at a time, not all of them
	// (a pass that changes 65,000 rows reports tens of megabytes). For
	// callers that do not list the changes, as msikit audit without
	// --json.
	NoPassReports bool
	// PassReport, when set, is handed each report of the preview as its
	// pass ends (the package-code change last), in the order
	// RewritePreview.Passes lists them, and the preview keeps none of
	// them, as with NoPassReports: a caller that writes the reports out
	// as they come never holds more than one. An error it returns ends
	// Audit with that error.
	PassReport func(*Report) error
	// Context, if not nil, stops the audit once it is done: the
	// preview's passes (their Context), reading the package's tables and
	// the loops over its rows and entry points look at it every 1,024
	// rows or steps, and Audit then returns no report and an error
	// matching ctx.Err() and context.Cause(ctx). db is never changed
	// either way. nil means context.Background: the audit runs to its
	// end.
	Context context.Context
}

// An AuditReport is what Audit found in a package.
type AuditReport struct {
	Kind        string `json:"kind"`
	ProductCode string `json:"productCode"`
	// PerMachine reports whether the package installs per machine
	// (ALLUSERS 1, or 2 without MSIINSTALLPERUSER=1); AllUsers is the
	// ALLUSERS property as authored.
	PerMachine bool   `json:"perMachine"`
	AllUsers   string `json:"allUsers"`
	// The entry points (the package's advertised entry points and the
	// rows that lead to them, in table order) are read with
	// NumEntryPoints, EntryPoint and EntryPoints: the report keeps them
	// compactly (a package can have 460,000 of them) and writes each
	// out when it is read.
	eps *epList
	// Checks are the health checks the entry points start, one per
	// feature, in Feature table order. The components of every feature
	// those checks cover, each feature once, are read with NumFeatures,
	// Feature and CoveredComponents (or Features): the report writes
	// them when they are read (one feature can hold 124,000 components,
	// 36 MB as CoveredComponent values).
	Checks []*HealthCheck `json:"checks"`
	// features are the features listed, in Feature table order, and
	// their number of distinct components; model is what their
	// components are read from.
	features []listedFeature
	model    *auditModel
	// The findings (the causes of repair loops found, most severe
	// first) are read with NumFindings, Finding and Findings: the report
	// keeps them compact and writes their texts when they are read (a
	// package can have a finding for each of 120,000 components).
	findings []finding
	quotes   []findingQuote // what the findings quote (finding.quote)
	// Signature and Cache are what a signed package and the installer's
	// cache cost.
	Signature AuditSignature `json:"signature"`
	Cache     CacheCost      `json:"cache"`
	// Rewrite is what msikit rewrite would change (nil with NoRewrite).
	Rewrite *RewritePreview `json:"rewrite,omitempty"`

	after         *auditModel             // the rewritten copy's model (nil without a preview)
	assemblyFixes *textmemo.Index[string] // what the preview's assembly-names pass does, by component
	movedTo       map[int32]string        // the leaf feature of each entry point leaf-features moves, by index
}

// An EntryPoint is a row that makes Windows Installer write a darwin
// descriptor (Class, Verb, advertised Shortcut, PublishComponent), or a
// row whose activation reaches one (ProgId, AppId, MIME, Extension), or a
// type library registered while its feature is only advertised.
//
// An AuditReport does not hold its entry points as EntryPoint values
// (224 bytes each before their key, name and descriptors): it writes
// each out when it is read (AuditReport.EntryPoint, EntryPoints).
type EntryPoint struct {
	Kind  string   `json:"kind"` // class, progid, appid, extension, verb, mime, shortcut, typelib, qualified component
	Table string   `json:"table"`
	Key   []string `json:"key"`
	Name  string   `json:"name"` // what it is: "CLSID {…} InprocServer32", ".txt open", ...
	// Registered is false for a row msiexec never registers or
	// advertises; NotRegistered says why.
	Registered bool `json:"registered"`
	// after says which feature it names after the rewrite (its record
	// in the report keeps it in the bits of its first byte, epList).
	after         epAfter
	NotRegistered string `json:"notRegistered,omitempty"`
	// Feature is the feature whose health check activation starts and
	// Component (ComponentID) the component it asks for.
	Feature     string `json:"feature,omitempty"`
	Component   string `json:"component,omitempty"`
	ComponentID string `json:"componentId,omitempty"`
	// Descriptors are the descriptors Windows Installer writes for it (for
	// ProgId, AppId, MIME and Extension rows, those of the classes and
	// verbs they lead to).
	Descriptors []WrittenDescriptor `json:"descriptors,omitempty"`
	// Reaches names the rows whose descriptors a ProgId, AppId, MIME or
	// Extension row leads to.
	Reaches []string `json:"reaches,omitempty"`
	// Covers is the number of components the health check covers (the
	// blast radius), -1 when the feature is unknown.
	Covers int `json:"covers"`
	// Rewrite says what msikit rewrite does to the entry point, and
	// CoversAfter the components its health check covers afterwards (-1
	// when it is no longer advertised or there is no preview).
	Rewrite     string `json:"rewrite,omitempty"`
	CoversAfter int    `json:"coversAfter"`
}

// epAfter is the feature an entry point names after the rewrite.
type epAfter uint8

const (
	afterNone  epAfter = iota // none: it is no longer advertised, or there is no preview
	afterSame                 // its Feature
	afterMoved                // the leaf feature AuditReport.movedTo holds for it
)

// A WrittenDescriptor is one descriptor Windows Installer writes for an
// entry point, and where.
type WrittenDescriptor struct {
	// Where is the registry value or file: `HKCR\CLSID\{…}\InprocServer32`
	// (value InprocServer32), a shortcut file, ...
	Where string `json:"where"`
	Value string `json:"value,omitempty"` // the registry value's name
	// Descriptor is the full form (product, feature, '>' component), as
	// Wine's msiexec writes it; "" when it cannot be computed (Problem
	// says why).
	Descriptor string `json:"descriptor,omitempty"`
	// Args follow the descriptor after a space (a verb's argument), or sit
	// beside it (a shortcut's arguments, a qualified component's
	// AppData).
	Args string `json:"args,omitempty"`
	// Data is the registry value's data as written: the descriptor, then
	// a space and a verb's argument, or directly a qualified component's
	// AppData ("" for a shortcut, whose arguments are in the link).
	Data    string `json:"data,omitempty"`
	Problem string `json:"problem,omitempty"`
	// where is what Where is made of while the audit lists the entry
	// points (Where is then ""): the report's records hold the parts,
	// shared by the rows that name them, and make Where when they are
	// read (epWhere).
	where epWhere
}

// A HealthCheck is what Windows Installer verifies before it returns a
// component of Feature through an advertised entry point: the key path of
// every component of the feature and of each of its parents
// (MsiProvideComponent, INSTALLMODE_DEFAULT). One missing key path starts
// a repair of the feature. The components are those the report's
// Features list for each feature of the chain.
type HealthCheck struct {
	Feature  string   `json:"feature"`
	Features []string `json:"features"` // the feature, then its parents
	// Covers is the number of distinct components the check covers.
	// For a broken chain (Problem: a cycle, or deeper than the audit
	// follows, which Windows Installer refuses anyway) it adds up each
	// listed feature's distinct components.
	Covers  int    `json:"covers"`
	Problem string `json:"problem,omitempty"` // a broken Feature_Parent chain
}

// FeatureComponents are the components a feature holds (its
// FeatureComponents rows) with their key paths.
type FeatureComponents struct {
	Feature    string             `json:"feature"`
	Parent     string             `json:"parent,omitempty"`
	Components []CoveredComponent `json:"components"`
}

// A CoveredComponent is one component a health check covers.
type CoveredComponent struct {
	Feature     string  `json:"feature"` // the feature of the chain that holds it
	Component   string  `json:"component"`
	ComponentID string  `json:"componentId,omitempty"`
	KeyPath     KeyPath `json:"keyPath"`
}

// A KeyPath is what Windows Installer looks for to decide that a
// component is installed.
type KeyPath struct {
	// Kind is file, assembly (a file in a global assembly cache, found by
	// its identity), registry, folder (the component's directory, when
	// KeyPath is null), odbc or missing (KeyPath names nothing).
	Kind     string `json:"kind"`
	File     string `json:"file,omitempty"` // File key
	FileName string `json:"fileName,omitempty"`
	Version  string `json:"version,omitempty"`
	// Registry is the Registry row; Root the hive it resolves to (HKMU
	// resolved by the install context), Key and Name the value.
	Registry     string `json:"registry,omitempty"`
	Root         string `json:"root,omitempty"`
	Key          string `json:"key,omitempty"`
	Name         string `json:"name,omitempty"`
	Directory    string `json:"directory,omitempty"`
	ODBC         string `json:"odbc,omitempty"`
	Assembly     string `json:"assembly,omitempty"`     // MsiAssemblyName as a display name
	AssemblyKind string `json:"assemblyKind,omitempty"` // .net or win32
	Problem      string `json:"problem,omitempty"`
}

// A Finding is one cause of repair loops, with the rows involved and what
// to do.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	// Rows are the rows involved, each "Table [key]".
	Rows    []string `json:"rows"`
	Message string   `json:"message"`
	Remedy  string   `json:"remedy"`
	// Fix says what msikit rewrite changes about it ("" when it changes
	// nothing).
	Fix string `json:"fix,omitempty"`
}

// An AuditRule describes one kind of finding.
type AuditRule struct {
	ID       string
	Name     string
	Severity Severity // the most severe level its findings get
	Summary  string
	Help     string
}

// AuditRules lists the rules Audit applies.
var AuditRules = []AuditRule{
	{"keypath-missing", "KeyPathMissing", Error, "A component's key path names nothing",
		"The component's KeyPath names no File, Registry or ODBCDataSource row (or the component is missing). Windows Installer can never find the key path, so every health check that covers the component fails and starts a repair (\"Searching for a Broken Feature or Component\"). Make KeyPath name a resource the component installs."},
	{"keypath-hkcu-per-machine", "PerUserKeyPathInPerMachinePackage", Warning, "A per-machine package's component has a key path under HKEY_CURRENT_USER",
		"The key path exists only for the user who installed the package. For every other user, a health check that covers the component finds it missing and repairs the feature (with a prompt for the source when it is gone). ICE57 warns about components that mix per-user and per-machine data. Give the component a per-machine key path, or keep per-user data out of the features that advertised entry points check."},
	{"keypath-folder", "FolderKeyPath", Warning, "A component's key path is a folder that is missing or always present",
		"With a null KeyPath the component's folder is its key path. A folder nothing creates (no CreateFolder row, no files) is removed when empty, so the key path goes missing and health checks repair it; a system folder is always present, so the component always looks installed (ICE18). Give the component a file or registry key path."},
	{"assembly-no-architecture", "AssemblyWithoutProcessorArchitecture", Warning, "A .NET assembly's MsiAssemblyName has no processorArchitecture",
		"Without processorArchitecture Windows Installer looks the assembly up in the .NET 1.x global assembly cache; an assembly built for .NET 2.0 or later is never found there, so its component looks missing and is repaired again and again. msikit rewrite (assembly-names) adds the value from the assembly's own metadata."},
	{"assembly-invalid-value", "AssemblyIdentityRejected", Error, "An assembly identity holds a value Windows rejects",
		"An empty value, or processorArchitecture \"neutral\", makes CreateAssemblyNameObject reject the identity: the assembly does not install (error 1935) and its component is never found. msikit rewrite (assembly-names) replaces the value with the one in the assembly's metadata."},
	{"broad-health-check", "BroadHealthCheck", Warning, "An advertised entry point's health check covers many components",
		"Activating the entry point checks the key path of every component of its feature and the feature's parents; one missing key path anywhere repairs the whole feature. msikit rewrite (leaf-features) moves the entry point's component into a hidden leaf feature of its own, so the check covers that component and the parents' components only."},
	{"entry-point-broken", "BrokenEntryPoint", Warning, "An entry point names a feature or component that cannot work",
		"The entry point names a feature that is not in the Feature table or sits in a broken Feature_Parent chain, or a component that is not in the feature it names: the health check it starts covers the wrong components or none."},
}

// AuditSignature is the package's Authenticode signature and what a
// rewrite does to it. Valid is authenticode.VerifyFile's verdict on the
// file the database was opened from (db.Path), without the chain check;
// a database not read from a file is reported signed but not verified.
type AuditSignature struct {
	Signed   bool     `json:"signed"`
	Valid    bool     `json:"valid"`
	Problems []string `json:"problems,omitempty"`
	Signer   string   `json:"signer,omitempty"`
	Extended bool     `json:"extended"`
	// Rewrite says what msikit rewrite does to the signature and how a
	// transform avoids that.
	Rewrite string `json:"rewrite"`
}

// CacheCost is what Windows Installer keeps of the package: since Windows
// Installer 5 it caches the whole package, embedded cabinets included, in
// %WINDIR%\Installer, for repairs and uninstall.
type CacheCost struct {
	PackageBytes         int64  `json:"packageBytes"`
	EmbeddedCabinets     int    `json:"embeddedCabinets"`
	EmbeddedCabinetBytes int64  `json:"embeddedCabinetBytes"`
	Note                 string `json:"note"`
}

// A RewritePreview is what msikit rewrite would change: the passes'
// reports, as rewrite --dry-run prints them.
type RewritePreview struct {
	Passes  []*Report `json:"passes"`
	Changes int       `json:"changes"`
	// Error is set when a pass failed (the package would not be
	// rewritten).
	Error string `json:"error,omitempty"`
}

// Audit is a static resiliency audit of an installer database or merge
// module: for every advertised entry point, the darwin descriptors
// Windows Installer writes for it, the feature whose health check its
// activation starts and the components and key paths that check covers;
// the classic causes of repair loops found (key paths that name nothing
// or resolve to per-user data in a per-machine package, folders as key
// paths, incomplete or invalid assembly identities, health checks that
// cover many components), each with the rows involved and what to do;
// the signature and the installer's cache cost; and what msikit rewrite
// would change (the three passes run on a copy of db, see AuditOptions).
// The rows msiexec registers are decided by the class-to-registry pass's
// own planner, the rewrite preview by the passes themselves.
//
// db is not changed. Patches and transforms are refused with an error
// wrapping ErrNotInstaller.
func Audit(db *msi.Database, opts AuditOptions) (*AuditReport, error) {
	if k := db.Kind(); k == msi.PackagePatch || k == msi.PackageTransform {
		return nil, fmt.Errorf("transform: audit: a %v is %w", k, ErrNotInstaller)
	}
	if opts.BroadCheck <= 0 {
		opts.BroadCheck = DefaultBroadCheck
	}
	if opts.MaxEntryPoints <= 0 {
		opts.MaxEntryPoints = DefaultMaxEntryPoints
	}
	if err := checkEntryPointRows(db, opts.MaxEntryPoints); err != nil {
		return nil, err
	}
	stop := edit.NewStop(opts.Context, "audit")
	rep := &AuditReport{Kind: db.Kind().String(), Checks: []*HealthCheck{}}
	// The preview first: its passes are done with before the package's
	// model is read and the entry points are listed (the model of
	// 120,000 components is 25 MB, held for nothing while they run). An
	// error reading the model still comes before the preview's own.
	var fx *rewriteEffects
	var rewriteErr error
	if !opts.NoRewrite {
		fx, rewriteErr = auditRewrite(db, opts, stop, rep)
		// The passes' tables and reports are garbage now, and the
		// collector, paced by what they held, would let the model and
		// the entry points grow the heap on top of them (65,200
		// classes: 155 MiB of heap, 22 live): collected here, the next
		// phases start from what is live.
		runtime.GC()
	}
	if stop.Stopped() {
		return nil, stop.Err()
	}
	m, err := readAuditModel(db, stop)
	if err != nil {
		return nil, err
	}
	if rewriteErr != nil {
		return nil, rewriteErr
	}
	rep.ProductCode, rep.PerMachine, rep.AllUsers = m.productCode, m.perMachine(), m.allUsers
	if err := auditEntryPoints(db, m, fx, rep); err != nil {
		return nil, err
	}
	m.dropDescriptors() // the entry points hold theirs
	// The checks the registered entry points start, in feature order.
	// Marked by the features' places (amFeature.idx), not in maps of
	// names: the chains of 54,000 checks name 3.5 million features.
	used := make([]bool, m.numFeatures)
	var h epHead
	for i := range rep.eps.len() {
		if stop.Tick() {
			return nil, stop.Err()
		}
		if rep.eps.head(i, &h, false); h.registered && h.feature != "" {
			if ft := m.features.Get(h.feature); ft != nil {
				used[ft.idx] = true
			}
		}
	}
	listed := make([]bool, m.numFeatures)
	for _, f := range m.featureOrder {
		if stop.Tick() {
			return nil, stop.Err()
		}
		ft := m.features.Get(f)
		if ft == nil || !used[ft.idx] {
			continue
		}
		hc := m.check(f)
		rep.Checks = append(rep.Checks, hc)
		m.chainFeatures(ft, hc.Features, func(g *amFeature) { listed[g.idx] = true })
	}
	for _, f := range m.featureOrder {
		if stop.Tick() {
			return nil, stop.Err()
		}
		if ft := m.features.Get(f); ft != nil && listed[ft.idx] {
			rep.features = append(rep.features, listedFeature{name: f, components: m.distinctOf(ft)})
		}
	}
	auditFindings(m, rep, opts)
	if stop.Stopped() {
		return nil, stop.Err() // the findings are partial
	}
	// The findings hold what they need: the rewritten copy's model goes,
	// and of the package's model what the listed features' components
	// are written from stays.
	rep.after, rep.assemblyFixes, rep.movedTo = nil, nil, nil
	m.trim()
	rep.model = m
	auditSignature(db, opts.Now, rep)
	if err := auditCache(db, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// writes reports whether Windows Installer writes the entry point's own
// descriptor (a class, a verb, an advertised shortcut, a qualified
// component), as opposed to a row that leads to one.
func (ep *EntryPoint) writes() bool {
	switch ep.Kind {
	case "class", "verb", "shortcut", "qualified component":
		return len(ep.Descriptors) > 0
	}
	return false
}

// Failed reports whether any finding is at warning level or above (what
// msikit audit exits with status 1 for).
func (r *AuditReport) Failed() bool { return r.Flagged() > 0 }

// Flagged returns the number of findings at warning level or above.
func (r *AuditReport) Flagged() int {
	n := 0
	for i := range r.findings {
		if f := &r.findings[i]; f.sev == sevWarning || f.sev == sevError {
			n++
		}
	}
	return n
}

// auditFindings applies the rules.
func auditFindings(m *auditModel, rep *AuditReport, opts AuditOptions) {
	var out []finding
	var quotes []findingQuote
	// add appends f, quoting q.
	add := func(f finding, q findingQuote) {
		f.quote = int32(len(quotes))
		quotes = append(quotes, q)
		out = append(out, f)
	}
	// Thousands of components checked by the same entry points share
	// the texts that say so: each is kept once.
	texts := map[string]string{}
	text := func(s string) string {
		if t, ok := texts[s]; ok {
			return t
		}
		texts[s] = s
		return s
	}
	// Which registered entry points check each component: counted per
	// feature of their chains (a few names kept), so that thousands of
	// entry points over thousands of components cost their sum, not their
	// product.
	rows := newEntryRows(rep.eps)
	checkedBy := coverage(m, rows, func(i int32, ep *epHead) string {
		if !ep.registered || !ep.writes() {
			return ""
		}
		return ep.feature
	})
	var checkedAfter []covering
	if rep.after != nil {
		checkedAfter = coverage(rep.after, rows, func(i int32, ep *epHead) string {
			if !ep.writes() {
				return ""
			}
			switch ep.after {
			case afterSame:
				return ep.feature
			case afterMoved:
				return rep.movedTo[i]
			}
			return ""
		})
	}
	rowNames := make([]string, rep.eps.len()) // covering.text's
	// The texts of the coverings met, by covering: 120,000 components
	// covered by the same entry points had the same text written (and
	// then found in texts) once each, 110 MB of garbage.
	var whoTexts, fixTexts coveringTexts
	// Key paths: every component of the Component table, in key order.
	comps := make([]string, 0, m.components.Len())
	for c := range m.components.All() {
		if m.stop.Tick() {
			return
		}
		comps = append(comps, c)
	}
	sort.Strings(comps)
	for _, cname := range comps {
		if m.stop.Tick() {
			return
		}
		c := m.components.Get(cname)
		kp := m.keyPath(c)
		by := componentCoverage(m, checkedBy, rows, cname)
		sev := func(s findingSeverity) findingSeverity {
			if by.n == 0 {
				return sevInfo
			}
			return s
		}
		kind := fNone
		switch {
		case kp.Kind == "missing":
			kind = fKeyPathMissing
		case kp.Kind == "registry" && kp.Root == "HKCU" && m.perMachine():
			kind = fKeyPathHKCU
		case kp.Kind == "folder" && kp.Problem != "":
			kind = fKeyPathFolder
		}
		if kind == fNone {
			continue
		}
		who := "no advertised entry point's health check covers it"
		if by.n > 0 {
			who = whoTexts.text(by, func() string {
				return text("the health check of " + by.text(rows, rowNames) + " covers it")
			})
		}
		fix := ""
		if by.n > 0 && rep.after != nil {
			if still := componentCoverage(rep.after, checkedAfter, rows, cname); still.n > 0 {
				fix = fixTexts.text(still, func() string {
					return text("after it, the health check of " + still.text(rows, rowNames) + " still covers it")
				})
			} else {
				fix = "after it, no advertised entry point's health check covers it"
			}
		}
		f, q := finding{kind: kind, sev: sevWarning}, findingQuote{comp: cname, who: who, fix: fix}
		switch kind {
		case fKeyPathMissing:
			f.sev, q.a = sevError, text(kp.Problem)
		case fKeyPathHKCU:
			q.a = kp.Registry // its Key and Name are the model's (build)
		case fKeyPathFolder:
			q.a = text(kp.Problem)
		}
		f.sev = sev(f.sev)
		add(f, q)
	}
	// Assembly identities.
	asmComps := make([]string, 0, m.assemblies.Len())
	for c := range m.assemblies.All() {
		if m.stop.Tick() {
			return
		}
		asmComps = append(asmComps, c)
	}
	sort.Strings(asmComps)
	for _, cname := range asmComps {
		if m.stop.Tick() {
			return
		}
		a := m.assemblies.Get(cname)
		fix := assemblyFix(rep, cname)
		var arch *amName
		for i, at := range a.names {
			if at.value == "" || !assemblyValueValid(at.name, at.value, a.win32) {
				add(finding{kind: fAssemblyInvalid, sev: sevError, ep: int32(i)}, findingQuote{comp: cname, fix: fix})
			}
			if strings.EqualFold(at.name, "processorArchitecture") && arch == nil {
				arch = &a.names[i]
			}
		}
		if !a.win32 && !a.private && a.attrs == 0 && arch == nil && len(a.names) > 0 {
			add(finding{kind: fAssemblyNoArch, sev: sevWarning}, findingQuote{comp: cname, a: assemblyIdentity(a), fix: fix})
		}
	}
	// Entry points.
	var ep epHead
	for i := range rep.eps.len() {
		if m.stop.Tick() {
			return
		}
		rep.eps.head(i, &ep, false)
		if !ep.registered {
			continue
		}
		if ep.feature == "" {
			continue
		}
		hc := m.check(ep.feature)
		switch {
		case hc.Problem != "" && ep.writes():
			add(finding{kind: fEntryPointChain, sev: sevWarning, ep: int32(i)}, findingQuote{a: hc.Problem})
			continue
		case ep.writes() && ep.component != "" && !m.inFeature(ep.component, ep.feature) && m.db.Kind() != msi.PackageMergeModule:
			out = append(out, finding{kind: fEntryPointComponent, sev: sevWarning, ep: int32(i), quote: -1})
		}
		if ep.writes() && ep.covers > opts.BroadCheck {
			out = append(out, finding{kind: fBroadCheck, sev: sevWarning, ep: int32(i), quote: -1})
		}
	}
	slices.SortStableFunc(out, func(a, b finding) int { return cmp.Compare(a.sev, b.sev) })
	// Kept as they are: appended to the report's (empty) list, 120,000
	// findings were held twice for a moment (14 MB).
	rep.findings, rep.quotes = out, quotes
}

// A finding is a Finding as the report keeps it: its kind, its
// severity, the entry point it is about and, for the kinds that quote
// more, the strings its texts are made of (a findingQuote); its message
// and rows are written when it is read (AuditReport.Finding), with what
// the model keeps (a registry key path's key and name, an assembly's
// name rows). A Finding made at once held about 500 bytes of text; a
// finding that held its strings itself, 72 bytes (120 when it held the
// registry and assembly values too and its severity as a string: 14 MB
// for 120,000 findings). An entry point's finding quotes nothing but the
// entry point, and is 12 bytes without pointers: 460,000
// broad-health-check findings, 33 MB for the collector to scan when
// each held four empty strings, are 5.5 MB it skips.
type finding struct {
	kind findingKind
	sev  findingSeverity
	// ep is the entry point (rep.EntryPoints) for the entry point kinds,
	// the MsiAssemblyName row of the component's (amAssembly.names) for
	// fAssemblyInvalid.
	ep int32
	// quote is the finding's findingQuote in AuditReport.quotes, -1 for
	// none.
	quote int32
}

// A findingQuote is what a finding quotes, most of it views of the
// database's strings or texts many findings share (the component's
// name, the entry points that check it).
type findingQuote struct {
	comp string // the component, for the key path and assembly kinds
	// a is what the kind's message quotes (see build): the problem, the
	// Registry row, the assembly's identity, the broken chain.
	a   string
	who string // the entry points whose health checks cover comp
	fix string
}

// findingSeverity is a Severity as a finding keeps it, most severe
// first.
type findingSeverity uint8

const (
	sevError findingSeverity = iota
	sevWarning
	sevInfo
)

// Severity returns s as a Severity.
func (s findingSeverity) Severity() Severity {
	switch s {
	case sevError:
		return Error
	case sevWarning:
		return Warning
	}
	return Info
}

type findingKind uint8

const (
	fNone findingKind = iota
	fKeyPathMissing
	fKeyPathHKCU
	fKeyPathFolder
	fAssemblyInvalid
	fAssemblyNoArch
	fEntryPointChain     // names a feature of a broken Feature_Parent chain
	fEntryPointComponent // names a feature that does not hold its component
	fBroadCheck
)

// build writes out finding f of the report.
func (r *AuditReport) build(fd *finding) Finding {
	var f findingQuote
	if fd.quote >= 0 {
		f = r.quotes[fd.quote]
	}
	out := Finding{Severity: fd.sev.Severity(), Fix: f.fix}
	var ep *EntryPoint
	var epData EntryPoint
	var name [2]string // the parts of ep's name
	if fd.kind >= fEntryPointChain {
		// Its key read into room of its own, its name left in parts:
		// a finding of an entry point is read in few allocations.
		name[0], name[1] = r.eps.decode(int(fd.ep), &epData, epShort|epNoName|epNoKey)
		if fd.kind != fBroadCheck {
			epData.Name = epName(epKindOf(epData.Kind), name[0], name[1])
		}
		ep = &epData
		out.Rows = []string{r.eps.rowName(int(fd.ep))}
		out.Fix = ep.Rewrite
	}
	switch fd.kind {
	case fKeyPathMissing:
		out.Rule, out.Rows = "keypath-missing", []string{rowRef("Component", f.comp)}
		out.Remedy = "make KeyPath name a file, registry value or ODBC data source the component installs"
		out.Message = clip.Sprintf("component %s: %s; %s", f.comp, f.a, f.who)
	case fKeyPathHKCU:
		out.Rule, out.Rows = "keypath-hkcu-per-machine", []string{rowRef("Component", f.comp), rowRef("Registry", f.a)}
		out.Remedy = "give the component a per-machine key path (a file, or an HKLM value), or move its per-user data to a component no advertised entry point checks"
		reg := r.model.registry.Get(f.a)
		out.Message = clip.Sprintf("component %s of a per-machine package (ALLUSERS=%s) has its key path under HKEY_CURRENT_USER (%s\\%s): it exists only for the installing user; %s", f.comp, r.AllUsers, reg.key, reg.name, f.who)
	case fKeyPathFolder:
		out.Rule, out.Rows = "keypath-folder", []string{rowRef("Component", f.comp)}
		out.Remedy = "give the component a key file or registry key path, or a CreateFolder row for its folder"
		out.Message = clip.Sprintf("component %s: %s; %s", f.comp, f.a, f.who)
	case fAssemblyInvalid:
		at := r.model.assemblies.Get(f.comp).names[fd.ep]
		out.Rule, out.Rows = "assembly-invalid-value", []string{rowRef("MsiAssembly", f.comp), rowRef("MsiAssemblyName", f.comp, at.name)}
		out.Remedy = "author the value the assembly's metadata holds (msikit rewrite --assembly-names)"
		out.Message = clip.Sprintf("assembly of component %s: %s %q is rejected by CreateAssemblyNameObject (error 1935 at install; the component is never found)", f.comp, at.name, at.value)
	case fAssemblyNoArch:
		out.Rule, out.Rows = "assembly-no-architecture", []string{rowRef("MsiAssembly", f.comp)}
		out.Remedy = "add processorArchitecture (MSIL, x86, AMD64...) from the assembly's metadata (msikit rewrite --assembly-names)"
		out.Message = clip.Sprintf("global .NET assembly of component %s (%s) has no processorArchitecture: Windows Installer looks for it in the .NET 1.x assembly cache, where a .NET 2.0 or later assembly never is, and repairs it on every check", f.comp, f.a)
	case fEntryPointChain:
		out.Rule = "entry-point-broken"
		out.Remedy = "make the entry point name a feature of a valid feature tree"
		out.Message = clip.Sprintf("%s %s: %s", ep.Kind, ep.Name, f.a)
	case fEntryPointComponent:
		out.Rule, out.Rows = "entry-point-broken", append(out.Rows, rowRef("FeatureComponents", ep.Feature, ep.Component))
		out.Remedy = "add the component to the feature, or make the entry point name a feature that holds it"
		out.Message = clip.Sprintf("%s %s names feature %s, which does not hold its component %s: its health check covers %d other components, not the one it returns", ep.Kind, ep.Name, ep.Feature, ep.Component, ep.Covers)
	case fBroadCheck:
		after := ""
		if ep.CoversAfter >= 0 && ep.CoversAfter < ep.Covers {
			after = clip.Sprintf("; after msikit rewrite it covers %d", ep.CoversAfter)
		}
		out.Rule = "broad-health-check"
		out.Remedy = "put the entry point's component in a small feature of its own (msikit rewrite --leaf-features), or stop advertising it (--class-to-registry for COM and shell registration)"
		// Joined, not formatted: one allocation for each of the
		// thousands of entry points a broad check can have. The name
		// (clipped already) is written from its parts.
		var buf [256]byte
		msg := append(buf[:0], "activating "...)
		msg = append(msg, clip.String(ep.Kind)...)
		msg = append(msg, ' ')
		msg = appendEPName(msg, epKindOf(ep.Kind), name[0], name[1])
		msg = append(msg, " checks the key paths of "...)
		msg = strconv.AppendInt(msg, int64(ep.Covers), 10)
		msg = append(msg, " components of feature "...)
		msg = append(msg, clip.String(ep.Feature)...)
		msg = append(msg, " and its parents"...)
		out.Message = string(append(msg, after...))
	}
	return out
}

// A listedFeature is a feature whose components the report lists.
type listedFeature struct {
	name       string
	components int // distinct
}

// NumFeatures returns the number of features whose components the
// report lists: those of the chains of Checks, in Feature table order.
func (r *AuditReport) NumFeatures() int { return len(r.features) }

// Feature returns listed feature i (0 <= i < NumFeatures()): its name,
// its parent and the number of distinct components it holds, which
// CoveredComponents(i) yields.
func (r *AuditReport) Feature(i int) (feature, parent string, components int) {
	f := r.features[i]
	if ft := r.model.features.Get(f.name); ft != nil {
		parent = ft.parent
	}
	return f.name, parent, f.components
}

// CoveredComponents yields the components listed feature i holds
// (FeatureComponents), each once, in table order, with their key paths,
// written as they are reached.
func (r *AuditReport) CoveredComponents(i int) iter.Seq[CoveredComponent] {
	f := r.features[i].name
	return func(yield func(CoveredComponent) bool) {
		r.model.own(f, func(c string) bool { return yield(r.model.covered(f, c)) })
	}
}

// Features returns the listed features with their components (a
// non-nil slice). Written at each call, they can take far more memory
// than the report: a caller that writes them out reads them with
// Feature and CoveredComponents.
func (r *AuditReport) Features() []*FeatureComponents {
	out := make([]*FeatureComponents, len(r.features))
	for i := range r.features {
		name, parent, n := r.Feature(i)
		fc := &FeatureComponents{Feature: name, Parent: parent, Components: make([]CoveredComponent, 0, n)}
		for c := range r.CoveredComponents(i) {
			fc.Components = append(fc.Components, c)
		}
		out[i] = fc
	}
	return out
}

// NumFindings returns the number of findings.
func (r *AuditReport) NumFindings() int { return len(r.findings) }

// Finding returns finding i (0 <= i < NumFindings()), most severe first.
// Its texts are written at each call.
func (r *AuditReport) Finding(i int) Finding { return r.build(&r.findings[i]) }

// Findings returns the findings, the causes of repair loops found, most
// severe first (a non-nil slice). Written at each call, they can take
// far more memory than the report: a caller that writes them out reads
// them one at a time with Finding.
func (r *AuditReport) Findings() []Finding {
	out := make([]Finding, len(r.findings))
	for i := range r.findings {
		out[i] = r.build(&r.findings[i])
	}
	return out
}

// MarshalJSON writes the report as a JSON object, the findings in it
// (between features and signature).
func (r *AuditReport) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Kind        string               `json:"kind"`
		ProductCode string               `json:"productCode"`
		PerMachine  bool                 `json:"perMachine"`
		AllUsers    string               `json:"allUsers"`
		EntryPoints entryPointsJSON      `json:"entryPoints"`
		Checks      []*HealthCheck       `json:"checks"`
		Features    []*FeatureComponents `json:"features"`
		Findings    []Finding            `json:"findings"`
		Signature   AuditSignature       `json:"signature"`
		Cache       CacheCost            `json:"cache"`
		Rewrite     *RewritePreview      `json:"rewrite,omitempty"`
	}{r.Kind, r.ProductCode, r.PerMachine, r.AllUsers, entryPointsJSON{r.eps}, r.Checks, r.Features(), r.Findings(), r.Signature, r.Cache, r.Rewrite})
}

// assemblyFix says what the assembly-names pass of the preview changes
// for a component.
func assemblyFix(rep *AuditReport, comp string) string {
	if rep.assemblyFixes == nil {
		return ""
	}
	return rep.assemblyFixes.Get(comp)
}

// assemblyFixes says, per component, what the assembly-names pass
// changes (its values, in the report's order) or, when it changes
// nothing, its first warning. The texts are the report's own copies, not
// views of the rewritten copy's string pool, so that the copy can go.
func assemblyFixes(r *Report) *textmemo.Index[string] {
	// Indexes by component, not maps: the rows of the pass may all name
	// one long pooled text, which a map hashed for each change and note.
	var changes textmemo.Index[[]string]
	for _, c := range r.Changes() {
		if len(c.Key) >= 2 {
			v := ""
			if len(c.New) >= 3 {
				v = c.New[2]
			}
			changes.Set(c.Key[0], append(changes.Get(c.Key[0]), clip.Sprintf("%s %s=%s", c.Op, c.Key[1], v)))
		}
	}
	// fixes is only looked up, so the order it is filled in is free.
	fixes := &textmemo.Index[string]{}
	for comp, cs := range changes.All() {
		fixes.Set(strings.Clone(comp), "assembly-names: "+strings.Join(cs, "; "))
	}
	for _, n := range r.Notes() {
		if len(n.Key) >= 1 && n.Severity == Warning {
			if !fixes.Has(n.Key[0]) {
				fixes.Set(strings.Clone(n.Key[0]), "assembly-names changes nothing: "+n.Reason)
			}
		}
	}
	return fixes
}

// covering counts the entry points whose health checks cover a feature
// (or a component), keeping the first few: by their index in the
// report's EntryPoints, not their names, and in a slice by feature
// (amFeature.idx), not a map (a map of names by feature name took 9 MB,
// its names 11 MB, for the 54,000 features of 54,000 shortcuts, twice:
// the package's and the rewritten copy's).
type covering struct {
	eps  [coveringNames]int32 // the first entry points counted, distinct by row
	k    int                  // how many of eps are set
	n    int
	upTo bool // n may count an entry point twice
}

const coveringNames = 3

// add counts entry point i (as n) unless it is, or has the row name of,
// one of the entry points kept.
func (c *covering) add(rows *entryRows, i int32, n int) {
	for _, x := range c.eps[:c.k] {
		if rows.same(x, i) {
			return
		}
	}
	if c.k < coveringNames {
		c.eps[c.k] = i
		c.k++
	}
	c.n += n
}

// text lists the names of the entry points kept and how many more there
// are. names holds the entry points' names (rowName) written so far, by
// index: thousands of components covered by the same entry points have
// them written once.
func (c *covering) text(rows *entryRows, names []string) string {
	var s string
	for j, x := range c.eps[:c.k] {
		if names[x] == "" {
			names[x] = rows.eps.rowName(int(x))
		}
		if j > 0 {
			s += ", "
		}
		s += names[x]
	}
	if more := c.n - c.k; more > 0 {
		if c.upTo {
			s += clip.Sprintf(" and up to %d more", more)
		} else {
			s += clip.Sprintf(" and %d more", more)
		}
	}
	return s
}

// coveringTexts remembers the text made of each covering (its entry
// points, count and upTo say all the text says), up to
// maxCoveringTexts of them: past that, texts are made again.
type coveringTexts map[covering]string

const maxCoveringTexts = 4096

func (ct *coveringTexts) text(c covering, build func() string) string {
	if t, ok := (*ct)[c]; ok {
		return t
	}
	t := build()
	if *ct == nil {
		*ct = coveringTexts{}
	}
	if len(*ct) < maxCoveringTexts {
		(*ct)[c] = t
	}
	return t
}

// entryRows are the report's entry points and a print of each one's row
// name, so that most entry points of other rows are told apart by
// comparing two numbers: coverage compares each entry point with those
// kept by each feature of its chain (64 features for each of 54,000
// shortcuts: 10 million comparisons).
type entryRows struct {
	eps    *epList
	prints []uint64
	// rows are two entry points' tables and keys, as row decodes them.
	rows [2]EntryPoint
	head epHead
}

func newEntryRows(eps *epList) *entryRows {
	r := &entryRows{eps: eps, prints: make([]uint64, eps.len())}
	seed := maphash.MakeSeed()
	for i := range r.prints {
		r.prints[i] = rowPrint(seed, r.row(int32(i), 0))
	}
	return r
}

// row decodes the table and key of entry point i into r.rows[k], which
// the next call for k reuses.
func (r *entryRows) row(i int32, k int) *EntryPoint {
	r.head.key = r.rows[k].Key[:0]
	r.eps.head(int(i), &r.head, true)
	ep := &r.rows[k]
	ep.Table, ep.Key = epKindNames[r.head.kind].table, r.head.key
	return ep
}

// same reports whether entry points i and j have the same row name
// (small enough to be inlined: coverage asks it millions of times, and
// the rows are read only when their prints are the same).
func (r *entryRows) same(i, j int32) bool {
	return i == j || r.prints[i] == r.prints[j] && r.sameRows(i, j)
}

func (r *entryRows) sameRows(i, j int32) bool { return sameRowName(r.row(i, 0), r.row(j, 1)) }

// rowPrintEnds is how many bytes of each end of the joined key a row
// print hashes: a print costs the same whatever the key's length.
const rowPrintEnds = 32

// rowPrint returns a hash of what rowName(ep) says, the same for the
// same name: its table, the length of its key joined with ", " and the
// first and last rowPrintEnds bytes of that.
func rowPrint(seed maphash.Seed, ep *EntryPoint) uint64 {
	n := joinedLen(ep.Key)
	var b [8 + 2*rowPrintEnds]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(n))
	head := b[8 : 8+min(n, rowPrintEnds)]
	c := keyCursor{key: ep.Key}
	for k := 0; k < len(head); {
		run := c.run()
		if run == "" {
			break // not met: n counts the bytes run yields
		}
		m := copy(head[k:], run)
		c.skip(m)
		k += m
	}
	// The end, cell by cell from the last, each cell but the first
	// after its ", ".
	tail := b[8+rowPrintEnds : 8+rowPrintEnds+min(n, rowPrintEnds)]
	k := len(tail)
	put := func(s string) { // s's last k bytes or fewer, before tail[k:]
		s = s[max(0, len(s)-k):]
		k -= copy(tail[k-len(s):k], s)
	}
	for j := len(ep.Key) - 1; j >= 0 && k > 0; j-- {
		put(ep.Key[j])
		if j > 0 && k > 0 {
			put(", ")
		}
	}
	copy(b[8+len(head):], tail) // head and tail side by side
	return maphash.String(seed, ep.Table) ^ bits.RotateLeft64(maphash.Bytes(seed, b[:8+len(head)+len(tail)]), 1)
}

// rowName is an entry point's row: "Table [key, ...]", each key value
// clipped (rowRef).
func rowName(ep *EntryPoint) string { return rowRef(ep.Table, ep.Key...) }

// rowRef names a row for people: "Table [key, ...]". Each key value is
// clipped (clip.String): a finding names its rows, and a long pooled key
// value shared by the rows of many findings is not copied into each.
func rowRef(table string, key ...string) string {
	// Written in one allocation: joined, then bracketed, the name of
	// each of 460,000 entry points was made three times over.
	n := len(table) + len(" []")
	for j, k := range key {
		if j > 0 {
			n += len(", ")
		}
		n += min(len(k), clip.Max)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(table)
	b.WriteString(" [")
	for j, k := range key {
		if j > 0 {
			b.WriteString(", ")
		}
		b.WriteString(clip.String(k))
	}
	b.WriteByte(']')
	return b.String()
}

// sameRowName reports whether rowName(a) == rowName(b), without writing
// them: the keys joined with ", " are compared a run of bytes at a time.
func sameRowName(a, b *EntryPoint) bool {
	if a == b {
		return true
	}
	if a.Table != b.Table || joinedLen(a.Key) != joinedLen(b.Key) {
		return false
	}
	ca, cb := keyCursor{key: a.Key}, keyCursor{key: b.Key}
	for {
		sa, sb := ca.run(), cb.run()
		if sa == "" || sb == "" {
			return sa == sb
		}
		n := min(len(sa), len(sb))
		if sa[:n] != sb[:n] {
			return false
		}
		ca.skip(n)
		cb.skip(n)
	}
}

// joinedLen returns len(strings.Join(key, ", ")).
func joinedLen(key []string) int {
	n := 0
	for j, k := range key {
		if j > 0 {
			n += 2
		}
		n += len(k)
	}
	return n
}

// A keyCursor reads the cells of a key joined with ", " without joining
// them: run is what is left of the current cell or separator.
type keyCursor struct {
	key  []string
	cell int  // the cell being read
	off  int  // bytes of it (or of the separator after it) read
	sep  bool // reading the ", " after the cell
}

func (c *keyCursor) run() string {
	for c.cell < len(c.key) {
		if c.sep {
			if c.off < 2 {
				return ", "[c.off:]
			}
			c.cell, c.off, c.sep = c.cell+1, 0, false
			continue
		}
		if k := c.key[c.cell]; c.off < len(k) {
			return k[c.off:]
		}
		if c.cell == len(c.key)-1 {
			c.cell++
			break
		}
		c.off, c.sep = 0, true
	}
	return ""
}

func (c *keyCursor) skip(n int) { c.off += n }

// coverage returns, per feature (by amFeature.idx), the entry points
// whose health checks cover it: those whose feature (featureOf; "" to
// skip) has it in its chain.
func coverage(m *auditModel, rows *entryRows, featureOf func(int32, *epHead) string) []covering {
	out := make([]covering, m.numFeatures)
	var h epHead
	for i := range rows.eps.len() {
		rows.eps.head(i, &h, false)
		f := featureOf(int32(i), &h)
		if f == "" {
			continue
		}
		ft := m.features.Get(f)
		if ft == nil {
			continue
		}
		chain, _, _ := m.chainOf(f)
		m.chainFeatures(ft, chain, func(g *amFeature) { out[g.idx].add(rows, int32(i), 1) })
	}
	return out
}

// componentCoverage sums the coverage of a component's features. An entry
// point whose chain holds two of them is counted twice, so the count is
// an upper bound then.
func componentCoverage(m *auditModel, by []covering, rows *entryRows, component string) covering {
	var out covering
	feats := m.featuresOf(component)
	for _, f := range feats {
		if ft := m.features.Get(f); ft != nil {
			c := &by[ft.idx]
			for _, x := range c.eps[:c.k] {
				out.add(rows, x, 0)
			}
			out.n += c.n
		}
	}
	if out.n < out.k {
		out.n = out.k
	}
	out.upTo = len(feats) > 1
	return out
}

// auditSignature verifies the signature (no chain check: trust is the
// verify command's job) and says what a rewrite does to it.
func auditSignature(db *msi.Database, now time.Time, rep *AuditReport) {
	si, _ := db.Signature()
	s := &rep.Signature
	s.Signed, s.Extended = si.Signed, si.Extended
	changes := rep.Rewrite != nil && rep.Rewrite.Changes > 0
	if !si.Signed {
		s.Rewrite = "not signed: a rewrite changes no signature"
		return
	}
	var sig *authenticode.Signature
	err := errors.New("not verified: the database was not opened from a file (Audit verifies the file msi.Open read)")
	if db.Path() != "" {
		sig, err = authenticode.VerifyFile(db.Path(), &authenticode.VerifyOptions{NoChain: true, CurrentTime: now})
	}
	var ve *authenticode.VerifyError
	switch {
	case err == nil:
		s.Valid = true
	case errors.As(err, &ve):
		for _, p := range ve.Problems {
			s.Problems = append(s.Problems, strings.TrimPrefix(p.Error(), "authenticode: "))
		}
	default:
		s.Problems = append(s.Problems, strings.TrimPrefix(err.Error(), "authenticode: "))
	}
	if sig != nil && sig.Signer != nil {
		s.Signer = authenticode.FormatName(sig.Signer.Subject)
	}
	const avoid = " A transform (.mst) applied at install (msiexec /i product.msi TRANSFORMS=fix.mst) leaves the signed package byte for byte as it is, so its signature stays valid and Windows caches both (msikit rewrite --as-transform writes one)."
	if changes {
		s.Rewrite = "msikit rewrite changes the tables, which invalidates the signature: it refuses without --drop-signature, or signs the output with --sign-cert/--sign-key or --pfx (your signature, not the vendor's)." + avoid
	} else {
		s.Rewrite = "msikit rewrite changes nothing in this package, so the signature stays."
		if rep.Rewrite == nil {
			s.Rewrite = "any change to the tables invalidates the signature: msikit rewrite refuses a signed package without --drop-signature, or signs the output with --sign-cert/--sign-key or --pfx." + avoid
		}
	}
}

// auditCache totals what the installer caches.
func auditCache(db *msi.Database, rep *AuditReport) error {
	c := &rep.Cache
	c.PackageBytes = db.Size()
	cabs, err := install.Cabinets(db)
	if err != nil {
		return fmt.Errorf("transform: audit: %w", err)
	}
	seen := map[string]bool{}
	for _, cab := range cabs {
		if cab.Embedded && !seen[cab.Stream] {
			seen[cab.Stream] = true
			c.EmbeddedCabinets++
			c.EmbeddedCabinetBytes += cab.Size
		}
	}
	c.Note = clip.Sprintf("Windows Installer 5 and later cache the whole package, %d bytes with %d bytes of embedded cabinets, in %%WINDIR%%\\Installer for repairs and uninstall; earlier versions cached it without the embedded cabinets", c.PackageBytes, c.EmbeddedCabinetBytes)
	return nil
}

// WriteText writes the report for people: the entry points with their
// descriptors and health checks, the findings, the signature and the
// cache cost. Text from the package is written as it is; callers that
// print to a terminal escape it.
//
// Each line is one Write, so that a writer that escapes what it is given
// sees whole lines; give it a buffered writer for speed.
func (r *AuditReport) WriteText(w io.Writer) error {
	b := &lineWriter{w: w}
	fmt.Fprintf(b, "Kind: %s; product code %s; %s (ALLUSERS=%q)\n", r.Kind, orDash(r.ProductCode), map[bool]string{true: "per machine", false: "per user"}[r.PerMachine], r.AllUsers)
	fmt.Fprintf(b, "\nAdvertised entry points: %d\n", r.RegisteredEntryPoints())
	r.eps.each(epNoName, func(_ int, ep *EntryPoint, name0, name1 string) bool {
		b.parts("  ", ep.Kind, " ")
		b.buf = appendEPName(b.buf, epKindOf(ep.Kind), name0, name1)
		b.parts(" (", ep.Table, " [")
		for j, k := range ep.Key {
			if j > 0 {
				b.parts(", ")
			}
			b.parts(clip.String(k))
		}
		b.line("])")
		// Each line written as its parts, not formatted: the lines of
		// 460,000 entry points (msi-publish-grid.msi, scaled, with
		// --max-entry-points raised) boxed 2 million strings for fmt.
		if !ep.Registered {
			b.line("    not registered: ", ep.NotRegistered)
			return b.err == nil
		}
		if len(ep.Reaches) > 0 {
			b.parts("    reaches: ")
			for j, r := range ep.Reaches {
				if j > 0 {
					b.parts("; ")
				}
				b.parts(clip.String(r))
			}
			b.line()
		}
		// The texts of the package in these lines are clipped, as the
		// key's are: thousands of classes can name one component of a
		// pooled 1.25 MiB text, and writing it whole on each line made
		// 64 GB of report from a 5 MB package.
		for _, d := range ep.Descriptors {
			b.parts("    descriptor at ", clip.String(d.Where))
			if d.Value != "" {
				b.parts(" [", clip.String(d.Value), "]")
			}
			if d.Descriptor != "" {
				b.parts(": ", d.Descriptor)
			} else {
				b.parts(": (", d.Problem, ")")
			}
			if d.Args != "" {
				b.parts(" args ", clip.String(d.Args))
			}
			b.line()
		}
		if ep.Feature != "" {
			b.line("    checks feature ", clip.String(ep.Feature), " for component ", clip.String(ep.Component), " ", clip.String(ep.ComponentID), ": ", strconv.Itoa(ep.Covers), " components")
		}
		if ep.Rewrite != "" {
			if ep.CoversAfter >= 0 {
				b.line("    rewrite: ", ep.Rewrite, " (then ", strconv.Itoa(ep.CoversAfter), " components)")
			} else {
				b.line("    rewrite: ", ep.Rewrite)
			}
		}
		return b.err == nil
	})
	if len(r.Checks) > 0 {
		b.WriteString("\nHealth checks:\n")
	}
	for _, hc := range r.Checks {
		b.line("  feature ", hc.Feature, " (", strings.Join(hc.Features, " < "), "): ", strconv.Itoa(hc.Covers), " components")
		if hc.Problem != "" {
			fmt.Fprintf(b, "    problem: %s\n", hc.Problem)
		}
	}
	for i := range r.features {
		fmt.Fprintf(b, "\nComponents of feature %s: %d\n", r.features[i].name, r.features[i].components)
		for c := range r.CoveredComponents(i) {
			b.line("  ", c.Component, " ", c.ComponentID, ": ", c.KeyPath.describe())
		}
	}
	fmt.Fprintf(b, "\nFindings: %d\n", len(r.findings))
	for i := range r.findings {
		f := r.Finding(i)
		b.line("  ", string(f.Severity), " ", f.Rule, ": ", f.Message)
		b.line("    rows: ", strings.Join(f.Rows, "; "))
		b.line("    remedy: ", f.Remedy)
		if f.Fix != "" {
			b.line("    msikit rewrite: ", f.Fix)
		}
	}
	s := r.Signature
	fmt.Fprintf(b, "\nSignature: ")
	switch {
	case !s.Signed:
		b.WriteString("not signed\n")
	case s.Valid:
		fmt.Fprintf(b, "signed, valid (%s)\n", s.Signer)
	default:
		fmt.Fprintf(b, "signed, not valid: %s\n", strings.Join(s.Problems, "; "))
	}
	fmt.Fprintf(b, "  %s\n", s.Rewrite)
	fmt.Fprintf(b, "\nCache: %s\n", r.Cache.Note)
	if r.Rewrite != nil {
		if r.Rewrite.Error != "" {
			fmt.Fprintf(b, "\nRewrite: fails: %s\n", r.Rewrite.Error)
		} else {
			fmt.Fprintf(b, "\nRewrite: %d row changes (msikit rewrite --dry-run lists them)\n", r.Rewrite.Changes)
		}
	}
	return b.err
}

// lineWriter writes formatted lines, one Write each, and keeps the first
// error.
type lineWriter struct {
	w   io.Writer
	buf []byte
	err error
}

// line writes the line made of parts, as fmt.Fprintf with "%s" for each
// part and a line feed would, without boxing each part (the lines of
// entry points, components and findings, millions of them in the report
// of a package of 120,000 components).
func (l *lineWriter) line(parts ...string) {
	if l.err != nil {
		return
	}
	l.parts(parts...)
	l.buf = append(l.buf, '\n')
	l.emit()
}

// parts adds parts to the line being written, which line ends.
func (l *lineWriter) parts(parts ...string) {
	for _, p := range parts {
		l.buf = append(l.buf, p...)
	}
}

func (l *lineWriter) Write(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if len(l.buf) == 0 && len(p) > 0 && bytes.IndexByte(p, '\n') == len(p)-1 {
		// One whole line, as most writes are: not copied first.
		if _, err := l.w.Write(p); err != nil {
			l.err = err
			return 0, err
		}
		return len(p), nil
	}
	l.buf = append(l.buf, p...)
	if err := l.emit(); err != nil {
		return 0, err
	}
	return len(p), nil
}

// emit writes the whole lines of l.buf, one Write each, and keeps the
// rest.
func (l *lineWriter) emit() error {
	for l.err == nil {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		if _, err := l.w.Write(l.buf[:i+1]); err != nil {
			l.err = err
			break
		}
		l.buf = l.buf[:copy(l.buf, l.buf[i+1:])]
	}
	return l.err
}

func (l *lineWriter) WriteString(s string) (int, error) { return l.Write([]byte(s)) }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// describe is the key path on one line.
func (k KeyPath) describe() string {
	var s string
	switch k.Kind {
	case "file":
		s = "file " + k.FileName
		if k.Version != "" {
			s += " version " + k.Version
		}
	case "assembly":
		s = k.AssemblyKind + " assembly " + k.Assembly + " (file " + k.FileName + ")"
	case "registry":
		s = "registry " + k.Root + `\` + k.Key
		if k.Name != "" {
			s += " [" + k.Name + "]"
		}
	case "folder":
		s = "folder " + k.Directory
	case "odbc":
		s = "ODBC data source " + k.ODBC
	default:
		s = k.Kind
	}
	if k.Problem != "" {
		s += ": " + k.Problem
	}
	return s
}
