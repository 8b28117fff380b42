package sarif

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/msikit/msikit/internal/jsonindent"
)

// Schema and Version are the $schema and version of every log written.
const (
	Schema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	Version = "2.1.0"
)

// Level is a result's or a rule's level.
type Level string

// The levels SARIF defines.
const (
	LevelError   Level = "error"
	LevelWarning Level = "warning"
	LevelNote    Level = "note"
	LevelNone    Level = "none"
)

// A Log is a SARIF log file.
type Log struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []Run  `json:"runs"`
}

// A Run is one run of a tool and its results.
type Run struct {
	Tool    Tool     `json:"tool"`
	Results []Result `json:"results"`
	// Artifacts lists the files the results are about.
	Artifacts []Artifact `json:"artifacts,omitempty"`
}

// Tool describes the analysis tool.
type Tool struct {
	Driver Driver `json:"driver"`
}

// Driver is the tool's main component: its name, version and rules.
type Driver struct {
	Name           string `json:"name"`
	Version        string `json:"version,omitempty"`
	InformationURI string `json:"informationUri,omitempty"`
	Rules          []Rule `json:"rules,omitempty"`
}

// A Rule is a kind of finding.
type Rule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name,omitempty"`
	ShortDescription     *Message       `json:"shortDescription,omitempty"`
	FullDescription      *Message       `json:"fullDescription,omitempty"`
	Help                 *Message       `json:"help,omitempty"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration *Configuration `json:"defaultConfiguration,omitempty"`
	// Properties is the rule's property bag ("tags": []string{...}, ...).
	Properties map[string]any `json:"properties,omitempty"`
}

// Configuration is a rule's default configuration.
type Configuration struct {
	Level Level `json:"level,omitempty"`
}

// A Message is plain text (and, optionally, Markdown).
type Message struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

// A Result is one finding.
type Result struct {
	RuleID    string     `json:"ruleId"`
	RuleIndex *int       `json:"ruleIndex,omitempty"`
	Level     Level      `json:"level,omitempty"`
	Message   Message    `json:"message"`
	Locations []Location `json:"locations,omitempty"`
	// PartialFingerprints identify the result across runs (so that a
	// dashboard can tell a new finding from an old one).
	PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
	// OccurrenceCount is how many times the result was found, when more
	// than once (0 leaves it out).
	OccurrenceCount int `json:"occurrenceCount,omitempty"`
	// Properties is the result's property bag: nil, or a value that
	// encodes as a JSON object (a map with string keys, or a struct,
	// which costs no map to build and sort for each result).
	Properties any `json:"properties,omitempty"`
}

// A Location is where a result is: a file and, within it, logical places
// (a table row, a feature).
type Location struct {
	PhysicalLocation *PhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []LogicalLocation `json:"logicalLocations,omitempty"`
	Message          *Message          `json:"message,omitempty"`
}

// A PhysicalLocation is a file (and, for text files, a region of it).
type PhysicalLocation struct {
	ArtifactLocation ArtifactLocation `json:"artifactLocation"`
	Region           *Region          `json:"region,omitempty"`
}

// An ArtifactLocation names a file by URI (a relative reference for a
// path given on the command line).
type ArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
	Index     *int   `json:"index,omitempty"`
}

// A Region is a range of lines in a text file.
type Region struct {
	StartLine int `json:"startLine,omitempty"`
	EndLine   int `json:"endLine,omitempty"`
}

// A LogicalLocation is a named place that is not a range of a file.
type LogicalLocation struct {
	Name               string `json:"name,omitempty"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	// Kind is one of SARIF's kinds ("object", "member", "resource", ...)
	// or another word.
	Kind string `json:"kind,omitempty"`
}

// An Artifact is a file the run analysed.
type Artifact struct {
	Location ArtifactLocation  `json:"location"`
	Length   int64             `json:"length,omitempty"`
	Hashes   map[string]string `json:"hashes,omitempty"`
}

// URI returns the artifact URI of a file named on the command line: a
// relative URI reference for a relative path, a file URI for an absolute
// one (C:\x becomes file:///C:/x), and a URI unchanged.
func URI(path string) string {
	if strings.Contains(path, "://") {
		return path
	}
	slashed := filepath.ToSlash(path)
	if filepath.IsAbs(path) {
		if !strings.HasPrefix(slashed, "/") {
			slashed = "/" + slashed
		}
		return (&url.URL{Scheme: "file", Path: slashed}).String()
	}
	return (&url.URL{Path: slashed}).String()
}

// New returns a log with one run of the named tool and its rules.
func New(driver Driver) *Log {
	return &Log{Schema: Schema, Version: Version, Runs: []Run{{Tool: Tool{Driver: driver}, Results: []Result{}}}}
}

// Add appends a result to the log's last run, filling its RuleIndex from
// the driver's rules. A result whose rule the driver does not list is an
// error (SARIF consumers look rules up by id).
func (l *Log) Add(r Result) error {
	run := &l.Runs[len(l.Runs)-1]
	i := ruleIndex(run.Tool.Driver, r.RuleID)
	if i < 0 {
		return fmt.Errorf("sarif: result for rule %q, which the tool does not list", r.RuleID)
	}
	r.RuleIndex = &i
	run.Results = append(run.Results, r)
	return nil
}

// ruleIndex returns the index of the driver's rule id, or -1.
func ruleIndex(d Driver, id string) int {
	for i, rule := range d.Rules {
		if rule.ID == id {
			return i
		}
	}
	return -1
}

