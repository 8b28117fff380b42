package install

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/msi"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/safename"
)

// A Layout chooses what the standard folder properties (ProgramFilesFolder,
// SystemFolder, ...) stand for when Files and Extract lay files out
// below the extraction root, which stands for the system drive.
type Layout uint8

const (
	// LayoutX64 lays files out as 64-bit Windows installs them:
	// ProgramFilesFolder is "Program Files (x86)", ProgramFiles64Folder
	// "Program Files", SystemFolder "Windows/SysWOW64" and System64Folder
	// "Windows/System32". It is the zero value.
	LayoutX64 Layout = iota
	// LayoutX86 lays files out as 32-bit Windows does: ProgramFilesFolder
	// is "Program Files" and SystemFolder "Windows/System32". Windows sets
	// no 64-bit folder properties there, so Directory rows named
	// ProgramFiles64Folder, CommonFiles64Folder and System64Folder resolve
	// through their DefaultDir like any other directory.
	LayoutX86
)

// String returns "x64" or "x86".
func (l Layout) String() string {
	if l == LayoutX86 {
		return "x86"
	}
	return "x64"
}

// MaxPathUnits is the longest install path, in UTF-16 code units below the
// extraction root, that Files and Extract place a file at: Windows'
// MAX_PATH (260). Windows Installer cannot install a file whose full path
// is longer (it is not long-path aware), so such a path can only come from
// a broken or hostile package (a Directory chain thousands deep); the
// file is written below a folder named after its Directory instead (see
// UnderDirectoryID).
const MaxPathUnits = 260

// Paths of the profile folders the per-user standard folders stand for.
const (
	userProfile   = "Users/Default"
	userRoaming   = userProfile + "/AppData/Roaming"
	userLocal     = userProfile + "/AppData/Local"
	userShell     = userRoaming + "/Microsoft/Windows"
	userStartMenu = userShell + "/Start Menu"
	allStartMenu  = "ProgramData/Microsoft/Windows/Start Menu"
)

// standardFolders maps the Windows Installer system folder properties
// that do not depend on the layout or the installation context.
var standardFolders = map[string]string{
	"WindowsFolder":       "Windows",
	"WindowsVolume":       "",
	"System16Folder":      "Windows/System",
	"FontsFolder":         "Windows/Fonts",
	"CommonAppDataFolder": "ProgramData",
	"AppDataFolder":       userRoaming,
	"LocalAppDataFolder":  userLocal,
	"TempFolder":          userLocal + "/Temp",
	"PersonalFolder":      userProfile + "/Documents",
	"MyPicturesFolder":    userProfile + "/Pictures",
	"FavoritesFolder":     userProfile + "/Favorites",
	"SendToFolder":        userShell + "/SendTo",
	"RecentFolder":        userShell + "/Recent",
	"NetHoodFolder":       userShell + "/Network Shortcuts",
	"PrintHoodFolder":     userShell + "/Printer Shortcuts",
}

// contextFolders maps the folders that are the current user's in a
// per-user installation and the All Users profile's in a per-machine one:
// [per-user, per-machine].
var contextFolders = map[string][2]string{
	"DesktopFolder":     {userProfile + "/Desktop", "Users/Public/Desktop"},
	"StartMenuFolder":   {userStartMenu, allStartMenu},
	"ProgramMenuFolder": {userStartMenu + "/Programs", allStartMenu + "/Programs"},
	"StartupFolder":     {userStartMenu + "/Programs/Startup", allStartMenu + "/Programs/Startup"},
	"AdminToolsFolder":  {userStartMenu + "/Programs/Administrative Tools", allStartMenu + "/Programs/Administrative Tools"},
	"TemplateFolder":    {userShell + "/Templates", "ProgramData/Microsoft/Windows/Templates"},
}

