package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
	"github.com/msikit/msikit/msi/sbom"
)

var cmdSBOM = &Command{
	Name:      "sbom",
	UsageLine: "msikit sbom PKG... [--format cyclonedx|spdx] [-o OUT] [--source DIR] [--layout x64|x86] [--jobs N] [--max-bytes N] [--max-ratio N]",
	Short:     "write a software bill of materials of what packages install (CycloneDX, SPDX)",
	Long: `Sbom writes a software bill of materials of each package: CycloneDX 1.6
JSON (the default) or, with --format spdx, SPDX 2.3 JSON.

The package is the document's subject: its name, version, manufacturer,
ProductCode, UpgradeCode, PackageCode, language, platform, hashes and, when
it is signed, its signer (the signature is verified; the certificate chain
is not checked). Each file the package installs is listed at its install
path as msikit extract lays it out (--layout, --source as for extract),
with its size, its SHA-256 and SHA-1 computed from the cabinet contents,
the MsiFileHash MD5 (checked: a mismatch is flagged and warned about), its
File table version and language, and for executables and DLLs what the
file says about itself: version resource (file and product version,
languages, CompanyName...) and .NET assembly identity; the assembly
identity the package declares (MsiAssemblyName, .NET or Win32
side-by-side) too. Merged merge modules (ModuleSignature) are components
holding their files; Binary streams that are PE files (custom action DLLs)
or cabinets, and installed files that are cabinets, are listed as such.
Merge modules get an SBOM of their own files, patches of the files their
cabinets carry; transforms are refused. Every cabinet is read once, in
memory independent of file sizes. The README lists the properties.

With one package the document goes to standard output, or to -o OUT. With
several packages or a folder (its .msi, .msm and .msp files), -o names a
folder, created if needed, which gets one document per package named
after it (product.msi.cdx.json, product.msi.spdx.json), and --jobs
packages are read at once; a line per package on standard output says
what was written.

Files whose contents cannot be read (a missing external cabinet, a
damaged one) are listed without hashes and the document says it is
incomplete; each is reported on standard error and the exit status is 1.
So are the files past the decompression bound, --max-ratio N (as for
extract: decoding stops past N times the bytes of the package's cabinets
plus 256 MiB; default 100, 0 for no limit), which only a decompression
bomb reaches.
An interrupt (Ctrl-C) or SIGTERM stops decoding within a cabinet block,
and no document is written for the packages not finished (exit status 1).
The document is the same for the same package, except its creation time:
the current time, or $SOURCE_DATE_EPOCH (seconds since 1970) when set.

A document can be far bigger than the package: a string the package
stores once is written in every file that uses it. A document that would
pass --max-bytes N (default 256 MiB; 0 for no limit) is refused before
any of it is written: nothing on standard output, no -o file, exit
status 1. Packages make far less (the corpus's largest: 0.6 MB; a crafted
one of 50,000 files: 49 MB).`,
	Example: `msikit sbom product.msi > product.cdx.json
msikit sbom --format spdx product.msi -o product.spdx.json
msikit sbom --jobs 2 -o sboms/ dist/
msikit sbom product.msi --source /mnt/cdrom --layout x86`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		o := &sbomOpts{}
		fs.StringVarP(&o.format, "format", "f", "cyclonedx", "write `FORMAT`: cyclonedx (CycloneDX 1.6 JSON) or spdx (SPDX 2.3 JSON)")
		fs.StringVarP(&o.out, "output", "o", "", "write to `OUT`: a file (one package) or a folder (several packages, or a folder); default: standard output")
		fs.StringVar(&o.source, "source", "", "look for external cabinets and uncompressed files in `DIR` (default: the package's folder)")
		fs.StringVar(&o.layout, "layout", "x64", "install paths as `ARCH` Windows lays them out: x64 or x86")
		fs.IntVarP(&o.jobs, "jobs", "j", defaultJobs(), "read `N` packages at once; the default is one per CPU, at most 8")
		fs.Int64Var(&o.maxBytes, "max-bytes", defaultJSONMaxBytes, "refuse a document that would pass `N` bytes (0: no limit)")
		fs.IntVar(&o.maxRatio, "max-ratio", install.DefaultMaxRatio, "stop decoding cabinets past `N` times their bytes plus 256 MiB (0: no limit)")
		return func(env *Env, args []string) error { return runSBOM(env, o, args) }
	},
}

type sbomOpts struct {
	format, out, source, layout string
	jobs, maxRatio              int
	maxBytes                    int64
}

// sbomResult is one package's outcome, printed once every package is
// done, in the order given.
type sbomResult struct {
	in, out string
	lines   []string // stderr lines about the package (escaped)
	summary string   // what the document holds
	err     error
}

