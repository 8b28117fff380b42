package msilog

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/msikit/msikit/internal/casefold"
	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/msi/darwin"
)

// DefaultMaxEvents is the most events an Explanation lists by default;
// further ones are counted in Dropped.
const DefaultMaxEvents = 500

// maxText is the most bytes of a line an Event quotes.
const maxText = 512

// maxRepeated bounds what a log can add by repeating a line that is not
// an event: causes of one pattern, signatures and unverified lines.
const maxRepeated = 16

// A Package answers what a log's codes mean in the package that was
// installed (msikit log explain --package implements it with the audit's
// model of the package).
type Package interface {
	// ProductCode returns the package's ProductCode property.
	ProductCode() string
	// Component describes the component whose ComponentId is code: its
	// Component row, features and key path; "" when the package has none.
	Component(code string) string
	// Feature describes a feature and its health check; "" when the
	// package has no such feature.
	Feature(name string) string
	// File describes the file a log line names (a File key or a long file
	// name): its File row, component and the cabinet it comes from; ""
	// when unknown.
	File(name string) string
	// Action describes a custom action or standard action name; "" when
	// the package has no such custom action.
	Action(name string) string
}

// Options control Explain. The zero value is the default.
type Options struct {
	// MaxLineLen bounds the bytes of one line that are read (0 means
	// DefaultMaxLineLen); the rest of a longer line is skipped.
	MaxLineLen int
	// MaxEvents bounds the events listed (0 means DefaultMaxEvents).
	MaxEvents int
	// Package, if set, names the rows behind the codes the log mentions.
	Package Package
}

// An Explanation is what Explain found in a log.
type Explanation struct {
	Encoding string `json:"encoding"`
	// Flavor is "Windows Installer", "Wine" or "" (not recognised).
	Flavor   string `json:"flavor"`
	Lines    int    `json:"lines"`
	CutLines int    `json:"cutLines"`
	Product  string `json:"product,omitempty"`
	// ProductCode is the product code the log names first; PackageMatch
	// says whether it equals the --package's (nil without a package).
	ProductCode  string `json:"productCode,omitempty"`
	PackageMatch *bool  `json:"packageMatch,omitempty"`
	// Outcome is succeeded, failed, cancelled or unknown; Status the
	// result code when the log gives one.
	Outcome string `json:"outcome"`
	Status  *int   `json:"status,omitempty"`
	// FailedAction is the first action that failed.
	FailedAction *Event `json:"failedAction,omitempty"`
	// Events are the recognised lines, in order.
	Events  []Event `json:"events"`
	Dropped int     `json:"dropped"`
	// Causes are the explanations drawn from the events.
	Causes []Cause `json:"causes"`
	// Caching says which package ran and whether its signature held.
	Caching *Caching `json:"caching,omitempty"`
}

// An Event is one recognised line.
type Event struct {
	Line    int    `json:"line"`
	Pattern string `json:"pattern"` // a Patterns ID
	Text    string `json:"text"`
	// Fields the pattern extracts.
	Action     string             `json:"action,omitempty"`
	Code       int                `json:"code,omitempty"`
	Meaning    string             `json:"meaning,omitempty"`
	Descriptor *darwin.Descriptor `json:"descriptor,omitempty"`
	Product    string             `json:"product,omitempty"`
	Feature    string             `json:"feature,omitempty"`
	Component  string             `json:"component,omitempty"`
	Resource   string             `json:"resource,omitempty"`
	Assembly   string             `json:"assembly,omitempty"`
	HRESULT    string             `json:"hresult,omitempty"`
	// File is the last file InstallFiles logged before the line.
	File string `json:"file,omitempty"`
	// Package is what the --package says about the codes of the line.
	Package []string `json:"package,omitempty"`
}

// A Cause is an explanation of what went wrong, drawn from one or more
// events.
type Cause struct {
	Pattern string   `json:"pattern"`
	Lines   []int    `json:"lines"`
	Summary string   `json:"summary"`
	Remedy  string   `json:"remedy"`
	Source  string   `json:"source"`
	Package []string `json:"package,omitempty"`
}

