package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/internal/casefold"
	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/authenticode"
	"github.com/msikit/msikit/msi/install"
)

// outputFlags are the flags of the commands that write a package (import,
// repack, rewrite, apply, sign, cfb repack), defined here once: where the result
// goes (-o, --in-place), whether it is flushed (--sync) and checked
// (--validate), what becomes of
// its signature (--drop-signature, and the signing flags) and of its
// PackageCode (--keep-package-code). Each command takes the ones that
// apply to it (outputFlag bits).
type outputFlags struct {
	out                                           string
	inPlace, sync, dropSignature, keepPackageCode bool
	validate                                      bool
	sign                                          signFlags
}

// An outputFlag selects optional output flags; -o, --sync and --validate
// are always defined.
type outputFlag uint8

const (
	withInPlace         outputFlag = 1 << iota // --in-place
	withDropSignature                          // --drop-signature
	withKeepPackageCode                        // --keep-package-code
	withSignFlags                              // --sign-cert, --sign-key, ... (signing the output)
	withSignerFlags                            // --cert, --key, ... (msikit sign itself)
)

// define binds the flags to fs. in names the input in help texts ("FILE",
// "each input"); outHelp, when not "", replaces -o's help text.
func (o *outputFlags) define(fs *flag.FlagSet, in, outHelp string, which outputFlag) {
	if outHelp == "" {
		outHelp = "write the result to `OUT`"
	}
	fs.StringVarP(&o.out, "output", "o", "", outHelp)
	if which&withInPlace != 0 {
		fs.BoolVar(&o.inPlace, "in-place", false, "replace "+in+" itself (atomically, flushed to disk) instead of writing -o OUT")
	}
	if which&withDropSignature != 0 {
		fs.BoolVar(&o.dropSignature, "drop-signature", false, "remove the digital signature of a signed package (a change would invalidate it)")
	}
	if which&withKeepPackageCode != 0 {
		fs.BoolVar(&o.keepPackageCode, "keep-package-code", false, "keep the PackageCode of a changed package (by default it gets a new one, as Windows Installer caches packages by it)")
	}
	fs.BoolVar(&o.sync, "sync", false, "flush the output to disk before renaming it into place, so even a power cut cannot leave it empty or short")
	fs.BoolVar(&o.validate, "validate", false, "after writing, validate the output (as msikit validate) and fail if it has error findings the input did not have; the output is kept as written")
	switch {
	case which&withSignFlags != 0:
		o.sign.define(fs, "sign-")
	case which&withSignerFlags != 0:
		o.sign.define(fs, "")
	}
}

// path returns where the output of input in goes: -o OUT, or in itself
// with --in-place.
func (o *outputFlags) path(in string) (string, error) {
	return outputPath(in, o.out, o.inPlace)
}

// prepare is what import, repack and apply do before they open their
// input in: where the output goes (path, which must not be in nor any of
// the other files the command reads, read: see checkNotRead), the
// signing key the flags name (nil: none) and, with --validate, the
// input's findings to compare the output's with (nil without it).
func (o *outputFlags) prepare(in string, read ...string) (dst string, sign *authenticode.SignOptions, wc *writeCheck, err error) {
	if dst, err = o.path(in); err != nil {
		return "", nil, nil, err
	}
	if err = o.checkNotRead(dst, read...); err != nil {
		return "", nil, nil, err
	}
	if sign, err = o.sign.load(); err != nil {
		return "", nil, nil, err
	}
	if wc, err = validateInput(o.validate, in); err != nil {
		return "", nil, nil, err
	}
	return dst, sign, wc, nil
}

// checkDistinct refuses an output out that names the input in, for the
// commands with --in-place, advising it (the library refuses it too, in
// its own words).
func checkDistinct(in, out string) error {
	return sameFileAdvice(in, out, "use --in-place to overwrite it")
}

// checkNotInput refuses an output out that names the input in, for the
// commands without --in-place (cfb repack, diff -o, sbom -o).
func checkNotInput(in, out string) error {
	return sameFileAdvice(in, out, "-o must name another file")
}

// sameFileAdvice is safefile.CheckDistinct's refusal with advice.
func sameFileAdvice(in, out, advice string) error {
	if err := safefile.CheckDistinct(in, out, false); err != nil {
		return fmt.Errorf("%w (%s)", err, advice)
	}
	return nil
}

// checkNotRead refuses an output out that is one of the files the command
// reads besides its package: read (IDT files, transforms) and the signing
// flags' key, certificate and password files. The output is renamed into
// place, so it would replace that file: "never modify an input unless
// asked", and --in-place only ever means the package.
func (o *outputFlags) checkNotRead(out string, read ...string) error {
	for _, f := range append(o.sign.files(), read...) {
		if safefile.Same(f, out) {
			return fmt.Errorf("%s: %w %s (-o must name another file)", out, safefile.ErrSameFile, f)
		}
	}
	return nil
}

