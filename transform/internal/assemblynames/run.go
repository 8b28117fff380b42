package assemblynames

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/msikit/msikit/transform/internal/edit"

	"github.com/msikit/msikit/internal/assembly"
	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

// Options are the options of the pass (transform.AssemblyNamesOptions,
// whose fields they repeat so that one converts to the other).
type Options struct {
	// Open returns the contents of the file with the given File table
	// key. If the returned io.ReaderAt is also an io.Closer it is closed
	// after use. An error wrapping fs.ErrNotExist means "not available
	// here": Source is then tried. When Open is nil, files are read from
	// the package's own cabinets (embedded, or beside a package opened
	// from a path) with install.Extract, every file the rows need
	// in one pass over the cabinets; to read only from Source, set an
	// Open that returns fs.ErrNotExist.
	Open func(fileKey string) (io.ReaderAt, int64, error)

	// MaxFileBytes bounds the size of one file the default Open reads out
	// of the package (it holds the file in memory while parsing it);
	// 0 means 64 MiB. Larger files are reported as unreadable.
	MaxFileBytes int64

	// MaxRatio bounds the decompression of the default Open, against
	// decompression bombs, as install.Options.MaxRatio does (0 means
	// install.DefaultMaxRatio, a negative value no bound): a file not
	// read past it is reported as unreadable, with the *install.RatioError.
	MaxRatio int

	// Context, if not nil, stops reading the package's files (the
	// default Open) once it is done: decoding stops within a cabinet
	// block (install.ExtractContext) and the pass returns an error
	// matching ctx.Err(), leaving the database unchanged. nil means
	// context.Background: the pass runs to its end.
	Context context.Context

	// Source, if set, is a folder holding the package's files. A file is
	// looked up, first match wins, as
	//   Source/<source path>  (an administrative image or an uncompressed
	//       package's tree: msi's InstallFile.SourcePath, from the
	//       Directory table's source names, long or short as the summary
	//       information says),
	//   the same folder with the long name, then the short name,
	//   Source/<File key>  (a cabinet extracted as is, e.g. gcab -x),
	//   Source/<long name>  (a flat folder).
	// Paths that would leave Source are never opened. Only the files the
	// package's cabinets lack (or, with Open, the files it says are not
	// there) are looked for below Source.
	Source string

	// SourceRead, if not nil, is called with the path (Source joined
	// with the candidate found) of each file the pass opens below
	// Source, before reading it: a caller that writes below Source
	// learns which of its files the pass read.
	SourceRead func(path string)

	// ProcessorArchitecture is the fallback for .NET rows whose file cannot
	// be read: rows lacking processorArchitecture, or holding an invalid
	// value such as "neutral", get this value and the report says they were
	// guessed. "" means no fallback. Valid values: MSIL, x86, AMD64, IA64,
	// ARM, ARM64.
	ProcessorArchitecture string

	// FileVersion adds a fileVersion attribute, from the file's version
	// resource, to .NET assemblies whose rows lack one (what WiX's light -fv
	// does). Existing fileVersion rows are checked either way.
	FileVersion bool

	// Force overwrites authored values that are valid but differ from the
	// file's metadata. Without it such rows are left alone and reported.
	Force bool

	// AllowSigned lets the pass change a digitally signed package. Without
	// it a signed package that would change is refused with an error
	// wrapping msi.ErrSigned, and left untouched.
	AllowSigned bool
}

// Canonical MsiAssemblyName attribute names, in the order the pass
// considers (and adds) them.
var attrNames = []string{"name", "version", "culture", "publicKeyToken", "processorArchitecture", "fileVersion", "type", "language"}

var dotNetArchs = []string{assembly.ArchMSIL, assembly.ArchX86, assembly.ArchAMD64, assembly.ArchIA64, assembly.ArchARM, assembly.ArchARM64}

// Run completes the MsiAssemblyName rows of db from the assembly files
// (transform.AssemblyNames documents what it does) and returns what it
// did.
func Run(db *msi.Database, opts Options) (*edit.Log, error) {
	return RunTo(db, opts, &edit.Log{})
}

