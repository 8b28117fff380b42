package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"runtime/debug"
	"strings"

	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/internal/jsonindent"
	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/validate"
)

var cmdValidate = &Command{
	Name:      "validate",
	UsageLine: "msikit validate FILE... [--json | --sarif] [--ice LIST] [--skip LIST] [--max-findings N]",
	Short:     "check packages with Windows Installer's ICE rules (ICE03, ICE33, ...), off Windows",
	Long: `Validate checks installer databases (.msi) and merge modules (.msm) with the
ICE rules (Internal Consistency Evaluators) that Windows Installer authors
are held to: the checks Microsoft's darice.cub and mergemod.cub run inside
msi.dll, written in Go from their documentation. The README lists which
rules are implemented.

Each finding is printed on one line: the rule, its severity (error,
warning, info), the table, primary key and column it is about, a message and
the rule's documentation link:

  ICE03 error File[f1].Component_: Not a valid foreign key: 'c9' is not in Component (column 1) <https://...>

then a line per package counting errors, warnings and infos. A finding
that repeats (a table's duplicate rows) is printed once, "(and N identical
findings)", and counted N+1 times. --json prints
the same as one JSON document, --sarif as a SARIF 2.1.0 log for
code-scanning dashboards. --ice runs only the rules named, --skip leaves
rules out (comma-separated, or the flag repeated).

ICE03 checks values against the package's own _Validation table; a package
without one gets an info finding and only the checks the schema allows.
ICE33 findings are warnings: msikit rewrite's class-to-registry pass makes
exactly the Registry rows ICE33 warns about, on purpose (see the README's
policy). Patches and transforms are refused: validate their target with
them applied.

The exit status is 1 when a package has an error finding or cannot be read,
0 otherwise (warnings and infos do not fail). Several packages are
validated one after the other; a failure does not stop the others.`,
	Example: `msikit validate product.msi
msikit validate --skip ICE33,ICE91 dist/*.msi
msikit validate --sarif product.msi > msikit.sarif
msikit validate --ice ICE03 --json module.msm | jq '.packages[0].findings'`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		asJSON := fs.Bool("json", false, "print the findings as one JSON document")
		asSARIF := fs.Bool("sarif", false, "print the findings as a SARIF 2.1.0 log")
		ice := fs.StringSlice("ice", nil, "run only the rules `LIST` (comma-separated, as ICE03,ICE33)")
		skip := fs.StringSlice("skip", nil, "do not run the rules `LIST`")
		maxF := fs.Int("max-findings", validate.DefaultMaxFindings, "list at most `N` findings per rule and severity, and count the rest (0: list all)")
		return func(env *Env, args []string) error {
			if len(args) == 0 {
				return usagef("no input package")
			}
			if *asJSON && *asSARIF {
				return usagef("--json and --sarif exclude each other")
			}
			opts, err := validateOptions(*ice, *skip, *maxF)
			if err != nil {
				return err
			}
			return runValidate(env, args, opts, *asJSON, *asSARIF)
		}
	},
}

// validateOptions checks the rule names and the finding limit before any
// package is read.
func validateOptions(ice, skip []string, maxFindings int) (*validate.Options, error) {
	known := map[string]bool{}
	var names []string
	for _, r := range validate.Rules() {
		known[r.ICE] = true
		names = append(names, r.ICE)
	}
	for _, l := range [][]string{ice, skip} {
		for _, n := range l {
			if !known[strings.ToUpper(strings.TrimSpace(n))] {
				return nil, usagef("unknown rule %q (rules: %s)", n, strings.Join(names, ", "))
			}
		}
	}
	if maxFindings < 0 {
		return nil, usagef("--max-findings must be 0 (no limit) or more")
	}
	o := &validate.Options{Rules: ice, Skip: skip, MaxFindings: maxFindings}
	if maxFindings == 0 {
		o.MaxFindings = -1
	}
	return o, nil
}

// validateResult is one package's outcome; its JSON form is the
// documented schema (the findings are written from a spool, in place of
// the empty list the field holds).
type validateResult struct {
	File     string             `json:"file"`
	Kind     string             `json:"kind,omitempty"`
	Error    string             `json:"error,omitempty"`
	Errors   int                `json:"errors"`
	Warnings int                `json:"warnings"`
	Infos    int                `json:"infos"`
	Findings []validate.Finding `json:"findings"`
	err      error
}

