package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/jsonindent"
	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/authenticode"
	"github.com/msikit/msikit/msi/install"
	"github.com/msikit/msikit/msi/mst"
	"github.com/msikit/msikit/transform"
)

// rewriteOpts holds the flags of one "msikit rewrite" invocation.
type rewriteOpts struct {
	// outputFlags: -o, --in-place, --sync, --drop-signature,
	// --keep-package-code and the --sign-* flags.
	outputFlags
	all               bool
	passSel           map[string]*bool
	dryRun, jsonOut   bool
	jobs              int
	quiet             bool
	force             bool
	fileVersion       bool
	source            string
	arch              string
	dropUnexpressible bool
	noIconCache       bool
	leafKeep          bool
	leafNoAdvertise   bool
	leafAllowAbsent   bool
	asTransform       bool
	created           time.Time // the transform's creation time: $SOURCE_DATE_EPOCH, or zero for now
	// changed reports whether a flag was given on the command line.
	changed    func(name string) bool
	signOpts   *authenticode.SignOptions // loaded once, shared by all packages
	maxChanges int
	maxRatio   int // install.Options.MaxRatio, from --max-ratio
	// sourceRead is told each file assembly-names opens below --source
	// (a package's own sourceGuard, in its copy of the options).
	sourceRead func(path string)
}

// packageCodePass is the name rewrite prints for the PackageCode change
// that follows the passes (transform.NewPackageCode).
const packageCodePass = "package-code"

// A passSpec is one rewrite pass as the CLI knows it: its name is the
// flag that selects it and the name its report lines carry. The table order is
// the order --all runs them in.
type passSpec struct {
	name  string
	usage string
	run   func(ctx context.Context, db *msi.Database, o *rewriteOpts, sh *transform.Shared) (*transform.Report, error)
	// flags are the options that only this pass reads; giving one
	// without running the pass is refused.
	flags []string
}

// passes is the CLI's table of passes, in the order they run. The order:
//
//  1. class-to-registry first: every Class/Extension row it converts stops
//     being an advertised entry point, so later passes see less.
//  2. leaf-features second: it only restructures what is still advertised
//     (shortcuts, type libraries, published components, and any Class or
//     Extension row the first pass had to keep).
//  3. assembly-names last: it is independent of the other two and touches
//     only MsiAssemblyName.
func passes() []passSpec {
	return []passSpec{
		{"class-to-registry", "express Class/ProgId/AppId/Extension/Verb/MIME rows as plain Registry rows", runClassToRegistry,
			[]string{"drop-unexpressible", "no-icon-cache"}},
		{"leaf-features", "move advertised components into hidden leaf features", runLeafFeatures,
			[]string{"leaf-keep-in-parent", "leaf-disallow-advertise", "leaf-allow-absent"}},
		{"assembly-names", "complete MsiAssemblyName identities from the assemblies' metadata", runAssemblyNames,
			[]string{"force", "file-version", "source", "processor-architecture", "max-ratio"}},
	}
}