// RunTo is Run recording what it does in rep (whose sinks take its
// changes and notes), which it returns, or nil with an error before
// anything is recorded.
func RunTo(db *msi.Database, opts Options, rep *edit.Log) (*edit.Log, error) {
	if opts.ProcessorArchitecture != "" && canonArch(opts.ProcessorArchitecture) == "" {
		return nil, fmt.Errorf("transform: assembly-names: fallback processor architecture %q is not one of %s", opts.ProcessorArchitecture, strings.Join(dotNetArchs, ", "))
	}
	if !hasTable(db, "MsiAssembly") {
		return rep, nil
	}
	p, err := newPass(db, opts, rep)
	if err != nil {
		return nil, err
	}
	tab, err := db.Table("MsiAssembly")
	if err != nil {
		return nil, fmt.Errorf("transform: assembly-names: %w", err)
	}
	// The files the rows read, and how.
	want := map[string]kinds{}
	for row := range tab.Rows() {
		win32, ok := rowKind(row)
		if !ok {
			continue
		}
		for _, fk := range p.candidates(row.Get("Component_").Str(), row, win32) {
			if _, ok := p.files.Lookup(fk); !ok {
				continue
			}
			k := want[fk]
			if win32 {
				k.manifest = true
			} else {
				k.dotNet = true
			}
			want[fk] = k
		}
	}
	p.want = want
	if opts.Open == nil {
		// Read them all in one pass over the package's cabinets.
		limit := opts.MaxFileBytes
		if limit <= 0 {
			limit = defaultMaxAssemblyFileBytes
		}
		ctx := opts.Context
		if ctx == nil {
			ctx = context.Background()
		}
		if p.pkgFiles, p.pkgMissing, err = readPackageFiles(ctx, db, want, limit, opts.MaxRatio, &p.manifests); err != nil {
			return nil, fmt.Errorf("transform: assembly-names: %w", err)
		}
	}
	var plan []change
	for row := range tab.Rows() {
		plan = append(plan, p.planRow(row)...)
	}
	if len(plan) > 0 && db.Signed() && !opts.AllowSigned {
		return rep, fmt.Errorf("transform: assembly-names: %d MsiAssemblyName change(s) needed: %w", len(plan), msi.ErrSigned)
	}
	if err := p.apply(plan); err != nil {
		return rep, err
	}
	return rep, nil
}

// change is one planned MsiAssemblyName change.
type change struct {
	op                edit.Op
	comp, attr, value string // attr as stored (existing rows) or canonical
	old               string
	reason            string
}

type pass struct {
	db   *msi.Database
	opts Options
	rep  *edit.Log
	// Indexes, not maps: they are looked up by cells, which may name
	// long pooled texts.
	names textmemo.Index[[]attr]  // component → its MsiAssemblyName rows
	files textmemo.Index[msi.Row] // File key → row
	comps textmemo.Index[msi.Row] // Component key → row
	// lower folds attribute names once per pooled text: a long name
	// shared by the rows of many components is not scanned for each.
	lower textmemo.Memo[string]
	// unknown is the error of a component not in the Component table,
	// made once per text: rows naming one pooled component share it
	// (and the note quoting it is formatted once, edit.Log.Note), as do
	// the rows of another pool entry of the same text.
	unknown textmemo.Index[error]

	// Without an Open hook: what one pass over the package's cabinets
	// read (pkgFiles), and why the other files are not there
	// (pkgMissing, each wrapping fs.ErrNotExist).
	pkgFiles   map[string]*read
	pkgMissing map[string]error

	want map[string]kinds // the files the rows read
	// manifests bounds the XML parsed for all the manifests read.
	manifests manifests
	srcPaths  map[string]string // File key → source path, for Source (lazily)
}

type attr struct{ name, value string }

func hasTable(db *msi.Database, name string) bool {
	for _, t := range db.TableNames() {
		if t == name {
			return true
		}
	}
	return false
}

