package install

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"math"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/msikit/msikit/msi"

	"github.com/msikit/msikit/cab"
	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/internal/safename"
	"github.com/msikit/msikit/internal/textmemo"
)

// An File is a File table row resolved to its place in the install
// layout.
type File struct {
	Key       string // File table key (also the file's name in its cabinet)
	Component string // Component_
	Directory string // the component's Directory_
	Name      string // long file name (from "short|long")
	// Path is where the file goes below the extraction root,
	// slash-separated. It is unique among the package's files, compared
	// case-insensitively as on Windows, and every element is a name
	// Windows and POSIX systems can create (internal/safename's rule).
	// Normally it is the install path: the Directory chain's target names
	// (standard folders such as ProgramFilesFolder map to names like
	// "Program Files (x86)", see StandardFolder and Layout) and Name;
	// Placement says when it is not. Empty when Err is set.
	Path      string
	Placement Placement
	// DuplicateOf is, for Placement BesideDuplicate, the File key of the
	// earlier row that has this row's install path.
	DuplicateOf string
	// SourcePath is where an uncompressed copy lives below the package's
	// folder (an administrative image or uncompressed media), from the
	// Directory chain's source names; long or short names as the summary
	// information says. Empty when no usable source path exists (a source
	// name that is unsafe, an unresolvable chain).
	SourcePath string
	Size       int64 // FileSize
	Sequence   int   // File.Sequence: the file's position across the media
	Attributes int   // File.Attributes bits (msidbFileAttributes*)
	// Cabinet is the Media table's Cabinet value for the file's sequence
	// ("#x.cab" embedded, "x.cab" beside the package), "" when no Media
	// row with a cabinet covers it.
	Cabinet string
	// Compressed reports whether the file is expected in a cabinet, from
	// the summary information's source flags and the file's attributes.
	Compressed bool
	// Err says why the file has no Path: a name on its way that is not
	// safe to create (matching ErrUnsafePath). Such files are refused.
	Err error
}

// Files resolves the File rows of db to their paths, source paths and
// cabinets, as Extract places them, and returns an iterator over them:
// every row in File table order, or only the rows opts.Keys names (opts
// may be nil; its Layout and Keys are used, its other fields are not).
// Problems with single rows are reported in File.Err; the error is
// non-nil only when a needed table cannot be read. A package without a
// File table (a patch) has no install files.
//
// The Directory tree is resolved before Files returns, in time and memory
// linear in the package's rows; each path is joined only when the
// iteration reaches its file, so iterating costs no memory beyond the
// File yielded (a new one each time), however many files there are. To
// list the files and then extract them, NewPlan resolves them once for
// both.
func Files(db *msi.Database, opts *Options) (iter.Seq[*File], error) {
	p, err := NewPlan(db, opts)
	if err != nil {
		return nil, err
	}
	return p.Files(), nil
}

// Options configures Files and Extract. The zero value extracts
// every file in the 64-bit Windows layout, looking for external cabinets
// and uncompressed files in the package's folder, without a size limit.
type Options struct {
	// SourceDir is the folder of external cabinets and uncompressed
	// source files; "" means the folder of the file given to Open.
	SourceDir string
	// Keys restricts extraction to these File keys; empty means all.
	Keys []string
	// Layout chooses the folders the standard folder properties stand
	// for (LayoutX64, the zero value, or LayoutX86).
	Layout Layout
	// MaxBytes, if positive, bounds the bytes Extract passes to its
	// callback: when the selected files' FileSize values add up to more,
	// Extract passes none of them; when the files delivered would exceed
	// it anyway (cabinet members no File row lists), it stops before the
	// one that would. Either way it returns a *SizeLimitError.
	MaxBytes int64
	// Jobs is how many cabinet folders Extract decodes at once, each on
	// a goroutine of its own; 0 or 1 means one at a time. Above 1, the
	// callback is called from that many goroutines at once, so it must be
	// safe for concurrent use: the files of one folder still come in
	// order from one goroutine, but files of different folders come in
	// no fixed order. A folder that runs on into the next cabinet of a
	// set is decoded with its continuation, in order. Each folder being
	// decoded holds its decoder's memory (up to about 4 MiB for LZX), so
	// memory grows with Jobs, not with the package.
	Jobs int
	// MaxRatio bounds decompression, against decompression bombs: a
	// cabinet of a few megabytes can decode to gigabytes (MSZIP up to
	// about 650 times its size, LZX and Quantum more), and cabinet files
	// may point again and again at ranges far into a folder. The bytes
	// Extract decodes, counting those decoded only to reach a file and
	// ranges decoded again, may not pass DecodeAllowance plus MaxRatio
	// times the bytes of the cabinets it opens; decoding stops there, and
	// the files not delivered fail with a *RatioError. A block of the
	// cabinets counts at least cab.BlockCost (and its compressed bytes),
	// and more for the deflate or LZX blocks starting inside it: a folder
	// of tiny blocks, each rebuilding Huffman tables for a byte, counts
	// its work, not the little it decodes to (cab.Limit). 0 means
	// DefaultMaxRatio; a negative value, no bound. Real packages decode
	// to a few times their cabinets' size (at most 4.6 times in the test
	// corpus), so the default stops only bombs.
	MaxRatio int
}

// DefaultMaxRatio is the Options.MaxRatio of the zero Options: the bound
// Apache POI puts on a zip entry's expansion.
const DefaultMaxRatio = 100

// DecodeAllowance is what Options.MaxRatio allows on top of its ratio,
// for small packages holding very compressible files.
const DecodeAllowance = 256 << 20

// ratioLimit is the decoding bound of ratio over compressed cabinet bytes.
func ratioLimit(ratio int, compressed int64) int64 {
	if compressed > (math.MaxInt64-DecodeAllowance)/int64(ratio) {
		return math.MaxInt64
	}
	return DecodeAllowance + int64(ratio)*compressed
}

// ErrTooLarge is matched by the *SizeLimitError Extract returns when the
// package's files add up to more than Options.MaxBytes, and by the
// *RatioError of a file that Options.MaxRatio stopped.
var ErrTooLarge = errors.New("install: files exceed the size limit")

// A SizeLimitError reports that the files to extract add up to more than
// Options.MaxBytes.
type SizeLimitError struct {
	Limit int64 // Options.MaxBytes
	Size  int64 // bytes the files add up to, at least
}