// layoutFolders maps the program and system folders: [x64, x86]; "-"
// means Windows does not set the property in that layout.
var layoutFolders = map[string][2]string{
	"ProgramFilesFolder":   {"Program Files (x86)", "Program Files"},
	"ProgramFiles64Folder": {"Program Files", "-"},
	"CommonFilesFolder":    {"Program Files (x86)/Common Files", "Program Files/Common Files"},
	"CommonFiles64Folder":  {"Program Files/Common Files", "-"},
	"SystemFolder":         {"Windows/SysWOW64", "Windows/System32"},
	"System64Folder":       {"Windows/System32", "-"},
}

// StandardFolder returns the folder below the extraction root (the system
// drive) that the Windows Installer system folder property name stands
// for in layout l, in a per-machine installation when perMachine is set
// (DesktopFolder, StartMenuFolder, ProgramMenuFolder, StartupFolder,
// AdminToolsFolder and TemplateFolder are then the All Users profile's)
// and a per-user one otherwise. The current user's profile is
// "Users/Default". The merge module form "ProgramFilesFolder.<GUID>" is
// recognized too. ok is false for other names, and for the 64-bit folders
// in LayoutX86. WindowsVolume is the root itself ("").
func StandardFolder(name string, l Layout, perMachine bool) (folder string, ok bool) {
	if p, ok := standardFolder(name, l, perMachine); ok {
		return p, true
	}
	if i := strings.IndexByte(name, '.'); i > 0 && isModuleGUID(name[i+1:]) {
		return standardFolder(name[:i], l, perMachine)
	}
	return "", false
}