func newPass(db *msi.Database, opts Options, rep *edit.Log) (*pass, error) {
	p := &pass{db: db, opts: opts, rep: rep, manifests: manifests{left: maxManifestXML}}
	load := func(table, key string, f func(msi.Row)) error {
		if !hasTable(db, table) {
			return nil
		}
		t, err := db.Table(table)
		if err != nil {
			return fmt.Errorf("transform: assembly-names: %w", err)
		}
		for r := range t.Rows() {
			f(r)
		}
		return nil
	}
	if err := load("MsiAssemblyName", "", func(r msi.Row) {
		c := r.Get("Component_").Str()
		p.names.Set(c, append(p.names.Get(c), attr{r.Get("Name").Str(), r.Get("Value").Str()}))
	}); err != nil {
		return nil, err
	}
	if err := load("File", "", func(r msi.Row) { p.files.Set(r.Get("File").Str(), r) }); err != nil {
		return nil, err
	}
	if err := load("Component", "", func(r msi.Row) { p.comps.Set(r.Get("Component").Str(), r) }); err != nil {
		return nil, err
	}
	return p, nil
}

// rowKind reports whether an MsiAssembly row is a Win32 assembly
// (Attributes 1) rather than a .NET one (0 or null); ok is false for
// other values.
func rowKind(row msi.Row) (win32, ok bool) {
	attrs := row.Get("Attributes")
	if !attrs.IsNull() && attrs.Int() != 0 && attrs.Int() != 1 {
		return false, false
	}
	return !attrs.IsNull() && attrs.Int() == 1, true
}

// planRow decides the changes for one MsiAssembly row and records notes.
func (p *pass) planRow(row msi.Row) []change {
	comp := row.Get("Component_").Str()
	key := []string{comp}
	win32, ok := rowKind(row)
	if !ok {
		p.rep.Note(edit.Warning, "MsiAssembly", key, "Attributes %d is neither 0 (.NET) nor 1 (Win32); row skipped", row.Get("Attributes").Int())
		return nil
	}
	notesBefore := p.rep.NumNotes()
	existing := map[string]attr{}
	for _, a := range p.names.Get(comp) {
		k := p.lower.Get(a.name, strings.ToLower)
		if _, dup := existing[k]; dup {
			p.rep.Note(edit.Warning, "MsiAssemblyName", []string{comp, a.name}, "attribute %q appears more than once (names differ only in case); the first is used", a.name)
			continue
		}
		existing[k] = a
	}
	id, fileKey, readErr := p.identity(comp, row, win32)
	if readErr != nil {
		return p.fallback(comp, key, win32, existing, fileKey, readErr)
	}
	want := wanted(id, win32, p.opts.FileVersion || existing["fileversion"].name != "")
	var edits []change
	for _, attr := range attrNames {
		k := strings.ToLower(attr)
		w, derived := want[k]
		cur, has := existing[k]
		switch {
		case !derived && has && cur.value != "":
			p.rep.Note(edit.Warning, "MsiAssemblyName", []string{comp, cur.name}, "authored %s %q, but %s has no such attribute; left alone", cur.name, cur.value, fileKey)
		case !derived:
		case !has:
			edits = append(edits, change{op: edit.Add, comp: comp, attr: attr, value: w, reason: "from " + fileKey})
		case cur.value == "":
			edits = append(edits, change{op: edit.Update, comp: comp, attr: cur.name, value: w, reason: "empty; from " + fileKey})
		case same(k, cur.value, w):
		case !valid(k, cur.value, win32):
			edits = append(edits, change{op: edit.Update, comp: comp, attr: cur.name, value: w, old: cur.value,
				reason: fmt.Sprintf("invalid %q; from %s", cur.value, fileKey)})
		case p.opts.Force:
			edits = append(edits, change{op: edit.Update, comp: comp, attr: cur.name, value: w, old: cur.value,
				reason: fmt.Sprintf("forced: authored %q differs from %s", cur.value, fileKey)})
		default:
			p.rep.Note(edit.Warning, "MsiAssemblyName", []string{comp, cur.name}, "authored %s %q differs from %q in %s; left alone (Force overwrites)", cur.name, cur.value, w, fileKey)
		}
	}
	if len(edits) == 0 && p.rep.NumNotes() == notesBefore {
		p.rep.Note(edit.Info, "MsiAssembly", key, "identity matches %s", fileKey)
	}
	return edits
}