// Error formats the error as "install: files add up to at least N bytes, more
// than the limit of M".
func (e *SizeLimitError) Error() string {
	return fmt.Sprintf("install: files add up to at least %d bytes, more than the limit of %d", e.Size, e.Limit)
}

// Is reports whether target is ErrTooLarge.
func (e *SizeLimitError) Is(target error) bool { return target == ErrTooLarge }

// A RatioError reports a file that was not delivered because decoding it
// would pass the bound of Options.MaxRatio. errors.Is(err, ErrTooLarge)
// holds for it.
type RatioError struct {
	Ratio      int   // the Options.MaxRatio applied
	Compressed int64 // bytes of the cabinets opened
	Limit      int64 // DecodeAllowance + Ratio × Compressed
	Err        error // the *cab.LimitError where decoding stopped
}

// Error formats the error as "install: decoding stopped at offset O of
// folder F: the cabinets would decode to more than L bytes, R times their
// C bytes plus 256 MiB (a decompression bomb, or files far more
// compressible than real ones)".
func (e *RatioError) Error() string {
	where := ""
	var le *cab.LimitError
	if errors.As(e.Err, &le) {
		where = fmt.Sprintf(" at offset %d of folder %d", le.Offset, le.Folder)
	}
	return fmt.Sprintf("install: decoding stopped%s: the cabinets would decode to more than %d bytes, %d times their %d bytes plus %d MiB (a decompression bomb, or files far more compressible than real ones)", where, e.Limit, e.Ratio, e.Compressed, DecodeAllowance>>20)
}

// Unwrap returns the cabinet's error.
func (e *RatioError) Unwrap() error { return e.Err }

// Is reports whether target is ErrTooLarge.
func (e *RatioError) Is(target error) bool { return target == ErrTooLarge }

// ErrCabinetMissing is matched by the *CabinetError of a cabinet that
// could not be found (an external cabinet absent from the source folder,
// an embedded one whose stream is missing), and by the failures of the
// files expected in it.
var ErrCabinetMissing = errors.New("install: cabinet not found")

// A CabinetError reports a cabinet Extract could not read: missing, or
// with a header that cannot be read.
type CabinetError struct {
	Name    string // as the Media table names it ("#x.cab" for an embedded cabinet)
	Missing bool   // the cabinet was not found (errors.Is(e, ErrCabinetMissing))
	// Files counts the selected files expected in the cabinet that were
	// not found anywhere else (an uncompressed copy); each is also in
	// Report.Failed, with this error.
	Files int
	Err   error // why: the open or format error
}

// Error formats the error as `install: cabinet "x.cab" not found: cause` or
// `install: cabinet "x.cab": cause`.
func (e *CabinetError) Error() string {
	if e.Missing {
		return fmt.Sprintf("install: cabinet %q not found: %v", clip.String(e.Name), e.Err)
	}
	return fmt.Sprintf("install: cabinet %q: %v", clip.String(e.Name), e.Err)
}

// Unwrap returns the cause.
func (e *CabinetError) Unwrap() error { return e.Err }

// Is reports whether target is ErrCabinetMissing and the cabinet was not
// found.
func (e *CabinetError) Is(target error) bool { return e.Missing && target == ErrCabinetMissing }

// maxCopyBytes is how many bytes a folder may deliver, beyond its
// distinct bytes, for files sharing the range of the file before them
// (identical files stored once).
const maxCopyBytes = 64 << 20

// An OverlapError reports a cabinet file Extract refuses because its bytes
// are shared: they start inside the range of Other (delivered before it
// from the same folder, its bytes ending at OtherEnd) without being an
// exact copy of it, or they are a copy past the bytes copies may add up to
// (Copies is then the copied bytes already delivered): the distinct bytes
// the folder delivered plus 64 MiB. Cabinets store each file's bytes once
// (identical files may share one range), and files sharing bytes without
// limit would let a small cabinet claim its folder's data any number of
// times. It matches cab.ErrFormat.
type OverlapError struct {
	Name         string // the file in the cabinet
	Offset, Size int64  // its range in the folder's uncompressed data
	Other        string
	OtherEnd     int64
	Copies       int64
}

// Error says which file shares whose bytes, or after how many bytes of
// copies.
func (e *OverlapError) Error() string {
	if e.Copies > 0 {
		return fmt.Sprintf("cabinet file %q (folder offset %d, %d bytes) is one more copy of the bytes of %q after %d bytes of copies: copies may add up to the folder's distinct bytes plus %d", e.Name, e.Offset, e.Size, e.Other, e.Copies, maxCopyBytes)
	}
	return fmt.Sprintf("cabinet file %q (folder offset %d, %d bytes) overlaps the bytes of %q, which end at offset %d, without being a copy of them", e.Name, e.Offset, e.Size, e.Other, e.OtherEnd)
}

// Is reports whether target is cab.ErrFormat.
func (e *OverlapError) Is(target error) bool { return target == cab.ErrFormat }

// A FileError reports a file Extract could not deliver, and why: its
// cabinet is missing or unreadable (Err is then the *CabinetError), its
// data fails to decode, its path is refused (ErrUnsafePath), a key given
// in Options.Keys names no File row.
type FileError struct {
	// Key is the File key, or for a cabinet member no File row names,
	// its name in the cabinet.
	Key string
	// Cabinet names the cabinet the file was read from or expected in,
	// as the Media table does, or "".
	Cabinet string
	// Path is, for a cabinet member no File row names (a patch's), the
	// path it was to be extracted to, "" when its name was refused;
	// for a File row it is "" (the File's Path says where it goes).
	Path string
	Err  error
}

// Error formats the error as `install: File "KEY": cause`, adding the
// cabinet when the cause does not name it.
func (e *FileError) Error() string {
	var ce *CabinetError
	if e.Cabinet != "" && !errors.As(e.Err, &ce) {
		return fmt.Sprintf("install: File %q (cabinet %q): %v", clip.String(e.Key), clip.String(e.Cabinet), e.Err)
	}
	return fmt.Sprintf("install: File %q: %v", clip.String(e.Key), e.Err)
}

// Unwrap returns the cause.
func (e *FileError) Unwrap() error { return e.Err }