// Write writes the log as indented JSON followed by a newline.
func (l *Log) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(l)
}

// A Writer writes a log of one run a result at a time, so that a run with
// many results never has them all in memory, nor the whole document. What
// it writes is what Log.Write writes for the log New(driver) with the same
// results added and its run's Artifacts set to artifacts.
type Writer struct {
	w         *bufio.Writer
	own       bool // w is the Writer's own, flushed after each call
	results   *jsonindent.Encoder
	cur       Result // the result being written (not one on the heap per Add)
	curIndex  int    // its RuleIndex
	driver    Driver
	artifacts []Artifact
	n         int // results written
	started   bool
	buf       bytes.Buffer
	enc       *json.Encoder // into buf, reused while the prefix is encPrefix
	encPrefix string
	rb        []byte   // the result being written (writeResult)
	keys      []string // a map's keys, sorted
	err       error
}

// NewWriter returns a Writer of a log with one run of the tool driver
// describes, about artifacts (listed after the results, as Log.Write
// lists them). Nothing is written before the first Add or Close.
func NewWriter(w io.Writer, driver Driver, artifacts []Artifact) *Writer {
	sw := &Writer{driver: driver, artifacts: slices.Clip(artifacts)}
	if bw, ok := w.(*bufio.Writer); ok {
		sw.w = bw
	} else {
		sw.w, sw.own = bufio.NewWriter(w), true
	}
	// The results are written field by field (writeResult), not
	// marshalled and then indented (half of audit --sarif's time with
	// 120,000 findings); the Encoder escapes their strings and writes
	// their property bags. Their messages are each written once, so none
	// is remembered.
	sw.results = jsonindent.NewEncoder(sw.w, jsonindent.Options{NoMemo: true})
	return sw
}

// AddArtifact appends a to the run's artifacts and returns its index, for
// the ArtifactLocation.Index of results about it. Artifacts are written
// by Close, after the results, so that one can be added when its results
// are known.
func (w *Writer) AddArtifact(a Artifact) int {
	w.artifacts = append(w.artifacts, a)
	return len(w.artifacts) - 1
}

// encode writes v as Log.Write would at a depth whose lines start with
// prefix (without the trailing newline), and keeps the first error.
func (w *Writer) encode(prefix string, v any) {
	if w.err != nil {
		return
	}
	w.buf.Reset()
	// One encoder for the results, which share a prefix: a new one
	// grows its indenting buffer again for each of 200,000 results.
	if w.enc == nil || w.encPrefix != prefix {
		w.enc, w.encPrefix = json.NewEncoder(&w.buf), prefix
		w.enc.SetIndent(prefix, "  ")
		w.enc.SetEscapeHTML(false)
	}
	if w.err = w.enc.Encode(v); w.err != nil {
		return
	}
	w.write(bytes.TrimSuffix(w.buf.Bytes(), []byte("\n")))
}

func (w *Writer) write(b []byte) {
	if w.err == nil {
		_, w.err = w.w.Write(b)
	}
}

func (w *Writer) writeString(s string) {
	if w.err == nil {
		_, w.err = w.w.WriteString(s)
	}
}

// flush hands what the call wrote to the underlying writer, when the
// buffer is the Writer's own: a write error is met by the call that
// wrote.
func (w *Writer) flush() {
	if w.own && w.err == nil {
		w.err = w.w.Flush()
	}
}

// start writes what comes before the first result.
func (w *Writer) start() {
	if w.started {
		return
	}
	w.started = true
	head, err := json.MarshalIndent(struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
	}{Schema, Version}, "", "  ")
	if err != nil {
		w.err = err
		return
	}
	w.write(bytes.TrimSuffix(head, []byte("\n}")))
	w.writeString(",\n  \"runs\": [\n    {\n      \"tool\": ")
	w.encode("      ", Tool{Driver: w.driver})
	w.writeString(",\n      \"results\": [")
}

// Add writes a result, filling its RuleIndex from the driver's rules. A
// result whose rule the driver does not list is an error, as with
// Log.Add; a write error is kept and returned by every later call. Add
// keeps nothing of r once it returns (the encoder memoizes no string), so
// r's strings may share bytes the caller then reuses, as the audit and
// validate SARIF writers' do.
func (w *Writer) Add(r Result) error {
	i := ruleIndex(w.driver, r.RuleID)
	if i < 0 {
		return fmt.Errorf("sarif: result for rule %q, which the tool does not list", r.RuleID)
	}
	w.cur, w.curIndex = r, i
	w.cur.RuleIndex = &w.curIndex
	w.start()
	if w.n == 0 {
		w.writeString("\n        ")
	} else {
		w.writeString(",\n        ")
	}
	w.writeResult(&w.cur)
	w.cur = Result{} // nothing of the caller's kept
	w.n++
	w.flush()
	return w.err
}

// Close writes the rest of the log: the end of the results, the
// artifacts and a newline. It does not close the underlying writer.
func (w *Writer) Close() error {
	w.start()
	if w.n > 0 {
		w.writeString("\n      ]")
	} else {
		w.writeString("]")
	}
	if len(w.artifacts) > 0 {
		w.writeString(",\n      \"artifacts\": ")
		w.encode("      ", w.artifacts)
	}
	w.writeString("\n    }\n  ]\n}\n")
	w.flush()
	return w.err
}