// wanted lists the attributes derived from id, by lower-case name.
func wanted(id *assembly.Identity, win32, fileVersion bool) map[string]string {
	w := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			w[k] = v
		}
	}
	set("name", id.Name)
	set("version", id.Version)
	set("publickeytoken", id.PublicKeyToken)
	set("processorarchitecture", id.ProcessorArchitecture)
	if win32 {
		set("type", id.Type)
		set("language", id.Language)
	} else {
		set("culture", id.Culture)
		if fileVersion {
			set("fileversion", id.FileVersion)
		}
	}
	return w
}

// fallback handles a row whose file could not be read.
func (p *pass) fallback(comp string, key []string, win32 bool, existing map[string]attr, fileKey string, readErr error) []change {
	what := "its files"
	if fileKey != "" {
		what = fileKey
	}
	if fileKey != "" {
		p.rep.Note(edit.Warning, "MsiAssembly", key, "values not read from metadata: %s: %v", fileKey, readErr)
	} else {
		p.rep.Note(edit.Warning, "MsiAssembly", key, "values not read from metadata: %v", readErr)
	}
	arch, has := existing["processorarchitecture"]
	needs := !has || arch.value == "" || !valid("processorarchitecture", arch.value, win32)
	if win32 || !needs {
		return nil
	}
	if p.opts.ProcessorArchitecture == "" {
		p.rep.Note(edit.Warning, "MsiAssemblyName", key, "processorArchitecture is missing or invalid and cannot be derived; set a fallback processor architecture")
		return nil
	}
	fb := canonArch(p.opts.ProcessorArchitecture)
	reason := "guessed: fallback processor architecture, file not read"
	p.rep.Note(edit.Warning, "MsiAssemblyName", []string{comp, "processorArchitecture"}, "processorArchitecture %s is a guess (fallback), not read from %s", fb, what)
	if !has {
		return []change{{op: edit.Add, comp: comp, attr: "processorArchitecture", value: fb, reason: reason}}
	}
	return []change{{op: edit.Update, comp: comp, attr: arch.name, value: fb, old: arch.value, reason: fmt.Sprintf("invalid %q; %s", arch.value, reason)}}
}

// identity reads the identity of the assembly of one MsiAssembly row and
// returns the File key it came from.
func (p *pass) identity(comp string, row msi.Row, win32 bool) (*assembly.Identity, string, error) {
	if _, ok := p.comps.Lookup(comp); !ok {
		err, ok := p.unknown.Lookup(comp)
		if !ok {
			err = fmt.Errorf("component %q is not in the Component table", clip.String(comp))
			p.unknown.Set(comp, err)
		}
		return nil, "", err
	}
	if win32 && row.Get("File_Manifest").Str() == "" {
		return nil, "", errors.New("Win32 assembly without File_Manifest")
	}
	candidates := p.candidates(comp, row, win32)
	type failure struct {
		key string
		err error
	}
	var fails []failure
	for i, fk := range candidates {
		if fk == "" || slices.Contains(candidates[:i], fk) { // tried
			continue
		}
		if _, ok := p.files.Lookup(fk); !ok {
			fails = append(fails, failure{fk, errors.New("not in the File table")})
			continue
		}
		id, err := p.readFile(fk, win32)
		if err == nil {
			return id, fk, nil
		}
		fails = append(fails, failure{fk, err})
	}
	switch len(fails) {
	case 0:
		return nil, "", errors.New("no key file and no File_Manifest")
	case 1:
		return nil, fails[0].key, fails[0].err
	}
	// Several candidates failed: name each in the error.
	var errs []error
	for _, f := range fails {
		errs = append(errs, fmt.Errorf("%s: %w", clip.String(f.key), f.err))
	}
	return nil, "", joinErrors(errs)
}

