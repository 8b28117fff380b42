package idt

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unicode/utf8"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/msi"
)

// maxLine bounds one line of an IDT file (a row). Column strings are at
// most a few KiB in practice; 8 MiB leaves room for long-string tables.
const maxLine = 8 << 20

// reader splits IDT text into lines the way msibuild reads them: lines
// end at LF or CR, a run of line ends counts as one (so blank lines are
// skipped), except that the very first line may be empty (the
// _ForceCodepage form starts with a blank line). Trailing NUL bytes at the
// end of the file are ignored.
type reader struct {
	br    *bufio.Reader
	line  int // number of the line returned last (1-based, physical)
	first bool
	eof   bool
	name  string
	buf   []byte // the last line; next overwrites it
}

func newReader(r io.Reader, name string) *reader {
	return &reader{br: bufio.NewReaderSize(r, 64<<10), first: true, name: name}
}

func (r *reader) errorf(format string, args ...any) error {
	return &Error{File: r.name, Line: r.line, Msg: clip.Sprintf(format, args...)}
}

// next returns the next line without its terminator, or io.EOF. The line
// is valid until the next call.
func (r *reader) next() ([]byte, error) {
	for {
		if r.eof {
			return nil, io.EOF
		}
		line := r.buf[:0]
		for {
			chunk, err := r.br.ReadSlice('\n')
			if len(line)+len(chunk) > maxLine {
				return nil, r.errorf("line longer than %d bytes", maxLine)
			}
			if need := len(line) + len(chunk); need > cap(line) {
				// Double, so a long line costs at most twice its size.
				grown := make([]byte, len(line), max(need, 2*cap(line)))
				copy(grown, line)
				line = grown
			}
			line = append(line, chunk...)
			if err == bufio.ErrBufferFull {
				continue
			}
			if err == io.EOF {
				r.eof = true
				// msibuild drops NUL bytes at the very end of the file.
				line = bytes.TrimRight(line, "\x00")
				break
			}
			if err != nil {
				return nil, &Error{File: r.name, Line: r.line + 1, Msg: "read failed", Err: err}
			}
			break
		}
		r.buf = line // reused for the next line
		r.line++
		line = bytes.TrimRight(line, "\r\n")
		// A CR inside a line ends it too; the rest is a further line.
		if i := bytes.IndexByte(line, '\r'); i >= 0 {
			rest := bytes.TrimLeft(line[i:], "\r")
			line = line[:i]
			if len(rest) > 0 {
				return nil, r.errorf("bare CR inside a line")
			}
		}
		first := r.first
		r.first = false
		if len(line) == 0 && !first {
			if r.eof {
				return nil, io.EOF
			}
			continue
		}
		if len(line) == 0 && r.eof && first {
			return nil, io.EOF
		}
		return line, nil
	}
}

// splitFields splits a line at tabs and undoes the Archive File
// Format's control character translation (see unescape). A raw NUL
// byte, which the translation never writes, stands for LF, as in files
// some msidb versions wrote.
func splitFields(line []byte) []string {
	return appendFields(nil, string(line))
}

// appendFields is splitFields for a line already in a string,
// appending to fields: the fields are substrings of line (one allocation
// per line, not per field) unless they hold escapes. One pass over the
// line finds the tabs and whether a field holds any control character
// (every escape and NUL is one).
func appendFields(fields []string, line string) []string {
	start, ctl := 0, false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c >= 0x20:
		case c == '\t':
			fields = append(fields, field(line[start:i], ctl))
			start, ctl = i+1, false
		default:
			ctl = true
		}
	}
	return append(fields, field(line[start:], ctl))
}

// field undoes the translations of one field that holds a control
// character (ctl).
func field(f string, ctl bool) string {
	if !ctl {
		return f
	}
	if strings.IndexByte(f, 0) >= 0 {
		f = strings.ReplaceAll(f, "\x00", "\n")
	}
	return unescape(f)
}

// ImportFile imports one IDT file into db, as msibuild -i does, and
// returns the table's name: see Import. Binary cells name
// files in the folder <Table> beside the IDT file. Symbolic links there
// (the folder <Table> itself or a cell's file) are refused, so that an IDT
// file cannot pull a file from elsewhere into the package. A cell's file
// is read once: small files (up to 64 KiB each, 16 MiB in all) when the
// import checks them, on Linux in the same open; others when the
// database is written, refused then if they are no longer the file
// checked. A file replaced after the check is never read into the
// package.
func ImportFile(db *msi.Database, name string) (table string, err error) {
	return new(Importer).ImportFile(db, name)
}

// An Importer imports IDT files one after another into a database,
// counting the copies of binary cell files against MaxCellCopies for all
// of them together, as ImportFile counts them for one file: a file that
// the cells of several IDT files name (a hard link in each table's
// folder, or one table imported again and again) is a copy each time
// after the first. The zero value is ready to use; an Importer is not
// safe for concurrent use.
type Importer struct {
	// Output, when not "", is the file the database will be written to
	// (the file a symbolic link there points to). A binary cell naming
	// that file (or a hard link of it) is refused with an error matching
	// safefile.ErrSameFile: the database is written to a new file renamed
	// into place, which would replace the file the cell is read from,
	// an input of the import. A missing Output refuses nothing.
	Output string

	copies copyCount
}