// A StopError is the error ExtractContext returns when its context is
// done before every file is delivered: where extraction stopped, and why.
// errors.Is matches the context's cause and its Err (context.Canceled or
// context.DeadlineExceeded), whatever the cause.
type StopError struct {
	// Key is the File key (or, for a cabinet member no File row names,
	// its name in the cabinet) of the file being read or about to be;
	// "" when extraction stopped between cabinets.
	Key string
	// Cabinet names the file's cabinet as the Media table does, or the
	// cabinet about to be read; "" for an uncompressed file.
	Cabinet string
	// Err is the *cab.InterruptError of a folder stopped while being
	// decoded, which says where in the folder; else the context's cause.
	Err error
}

// Error formats the error as `install: stopped at File "KEY" (cabinet
// "x.cab"): cause`, leaving out what is not known.
func (e *StopError) Error() string {
	where := ""
	switch {
	case e.Key != "" && e.Cabinet != "":
		where = fmt.Sprintf(" at File %q (cabinet %q)", clip.String(e.Key), clip.String(e.Cabinet))
	case e.Key != "":
		where = fmt.Sprintf(" at File %q", clip.String(e.Key))
	case e.Cabinet != "":
		where = fmt.Sprintf(" at cabinet %q", clip.String(e.Cabinet))
	}
	return fmt.Sprintf("install: stopped%s: %v", where, e.Err)
}

// Unwrap returns the cause.
func (e *StopError) Unwrap() error { return e.Err }

// An Report says what Extract did and what it could not do.
type Report struct {
	Extracted int // files passed to the callback
	// EmptyCabinets names cabinets holding no files.
	EmptyCabinets []string
	// MissingCabinets lists the cabinets that could not be found or
	// read, each once, with the number of files expected in it.
	MissingCabinets []*CabinetError
	// Failed lists the files whose contents were not found or could not
	// be decoded, and those refused (unsafe names), sorted by key.
	Failed []*FileError
	// Warnings describe files placed away from their install path (see
	// Placement), one per Directory for files below a Directory id and
	// one per file for duplicates. Such files were still delivered.
	Warnings []string
	// Unlisted counts cabinet files matching no File row (as in patches
	// and transforms); they are passed to the callback with Key set to
	// their cabinet name and Path "<cabinet>/<name>".
	Unlisted int
}

// Problems reports whether anything was left out.
func (r *Report) Problems() bool {
	return len(r.MissingCabinets) > 0 || len(r.Failed) > 0
}

// errNoFileRow is the cause of a failure for a key in Options.Keys
// that names no File row.
var errNoFileRow = errors.New("no such File row")

// Extract is ExtractContext with context.Background: it runs to its end.
func Extract(db *msi.Database, opts *Options, fn func(f *File, r io.Reader) error) (*Report, error) {
	return ExtractContext(context.Background(), db, opts, fn)
}

// ExtractContext decodes the package's files and calls fn with each one's
// resolved File and contents, cabinet by cabinet, each cabinet's
// files in order, and the cabinets of a set one after the other (so every
// folder is decoded once); with Options.Jobs above 1, folders are decoded
// concurrently and fn must be safe for concurrent use. Files of embedded cabinets, external cabinets
// (in Options.SourceDir, by default beside the package) and
// uncompressed source files (administrative images) are all covered. The
// reader passed to fn is valid only during the call and yields exactly
// Size bytes or fails; when it fails (data that does not decode, an
// uncompressed copy that cannot be read or ends early), the file is in
// Report.Failed with the reader's error, whether fn returns nil or an
// error. A File row is passed at most once, and f.Path tells it from the
// others: the copies of a File key a package repeats share f.Key, and
// are delivered (and listed in Report.Failed) in File table order.
//
// ExtractContext returns an error only when fn does, ctx is done (a
// *StopError), the files exceed Options.MaxBytes (a *SizeLimitError) or
// the database cannot be read; everything else (missing cabinets, empty cabinets, undecodable
// files, refused paths) is listed in the report, so one bad file does not
// stop the rest. Every file whose contents are found is delivered at a
// Path: files whose install path cannot be used are placed elsewhere, as
// Placement describes, with a warning in the report.
//
// Time and memory are linear in the package: the Directory tree is
// resolved once and paths are joined one at a time, a cabinet named by
// many Media rows is read once, and a folder that fails to decode is not
// decoded again for its later files.
//
// Once ctx is done, extraction stops within a cabinet block (32 KiB of
// decoded data) on every goroutine, also while bytes are decoded only to
// reach a file, and within a read of an uncompressed file: the reader
// passed to fn fails, no further file is passed, and ExtractContext
// returns a *StopError matching ctx.Err() (context.Canceled or
// context.DeadlineExceeded) and context.Cause(ctx), with the report of
// what was done until then. A context that is never done (such as
// context.Background) costs nothing.
func ExtractContext(ctx context.Context, db *msi.Database, opts *Options, fn func(f *File, r io.Reader) error) (*Report, error) {
	p, err := NewPlan(db, opts)
	if err != nil {
		return nil, err
	}
	return p.ExtractContext(ctx, fn)
}