func standardFolder(name string, l Layout, perMachine bool) (string, bool) {
	if p, ok := standardFolders[name]; ok {
		return p, true
	}
	if p, ok := contextFolders[name]; ok {
		if perMachine {
			return p[1], true
		}
		return p[0], true
	}
	if p, ok := layoutFolders[name]; ok {
		p := p[0]
		if l == LayoutX86 {
			p = layoutFolders[name][1]
		}
		return p, p != "-"
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

// A Placement says how a File's Path was chosen.
type Placement uint8

const (
	// AtInstallPath: Path is where Windows installs the file, with the
	// standard folders of the chosen Layout.
	AtInstallPath Placement = iota
	// UnderDirectoryID: the file's install path cannot be known or used,
	// so the file is placed below a top-level folder named after a
	// Directory id: the Directory its chain names but the Directory table
	// lacks (the rest of the chain below it is kept), a Directory whose
	// parent chain loops, or the component's own Directory when the
	// install path would be longer than MaxPathUnits.
	UnderDirectoryID
	// BesideDuplicate: an earlier File row has the same install path
	// (compared case-insensitively, as on Windows; typically components
	// with exclusive conditions), so Path is beside it, named after this
	// row's File key: "name (KEY).ext". DuplicateOf names the other row.
	BesideDuplicate
	// BesideFolder: the install path is also a folder that other files
	// of the package are installed in (a file and a Directory with the
	// same name), so Path is beside that folder, named after this row's
	// File key: "name (KEY).ext".
	BesideFolder
)

// String returns "install path", "under Directory id", "beside a
// duplicate" or "beside a folder".
func (p Placement) String() string {
	switch p {
	case UnderDirectoryID:
		return "under Directory id"
	case BesideDuplicate:
		return "beside a duplicate"
	case BesideFolder:
		return "beside a folder"
	}
	return "install path"
}

// ErrUnsafePath is matched by File.Err (and the error in a
// Report's failures) when a name from the package cannot be a path
// element below the extraction root: a separator, "..", a drive, a
// control character, or a name Windows cannot create (internal/safename
// has the rule). Such files are refused, never written.
var ErrUnsafePath = errors.New("install: unsafe name")

// unsafeName reports a name from the package that is refused as a path
// element: "what: why" (what names the row, why is safename's reason).
// What is what (a format quoting name with %q, clipped) and is written
// when the message is asked for: a package can refuse 60,000 files, each
// of which held its message (1 KB each) from the start.
type unsafeName struct {
	what, name string
	named      bool // what is a format quoting name
	err        error
}

// refusedName returns the error of a name refused for err, the row
// described by what ("" for none).
func refusedName(what string, err error) error { return &unsafeName{what: what, err: err} }

// refusedRow returns the error of a name refused for err, the row
// described by what, a format with one %q of name.
func refusedRow(what, name string, err error) error {
	return &unsafeName{what: what, name: name, named: true, err: err}
}

func (e *unsafeName) Error() string {
	what := e.what
	if e.named {
		what = fmt.Sprintf(what, clip.String(e.name))
	}
	if what == "" {
		return e.err.Error()
	}
	return what + ": " + e.err.Error()
}

// layoutError is the error of a file the layout refuses: its key (quoted
// clipped) and why, written when asked for, as unsafeName.
type layoutError struct {
	key string
	err error
}

func (e *layoutError) Error() string {
	return fmt.Sprintf("install: File %q: %v", clip.String(e.key), e.err)
}

func (e *layoutError) Unwrap() error { return e.err }

// longPathWhat is the unsafeName format of a file whose install path is
// too long.
var longPathWhat = fmt.Sprintf("install path longer than %d characters, and Directory %%q", MaxPathUnits)

func (e *unsafeName) Unwrap() error        { return e.err }
func (e *unsafeName) Is(target error) bool { return target == ErrUnsafePath }

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
	s, l := msi.SplitFileName(v)
	if short {
		return s
	}
	return l
}

// A dirNode is one Directory row (or a Directory id the table lacks),
// resolved to its place in the layout without storing its whole path:
// each node that adds path elements links to the node that adds the
// elements before them, so memory is linear in the rows however deep the
// chain, and a path is joined only when asked for.
type dirNode struct {
	key, parent, defaultDir string

	// Target path: elem (one or more slash-separated elements, "" for
	// none) after the path of node prev (-1: the root); tail is the
	// node whose elem ends this node's path (itself, or for a node
	// adding nothing its parent's tail); units is the path's UTF-16
	// length (at most 1<<30); canon identifies the path
	// case-insensitively.
	elem string
	// Source path (uncompressed files), kept the same way; srcBad marks a
	// source path that cannot be used (an unsafe or over-long name).
	srcElem string

	prev, tail       int32
	units, canon     int32
	srcPrev, srcTail int32
	srcUnits         int32
	// pseudo is the node below whose id the path starts when the chain
	// could not be resolved (a missing row or a loop), or -1.
	pseudo int32
	// err is 1 + the index in layout.errs of an unsafe name on the way
	// (files here are refused), or 0. An index, not the error: a node
	// is a Directory row, of which a package may hold hundreds of
	// thousands, and errors are few and shared down the tree.
	err int32

	missing bool  // the Directory table has no row with this key
	state   uint8 // 0 new, 1 being resolved, 2 resolved
	srcBad  bool  // the source path cannot be used (see srcElem)
}

// layout resolves the Directory table and the File table's rows to their
// places, once per Files or Extract call.
type layout struct {
	l          Layout
	perMachine bool
	short      bool // source names are short (summary information)
	nodes      []dirNode
	errs       []error // the unsafe names of nodes (dirNode.err)
	byKey      textmemo.Index[int32]
	canon      map[canonKey]int32
	files      []fileRec
	medias     []mediaRange
	// missing holds the refusal (nil: none) of each long component
	// name place found missing from the Component table: the rows of
	// one missing component share one error, not one each.
	missing textmemo.Memo[error]
}

type canonKey struct {
	parent int32
	name   string // lower-cased element
}

type mediaRange struct {
	last    int
	cabinet string
}

// fileRec is a File row resolved to its place; paths are joined on demand.
type fileRec struct {
	key, comp, name, srcName string
	dir                      int32 // node of the component's Directory, -1 if none
	size                     int64
	seq, attrs               int
	cabinet                  string
	compressed               bool
	placement                Placement
	longPath                 bool   // UnderDirectoryID because the path is too long
	noComp                   bool   // UnderDirectoryID because the component is missing
	alt                      string // the file name used (BesideDuplicate, BesideFolder)
	folder                   int32  // canonical id of the folder the file is in
	dupOf                    int32  // BesideDuplicate: the file whose path this one's install path is
	err                      error
}

// intern returns the canonical id of the folder elem (one or more
// slash-separated elements) below the folder parent; 0 is the root.
func (lay *layout) intern(parent int32, elem string) int32 {
	for elem != "" {
		var e string
		e, elem, _ = strings.Cut(elem, "/")
		if e == "" {
			continue
		}
		k := canonKey{parent, strings.ToLower(e)}
		id, ok := lay.canon[k]
		if !ok {
			id = int32(len(lay.canon) + 1)
			lay.canon[k] = id
		}
		parent = id
	}
	return parent
}

// node returns the index of the node for Directory key, adding a node for
// a key the table lacks.
func (lay *layout) node(key string) int32 {
	if i, ok := lay.byKey.Lookup(key); ok {
		return i
	}
	i := int32(len(lay.nodes))
	lay.nodes = append(lay.nodes, dirNode{key: key, missing: true})
	lay.byKey.Set(key, i)
	return i
}

// resolve resolves node i and its ancestors, iteratively: a chain
// thousands deep costs one pass and no recursion.
func (lay *layout) resolve(i int32) {
	var stack []int32
	cur := i
	for {
		n := &lay.nodes[cur]
		if n.state == 2 {
			break
		}
		if n.state == 1 {
			// A loop: every node on it becomes a root of its own.
			for j := len(stack) - 1; j >= 0; j-- {
				k := stack[j]
				lay.finish(k, -2)
				if k == cur {
					stack = stack[:j]
					break
				}
			}
			break
		}
		n.state = 1
		stack = append(stack, cur)
		if n.missing || n.parent == "" || n.parent == n.key {
			break
		}
		cur = lay.node(n.parent)
	}
	for j := len(stack) - 1; j >= 0; j-- {
		k := stack[j]
		if lay.nodes[k].state == 2 {
			continue
		}
		n := &lay.nodes[k]
		parent := int32(-1)
		if !n.missing && n.parent != "" && n.parent != n.key {
			parent = lay.byKey.Get(n.parent)
		}
		lay.finish(k, parent)
	}
}

// finish resolves node k from its resolved parent: -1 for a root (or a
// missing row), -2 for a node on a loop.
func (lay *layout) finish(k, parent int32) {
	n := &lay.nodes[k]
	n.state = 2
	n.prev, n.tail, n.srcPrev, n.srcTail, n.pseudo = -1, -1, -1, -1, -1
	t, s := splitDefaultDir(n.defaultDir, lay.short)
	// A standard folder or TARGETDIR is where Windows puts it, wherever
	// the row sits; its source path still follows the tree.
	std, isStd := StandardFolder(n.key, lay.l, lay.perMachine)
	if n.key == "TARGETDIR" {
		std, isStd = "", true
	}
	var p *dirNode
	if parent >= 0 {
		p = &lay.nodes[parent]
	}
	if n.missing || parent == -2 {
		n.srcBad = true // no tree to follow for the source path
	}
	switch {
	case isStd:
		lay.setElem(k, -1, std)
	case parent == -2 || n.missing:
		// A chain that cannot be resolved: a folder named after the id.
		if err := safename.Check(n.key); err != nil {
			lay.refuse(n, err)
		} else {
			lay.setElem(k, -1, n.key)
			n.pseudo = k
		}
		return
	case p == nil:
		// TARGETDIR or SourceDir is the root; another root becomes a
		// top-level folder named after its DefaultDir.
		if !strings.EqualFold(t, "SourceDir") && t != "." && t != "" {
			if err := safename.Check(t); err != nil {
				lay.refuse(n, err)
			} else {
				lay.setElem(k, -1, t)
			}
		}
		return
	default:
		n.err, n.pseudo = p.err, p.pseudo
		if n.err == 0 {
			if t == "." || t == "" {
				n.tail, n.units, n.canon = p.tail, p.units, p.canon
			} else if err := safename.Check(t); err != nil {
				lay.refuse(n, err)
			} else {
				lay.setElem(k, parent, t)
			}
		}
	}
	if p == nil || n.srcBad {
		return
	}
	// Source path: the parent's, plus this row's source name.
	n.srcBad = p.srcBad
	if n.srcBad {
		return
	}
	n.srcTail, n.srcUnits = p.srcTail, p.srcUnits
	if s == "." || s == "" {
		return
	}
	if safename.Check(s) != nil {
		n.srcBad = true
		return
	}
	n.srcElem, n.srcPrev, n.srcTail = s, p.srcTail, k
	n.srcUnits = pathUnits(p.srcUnits, s)
	if n.srcUnits > MaxPathUnits {
		n.srcBad = true
	}
}

// setElem makes node k add elem after the path of node parent (-1: the
// root). An empty elem adds nothing (WindowsVolume).
func (lay *layout) setElem(k, parent int32, elem string) {
	n := &lay.nodes[k]
	pt, pu, pc := int32(-1), int32(0), int32(0)
	if parent >= 0 {
		p := &lay.nodes[parent]
		pt, pu, pc = p.tail, p.units, p.canon
	}
	if elem == "" {
		n.tail, n.units, n.canon = pt, pu, pc
		return
	}
	n.elem, n.prev, n.tail = elem, pt, k
	n.units = pathUnits(pu, elem)
	n.canon = lay.intern(pc, elem)
}

// pathUnits returns the UTF-16 length of a path of units units followed
// by elem, at most 1<<30: a chain millions deep does not wrap the sum.
func pathUnits(units int32, elem string) int32 {
	n := int(units) + utf16Len(elem)
	if units > 0 {
		n++ // the separator
	}
	return int32(min(n, 1<<30))
}

// refuse records that node n's name is unsafe (err, safename's reason):
// files below it are refused.
func (lay *layout) refuse(n *dirNode, err error) {
	lay.errs = append(lay.errs, refusedRow("Directory %q", n.key, err))
	n.err = int32(len(lay.errs))
}

// joinPath returns the path of the elements from tail back to the root,
// linked through prev (or srcPrev when source is set), joined with "/"
// and followed by name.
func (lay *layout) joinPath(tail int32, source bool, name string) string {
	var parts []string
	size := len(name)
	for i := tail; i >= 0; {
		n := &lay.nodes[i]
		if source {
			parts = append(parts, n.srcElem)
			size += len(n.srcElem) + 1
			i = n.srcPrev
		} else {
			parts = append(parts, n.elem)
			size += len(n.elem) + 1
			i = n.prev
		}
	}
	var b strings.Builder
	b.Grow(size)
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteString(parts[i])
		b.WriteByte('/')
	}
	b.WriteString(name)
	return b.String()
}

