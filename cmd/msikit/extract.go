package main

import (
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"

	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/internal/casefold"
	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

var cmdExtract = &Command{
	Name:      "extract",
	UsageLine: "msikit extract FILE [-d DIR] [--file KEY...] [--source DIR] [--layout x64|x86] [--max-bytes N] [--max-ratio N] [--jobs N]",
	Short:     "extract files to their install layout",
	Long: `Extract writes the package's files below DIR (default: the current
folder) in their install layout: the Directory table resolved to target
names ("target:source" and "short|long" DefaultDir values, TARGETDIR as the
root) and the standard folders as 64-bit Windows installs them
(ProgramFilesFolder is "Program Files (x86)", ProgramFiles64Folder
"Program Files", SystemFolder "Windows/SysWOW64"); --layout x86 gives the
32-bit Windows names instead. The README has the full table.

Files come from cabinets embedded in the package, cabinets beside it
(Media rows without "#"), and uncompressed copies beside it (administrative
images); --source DIR looks for external cabinets and uncompressed files
in DIR instead. Cabinet files that no File row names (as in patches) are
written to DIR/<cabinet>/<name>. With --file only the named File keys are
extracted. Each extracted path is printed on standard output.

Every file found is written somewhere: a file whose Directory chain
cannot be resolved goes below DIR/<Directory id>/, and a second File row
with a path already taken goes beside it as "name (KEY).ext", each with a
warning on standard error (exit status 0).

Extract never replaces what it reads: the package, its external cabinets
(and the cabinets of their sets that only a cabinet header names) and
the uncompressed copies of its files are reported as not written
(exit status 1) when a file's path below DIR is one of them.

Extract never writes outside DIR: a name from the package that is not a
plain file name (separators, "..", control characters, names Windows
cannot create) is refused. Missing cabinets (one line each, with the
number of files they hold), files that cannot be found or decoded and
refused paths are reported on standard error after the other files are
extracted, and make the exit status 1. --max-bytes N refuses a package
whose files add up to more than N bytes (before writing any, when the File
table says so). Progress is shown on standard error when it is a terminal.

Decompression is bounded against bombs (a cabinet of a few megabytes can
decode to gigabytes, and cabinet files can point again and again at one
range): decoding stops once it passes --max-ratio N times the bytes of
the package's cabinets plus 256 MiB (default 100; 0 for no limit), and
the files not extracted are reported with why. Real packages decode to a
few times their cabinets' size; a byte of a Quantum cabinet counts 8.

Into a new or empty DIR the files go into a temporary folder that
becomes DIR at the end (and the paths are printed then), so that DIR
appears whole or, when extraction stops part way, not at all; into a
folder holding files already, each file replaces its namesake atomically.
An interrupt (Ctrl-C) or SIGTERM stops decoding within a cabinet block
(32 KiB), also inside one file, and the file being written is removed
(exit status 1).

--list prints the paths instead (below DIR when -d is given), reading no
cabinet and writing nothing, with the same warnings and refusals; File
rows only, not the cabinet members of a patch that no File row names.

Cabinet folders are decoded on --jobs N goroutines at once (at most
32; default: one per CPU, at most 8), each with its own decoder; files of different
folders are then written, and listed, in no fixed order. --jobs 1
extracts one file at a time, in cabinet order.`,
	Example: `	msikit extract product.msi -d out
	msikit extract product.msi -d out --file MainExe --file ReadmeTxt
	msikit extract product.msi -d out --source /mnt/cdrom --layout x86
	msikit extract upload.msi -d scan --max-bytes 2000000000
	msikit extract product.msi --list`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		dir := fs.StringP("dir", "d", ".", "extract below `DIR`")
		keys := fs.StringArray("file", nil, "extract only the File table row `KEY` (repeatable)")
		source := fs.String("source", "", "look for external cabinets and uncompressed files in `DIR` (default: the package's folder)")
		layout := fs.String("layout", "x64", "standard folders as `ARCH` Windows installs them: x64 or x86")
		maxBytes := fs.Int64("max-bytes", 0, "refuse a package whose files add up to more than `N` bytes (0: no limit)")
		maxRatio := fs.Int("max-ratio", install.DefaultMaxRatio, "stop decoding past `N` times the cabinets' bytes plus 256 MiB (0: no limit)")
		jobs := fs.Int("jobs", 0, "decode up to `N` cabinet folders at once, at most 32 (0: one per CPU, at most 8)")
		list := fs.BoolP("list", "l", false, "print the paths the files would be extracted to, reading no cabinet and writing nothing")
		return func(env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("want exactly one FILE")
			}
			if *list {
				for _, f := range []string{"source", "max-bytes", "max-ratio", "jobs"} {
					if fs.Changed(f) {
						return usagef("--list reads no cabinet: --%s does not apply", f)
					}
				}
			}
			if *jobs < 0 || *jobs > maxJobs {
				return usagef("--jobs %d: want a number of folders up to %d, or 0 for one per CPU", *jobs, maxJobs)
			}
			if *jobs == 0 {
				// One per CPU, but not so many that decoders' windows
				// (up to 4 MiB each) add up on a large machine.
				*jobs = defaultJobs()
			}
			opts := &install.Options{Keys: *keys, MaxBytes: *maxBytes, Jobs: *jobs}
			switch *layout {
			case "x64":
				opts.Layout = install.LayoutX64
			case "x86":
				opts.Layout = install.LayoutX86
			default:
				return usagef("--layout %q: want x64 or x86", *layout)
			}
			if *maxBytes < 0 {
				return usagef("--max-bytes %d: want a number of bytes, or 0 for no limit", *maxBytes)
			}
			mr, err := maxRatioOption(*maxRatio)
			if err != nil {
				return err
			}
			opts.MaxRatio = mr
			if *source != "" {
				fi, err := os.Stat(*source)
				if err != nil {
					return usagef("--source %s: %v", *source, errors.Unwrap(err))
				}
				if !fi.IsDir() {
					return usagef("--source %s: not a folder", *source)
				}
				opts.SourceDir = *source
			}
			if *list {
				return runExtractList(env, args[0], *dir, opts)
			}
			return runExtract(env, args[0], *dir, opts)
		}
	},
}