var cmdRewrite = &Command{
	Name:      "rewrite",
	UsageLine: "msikit rewrite IN... (-o OUT | --in-place | --dry-run) [passes] [flags]",
	Short:     "rewrite tables to stop resiliency repairs (Class to Registry, leaf features, assembly names)",
	Long: `Rewrite runs table-rewriting passes that stop Windows Installer resiliency
repairs ("Configuring…" and source prompts), and writes the result.

Passes, in the order they run (with no pass flag, or with --all, every pass
runs):

  --class-to-registry  express advertised COM and shell registration (Class,
                       ProgId, AppId, Extension, Verb, MIME) as plain Registry
                       rows, so nothing is advertised or health-checked.
  --leaf-features      move each component that is still advertised (shortcuts,
                       type libraries, published components, rows the first
                       pass had to keep) into a small hidden leaf feature under
                       its old feature. A health check then covers it and
                       the features above it (msikit audit counts their
                       components, before and after).
  --assembly-names     complete MsiAssemblyName rows (processorArchitecture,
                       version, culture, publicKeyToken) from the assemblies
                       themselves.

class-to-registry runs first because every row it converts stops being an
advertised entry point, leaving less for leaf-features to restructure;
assembly-names is independent and runs last.

With one input, -o names the output file. With several inputs or a folder
(its .msi and .msm files), -o names an output folder, created if needed, and
the packages are processed concurrently (--jobs), each report written as
soon as it and those before it are done; one bad package does not
stop the others, and the exit status is 1 if any failed. The input is never
modified unless --in-place is given. Outputs are written to a temporary file
beside the target and renamed into place.

` + durability + `

Rewriting changes the package, which invalidates an Authenticode signature
(\x05DigitalSignature). A signed package that would change is refused unless
--drop-signature is given; the report then says the signature was dropped.
To keep a vendor's signed package intact, ship a transform (.mst) instead.
With --sign-cert and --sign-key (or --pfx) each output is signed with that
key instead, as msikit sign does: vendor package to rewritten, signed
package in one step.

With --as-transform the vendor package is not rewritten at all: the
passes run in memory and their changes are written as a transform (.mst)
from the package to its rewrite, -o naming the transform (with several
inputs, a folder receiving NAME.mst for each NAME.msi). The package keeps
its bytes, so a signed package keeps a valid signature; install it with
msiexec /i vendor.msi TRANSFORMS=fix.mst. The transform asks Windows
Installer to check the ProductCode and UpgradeCode (it was made for that
product) and suppresses no error condition, and its creation time is now,
or $SOURCE_DATE_EPOCH when set (as diff -o's); the PackageCode is not
renewed (a transform cannot change summary information). The report says
the package was left untouched and lists anything a transform cannot
carry. --in-place, --drop-signature, --keep-package-code, the signing
flags and --validate do not apply (apply the transform with msikit apply
--validate to check the result).

The report is a summary line per package plus one line per row change and
per note. --json prints the same as one JSON document (schema in README).`,
	Example: `msikit rewrite testdata/sample.msi -o sample-fixed.msi
msikit rewrite --class-to-registry --dry-run product.msi
msikit rewrite --all --jobs 2 -o fixed/ dist/*.msi
msikit rewrite --drop-signature --in-place signed.msi
msikit rewrite --sign-cert chain.pem --sign-key key.pem --sign-ex -o fixed/ dist/
msikit rewrite --as-transform vendor.msi -o fix.mst`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		o := &rewriteOpts{passSel: map[string]*bool{}, changed: fs.Changed}
		o.outputFlags.define(fs, "each input", "write to `OUT`: a file (one input) or a folder (several inputs, or a folder)", withInPlace|withDropSignature|withKeepPackageCode|withSignFlags)
		for _, p := range passes() {
			o.passSel[p.name] = fs.Bool(p.name, false, p.usage)
		}
		fs.BoolVarP(&o.all, "all", "a", false, "run every pass (the default when no pass is named)")
		fs.BoolVar(&o.asTransform, "as-transform", false, "write the passes' changes as a transform (.mst) to -o, leaving the package itself untouched (and its signature valid)")
		fs.BoolVarP(&o.dryRun, "dry-run", "n", false, "print the planned row changes as an IDT-style diff; write nothing")
		fs.BoolVar(&o.jsonOut, "json", false, "print the report as JSON")
		fs.IntVarP(&o.jobs, "jobs", "j", defaultJobs(), "process `N` packages at once in batch mode; the default is one per CPU, at most 8")
		fs.BoolVarP(&o.quiet, "quiet", "q", false, "no progress output")
		fs.BoolVar(&o.dropUnexpressible, "drop-unexpressible", false, "class-to-registry: convert a registration even when part of it cannot be expressed (that part is dropped and reported)")
		fs.BoolVar(&o.noIconCache, "no-icon-cache", false, "class-to-registry: treat Icon-table icons as unexpressible instead of naming msiexec's icon cache")
		fs.BoolVar(&o.leafKeep, "leaf-keep-in-parent", false, "leaf-features: keep each moved component in its original feature too")
		fs.BoolVar(&o.leafNoAdvertise, "leaf-disallow-advertise", false, "leaf-features: forbid advertising the leaves (default: as their parent)")
		fs.BoolVar(&o.leafAllowAbsent, "leaf-allow-absent", false, "leaf-features: let the UI make a leaf absent on its own")
		fs.BoolVar(&o.force, "force", false, "assembly-names: overwrite authored identities that differ from the file's metadata")
		fs.BoolVar(&o.fileVersion, "file-version", false, "assembly-names: add fileVersion from the version resource, as WiX light -fv does")
		fs.StringVar(&o.source, "source", "", "assembly-names: read the files the cabinets lack from the folder `DIR` (source layout, File key or long name)")
		fs.StringVar(&o.arch, "processor-architecture", "", "assembly-names: `ARCH` for rows whose file cannot be read (MSIL, x86, AMD64, IA64, ARM, ARM64)")
		fs.IntVar(&o.maxRatio, "max-ratio", install.DefaultMaxRatio, "assembly-names: stop decoding cabinets past `N` times their bytes plus 256 MiB (0: no limit)")
		fs.IntVar(&o.maxChanges, "max-changes", transform.DefaultMaxChanges, "class-to-registry, leaf-features: at most `N` row changes per pass (a bound for hostile packages)")
		return func(env *Env, args []string) error { return runRewrite(env, o, args) }
	},
}

// rewriteResult is one package's outcome; its JSON form is the documented
// schema.
type rewriteResult struct {
	Input            string `json:"input"`
	Output           string `json:"output,omitempty"`
	OK               bool   `json:"ok"`
	Error            string `json:"error,omitempty"`
	DryRun           bool   `json:"dry_run"`
	Signed           bool   `json:"signed"`
	SignatureDropped bool   `json:"signature_dropped"`
	OutputSigned     bool   `json:"output_signed"`
	OutputSigner     string `json:"output_signer,omitempty"`
	Changes          int    `json:"changes"`
	// Transform is set for --as-transform: Output is a transform and the
	// input was left untouched; NotInTransform lists the differences a
	// transform cannot carry.
	Transform      bool     `json:"transform,omitempty"`
	NotInTransform []string `json:"not_in_transform,omitempty"`
	// Warnings are the input's recovery warnings (also on stderr).
	Warnings []string            `json:"warnings,omitempty"`
	Passes   []*transform.Report `json:"passes"`
	// Validation is what --validate found in the output.
	Validation *validationReport `json:"validation,omitempty"`
}