// ImportFile imports one IDT file into db, as the package-level
// ImportFile does, with the copies of the files imported before.
func (im *Importer) ImportFile(db *msi.Database, name string) (table string, err error) {
	f, _, err := safefile.OpenRegular(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	copies := &im.copies
	copies.output = nil
	if im.Output != "" {
		if fi, err := os.Stat(im.Output); err == nil && fi.Mode().IsRegular() {
			copies.output = fi
		}
	}
	return importIDT(db, f, newNoLinkFS(filepath.Dir(name)), name, copies)
}

// copyCount is what the cells of the files imported so far count against
// MaxCellCopies: the bytes of all cells, those of the distinct files
// among them, and which files those are by identity; and the file the
// database is to be written to (Importer.Output), which no cell may name.
type copyCount struct {
	total, unique int64
	distinct      map[fileKey]struct{}
	output        fs.FileInfo // nil: none
}

// isOutput reports whether the cell file p, of identity key (hasKey) or
// information fi, is the output file, and if so returns the refusal.
func (c *copyCount) isOutput(files fs.FS, p string, key fileKey, hasKey bool, fi fs.FileInfo) error {
	if c.output == nil {
		return nil
	}
	same := false
	if k, ok := keyOf(c.output); ok && hasKey {
		same = k == key
	} else if fi != nil {
		same = os.SameFile(c.output, fi)
	}
	if !same {
		return nil
	}
	where := p
	if nl, ok := files.(*noLinkFS); ok {
		where = filepath.Join(nl.dir, filepath.FromSlash(p))
	}
	return fmt.Errorf("%s: %w: the output is a new file renamed into place, which would replace this file the import reads", where, safefile.ErrSameFile)
}

// errSymlink is the reason noLinkFS refuses a path.
var errSymlink = errors.New("is a symbolic link (refused: binary cells are read from regular files in the folder)")

// errChanged is the reason noLinkFS refuses a file or folder replaced
// between its check and its opening.
var errChanged = errors.New("changed while being opened")

// errNotRegular is why checkCellAt refuses a file.
var errNotRegular = errors.New("not a regular file")

// noLinkFS is the file system of the folder dir, like os.DirFS, except that
// a path through a symbolic link (any element below dir) does not open.
// Files are reached through a handle on their folder (an os.Root),
// opened once per folder after checking that the folder is no symbolic
// link and is the folder checked, so that a cell's file costs one stat
// to check it and one open to read it however deep it lies (on Linux,
// checkCell does both in one open: openat, fstat, read, close); a folder
// swapped for a link afterwards changes nothing, as the handle stays on
// the folder checked. The handles stay open while the file system is in
// use (the database reads cell files when it is written); the garbage
// collector closes them with the last lazyFile.
type noLinkFS struct {
	dir   string
	mu    sync.Mutex
	roots map[string]dirHandle // by folder (a slash path, "." for dir)
}

// dirHandle is a folder's handle, or why it could not be opened, and
// where readCellAt can use one, the folder opened as a file (when a file
// of it is first read).
type dirHandle struct {
	root   *os.Root
	err    error
	dir    *os.File
	conn   syscall.RawConn
	noConn bool // folderConn gave none
}

func newNoLinkFS(dir string) *noLinkFS {
	return &noLinkFS{dir: dir, roots: map[string]dirHandle{}}
}

// folder returns the handle of the folder name (a valid path), opening
// its parents first.
func (l *noLinkFS) folder(name string) (*os.Root, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.folderLocked(name)
}

func (l *noLinkFS) folderLocked(name string) (*os.Root, error) {
	if h, ok := l.roots[name]; ok {
		return h.root, h.err
	}
	var h dirHandle
	if name == "." {
		h.root, h.err = os.OpenRoot(l.dir)
	} else {
		parent, elem := path.Split(name)
		if parent == "" {
			parent = "."
		} else {
			parent = parent[:len(parent)-1]
		}
		var pr *os.Root
		if pr, h.err = l.folderLocked(parent); h.err == nil {
			h.root, h.err = l.subfolder(pr, elem, name)
		}
	}
	l.roots[name] = h
	return h.root, h.err
}

// conn returns what readCellAt and checkCellAt read the files of the
// folder dir (a valid path) through, opened for the first file read, or
// nil when there is none.
func (l *noLinkFS) conn(dir string) syscall.RawConn {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.folderLocked(dir); err != nil {
		return nil
	}
	h := l.roots[dir]
	if h.dir == nil && !h.noConn { // opened for the first file read
		if h.dir, h.conn = folderConn(h.root); h.dir == nil {
			h.noConn = true
		}
		l.roots[dir] = h
	}
	return h.conn
}

// splitPath returns the folder of the valid path name ("." for dir) and
// its last element.
func splitPath(name string) (dir, elem string) {
	dir, elem = path.Split(name)
	if dir == "" {
		return ".", elem
	}
	return dir[:len(dir)-1], elem
}

// readKept reads name, checked by Stat as the file key names, into buf
// (its whole size) with readCellAt where it can; done is false if it
// cannot.
func (l *noLinkFS) readKept(name string, key fileKey, buf []byte) (done bool, err error) {
	dir, elem := splitPath(name)
	conn := l.conn(dir)
	if conn == nil {
		return false, nil
	}
	done, err = readCellAt(conn, elem, key, buf)
	if err != nil {
		if err == errSymlink || err == errChanged {
			return true, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return true, l.pathError("read", name, err)
	}
	return done, nil
}

// checkCell is Stat for a cell file that reads it too, in one open (see
// checkCellAt): want, given the file's size and identity, returns the
// buffer to read the whole file into, or nil. It returns the file's
// size and identity and whether it read the file; done is false when
// checkCellAt cannot be used (the caller calls Stat).
func (l *noLinkFS) checkCell(name string, want func(cellInfo) []byte) (info cellInfo, read, done bool, err error) {
	if !fs.ValidPath(name) || name == "." {
		return info, false, false, nil
	}
	dir, elem := splitPath(name)
	conn := l.conn(dir)
	if conn == nil {
		return info, false, false, nil
	}
	done, err = checkCellAt(conn, elem, want, func(ci cellInfo, r bool) error {
		info, read = ci, r
		return nil
	})
	switch {
	case err == errSymlink:
		err = &fs.PathError{Op: "open", Path: name, Err: err}
	case err == errNotRegular:
		err = fmt.Errorf("file %q is not a regular file", name)
	case err != nil:
		err = l.pathError("open", name, err)
	}
	return info, read, done, err
}

// subfolder opens the folder elem of parent (name from dir), refusing a
// symbolic link.
func (l *noLinkFS) subfolder(parent *os.Root, elem, name string) (*os.Root, error) {
	fi, err := parent.Lstat(elem)
	if err != nil {
		return nil, l.pathError("lstat", name, err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errSymlink}
	}
	r, err := parent.OpenRoot(elem)
	if err != nil {
		return nil, l.pathError("open", name, err)
	}
	if got, err := r.Stat("."); err != nil || !os.SameFile(fi, got) {
		r.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: errChanged}
	}
	return r, nil
}

// pathError is err, from an operation on the file name of a folder
// handle, naming the file by its path from the working directory as
// os.Open and os.Lstat do.
func (l *noLinkFS) pathError(op, name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &fs.PathError{Op: op, Path: filepath.Join(l.dir, filepath.FromSlash(name)), Err: err}
}

// split returns the handle of name's folder and name's last element.
func (l *noLinkFS) split(op, name string) (*os.Root, string, error) {
	if !fs.ValidPath(name) || name == "." {
		return nil, "", &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	dir, elem := path.Split(name)
	if dir == "" {
		dir = "."
	} else {
		dir = dir[:len(dir)-1]
	}
	r, err := l.folder(dir)
	return r, elem, err
}

// Open opens name after checking that no element of it is a symbolic link;
// the file opened must be the one checked.
func (l *noLinkFS) Open(name string) (fs.File, error) {
	if name == "." {
		return os.Open(l.dir)
	}
	fi, err := l.Stat(name)
	if err != nil {
		return nil, err
	}
	return l.openSame(name, func(got fs.FileInfo) bool { return os.SameFile(fi, got) })
}

// openSame opens name, which Stat has checked, and returns it if same
// says it is the file checked.
func (l *noLinkFS) openSame(name string, same func(fs.FileInfo) bool) (*os.File, error) {
	r, elem, err := l.split("open", name)
	if err != nil {
		return nil, err
	}
	f, err := r.Open(elem)
	if err != nil {
		return nil, l.pathError("open", name, err)
	}
	if got, err := f.Stat(); err != nil || !same(got) {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: errChanged}
	}
	return f, nil
}

// Stat is Open's check without opening: the file's own information (a
// symbolic link is refused, not followed).
func (l *noLinkFS) Stat(name string) (fs.FileInfo, error) {
	if name == "." {
		return os.Stat(l.dir)
	}
	r, elem, err := l.split("stat", name)
	if err != nil {
		return nil, err
	}
	fi, err := r.Lstat(elem)
	if err != nil {
		return nil, l.pathError("lstat", name, err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errSymlink}
	}
	return fi, nil
}

// Import imports one table into db from IDT text (the format Export and
// msidb write), with the semantics of msibuild -i, and returns the name of
// the table it imported:
//
//   - A table the database lacks is created from the header: column
//     names, types ("s72", "L255", "i2", "I4", "v0", ...) and the key
//     columns named on the third line.
//   - An existing table keeps its columns; all its rows are replaced by
//     the rows of the file (values by position; the file's types must
//     agree with the table's).
//   - Empty fields are null. Binary ("v") cells name a file, read from
//     files as "<Table>/<cell>", that becomes the row's stream.
//   - The names Windows Installer reserves (_Tables, _Columns, _Streams,
//     _Storages, _TransformView, and _StringPool and _StringData, whose
//     table would overwrite the string pool) are refused; _Validation is
//     an ordinary table.
//   - "_SummaryInformation" sets the listed summary information
//     properties ("PropertyId<TAB>Value" rows; times as
//     "YYYY/MM/DD hh:mm:ss" UTC; strings taken as bytes in the property
//     set's codepage), and "_ForceCodepage" sets the database codepage.
//
// Unlike msibuild, malformed input is refused with an *Error rather
// than guessed at: a row with too few or too many fields, an integer that
// does not parse, a header that does not describe a table. The database is
// changed only when the whole file is valid (a row the table refuses, such
// as a duplicate key, stops the import with the rows before it applied).
// A file that holds exactly the table's rows, in any order, changes
// nothing and leaves db unmodified (Database.Modified): its binary cells
// too, when each cell's file holds the bytes of the stream db has for
// that row (compared by size, then by contents, a chunk at a time). If
// any of them differs, every cell file of the table is stored anew.
func Import(db *msi.Database, r io.Reader, files fs.FS) (table string, err error) {
	return importIDT(db, r, files, "", new(copyCount))
}

// TableName returns the table an IDT file's header names, read as Import
// reads it (ForceCodepageTable for a codepage file), from its first three
// lines only: what a caller needs to look at the table before importing
// the file. The header is not otherwise checked; Import does that.
func TableName(r io.Reader) (string, error) {
	h, err := readHeader(newReader(r, ""))
	if err != nil {
		return "", err
	}
	if h.forceCodepage() {
		return ForceCodepageTable, nil
	}
	return h.labels[0], nil
}

type header struct {
	names, types, labels []string
}

// readHeader reads the three header lines: column names, column types,
// then the table name and key columns.
func readHeader(r *reader) (header, error) {
	var lines [3][]string
	for i := range lines {
		line, err := r.next()
		if err == io.EOF {
			if i == 2 {
				// "_ForceCodepage" files have nothing after the codepage line.
				lines[2] = []string{""}
				break
			}
			return header{}, &Error{File: r.name, Line: r.line, Msg: "missing header line " + strconv.Itoa(i+1)}
		}
		if err != nil {
			return header{}, err
		}
		lines[i] = splitFields(line)
	}
	return header{names: lines[0], types: lines[1], labels: lines[2]}, nil
}

// forceCodepage reports whether the header is a codepage file's: the
// codepage and "_ForceCodepage" on the second line, nothing else.
func (h header) forceCodepage() bool {
	return len(h.names) == 1 && h.names[0] == "" && len(h.labels) == 1 && h.labels[0] == "" &&
		len(h.types) == 2 && h.types[1] == ForceCodepageTable
}

func importIDT(db *msi.Database, rd io.Reader, files fs.FS, name string, copies *copyCount) (string, error) {
	r := newReader(rd, name)
	h, err := readHeader(r)
	if err != nil {
		return "", err
	}
	if h.forceCodepage() {
		cp, err := strconv.Atoi(strings.TrimSpace(h.types[0]))
		if err != nil || cp < 0 {
			return "", &Error{File: name, Line: 2, Msg: clip.Sprintf("bad codepage %q", h.types[0])}
		}
		return ForceCodepageTable, db.SetCodepage(cp)
	}
	if len(h.names) != len(h.types) {
		return "", &Error{File: name, Line: 2, Msg: clip.Sprintf("%d column names but %d column types", len(h.names), len(h.types))}
	}
	table := h.labels[0]
	if table == "" {
		return "", &Error{File: name, Line: 3, Msg: "no table name"}
	}
	if !validName(table) {
		return "", &Error{File: name, Line: 3, Msg: clip.Sprintf("bad table name %q", table)}
	}
	for _, c := range h.names {
		if !validName(c) {
			return "", &Error{File: name, Line: 1, Msg: clip.Sprintf("bad column name %q", c)}
		}
	}
	if table == SummaryInformationTable {
		return SummaryInformationTable, importSummary(db, r, h)
	}
	cols := make([]msi.Column, len(h.names))
	for i := range h.names {
		c, err := msi.ParseIDTType(h.types[i])
		if err != nil {
			return "", &Error{File: name, Line: 2, Msg: clip.Sprintf("column %q", h.names[i]), Err: err}
		}
		c.Name = h.names[i]
		c.Number = i + 1
		cols[i] = c
	}
	// Keys are matched to columns through a set of the names, not a
	// scan of the columns per key: the header is not yet checked against
	// the 32 columns a table may have, and 300,000 keys naming one of
	// 300,000 columns (2.1 MB) took minutes.
	if len(h.labels) > 1 {
		names := map[string]bool{}
		for i := range cols {
			names[cols[i].Name] = true
		}
		keys := map[string]bool{}
		for _, k := range h.labels[1:] {
			if !names[k] {
				return "", &Error{File: name, Line: 3, Msg: clip.Sprintf("key column %q is not a column", k)}
			}
			keys[k] = true
		}
		for i := range cols {
			cols[i].Key = keys[cols[i].Name]
		}
	}
	exists := db.HasTable(table)
	if i := strings.IndexAny(table, cfbIllegalNameChars); i >= 0 && !exists {
		return "", &Error{File: name, Line: 3, Msg: clip.Sprintf("table name %q holds %q, which the name of a compound file's stream cannot ([MS-CFB] 2.6.1): neither msikit nor Windows could make its table stream", table, table[i])}
	}
	load, err := db.LoadRows(table, cols)
	if err != nil {
		var ve *msi.ValueError
		if errors.As(err, &ve) {
			return "", &Error{File: name, Line: 3, Msg: clip.Sprintf("table %s cannot be imported: %s", table, ve.Reason)}
		}
		return "", err
	}
	if exists {
		have := load.Columns()
		if len(have) != len(cols) {
			return "", &Error{File: name, Line: 1, Msg: clip.Sprintf("table %s has %d columns, the file %d", table, len(have), len(cols))}
		}
		for i := range have {
			if class(have[i]) != class(cols[i]) {
				return "", &Error{File: name, Line: 2, Msg: clip.Sprintf("column %d (%s) is %s in table %s but %s in the file",
					i+1, have[i].Name, have[i].IDTType(), table, cols[i].IDTType())}
			}
		}
		cols = have
	}
	// Rows are checked and converted to cells as they are read
	// (msi.RowLoader): memory grows with the cells and the new strings,
	// not with the text. Nothing changes in the table before the whole
	// file has been read. A row the table refuses (a null in a non-null
	// column, a string too long...) is remembered: the rows before it
	// are applied, as if inserted one by one, once the rest of the file
	// has parsed.
	type binCell struct {
		row  int
		col  int // column index
		file string
	}
	var (
		rowNum  int // rows read
		bins    []binCell
		refused error // the first row the table refuses
		fields  []string
		vals    = make([]msi.Value, len(cols))
		keys    []msi.Value // a row's key values, for its stream name
		names   streamNames // the binary rows' stream names that can clash
	)
	for {
		line, err := r.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		fields = appendFields(fields[:0], string(line))
		if len(fields) != len(cols) {
			return "", r.errorf("%d fields, table %s has %d columns", len(fields), table, len(cols))
		}
		clear(vals)
		binary := false
		for i, s := range fields {
			if s == "" {
				continue
			}
			switch cols[i].Type {
			case msi.ColInt16, msi.ColInt32:
				n, ok := parseInt32(s)
				if !ok {
					return "", r.errorf("column %s: %q is not an integer", cols[i].Name, s)
				}
				vals[i] = msi.IntValue(n)
			case msi.ColBinary:
				if !fs.ValidPath(table+"/"+s) || strings.Contains(s, "/") {
					return "", r.errorf("column %s: %q is not a file name", cols[i].Name, s)
				}
				if files == nil {
					return "", r.errorf("column %s: binary cell %q but no folder to read it from", cols[i].Name, s)
				}
				vals[i] = msi.BinaryValue()
				bins = append(bins, binCell{row: rowNum, col: i, file: path.Join(table, s)})
				binary = true
			default:
				vals[i] = msi.StrValue(s)
			}
		}
		if binary {
			// The row's binary cells become the stream its key names:
			// a key that cannot name one is refused before anything
			// changes, not once the rows are in the table.
			keys = keys[:0]
			for i, c := range cols {
				if c.Key {
					keys = append(keys, vals[i])
				}
			}
			if err := msi.RowStreamNameError(table, keys); err != nil {
				return "", r.errorf("%v", err)
			}
			if err := r.streamClash(&names, table, keys); err != nil {
				return "", err
			}
		}
		rowNum++
		if refused == nil {
			refused = load.Add(vals) // after a refusal, only parsing the rest
		}
	}
	// Check the binary files exist before changing anything, each
	// file once however many cells name it.
	cellFiles, err := statCells(files, copies, len(bins), func(i int) string { return bins[i].file })
	if err != nil {
		return "", &Error{File: name, Msg: "binary cell", Err: err}
	}
	if load.Unchanged() {
		// The file holds the table's rows. Its binary cells change nothing
		// either when each file holds the bytes of the row's stream.
		same := true
		for _, b := range bins {
			if b.row >= load.Len() {
				break // a row the table refused, not compared
			}
			row, ok := load.Match(b.row)
			if !ok {
				same = false
				break
			}
			eq, err := sameStream(row, cols[b.col].Name, files, b.file)
			if err != nil {
				return "", &Error{File: name, Msg: "binary cell", Err: err}
			}
			if !eq {
				same = false
				break
			}
		}
		if same {
			return table, refused // nothing changes
		}
	}
	t, applied, err := load.Commit()
	if t == nil {
		return table, err
	}
	for i, b := range bins {
		if b.row >= applied {
			break
		}
		lf := cellFiles[i]
		var r io.ReaderAt = lf
		if lf.kept != nil {
			r = lf.set.keptReader(lf.kept)
		}
		if err := db.SetStream(t.Row(b.row).StreamName(), r, lf.size); err != nil {
			return table, &Error{File: name, Msg: "binary cell", Err: err}
		}
	}
	if err != nil {
		return table, err
	}
	return table, refused
}

// streamNames remembers the stream names of the rows read so far that
// another row's could equal, or equal but for case: by a hash of their
// cfb.NameKey, the line, and hashes of the exact name and of the key, so
// that an IDT file of 300,000 such rows costs 10 MB, not the 80 MB of
// the names and keys themselves. (Two names of one hash would make a
// false refusal: with 64-bit hashes, about once in 10^8 imports of
// 300,000 rows.)
type streamNames struct {
	seed maphash.Seed
	m    map[uint64]streamName
}

type streamName struct {
	line       int
	name, keys uint64
}

// streamClash reports the row of table keyed keys, read last, whose
// stream name is that of a row read before, or differs from it only in
// case (the first of each cfb.NameKey is kept in seen). Keys joined by
// "." can give two rows one name (("a.b", "c") and ("a", "b.c") both name
// T.a.b.c), whose one stream would keep the second file's data for both
// cells; and a compound file holds names that differ only in case as one
// entry, so the second stream could not be set. Only names with a
// character outside ASCII can differ only in case (ASCII letters are
// packed, which leaves no case), and only rows of two keys or more, one
// with a ".", can share a name: for the others it does nothing and
// allocates nothing.
func (r *reader) streamClash(seen *streamNames, table string, keys []msi.Value) error {
	ascii, dotted := isASCII(table), false
	for _, k := range keys {
		ascii = ascii && isASCII(k.Str())
		dotted = dotted || len(keys) > 1 && strings.IndexByte(k.Str(), '.') >= 0
	}
	if ascii && !dotted {
		return nil
	}
	var b strings.Builder // short: RowStreamNameError took it
	b.WriteString(table)
	for _, k := range keys {
		b.WriteByte('.')
		b.WriteString(k.String())
	}
	name := b.String()
	u, err := msi.EncodeStreamName(name, false)
	if err != nil {
		return nil
	}
	if seen.m == nil {
		seen.seed, seen.m = maphash.MakeSeed(), map[uint64]streamName{}
	}
	var h maphash.Hash
	h.SetSeed(seen.seed)
	for _, k := range keys {
		v := k.String()
		var n [9]byte // the kind and the length: keys ("a", "b") differ from ("a\x00b")
		n[0] = byte(k.Kind())
		binary.LittleEndian.PutUint64(n[1:], uint64(len(v)))
		h.Write(n[:])
		h.WriteString(v)
	}
	this := streamName{r.line, maphash.String(seen.seed, name), h.Sum64()}
	key := maphash.String(seen.seed, cfb.NameKey(u))
	first, ok := seen.m[key]
	switch {
	case !ok:
		seen.m[key] = this
	case first.name != this.name:
		return r.errorf("binary cell: the row's stream name %q differs only in case from the stream name of line %d's row: a compound file cannot hold both ([MS-CFB] 2.6.4)", name, first.line)
	case first.keys != this.keys:
		return r.errorf("binary cell: the row's stream name %q is also the stream name of line %d's row (its keys joined by \".\"): the one stream cannot hold both cells", name, first.line)
	}
	return nil // the same key: the table refuses the row
}

// isASCII reports whether s is all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// parseInt32 parses a decimal integer as strconv.ParseInt(s, 10, 32)
// does, without allocating.
func parseInt32(s string) (int32, bool) {
	i, neg := 0, false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		i = 1
	}
	if i == len(s) {
		return 0, false
	}
	var n int64
	for ; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n = n*10 + int64(c-'0'); n > 1<<31 {
			return 0, false
		}
	}
	if neg {
		n = -n
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return 0, false
	}
	return int32(n), true
}