// colIndex returns the 0-based index of column name of t, or -1.
func colIndex(t *msi.Table, name string) int {
	if c, ok := t.Column(name); ok {
		return c.Number - 1
	}
	return -1
}

// utf16Len returns the length of s in UTF-16 code units, as Windows
// counts path lengths.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// cell returns column i of row, or Null when the table lacks the column
// (i < 0).
func cell(row msi.Row, i int) msi.Value {
	if i < 0 {
		return msi.Value{}
	}
	return row.At(i)
}

// installContext reports whether the package installs per machine: its
// ALLUSERS property is 1, or 2 (an administrator's installation, which
// Windows Installer then makes per-machine).
func installContext(db *msi.Database) bool {
	if !db.HasTable("Property") {
		return false
	}
	t, err := db.Table("Property")
	if err != nil {
		return false
	}
	row, ok := t.Lookup(msi.StrValue("ALLUSERS"))
	if !ok {
		return false
	}
	v := strings.TrimSpace(row.Get("Value").Str())
	return v == "1" || v == "2"
}

// newLayout reads the Directory, Component, File and Media tables and
// resolves every File row's place. Nothing here is quadratic: the
// Directory tree is resolved once (linear in its rows), files find their
// Media row by binary search and duplicates by canonical folder ids.
func newLayout(db *msi.Database, l Layout) (*layout, error) {
	flags := sourceFlags(db)
	lay := &layout{l: l, short: flags&sourceShortNames != 0, perMachine: installContext(db),
		canon: map[canonKey]int32{}}
	if db.Kind() == msi.PackageTransform {
		return lay, nil // its tables hold changes, not rows
	}
	if db.HasTable("Directory") {
		t, err := db.Table("Directory")
		if err != nil {
			return nil, err
		}
		lay.nodes = make([]dirNode, 0, t.Len())
		ki, pi, di := colIndex(t, "Directory"), colIndex(t, "Directory_Parent"), colIndex(t, "DefaultDir")
		// The index of ids sized once for the short keys (long ones go
		// elsewhere: a package whose every key is one 24 KiB text would
		// leave a map of all its rows empty).
		short := 0
		for row := range t.Rows() {
			if len(cell(row, ki).Str()) < textmemo.Min {
				short++
			}
		}
		lay.byKey.Reserve(short)
		for row := range t.Rows() {
			k := cell(row, ki).Str()
			if lay.byKey.Has(k) {
				continue
			}
			lay.byKey.Set(k, int32(len(lay.nodes)))
			lay.nodes = append(lay.nodes, dirNode{key: k, parent: cell(row, pi).Str(), defaultDir: cell(row, di).Str()})
		}
	}
	var compDir textmemo.Index[string]
	if db.HasTable("Component") {
		t, err := db.Table("Component")
		if err != nil {
			return nil, err
		}
		ci, di := colIndex(t, "Component"), colIndex(t, "Directory_")
		for row := range t.Rows() {
			compDir.Set(cell(row, ci).Str(), cell(row, di).Str())
		}
	}
	if db.HasTable("Media") {
		t, err := db.Table("Media")
		if err != nil {
			return nil, err
		}
		li, ci := colIndex(t, "LastSequence"), colIndex(t, "Cabinet")
		for row := range t.Rows() {
			lay.medias = append(lay.medias, mediaRange{int(cell(row, li).Int()), cell(row, ci).Str()})
		}
		sort.SliceStable(lay.medias, func(i, j int) bool { return lay.medias[i].last < lay.medias[j].last })
	}
	if !db.HasTable("File") {
		return lay, nil
	}
	t, err := db.Table("File")
	if err != nil {
		return nil, err
	}
	fi, ci, ni, si := colIndex(t, "File"), colIndex(t, "Component_"), colIndex(t, "FileName"), colIndex(t, "FileSize")
	ai, qi := colIndex(t, "Attributes"), colIndex(t, "Sequence")
	lay.files = make([]fileRec, 0, t.Len())
	taken := map[canonKey]int32{}      // (canonical folder, lower-cased name) → file
	var split textmemo.Memo[[2]string] // a FileName shared by many rows is split once
	for row := range t.Rows() {
		fn := split.Get(cell(row, ni).Str(), func(v string) [2]string {
			return [2]string{pickName(v, true), pickName(v, false)}
		})
		f := fileRec{
			key:     cell(row, fi).Str(),
			comp:    cell(row, ci).Str(),
			name:    fn[1],
			srcName: fn[1],
			size:    int64(uint32(cell(row, si).Int())),
			attrs:   int(cell(row, ai).Int()),
			seq:     int(cell(row, qi).Int()),
			dir:     -1,
			dupOf:   -1,
		}
		if lay.short {
			f.srcName = fn[0]
		}
		f.compressed = f.attrs&fileAttrCompressed != 0 ||
			(flags&sourceCompressed != 0 && flags&sourceAdminImage == 0 && f.attrs&fileAttrNoncompressed == 0)
		if m := sort.Search(len(lay.medias), func(i int) bool { return f.seq <= lay.medias[i].last }); m < len(lay.medias) {
			f.cabinet = lay.medias[m].cabinet
		}
		idx := int32(len(lay.files))
		lay.place(&f, &compDir, taken, idx)
		lay.files = append(lay.files, f)
	}
	lay.besideFolders(taken)
	return lay, nil
}