// count adds f to the result's counts.
func (r *validateResult) count(f validate.Finding) {
	e, w, i := validate.Counts([]validate.Finding{f})
	r.Errors += e
	r.Warnings += w
	r.Infos += i
}

// runValidate validates the packages one after the other and writes each
// finding as it comes: text and SARIF straight to standard output, JSON
// into a spool (findingSpool) until the package's counts, which come
// first in its object, are known. Nothing grows with the number of
// findings (--max-findings 0 lists them all). A package whose validation
// stops (a table that cannot be decoded) keeps the findings of the rules
// run before, and its error is reported.
func runValidate(env *Env, files []string, opts *validate.Options, asJSON, asSARIF bool) error {
	var (
		sw       *validate.SARIFWriter
		sarifOut *bufio.Writer
		jw       *validateJSON
		text     *bufio.Writer
	)
	switch {
	case asSARIF:
		// Through a buffer of our own, flushed by Close: one the
		// SARIFWriter made would be flushed after each result, a write
		// of about a kilobyte each (760,000 of them for a package of
		// 4.8 MB).
		sarifOut = bufio.NewWriterSize(env.Stdout, 64<<10)
		sw = validate.NewSARIFWriter(sarifOut, msikitVersion())
	case asJSON:
		jw = newValidateJSON(env.Stdout)
	default:
		text = bufio.NewWriterSize(env.Stdout, 64<<10)
	}
	var failed []error
	for _, name := range files {
		if err := env.stopped(); err != nil {
			return err
		}
		r := &validateResult{File: name, Findings: []validate.Finding{}}
		db, err := openMSI(env, name)
		if err != nil {
			r.err = err
			r.Error = errorLine(err)
			if jw != nil {
				if err := jw.pkg(r, nil); err != nil {
					return err
				}
			}
			failed = append(failed, r.err)
			continue
		}
		r.Kind = db.Kind().String()
		findings := func(yield func(validate.Finding, error) bool) {
			for f, err := range validate.Findings(env.context(), db, opts) {
				if err != nil {
					r.err = fileErr(name, err)
					r.Error = errorLine(r.err)
					yield(f, err)
					return
				}
				r.count(f)
				if !yield(f, nil) {
					return
				}
			}
		}
		switch {
		case sw != nil:
			if err = sw.AddFindings(name, findings); r.err != nil {
				err = nil // the package's error, not the output's
			}
		case jw != nil:
			err = jw.findings(findings)
		default:
			// The file name as textWriter writes it, once; a finding's
			// text is escapeText's, which textWriter would write as it
			// is (escapeText's output is printable, without tabs or line
			// feeds), so the lines skip textWriter's second look.
			var prefix strings.Builder
			if len(files) > 1 {
				textWriter{&prefix}.Write([]byte(name + ": "))
			}
			var line []byte // escapeText's, escaped into a buffer reused
			for f, err := range findings {
				if err != nil {
					break
				}
				text.WriteString(prefix.String())
				line = appendEscape(line[:0], f.String(), false)
				text.Write(line)
				text.WriteByte('\n')
			}
			err = text.Flush()
		}
		db.Close()
		if err != nil {
			return err // the output failed
		}
		if err := env.stopped(); err != nil {
			if r.err != nil {
				return r.err // cut short, and named
			}
			return err
		}
		switch {
		case jw != nil:
			if err := jw.pkg(r, jw.spool); err != nil {
				return err
			}
		case text != nil && r.err == nil:
			fmt.Fprintf(textWriter{text}, "%s: %s, %s, %s\n", r.File, plural(r.Errors, "error"), plural(r.Warnings, "warning"), plural(r.Infos, "info"))
			if err := text.Flush(); err != nil {
				return err
			}
		}
		switch {
		case r.err != nil:
			failed = append(failed, r.err)
		case r.Errors > 0:
			failed = append(failed, fmt.Errorf("%s: %s", r.File, plural(r.Errors, "error")))
		}
	}
	switch {
	case jw != nil:
		if err := jw.close(); err != nil {
			return err
		}
	case sw != nil:
		if err := sw.Close(); err != nil {
			return err
		}
		if err := sarifOut.Flush(); err != nil {
			return err
		}
	}
	if len(failed) == 0 {
		return nil
	}
	for _, err := range failed[:len(failed)-1] {
		fmt.Fprintf(env.Stderr, "msikit: %s\n", errorLine(err))
	}
	return failed[len(failed)-1]
}

