package validate

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"iter"
	"unsafe"

	"github.com/msikit/msikit/internal/sarif"
)

// An Artifact is one validated package for WriteSARIF: the path or URI the
// log names it by, and its findings.
type Artifact struct {
	Path     string
	Findings []Finding
}

// WriteSARIF writes the findings of the artifacts as one SARIF 2.1.0 log
// (one run of the tool "msikit", at the given version), for code-scanning
// dashboards. Every rule is described in the run, with its documentation
// link; errors, warnings and infos become the levels "error", "warning"
// and "note"; a finding with Duplicates gets occurrenceCount
// 1+Duplicates. A package is binary and has no lines, so each result points
// at line 1 of its package, which is what dashboards need to show it, and
// names its table, column and key as a logical location
// ("File[f1].Component_") and in its properties. Fingerprints hash the
// rule, location and message, so that an unchanged finding keeps its
// identity from run to run.
//
// WriteSARIF is NewSARIFWriter, Add of each artifact and Close.
func WriteSARIF(w io.Writer, version string, artifacts ...Artifact) error {
	sw := NewSARIFWriter(w, version)
	for _, a := range artifacts {
		if err := sw.Add(a); err != nil {
			return err
		}
	}
	return sw.Close()
}

// A SARIFWriter writes the log WriteSARIF writes a package at a time: Add
// writes the results of one package as they come, so that neither the
// findings of earlier packages nor the log need be in memory (the
// artifacts, a path each, are listed by Close). After an error the log
// written so far is incomplete.
type SARIFWriter struct {
	w *sarif.Writer
	n int // artifacts added
	// What a result is built from, reused: sarif.Writer.Add keeps
	// nothing of a result it has written, so each is built in place of
	// the last, without the nine allocations (its texts, locations,
	// fingerprint map and property bag) it took for each of 760,000
	// findings.
	loc      [1]sarif.Location
	phys     sarif.PhysicalLocation
	region   sarif.Region
	logical  [1]sarif.LogicalLocation
	props    resultProps
	fps      map[string]string
	text     []byte   // the message and link
	name     []byte   // the logical location's name
	hashed   []byte   // what the fingerprint hashes
	hexPrint [16]byte // the fingerprint
}

// NewSARIFWriter returns a SARIFWriter writing to w, naming the tool's
// version. Nothing is written before the first Add or Close.
func NewSARIFWriter(w io.Writer, version string) *SARIFWriter {
	driver := sarif.Driver{Name: "msikit", Version: version, InformationURI: "https://github.com/msikit/msikit"}
	for _, r := range Rules() {
		tags := []string{"windows-installer"}
		if r.MergeModules && !r.Installers {
			tags = append(tags, "merge-module")
		}
		driver.Rules = append(driver.Rules, sarif.Rule{ID: r.ICE, Name: r.ICE,
			ShortDescription: &sarif.Message{Text: r.Summary}, HelpURI: r.URL,
			Properties: map[string]any{"tags": tags}})
	}
	return &SARIFWriter{w: sarif.NewWriter(w, driver, nil), fps: map[string]string{}}
}

// Add writes the results of one package's findings and lists the package
// as an artifact of the run.
func (s *SARIFWriter) Add(a Artifact) error {
	return s.AddFindings(a.Path, func(yield func(Finding, error) bool) {
		for _, f := range a.Findings {
			if !yield(f, nil) {
				return
			}
		}
	})
}

// AddFindings is Add of the findings of path as they come, from Findings
// for one: each is written before the next is asked for. The first error
// of findings stops it and is returned; the results written before it
// stay in the log, which the caller may still Close, and the package is
// listed as an artifact if it has results (an error before the first,
// as Findings gives for a patch, leaves it out).
func (s *SARIFWriter) AddFindings(path string, findings iter.Seq2[Finding, error]) error {
	ai := s.n
	loc := sarif.ArtifactLocation{URI: sarif.URI(path), Index: &ai}
	listed := false
	list := func() {
		if !listed {
			listed = true
			s.n++
			s.w.AddArtifact(sarif.Artifact{Location: loc})
		}
	}
	for f, err := range findings {
		if err != nil {
			return err
		}
		list()
		if err := s.w.Add(s.result(&f, loc)); err != nil {
			return err
		}
	}
	list()
	return nil
}

// result is the SARIF result of f, found in the artifact at loc, built in
// s's buffers: it is valid until the next call.
func (s *SARIFWriter) result(f *Finding, loc sarif.ArtifactLocation) sarif.Result {
	var level sarif.Level
	switch f.Severity {
	case Error:
		level = sarif.LevelError
	case Warning:
		level = sarif.LevelWarning
	case Info:
		level = sarif.LevelNote
	}
	s.text = append(append(append(append(s.text[:0], f.Message...), " ("...), f.URL...), ')')
	s.region = sarif.Region{StartLine: 1}
	s.phys = sarif.PhysicalLocation{ArtifactLocation: loc, Region: &s.region}
	s.loc[0] = sarif.Location{PhysicalLocation: &s.phys}
	s.fps["msikitFinding/v1"] = s.fingerprint(f)
	res := sarif.Result{RuleID: f.ICE, Level: level, Message: sarif.Message{Text: bytesString(s.text)},
		Locations: s.loc[:], PartialFingerprints: s.fps}
	if f.Duplicates > 0 {
		res.OccurrenceCount = 1 + f.Duplicates
	}
	if f.Table != "" {
		s.name = append(s.name[:0], f.Table...)
		if len(f.Key) > 0 {
			s.name = append(s.name, '[')
			for i, k := range f.Key {
				if i > 0 {
					s.name = append(s.name, ", "...)
				}
				s.name = append(s.name, k...)
			}
			s.name = append(s.name, ']')
		}
		if f.Column != "" {
			s.name = append(append(s.name, '.'), f.Column...)
		}
		s.logical[0] = sarif.LogicalLocation{FullyQualifiedName: bytesString(s.name)}
		s.loc[0].LogicalLocations = s.logical[:]
	}
	if f.Table != "" || f.Omitted > 0 {
		s.props = resultProps{Column: f.Column, Key: f.Key, Omitted: f.Omitted, Table: f.Table}
		res.Properties = &s.props
	}
	return res
}

// fingerprint identifies a finding across runs: its rule and location, not
// its wording. It is the first 8 bytes, in hex, of the SHA-256 of the
// rule, table, column, key values and message, each ended by a zero byte
// but the message. The string is s's, valid until the next call.
func (s *SARIFWriter) fingerprint(f *Finding) string {
	b := append(s.hashed[:0], f.ICE...)
	b = append(append(b, 0), f.Table...)
	b = append(append(b, 0), f.Column...)
	b = append(b, 0)
	for i, k := range f.Key {
		if i > 0 {
			b = append(b, 0)
		}
		b = append(b, k...)
	}
	b = append(append(b, 0), f.Message...)
	s.hashed = b
	sum := sha256.Sum256(b)
	hex.Encode(s.hexPrint[:], sum[:8])
	return unsafe.String(&s.hexPrint[0], len(s.hexPrint))
}

// bytesString is b as a string sharing its bytes (valid while they are
// not changed), for texts of a result written before they are reused.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// resultProps is the property bag of a result: its fields in the order
// of their names, as a map's keys are written.
type resultProps struct {
	Column  string   `json:"column,omitempty"`
	Key     []string `json:"key,omitempty"`
	Omitted int      `json:"omitted,omitempty"`
	Table   string   `json:"table,omitempty"`
}

// Close writes the end of the log: the artifacts added. It does not close
// the underlying writer.
func (s *SARIFWriter) Close() error { return s.w.Close() }