// besideFolders moves each file whose path is also a folder holding other
// files beside that folder: both could not exist (on Windows either). A
// folder only some Directory row names, with no file below it, is left
// alone: nothing creates it.
func (lay *layout) besideFolders(taken map[canonKey]int32) {
	if len(lay.canon) == 0 {
		return
	}
	parent := make([]int32, len(lay.canon)+1)
	for k, id := range lay.canon {
		parent[id] = k.parent
	}
	used := make([]bool, len(lay.canon)+1)
	for i := range lay.files {
		if f := &lay.files[i]; f.err == nil {
			for id := f.folder; id != 0 && !used[id]; id = parent[id] {
				used[id] = true
			}
		}
	}
	for i := range lay.files {
		f := &lay.files[i]
		if f.err != nil {
			continue
		}
		name := f.name
		if f.alt != "" {
			name = f.alt
		}
		if id, ok := lay.canon[canonKey{f.folder, strings.ToLower(name)}]; ok && used[id] {
			f.placement, f.dupOf = BesideFolder, -1
			lay.beside(f, f.folder, taken, int32(i))
		}
	}
}

// refusedComponent returns the refusal of a File row whose component,
// comp, is not in the Component table, for a name that cannot be a
// folder's, or nil.
func refusedComponent(comp string) error {
	if err := safename.Check(comp); err != nil {
		return refusedRow("component %q (not in the Component table)", comp, err)
	}
	return nil
}