type rewriteSummary struct {
	Packages  []*rewriteResult `json:"packages"`
	Succeeded int              `json:"succeeded"`
	Failed    int              `json:"failed"`
}

func runRewrite(env *Env, o *rewriteOpts, args []string) error {
	if len(args) == 0 {
		return usagef("no input package")
	}
	selected, err := checkRewriteFlags(o)
	if err != nil {
		return err
	}
	inputs, batch, err := expandPackages(args, ".msi", ".msm")
	if err != nil {
		return err
	}
	toFolder := o.out != "" && (batch || isDir(o.out) || strings.HasSuffix(o.out, "/") || strings.HasSuffix(o.out, string(filepath.Separator)))
	if toFolder && batch {
		if fi, err := os.Stat(o.out); err == nil && !fi.IsDir() {
			return usagef("-o %s: several packages need an output folder, and %s %v", o.out, o.out, safefile.NotFolderError{Mode: fi.Mode()})
		}
	}
	outFor := func(in string) string { return o.out }
	switch {
	case o.dryRun:
		outFor = func(string) string { return "" }
	case o.inPlace:
		outFor = func(in string) string { return in }
	case toFolder && o.asTransform:
		outFor = func(in string) string {
			base := filepath.Base(in)
			return filepath.Join(o.out, strings.TrimSuffix(base, filepath.Ext(base))+".mst")
		}
	case toFolder:
		outFor = func(in string) string { return filepath.Join(o.out, filepath.Base(in)) }
	}
	if batch && !o.dryRun {
		if err := checkCollisions(inputs, outFor, o.inPlace); err != nil {
			return err
		}
		if !o.inPlace {
			if err := checkOutputsNotOthersFiles(inputs, outFor, install.Options{}); err != nil {
				return err
			}
		}
	}
	if toFolder && !o.dryRun {
		if err := safefile.MkdirAll(o.out); err != nil {
			return fileErr(o.out, err)
		}
	}

	// Each package's result is written as soon as it and the ones before
	// it are done, and then dropped: a batch holds a few results at a
	// time, not all of them.
	var (
		mu       sync.Mutex // guards done and the progress line
		done     int
		sum      rewriteSummary // the counts; Packages stays nil
		failures []string       // a batch's failures, for stderr at the end
		first    *rewriteResult // the one package of a single rewrite
		jw       *jsonBatch[*rewriteResult]
		tw       = textWriter{env.Stdout}
	)
	if o.jsonOut {
		jw = newJSONBatch(env.Stdout, writeResultJSON)
	}
	progress := batch && env.StderrIsTerminal && !o.quiet
	work := func(i int) *rewriteResult {
		in := inputs[i]
		r := rewriteOne(env, o, selected, in, outFor(in))
		if progress {
			mu.Lock()
			done++
			status := "ok"
			if !r.OK {
				status = "FAILED"
			}
			fmt.Fprintf(env.Stderr, "\r[%d/%d] %s %s\x1b[K", done, len(inputs), filepath.Base(in), status)
			mu.Unlock()
		}
		return r
	}
	emit := func(i int, r *rewriteResult) {
		if progress {
			// The report goes where the progress line is.
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprint(env.Stderr, "\r\x1b[K")
		}
		warn(env, r.Input, r.Warnings)
		if r.OK {
			sum.Succeeded++
		} else {
			sum.Failed++
			failures = append(failures, r.Error)
		}
		switch {
		case !batch:
			first = r
			if jw == nil && r.OK {
				writeRewriteTextOne(tw, r)
			}
		case jw == nil:
			writeRewriteTextOne(tw, r)
		}
		if jw != nil {
			jw.add(r)
		}
	}
	forEachOrdered(len(inputs), o.jobs, nil, work, emit)
	if progress {
		fmt.Fprint(env.Stderr, "\r\x1b[K")
	}
	switch {
	case jw != nil:
		if err := jw.end(jsonCount{"succeeded", sum.Succeeded}, jsonCount{"failed", sum.Failed}); err != nil {
			return err
		}
	case len(inputs) > 1:
		writeRewriteCounts(tw, &sum)
	case !batch && sum.Failed > 0:
		// A single failed package is reported by the one-line error
		// alone, and, when --validate failed it, the new errors.
		writeValidation(env.Stdout, first.Validation, "")
	}
	if sum.Failed == 0 {
		return nil
	}
	if !batch {
		return errors.New(first.Error)
	}
	// Batch: every failure was listed on stdout; one line on stderr says
	// the run failed.
	for _, e := range failures {
		fmt.Fprintf(env.Stderr, "msikit: %s\n", e)
	}
	return fmt.Errorf("rewrite: %d of %d packages failed", sum.Failed, len(inputs))
}