// runExtractList prints the paths extract would write the package's files
// to (File rows only: the members of a patch's cabinets that no File row
// names are not listed, since listing them means reading the cabinets),
// in File table order, with extract's warnings and refusals.
func runExtractList(env *Env, name, dir string, opts *install.Options) error {
	db, err := openMSI(env, name)
	if err != nil {
		return err
	}
	defer db.Close()
	plan, err := install.NewPlan(db, opts)
	if err != nil {
		return fileErr(name, err)
	}
	// Into a folder holding files, extract refuses to replace the package
	// or its external cabinets (inputGuard): say so here too.
	var guard *inputGuard
	if fresh, err := newOrEmptyFolder(dir); err == nil && !fresh {
		guard = newInputGuard(name, opts, db, plan)
	}
	notWritten := 0
	listed, refused := 0, 0
	var shared sharedFailures
	i := 0
	for f := range plan.Files() {
		if i++; i%1024 == 0 {
			if err := env.stopped(); err != nil {
				return fileErr(name, err)
			}
		}
		if f.Err != nil {
			refused++
			if l := "refused: " + oneLine(trimPackage(f.Err.Error())); shared.first(l) {
				fmt.Fprintf(env.Stderr, "msikit: %s: %s\n", name, l)
			}
			continue
		}
		if err := guard.protected(filepath.Join(dir, filepath.FromSlash(f.Path))); err != nil {
			notWritten++
			fmt.Fprintf(env.Stderr, "msikit: %s: not written: %s: %v\n", name, escapeText(f.Path), err)
			continue
		}
		listed++
		fmt.Fprintln(env.Stdout, extractedLine(dir, f.Path))
	}
	for _, w := range plan.Warnings() {
		fmt.Fprintf(env.Stderr, "msikit: warning: %s: %s\n", name, escapeText(w))
	}
	missing := plan.MissingKeys()
	for _, k := range missing {
		fmt.Fprintf(env.Stderr, "msikit: %s: not listed: File %q: no such File row\n", name, clip.String(k))
	}
	for _, h := range shared.hints() {
		fmt.Fprintf(env.Stderr, "msikit: %s: %s\n", name, h)
	}
	if refused > 0 || len(missing) > 0 || notWritten > 0 {
		return fileErr(name, fmt.Errorf("%d files listed, %d not (%d refused paths, %d keys with no File row, %d not to be written)", listed, refused+len(missing)+notWritten, refused, len(missing), notWritten))
	}
	return nil
}

