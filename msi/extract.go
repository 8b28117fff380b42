package msi

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/msikit/msikit/cab"
)

// An InstallFile is a File table row resolved to its place in the install
// layout.
type InstallFile struct {
	Key       string // File table key (also the file's name in its cabinet)
	Component string // Component_
	Directory string // the component's Directory_
	Name      string // long file name (from "short|long")
	// Path is the target path below the extraction root, slash-separated:
	// the Directory chain's target names (standard folders such as
	// ProgramFilesFolder map to names like "Program Files", see
	// StandardFolders) and Name. Empty when Err is set.
	Path string
	// SourcePath is where an uncompressed copy lives below the package's
	// folder (an administrative image or uncompressed media), from the
	// Directory chain's source names; long or short names as the summary
	// information says. Empty when a source name would leave the folder.
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
	// Err says why the target path could not be resolved (a Directory
	// loop, a missing component or directory, a name that would escape
	// the root).
	Err error
}

// StandardFolders maps the standard folder properties to the folders they
// become below the extraction root (as on a Windows installation whose
// system drive is the root). A Directory row named by one of these
// properties whose parent is the root gets this path instead of its
// DefaultDir. The 64-bit program folders are kept apart from the 32-bit
// ones so that files never collide.
var StandardFolders = map[string]string{
	"ProgramFilesFolder":    "Program Files",
	"ProgramFiles64Folder":  "Program Files (x64)",
	"CommonFilesFolder":     "Program Files/Common Files",
	"CommonFiles64Folder":   "Program Files (x64)/Common Files",
	"WindowsFolder":         "Windows",
	"SystemFolder":          "Windows/System32",
	"System64Folder":        "Windows/System64",
	"System16Folder":        "Windows/System",
	"FontsFolder":           "Windows/Fonts",
	"WindowsVolume":         "",
	"TempFolder":            "Temp",
	"CommonAppDataFolder":   "ProgramData",
	"AppDataFolder":         "Users/Default/AppData/Roaming",
	"LocalAppDataFolder":    "Users/Default/AppData/Local",
	"PersonalFolder":        "Users/Default/Documents",
	"MyPicturesFolder":      "Users/Default/Pictures",
	"DesktopFolder":         "Users/Default/Desktop",
	"FavoritesFolder":       "Users/Default/Favorites",
	"TemplateFolder":        "Users/Default/Templates",
	"SendToFolder":          "Users/Default/SendTo",
	"NetHoodFolder":         "Users/Default/NetHood",
	"PrintHoodFolder":       "Users/Default/PrintHood",
	"RecentFolder":          "Users/Default/Recent",
	"StartMenuFolder":       "Users/Default/Start Menu",
	"ProgramMenuFolder":     "Users/Default/Start Menu/Programs",
	"StartupFolder":         "Users/Default/Start Menu/Programs/Startup",
	"AdminToolsFolder":      "Users/Default/Start Menu/Programs/Administrative Tools",
	"CommonDesktopFolder":   "Users/Public/Desktop",
	"CommonProgramsFolder":  "ProgramData/Microsoft/Windows/Start Menu/Programs",
	"CommonStartMenuFolder": "ProgramData/Microsoft/Windows/Start Menu",
}

// standardFolder looks key up in StandardFolders, also in its merge
// module form "ProgramFilesFolder.<GUID>".
func standardFolder(key string) (string, bool) {
	if p, ok := StandardFolders[key]; ok {
		return p, true
	}
	if i := strings.IndexByte(key, '.'); i > 0 && isModuleGUID(key[i+1:]) {
		p, ok := StandardFolders[key[:i]]
		return p, ok
	}
	return "", false
}

// isModuleGUID reports whether s is a merge module's key suffix: a GUID
// with underscores for hyphens (8_4_4_4_12 hexadecimal digits).
func isModuleGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '_' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// File attribute bits of the File table.
const (
	fileAttrNoncompressed = 0x2000
	fileAttrCompressed    = 0x4000
)

// Source flags (summary information WordCount).
const (
	sourceShortNames = 1
	sourceCompressed = 2
	sourceAdminImage = 4
)

// errPathEscapes is wrapped by InstallFile.Err for names that would leave
// the extraction root.
var errPathEscapes = errors.New("name would escape the extraction root")