// checkRewriteFlags refuses contradictory flags and returns the passes to
// run, before any file is looked at.
func checkRewriteFlags(o *rewriteOpts) ([]passSpec, error) {
	if o.jobs < 1 {
		return nil, usagef("--jobs must be at least 1")
	}
	switch {
	case o.inPlace && o.out != "":
		return nil, usagef("--in-place and -o exclude each other")
	case o.dryRun && o.inPlace:
		return nil, usagef("--dry-run and --in-place exclude each other")
	case o.dryRun && o.out != "":
		return nil, usagef("--dry-run writes nothing, so -o %s would be ignored; drop one of them", o.out)
	case o.dryRun && o.sync:
		return nil, usagef("--dry-run writes nothing, so --sync would be ignored; drop one of them")
	case o.dryRun && o.validate:
		return nil, usagef("--dry-run writes nothing, so --validate would have no output to check; drop one of them")
	case !o.dryRun && !o.inPlace && o.out == "":
		return nil, usagef("name an output with -o (or use --in-place or --dry-run)")
	}
	if o.asTransform {
		var err error
		if o.created, err = sourceDateEpoch(); err != nil {
			return nil, err
		}
		for _, f := range []string{"in-place", "drop-signature", "keep-package-code", "validate", "sign-cert", "sign-key", "pfx", "password-file", "sign-digest", "sign-ex", "timestamp"} {
			if o.changed != nil && o.changed(f) {
				return nil, usagef("--%s does not apply to --as-transform, which leaves the package untouched and writes a transform", f)
			}
		}
	}
	var selected []passSpec
	for _, p := range passes() {
		if *o.passSel[p.name] || o.all {
			selected = append(selected, p)
		}
	}
	if len(selected) == 0 {
		selected = passes()
	}
	for _, p := range passes() {
		if slices.ContainsFunc(selected, func(s passSpec) bool { return s.name == p.name }) {
			continue
		}
		for _, f := range p.flags {
			if o.changed != nil && o.changed(f) {
				return nil, usagef("--%s is an option of the %s pass, which is not selected (add --%s)", f, p.name, p.name)
			}
		}
	}
	if err := o.sign.check(); err != nil {
		return nil, err
	}
	if o.sign.wanted() {
		if o.dryRun {
			return nil, usagef("--dry-run writes nothing to sign")
		}
		var err error
		if o.signOpts, err = o.sign.options(); err != nil {
			return nil, err
		}
	}
	if o.maxChanges < 1 {
		return nil, usagef("--max-changes must be at least 1")
	}
	var err error
	if o.maxRatio, err = maxRatioOption(o.maxRatio); err != nil {
		return nil, err
	}
	if o.arch != "" && !validArch(o.arch) {
		return nil, usagef("--processor-architecture %q: want MSIL, x86, AMD64, IA64, ARM or ARM64", o.arch)
	}
	if o.changed != nil && o.changed("source") {
		fi, err := os.Stat(o.source)
		switch {
		case o.source == "":
			return nil, usagef("--source needs a folder")
		case err != nil:
			return nil, usagef("--source %s: %v", o.source, errorLine(unwrapPath(err)))
		case !fi.IsDir():
			return nil, usagef("--source %s: not a folder", o.source)
		}
	}
	return selected, nil
}

// unwrapPath returns the reason of a *fs.PathError (its path is already
// in the message the caller builds).
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// checkCollisions refuses, before anything is read or written, a batch in
// which two inputs would be written to the same output. Output names are
// compared ignoring case, since the output folder may be on a file system
// that does (Windows, macOS). With inPlace, the same file named twice
// (through any path) collides with itself; without, an output that is
// another input of the batch is refused (checkOutputsNotInputs).
func checkCollisions(inputs []string, outFor func(string) string, inPlace bool) error {
	type seenOut struct{ in, out, abs string }
	seen := map[string]seenOut{}
	var stats []os.FileInfo
	var statIn []string
	for _, in := range inputs {
		out := outFor(in)
		abs, err := filepath.Abs(out)
		if err != nil {
			abs = out
		}
		key := strings.ToLower(abs)
		if prev, ok := seen[key]; ok {
			if prev.abs == abs {
				return usagef("%s and %s would both be written to %s", prev.in, in, out)
			}
			return usagef("%s and %s would be written to %s and %s, names that differ only in case", prev.in, in, prev.out, out)
		}
		seen[key] = seenOut{in, out, abs}
		if inPlace {
			fi, err := os.Stat(in)
			if err != nil {
				continue // fails on its own in rewriteOne
			}
			for i, prev := range stats {
				if os.SameFile(prev, fi) {
					return usagef("%s and %s are the same file; --in-place would rewrite it twice", statIn[i], in)
				}
			}
			stats, statIn = append(stats, fi), append(statIn, in)
		}
	}
	if !inPlace {
		return checkOutputsNotInputs(inputs, outFor)
	}
	return nil
}

// checkOutputsNotInputs refuses a batch in which the output of one input
// is another input (by identity, after symbolic links, which the writes
// follow): "sbom a.msi a.msi.cdx.json -o ." replaced the second package
// with the first one's document. An output that is its own input is left
// to the per-package check, which advises --in-place where there is one.
func checkOutputsNotInputs(inputs []string, outFor func(string) string) error {
	ins := make([]os.FileInfo, len(inputs)) // nil: not found
	for i, in := range inputs {
		ins[i], _ = os.Stat(in)
	}
	for j, in := range inputs {
		out := outFor(in)
		fo, err := os.Stat(out)
		if err != nil || !fo.Mode().IsRegular() {
			continue
		}
		self := ins[j]
		for i, fi := range ins {
			if fi != nil && os.SameFile(fo, fi) && (self == nil || !os.SameFile(fi, self)) {
				return usagef("%s would be written to %s, which is %s, another package of the batch", in, out, inputs[i])
			}
		}
	}
	return nil
}