// cfbIllegalNameChars are the characters [MS-CFB] 2.6.1 forbids in a
// compound file's entry names, which a table stream's name keeps as they
// are: a new table's name must not hold them. (Packages that already have
// such a table are read, and written back, as they are.)
const cfbIllegalNameChars = "/\\:!"

// validName reports whether s can name a table or column: valid UTF-8
// without control characters (names are stored in the string pool and, for
// tables, in a stream name).
func validName(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// class groups column types the way an IDT type letter does.
func class(c msi.Column) byte {
	switch c.Type {
	case msi.ColInt16, msi.ColInt32:
		return 'i'
	case msi.ColBinary:
		return 'v'
	}
	return 's'
}

// compareChunk is how much of a binary cell file, and as much of the
// stream it is compared with, sameStream reads at a time.
const compareChunk = 32 << 10

// sameStream reports whether file holds exactly the bytes of the stream
// row has in column. A null cell, a stream that is missing or cannot be
// read: each is a difference (storing the file replaces the stream).
// The sizes are compared first, then the contents, a chunk at a time,
// never a whole file in memory. The error is for the file only: it
// cannot be opened or read (it may have gone since it was checked).
func sameStream(row msi.Row, column string, files fs.FS, file string) (bool, error) {
	s, err := row.OpenStream(column)
	if err != nil {
		return false, nil
	}
	f, err := files.Open(file)
	if err != nil {
		return false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	size := s.Size()
	if fi.Size() != size {
		return false, nil
	}
	bufp := compareBufs.Get().(*[2 * compareChunk]byte)
	defer compareBufs.Put(bufp)
	a, b := bufp[:compareChunk], bufp[compareChunk:]
	for off := int64(0); off < size; {
		n := int(min(compareChunk, size-off))
		if _, err := io.ReadFull(f, a[:n]); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return false, nil // the file shrank since its size was read
			}
			return false, err
		}
		if _, err := s.ReadAt(b[:n], off); err != nil {
			return false, nil
		}
		if !bytes.Equal(a[:n], b[:n]) {
			return false, nil
		}
		off += int64(n)
	}
	// The file ends where the stream does (it has not grown since).
	switch n, err := io.ReadFull(f, a[:1]); {
	case n != 0:
		return false, nil
	case err != io.EOF:
		return false, err
	}
	return true, nil
}