// ExtractContext is the package's ExtractContext on the files p resolved:
// the Directory tree is not resolved again.
func (p *Plan) ExtractContext(ctx context.Context, fn func(f *File, r io.Reader) error) (*Report, error) {
	db, opts, lay := p.db, &p.opts, p.lay
	srcDir := opts.SourceDir
	if srcDir == "" && db.Path() != "" {
		srcDir = filepath.Dir(db.Path())
	}
	x := &extraction{ctx: ctx, ctxDone: ctx.Done(), db: db, lay: lay, fn: fn, maxBytes: opts.MaxBytes, maxRatio: opts.MaxRatio, srcDir: srcDir, src: safefile.NewFolder(srcDir),
		rep: &Report{}, done: make([]bool, len(lay.files)),
		missing: map[string]*CabinetError{}, unlistedTaken: map[string]bool{}}
	// Sized for the short keys only, as the layout's Directory index
	// is: 135,000 File rows whose keys are two pooled 1 MiB texts left
	// a map of 135,000 entries empty (6.7 MB).
	short := 0
	for i := range lay.files {
		if len(lay.files[i].key) < textmemo.Min {
			short++
		}
	}
	x.byKey.Reserve(short)
	for i := range lay.files {
		if !x.byKey.Has(lay.files[i].key) {
			x.byKey.Set(lay.files[i].key, i)
		}
	}
	if len(opts.Keys) > 0 {
		x.want = map[string]bool{}
		for _, k := range opts.Keys {
			x.want[k] = true
			if !x.byKey.Has(k) {
				x.rep.Failed = append(x.rep.Failed, &FileError{Key: k, Err: errNoFileRow})
			}
		}
	}
	if x.maxBytes > 0 {
		var total int64
		for i := range lay.files {
			if x.selected(i) && lay.files[i].err == nil {
				total += lay.files[i].size
			}
		}
		if total > x.maxBytes {
			return x.rep, &SizeLimitError{Limit: x.maxBytes, Size: total}
		}
	}
	if err := x.stopped(); err != nil {
		return x.rep, &StopError{Err: err}
	}
	defer x.close()
	if x.maxRatio == 0 {
		x.maxRatio = DefaultMaxRatio
	}
	if opts.Jobs > 1 {
		x.pool = newFolderPool(opts.Jobs)
	}
	err := x.cabinets()
	if perr := x.pool.wait(); err == nil {
		err = perr
	}
	if err != nil {
		x.finish()
		return x.rep, err
	}
	if err := x.uncompressed(); err != nil {
		x.finish()
		return x.rep, err
	}
	x.finish()
	return x.rep, nil
}

// extraction is the state of one Extract call.
type extraction struct {
	ctx      context.Context
	ctxDone  <-chan struct{} // ctx.Done(): nil when ctx is never done
	db       *msi.Database
	lay      *layout
	fn       func(*File, io.Reader) error
	maxBytes int64
	maxRatio int         // Options.MaxRatio, the default applied
	limit    *RatioError // the bound, once the cabinets are opened; nil for none
	srcDir   string
	src      *safefile.Folder // srcDir, for cabinets: listed once for all the names that miss
	rep      *Report
	want     map[string]bool     // selected keys; nil means all
	byKey    textmemo.Index[int] // File key → index in lay.files (the rows of a crafted package can all name one long pooled key)
	done     []bool              // delivered or failed
	missing  map[string]*CabinetError
	closers  []io.Closer
	// notIn holds the error of the files a cabinet should hold and does
	// not, one per cabinet and sequence: the copies of a File row a
	// package repeats (56,000 in 5 MB) share one.
	notIn map[cabinetSeq]error

	// pool runs the folders of cabinets on Options.Jobs goroutines; nil
	// means one folder at a time, on the caller's goroutine. mu guards
	// the report and the state below while folders run at once.
	pool *folderPool
	mu   sync.Mutex

	delivered     int64 // bytes passed to fn
	unlistedTaken map[string]bool
	// Files delivered away from their install path, for the warnings.
	placements
}

// placements counts the files placed away from their install path, for
// the warnings Report.Warnings and Plan.Warnings give.
type placements struct {
	under    map[int32]int  // pseudo-root or long-path node → files
	longPath map[int32]bool // nodes of files too long for their install path
	noComp   map[string]int // missing component → files
	dups     []int          // files placed beside a duplicate
}

// stopped returns nil while extraction may go on and, once ctx is done,
// why (stopCause). It is what the cabinets' decoders ask before each
// block (cab.ReaderOptions.Interrupt): a receive from a channel that is
// not closed, a few nanoseconds a 32 KiB block.
func (x *extraction) stopped() error {
	select {
	case <-x.ctxDone:
		return stopCause(x.ctx)
	default:
		return nil
	}
}

// stopErr returns the *StopError of the file key of cabinet label, whose
// reading ended with err, when ctx is done; else nil.
func (x *extraction) stopErr(key, label string, err error) error {
	cause := x.stopped()
	if cause == nil {
		return nil
	}
	var ie *cab.InterruptError
	if errors.As(err, &ie) {
		cause = ie
	}
	return &StopError{Key: key, Cabinet: label, Err: cause}
}

// stopCause returns why the done context ctx is done: its cause, matching
// ctx.Err() as well (a cause given to a context.CancelCauseFunc need not
// wrap context.Canceled).
func stopCause(ctx context.Context) error {
	err, cause := ctx.Err(), context.Cause(ctx)
	if cause == nil || errors.Is(cause, err) {
		return cmpErr(cause, err)
	}
	return &causeError{cause, err}
}

// cmpErr returns a if not nil, else b.
func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// causeError is a context's cause that does not wrap its Err: it reads
// as the cause and matches both.
type causeError struct{ cause, err error }

func (e *causeError) Error() string   { return e.cause.Error() }
func (e *causeError) Unwrap() []error { return []error{e.cause, e.err} }

func (x *extraction) selected(i int) bool {
	return x.want == nil || x.want[x.lay.files[i].key]
}

func (x *extraction) close() {
	for _, c := range x.closers {
		c.Close()
	}
}

// fail records file i as not delivered; x.mu is held while folders run
// at once.
func (x *extraction) fail(i int, cabinet string, err error) {
	x.rep.Failed = append(x.rep.Failed, &FileError{Key: x.lay.files[i].key, Cabinet: cabinet, Err: x.ratioErr(err)})
	x.done[i] = true
}

// ratioErr returns err, or the *RatioError wrapping it when decoding
// stopped at the limit of Options.MaxRatio.
func (x *extraction) ratioErr(err error) error {
	if x.limit == nil || !errors.Is(err, cab.ErrLimit) {
		return err
	}
	re := *x.limit
	re.Err = err
	return &re
}

// deliver passes one file to fn, enforcing MaxBytes. An error it returns
// stops Extract. It is called without x.mu held; fn runs unlocked.
func (x *extraction) deliver(f *File, r io.Reader) error {
	x.mu.Lock()
	if x.maxBytes > 0 && x.delivered+f.Size > x.maxBytes {
		err := &SizeLimitError{Limit: x.maxBytes, Size: x.delivered + f.Size}
		x.mu.Unlock()
		return err
	}
	x.delivered += f.Size
	x.mu.Unlock()
	return x.fn(f, r)
}

// placed notes where file i went, for the warnings.
func (x *extraction) placed(i int) { x.placements.add(x.lay, i) }