// checkOutputsNotOthersFiles refuses a batch in which the output of one
// input is a file that another input of the batch is read with: one of
// its external cabinets, a cabinet of one of its sets, the uncompressed
// copy of one of its files (inputGuard, which the single-package checks
// use: checkNotCabinet, sbomOutputGuard). Renamed into place, the output
// replaced it, leaving that package without its files: "rewrite
// a/x.msi b/y.msi -o b" wrote over b/x.msi, the external cabinet y.msi's
// Media table names. opts are the options the packages are read with
// (their source folder). Only outputs that exist cost anything: when
// there are, each input is opened once, one at a time, and checked
// against all of them; an output is not checked against its own input,
// whose own check says more.
func checkOutputsNotOthersFiles(inputs []string, outFor func(string) string, opts install.Options) error {
	type existing struct {
		in, out, real string
		fi            os.FileInfo
	}
	var outs []existing
	for _, in := range inputs {
		out := outFor(in)
		if out == "" || out == in {
			continue
		}
		real, err := filepath.EvalSymlinks(out) // the file the write replaces
		if err != nil {
			continue
		}
		if fi, err := os.Lstat(real); err == nil && fi.Mode().IsRegular() {
			outs = append(outs, existing{in, out, real, fi})
		}
	}
	if len(outs) == 0 {
		return nil
	}
	for _, in := range inputs {
		if err := func() error {
			db, err := msi.Open(in)
			if err != nil {
				return nil // fails on its own
			}
			defer db.Close()
			o := opts
			plan, err := install.NewPlan(db, &o)
			if err != nil {
				plan = nil // its cabinets are still known
			}
			g := newInputGuard(in, &o, db, plan)
			self, _ := os.Stat(in)
			for _, e := range outs {
				if e.in == in || self != nil && os.SameFile(e.fi, self) {
					continue // its own output; another input is checkOutputsNotInputs's
				}
				var pe *protectedError
				if errors.As(g.protected(e.real), &pe) {
					return usagef("%s would be written to %s, which %s %s, another package of the batch (-o must name another folder)", e.in, e.out, pe.what, in)
				}
			}
			return nil
		}(); err != nil {
			return err
		}
	}
	return nil
}