// splitDefaultDir splits a DefaultDir value "target[:source]" into target
// and source parts, each "short|long" resolved to the long name (or the
// short one when short is set).
func splitDefaultDir(v string, short bool) (target, source string) {
	t, s, ok := strings.Cut(v, ":")
	if !ok {
		s = t
	}
	return pickName(t, false), pickName(s, short)
}

// pickName returns the long part of "short|long", or the short part when
// short is set.
func pickName(v string, short bool) string {
	s, l, ok := strings.Cut(v, "|")
	if !ok {
		return v
	}
	if short {
		return s
	}
	return l
}

// checkComponent validates one path element from the database.
func checkComponent(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("%w: %q", errPathEscapes, name)
	case strings.ContainsAny(name, "/\\\x00") || strings.Contains(name, ":"):
		return fmt.Errorf("%w: %q", errPathEscapes, name)
	}
	return nil
}

// dirPaths resolves every Directory row to its target and source paths.
type dirResolver struct {
	parent, defaultDir map[string]string
	short              bool
	target, source     map[string]string
	errs               map[string]error
}

func (r *dirResolver) resolve(key string) (string, string, error) {
	if t, ok := r.target[key]; ok {
		return t, r.source[key], r.errs[key]
	}
	// Walk up to a root or an already resolved directory, iteratively.
	var chain []string
	seen := map[string]bool{}
	cur := key
	for {
		if _, ok := r.target[cur]; ok {
			break
		}
		if seen[cur] {
			err := fmt.Errorf("msi: Directory %q: parent chain loops", key)
			for _, c := range chain {
				r.target[c], r.source[c], r.errs[c] = "", "", err
			}
			return "", "", err
		}
		seen[cur] = true
		chain = append(chain, cur)
		if _, ok := r.defaultDir[cur]; !ok {
			err := fmt.Errorf("msi: Directory %q not found", cur)
			for _, c := range chain {
				r.target[c], r.source[c], r.errs[c] = "", "", err
			}
			return "", "", err
		}
		p := r.parent[cur]
		if p == "" || p == cur {
			break // a root
		}
		cur = p
	}
	for i := len(chain) - 1; i >= 0; i-- {
		c := chain[i]
		p := r.parent[c]
		isRoot := p == "" || p == c
		t, s := splitDefaultDir(r.defaultDir[c], r.short)
		var pt, ps string
		var perr error
		if !isRoot {
			pt, ps, perr = r.target[p], r.source[p], r.errs[p]
		}
		var tp, sp string
		var err error = perr
		switch {
		case err != nil:
		case isRoot:
			// TARGETDIR/SourceDir is the extraction root; another root
			// directory becomes a top-level folder named after it.
			if c != "TARGETDIR" && !strings.EqualFold(t, "SourceDir") && t != "." && t != "" {
				if err = checkComponent(t); err == nil {
					tp = t
				}
			}
		case !isRoot && r.parent[p] != "" && r.parent[p] != p:
			tp, sp, err = joinDir(pt, ps, t, s)
		default: // child of a root: standard folders live here
			if std, ok := standardFolder(c); ok {
				tp = std
				if sp, err = joinElem(ps, s); err != nil {
					sp, err = badSource, nil
				}
			} else {
				tp, sp, err = joinDir(pt, ps, t, s)
			}
		}
		if err != nil {
			tp, sp = "", ""
		}
		r.target[c], r.source[c], r.errs[c] = tp, sp, err
	}
	return r.target[key], r.source[key], r.errs[key]
}

// joinDir appends a directory's target and source names to its parent's
// paths. A bad target name is an error; a bad source name only makes the
// source path invalid (badSource), which matters only for uncompressed
// files.
func joinDir(pt, ps, t, s string) (string, string, error) {
	tp, err := joinElem(pt, t)
	if err != nil {
		return "", "", err
	}
	if ps == badSource {
		return tp, badSource, nil
	}
	sp, err := joinElem(ps, s)
	if err != nil {
		sp = badSource
	}
	return tp, sp, nil
}

// badSource marks a source path that cannot be used (a source name that
// would escape the package's folder).
const badSource = "\x00"

// joinElem appends a DefaultDir name to a path; "." adds nothing.
func joinElem(p, name string) (string, error) {
	if name == "." || name == "" {
		return p, nil
	}
	if err := checkComponent(name); err != nil {
		return "", err
	}
	if p == "" {
		return name, nil
	}
	return p + "/" + name, nil
}