// candidates lists the File keys an MsiAssembly row's identity is read
// from, in order: a .NET assembly's key file, then File_Manifest; a Win32
// assembly's manifest only (its key path is the DLL).
func (p *pass) candidates(comp string, row msi.Row, win32 bool) []string {
	manifest := row.Get("File_Manifest").Str()
	if win32 {
		return []string{manifest}
	}
	keyPath := ""
	if c, ok := p.comps.Lookup(comp); ok {
		keyPath = c.Get("KeyPath").Str()
	}
	return []string{keyPath, manifest}
}

// joinErrors joins errors on one line ("a; b"), keeping them for
// errors.Is (errors.Join would put them on separate lines).
func joinErrors(errs []error) error {
	args := make([]any, len(errs))
	for i, e := range errs {
		args[i] = e
	}
	return fmt.Errorf(strings.TrimSuffix(strings.Repeat("%w; ", len(errs)), "; "), args...)
}

func (p *pass) readFile(fileKey string, win32 bool) (*assembly.Identity, error) {
	if p.opts.Open == nil {
		// Read from the package's cabinets in the pass before planning.
		if res, ok := p.pkgFiles[fileKey]; ok {
			return res.result(win32)
		}
		err := p.pkgMissing[fileKey]
		if err == nil {
			err = fmt.Errorf("file %s: %w: %w", clip.String(fileKey), errNotRead, os.ErrNotExist)
		}
		if p.opts.Source == "" {
			return nil, err
		}
	}
	r, size, err := p.open(fileKey)
	if err != nil {
		return nil, err
	}
	if c, ok := r.(io.Closer); ok {
		defer c.Close()
	}
	if win32 {
		return p.manifests.read(fileKey, io.NewSectionReader(r, 0, size))
	}
	d, err := assembly.ReadDotNet(r, size)
	if err != nil {
		return nil, err
	}
	return &d.Identity, nil
}

// errNoSource says that neither Open nor Source could provide a file.
var errNoSource = errors.New("file contents not available (no Open hook or Source folder provides it)")

// open returns a file's contents from the Open hook or, failing that
// with fs.ErrNotExist (or without a hook), from Source.
func (p *pass) open(fileKey string) (io.ReaderAt, int64, error) {
	if p.opts.Open != nil {
		r, n, err := p.opts.Open(fileKey)
		if err == nil {
			return r, n, nil
		}
		if !errors.Is(err, os.ErrNotExist) || p.opts.Source == "" {
			return nil, 0, err
		}
	}
	if p.opts.Source == "" {
		return nil, 0, errNoSource
	}
	for _, rel := range p.sourceCandidates(fileKey) {
		if rel == "" || !filepath.IsLocal(rel) {
			continue
		}
		name := filepath.Join(p.opts.Source, rel)
		f, size, err := safefile.OpenRegular(name)
		if err != nil {
			continue
		}
		if p.opts.SourceRead != nil {
			p.opts.SourceRead(name)
		}
		return f, size, nil
	}
	return nil, 0, fmt.Errorf("not found under %s: %w", p.opts.Source, os.ErrNotExist)
}

// sourceCandidates lists the relative paths under Source where a file may
// be found, in order of preference: its source path from the Directory
// table (as install.File.SourcePath resolves it, long or short names
// as the summary information says), the same folder with the long and
// the short file name, the File key, and the long name alone.
func (p *pass) sourceCandidates(fileKey string) []string {
	if p.srcPaths == nil {
		// Resolve the source paths of every file the rows may read, once.
		p.srcPaths = map[string]string{}
		keys := make([]string, 0, len(p.want))
		for k := range p.want {
			keys = append(keys, k)
		}
		if files, err := install.Files(p.db, &install.Options{Keys: keys}); err == nil {
			for f := range files {
				p.srcPaths[f.Key] = f.SourcePath
			}
		}
	}
	f := p.files.Get(fileKey)
	short, long := msi.SplitFileName(f.Get("FileName").Str())
	var out []string
	if sp := p.srcPaths[fileKey]; sp != "" {
		dir := path.Dir(sp)
		out = append(out, filepath.FromSlash(sp), filepath.FromSlash(path.Join(dir, long)), filepath.FromSlash(path.Join(dir, short)))
	}
	return append(out, filepath.FromSlash(fileKey), long)
}