// Caching is what the log says about the package that ran.
type Caching struct {
	Original string `json:"original,omitempty"`
	Running  string `json:"running,omitempty"`
	// Cached reports whether the package that ran is a cached copy
	// (%WINDIR%\Installer).
	Cached bool `json:"cached"`
	// Signatures maps a package path to "signed" or "not signed", as the
	// software restriction policy check logged it.
	Signatures map[string]string `json:"signatures,omitempty"`
	// Unverified lists the lines where the elevation prompt found no
	// verifiable package (an empty packagepath).
	Unverified []int `json:"unverified,omitempty"`
}

// The log patterns, compiled by compilePatterns on first use rather than
// at start-up: every msikit command links this package, few explain logs.
var (
	reEngine, reStatus, reProductName, reNote, reAssembly, reAsmName, reHRESULT, reGUID, reCustom, reDetectReq, reDetectComp, reOriginal, reRunning, reSRPSigned, reLUAPath, reProductCode, reProductProp *regexp.Regexp

	patternsOnce sync.Once
)

func compilePatterns() {
	patternsOnce.Do(func() {
		reEngine = regexp.MustCompile(`MainEngineThread is returning ([0-9]+)`)
		reStatus = regexp.MustCompile(`Installation success or error status: ([0-9]+)`)
		reProductName = regexp.MustCompile(`^Product: (.*?) -- `)
		reNote = regexp.MustCompile(`^(?:Note|DEBUG): (?:1: )?(?:Error )?([0-9]{4})\b`)
		reAssembly = regexp.MustCompile(`assembly '([^']*)'`)
		reAsmName = regexp.MustCompile(`assembly name: ([^,]+(?:,[^,:]+=[^,]+)*)`)
		reHRESULT = regexp.MustCompile(`HRESULT: (0x[0-9A-Fa-f]{8})`)
		reGUID = regexp.MustCompile(`\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}`)
		reCustom = regexp.MustCompile(`CustomAction (\S+) returned actual error code ([0-9]+)`)
		reDetectReq = regexp.MustCompile(`Detection of product '([^']*)', feature '([^']*)' failed during request for component '([^']*)'`)
		reDetectComp = regexp.MustCompile(`Detection of product '([^']*)', feature '([^']*)', component '([^']*)' failed\.?(?:\s+The resource '([^']*)' does not exist\.)?`)
		reOriginal = regexp.MustCompile(`Original package ==> (.+)$`)
		reRunning = regexp.MustCompile(`Package we're running from ==> (.+)$`)
		reSRPSigned = regexp.MustCompile(`SOFTWARE RESTRICTION POLICY: (.+?) (has a digital signature|is not digitally signed)`)
		reLUAPath = regexp.MustCompile(`packagepath = ([^,]*),`)
		reProductCode = regexp.MustCompile(`ProductCode = (\{[0-9A-Fa-f-]{36}\})`)
		reProductProp = regexp.MustCompile(`^Property\([A-Z]\): ProductName = (.*)$`)
	})
}

// topLevel are the actions that run a whole sequence; their return value
// is the install's, not a failing step's.
var topLevel = map[string]bool{"INSTALL": true, "ADMIN": true, "ADVERTISE": true, "ExecuteAction": true, "InstallExecute": true, "InstallExecuteAgain": true, "InstallFinalize": true}

type explainer struct {
	ex        *Explanation
	opts      Options
	maxEvents int
	// Evidence for the flavor.
	windows, wine bool
	// Failures seen, before the flavor is known.
	fails3, fails0 []Event
	topValue       map[string]int
	lastFile       string
	lastAction     string
	proxyLine      int
	proxyCauses    int
	assemblyCache  map[string]bool
}