// validateJSON writes {"packages": [...]} as a json.Encoder indenting by
// two spaces writes it, one finding at a time: the Encoder held the
// document twice over (marshalled, then indented) beside the findings, and
// --max-findings 0 lists them all. A package's findings are spooled
// (findings) until its counts are known, then its object is written
// (pkg).
type validateJSON struct {
	bw       *bufio.Writer
	packages *jsonList
	enc      *jsonindent.Encoder
	spool    *findingSpool
}

func newValidateJSON(w io.Writer) *validateJSON {
	j := &validateJSON{bw: bufio.NewWriterSize(w, 64<<10), spool: &findingSpool{}}
	j.bw.WriteString("{\n  \"packages\": ")
	j.packages = startJSONList(j.bw, "  ")
	// One Encoder for the findings, writing as encoding/json's indenting
	// Encoder would (which wrote each finding into a buffer, then
	// indented it: twice the time). NoMemo: a finding's texts are made
	// afresh for it.
	j.enc = jsonindent.NewEncoder(nil, jsonindent.Options{EscapeHTML: true, NoMemo: true})
	return j
}

// findings spools the list of one package's findings.
func (j *validateJSON) findings(findings iter.Seq2[validate.Finding, error]) error {
	j.spool.reset()
	sw := bufio.NewWriterSize(j.spool, 64<<10)
	list := startJSONList(sw, "      ")
	j.enc.Reset(sw)
	for f, err := range findings {
		if err != nil {
			break // the package's error, which the caller has
		}
		if err := j.enc.Encode(list.next(), &f); err != nil {
			return err
		}
	}
	list.end()
	return sw.Flush()
}

// pkg writes the object of one package, its findings from spool (nil:
// none).
func (j *validateJSON) pkg(r *validateResult, spool *findingSpool) error {
	in := j.packages.next()
	b, err := json.MarshalIndent(r, in, "  ")
	if err != nil {
		return err
	}
	if spool == nil {
		j.bw.Write(b)
		return nil
	}
	// The package's own "findings" (the fields before it hold no
	// newline at that depth: JSON strings escape theirs).
	const slot = "\n      \"findings\": []"
	at := bytes.Index(b, []byte(slot))
	if at < 0 {
		return errors.New("validate: no findings field in the JSON document")
	}
	at += len(slot) - 2 // at its "[]", which the findings replace
	j.bw.Write(b[:at])
	if _, err := spool.WriteTo(j.bw); err != nil {
		return fmt.Errorf("validate: reading the spooled findings back: %w", err)
	}
	_, err = j.bw.Write(b[at+2:])
	return err
}

// close ends the document.
func (j *validateJSON) close() error {
	defer j.spool.close()
	j.packages.end()
	j.bw.WriteString("\n}\n")
	return j.bw.Flush()
}

// spoolMemory is how much of a package's JSON findings a findingSpool
// holds in memory before it moves them to a temporary file.
const spoolMemory = 1 << 20

// findingSpool holds the JSON of one package's findings until the
// package's counts are written: in memory up to spoolMemory, then in a
// temporary file (safefile.NewScratch, removed by close), so that memory does
// not grow with the findings listed. It is reset for each package.
type findingSpool struct {
	mem bytes.Buffer
	f   *safefile.Scratch
}

func (s *findingSpool) Write(p []byte) (int, error) {
	if s.f == nil && s.mem.Len()+len(p) > spoolMemory {
		f, err := safefile.NewScratch("msikit-validate-*.json")
		if err != nil {
			return 0, fmt.Errorf("validate: spooling the findings: %w", err)
		}
		s.f = f
		if _, err := s.mem.WriteTo(f); err != nil {
			return 0, err
		}
		s.mem = bytes.Buffer{}
	}
	if s.f != nil {
		return s.f.Write(p)
	}
	return s.mem.Write(p)
}