func validArch(a string) bool {
	switch strings.ToLower(a) {
	case "msil", "x86", "amd64", "ia64", "arm", "arm64":
		return true
	}
	return false
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// rewriteOne runs the passes on one package and saves it. It never panics
// the process: a failure becomes the result's Error.
func rewriteOne(env *Env, o *rewriteOpts, selected []passSpec, in, out string) (r *rewriteResult) {
	r = &rewriteResult{Input: in, Output: out, DryRun: o.dryRun}
	fail := func(err error) *rewriteResult {
		r.OK = false
		r.Output = ""
		var fe *fileError
		if !errors.As(err, &fe) {
			err = fileErr(in, err)
		}
		r.Error = errorLine(err)
		return r
	}
	if out != "" && !o.inPlace {
		if err := checkDistinct(in, out); err != nil {
			return fail(err)
		}
	}
	if out != "" {
		if err := o.checkNotRead(out); err != nil {
			return fail(err)
		}
	}
	wc, err := validateInput(o.validate, in)
	if err != nil {
		return fail(err)
	}
	var db *msi.Database
	// checked validates the written output (--validate): a new error
	// fails the package, and its output stays as written. The rewritten
	// database is closed first and let go, its warnings kept: validate
	// reads the output whole again, and both held at once (beside the
	// reports) made 410 MiB of a rewrite of 600,000 changes.
	checked := func() *rewriteResult {
		r.Warnings = db.Warnings
		db.Close()
		db = nil
		rep, err := wc.check(out)
		r.Validation = rep
		if err != nil {
			r.OK = false
			r.Error = errorLine(err)
		}
		return r
	}
	db, err = msi.Open(in)
	if err != nil {
		return fail(err)
	}
	// The input's recovery warnings, and any the passes' edits add
	// (checked takes them, closes db and lets it go).
	defer func() {
		if db != nil {
			r.Warnings = db.Warnings
			db.Close()
		}
	}()
	if err := checkNotCabinet(db, in, out); err != nil {
		return fail(err)
	}
	// An output that is a file assembly-names reads below --source is
	// refused once the passes have run (the files it reads depend on
	// what the cabinets hold): each package gets its own recorder.
	sg := newSourceGuard(o.source, out)
	if sg != nil {
		po := *o
		po.sourceRead = sg.read
		o = &po
	}
	r.Signed = db.Signed()
	// What one pass reads of db (the FeatureComponents pairs) the next
	// uses instead of reading it again.
	sh := &transform.Shared{}
	for _, p := range selected {
		if err := env.stopped(); err != nil {
			return fail(err)
		}
		rep, err := p.run(env.context(), db, o, sh)
		if err != nil {
			var se *signalError
			if errors.As(err, &se) {
				return fail(se) // as when stopped between passes
			}
			if !strings.Contains(err.Error(), p.name+": ") {
				err = fmt.Errorf("%s: %w", p.name, err) // the pass's own errors name it
			}
			return fail(err)
		}
		rep.Pass = p.name // the names printed are this table's
		r.Passes = append(r.Passes, rep)
		r.Changes += rep.NumChanges()
	}
	// A signal that came while the last pass made its planned changes
	// stops the rewrite before anything is written.
	if err := env.stopped(); err != nil {
		return fail(err)
	}
	if err := sg.check(); err != nil {
		return fail(err)
	}
	if o.asTransform {
		// The rewritten database is closed and let go once the
		// transform is written, before it is read back (as checked
		// does before validating an output).
		release := func() {
			r.Warnings = db.Warnings
			db.Close()
			db = nil
		}
		return rewriteAsTransform(r, o, db, in, out, fail, release)
	}
	if db.ContentModified() && !o.keepPackageCode {
		rep, err := transform.NewPackageCode(db, r.Passes...)
		if err != nil {
			return fail(err)
		}
		if rep != nil {
			rep.Pass = packageCodePass
			r.Passes = append(r.Passes, rep)
			r.Changes += rep.NumChanges()
		}
	}
	if o.dryRun {
		r.OK = true
		return r
	}
	if o.signOpts != nil {
		// Signing replaces any signature: no --drop-signature needed.
		if err := authenticode.SaveSigned(env.Ctx, db, out, &msi.SaveOptions{WriteOptions: msi.WriteOptions{KeepPackageCode: o.keepPackageCode}, InPlace: o.inPlace, Sync: o.sync}, o.signOpts); err != nil {
			return fail(signErr(in, err))
		}
		r.OutputSigned, r.OutputSigner = true, authenticode.FormatName(o.signOpts.Certificates[0].Subject)
		r.OK = true
		return checked()
	}
	wo := &msi.WriteOptions{DropSignature: o.dropSignature, KeepPackageCode: o.keepPackageCode}
	dropsSignature := db.DropsSignature(wo)
	// Save refuses a changed signed package (msi.ErrSigned) before it
	// creates any file; the CLI only words the refusal for its users.
	err = db.Save(out, &msi.SaveOptions{WriteOptions: msi.WriteOptions{DropSignature: o.dropSignature, KeepPackageCode: o.keepPackageCode}, InPlace: o.inPlace, Sync: o.sync})
	if errors.Is(err, msi.ErrSigned) {
		return fail(fmt.Errorf("package is signed and %d rows would change, which invalidates its Authenticode signature; pass --drop-signature to write it unsigned (and re-sign it), or ship a transform (.mst) to leave the signed package untouched", r.Changes))
	}
	if err != nil {
		return fail(fileErr(out, err))
	}
	r.SignatureDropped = dropsSignature
	r.OK = true
	return checked()
}

// writeRewriteCounts writes a batch's last line of the text report,
// counting successes and failures.
func writeRewriteCounts(w io.Writer, sum *rewriteSummary) {
	fmt.Fprintf(w, "%d succeeded, %d failed\n", sum.Succeeded, sum.Failed)
}

// writeRewriteTextOne writes one package's part of the text report: a
// summary line (or a FAILED line) at the start of a line, then its
// details: for a dry run the IDT diff, otherwise each change and note
// indented by two spaces. Every line ends with a newline.
func writeRewriteTextOne(w io.Writer, r *rewriteResult) {
	if !r.OK {
		fmt.Fprintf(w, "FAILED %s\n", r.Error)
		writeValidation(w, r.Validation, "  ")
		return
	}
	var parts []string
	for _, p := range r.Passes {
		parts = append(parts, fmt.Sprintf("%s %d changes, %d notes", p.Pass, p.NumChanges(), p.NumNotes()))
	}
	dest := "-> " + r.Output
	switch {
	case r.DryRun:
		dest = "(dry run, nothing written)"
	case r.Transform && r.Output == "":
		dest = "(no change, no transform written)"
	case r.Transform:
		dest = "-> " + r.Output + " (transform)"
	}
	fmt.Fprintf(w, "%s %s: %s\n", r.Input, dest, strings.Join(parts, "; "))
	if r.Transform && !r.DryRun {
		signed := ""
		if r.Signed {
			signed = ", its signature still valid"
		}
		if r.Output == "" {
			// Nothing to install with: the package needs no change.
			fmt.Fprintf(w, "  %s: untouched (same bytes%s); install it as it is\n", r.Input, signed)
		} else {
			fmt.Fprintf(w, "  %s: untouched (same bytes%s); install it with TRANSFORMS=%s\n", r.Input, signed, filepath.Base(r.Output))
		}
		for _, n := range r.NotInTransform {
			fmt.Fprintf(w, "  not in the transform: %s\n", n)
		}
	}
	if r.SignatureDropped {
		fmt.Fprintf(w, "  signature: dropped; %s is unsigned, sign it again before shipping\n", r.Output)
	}
	if r.OutputSigned {
		fmt.Fprintf(w, "  signature: %s signed by %q\n", r.Output, r.OutputSigner)
	}
	writeValidation(w, r.Validation, "  ")
	for _, p := range r.Passes {
		if r.DryRun {
			writeIDTDiff(w, p)
			continue
		}
		iw := &indentWriter{w: w}
		p.WriteText(iw)
		iw.end()
	}
}

// writeIDTDiff prints a pass's changes as a diff of IDT rows, grouped by
// table: "-" lines are rows removed, "+" lines rows added, an update is a
// "-" line followed by a "+" line.
func writeIDTDiff(w io.Writer, rep *transform.Report) {
	// Each row's line is built in one buffer, reused: not a string of
	// its cells and a formatted copy of it per row (about 110 MB of
	// garbage for the 180,000 changes of a 60,000-class ProgId chain).
	var line []byte
	row := func(sign byte, cells []string) {
		line = append(line[:0], sign)
		line = appendCells(line, cells)
		line = append(line, '\n')
		w.Write(line)
	}
	// Table by table, each read in one pass over the changes (a pass
	// changes a few tables).
	for _, t := range rep.Tables() {
		fmt.Fprintf(w, "--- %s (%s)\n+++ %s\n", t, rep.Pass, t)
		for _, c := range rep.ChangesIn(t) {
			if c.Old != nil {
				row('-', c.Old)
			}
			if c.New != nil {
				row('+', c.New)
			}
		}
	}
	for _, n := range rep.Notes() {
		line = append(line[:0], "# "...)
		line = append(line, rep.Pass...)
		line = append(line, ": "...)
		line = append(line, n.Severity...)
		if n.Table != "" {
			line = append(line, ' ')
			line = append(line, n.Table...)
			line = append(line, " ["...)
			line = appendCells(line, n.Key)
			line = append(line, ']')
		}
		line = append(line, ' ')
		line = append(line, n.Reason...)
		line = append(line, '\n')
		w.Write(line)
	}
}

// appendCells appends cells to b as transform.JoinCells joins them: by
// tabs, each clipped as the text report clips it.
func appendCells(b []byte, cells []string) []byte {
	for i, c := range cells {
		if i > 0 {
			b = append(b, '\t')
		}
		b = clip.AppendString(b, c)
	}
	return b
}

// writeIndented writes each line of text to w indented by two spaces,
// ending the last one with a newline; empty text writes nothing.
func writeIndented(w io.Writer, text string) {
	iw := &indentWriter{w: w}
	io.WriteString(iw, text)
	iw.end()
}

// An indentWriter writes what is written to it to w, each line indented
// by two spaces, one Write on w per whole line (so that w may be a
// textWriter, which needs whole characters); end writes a last line that
// has no newline yet, ending it with one.
type indentWriter struct {
	w    io.Writer
	line []byte // the start of a line not yet written
	err  error
}

func (iw *indentWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && iw.err == nil {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if len(iw.line) == 0 {
				iw.line = append(iw.line, "  "...)
			}
			iw.line = append(iw.line, p...)
			break
		}
		if len(iw.line) == 0 {
			iw.line = append(iw.line, "  "...)
		}
		iw.line = append(iw.line, p[:i+1]...)
		_, iw.err = iw.w.Write(iw.line)
		iw.line = iw.line[:0]
		p = p[i+1:]
	}
	if iw.err != nil {
		return 0, iw.err
	}
	return n, nil
}