// maxRatioOption turns --max-ratio N into install.Options.MaxRatio: 0
// means no limit on the command line, a negative value there.
func maxRatioOption(n int) (int, error) {
	switch {
	case n < 0:
		return 0, usagef("--max-ratio %d: want a ratio, or 0 for no limit", n)
	case n == 0:
		return -1, nil
	}
	return n, nil
}

// sharedListed is how many of the files that fail for one shared reason
// get a line of their own: past --max-ratio every later file fails for
// the same reason, and so does every copy of bytes already read once the
// copies a cabinet may hold are used up; a hostile package can hold tens
// of thousands of either.
const sharedListed = 10

// sharedFailures lists the first sharedListed files of each shared
// reason, then counts the rest on one line per reason (hints).
// It also lists each failure line once: a package may repeat a File row
// word for word (a key is unique only by ICE03's say), and 56,000 copies
// of one row gave 56,000 identical lines; the copies are counted on one
// line (hints).
type sharedFailures struct {
	ratio, overlap int
	ratioErr       *install.RatioError
	seed           maphash.Seed
	lines          map[uint64]struct{} // hashes of the lines listed
	repeats        int
}

// first reports whether line has not been listed before, and remembers
// it. Lines are told apart by a 64-bit hash: a collision would hide a
// line, with odds far below a row's worth of concern.
func (s *sharedFailures) first(line string) bool {
	if s.lines == nil {
		s.seed, s.lines = maphash.MakeSeed(), map[uint64]struct{}{}
	}
	h := maphash.String(s.seed, line)
	if _, ok := s.lines[h]; ok {
		s.repeats++
		return false
	}
	s.lines[h] = struct{}{}
	return true
}

// list reports whether err, a file's failure, gets a line of its own.
func (s *sharedFailures) list(err error) bool {
	var re *install.RatioError
	var oe *install.OverlapError
	switch {
	case errors.As(err, &re):
		s.ratio++
		s.ratioErr = re
		return s.ratio <= sharedListed
	case errors.As(err, &oe):
		s.overlap++
		return s.overlap <= sharedListed
	}
	return true
}

// hints are the lines that count the files of each shared reason, and
// for --max-ratio say how to lift the bound.
func (s *sharedFailures) hints() []string {
	listed := func(n int) string {
		if n > sharedListed {
			return fmt.Sprintf(" (the first %d listed above)", sharedListed)
		}
		return ""
	}
	var h []string
	if re := s.ratioErr; re != nil {
		h = append(h, fmt.Sprintf("%s not read past --max-ratio %d%s: the cabinets' %d bytes would decode to more than %d; if the package is genuine, raise --max-ratio, or 0 for no limit", plural(s.ratio, "file"), re.Ratio, listed(s.ratio), re.Compressed, re.Limit))
	}
	if s.overlap > sharedListed {
		h = append(h, fmt.Sprintf("%s not read because their bytes in the cabinet are shared with files before them beyond what a cabinet may share%s", plural(s.overlap, "file"), listed(s.overlap)))
	}
	if s.repeats > 0 {
		h = append(h, fmt.Sprintf("%s failed exactly as a line above says (rows repeated in the package)", plural(s.repeats, "further file")))
	}
	return h
}

// readErrReader remembers the first error of its reader other than io.EOF.
type readErrReader struct {
	r   io.Reader
	err error
}