// WriteTo writes what was spooled since the last reset.
func (s *findingSpool) WriteTo(w io.Writer) (int64, error) {
	if s.f == nil {
		return s.mem.WriteTo(w)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	return io.Copy(w, s.f)
}

// reset empties the spool (its file, if it has one, is truncated).
func (s *findingSpool) reset() {
	s.mem.Reset()
	if s.f != nil {
		s.f.Truncate(0)
		s.f.Seek(0, io.SeekStart)
	}
}

// close removes the temporary file (safefile.Scratch: on most systems
// it has had no name since it was made).
func (s *findingSpool) close() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

// msikitVersion is the module version msikit was built from.
func msikitVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// writeCheck is --validate for one write: the input's findings, taken
// before anything is written (an --in-place write replaces the input).
type writeCheck struct {
	in     string
	before []validate.Finding
}

// validateInput validates the package a write starts from. It returns nil
// when --validate was not given.
func validateInput(wanted bool, in string) (*writeCheck, error) {
	if !wanted {
		return nil, nil
	}
	fs, err := validateFile(in)
	if err != nil {
		return nil, fileErr(in, fmt.Errorf("--validate: %w", err))
	}
	return &writeCheck{in: in, before: fs}, nil
}

func validateFile(name string) ([]validate.Finding, error) {
	db, err := msi.Open(name)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return validate.Validate(db, nil)
}

// validationReport is what --validate found, in a writer's report.
type validationReport struct {
	Output    string             `json:"output"`
	Errors    int                `json:"errors"`
	Warnings  int                `json:"warnings"`
	NewErrors []validate.Finding `json:"new_errors"`
	// NewWarnings counts the warnings the output has and the input had
	// not (the ICE33 warnings of class-to-registry, for one).
	NewWarnings int `json:"new_warnings"`
}

// errNewErrors marks a write whose output failed --validate.
var errNewErrors = errors.New("validation found errors the input did not have")

// check validates the written output against the input. It returns the
// report, and an error wrapping errNewErrors when the output has new
// errors (the output stays as written).
func (wc *writeCheck) check(out string) (*validationReport, error) {
	if wc == nil {
		return nil, nil
	}
	after, err := validateFile(out)
	if err != nil {
		return nil, fileErr(out, fmt.Errorf("--validate: %w", err))
	}
	rep := &validationReport{Output: out, NewErrors: validate.Added(wc.before, after, validate.Error)}
	rep.Errors, rep.Warnings, _ = validate.Counts(after)
	for _, f := range validate.Added(wc.before, after, validate.Warning) {
		if f.Severity == validate.Warning {
			rep.NewWarnings += max(f.Omitted, 1)
		}
	}
	if rep.NewErrors == nil {
		rep.NewErrors = []validate.Finding{}
	}
	if n, _, _ := validate.Counts(rep.NewErrors); n > 0 {
		return rep, fileErr(out, fmt.Errorf("--validate: %w: %s (the output is kept as written)", errNewErrors, plural(n, "new error")))
	}
	return rep, nil
}

// report validates the written output and prints the result on standard
// output (nothing without --validate). It returns the error of a failed
// check.
func (wc *writeCheck) report(env *Env, out string) error {
	if wc == nil {
		return nil
	}
	rep, err := wc.check(out)
	writeValidation(env.Stdout, rep, "")
	return err
}

// writeValidation prints a --validate report: a summary line, then each
// new error.
func writeValidation(w io.Writer, rep *validationReport, indent string) {
	if rep == nil {
		return
	}
	w = textWriter{w}
	status := "no error the input did not have"
	if n, _, _ := validate.Counts(rep.NewErrors); n > 0 {
		status = plural(n, "new error")
	}
	fmt.Fprintf(w, "%svalidated %s: %s (%s, %s; %s)\n", indent, rep.Output, status,
		plural(rep.Errors, "error"), plural(rep.Warnings, "warning"), plural(rep.NewWarnings, "new warning"))
	for _, f := range rep.NewErrors {
		fmt.Fprintf(w, "%s  %s\n", indent, escapeText(f.String()))
	}
}