func (iw *indentWriter) end() error {
	if len(iw.line) > 0 && iw.err == nil {
		_, iw.err = iw.w.Write(append(iw.line, '\n'))
		iw.line = iw.line[:0]
	}
	return iw.err
}

func runClassToRegistry(ctx context.Context, db *msi.Database, o *rewriteOpts, sh *transform.Shared) (*transform.Report, error) {
	return transform.ClassToRegistry(db, transform.ClassToRegistryOptions{
		Context:           ctx,
		Shared:            sh,
		DropUnexpressible: o.dropUnexpressible,
		NoIconCache:       o.noIconCache,
		MaxChanges:        o.maxChanges,
	})
}

func runLeafFeatures(ctx context.Context, db *msi.Database, o *rewriteOpts, sh *transform.Shared) (*transform.Report, error) {
	return transform.SplitAdvertised(db, transform.SplitAdvertisedOptions{
		Context:           ctx,
		Shared:            sh,
		KeepInParent:      o.leafKeep,
		DisallowAdvertise: o.leafNoAdvertise,
		AllowAbsent:       o.leafAllowAbsent,
		MaxChanges:        o.maxChanges,
	})
}

func runAssemblyNames(ctx context.Context, db *msi.Database, o *rewriteOpts, _ *transform.Shared) (*transform.Report, error) {
	return transform.AssemblyNames(db, transform.AssemblyNamesOptions{
		Context:               ctx,
		Source:                o.source,
		ProcessorArchitecture: o.arch,
		Force:                 o.force,
		FileVersion:           o.fileVersion,
		MaxRatio:              o.maxRatio,
		SourceRead:            o.sourceRead,
		// The signature decision is made once, at save time, for all
		// passes (rewriteOne), so the pass itself may change the tables.
		AllowSigned: true,
	})
}

// rewriteAsTransform writes the changes the passes made to db (read from
// in) as a transform from in to the rewrite, at out; in is not touched.
// release closes db and lets it go: it is called once the transform is
// written, before it is read back.
func rewriteAsTransform(r *rewriteResult, o *rewriteOpts, db *msi.Database, in, out string, fail func(error) *rewriteResult, release func()) *rewriteResult {
	r.Transform = true
	pristine, err := msi.Open(in)
	if err != nil {
		return fail(err)
	}
	defer pristine.Close()
	c, err := mst.Diff(pristine, db)
	if err != nil {
		return fail(err)
	}
	for _, d := range c.Unexpressible {
		r.NotInTransform = append(r.NotInTransform, d.Kind+" "+d.Name+": "+d.Reason)
	}
	if o.dryRun {
		r.OK = true
		return r
	}
	si, err := mst.NewSummary(pristine, db, &mst.SummaryOptions{Validation: mst.ValidateProduct | mst.ValidateUpgradeCode, Created: o.created})
	if err != nil {
		return fail(err)
	}
	err = mst.Save(out, c, si, &mst.SaveOptions{Sync: o.sync, Base: pristine, Written: release})
	if errors.Is(err, mst.ErrNoChanges) {
		r.Output = ""
		r.OK = true
		return r
	}
	if err != nil {
		return fail(fileErr(out, err))
	}
	r.OK = true
	return r
}