// compareBufs holds sameStream's buffers.
var compareBufs = sync.Pool{New: func() any { return new([2 * compareChunk]byte) }}

// MaxCellCopies is how many bytes the binary cells of one imported file
// may store beyond the bytes of the distinct files they name, a cell
// counting at least 4 KiB: a file named by several cells becomes a
// stream for each, so without a bound a 4 MB file named by the 1,000
// lines of an 8 KB IDT file would make a 4 GB package, and a one-byte
// file named by the 450,000 lines of a 4 MB one 450,000 streams. Files
// are told apart by path, and by device and inode where the system
// gives them (hard links are one file). Past the bound, Import and
// ImportFile fail with an *Error wrapping ErrTooLarge and change nothing.
// An Importer applies the bound to all the files it imports together.
const MaxCellCopies = 64 << 20

// minCopyCost is what a cell counts against MaxCellCopies at least.
const minCopyCost = 4 << 10

// ErrTooLarge is wrapped by the error of an import whose binary cells
// name files more often than MaxCellCopies allows.
var ErrTooLarge = errors.New("idt: binary cells copy too many bytes")

// maxKeptCell is the size up to which a cell file named by more than one
// cell is kept in memory once read, instead of being opened again for
// each stream (and each time the stream is read). Other files that small
// are kept too, up to maxKeptBytes in all: each stream is read twice
// (for the new PackageCode, then to write it), and a folder of 250,000
// one-byte cell files spent most of its time opening each file twice.
const (
	maxKeptCell  = 64 << 10
	maxKeptBytes = 16 << 20
)