// sourceFlags returns the summary information's WordCount (source flags),
// or 0.
func (db *Database) sourceFlags() int {
	si, err := db.SummaryInfo()
	if err != nil || si == nil {
		return 0
	}
	n, _ := si.Int(PIDWordCount)
	return int(n)
}

// InstallFiles resolves every File row to its target path, source path and
// cabinet. Problems with single rows are reported in InstallFile.Err; the
// error is non-nil only when a needed table cannot be read. A package
// without a File table (a patch) has no install files.
func (db *Database) InstallFiles() ([]InstallFile, error) {
	if !hasTable(db, "File") {
		return nil, nil
	}
	flags := db.sourceFlags()
	res := &dirResolver{
		parent: map[string]string{}, defaultDir: map[string]string{},
		short:  flags&sourceShortNames != 0,
		target: map[string]string{}, source: map[string]string{}, errs: map[string]error{},
	}
	if hasTable(db, "Directory") {
		t, err := db.Table("Directory")
		if err != nil {
			return nil, err
		}
		for row := range t.Rows() {
			k := row.Get("Directory").Str()
			res.parent[k] = row.Get("Directory_Parent").Str()
			res.defaultDir[k] = row.Get("DefaultDir").Str()
		}
	}
	compDir := map[string]string{}
	if hasTable(db, "Component") {
		t, err := db.Table("Component")
		if err != nil {
			return nil, err
		}
		for row := range t.Rows() {
			compDir[row.Get("Component").Str()] = row.Get("Directory_").Str()
		}
	}
	type media struct {
		last    int
		cabinet string
	}
	var medias []media
	if hasTable(db, "Media") {
		t, err := db.Table("Media")
		if err != nil {
			return nil, err
		}
		for row := range t.Rows() {
			medias = append(medias, media{int(row.Get("LastSequence").Int()), row.Get("Cabinet").Str()})
		}
		sort.SliceStable(medias, func(i, j int) bool { return medias[i].last < medias[j].last })
	}
	t, err := db.Table("File")
	if err != nil {
		return nil, err
	}
	files := make([]InstallFile, 0, t.Len())
	for row := range t.Rows() {
		f := InstallFile{
			Key:        row.Get("File").Str(),
			Component:  row.Get("Component_").Str(),
			Name:       pickName(row.Get("FileName").Str(), false),
			Size:       int64(uint32(row.Get("FileSize").Int())),
			Sequence:   int(row.Get("Sequence").Int()),
			Attributes: int(row.Get("Attributes").Int()),
		}
		f.Compressed = f.Attributes&fileAttrCompressed != 0 ||
			(flags&sourceCompressed != 0 && flags&sourceAdminImage == 0 && f.Attributes&fileAttrNoncompressed == 0)
		for _, m := range medias {
			if f.Sequence <= m.last {
				f.Cabinet = m.cabinet
				break
			}
		}
		srcName := pickName(row.Get("FileName").Str(), flags&sourceShortNames != 0)
		dir, ok := compDir[f.Component]
		switch {
		case !ok:
			f.Err = fmt.Errorf("msi: File %q: component %q not found", f.Key, f.Component)
		default:
			f.Directory = dir
			tp, sp, err := res.resolve(dir)
			if err == nil {
				tp, err = joinElem(tp, f.Name)
			}
			if err == nil && sp != badSource {
				if sp, err = joinElem(sp, srcName); err != nil {
					sp, err = badSource, nil
				}
			}
			if err == nil && (f.Name == "" || f.Name == ".") {
				err = fmt.Errorf("%w: empty file name", errPathEscapes)
			}
			if err != nil {
				f.Err = fmt.Errorf("msi: File %q: %w", f.Key, err)
			} else {
				f.Path, f.SourcePath = tp, sp
				if sp == badSource {
					f.SourcePath = ""
				}
			}
		}
		files = append(files, f)
	}
	return files, nil
}

// ExtractOptions configures Database.Extract. The zero value extracts
// every file, looking for external cabinets and uncompressed files in the
// package's folder.
type ExtractOptions struct {
	// SourceDir is the folder of external cabinets and uncompressed
	// source files; "" means the folder of the file given to Open.
	SourceDir string
	// Keys restricts extraction to these File keys; empty means all.
	Keys []string
}