// add notes where file i of lay goes.
func (x *placements) add(lay *layout, i int) {
	f := &lay.files[i]
	switch {
	case f.noComp:
		if x.noComp == nil {
			x.noComp = map[string]int{}
		}
		x.noComp[f.comp]++
	case f.placement == UnderDirectoryID:
		if x.under == nil {
			x.under, x.longPath = map[int32]int{}, map[int32]bool{}
		}
		n := f.dir
		if f.longPath {
			x.longPath[n] = true
		} else {
			n = lay.nodes[f.dir].pseudo
		}
		x.under[n]++
	case f.placement == BesideDuplicate, f.placement == BesideFolder:
		x.dups = append(x.dups, i)
	}
}

// sortByKey sorts failures by their File keys, stably; when a key is
// long, through the keys' ranks (textmemo.Ranks): the failures of a
// crafted package's rows can all name one pooled key of megabytes, and
// comparing it with itself at each step of the sort took 7 s for 60,000
// of them.
func sortByKey(failed []*FileError) {
	long := false
	for _, f := range failed {
		if len(f.Key) >= textmemo.Min {
			long = true
			break
		}
	}
	if !long {
		// Short keys: compared directly, with nothing set aside (the
		// ranks cost 200 bytes a failure: 10 MB for 50,000).
		sort.SliceStable(failed, func(i, j int) bool { return failed[i].Key < failed[j].Key })
		return
	}
	textmemo.SortStable(failed, func(f *FileError) string { return f.Key })
}

// finish sorts the report and writes the warnings.
func (x *extraction) finish() {
	sortByKey(x.rep.Failed)
	x.rep.Warnings = x.placements.warnings(x.lay)
}

// warnings describes the files placed away from their install path: one
// line per folder of files placed below a Directory id or component (in
// name order), then one per file beside a duplicate or a folder (in File
// table order).
func (x *placements) warnings(lay *layout) []string {
	files := func(n int) string {
		if n == 1 {
			return "1 file"
		}
		return strconv.Itoa(n) + " files"
	}
	var w []string
	for n, count := range x.under {
		d := &lay.nodes[n]
		switch {
		case x.longPath[n]:
			w = append(w, fmt.Sprintf("Directory %q: install path longer than %d characters (MAX_PATH), which Windows Installer cannot install: %s placed below %q", d.key, MaxPathUnits, files(count), d.key+"/"))
		case d.missing:
			w = append(w, fmt.Sprintf("Directory %q is not in the Directory table: %s placed below %q", d.key, files(count), d.key+"/"))
		default:
			w = append(w, fmt.Sprintf("Directory %q: its Directory_Parent chain loops: %s placed below %q", d.key, files(count), d.key+"/"))
		}
	}
	for c, count := range x.noComp {
		w = append(w, fmt.Sprintf("component %q is not in the Component table: %s placed below %q", c, files(count), c+"/"))
	}
	sort.Strings(w)
	sort.Ints(x.dups) // File table order, however the folders ran
	for _, i := range x.dups {
		f := &lay.files[i]
		if f.placement == BesideFolder {
			w = append(w, fmt.Sprintf("File %q: install path %q is also a folder other files are installed in: placed at %q", f.key, lay.installPath(i), lay.path(i)))
			continue
		}
		w = append(w, fmt.Sprintf("File %q: install path %q is also File %q's: placed at %q", f.key, lay.installPath(i), lay.files[f.dupOf].key, lay.path(i)))
	}
	return w
}

// cabinets extracts the files of every cabinet the package names or
// embeds.
func (x *extraction) cabinets() error {
	db := x.db
	cabs, err := Cabinets(db)
	if err != nil {
		return err
	}
	// Sibling cabinets of a set: embedded streams first, then files.
	// One decoder cache for every cabinet: a package of thousands of
	// cabinets costs a few decoders, not one (an LZX window) each.
	cabOpts := &cab.ReaderOptions{Cache: &cab.DecoderCache{}, OpenCabinet: func(name string) (io.ReaderAt, int64, error) {
		if st, err := db.OpenStream(name); err == nil {
			return st, st.Size(), nil
		}
		f, size, err := x.src.Open(name)
		if err != nil {
			return nil, 0, err
		}
		x.closers = append(x.closers, f)
		return f, size, nil
	}}
	type entry struct {
		label string
		r     *cab.Reader
		done  bool
		// orphan is why the cabinet's first folder, continued from a
		// previous cabinet, is not read: that cabinet continues into
		// another one.
		orphan error
	}
	// Open every cabinet first: the decoding limit grows with their
	// bytes.
	type source struct {
		label string
		ra    io.ReaderAt
		size  int64
	}
	var sources []source
	var compressed int64
	opened := map[string]bool{} // by label: Media rows may repeat a cabinet
	for _, c := range cabs {
		label := c.Name
		if c.Embedded {
			label = "#" + c.Stream
		}
		if opened[label] {
			continue
		}
		opened[label] = true
		var ra io.ReaderAt
		var size int64
		switch {
		case c.Embedded && c.Reader == nil && c.Err != nil:
			_, serr := db.OpenStream(c.Stream)
			x.cabinetError(label, serr != nil, c.Err)
			continue
		case c.Embedded:
			st, err := db.OpenStream(c.Stream)
			if err != nil {
				x.cabinetError(label, true, err)
				continue
			}
			ra, size = st, st.Size()
		default:
			f, n, err := x.src.Open(c.Name)
			if err != nil {
				// There but not a regular file (a named pipe, a
				// folder) is not missing.
				x.cabinetError(label, !errors.Is(err, fs.ErrInvalid), err)
				continue
			}
			x.closers = append(x.closers, f)
			ra, size = f, n
		}
		sources = append(sources, source{label, ra, size})
		compressed += size
	}
	if x.ctxDone != nil {
		cabOpts.Interrupt = x.stopped
	}
	if x.maxRatio > 0 {
		x.limit = &RatioError{Ratio: x.maxRatio, Compressed: compressed, Limit: ratioLimit(x.maxRatio, compressed)}
		cabOpts.Limit = cab.NewLimit(x.limit.Limit)
	}
	var entries []*entry
	byName := map[string]*entry{} // lower-cased name without "#"
	for _, src := range sources {
		label := src.label
		r, err := cab.NewReaderOptions(src.ra, src.size, cabOpts)
		if err != nil {
			x.cabinetError(label, false, err)
			continue
		}
		if len(r.Files) == 0 {
			x.rep.EmptyCabinets = append(x.rep.EmptyCabinets, label)
			continue
		}
		e := &entry{label: label, r: r}
		entries = append(entries, e)
		byName[strings.ToLower(strings.TrimPrefix(label, "#"))] = e
	}
	// Read the cabinets of a set one after the other, from its first, so
	// that a folder running through them is decoded once (cab.Reader.Next
	// shares the decoders), whatever order the Media table lists them in.
	next := func(e *entry) *entry {
		if e.r.NextCabinet == "" {
			return nil
		}
		return byName[strings.ToLower(e.r.NextCabinet)]
	}
	hasPrev := map[*entry]bool{}
	for _, e := range entries {
		if n := next(e); n != nil && n != e {
			hasPrev[n] = true
		}
	}
	// A cabinet is the previous cabinet of one cabinet, the one its
	// header names next. A folder continued from it is decoded from its
	// start there, opening it (and parsing its directory) for the
	// cabinet reading through it; any number of cabinets claiming one
	// previous cabinet would each open it again: 100 cabinets claiming
	// one of 60,000 files took 9 s and 737 MB, 10,000 (4 MB) past a
	// minute. The first folder of a cabinet claiming a previous cabinet
	// that continues into another, or one another cabinet claimed first,
	// is not read.
	claimed := map[string]*entry{} // previous cabinets not in the package, by lower-cased name
	for _, e := range entries {
		if e.r.PrevCabinet == "" || len(e.r.Folders) == 0 || !e.r.Folders[0].ContinuedFromPrev() {
			continue
		}
		prev := strings.ToLower(e.r.PrevCabinet)
		if p := byName[prev]; p != nil {
			if next(p) != e {
				e.orphan = &cab.FormatError{Offset: -1, Msg: fmt.Sprintf("its first folder continues from cabinet %q, whose next cabinet is %q, not this one", clip.String(p.label), clip.String(p.r.NextCabinet))}
			}
			continue
		}
		if c := claimed[prev]; c != nil {
			e.orphan = &cab.FormatError{Offset: -1, Msg: fmt.Sprintf("its first folder continues from cabinet %q, as the first folder of cabinet %q does: a cabinet continues into one cabinet", clip.String(e.r.PrevCabinet), clip.String(c.label))}
			continue
		}
		claimed[prev] = e
	}
	run := func(e *entry) error {
		for e != nil && !e.done {
			if err := x.stopped(); err != nil {
				return &StopError{Cabinet: e.label, Err: err}
			}
			e.done = true
			if err := x.cabinet(e.label, e.r, e.orphan); err != nil {
				return err
			}
			n := next(e)
			if n == nil || n.done {
				return nil
			}
			r, err := e.r.Next()
			if err != nil {
				return nil // read it on its own
			}
			n.r = r
			e = n
		}
		return nil
	}
	for _, e := range entries {
		if !hasPrev[e] {
			if err := run(e); err != nil {
				return err
			}
		}
	}
	for _, e := range entries {
		if err := run(e); err != nil {
			return err
		}
	}
	return nil
}