// Explain reads a verbose Windows Installer log (msiexec /l*v) from r,
// line by line, and explains it: the action that failed and the errors
// before it, decoded descriptors, detection failures read as "this
// component's key path is missing, and that entry point started the
// check", known root causes with their remedies (Patterns), and which
// package ran and whether its signature was verified. The log may be
// UTF-16LE (with or without a byte-order mark), UTF-8 or ANSI; lines it
// does not recognise, binary garbage included, are skipped. Memory is
// bounded by Options.MaxLineLen and Options.MaxEvents, whatever the log's
// size; the only error is one reading r.
func Explain(r io.Reader, opts *Options) (*Explanation, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxLineLen <= 0 {
		o.MaxLineLen = DefaultMaxLineLen
	}
	compilePatterns()
	e := &explainer{ex: &Explanation{Events: []Event{}, Causes: []Cause{}}, opts: o, maxEvents: o.MaxEvents,
		topValue: map[string]int{}, assemblyCache: map[string]bool{}}
	if e.maxEvents <= 0 {
		e.maxEvents = DefaultMaxEvents
	}
	lr, err := newLineReader(r, o.MaxLineLen)
	if err != nil {
		return nil, err
	}
	e.ex.Encoding = lr.encoding
	for {
		line, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		e.line(lr.line, line)
	}
	e.ex.Lines, e.ex.CutLines = lr.line, lr.cut
	e.finish()
	return e.ex, nil
}

func clipText(b []byte) string {
	if len(b) > maxText {
		b = b[:maxText]
	}
	return string(b)
}

func (e *explainer) add(ev Event) {
	if len(e.ex.Events) >= e.maxEvents {
		e.ex.Dropped++
		return
	}
	e.ex.Events = append(e.ex.Events, ev)
}

// msiPrefix returns the length of a Windows log line's
// "MSI (s) (50:F4) [12:00:00:000]: " prefix, or 0.
func msiPrefix(b []byte) int {
	if !bytes.HasPrefix(b, []byte("MSI (")) {
		return 0
	}
	head := b
	if len(head) > 48 {
		head = head[:48]
	}
	if i := bytes.Index(head, []byte("]: ")); i > 0 {
		return i + 3
	}
	return 0
}