// An ExtractReport says what Extract did and what it could not do.
type ExtractReport struct {
	Extracted int // files passed to the callback
	// EmptyCabinets names cabinets holding no files.
	EmptyCabinets []string
	// MissingCabinets names external cabinets that could not be opened,
	// with the reason.
	MissingCabinets []string
	// Failed lists files (by File key) whose contents were not found or
	// could not be decoded, with the reason.
	Failed []string
	// Unlisted counts cabinet files matching no File row (as in patches
	// and transforms); they are passed to the callback with Key set to
	// their cabinet name and Path "<cabinet>/<name>".
	Unlisted int
}

// Problems reports whether anything was left out.
func (r *ExtractReport) Problems() bool {
	return len(r.MissingCabinets) > 0 || len(r.Failed) > 0
}

// Extract decodes the package's files and calls fn with each one's
// resolved InstallFile and contents, cabinet by cabinet, each cabinet's
// files in order (so every folder is decoded once). Files of embedded
// cabinets, external cabinets (beside the package) and uncompressed
// source files (administrative images) are all covered. The reader passed
// to fn is valid only during the call and yields exactly Size bytes or
// fails.
//
// Extract returns an error only when fn does or the database cannot be
// read; everything else (missing cabinets, empty cabinets, undecodable
// files, unresolvable paths) is listed in the report, so one bad file does
// not stop the rest.
func (db *Database) Extract(opts *ExtractOptions, fn func(f *InstallFile, r io.Reader) error) (*ExtractReport, error) {
	if opts == nil {
		opts = &ExtractOptions{}
	}
	srcDir := opts.SourceDir
	if srcDir == "" && db.path != "" {
		srcDir = filepath.Dir(db.path)
	}
	files, err := db.InstallFiles()
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, k := range opts.Keys {
		want[k] = true
	}
	selected := func(key string) bool { return len(want) == 0 || want[key] }
	byKey := make(map[string]*InstallFile, len(files))
	for i := range files {
		byKey[files[i].Key] = &files[i]
	}
	rep := &ExtractReport{}
	done := map[string]bool{}
	fail := func(key, msg string) {
		rep.Failed = append(rep.Failed, key+": "+msg)
		done[key] = true
	}
	for key := range want {
		if byKey[key] == nil {
			rep.Failed = append(rep.Failed, key+": no such File row")
		}
	}

	cabs, err := db.Cabinets()
	if err != nil {
		return nil, err
	}
	// Cabinet names in the Media table may repeat; open each once.
	opened := map[string]bool{}
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	openCab := func(c Cabinet) (io.ReaderAt, int64, string, error) {
		if c.Embedded {
			st, err := db.OpenStream(c.Stream)
			if err != nil {
				return nil, 0, "#" + c.Stream, err
			}
			return st, st.Size(), "#" + c.Stream, nil
		}
		f, size, err := openBeside(srcDir, c.Name)
		if err != nil {
			return nil, 0, c.Name, err
		}
		closers = append(closers, f)
		return f, size, c.Name, nil
	}
	// Sibling cabinets of a set: embedded streams first, then files.
	cabOpts := &cab.Options{OpenCabinet: func(name string) (io.ReaderAt, int64, error) {
		if st, err := db.OpenStream(name); err == nil {
			return st, st.Size(), nil
		}
		f, size, err := openBeside(srcDir, name)
		if err != nil {
			return nil, 0, err
		}
		closers = append(closers, f)
		return f, size, nil
	}}
	for _, c := range cabs {
		id := c.Name
		if c.Embedded {
			id = "#" + c.Stream
		}
		if opened[id] {
			continue
		}
		opened[id] = true
		if c.Embedded && c.Err != nil && c.Header == nil {
			rep.Failed = append(rep.Failed, fmt.Sprintf("cabinet %s: %v", id, c.Err))
			continue
		}
		ra, size, label, err := openCab(c)
		if err != nil {
			rep.MissingCabinets = append(rep.MissingCabinets, fmt.Sprintf("%s: %v", label, err))
			continue
		}
		r, err := cab.NewReaderOptions(ra, size, cabOpts)
		if err != nil {
			rep.Failed = append(rep.Failed, fmt.Sprintf("cabinet %s: %v", label, err))
			continue
		}
		if len(r.Files) == 0 {
			rep.EmptyCabinets = append(rep.EmptyCabinets, label)
			continue
		}
		// Files in folder order, then offset order: one pass per folder.
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
		for _, cf := range list {
			f := byKey[cf.Name]
			if f == nil {
				if len(want) > 0 {
					continue
				}
				// A cabinet file no File row names (patches, transforms).
				base := path.Base(strings.ReplaceAll(cf.Name, "\\", "/"))
				dirName := strings.TrimPrefix(label, "#")
				if checkComponent(base) != nil || checkComponent(dirName) != nil {
					rep.Failed = append(rep.Failed, fmt.Sprintf("cabinet %s: file %q: unsafe name", label, cf.Name))
					continue
				}
				rep.Unlisted++
				uf := &InstallFile{Key: cf.Name, Name: base, Path: dirName + "/" + base, Size: cf.Size, Compressed: true, Cabinet: label}
				if err := extractOne(uf, cf, fn); err != nil {
					if ce, ok := err.(*callbackError); ok {
						return rep, ce.err
					}
					rep.Failed = append(rep.Failed, fmt.Sprintf("%s (cabinet %s): %v", cf.Name, label, err))
					continue
				}
				rep.Extracted++
				continue
			}
			if done[f.Key] || !selected(f.Key) {
				continue
			}
			if f.Err != nil {
				fail(f.Key, f.Err.Error())
				continue
			}
			if cf.Size != f.Size {
				fail(f.Key, fmt.Sprintf("cabinet %s holds %d bytes, File table FileSize is %d", label, cf.Size, f.Size))
				continue
			}
			if err := extractOne(f, cf, fn); err != nil {
				if ce, ok := err.(*callbackError); ok {
					return rep, ce.err
				}
				fail(f.Key, fmt.Sprintf("cabinet %s: %v", label, err))
				continue
			}
			done[f.Key] = true
			rep.Extracted++
		}
	}

	// Files not found in any cabinet: uncompressed sources.
	for i := range files {
		f := &files[i]
		if done[f.Key] || !selected(f.Key) {
			continue
		}
		if f.Err != nil {
			fail(f.Key, f.Err.Error())
			continue
		}
		if srcDir == "" || f.SourcePath == "" {
			fail(f.Key, "not in any cabinet, and no usable source path for an uncompressed copy")
			continue
		}
		src := filepath.Join(srcDir, filepath.FromSlash(f.SourcePath))
		fh, err := os.Open(src)
		if err != nil {
			msg := fmt.Sprintf("not in any cabinet and no uncompressed copy: %v", err)
			if f.Compressed && f.Cabinet != "" {
				msg = fmt.Sprintf("expected in cabinet %s (sequence %d), not found there; no uncompressed copy either", f.Cabinet, f.Sequence)
			}
			fail(f.Key, msg)
			continue
		}
		err = func() error {
			defer fh.Close()
			fi, err := fh.Stat()
			if err != nil {
				return err
			}
			if fi.Size() != f.Size {
				return fmt.Errorf("uncompressed copy %s has %d bytes, File table FileSize is %d", src, fi.Size(), f.Size)
			}
			if err := fn(f, io.LimitReader(fh, f.Size)); err != nil {
				return &callbackError{err}
			}
			return nil
		}()
		if err != nil {
			if ce, ok := err.(*callbackError); ok {
				return rep, ce.err
			}
			fail(f.Key, err.Error())
			continue
		}
		done[f.Key] = true
		rep.Extracted++
	}
	sort.Strings(rep.Failed)
	return rep, nil
}

// callbackError carries an error returned by the caller's function, which
// stops Extract.
type callbackError struct{ err error }

func (e *callbackError) Error() string { return e.err.Error() }

// extractOne streams one cabinet file into fn, checking its length.
func extractOne(f *InstallFile, cf *cab.File, fn func(*InstallFile, io.Reader) error) error {
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

// openBeside opens the file name in dir, matching case-insensitively when
// the exact name is absent. name must be a plain file name or a relative
// path without "..".
func openBeside(dir, name string) (*os.File, int64, error) {
	if dir == "" {
		return nil, 0, fmt.Errorf("no folder to look for %q in", name)
	}
	clean := filepath.FromSlash(strings.ReplaceAll(name, "\\", "/"))
	if !filepath.IsLocal(clean) {
		return nil, 0, fmt.Errorf("refusing cabinet name %q", name)
	}
	p := filepath.Join(dir, clean)
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) && !strings.ContainsRune(clean, filepath.Separator) {
		if ents, derr := os.ReadDir(dir); derr == nil {
			for _, e := range ents {
				if strings.EqualFold(e.Name(), clean) {
					f, err = os.Open(filepath.Join(dir, e.Name()))
					break
				}
			}
		}
	}
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}