// statCells checks each distinct file the n cells name (file(i)) once,
// however many cells name it: it exists, is a regular file reached
// without symbolic links (when files is a noLinkFS) and is not copied
// past MaxCellCopies. It returns the lazyFile of each cell, one per
// distinct file, shared by the streams of the cells naming it.
//
// The copies are counted on from those of the files imported before
// (copies), which statCells updates when it succeeds.
func statCells(files fs.FS, copies *copyCount, n int, file func(i int) string) (_ []*lazyFile, err error) {
	set := &cellFiles{fsys: files}
	set.nl, _ = files.(*noLinkFS)
	byPath := make(map[string]*lazyFile, n)
	cells := make([]*lazyFile, n)
	if copies.distinct == nil {
		copies.distinct = make(map[fileKey]struct{}) // files told apart by identity where the system says (hard links)
	}
	distinct := copies.distinct
	var added []fileKey // the identities this file adds, forgotten if it fails
	defer func() {
		if err != nil {
			for _, k := range added {
				delete(distinct, k)
			}
		}
	}()
	total, unique := copies.total, copies.unique
	var kept int64
	for i := range n {
		p := file(i)
		lf := byPath[p]
		if lf == nil {
			var (
				info       cellInfo
				read, done bool
				err        error
				buf        []byte
				statInfo   fs.FileInfo // from fs.Stat, when the file was checked so
			)
			if set.nl != nil && rawCellReads && kept < maxKeptBytes {
				// One open checks the file and reads it when it is
				// kept: four system calls, not a stat now and the
				// four later. (Once maxKeptBytes are kept, a stat
				// checks the file, which is read when it is written.)
				info, read, done, err = set.nl.checkCell(p, func(ci cellInfo) []byte {
					if ci.size > 0 && ci.size <= maxKeptCell && kept+ci.size <= maxKeptBytes {
						buf = set.alloc(ci.size)
					}
					return buf
				})
				if err != nil {
					return nil, err
				}
			}
			if done {
				lf = set.newLazy()
				*lf = lazyFile{set: set, name: p, size: info.size, key: info.key, hasKey: true}
				lf.keep = info.size <= maxKeptCell && kept+info.size <= maxKeptBytes
				if read {
					lf.kept = buf
				}
			} else {
				fi, err := fs.Stat(files, p)
				if err != nil {
					return nil, err
				}
				if !fi.Mode().IsRegular() {
					return nil, fmt.Errorf("file %q is not a regular file", p)
				}
				statInfo = fi
				lf = &lazyFile{set: set, name: p, size: fi.Size()}
				lf.key, lf.hasKey = keyOf(fi)
				lf.keep = lf.size <= maxKeptCell && kept+lf.size <= maxKeptBytes
			}
			if err := copies.isOutput(files, p, lf.key, lf.hasKey, statInfo); err != nil {
				return nil, err
			}
			if lf.keep {
				kept += lf.size
			}
			byPath[p] = lf
			if _, ok := distinct[lf.key]; !ok || !lf.hasKey {
				if lf.hasKey {
					distinct[lf.key] = struct{}{}
					added = append(added, lf.key)
				}
				unique += max(lf.size, minCopyCost)
			}
		} else if lf.size <= maxKeptCell {
			lf.keep = true // shared
		}
		// A copy costs a stream however small the file: a directory
		// entry and a mini sector written, an entry read back, a few
		// hundred bytes of memory meanwhile.
		total += max(lf.size, minCopyCost)
		if total-unique > MaxCellCopies {
			return nil, fmt.Errorf("%w: cell %d (%q) takes the copies of files other cells name past %d bytes (a cell counts at least %d)", ErrTooLarge, i+1, p, MaxCellCopies, minCopyCost)
		}
		cells[i] = lf
	}
	copies.total, copies.unique = total, unique
	return cells, nil
}