// cabinetError records a cabinet that could not be read.
func (x *extraction) cabinetError(label string, missing bool, err error) {
	ce := &CabinetError{Name: label, Missing: missing, Err: err}
	x.rep.MissingCabinets = append(x.rep.MissingCabinets, ce)
	x.missing[label] = ce
}

// cabinet extracts the files of one cabinet in folder order, then offset
// order: one pass per folder. With a pool, folders that neither continue
// from the previous cabinet nor into the next one run on the pool's
// goroutines; the others run here, in order, so that a folder spanning
// cabinets is decoded once, as the cabinets of its set come. When orphan
// is not nil, the files of a folder continued from the previous cabinet
// fail with it, unread.
func (x *extraction) cabinet(label string, r *cab.Reader, orphan error) error {
	list := make([]*cab.File, 0, len(r.Files))
	for _, cf := range r.Files {
		if !cf.ContinuedFromPrev() {
			list = append(list, cf)
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Folder() != list[j].Folder() {
			return list[i].Folder().Index() < list[j].Folder().Index()
		}
		return list[i].Offset < list[j].Offset
	})
	// Paths for the cabinet files no File row names, in cabinet order
	// (numbered when a name repeats), before any folder runs.
	var upaths map[*cab.File]string
	if x.want == nil {
		for n, cf := range list {
			if !x.byKey.Has(cf.Name) {
				if p := x.unlistedPath(label, n, cf); p != "" {
					if upaths == nil {
						upaths = map[*cab.File]string{}
					}
					upaths[cf] = p
				}
			}
		}
	}
	for start := 0; start < len(list); {
		fo := list[start].Folder()
		end := start + 1
		for end < len(list) && list[end].Folder() == fo {
			end++
		}
		files := list[start:end]
		start = end
		if orphan != nil && fo.ContinuedFromPrev() {
			x.refuse(label, files, upaths, orphan)
			continue
		}
		alone := !fo.ContinuedFromPrev() && !fo.ContinuesInNext()
		if err := x.pool.run(alone, func() error { return x.folder(label, files, upaths) }); err != nil {
			return err
		}
	}
	return nil
}