// place resolves a file's folder and name, choosing its Placement.
func (lay *layout) place(f *fileRec, compDir *textmemo.Index[string], taken map[canonKey]int32, idx int32) {
	dir, ok := compDir.Lookup(f.comp)
	if !ok {
		// No component, so no Directory: below a folder named after the
		// component. A long name is checked once for all the rows
		// that name it (textmemo): 135,000 rows naming two pooled 1 MiB
		// texts as their missing component each held a refusal of
		// their own (120 bytes, 16 MB beside the layout).
		if err := lay.missing.Get(f.comp, refusedComponent); err != nil {
			f.err = err
			return
		}
		if err := safename.Check(f.name); err != nil {
			f.err = refusedName("", err)
			return
		}
		f.placement, f.noComp = UnderDirectoryID, true
		lay.claim(f, lay.intern(0, f.comp), taken, idx)
		return
	}
	f.dir = lay.node(dir)
	lay.resolve(f.dir)
	n := &lay.nodes[f.dir]
	switch {
	case n.err != 0:
		f.err = lay.errs[n.err-1]
		return
	case safename.Check(f.name) != nil:
		f.err = refusedName("", safename.Check(f.name))
		return
	}
	canon := n.canon
	if n.pseudo >= 0 {
		f.placement = UnderDirectoryID
	}
	units := int(n.units) + utf16Len(f.name)
	if n.units > 0 {
		units++
	}
	if units > MaxPathUnits {
		// Windows cannot install it there: below the Directory's id.
		if err := safename.Check(n.key); err != nil {
			f.err = refusedRow(longPathWhat, n.key, err)
			return
		}
		f.placement, f.longPath = UnderDirectoryID, true
		canon = lay.intern(0, n.key)
	}
	lay.claim(f, canon, taken, idx)
}