// cellFiles is what the lazyFiles of one import share: the file system,
// the chunks the bytes of small files are kept in, and the files open
// for reading. One mutex guards them and the lazyFiles' kept bytes.
type cellFiles struct {
	mu    sync.Mutex
	fsys  fs.FS
	nl    *noLinkFS // fsys, when it is one
	chunk []byte    // the free part of the last chunk of kept bytes
	last  int       // the size of the last chunk
	open  map[*lazyFile]fs.File
	// readers and lazies are the free parts of the last slabs
	// keptReader and newLazy take from.
	readers []keptFile
	lazies  []lazyFile
}

// newLazy returns a zero lazyFile from a slab.
func (s *cellFiles) newLazy() *lazyFile {
	if len(s.lazies) == 0 {
		s.lazies = make([]lazyFile, 64)
	}
	lf := &s.lazies[0]
	s.lazies = s.lazies[1:]
	return lf
}

// keptChunk is the largest of the chunks the bytes of small files are
// kept in (they grow from 4 KiB): 250,000 one-byte files make 1 MB of
// chunks, not 250,000 objects for the garbage collector to look at. A
// file larger than an eighth of it gets its own.
const keptChunk = 256 << 10

// alloc returns n bytes to keep a file in.
func (s *cellFiles) alloc(n int64) []byte {
	if n > keptChunk/8 {
		return make([]byte, n)
	}
	if n > int64(len(s.chunk)) {
		s.last = min(max(4<<10, 2*s.last), keptChunk)
		s.chunk = make([]byte, max(s.last, int(n)))
	}
	b := s.chunk[:n:n]
	s.chunk = s.chunk[n:]
	return b
}