func runSBOM(env *Env, o *sbomOpts, args []string) error {
	if len(args) == 0 {
		return usagef("no package")
	}
	if o.jobs < 1 {
		return usagef("--jobs must be at least 1")
	}
	if o.maxBytes < 0 {
		return usagef("--max-bytes %d: want a number of bytes, or 0 for no limit", o.maxBytes)
	}
	ext := ".cdx.json"
	switch o.format {
	case "cyclonedx":
	case "spdx":
		ext = ".spdx.json"
	default:
		return usagef("--format %q: want cyclonedx or spdx", o.format)
	}
	mr, err := maxRatioOption(o.maxRatio)
	if err != nil {
		return err
	}
	ropts := &sbom.Options{MaxRatio: mr}
	switch o.layout {
	case "x64":
	case "x86":
		ropts.Layout = install.LayoutX86
	default:
		return usagef("--layout %q: want x64 or x86", o.layout)
	}
	if o.source != "" {
		fi, err := os.Stat(o.source)
		if err != nil {
			return usagef("--source %s: %v", o.source, errors.Unwrap(err))
		}
		if !fi.IsDir() {
			return usagef("--source %s: not a folder", o.source)
		}
		ropts.SourceDir = o.source
	}
	created, err := sourceDateEpoch()
	if err != nil {
		return err
	}
	if created.IsZero() {
		created = time.Now()
	}
	wopts := &sbom.WriteOptions{Created: created, ToolVersion: buildVersion(), MaxBytes: o.maxBytes}
	inputs, batch, err := expandPackages(args, ".msi", ".msm", ".msp")
	if err != nil {
		return err
	}
	toFolder := o.out != "" && (batch || isDir(o.out) || strings.HasSuffix(o.out, "/") || strings.HasSuffix(o.out, string(filepath.Separator)))
	if batch && o.out == "" {
		return usagef("several packages need an output folder: add -o DIR")
	}
	if toFolder {
		if fi, err := os.Stat(o.out); err == nil && !fi.IsDir() {
			return usagef("-o %s: several packages need an output folder, and %s %v", o.out, o.out, safefile.NotFolderError{Mode: fi.Mode()})
		}
	}
	outFor := func(in string) string { return o.out }
	if toFolder {
		outFor = func(in string) string { return filepath.Join(o.out, filepath.Base(in)+ext) }
		if err := checkCollisions(inputs, outFor, false); err != nil {
			return err
		}
		if err := checkOutputsNotOthersFiles(inputs, outFor, install.Options{SourceDir: ropts.SourceDir, Layout: ropts.Layout}); err != nil {
			return err
		}
		if err := safefile.MkdirAll(o.out); err != nil {
			return fileErr(o.out, err)
		}
	}
	// Each package's lines are written as soon as it and the ones before
	// it are done; a signal stops the batch between packages, after the
	// packages under way have finished writing.
	failed := 0
	var first error
	work := func(i int) *sbomResult {
		r := &sbomResult{in: inputs[i], out: outFor(inputs[i])}
		r.err = sbomOne(env, r, o.format, ropts, wopts)
		return r
	}
	emit := func(i int, r *sbomResult) {
		for _, l := range r.lines {
			fmt.Fprintln(env.Stderr, l)
		}
		if r.err != nil {
			if failed == 0 {
				first = r.err
			}
			failed++
			if batch {
				fmt.Fprintf(env.Stderr, "msikit: %s\n", errorLine(r.err))
			}
		}
		if r.out != "" && r.summary != "" {
			fmt.Fprintf(env.Stdout, "%s: %s: %s\n", escapeText(r.in), escapeText(r.out), r.summary)
		}
	}
	if err := forEachOrdered(len(inputs), o.jobs, env.stopped, work, emit); err != nil {
		return err
	}
	switch {
	case failed == 0:
		return nil
	case !batch:
		return first
	}
	return fmt.Errorf("sbom: %d of %d packages failed", failed, len(inputs))
}

// sbomOutputGuard refuses an existing OUT (after symbolic links, which
// the write follows) that is one of the files sbom reads besides the
// package (checkNotInput): an external cabinet or an uncompressed copy
// of a file, in --source or beside the package, as extract refuses to
// replace them (inputGuard). Renamed into place, the document would
// replace it.
func sbomOutputGuard(db *msi.Database, in, out string, ropts *sbom.Options) error {
	if out == "" {
		return nil
	}
	real, err := filepath.EvalSymlinks(out)
	if err != nil {
		return nil
	}
	if fi, err := os.Lstat(real); err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	iopts := &install.Options{SourceDir: ropts.SourceDir, Layout: ropts.Layout}
	plan, err := install.NewPlan(db, iopts)
	if err != nil {
		return nil // the read says why
	}
	if err := newInputGuard(in, iopts, db, plan).protected(real); err != nil {
		return fmt.Errorf("-o %s: %w (-o must name another file)", out, err)
	}
	return nil
}