// line looks at one line. Each pattern is tried only when the line holds
// its literal text, so that most lines cost a few scans and no copy.
func (e *explainer) line(n int, b []byte) {
	if k := msiPrefix(b); k > 0 {
		e.windows = true
		b = b[k:]
	}
	switch {
	case bytes.HasPrefix(b, []byte("Action start ")):
		if name := actionName(b[len("Action start "):]); name != nil && string(name) != e.lastAction {
			e.lastAction = string(name)
		}
		return
	case bytes.HasPrefix(b, []byte("Action ended ")):
		if name, value, ok := actionEnd(b[len("Action ended "):]); ok && (value == 0 || value == 3 || topLevel[string(name)]) {
			e.actionEnded(n, b, string(name), value)
		}
		return
	case bytes.HasPrefix(b, []byte("=== Verbose logging started")):
		e.windows = true
		return
	case bytes.HasPrefix(b, []byte("Message type:")):
		e.wine = true
		return
	case bytes.HasPrefix(b, []byte("File: ")):
		if e.lastAction == "InstallFiles" {
			e.setLastFile(b[len("File: "):])
		}
		return
	}
	if i := bytes.Index(b, []byte("FileCopy(SourceName=")); i >= 0 {
		e.setLastFile(b[i+len("FileCopy(SourceName="):])
		return
	}
	if bytes.Contains(b, []byte("ProductCode = ")) {
		if m := reProductCode.FindSubmatch(b); m != nil && e.ex.ProductCode == "" {
			e.ex.ProductCode = strings.ToUpper(string(m[1]))
		}
	}
	if bytes.Contains(b, []byte("ProductName = ")) {
		if m := reProductProp.FindSubmatch(b); m != nil && e.ex.Product == "" {
			e.ex.Product = string(m[1])
		}
	}
	if bytes.HasPrefix(b, []byte("Product: ")) && e.ex.Product == "" {
		if m := reProductName.FindSubmatch(b); m != nil {
			e.ex.Product = string(m[1])
		}
	}
	if bytes.Contains(b, []byte("MainEngineThread")) {
		if m := reEngine.FindSubmatch(b); m != nil {
			v, _ := strconv.Atoi(string(m[1]))
			e.ex.Status = &v
			e.add(Event{Line: n, Pattern: "result", Text: clipText(b), Code: v, Meaning: errorCodes[v]})
			return
		}
	}
	if bytes.Contains(b, []byte("error status: ")) && e.ex.Status == nil {
		if m := reStatus.FindSubmatch(b); m != nil {
			v, _ := strconv.Atoi(string(m[1]))
			e.ex.Status = &v
		}
	}
	if bytes.Contains(b, []byte("Detection of product")) {
		s := string(b)
		if m := reDetectReq.FindStringSubmatch(s); m != nil {
			e.detection(n, b, "detection-request", m[1], m[2], m[3], "")
			return
		}
		if m := reDetectComp.FindStringSubmatch(s); m != nil {
			e.detection(n, b, "detection-component", m[1], m[2], m[3], m[4])
			return
		}
	}
	if bytes.Contains(b, []byte("Windows Installer proxy information not correctly registered")) {
		e.proxyLine = n
		return
	}
	if bytes.Contains(b, []byte("Failed to connect to server. Error: 0x80004005")) && e.proxyLine > 0 && n-e.proxyLine <= 50 {
		// At most maxRepeated causes: a log repeating the pair (two
		// lines, 110 bytes) would otherwise add one per pair, 45,000
		// from 5 MB (21 MB of text); the first says what happened.
		if e.proxyCauses < maxRepeated {
			e.ex.Causes = append(e.ex.Causes, Cause{Pattern: "proxy-hive-unloaded", Lines: []int{e.proxyLine, n},
				Summary: "msiexec could not connect to the Windows Installer service: the installing account's registry hive was unloaded under it",
				Remedy:  pattern("proxy-hive-unloaded").Remedy, Source: srcProxy})
			e.proxyCauses++
		}
		e.proxyLine = 0
		return
	}
	if bytes.Contains(b, []byte("CustomAction ")) {
		if m := reCustom.FindSubmatch(b); m != nil {
			v, _ := strconv.Atoi(string(m[2]))
			ev := Event{Line: n, Pattern: "custom-action", Text: clipText(b), Action: string(m[1]), Code: v, Meaning: errorCodes[v]}
			if e.opts.Package != nil {
				if d := e.opts.Package.Action(ev.Action); d != "" {
					ev.Package = append(ev.Package, d)
				}
			}
			e.add(ev)
			return
		}
	}
	if bytes.Contains(b, []byte("escriptor")) {
		s := string(b)
		for _, d := range darwin.Find(s, 4) {
			d := d
			ev := Event{Line: n, Pattern: "descriptor", Text: clipText(b), Descriptor: &d.Descriptor}
			e.resolve(&ev, d.Product, d.Feature, d.Component)
			e.add(ev)
		}
		return
	}
	if bytes.Contains(b, []byte("==> ")) {
		if m := reOriginal.FindSubmatch(b); m != nil {
			e.caching().Original = strings.TrimSpace(string(m[1]))
			return
		}
		if m := reRunning.FindSubmatch(b); m != nil {
			c := e.caching()
			c.Running = strings.TrimSpace(string(m[1]))
			c.Cached = strings.Contains(strings.ToLower(c.Running), `\installer\`)
			e.add(Event{Line: n, Pattern: "cached-package", Text: clipText(b)})
			return
		}
	}
	if bytes.Contains(b, []byte("SOFTWARE RESTRICTION POLICY")) {
		if m := reSRPSigned.FindSubmatch(b); m != nil {
			c := e.caching()
			if c.Signatures == nil {
				c.Signatures = map[string]string{}
			}
			if len(c.Signatures) < maxRepeated {
				state := "signed"
				if bytes.HasPrefix(m[2], []byte("is not")) {
					state = "not signed"
				}
				c.Signatures[strings.Trim(string(m[1]), "'")] = state
			}
		}
		return
	}
	if bytes.Contains(b, []byte("MSI_LUA")) {
		if m := reLUAPath.FindSubmatch(b); m != nil && len(bytes.TrimSpace(m[1])) == 0 {
			c := e.caching()
			if len(c.Unverified) < maxRepeated {
				c.Unverified = append(c.Unverified, n)
			}
			e.add(Event{Line: n, Pattern: "cached-package-unverified", Text: clipText(b)})
		}
		return
	}
	if v, ok := errorNumber(b); ok {
		e.errorLine(n, b, string(b), v)
		return
	}
	if bytes.HasPrefix(b, []byte("Note: ")) || bytes.HasPrefix(b, []byte("DEBUG: ")) {
		if m := reNote.FindSubmatch(b); m != nil {
			v, _ := strconv.Atoi(string(m[1]))
			if !benignInternal[v] && v >= 2000 {
				e.add(Event{Line: n, Pattern: "error", Text: clipText(b), Code: v, Meaning: errorCodes[v]})
			}
		}
	}
}

// errorNumber finds "Error NNNN." or "Error NNNN:" (not inside a word)
// in b.
func errorNumber(b []byte) (int, bool) {
	for off := 0; ; {
		i := bytes.Index(b[off:], []byte("Error "))
		if i < 0 {
			return 0, false
		}
		i += off
		off = i + 6
		if i > 0 && isWordByte(b[i-1]) || len(b) < i+11 {
			continue
		}
		d := b[i+6 : i+10]
		if !isDigits(d) || b[i+10] != '.' && b[i+10] != ':' {
			continue
		}
		v, _ := strconv.Atoi(string(d))
		return v, true
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// actionEnd parses the rest of "Action ended HH:MM:SS: NAME. Return value
// N.".
func actionEnd(b []byte) (name []byte, value int, ok bool) {
	i := bytes.Index(b, []byte(": "))
	if i < 0 {
		return nil, 0, false
	}
	b = b[i+2:]
	j := bytes.Index(b, []byte(". Return value "))
	if j <= 0 {
		return nil, 0, false
	}
	name, rest := b[:j], b[j+len(". Return value "):]
	k := 0
	if k < len(rest) && rest[k] == '-' {
		k++
	}
	for k < len(rest) && rest[k] >= '0' && rest[k] <= '9' {
		k++
	}
	if k == 0 || k > 10 || k >= len(rest) || rest[k] != '.' {
		return nil, 0, false
	}
	v, err := strconv.Atoi(string(rest[:k]))
	if err != nil || bytes.IndexByte(name, '.') >= 0 {
		return nil, 0, false
	}
	return name, v, true
}

// actionName returns NAME from "HH:MM:SS: NAME." (the rest of an
// "Action start" line), or nil.
func actionName(b []byte) []byte {
	i := bytes.Index(b, []byte(": "))
	if i < 0 {
		return nil
	}
	b = b[i+2:]
	if j := bytes.IndexByte(b, '.'); j > 0 {
		return b[:j]
	}
	return nil
}

// setLastFile keeps the file name at the start of b (up to a comma),
// without allocating when it does not change.
func (e *explainer) setLastFile(b []byte) {
	if i := bytes.IndexByte(b, ','); i >= 0 {
		b = b[:i]
	}
	b = bytes.TrimSpace(b)
	if string(b) != e.lastFile {
		e.lastFile = string(b)
	}
}

// actionEnded records an "Action ended" line.
func (e *explainer) actionEnded(n int, b []byte, name string, v int) {
	if topLevel[name] {
		e.topValue[name] = v
		return
	}
	if v != 3 && v != 0 {
		return
	}
	ev := Event{Line: n, Pattern: "action-failed", Text: clipText(b), Action: name, Code: v}
	if name == "InstallFiles" {
		ev.File = e.lastFile
	}
	if v == 3 && len(e.fails3) < 64 {
		e.fails3 = append(e.fails3, ev)
	}
	if v == 0 && len(e.fails0) < 64 {
		e.fails0 = append(e.fails0, ev)
	}
}

func (e *explainer) caching() *Caching {
	if e.ex.Caching == nil {
		e.ex.Caching = &Caching{}
	}
	return e.ex.Caching
}

func pattern(id string) Pattern {
	for _, p := range Patterns {
		if p.ID == id {
			return p
		}
	}
	return Pattern{}
}

// errorLine records an "Error NNNN." line.
func (e *explainer) errorLine(n int, b []byte, s string, v int) {
	ev := Event{Line: n, Pattern: "error", Text: clipText(b), Code: v, Meaning: errorCodes[v], Action: e.lastAction}
	if v == 1935 || v == 1938 {
		ev.Pattern = "assembly-error"
		if m := reAssembly.FindStringSubmatch(s); m != nil {
			ev.Assembly = m[1]
		} else if m := reAsmName.FindStringSubmatch(s); m != nil {
			ev.Assembly = strings.TrimSpace(m[1])
		}
		if m := reHRESULT.FindStringSubmatch(s); m != nil {
			ev.HRESULT = strings.ToLower(m[1])
			ev.Meaning = errorCodes[v] + "; " + hresults[ev.HRESULT]
		}
		if g := reGUID.FindString(s); g != "" {
			ev.Component = strings.ToUpper(g)
			e.resolve(&ev, "", "", ev.Component)
		}
	}
	if v == 1706 || v == 1311 || v == 1612 {
		ev.Pattern = "source-missing"
	}
	e.add(ev)
}

// detection records a "Detection of product ..." line.
func (e *explainer) detection(n int, b []byte, id, product, feature, component, resource string) {
	ev := Event{Line: n, Pattern: id, Text: clipText(b), Product: product, Feature: feature, Component: component, Resource: resource}
	e.resolve(&ev, product, feature, component)
	e.add(ev)
}

// resolve adds what the package says about a product, feature and
// component.
func (e *explainer) resolve(ev *Event, product, feature, component string) {
	p := e.opts.Package
	if p == nil || len(e.ex.Events) >= e.maxEvents {
		// No package, or an event that will not be listed (add counts
		// it): asking the package for each of a log's thousands of
		// lines naming a code is work for nothing.
		return
	}
	if product != "" && p.ProductCode() != "" && !strings.EqualFold(product, p.ProductCode()) {
		ev.Package = append(ev.Package, clip.Sprintf("product %s is not the package's (%s)", product, p.ProductCode()))
		return
	}
	if feature != "" {
		if d := p.Feature(feature); d != "" {
			ev.Package = append(ev.Package, d)
		} else {
			ev.Package = append(ev.Package, "feature "+clip.String(feature)+" is not in the package")
		}
	}
	if component != "" {
		if d := p.Component(component); d != "" {
			ev.Package = append(ev.Package, d)
		} else {
			ev.Package = append(ev.Package, "no Component row of the package has ComponentId "+clip.String(component))
		}
	}
}

// finish decides the flavor, the outcome and the causes.
func (e *explainer) finish() {
	ex := e.ex
	switch {
	case e.windows:
		ex.Flavor = "Windows Installer"
	case e.wine:
		ex.Flavor = "Wine"
	}
	fails := e.fails3
	failValue := 3
	if ex.Flavor == "Wine" {
		fails, failValue = e.fails0, 0
	}
	top, haveTop := e.topValue["INSTALL"]
	switch {
	case ex.Status != nil && (*ex.Status == 0 || *ex.Status == 3010):
		ex.Outcome = "succeeded"
	case ex.Status != nil && *ex.Status == 1602:
		ex.Outcome = "cancelled"
	case ex.Status != nil:
		ex.Outcome = "failed"
	case haveTop && top == 1:
		ex.Outcome = "succeeded"
	case haveTop && top == 2:
		ex.Outcome = "cancelled"
	case haveTop && top == failValue:
		ex.Outcome = "failed"
	case len(fails) > 0:
		ex.Outcome = "failed"
	default:
		ex.Outcome = "unknown"
	}
	if e.opts.Package != nil && ex.ProductCode != "" && e.opts.Package.ProductCode() != "" {
		match := strings.EqualFold(ex.ProductCode, e.opts.Package.ProductCode())
		ex.PackageMatch = &match
	}
	if len(fails) > 0 && ex.Outcome != "succeeded" {
		f := fails[0]
		f.Meaning = "the first action that failed"
		ex.FailedAction = &f
		e.add(f)
		e.failedActionCause(f)
	}
	e.detectionCauses()
	for _, ev := range ex.Events {
		switch ev.Pattern {
		case "assembly-error":
			c := Cause{Pattern: ev.Pattern, Lines: []int{ev.Line}, Source: srcAssembly, Package: ev.Package,
				Summary: clip.Sprintf("assembly %q did not install (HRESULT %s)", ev.Assembly, ev.HRESULT), Remedy: pattern(ev.Pattern).Remedy}
			if h := hresults[ev.HRESULT]; h != "" {
				c.Summary += ": " + h
			}
			ex.Causes = append(ex.Causes, c)
		case "source-missing":
			ex.Causes = append(ex.Causes, Cause{Pattern: ev.Pattern, Lines: []int{ev.Line}, Source: srcErrors,
				Summary: fmt.Sprintf("error %d: %s", ev.Code, ev.Meaning), Remedy: pattern(ev.Pattern).Remedy})
		case "custom-action":
			ex.Causes = append(ex.Causes, Cause{Pattern: ev.Pattern, Lines: []int{ev.Line}, Source: srcReturnValues, Package: ev.Package,
				Summary: clip.Sprintf("custom action %s returned %d", ev.Action, ev.Code), Remedy: pattern(ev.Pattern).Remedy})
		}
	}
	if c := ex.Caching; c != nil {
		if len(c.Unverified) > 0 {
			ex.Causes = append(ex.Causes, Cause{Pattern: "cached-package-unverified", Lines: c.Unverified, Source: srcCache,
				Summary: "the package Windows Installer ran could not be verified: its signature did not survive (a cache stripped of embedded cabinets, or a package changed after signing)",
				Remedy:  pattern("cached-package-unverified").Remedy})
		}
		if c.Cached && c.Signatures[c.Original] == "signed" && c.Signatures[c.Running] == "not signed" {
			ex.Causes = append(ex.Causes, Cause{Pattern: "cached-package-unverified", Source: srcCache,
				Summary: "the original package is signed but its cached copy is not: the copy lost its signature",
				Remedy:  pattern("cached-package-unverified").Remedy})
		}
	}
}

// failedActionCause explains the first failing action with the package's
// help.
func (e *explainer) failedActionCause(f Event) {
	c := Cause{Pattern: "action-failed", Lines: []int{f.Line}, Source: srcReturnValues,
		Summary: fmt.Sprintf("action %s failed (return value %d)", f.Action, f.Code),
		Remedy:  pattern("action-failed").Remedy}
	// The errors logged before it, most recent last.
	for _, ev := range e.ex.Events {
		if ev.Line < f.Line && (ev.Pattern == "error" || ev.Pattern == "assembly-error" || ev.Pattern == "source-missing" || ev.Pattern == "custom-action") {
			c.Lines = append(c.Lines, ev.Line)
		}
	}
	p := e.opts.Package
	switch f.Action {
	case "InstallFiles":
		if f.File != "" {
			c.Summary += "; the last file it logged is " + f.File
			if p != nil {
				if d := p.File(f.File); d != "" {
					c.Package = append(c.Package, d)
				}
			}
		}
		c.Remedy = "InstallFiles reads the files from the package's cabinets (or uncompressed source) and installs assemblies into the global cache: check that external cabinets are beside the package, and the assembly identities (msikit audit), then the error lines before it"
	}
	if p != nil {
		if d := p.Action(f.Action); d != "" {
			c.Package = append(c.Package, d)
		}
	}
	e.ex.Causes = append(e.ex.Causes, c)
}

// detectionCauses pairs each detection-component line with the
// detection-request line that started the check: the last one before it
// of its product (case folded) and feature. The requests are found by
// that key, not by a scan back over them comparing products: 250
// requests and 250 component lines naming one product of 5,000
// non-ASCII characters and two features (5 MB) took 2 s of CPU.
func (e *explainer) detectionCauses() {
	reqs := map[string]Event{}
	key := func(ev Event) string {
		p := casefold.Key(ev.Product)
		return strconv.Itoa(len(p)) + ":" + p + ev.Feature
	}
	for _, ev := range e.ex.Events {
		switch ev.Pattern {
		case "detection-request":
			reqs[key(ev)] = ev
		case "detection-component":
			c := Cause{Pattern: "detection-component", Lines: []int{ev.Line}, Source: srcBroken, Remedy: pattern("detection-component").Remedy}
			c.Summary = clip.Sprintf("component %s's key path is missing", ev.Component)
			if ev.Resource != "" {
				c.Summary += " (" + clip.String(ev.Resource) + ")"
			}
			c.Package = append(c.Package, ev.Package...)
			if r, ok := reqs[key(ev)]; ok {
				c.Lines = append([]int{r.Line}, c.Lines...)
				c.Summary += clip.Sprintf(", and the entry point asking for component %s triggered the check of feature %s", r.Component, r.Feature)
				c.Package = append(c.Package, r.Package...)
			}
			e.ex.Causes = append(e.ex.Causes, c)
		}
	}
}

// WriteText writes the explanation for people. Text from the log is
// written as it is; callers that print to a terminal escape it.
func (x *Explanation) WriteText(w io.Writer) error {
	var b strings.Builder
	flavor := x.Flavor
	if flavor == "" {
		flavor = "not recognised as a verbose Windows Installer log"
	}
	fmt.Fprintf(&b, "Log: %s, %d lines", x.Encoding, x.Lines)
	if x.CutLines > 0 {
		fmt.Fprintf(&b, " (%d cut)", x.CutLines)
	}
	fmt.Fprintf(&b, "; %s\n", flavor)
	if x.Product != "" || x.ProductCode != "" {
		fmt.Fprintf(&b, "Product: %s %s", x.Product, x.ProductCode)
		if x.PackageMatch != nil && !*x.PackageMatch {
			b.WriteString(" (not the --package's product)")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Outcome: %s", x.Outcome)
	if x.Status != nil {
		fmt.Fprintf(&b, " (%d", *x.Status)
		if m := errorCodes[*x.Status]; m != "" {
			fmt.Fprintf(&b, ": %s", m)
		}
		b.WriteString(")")
	}
	b.WriteString("\n")
	if f := x.FailedAction; f != nil {
		fmt.Fprintf(&b, "Failed action: %s (line %d)\n", f.Action, f.Line)
	}
	if len(x.Causes) > 0 {
		b.WriteString("\nCauses:\n")
		for _, c := range x.Causes {
			fmt.Fprintf(&b, "  %s (lines %s): %s\n", c.Pattern, joinInts(c.Lines), c.Summary)
			for _, p := range c.Package {
				fmt.Fprintf(&b, "    package: %s\n", p)
			}
			if c.Remedy != "" {
				fmt.Fprintf(&b, "    remedy: %s\n", c.Remedy)
			}
			fmt.Fprintf(&b, "    source: %s\n", c.Source)
		}
	}
	if len(x.Events) > 0 {
		b.WriteString("\nEvents:\n")
		for _, ev := range x.Events {
			fmt.Fprintf(&b, "  line %d %s: %s\n", ev.Line, ev.Pattern, ev.Text)
			if ev.Descriptor != nil {
				fmt.Fprintf(&b, "    descriptor: product %s, feature %q, component %s\n", ev.Descriptor.Product, ev.Descriptor.Feature, orNone(ev.Descriptor.Component))
			}
			if ev.Meaning != "" {
				fmt.Fprintf(&b, "    meaning: %s\n", ev.Meaning)
			}
			for _, p := range ev.Package {
				fmt.Fprintf(&b, "    package: %s\n", p)
			}
		}
		if x.Dropped > 0 {
			fmt.Fprintf(&b, "  (%d more not listed)\n", x.Dropped)
		}
	}
	if c := x.Caching; c != nil {
		b.WriteString("\nPackage:\n")
		if c.Original != "" {
			fmt.Fprintf(&b, "  original: %s%s\n", c.Original, sigNote(c.Signatures[c.Original]))
		}
		if c.Running != "" {
			where := "the original"
			if c.Cached {
				where = "a cached copy"
			}
			fmt.Fprintf(&b, "  ran from: %s (%s)%s\n", c.Running, where, sigNote(c.Signatures[c.Running]))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func sigNote(s string) string {
	if s == "" {
		return ""
	}
	return ", " + s
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func joinInts(v []int) string {
	var s []string
	for _, n := range v {
		s = append(s, strconv.Itoa(n))
	}
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ", ")
}