// folder extracts files, those of one folder of cabinet label in offset
// order. It may run on a pool goroutine: it takes x.mu for the shared
// state, never while fn runs.
//
// A cabinet stores each file's bytes once, one file after another, except
// that files with identical contents may share one range (real packages
// do). A file whose bytes start inside those already delivered from the
// folder, other than an exact copy of the file before it, is refused (an
// *OverlapError); copies are delivered while their bytes stay within the
// folder's distinct bytes delivered plus maxCopyBytes. Files pointing at
// one range cannot multiply the work: 2,000 copies of a 32 MiB range in a
// 200 KB package would be 64 GiB to decode, hash or write.
func (x *extraction) folder(label string, files []*cab.File, upaths map[*cab.File]string) error {
	var end, distinct, copies int64 // where the delivered bytes end; distinct and copied bytes delivered
	var last *cab.File              // the file delivered last (its range ends at end)
	overlap := func(cf *cab.File) error {
		switch {
		case cf.Size == 0:
			return nil
		case cf.Offset >= end:
			end, distinct, last = cf.Offset+cf.Size, distinct+cf.Size, cf
			return nil
		case cf.Offset == last.Offset && cf.Size == last.Size:
			if copies+cf.Size <= distinct+maxCopyBytes {
				copies += cf.Size
				return nil
			}
			return &OverlapError{Name: cf.Name, Offset: cf.Offset, Size: cf.Size, Other: last.Name, OtherEnd: end, Copies: copies}
		}
		return &OverlapError{Name: cf.Name, Offset: cf.Offset, Size: cf.Size, Other: last.Name, OtherEnd: end}
	}
	for _, cf := range files {
		if x.pool.stopped() {
			return nil
		}
		if err := x.stopped(); err != nil {
			return &StopError{Key: cf.Name, Cabinet: label, Err: err}
		}
		i, ok := x.byKey.Lookup(cf.Name)
		if !ok {
			if p, ok := upaths[cf]; ok {
				if err := overlap(cf); err != nil {
					x.mu.Lock()
					x.rep.Failed = append(x.rep.Failed, &FileError{Key: cf.Name, Cabinet: label, Path: p, Err: err})
					x.mu.Unlock()
					continue
				}
				if err := x.unlisted(label, p, cf); err != nil {
					return err
				}
			}
			continue
		}
		f := &x.lay.files[i]
		x.mu.Lock()
		if x.done[i] || !x.selected(i) {
			x.mu.Unlock()
			continue
		}
		if f.err != nil {
			x.fail(i, "", f.err)
			x.mu.Unlock()
			continue
		}
		if cf.Size != f.size {
			x.fail(i, label, fmt.Errorf("the cabinet holds %d bytes, File table FileSize is %d", cf.Size, f.size))
			x.mu.Unlock()
			continue
		}
		if err := overlap(cf); err != nil {
			x.fail(i, label, err)
			x.mu.Unlock()
			continue
		}
		x.done[i] = true // taken: another folder holding the same name skips it
		x.mu.Unlock()
		inf := x.lay.installFile(i)
		err := extractOne(&inf, cf, x.deliver)
		if ce, ok := err.(*callbackError); ok {
			return ce.err
		}
		if err != nil {
			if serr := x.stopErr(cf.Name, label, err); serr != nil {
				return serr
			}
		}
		x.mu.Lock()
		if err != nil {
			x.fail(i, label, err)
		} else {
			x.placed(i)
			x.rep.Extracted++
		}
		x.mu.Unlock()
	}
	return nil
}

// refuse records files, those of one folder of cabinet label, as failed
// with err, unread.
func (x *extraction) refuse(label string, files []*cab.File, upaths map[*cab.File]string, err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, cf := range files {
		i, ok := x.byKey.Lookup(cf.Name)
		if !ok {
			if p, ok := upaths[cf]; ok {
				x.rep.Failed = append(x.rep.Failed, &FileError{Key: cf.Name, Cabinet: label, Path: p, Err: err})
			}
			continue
		}
		if x.done[i] || !x.selected(i) {
			continue
		}
		x.fail(i, label, err)
	}
}

// unlistedPath returns where a cabinet file no File row names (patches,
// transforms) goes: <cabinet>/<name>, numbered when the name repeats in
// the cabinet; or "" after recording why it cannot be written.
func (x *extraction) unlistedPath(label string, n int, cf *cab.File) string {
	base := path.Base(strings.ReplaceAll(cf.Name, "\\", "/"))
	dirName := strings.TrimPrefix(label, "#")
	fail := func(err error) string {
		x.mu.Lock()
		x.rep.Failed = append(x.rep.Failed, &FileError{Key: cf.Name, Cabinet: label, Err: err})
		x.mu.Unlock()
		return ""
	}
	if err := safename.Check(dirName); err != nil {
		return fail(refusedName("cabinet", err))
	}
	if err := safename.Check(base); err != nil {
		return fail(refusedName("cabinet member", err))
	}
	p := dirName + "/" + base
	if x.unlistedTaken[strings.ToLower(p)] {
		// The same name twice in a cabinet: beside it, numbered.
		ext := path.Ext(base)
		p = dirName + "/" + strings.TrimSuffix(base, ext) + " (" + strconv.Itoa(n+1) + ")" + ext
	}
	x.unlistedTaken[strings.ToLower(p)] = true
	return p
}

// unlisted extracts a cabinet file no File row names to p.
func (x *extraction) unlisted(label, p string, cf *cab.File) error {
	uf := &File{Key: cf.Name, Name: path.Base(p), Path: p, Size: cf.Size, Compressed: true, Cabinet: label}
	err := extractOne(uf, cf, x.deliver)
	if ce, ok := err.(*callbackError); ok {
		return ce.err
	}
	if err != nil {
		if serr := x.stopErr(cf.Name, label, err); serr != nil {
			return serr
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if err != nil {
		x.rep.Failed = append(x.rep.Failed, &FileError{Key: cf.Name, Cabinet: label, Path: p, Err: x.ratioErr(err)})
		return nil
	}
	x.rep.Unlisted++
	x.rep.Extracted++
	return nil
}

// A folderPool runs folder extractions on up to n goroutines at once,
// counting those run on the caller's goroutine, and keeps the first error.
// The nil pool runs everything on the caller's goroutine.
type folderPool struct {
	slots chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	err   error
	pnc   any // a panic from a goroutine, raised again by wait
	stop  atomic.Bool
}

func newFolderPool(n int) *folderPool {
	return &folderPool{slots: make(chan struct{}, n)}
}

// run runs f on a goroutine of its own if async, else on the caller's,
// once a slot is free, and returns the first error of any f so far.
func (p *folderPool) run(async bool, f func() error) error {
	if p == nil {
		return f()
	}
	p.slots <- struct{}{}
	if p.stop.Load() {
		<-p.slots
		return p.firstErr()
	}
	if !async {
		err := f()
		<-p.slots
		p.setErr(err)
		return p.firstErr()
	}
	p.wg.Add(1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				p.mu.Lock()
				if p.pnc == nil {
					p.pnc = v
				}
				p.mu.Unlock()
				p.stop.Store(true)
			}
			<-p.slots
			p.wg.Done()
		}()
		p.setErr(f())
	}()
	return p.firstErr()
}

func (p *folderPool) setErr(err error) {
	if err == nil {
		return
	}
	p.mu.Lock()
	if p.err == nil {
		p.err = err
	}
	p.mu.Unlock()
	p.stop.Store(true)
}