// sbomOne reads one package and writes its document to r.out, or to
// standard output when r.out is "". It fills in r's lines and summary;
// the error is the package's failure (the document may still have been
// written, incomplete).
func sbomOne(env *Env, r *sbomResult, format string, ropts *sbom.Options, wopts *sbom.WriteOptions) error {
	in := r.in
	if r.out != "" {
		if err := checkNotInput(in, r.out); err != nil {
			return fileErr(in, err)
		}
	}
	db, err := msi.Open(in)
	if err != nil {
		return fileErr(in, err)
	}
	defer db.Close()
	if err := sbomOutputGuard(db, in, r.out, ropts); err != nil {
		return fileErr(in, err)
	}
	for _, w := range db.Warnings {
		r.lines = append(r.lines, fmt.Sprintf("msikit: warning: %s: %s", escapeText(in), escapeText(w)))
	}
	inv, err := sbom.ReadContext(env.context(), db, ropts)
	if err != nil {
		return fileErr(in, signalCause(err))
	}
	write := func(w io.Writer) error {
		if format == "spdx" {
			return inv.WriteSPDX(w, wopts)
		}
		return inv.WriteCycloneDX(w, wopts)
	}
	if r.out == "" {
		err = write(env.Stdout)
	} else {
		// A link at OUT is followed, as every writer's is.
		err = safefile.WriteFile(r.out, &safefile.Options{FollowSymlink: true}, write)
	}
	if errors.Is(err, sbom.ErrTooLarge) {
		return fileErr(in, tooLargeErr("the SBOM", wopts.MaxBytes))
	}
	if err != nil {
		if r.out != "" {
			return fileErr(r.out, err)
		}
		return err
	}
	return sbomReport(r, inv)
}

// sbomReport adds the lines about what the document says is wrong, and
// the summary, and returns the package's failure when files could not be
// read.
func sbomReport(r *sbomResult, inv *sbom.Inventory) error {
	name := escapeText(r.in)
	say := func(format string, args ...any) {
		r.lines = append(r.lines, fmt.Sprintf("msikit: %s: ", name)+fmt.Sprintf(format, args...))
	}
	warn := func(format string, args ...any) {
		r.lines = append(r.lines, fmt.Sprintf("msikit: warning: %s: ", name)+fmt.Sprintf(format, args...))
	}
	rep := inv.Report
	if rep != nil {
		for _, w := range rep.Warnings {
			warn("%s", escapeText(w))
		}
		for _, c := range rep.MissingCabinets {
			what := "unreadable cabinet"
			if c.Missing {
				what = "missing cabinet"
			}
			say("%s %s (%s): %s", what, escapeText(c.Name), plural(c.Files, "file"), oneLine(c.Err.Error()))
		}
	}
	notRead, mismatch := 0, 0
	var shared sharedFailures
	for _, f := range inv.Files {
		switch {
		case !f.Read:
			notRead++
			var ce *install.CabinetError
			if f.ReadErr != nil && !errors.As(f.ReadErr, &ce) {
				if !shared.list(f.ReadErr) {
					continue // counted on its reason's line
				}
				if l := "not read: " + oneLine(trimPackage(f.ReadErr.Error())); shared.first(l) {
					say("%s", l)
				}
			}
		case f.HashMismatch:
			mismatch++
			warn("File %q: MD5 %x, MsiFileHash says %x", escapeText(f.Key), f.MD5, f.MsiFileHash)
		}
	}
	for _, h := range shared.hints() {
		say("%s", h)
	}
	for _, b := range inv.Binaries {
		if b.ReadErr != nil {
			notRead++
			say("stream %s not read: %s", escapeName(b.Name), oneLine(b.ReadErr.Error()))
		}
	}
	if p := inv.Package; p.Signed && p.SignatureErr != nil {
		warn("signature not valid: %s", oneLine(p.SignatureErr.Error()))
	}
	r.summary = fmt.Sprintf("%s, %s, %s", plural(len(inv.Files), "file"), plural(len(inv.Modules), "merge module"), plural(len(inv.Binaries), "stream"))
	if mismatch > 0 {
		r.summary += fmt.Sprintf(", %d MsiFileHash mismatches", mismatch)
	}
	if notRead > 0 {
		r.summary += fmt.Sprintf(", %d not read (incomplete)", notRead)
		return fileErr(r.in, fmt.Errorf("SBOM incomplete: %d of %d files and streams could not be read (the document names them)", notRead, len(inv.Files)+len(inv.Binaries)))
	}
	return nil
}

// defaultJSONMaxBytes is the default --max-bytes of the JSON reports that
// quote package data (sbom, audit --json): 256 MiB. The largest real
// documents are tens of megabytes; a crafted package of 5 MB whose rows
// all name one of a few 64 KiB strings asks for gigabytes.
const defaultJSONMaxBytes = 256 << 20

// tooLargeErr is the refusal of a document (what) past --max-bytes limit.
func tooLargeErr(what string, limit int64) error {
	return fmt.Errorf("%s would pass %d bytes (--max-bytes %d; 0 for no limit): its cells repeat strings the package stores once; nothing written", what, limit, limit)
}