// keptReader returns an io.ReaderAt over b, the bytes of a file read
// when it was checked. Readers come from slabs: the stream of each of
// 250,000 one-byte files costs 24 bytes and no lock, where its lazyFile
// (its name, size and identity, no longer needed) costs 100.
func (s *cellFiles) keptReader(b []byte) *keptFile {
	if len(s.readers) == 0 {
		s.readers = make([]keptFile, 256)
	}
	r := &s.readers[0]
	s.readers = s.readers[1:]
	r.b = b
	return r
}

// keptFile is an io.ReaderAt over the bytes of a file read when it was
// checked.
type keptFile struct{ b []byte }

func (k *keptFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("idt: negative offset")
	}
	if off >= int64(len(k.b)) {
		return 0, io.EOF
	}
	n := copy(p, k.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// lazyFile is an io.ReaderAt over a file of an fs.FS that is opened on
// the first read and closed once the last byte has been read, so that
// importing thousands of binary cells does not hold thousands of open
// files until the database is written. A small file (keep: named by
// several cells, or among the first of maxKeptBytes) is kept in memory
// once read whole. A file checked through a noLinkFS is opened by its
// identity: it must be the file statCells saw.
type lazyFile struct {
	set    *cellFiles
	name   string
	size   int64
	key    fileKey // the identity statCells saw, if hasKey
	hasKey bool
	keep   bool
	kept   []byte // the file's bytes, once read when keep
}

func (l *lazyFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("idt: %s: negative offset", l.name)
	}
	s := l.set
	s.mu.Lock()
	defer s.mu.Unlock()
	if l.kept == nil && l.keep && l.size > 0 {
		if err := l.readAll(); err != nil {
			return 0, err
		}
	}
	if l.kept != nil || l.keep {
		if off >= int64(len(l.kept)) {
			return 0, io.EOF
		}
		n := copy(p, l.kept[off:])
		if n < len(p) {
			return n, io.EOF
		}
		return n, nil
	}
	f := s.open[l]
	if f == nil {
		var err error
		if f, err = l.openFile(); err != nil {
			return 0, err
		}
		if _, ok := f.(io.ReaderAt); !ok {
			f.Close()
			return 0, fmt.Errorf("idt: %s: file system gives no random access", l.name)
		}
		if s.open == nil {
			s.open = make(map[*lazyFile]fs.File)
		}
		s.open[l] = f
	}
	n, err := f.(io.ReaderAt).ReadAt(p, off)
	if off+int64(n) >= l.size || (err != nil && err != io.EOF) {
		f.Close()
		delete(s.open, l)
	}
	return n, err
}

