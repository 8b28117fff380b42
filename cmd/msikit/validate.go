package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	flag "github.com/spf13/pflag"

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

then a line per package counting errors, warnings and infos. --json prints
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
// documented schema.
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

func runValidate(env *Env, files []string, opts *validate.Options, asJSON, asSARIF bool) error {
	// --sarif writes each package's results once it is validated and keeps
	// only its counts, so that neither all the findings nor the log are
	// in memory at once.
	var sw *validate.SARIFWriter
	if asSARIF {
		sw = validate.NewSARIFWriter(env.Stdout, msikitVersion())
	}
	var results []*validateResult
	for _, name := range files {
		if err := env.stopped(); err != nil {
			return err
		}
		r := validateOne(env, name, opts)
		if err := env.stopped(); err != nil {
			if r.err != nil {
				return r.err // cut short, and named: no findings of it
			}
			return err
		}
		if sw != nil {
			if r.err == nil {
				if err := sw.Add(validate.Artifact{Path: r.File, Findings: r.Findings}); err != nil {
					return err
				}
			}
			r.Findings = nil
		}
		results = append(results, r)
	}
	switch {
	case asJSON:
		if err := writeValidateJSON(env.Stdout, results); err != nil {
			return err
		}
	case asSARIF:
		if err := sw.Close(); err != nil {
			return err
		}
	default:
		w := textWriter{env.Stdout}
		for _, r := range results {
			if r.err != nil {
				continue
			}
			prefix := ""
			if len(results) > 1 {
				prefix = r.File + ": "
			}
			for _, f := range r.Findings {
				fmt.Fprintf(w, "%s%s\n", prefix, escapeText(f.String()))
			}
			fmt.Fprintf(w, "%s: %s, %s, %s\n", r.File, plural(r.Errors, "error"), plural(r.Warnings, "warning"), plural(r.Infos, "info"))
		}
	}
	var failed []error
	for _, r := range results {
		switch {
		case r.err != nil:
			failed = append(failed, r.err)
		case r.Errors > 0:
			failed = append(failed, fmt.Errorf("%s: %s", r.File, plural(r.Errors, "error")))
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

// writeValidateJSON writes {"packages": results} as a json.Encoder
// indenting by two spaces writes it, one finding at a time: the Encoder
// held the document twice over (marshalled, then indented) beside the
// findings, and --max-findings 0 lists them all: 200,000 findings of a
// 2.2 MB package, 88 MB of JSON, took 373 MiB.
func writeValidateJSON(w io.Writer, results []*validateResult) error {
	bw := bufio.NewWriter(w)
	if results == nil {
		bw.WriteString("{\n  \"packages\": null\n}\n")
		return bw.Flush()
	}
	bw.WriteString("{\n  \"packages\": ")
	// One Encoder for the findings, writing to one buffer, which keeps
	// its indenting buffer between them.
	var fb bytes.Buffer
	enc := json.NewEncoder(&fb)
	enc.SetIndent("        ", "  ")
	packages := startJSONList(bw, "  ")
	for _, r := range results {
		in := packages.next()
		head := *r
		if head.Findings != nil {
			head.Findings = []validate.Finding{}
		}
		b, err := json.MarshalIndent(&head, in, "  ")
		if err != nil {
			return err
		}
		if r.Findings == nil {
			bw.Write(b) // "findings": null
			continue
		}
		// The package's own "findings" (the fields before it hold no
		// newline at that depth: JSON strings escape theirs).
		const slot = "\n      \"findings\": []"
		at := bytes.Index(b, []byte(slot))
		if at < 0 {
			return errors.New("validate: no findings field in the JSON document")
		}
		at += len(slot) - 2 // at its "[]", which the findings replace
		bw.Write(b[:at])
		findings := startJSONList(bw, "      ")
		for j := range r.Findings {
			findings.next()
			fb.Reset()
			if err := enc.Encode(&r.Findings[j]); err != nil {
				return err
			}
			bw.Write(bytes.TrimSuffix(fb.Bytes(), []byte("\n"))) // Encode ends it with a newline
		}
		findings.end()
		bw.Write(b[at+2:])
	}
	packages.end()
	bw.WriteString("\n}\n")
	return bw.Flush()
}

// validateOne opens and validates one package.
func validateOne(env *Env, name string, opts *validate.Options) *validateResult {
	r := &validateResult{File: name, Findings: []validate.Finding{}}
	db, err := openMSI(env, name)
	if err != nil {
		r.err = err
		r.Error = errorLine(err)
		return r
	}
	defer db.Close()
	r.Kind = db.Kind().String()
	ctx := env.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	fs, err := validate.ValidateContext(ctx, db, opts)
	if err != nil {
		r.err = fileErr(name, err)
		r.Error = errorLine(r.err)
		return r
	}
	r.Findings = fs
	r.Errors, r.Warnings, r.Infos = validate.Counts(fs)
	return r
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