func (e *readErrReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// maxDefaultJobs caps the default of --jobs, of extract (folders) and of
// the batch commands rewrite, sbom and verify (packages).
const maxDefaultJobs = 8

// numCPU is runtime.NumCPU, replaced by tests.
var numCPU = runtime.NumCPU

// defaultJobs is the default of --jobs: one per CPU, at most
// maxDefaultJobs. A package being rewritten, described or verified may
// hold up to about 150 MiB on hostile input, and a folder being decoded
// its decoder's window, so a 64-CPU build server does not multiply that
// by 64 unless asked to.
func defaultJobs() int { return min(numCPU(), maxDefaultJobs) }

// maxJobs is the most --jobs can ask for. Each folder decoding holds its
// decoder (up to about 4 MiB for LZX) and a file being written: --jobs
// 64 took 110-124 MB on small packages of many folders, and --jobs 1000
// 35 s of CPU on one of 54,000 (goroutines, decoders and garbage); two
// CPUs or eight are busy with far fewer.
const maxJobs = 32

func runExtract(env *Env, name, dir string, opts *install.Options) error {
	db, err := openMSI(env, name)
	if err != nil {
		return err
	}
	defer db.Close()
	w, err := newExtractWriter(dir)
	if err != nil {
		return fileErr(name, err)
	}
	defer w.abort()
	plan, err := install.NewPlan(db, opts)
	if err != nil {
		return fileErr(name, err)
	}
	if w.dir == nil {
		w.guard = newInputGuard(name, opts, db, plan)
	}
	total := len(opts.Keys)
	if total == 0 && db.HasTable("File") {
		if t, err := db.Table("File"); err == nil {
			total = t.Len()
		}
	}
	// The callback runs on opts.Jobs goroutines: mu guards the counts,
	// the list of files not written and the output.
	var mu sync.Mutex
	var notWritten []string
	var listed []string // the files (f.Path) to print once the folder is in place
	n := 0
	rep, err := plan.ExtractContext(env.context(), func(f *install.File, r io.Reader) error {
		if err := env.stopped(); err != nil {
			return err
		}
		rr := &readErrReader{r: r}
		werr := w.write(f.Path, rr)
		mu.Lock()
		defer mu.Unlock()
		if werr != nil {
			if rr.err != nil {
				// The cabinet's data failed (corrupt, or stopped by
				// --max-ratio): install reports the file once, with why.
				return nil
			}
			if fatalWriteError(werr) {
				// Which file could not be written, by the path it would
				// have had: the reason alone ("no space left on
				// device") does not say where.
				return fmt.Errorf("write %s: %w", extractedLine(dir, f.Path), werr)
			}
			// One file that cannot be written does not stop the others.
			notWritten = append(notWritten, fmt.Sprintf("%s: %v", escapeText(f.Path), werr))
			return nil
		}
		n++
		if w.dir != nil {
			listed = append(listed, f.Path)
		} else {
			fmt.Fprintln(env.Stdout, extractedLine(dir, f.Path))
		}
		if env.StderrIsTerminal {
			fmt.Fprintf(env.Stderr, "\rextracting %d/%d files", n, max(total, n))
		}
		return nil
	})
	if env.StderrIsTerminal && n > 0 {
		fmt.Fprintln(env.Stderr)
	}
	if err != nil {
		if w.dir != nil {
			n = 0 // nothing is moved into place
		}
		var le *install.SizeLimitError
		if errors.As(err, &le) {
			return fileErr(name, fmt.Errorf("files add up to at least %d bytes, more than --max-bytes %d; %d files written", le.Size, le.Limit, n))
		}
		if fatalWriteError(err) {
			// A full disk or quota, or a read-only file system: say how
			// many files are in place (listed on standard output).
			return fileErr(name, fmt.Errorf("%w; %d files written", err, n))
		}
		return fileErr(name, signalCause(err))
	}
	if err := w.commit(); err != nil {
		return commitError(env, name, dir, listed, err)
	}
	for _, p := range listed {
		fmt.Fprintln(env.Stdout, extractedLine(dir, p))
	}
	for _, warn := range rep.Warnings {
		fmt.Fprintf(env.Stderr, "msikit: warning: %s: %s\n", name, escapeText(warn))
	}
	for _, c := range rep.EmptyCabinets {
		fmt.Fprintf(env.Stderr, "msikit: %s: cabinet %s is empty\n", name, escapeText(c))
	}
	for _, c := range rep.MissingCabinets {
		what := "unreadable cabinet"
		if c.Missing {
			what = "missing cabinet"
		}
		fmt.Fprintf(env.Stderr, "msikit: %s: %s %s (%s): %s\n", name, what, escapeText(c.Name), plural(c.Files, "file"), oneLine(c.Err.Error()))
	}
	refused, failed, other := 0, 0, 0
	var shared sharedFailures
	for _, f := range rep.Failed {
		var ce *install.CabinetError
		switch {
		case errors.As(f.Err, &ce):
			failed++ // counted on its cabinet's line
		case errors.Is(f.Err, install.ErrUnsafePath):
			refused++
			if l := "refused: " + oneLine(trimPackage(f.Error())); shared.first(l) {
				fmt.Fprintf(env.Stderr, "msikit: %s: %s\n", name, l)
			}
		default:
			failed++
			other++
			if !shared.list(f.Err) {
				continue // counted on its reason's line
			}
			if l := "not extracted: " + oneLine(trimPackage(f.Error())); shared.first(l) {
				fmt.Fprintf(env.Stderr, "msikit: %s: %s\n", name, l)
			}
		}
	}
	for _, s := range notWritten {
		fmt.Fprintf(env.Stderr, "msikit: %s: not written: %s\n", name, oneLine(s))
	}
	for _, h := range shared.hints() {
		fmt.Fprintf(env.Stderr, "msikit: %s: %s\n", name, h)
	}
	if rep.Problems() || len(notWritten) > 0 {
		return fileErr(name, fmt.Errorf("%d files extracted, %d not (%s, %d refused paths, %d not decoded or refused by their cabinet, %d not written)",
			n, failed+refused+len(notWritten), plural(len(rep.MissingCabinets), "missing or unreadable cabinet"), refused, other, len(notWritten)))
	}
	return nil
}

// extractedLine is the line that lists the file rel extracted below dir.
func extractedLine(dir, rel string) string {
	return escapeText(path.Join(filepath.ToSlash(dir), rel))
}

// commitError is the error of an extraction whose files, all written to
// the temporary folder (listed), could not be moved into dir. Usually
// nothing was; a merge into an existing folder that failed part way
// (safefile.MergeError) left some files in place: they are listed on
// standard output, as a complete extraction lists every file, and the
// error says how many.
func commitError(env *Env, name, dir string, listed []string, err error) error {
	var me *safefile.MergeError
	if !errors.As(err, &me) {
		return fileErr(name, fmt.Errorf("nothing written: %w", err))
	}
	moved := make(map[string]bool, len(me.Moved))
	for _, m := range me.Moved {
		moved[m] = true
	}
	n := 0
	for _, p := range listed {
		// In place if p or a folder above it was moved.
		for q := p; q != "." && q != "/"; q = path.Dir(q) {
			if moved[q] {
				fmt.Fprintln(env.Stdout, extractedLine(dir, p))
				n++
				break
			}
		}
	}
	return fileErr(name, fmt.Errorf("%d of %d files moved into %s before a move failed, the others removed: %w", n, len(listed), dir, me.Err))
}

// plural formats a count and a noun: "1 file", "2 files".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// extractWriter writes files below root, from several goroutines at once.
//
// Into a new or empty folder the files go through a safefile.Dir: written
// directly into a temporary folder (no temporary file, rename or check per
// file) that becomes the folder at the end, so the folder appears with
// every file written or, when extraction stops part way, not at all.
// Into a folder that holds files already, each file is written to a
// temporary file beside it and renamed into place (replacing a file of the
// same name, never writing through a symbolic link), and folders are
// created and checked once each (not once per file): a folder that
// resolves, through symbolic links, outside root is refused, and so is
// every file below it.
//
// Replacing files, it never replaces the package being extracted, its
// external cabinets nor the uncompressed copies it reads (guard).
type extractWriter struct {
	root  string
	dir   *safefile.Dir    // nil: files replaced one at a time below root
	mu    sync.Mutex       // guards dirs
	dirs  map[string]error // checked folders (relative, slash-separated) → nil or why refused
	bufs  sync.Pool        // copy buffers, reused from file to file
	guard *inputGuard      // what must not be replaced (nil: nothing, into a new folder)
}

// An inputGuard keeps extract from replacing the package being extracted
// and, in the source folder, the files the Media table names as external
// cabinets (their names case-folded, as cabinets are looked up), the
// cabinets of their sets that only cabinet headers name (cabinetSetFiles,
// by identity) and the uncompressed copies of the files being extracted
// (their source paths):
// a package may name a file at the root of its layout like itself or its
// cabinet, "msikit extract product.msi" extracts into the package's own
// folder, and an administrative image extracted into its own folder
// (-d equal to --source) has install paths that are source paths.
type inputGuard struct {
	pkg  os.FileInfo       // the package (nil: unknown)
	src  os.FileInfo       // the source folder of external cabinets (nil: unknown)
	cabs map[string]string // the external cabinets, by casefold.Key (externalCabinets)

	srcDir  string        // the source folder, as given
	plan    *install.Plan // the files being extracted, for their source paths
	once    sync.Once
	srcReal string            // srcDir, absolute and without symbolic links ("": unknown)
	copies  map[string]string // casefold.Key of an existing copy's source path -> the path

	db      *msi.Database
	setOnce sync.Once
	set     []setCabinet // the cabinet files reading the package opens (cabinetSetFiles)
}

// newInputGuard records what extracting the package name (db) with opts
// must not replace.
func newInputGuard(name string, opts *install.Options, db *msi.Database, plan *install.Plan) *inputGuard {
	srcDir := opts.SourceDir
	if srcDir == "" {
		srcDir = filepath.Dir(name)
	}
	g := &inputGuard{cabs: externalCabinets(db), srcDir: srcDir, plan: plan, db: db}
	g.pkg, _ = os.Stat(name)
	g.src, _ = os.Stat(srcDir)
	return g
}

// protected returns why the existing file dst must not be replaced, or
// nil. A nil guard protects nothing.
func (g *inputGuard) protected(dst string) error {
	if g == nil {
		return nil
	}
	fi, err := os.Lstat(dst)
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	if g.pkg != nil && os.SameFile(fi, g.pkg) {
		return &protectedError{what: "is the package being extracted"}
	}
	if _, ok := g.cabs[casefold.Key(filepath.Base(dst))]; ok && g.src != nil {
		if d, err := os.Stat(filepath.Dir(dst)); err == nil && os.SameFile(d, g.src) {
			return &protectedError{what: "is an external cabinet of the package"}
		}
	}
	if g.isCopy(dst, fi) {
		return &protectedError{what: "is an uncompressed source file of the package", why: "read for its contents"}
	}
	if g.src != nil {
		// A cabinet of a set that only a cabinet header names: found
		// (and its header read) once, when a file is first to be
		// replaced.
		g.setOnce.Do(func() { g.set = cabinetSetFiles(g.db, g.srcDir) })
		for _, c := range g.set {
			if os.SameFile(fi, c.fi) {
				return &protectedError{what: "is cabinet " + escapeName(c.name) + " of a cabinet set of the package", why: "read for its files"}
			}
		}
	}
	return nil
}

// A protectedError is why inputGuard.protected refuses a file: what it
// is to the package ("is an external cabinet of the package"), and what
// the package is read for through it ("" when that goes without saying).
type protectedError struct{ what, why string }

func (e *protectedError) Error() string {
	if e.why != "" {
		return e.what + ", " + e.why + "; not replaced"
	}
	return e.what + "; not replaced"
}

// isCopy reports whether the existing regular file dst (fi) is the
// uncompressed copy of one of the files being extracted: the file its
// source path names below the source folder, by whatever path dst
// reaches it (a symbolic link to a folder on the way, a file system that
// folds case).
func (g *inputGuard) isCopy(dst string, fi os.FileInfo) bool {
	if g.plan == nil || g.src == nil {
		return false
	}
	g.once.Do(g.listCopies)
	if len(g.copies) == 0 || g.srcReal == "" {
		return false
	}
	dirReal, err := realPath(filepath.Dir(dst))
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(g.srcReal, dirReal)
	if err != nil || !filepath.IsLocal(rel) && rel != "." {
		return false
	}
	sp, ok := g.copies[casefold.Key(path.Join(filepath.ToSlash(rel), filepath.Base(dst)))]
	if !ok {
		return false
	}
	c, err := os.Lstat(filepath.Join(g.srcDir, filepath.FromSlash(sp)))
	return err == nil && os.SameFile(c, fi)
}

// realPath is the absolute path of the folder dir with no symbolic link.
func realPath(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// listCopies records the source paths of the files being extracted whose
// uncompressed copy exists, once, when a file to be replaced is first
// checked: only copies that exist are kept, so the memory is that of the
// files in the source folder, not of the paths the package names.
func (g *inputGuard) listCopies() {
	var err error
	if g.srcReal, err = realPath(g.srcDir); err != nil {
		return
	}
	for f := range g.plan.Files() {
		if f.SourcePath == "" {
			continue
		}
		if fi, err := os.Lstat(filepath.Join(g.srcDir, filepath.FromSlash(f.SourcePath))); err == nil && fi.Mode().IsRegular() {
			if g.copies == nil {
				g.copies = map[string]string{}
			}
			g.copies[casefold.Key(f.SourcePath)] = f.SourcePath
		}
	}
}

// newExtractWriter prepares writing below dir.
func newExtractWriter(dir string) (*extractWriter, error) {
	if fresh, err := newOrEmptyFolder(dir); err != nil {
		return nil, err
	} else if fresh {
		d, err := safefile.CreateDir(dir)
		if err != nil {
			return nil, err
		}
		return &extractWriter{dir: d}, nil
	}
	if err := safefile.MkdirAll(dir); err != nil {
		return nil, err
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	return &extractWriter{root: root, dirs: map[string]error{}}, nil
}

// newOrEmptyFolder reports whether dir does not exist or is an empty
// folder (or a symbolic link to one). A folder it cannot list (no read
// permission) counts as not empty: files are then written one at a time.
func newOrEmptyFolder(dir string) (bool, error) {
	// Checked before opening: opening a named pipe waits for a writer.
	// Without a trailing separator: "pipe/" does not stat at all.
	fi, err := os.Stat(filepath.Clean(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err == nil && !fi.IsDir() {
		return false, fmt.Errorf("%s %v", dir, safefile.NotFolderError{Mode: fi.Mode()})
	}
	f, err := os.Open(dir)
	if err != nil {
		return false, nil
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	if err == io.EOF {
		return true, nil
	}
	return err == nil && len(names) == 0, nil
}

// commit moves the files written into place; abort (after commit, a
// no-op) removes them.
func (w *extractWriter) commit() error {
	if w.dir == nil {
		return nil
	}
	return w.dir.Commit()
}

func (w *extractWriter) abort() {
	if w.dir != nil {
		w.dir.Abort()
	}
}

// write creates root/rel with r's bytes, whole or not at all. rel comes
// from install.File.Path: relative and made of safe names; it is checked
// again here.
func (w *extractWriter) write(rel string, r io.Reader) error {
	p := filepath.FromSlash(rel)
	if rel == "" || !filepath.IsLocal(p) {
		return fmt.Errorf("path %q would leave the output folder", rel)
	}
	buf, _ := w.bufs.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
		*buf = make([]byte, 64<<10)
	}
	defer w.bufs.Put(buf)
	fill := func(out io.Writer) error {
		// Through a reused buffer: *os.File's ReadFrom would allocate
		// one per file (30,000 files, 1 GB of garbage).
		_, err := io.CopyBuffer(struct{ io.Writer }{out}, r, *buf)
		return err
	}
	var err error
	if w.dir != nil {
		err = w.dir.WriteFile(rel, fill)
	} else {
		if err := w.checkDir(path.Dir(rel)); err != nil {
			return err
		}
		dst := filepath.Join(w.root, p)
		if err := w.guard.protected(dst); err != nil {
			return err
		}
		err = safefile.Write(dst, fill)
		if err == nil {
			return nil
		}
		// Checked only on failure: the rename replaces a file or a symbolic
		// link (never writing through it) and fails on a folder.
		if fi, lerr := os.Lstat(dst); lerr == nil && fi.IsDir() {
			return errors.New("a folder is in the way")
		}
	}
	if err == nil {
		return nil
	}
	// The reason alone: the paths in *PathError and *LinkError name the
	// hidden temporary file or folder.
	var pe *os.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}

// checkDir creates the folder rel below root, once, and checks that it
// resolves inside root. Its parent is checked first, so nothing is ever
// created through a symbolic link that leads out of root (os.MkdirAll of
// the whole path would create the folders below such a link, outside,
// before the check refused them).
func (w *extractWriter) checkDir(rel string) error {
	// One goroutine at a time: the check of a folder creates its parents.
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.checkDirLocked(rel)
}

func (w *extractWriter) checkDirLocked(rel string) error {
	if rel == "." || rel == "" {
		return nil
	}
	if err, ok := w.dirs[rel]; ok {
		return err
	}
	err := func() error {
		if err := w.checkDirLocked(path.Dir(rel)); err != nil {
			return err
		}
		// The parent resolves inside root: rel is created there (a
		// link at rel itself is not followed by mkdir).
		abs := filepath.Join(w.root, filepath.FromSlash(rel))
		if err := os.Mkdir(abs, 0o777); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return err
		}
		if r, err := filepath.Rel(w.root, real); err != nil || !filepath.IsLocal(r) && r != "." {
			return fmt.Errorf("folder %q would leave the output folder (through a symbolic link)", rel)
		}
		if fi, err := os.Stat(real); err != nil || !fi.IsDir() {
			return fmt.Errorf("a file is in the way of folder %q", rel)
		}
		return nil
	}()
	w.dirs[rel] = err
	return err
}