// openFile opens the file: through a noLinkFS, the one statCells
// checked.
func (l *lazyFile) openFile() (fs.File, error) {
	if nl := l.set.nl; nl != nil && l.hasKey {
		return nl.openSame(l.name, func(got fs.FileInfo) bool {
			key, ok := keyOf(got)
			return ok && key == l.key
		})
	}
	return l.set.fsys.Open(l.name)
}

// readAll reads the whole file into l.kept.
func (l *lazyFile) readAll() error {
	if nl := l.set.nl; rawCellReads && nl != nil && l.hasKey {
		kept := l.set.alloc(l.size)
		if done, err := nl.readKept(l.name, l.key, kept); done {
			if err != nil {
				return err
			}
			l.kept = kept
			return nil
		}
	}
	f, err := l.openFile()
	if err != nil {
		return err
	}
	defer f.Close()
	kept := l.set.alloc(l.size)
	if _, err := io.ReadFull(f, kept); err != nil {
		return err
	}
	l.kept = kept
	return nil
}

// importSummary applies a _SummaryInformation IDT body: rows of
// (PropertyId, Value) pairs.
func importSummary(db *msi.Database, r *reader, h header) error {
	si, err := db.SummaryInfo()
	if err != nil {
		return err
	}
	before, berr := si.MarshalBinary() // to tell whether the import changes it
	if len(h.names)%2 != 0 {
		return &Error{File: r.name, Line: 1, Msg: "_SummaryInformation needs PropertyId/Value column pairs"}
	}
	for {
		line, err := r.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		f := splitFields(line)
		if len(f) != len(h.names) {
			return r.errorf("%d fields, want %d", len(f), len(h.names))
		}
		for j := 0; j+1 < len(f); j += 2 {
			pid, err := strconv.ParseUint(strings.TrimSpace(f[j]), 10, 32)
			id := msi.PropertyID(pid)
			if err != nil || id.Type() == msi.PropEmpty || id == msi.PIDThumbnail {
				return r.errorf("unknown summary information property %q", f[j])
			}
			v := f[j+1]
			switch id.Type() {
			case msi.PropInt16, msi.PropInt32:
				n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
				if err != nil {
					return r.errorf("property %s: %q is not an integer", id, v)
				}
				if id.Type() == msi.PropInt16 && (n < -32768 || n > 65535) {
					return r.errorf("property %s: %d does not fit in 16 bits", id, n)
				}
				if id == msi.PIDCodepage {
					// Strings stay as stored bytes, as msibuild keeps them.
					si.SetRawCodepage(int(n))
				} else if err := si.SetInt(id, int32(n)); err != nil {
					return r.errorf("%v", err)
				}
			case msi.PropFiletime:
				ft, err := msi.ParseFiletime(strings.TrimSpace(v))
				if err != nil {
					return r.errorf("property %s: %v", id, err)
				}
				// IDT times have whole seconds: a value within the
				// second the package holds keeps its fraction.
				if cur, ok := si.Filetime(id); !ok || msi.FormatFiletime(cur) != msi.FormatFiletime(ft) {
					si.SetFiletime(id, ft)
				}
			case msi.PropString:
				if err := si.SetRawString(id, []byte(v)); err != nil {
					return r.errorf("%v", err)
				}
			}
		}
	}
	// Values the package holds already change nothing: the summary
	// information is written again only when the import changed it (an
	// export re-imported keeps a signature valid).
	if after, err := si.MarshalBinary(); err == nil && berr == nil && bytes.Equal(before, after) {
		return nil
	}
	return db.SetSummaryInfo(si)
}