// claim takes f's path in folder canon, or a name beside it when an
// earlier file has that path.
func (lay *layout) claim(f *fileRec, canon int32, taken map[canonKey]int32, idx int32) {
	f.folder = canon
	k := canonKey{canon, strings.ToLower(f.name)}
	first, dup := taken[k]
	if !dup {
		taken[k] = idx
		return
	}
	// Another row has this path: beside it, named after this row.
	f.placement, f.dupOf = BesideDuplicate, first
	lay.beside(f, canon, taken, idx)
}

// beside gives file idx a free name in folder canon, made from its name
// and its File key: "name (KEY).ext", or failing that from its row
// number. A name that is also a folder there is not free either.
func (lay *layout) beside(f *fileRec, canon int32, taken map[canonKey]int32, idx int32) {
	ext := path.Ext(f.name)
	stem := strings.TrimSuffix(f.name, ext)
	if stem == "" {
		stem, ext = f.name, ""
	}
	cands := []string{stem + " (" + f.key + ")" + ext, stem + " (File row " + strconv.Itoa(int(idx)+1) + ")" + ext, "File row " + strconv.Itoa(int(idx)+1)}
	for i := 0; ; i++ {
		c := cands[min(i, len(cands)-1)]
		if i >= len(cands) {
			c += " " + strconv.Itoa(i)
		}
		if safename.Check(c) != nil || !utf8.ValidString(c) {
			continue
		}
		k := canonKey{canon, strings.ToLower(c)}
		if _, used := taken[k]; used {
			continue
		}
		if _, folder := lay.canon[k]; folder {
			continue
		}
		taken[k] = idx
		f.alt = c
		return
	}
}