// apply carries out the plan on the database and records the changes.
func (p *pass) apply(plan []change) error {
	if len(plan) == 0 {
		return nil
	}
	t, err := p.nameTable()
	if err != nil {
		return err
	}
	for _, e := range plan {
		key := []msi.Value{msi.StrValue(e.comp), msi.StrValue(e.attr)}
		switch e.op {
		case edit.Add:
			if err := t.Insert(msi.StrValue(e.comp), msi.StrValue(e.attr), msi.StrValue(e.value)); err != nil {
				return fmt.Errorf("transform: assembly-names: add %s %s: %w", e.comp, e.attr, err)
			}
			p.rep.Change(edit.Change{Op: edit.Add, Table: "MsiAssemblyName", Key: []string{e.comp, e.attr},
				New: []string{e.comp, e.attr, e.value}, Reason: e.reason})
		case edit.Update:
			err := t.Update(key, func(vals []msi.Value) error {
				vals[2] = msi.StrValue(e.value)
				return nil
			})
			if err != nil {
				return fmt.Errorf("transform: assembly-names: update %s %s: %w", e.comp, e.attr, err)
			}
			p.rep.Change(edit.Change{Op: edit.Update, Table: "MsiAssemblyName", Key: []string{e.comp, e.attr},
				Old: []string{e.comp, e.attr, e.old}, New: []string{e.comp, e.attr, e.value}, Reason: e.reason})
		}
	}
	return nil
}

// nameTable returns the MsiAssemblyName table, creating it with the
// standard schema when the package has none.
func (p *pass) nameTable() (*msi.Table, error) {
	if hasTable(p.db, "MsiAssemblyName") {
		t, err := p.db.Table("MsiAssemblyName")
		if err != nil {
			return nil, fmt.Errorf("transform: assembly-names: %w", err)
		}
		return t, nil
	}
	t, err := p.db.CreateTable("MsiAssemblyName", []msi.Column{
		{Name: "Component_", Type: msi.ColString, Size: 72, Key: true},
		{Name: "Name", Type: msi.ColString, Size: 255, Key: true},
		{Name: "Value", Type: msi.ColString, Size: 255},
	})
	if err != nil {
		return nil, fmt.Errorf("transform: assembly-names: create MsiAssemblyName: %w", err)
	}
	p.rep.Note(edit.Info, "MsiAssemblyName", nil, "table created (the package had none)")
	return t, nil
}

// canonArch returns the canonical spelling of a .NET processor
// architecture, or "" if s is not one.
func canonArch(s string) string {
	for _, a := range dotNetArchs {
		if strings.EqualFold(a, s) {
			return a
		}
	}
	return ""
}

// same reports whether an authored value equals the derived one, the
// way Windows compares them: case-insensitively, versions by number.
func same(attr, authored, derived string) bool {
	switch attr {
	case "version", "fileversion":
		a, ok1 := parseVersion(authored)
		d, ok2 := parseVersion(derived)
		return ok1 && ok2 && a == d
	}
	return strings.EqualFold(authored, derived)
}

// valid reports whether an authored value is acceptable for its
// attribute at all (as opposed to merely different from the file).
func valid(attr, v string, win32 bool) bool {
	switch attr {
	case "version", "fileversion":
		_, ok := parseVersion(v)
		return ok
	case "processorarchitecture":
		return win32 || canonArch(v) != ""
	case "publickeytoken":
		if strings.EqualFold(v, "null") {
			return true
		}
		if len(v) != 16 {
			return false
		}
		for _, c := range v {
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
		return true
	}
	return v != ""
}

// parseVersion parses a four-part version of 16-bit numbers (leading
// zeros allowed).
func parseVersion(s string) ([4]uint16, bool) {
	var v [4]uint16
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return v, false
	}
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return v, false
		}
		v[i] = uint16(n)
	}
	return v, true
}