func (p *folderPool) firstErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// stopped reports whether an error (or panic) asks the folders to stop.
func (p *folderPool) stopped() bool { return p != nil && p.stop.Load() }

// wait waits for the folders running, raises a panic one of them had, and
// returns the first error.
func (p *folderPool) wait() error {
	if p == nil {
		return nil
	}
	p.wg.Wait()
	if p.pnc != nil {
		panic(p.pnc)
	}
	return p.err
}

// uncompressed extracts the files no cabinet held from uncompressed
// copies in the source folder, and records the rest as failed.
func (x *extraction) uncompressed() error {
	for i := range x.lay.files {
		f := &x.lay.files[i]
		if x.done[i] || !x.selected(i) {
			continue
		}
		if err := x.stopped(); err != nil {
			return &StopError{Key: f.key, Err: err}
		}
		if f.err != nil {
			x.fail(i, "", f.err)
			continue
		}
		// A missing or unreadable cabinet: files not found anywhere else
		// count towards its error.
		notFound := func(reason error) {
			if ce := x.missing[f.cabinet]; ce != nil && f.compressed {
				ce.Files++
				x.fail(i, f.cabinet, ce)
				return
			}
			x.fail(i, "", reason)
		}
		src := x.lay.sourcePath(i)
		if x.srcDir == "" || src == "" {
			notFound(errNoSourcePath)
			continue
		}
		full := filepath.Join(x.srcDir, filepath.FromSlash(src))
		fh, _, err := safefile.OpenRegular(full)
		if notReg := (safefile.NotRegularError{}); errors.As(err, &notReg) {
			// There, but a folder, a named pipe (not opened: OpenRegular
			// does not wait for a writer) or a device.
			x.fail(i, "", fmt.Errorf("uncompressed copy %s is %v", full, notReg))
			continue
		}
		if err != nil {
			if f.compressed && f.cabinet != "" {
				notFound(x.notInCabinet(f.cabinet, f.seq))
			} else {
				notFound(fmt.Errorf("not in any cabinet and no uncompressed copy: %w", err))
			}
			continue
		}
		inf := x.lay.installFile(i)
		err = func() error {
			defer fh.Close()
			fi, err := fh.Stat()
			if err != nil {
				return err
			}
			if fi.Size() != f.size {
				return fmt.Errorf("uncompressed copy %s has %d bytes, File table FileSize is %d", full, fi.Size(), f.size)
			}
			var r io.Reader = &sizedReader{r: fh, left: f.size, name: full}
			if x.ctxDone != nil {
				r = &stopReader{r: r, stopped: x.stopped}
			}
			cr := &countingReader{r: r}
			if err := x.deliver(&inf, cr); err != nil {
				if cr.err != nil && x.stopped() == nil {
					return cr.err // the copy's read error, seen by fn
				}
				return &callbackError{err}
			}
			if err := x.stopped(); err != nil {
				return err // fn may have ignored the stopped read
			}
			// A read that failed (or a copy that shrank since its size
			// was checked) is the file's failure, as a cabinet's data
			// failing to decode is, even if fn went on.
			return cr.err
		}()
		if err != nil {
			if ce, ok := err.(*callbackError); ok {
				return ce.err
			}
			if x.stopped() != nil {
				return &StopError{Key: f.key, Err: x.stopped()}
			}
			x.fail(i, "", err)
			continue
		}
		x.done[i] = true
		x.placed(i)
		x.rep.Extracted++
	}
	return nil
}

// errNoSourcePath is why a file in no cabinet, without a source path, is
// not delivered.
var errNoSourcePath = errors.New("not in any cabinet, and no usable source path for an uncompressed copy")

// cabinetSeq is a cabinet and a file sequence in it.
type cabinetSeq struct {
	cabinet string
	seq     int
}

// notInCabinet returns why a file of sequence seq that cabinet should
// hold, and has no uncompressed copy, is not delivered: one error for
// every file of that cabinet and sequence.
func (x *extraction) notInCabinet(cabinet string, seq int) error {
	k := cabinetSeq{cabinet, seq}
	if err := x.notIn[k]; err != nil {
		return err
	}
	if x.notIn == nil {
		x.notIn = map[cabinetSeq]error{}
	}
	err := fmt.Errorf("expected in cabinet %q (sequence %d), not found there; no uncompressed copy either", clip.String(cabinet), seq)
	x.notIn[k] = err
	return err
}

// callbackError carries an error returned by the caller's function, which
// stops Extract.
type callbackError struct{ err error }

func (e *callbackError) Error() string { return e.err.Error() }

// extractOne streams one cabinet file into fn, checking its length.
func extractOne(f *File, cf *cab.File, fn func(*File, io.Reader) error) error {
	rc, err := cf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	cr := &countingReader{r: rc}
	if err := fn(f, cr); err != nil {
		if cr.err != nil {
			return cr.err // the decoder's error, seen by fn
		}
		return &callbackError{err}
	}
	if cr.err != nil {
		return cr.err
	}
	if cr.n != f.Size {
		// fn stopped early: drain to verify the data decodes.
		if _, err := io.Copy(io.Discard, cr); err != nil {
			return err
		}
	}
	return nil
}

// sizedReader reads the left bytes of an uncompressed copy, and fails
// with io.ErrUnexpectedEOF when the copy ends sooner (it shrank after its
// size was checked).
type sizedReader struct {
	r    io.Reader
	left int64
	name string
	err  error // sticky
}

func (s *sizedReader) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.r.Read(p)
	s.left -= int64(n)
	switch {
	case err == io.EOF && s.left > 0:
		err = fmt.Errorf("uncompressed copy %s ends %d bytes early: %w", s.name, s.left, io.ErrUnexpectedEOF)
	case err == io.EOF:
		return n, err
	}
	if err != nil {
		s.err = err
		if n > 0 {
			return n, nil // the error comes on the next read, with no bytes
		}
	}
	return n, err
}

// stopReader fails once stopped returns an error: an uncompressed file
// of gigabytes stops as a cabinet does.
type stopReader struct {
	r       io.Reader
	stopped func() error
}

func (s *stopReader) Read(p []byte) (int, error) {
	if err := s.stopped(); err != nil {
		return 0, err
	}
	return s.r.Read(p)
}

// countingReader counts bytes and remembers the first read error other
// than io.EOF.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}