// path returns where file i goes below the extraction root.
func (lay *layout) path(i int) string {
	f := &lay.files[i]
	if f.err != nil {
		return ""
	}
	name := f.name
	if f.alt != "" {
		name = f.alt
	}
	if f.noComp {
		return f.comp + "/" + name
	}
	n := &lay.nodes[f.dir]
	if f.longPath {
		return n.key + "/" + name
	}
	return lay.joinPath(n.tail, false, name)
}

// installPath returns file i's install path when it is short enough to
// show, else "".
func (lay *layout) installPath(i int) string {
	f := &lay.files[i]
	if f.err != nil || f.longPath || f.noComp {
		return ""
	}
	return lay.joinPath(lay.nodes[f.dir].tail, false, f.name)
}

// sourcePath returns where an uncompressed copy of file i lies below the
// package's folder, or "" when no usable source path exists.
func (lay *layout) sourcePath(i int) string {
	f := &lay.files[i]
	if f.dir < 0 {
		return ""
	}
	n := &lay.nodes[f.dir]
	if n.srcBad || safename.Check(f.srcName) != nil || int(n.srcUnits)+1+utf16Len(f.srcName) > MaxPathUnits {
		return ""
	}
	return lay.joinPath(n.srcTail, true, f.srcName)
}

// installFile returns file i as a File, its paths joined.
func (lay *layout) installFile(i int) File {
	f := &lay.files[i]
	out := File{
		Key: f.key, Component: f.comp, Name: f.name,
		Size: f.size, Sequence: f.seq, Attributes: f.attrs,
		Cabinet: f.cabinet, Compressed: f.compressed,
		Placement: f.placement,
	}
	if f.dir >= 0 {
		out.Directory = lay.nodes[f.dir].key
	}
	if f.err != nil {
		out.Err = &layoutError{f.key, f.err}
		return out
	}
	out.Path = lay.path(i)
	out.SourcePath = lay.sourcePath(i)
	if f.dupOf >= 0 {
		out.DuplicateOf = lay.files[f.dupOf].key
	}
	return out
}

// sourceFlags returns the summary information's WordCount (source flags),
// or 0.
func sourceFlags(db *msi.Database) int {
	si, err := db.SummaryInfo()
	if err != nil || si == nil {
		return 0
	}
	n, _ := si.Int(msi.PIDWordCount)
	return int(n)
}