// A sourceGuard keeps rewrite --source from replacing a file below the
// source folder that assembly-names read (its path there is one of the
// candidates AssemblyNamesOptions.Source lists, for a file the package's
// cabinets lack): the output, renamed into place, would replace it. Only
// the files the pass opened count: a source folder holds other files
// (the package itself, last run's output, files the cabinets have), and
// an -o naming one of them is no reason to refuse the rewrite. (Before,
// every existing file below --source was refused.)
type sourceGuard struct {
	source, out string
	fi          os.FileInfo // out, an existing regular file (after symbolic links)
	mu          sync.Mutex  // guards hit
	hit         string      // the file read that out is, "" if none
}

// newSourceGuard returns the guard of out for rewrite --source source, or
// nil when there is nothing to guard: no --source, no out, or no regular
// file at out (a new file replaces nothing).
func newSourceGuard(source, out string) *sourceGuard {
	if source == "" || out == "" {
		return nil
	}
	fi, err := os.Stat(out) // the file the write replaces, after links
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	return &sourceGuard{source: source, out: out, fi: fi}
}

// read records that the pass opened the file path below the source
// folder (AssemblyNamesOptions.SourceRead).
func (g *sourceGuard) read(path string) {
	fi, err := os.Stat(path)
	if err != nil || !os.SameFile(fi, g.fi) {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.hit == "" {
		g.hit = path
	}
}

// check refuses the output when it is a file the pass read. A nil guard
// refuses nothing.
func (g *sourceGuard) check() error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.hit == "" {
		return nil
	}
	return fmt.Errorf("%s: is %s, below --source %s, which assembly-names read: the output would replace it (-o must name another file)", g.out, g.hit, g.source)
}

// checkNotCabinet refuses an output out that is one of the external
// cabinets of the package in (db): the files its Media table names
// beside it (found as a package's cabinets are: their names case-folded),
// and the cabinets of its sets that only a cabinet header names
// (cabinetSetFiles), and the uncompressed copies of its files at their
// source paths beside it (inputGuard.isCopy). The output, renamed into
// place, would replace a part of the input package, which then has no
// files to install (and rewrite --assembly-names reads it). A missing
// out, or --in-place (out is in), is never a cabinet.
func checkNotCabinet(db *msi.Database, in, out string) error {
	if out == "" || out == in {
		return nil
	}
	real, err := filepath.EvalSymlinks(out) // the file the write replaces
	if err != nil {
		return nil
	}
	fi, err := os.Stat(real)
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	if pkgDir, err := os.Stat(filepath.Dir(in)); err == nil && db.HasTable("Media") {
		if d, err := os.Stat(filepath.Dir(real)); err == nil && os.SameFile(d, pkgDir) {
			if c, ok := externalCabinets(db)[casefold.Key(filepath.Base(real))]; ok {
				return fmt.Errorf("%s: is the external cabinet %s of %s (its Media table names it): the output would replace it, leaving the package without its files (-o must name another file)", out, escapeName(c), in)
			}
		}
	}
	for _, c := range cabinetSetFiles(db, filepath.Dir(in)) {
		if os.SameFile(fi, c.fi) {
			return fmt.Errorf("%s: is cabinet %s of a cabinet set of %s (a cabinet header names it): the output would replace it, leaving the package without its files (-o must name another file)", out, escapeName(c.name), in)
		}
	}
	// The uncompressed copy of one of its files, at its source path
	// beside it (an administrative image, or files its cabinets lack):
	// as much a part of the package, and read by rewrite
	// --assembly-names, which replaced it with the rewritten package.
	opts := &install.Options{}
	if plan, err := install.NewPlan(db, opts); err == nil && newInputGuard(in, opts, db, plan).isCopy(real, fi) {
		return fmt.Errorf("%s: is the uncompressed copy of a file of %s, at its source path beside it: the output would replace it, leaving the package without that file (-o must name another file)", out, in)
	}
	return nil
}

// externalCabinets returns the external cabinets the Media table of db
// names (not "#" streams), by casefold.Key of the name (as a package's
// cabinets are looked up), each with its first spelling; nil when there
// is no Media table with a Cabinet column. Each distinct name is folded
// once: a million rows may share one long pooled string.
func externalCabinets(db *msi.Database) map[string]string {
	if !db.HasTable("Media") {
		return nil
	}
	t, err := db.Table("Media")
	if err != nil {
		return nil
	}
	if _, ok := t.Column("Cabinet"); !ok {
		return nil
	}
	cabs := map[string]string{}
	seen := map[string]bool{}
	for r := range t.Rows() {
		if c := r.Get("Cabinet").Str(); c != "" && !strings.HasPrefix(c, "#") && !seen[c] {
			seen[c] = true
			if k := casefold.Key(c); cabs[k] == "" {
				cabs[k] = c
			}
		}
	}
	return cabs
}