// writeJSONArray writes s as json.Indent writes an array whose line
// starts with prefix: null for nil, [] when empty, else one element a
// line, each written by elem at prefix plus two spaces.
func writeJSONArray[T any](w *bufio.Writer, prefix string, s []T, elem func(w *bufio.Writer, prefix string, v T) error) error {
	switch {
	case s == nil:
		w.WriteString("null")
		return nil
	case len(s) == 0:
		w.WriteString("[]")
		return nil
	}
	l := startJSONList(w, prefix)
	for _, v := range s {
		if err := elem(w, l.next(), v); err != nil {
			return err
		}
	}
	return l.end()
}

// writeJSONValue writes v as json.MarshalIndent does at prefix.
func writeJSONValue[T any](w *bufio.Writer, prefix string, v T) error {
	b, err := json.MarshalIndent(v, prefix, "  ")
	if err != nil {
		return err
	}
	w.Write(b)
	return nil
}

// passesNull is how the passes of a result encoded without them appear.
var passesNull = []byte(`"passes": null`)

// writeResultJSON writes one package's result, its passes streamed.
func writeResultJSON(w *bufio.Writer, prefix string, r *rewriteResult) error {
	if r == nil || r.Passes == nil {
		return writeJSONValue(w, prefix, r)
	}
	rest := *r
	rest.Passes = nil
	b, err := json.MarshalIndent(&rest, prefix, "  ")
	if err != nil {
		return err
	}
	// Every field before "passes" is a string, a number, a boolean or a
	// list of strings, whose quotes inside are escaped: the first
	// "passes": null is the field.
	i := bytes.Index(b, passesNull)
	if i < 0 {
		return fmt.Errorf("rewrite: encoding the report: no passes field")
	}
	w.Write(b[:i+len(`"passes": `)])
	if err := writeJSONArray(w, prefix+"  ", r.Passes, writeReportJSON); err != nil {
		return err
	}
	w.Write(b[i+len(passesNull):])
	return nil
}

// changeJSON and noteJSON are transform.Change and Note without their
// MarshalJSON: the fields, tags and all, of a clipped change or note.
type (
	changeJSON transform.Change
	noteJSON   transform.Note
)

// writeReportJSON writes one pass's report (transform.Report's three
// fields), its changes and notes one at a time, with an Encoder that
// escapes a long cell once however many changes quote it.
func writeReportJSON(w *bufio.Writer, prefix string, rep *transform.Report) error {
	if rep == nil {
		w.WriteString("null")
		return nil
	}
	enc := jsonindent.NewEncoder(w, jsonindent.Options{EscapeHTML: true})
	in := prefix + "  "
	w.WriteString("{\n" + in + `"pass": `)
	if err := enc.Encode(in, rep.Pass); err != nil {
		return err
	}
	w.WriteString(",\n" + in + `"changes": `)
	// A change's and a note's cells over 1 KiB are clipped (their
	// Clipped, which their MarshalJSON writes), as the text report clips
	// them: 2,000 rows naming one pooled 1 MiB component wrote 12 GB.
	// They are written as types without the MarshalJSON method, which
	// enc writes itself: through the method, encoding/json marshalled
	// each change, then checked and indented its bytes again (two thirds
	// of audit --json's time on a preview of 20 classes sharing a
	// FileTypeMask of 32,000 patterns). One variable for all, not one
	// on the heap per row. Each long cell is clipped once (a clip.Memo):
	// the rows that name one pooled text are written with one clipped
	// string, which enc escapes once.
	var cv changeJSON
	var nv noteJSON
	var memo clip.Memo
	if rep.NumChanges() == 0 {
		w.WriteString("[]")
	} else {
		l := startJSONList(w, in)
		for _, c := range rep.Changes() {
			memo.Reset()
			cv = changeJSON(c)
			cv.Key, cv.Old, cv.New = memo.Strings(c.Key), memo.Strings(c.Old), memo.Strings(c.New)
			if err := enc.Encode(l.next(), &cv); err != nil {
				return err
			}
		}
		if err := l.end(); err != nil {
			return err
		}
	}
	w.WriteString(",\n" + in + `"notes": `)
	if rep.NumNotes() == 0 {
		w.WriteString("[]")
	} else {
		l := startJSONList(w, in)
		for _, n := range rep.Notes() {
			memo.Reset()
			nv = noteJSON(n)
			nv.Key = memo.Strings(n.Key)
			if err := enc.Encode(l.next(), &nv); err != nil {
				return err
			}
		}
		if err := l.end(); err != nil {
			return err
		}
	}
	_, err := w.WriteString("\n" + prefix + "}")
	return err
}
