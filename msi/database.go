package msi

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/internal/textmemo"
)

// PackageKind is the kind of package a database is.
type PackageKind int

// The package kinds.
const (
	PackageUnknown     PackageKind = iota // a compound file with an unrecognized root CLSID
	PackageInstaller                      // an installer database (.msi, also .cub validation files)
	PackageMergeModule                    // a merge module (.msm): a ModuleSignature table, and no InstallExecuteSequence or ProductCode
	PackagePatch                          // a patch (.msp): a database plus sub-storages holding transforms
	PackageTransform                      // a transform (.mst): change records, not a full database
)

// String returns the kind's name: "unknown", "installer", "merge module",
// "patch" or "transform".
func (k PackageKind) String() string {
	switch k {
	case PackageInstaller:
		return "installer"
	case PackageMergeModule:
		return "merge module"
	case PackagePatch:
		return "patch"
	case PackageTransform:
		return "transform"
	}
	return "unknown"
}

// The class IDs that tell the package kinds apart, on the root storage of
// a file or on a sub-storage (a transform embedded in a package or a
// patch), in the form cfb.GUID.String gives.
const (
	CLSIDInstaller = "{000C1084-0000-0000-C000-000000000046}"
	CLSIDPatch     = "{000C1086-0000-0000-C000-000000000046}"
	CLSIDTransform = "{000C1082-0000-0000-C000-000000000046}"
)

// ReadOptions holds the limits NewDatabaseOptions enforces on untrusted input.
// The zero value means the defaults.
type ReadOptions struct {
	// MaxEntries and MaxDepth are passed to the cfb reader (0 = its defaults).
	MaxEntries, MaxDepth int
	// MaxStreamBytes limits the size of any one table stream or string
	// pool stream that is read into memory. 0 means the file's size; it is
	// never allowed to exceed the file's size.
	MaxStreamBytes int64
}

// StreamInfo describes a stream of the database that is not a table.
type StreamInfo struct {
	Name  string     // decoded name, e.g. "Binary.Icon" or "\x05SummaryInformation"
	Size  int64      // size in bytes
	Table string     // owning table for "Table.Key…" names of tables with a Binary column, else ""
	Entry *cfb.Entry // the directory entry
}

// Database is an open Windows Installer database. Reading methods may be
// called from several goroutines; edits need exclusive access.
type Database struct {
	mu     sync.Mutex
	cf     *cfb.Reader
	root   *cfb.Entry // the storage the database lives in: cf.Root, or a sub-storage (OpenStorage)
	closer io.Closer
	size   int64
	limit  int64
	kind   PackageKind
	pool   *stringPool

	tables        []*Table // user tables in _Tables order, then created ones
	byName        map[string]*Table
	sysTables     map[string]*Table
	tableStreams  map[string]*cfb.Entry // decoded table name -> stream
	streams       []*cfb.Entry          // non-table streams at the root
	streamNames   []string              // their decoded names, in the same order
	streamByName  map[string]*cfb.Entry
	storages      []*cfb.Entry
	storageNames  []string              // their decoded names, in the same order
	storageByName map[string]*cfb.Entry // the first storage of each name

	overlay     map[string]streamSource // streams set, renamed or deleted by edits
	schemaDirty bool                    // tables created or dropped
	schemaView  [2]*Table               // _Tables and _Columns as edited (schemaTables); nil when stale
	dropped     []string                // dropped tables (their streams are not written)
	strict      bool
	validSets   textmemo.Memo[map[string]struct{}] // long _Validation Set lists, split (strict mode)
	recoded     int64                              // work SetCodepage has done (see maxRecode)
	modified    bool
	// contentModified: tables, schema, codepage or streams other than
	// the summary information changed (the package is another package).
	contentModified bool
	// packageCodeSet: the PackageCode was renewed (or set by the caller)
	// since the database was read.
	packageCodeSet bool
	closed         bool
	path           string // file name given to Open
	// created is the shape of the table CreateTable made last, which
	// the next one of the same columns shares (a transform creating
	// 180,000 tables of one column makes them in a row).
	created *tableSchema
	// streamCase and tableCase index the names of streams and of tables
	// that have case (cfb.HasCase) by a hash (caseSeed) of their
	// cfb.NameKey: a compound file holds two names that differ only in
	// case as one entry, so edits refuse the second (streamCaseClash,
	// tableCaseClash). Built at first need; a name found there may since
	// have gone.
	streamCase map[uint64]string
	tableCase  map[uint64]string
	caseSeed   maphash.Seed // made with the first index

	// Warnings lists recoverable oddities found while reading (from the
	// container and the database) and while editing (values longer than
	// their column's declared size).
	Warnings []string
}

// streamSource is a pending stream change: deleted, or data from r.
type streamSource struct {
	deleted bool
	r       io.ReaderAt
	size    int64
	entry   *cfb.Entry // when the data is an existing stream (renames)
}

// Open opens the named package. Close releases the file.
// A name that is not a regular file (a named pipe, a device, a folder) is
// refused at once, without waiting for a pipe's writer, with an
// *fs.PathError matching fs.ErrInvalid.
func Open(name string) (*Database, error) {
	f, size, err := safefile.OpenRegular(name)
	if err != nil {
		return nil, err
	}
	db, err := NewDatabase(f, size)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	db.closer = f
	db.path = name
	return db, nil
}

// NewDatabase reads a package of the given size from r with default limits.
func NewDatabase(r io.ReaderAt, size int64) (*Database, error) {
	return NewDatabaseOptions(r, size, nil)
}

// NewDatabaseOptions reads a package of the given size from r. It parses
// the container, the string pool, _Tables and _Columns; table rows are
// decoded on first use and streams are read only when opened.
func NewDatabaseOptions(r io.ReaderAt, size int64, opts *ReadOptions) (*Database, error) {
	var o ReadOptions
	if opts != nil {
		o = *opts
	}
	cf, err := cfb.NewReaderOptions(r, size, &cfb.ReaderOptions{MaxEntries: o.MaxEntries, MaxDepth: o.MaxDepth})
	if err != nil {
		return nil, &containerError{err}
	}
	return newDatabase(cf, cf.Root, size, o, false)
}

// containerError is a cfb error met while opening a database. It matches
// ErrFormat as well as cfb.ErrFormat when the container is malformed, so
// that callers checking errors.Is(err, msi.ErrFormat) see every bad package.
type containerError struct{ err error }

func (e *containerError) Error() string { return "msi: " + e.err.Error() }

func (e *containerError) Unwrap() error { return e.err }

func (e *containerError) Is(target error) bool {
	return target == ErrFormat && errors.Is(e.err, cfb.ErrFormat)
}

// newDatabase reads the database below root. With check (Save's
// read-back), streams other than the tables' are not listed, nor
// indexed by name but for those whose names start with \x05 (summary
// information, signatures): checkSaved looks at root's entries itself,
// and 250,000 streams cost no map of their names beside the database
// being saved.
func newDatabase(cf *cfb.Reader, root *cfb.Entry, size int64, o ReadOptions, check bool) (*Database, error) {
	db := &Database{
		cf:           cf,
		root:         root,
		size:         size,
		limit:        size,
		byName:       map[string]*Table{},
		sysTables:    map[string]*Table{},
		tableStreams: map[string]*cfb.Entry{},
		streamByName: map[string]*cfb.Entry{},
		overlay:      map[string]streamSource{},
	}
	if !check {
		db.streamByName = make(map[string]*cfb.Entry, len(root.Children))
		db.streams = make([]*cfb.Entry, 0, len(root.Children))
		db.streamNames = make([]string, 0, len(root.Children))
	}
	if o.MaxStreamBytes > 0 && o.MaxStreamBytes < size {
		db.limit = o.MaxStreamBytes
	}
	if root == cf.Root {
		db.Warnings = append(db.Warnings, cf.Warnings...)
	}
	for _, e := range root.Children {
		if check && e.Type == cfb.TypeStream && !isTableOrControl(e.RawName) {
			continue
		}
		name, isTable := unpackName(e.RawName)
		switch {
		case e.Type == cfb.TypeStream && isTable:
			if _, dup := db.tableStreams[name]; dup {
				db.warnf("duplicate table stream %q ignored", name)
				continue
			}
			db.tableStreams[name] = e
		case e.Type == cfb.TypeStream:
			db.streams = append(db.streams, e)
			db.streamNames = append(db.streamNames, name)
			if pickStream(db.streamByName, name, e) && len(db.Warnings) < 200 {
				db.Warnings = append(db.Warnings, fmt.Sprintf("two streams are named %q; the one with the standard name encoding is used, the other is kept unchanged", name))
			}
		case e.Type == cfb.TypeStorage:
			// Named once here: OpenStorage finds a storage by its name
			// without decoding every storage's name again (a patch of
			// 36,000 transform storages, each opened in turn, took 82 s).
			db.storages = append(db.storages, e)
			db.storageNames = append(db.storageNames, name)
			if db.storageByName == nil {
				db.storageByName = map[string]*cfb.Entry{}
			}
			if _, dup := db.storageByName[name]; !dup {
				db.storageByName[name] = e
			}
		}
	}
	switch root.CLSID.String() {
	case CLSIDInstaller:
		db.kind = PackageInstaller
	case CLSIDPatch:
		db.kind = PackagePatch
	case CLSIDTransform:
		db.kind = PackageTransform
	}
	pe, de := db.tableStreams[poolStream], db.tableStreams[dataStream]
	if pe == nil || de == nil {
		if db.kind == PackageUnknown && db.tableStreams["_Tables"] == nil {
			return nil, &FormatError{Stream: poolStream, Offset: -1, Msg: "not a Windows Installer database (no string pool)"}
		}
		if pe != nil || de != nil || db.tableStreams["_Tables"] != nil {
			return nil, &FormatError{Stream: poolStream, Offset: -1, Msg: "string pool incomplete (_StringPool and _StringData must both be present)"}
		}
		db.pool = newEmptyPool(0)
	} else {
		poolBytes, err := db.readStream(pe, poolStream, "")
		if err != nil {
			return nil, err
		}
		dataBytes, err := db.readStream(de, dataStream, "")
		if err != nil {
			return nil, err
		}
		p, warns, err := parsePool(poolBytes, dataBytes)
		if err != nil {
			return nil, err
		}
		db.pool = p
		db.Warnings = append(db.Warnings, warns...)
	}
	if db.kind == PackageTransform {
		return db, nil
	}
	if db.kind == PackageUnknown && db.tableStreams["_Tables"] == nil {
		return nil, &FormatError{Stream: "_Tables", Offset: -1, Msg: "not a Windows Installer database (no _Tables stream)"}
	}
	if err := db.loadSchema(); err != nil {
		return nil, err
	}
	if db.kind == PackageInstaller || db.kind == PackageUnknown {
		if _, ok := db.byName["ModuleSignature"]; ok && !db.installerEvidence() {
			db.kind = PackageMergeModule
		}
	}
	return db, nil
}

// pickStream records e, a stream named name, in byName and reports
// whether another stream had the name (two streams decode to one name,
// one with a non-standard name encoding): the canonically named one is
// the stream other readers find, the other is kept as it is.
func pickStream(byName map[string]*cfb.Entry, name string, e *cfb.Entry) (dup bool) {
	prev, dup := byName[name]
	if !dup || canonicalName(e.RawName, name) && !canonicalName(prev.RawName, name) {
		byName[name] = e
	}
	return dup
}

// isTableOrControl reports whether raw, a stream's name as stored,
// names a table or starts with a control character (\x05SummaryInformation,
// \x05DigitalSignature): the streams a check-mode newDatabase lists.
func isTableOrControl(raw []uint16) bool {
	return len(raw) > 0 && (raw[0] == tablePrefix || raw[0] < 0x20)
}

// installerEvidence reports whether the database has what only an
// installer database has: a ProductCode property, or rows in
// InstallExecuteSequence. Installers built from merge modules keep the
// modules' ModuleSignature table, so that table alone does not make a
// merge module; a merge module has no ProductCode and sequences its
// actions in the Module* sequence tables (WiX writes the standard
// sequence tables into modules too, empty).
func (db *Database) installerEvidence() bool {
	if t := db.byName["InstallExecuteSequence"]; t != nil && db.load(t) == nil && t.nrows > 0 {
		return true
	}
	t := db.byName["Property"]
	if t == nil || db.load(t) != nil || len(t.keys) != 1 || t.keys[0] != 0 || len(t.cols) < 2 || t.cols[0].Type != ColString {
		return false
	}
	_, ok := t.Lookup(StrValue("ProductCode"))
	return ok
}

// readStream reads a whole stream that must fit the database's limits.
func (db *Database) readStream(e *cfb.Entry, stream, table string) ([]byte, error) {
	if e.Size > db.limit || e.Size < 0 {
		return nil, &FormatError{Table: table, Stream: stream, Offset: -1, Msg: fmt.Sprintf("stream of %d bytes exceeds the limit of %d bytes", e.Size, db.limit)}
	}
	s, err := e.Open()
	if err != nil {
		return nil, &FormatError{Table: table, Stream: stream, Offset: -1, Msg: "cannot open stream", Err: err}
	}
	buf := make([]byte, e.Size)
	n, err := s.ReadAt(buf, 0)
	if n < len(buf) {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, &FormatError{Table: table, Stream: stream, Offset: int64(n), Msg: "stream truncated", Err: err}
	}
	return buf, nil
}

// maxColumns is Windows Installer's limit on the columns of a table.
const maxColumns = 32

// The schemas of the system tables.
var (
	// msiinfo shows no primary key for _Tables and _Columns (they are not
	// described in _Columns), so their Columns are not marked Key; rows are
	// still stored sorted by Name and by (Table, Number).
	tablesCols = []Column{
		{Name: "Name", Type: ColString, Size: 64, Number: 1},
	}
	tablesKeys  = []int{0}
	columnsKeys = []int{0, 1}
	columnsCols = []Column{
		{Name: "Table", Type: ColString, Size: 64, Number: 1},
		{Name: "Number", Type: ColInt16, Size: 2, Number: 2},
		{Name: "Name", Type: ColString, Size: 64, Number: 3},
		{Name: "Type", Type: ColInt16, Size: 2, Number: 4},
	}
	streamsCols = []Column{
		{Name: "Name", Type: ColString, Size: 62, Key: true, Number: 1},
		{Name: "Data", Type: ColBinary, Nullable: true, Number: 2},
	}
	storagesCols = []Column{
		{Name: "Name", Type: ColString, Size: 62, Key: true, Number: 1},
		{Name: "Data", Type: ColBinary, Nullable: true, Number: 2},
	}
)

func keyIndexes(cols []Column) []int {
	var k []int
	for i, c := range cols {
		if c.Key {
			k = append(k, i)
		}
	}
	return k
}

// newTable returns an unloaded table.
func (db *Database) newTable(name string, s *tableSchema, system bool) *Table {
	return &Table{tableSchema: s, db: db, name: name, system: system, entry: db.tableStreams[name]}
}

// maxSharedSchemas bounds the table shapes loadSchema remembers for
// sharing: tables of as many shapes as tables cost no more than they
// would unshared.
const maxSharedSchemas = 1024

// tableSchema is the columns of a table, the indexes of its key columns
// and the string pool its cells name: a table's shape, shared by the
// tables of a database read with the same columns (never changed in
// place: AddColumn gives its table a new one).
type tableSchema struct {
	cols []Column
	keys []int       // indexes of the key columns
	pool *stringPool // the database's pool; a private one for the views
}

// loadSchema decodes _Tables and _Columns and creates the (unloaded) tables.
func (db *Database) loadSchema() error {
	tt := db.newTable("_Tables", &tableSchema{cols: tablesCols, keys: tablesKeys, pool: db.pool}, true)
	ct := db.newTable("_Columns", &tableSchema{cols: columnsCols, keys: columnsKeys, pool: db.pool}, true)
	for _, t := range []*Table{tt, ct} {
		if err := db.load(t); err != nil {
			return err
		}
		db.sysTables[t.name] = t
	}
	// The column definitions by table: _Columns rows ordered by their
	// table's string id (stored so already, in real packages), found by
	// binary search for each _Tables row. Tables with the same columns
	// share one []Column (and key list): a database of many tables of
	// one shape costs a Table each, not a copy of the shape each.
	byTable := make([]uint32, ct.nrows)
	for i := range byTable {
		byTable[i] = uint32(i)
	}
	tableOf := func(r uint32) uint32 { return ct.cells[int(r)*len(ct.cols)] }
	if !slices.IsSortedFunc(byTable, func(a, b uint32) int { return cmp.Compare(tableOf(a), tableOf(b)) }) {
		slices.SortStableFunc(byTable, func(a, b uint32) int { return cmp.Compare(tableOf(a), tableOf(b)) })
	}
	type colDef struct {
		num    int
		name   string
		nameID uint32
		bits   uint16
		null   bool
	}
	var (
		d       []colDef
		scratch []Column
		key     []byte
	)
	schemas := map[string]*tableSchema{}
	noColumns := &tableSchema{pool: db.pool} // the tables that fail to load
	var nameBytes int64                      // of the columns of the tables so far (maxColumnNameBytes)
	// Sized once for the tables _Tables can name (no more than the pool
	// has distinct strings): 450,000 tables regrew both many times.
	n := min(tt.nrows, db.pool.size())
	db.byName = make(map[string]*Table, n)
	db.tables = make([]*Table, 0, n)
	for r := range tt.Rows() {
		id := r.cells[0]
		name := db.pool.str(id)
		if name == "" {
			return formatErr("_Tables", "_Tables", -1, "table with a null name")
		}
		if _, dup := db.byName[name]; dup {
			// One warning a repeat, bounded (warnf): 1.4 million rows
			// naming a few tables (3 bytes each) were 1.4 million
			// warnings, 200 MB.
			db.warnf("_Tables lists %q twice", name)
			continue
		}
		t := db.newTable(name, noColumns, false)
		lo, _ := slices.BinarySearchFunc(byTable, id, func(r, id uint32) int { return cmp.Compare(tableOf(r), id) })
		d = d[:0]
		for _, cr := range byTable[lo:] {
			if tableOf(cr) != id {
				break
			}
			row := ct.Row(int(cr))
			if row.cells[1] == 0 || row.cells[3] == 0 {
				d = append(d, colDef{null: true})
				continue
			}
			d = append(d, colDef{
				num:    int(row.At(1).Int()),
				name:   row.At(2).Str(),
				nameID: row.cells[2],
				bits:   uint16(row.cells[3] ^ 0x8000),
			})
		}
		if len(d) > maxColumns {
			t.err = formatErr(name, "_Columns", -1, "table has %d columns; at most %d are allowed", len(d), maxColumns)
			d = d[:0]
		}
		sort.SliceStable(d, func(i, j int) bool { return d[i].num < d[j].num })
		scratch, key = scratch[:0], key[:0]
		namesBefore := nameBytes
		for i, cd := range d {
			if cd.null {
				t.err = formatErr(name, "_Columns", -1, "column definition with a null number or type")
				break
			}
			if cd.num != i+1 {
				t.err = formatErr(name, "_Columns", -1, "column numbers are not 1..%d (found %d at position %d)", len(d), cd.num, i+1)
				break
			}
			c, err := columnFromBits(cd.bits)
			if err != nil {
				t.err = formatErr(name, "_Columns", -1, "column %s: %v", cd.name, err)
				break
			}
			c.Name, c.Number = cd.name, cd.num
			scratch = append(scratch, c)
			// The name by its string id, not its text: one pooled
			// 64 KiB name for the 32 columns of 12,000 tables was
			// 2 MB a table to copy and hash (2.9 s to open 4 MB).
			key = binary.LittleEndian.AppendUint16(key, cd.bits)
			key = binary.LittleEndian.AppendUint32(key, cd.nameID)
			nameBytes += int64(len(cd.name))
		}
		if t.err == nil && len(scratch) == 0 {
			t.err = errNoColumns // made t's own when asked for (failure)
		}
		if t.err == nil && nameBytes > maxColumnNameBytes {
			// Every table that lists its columns (tables -l, an IDT
			// header, JSON) writes the names again: a pooled name
			// counts for each table that uses it.
			t.err = errColumnNames
		}
		if t.err != nil {
			nameBytes = namesBefore // a table that fails lists no column
		}
		if t.err == nil {
			s, ok := schemas[string(key)]
			if !ok {
				cols := slices.Clone(scratch)
				s = &tableSchema{cols: cols, keys: keyIndexes(cols), pool: db.pool}
				if len(schemas) < maxSharedSchemas {
					schemas[string(key)] = s
				}
			}
			t.tableSchema = s
		}
		db.tables = append(db.tables, t)
		db.byName[name] = t
	}
	return nil
}

// errNoColumns is the err of a table that _Tables names and _Columns
// gives no column, which failure names the table in an error of its own:
// a package can name 450,000 such tables (3 bytes each in _Tables), and
// an error each cost 100 bytes a table before any was asked for.
var errNoColumns = &FormatError{Stream: "_Columns", Offset: -1, Msg: "table has no columns"}

// maxColumnNameBytes bounds the bytes of the column names of all the
// tables of a database, a name counted for each table that has it: real
// packages have some 20 KB; 12,000 tables whose 32 columns are all named
// by one pooled 64 KiB text would have 25 GB to list (tables -l) or write
// (export's IDT headers).
const maxColumnNameBytes = 16 << 20

// errColumnNames is the err of a table whose column names take the
// column names of the tables up to it past maxColumnNameBytes (made the
// table's own by failure).
var errColumnNames = &FormatError{Stream: "_Columns", Offset: -1, Msg: "column names past the limit"}

// failure returns t.err, which names t: for errNoColumns and
// errColumnNames, a new error each time (held by no table). The error of
// a table without columns is its FormatError alone, its text errNoColumns'
// own: listing 360,000 such tables makes one each (info, tables -l).
func (t *Table) failure() error {
	switch t.err {
	case error(errNoColumns):
		return &FormatError{Table: t.name, Stream: errNoColumns.Stream, Offset: errNoColumns.Offset, Msg: errNoColumns.Msg}
	case error(errColumnNames):
		return formatErr(t.name, "_Columns", -1, "its column names take the column names of the tables up to it past %d MiB (a name counts for each table that has it)", maxColumnNameBytes>>20)
	}
	return t.err
}

// load decodes a table's rows (once).
func (db *Database) load(t *Table) error {
	if t.loaded {
		return t.failure()
	}
	t.loaded = true
	if t.err != nil {
		return t.failure()
	}
	if t.entry == nil {
		return nil
	}
	data, err := db.readStream(t.entry, t.name, t.name)
	if err != nil {
		t.err = err
		return err
	}
	t.cells, t.nrows, t.err = decodeTable(t.name, t.cols, db.pool.refSize(), data, db.pool.nsrc)
	return t.err
}

// Kind returns the package kind.
func (db *Database) Kind() PackageKind { return db.kind }

// Codepage returns the codepage of the string pool (0 means neutral).
// Strings are converted from and to it for 874, 932, 936, 949, 950,
// 1250-1258 and 65001; text of other codepages reads as Windows-1252 and
// keeps its bytes.
func (db *Database) Codepage() int { return db.pool.codec.cp }

// Close closes the file opened by Open. It is a no-op for databases from
// NewDatabase.
func (db *Database) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.closed = true
	if db.closer != nil {
		c := db.closer
		db.closer = nil
		return c.Close()
	}
	return nil
}

// TableNames returns the names of the tables, in _Tables order (new
// tables last). For a transform it returns the tables the transform
// changes (its table streams other than the string pool).
func (db *Database) TableNames() []string {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.kind == PackageTransform {
		var out []string
		for name := range db.tableStreams {
			if name != poolStream && name != dataStream {
				out = append(out, name)
			}
		}
		sort.Strings(out)
		return out
	}
	out := make([]string, len(db.tables))
	for i, t := range db.tables {
		out[i] = t.name
	}
	return out
}

// HasTable reports whether the database has the table name: one that
// TableNames lists, or one of the system tables and views _Tables,
// _Columns, _Streams and _Storages. When it reports false, Table fails
// with an error matching ErrNoTable (on a transform, Table fails for every
// table, with an *UnsupportedError).
func (db *Database) HasTable(name string) bool {
	switch name {
	case "_Tables", "_Columns", "_Streams", "_Storages":
		return true
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.kind == PackageTransform {
		_, ok := db.tableStreams[name]
		return ok && name != poolStream && name != dataStream
	}
	return db.byName[name] != nil
}

// Table returns the named table, decoding its rows on first use. The
// system tables _Tables and _Columns and the views _Streams and _Storages
// are available read-only. A table the database does not have gives an
// error matching ErrNoTable (see HasTable); a table that cannot be decoded
// gives one matching ErrFormat, naming the table.
func (db *Database) Table(name string) (*Table, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.kind == PackageTransform {
		return nil, &UnsupportedError{Table: name, Msg: "tables of a transform hold change records; applying transforms is not supported"}
	}
	if t := db.byName[name]; t != nil {
		if err := db.load(t); err != nil {
			return nil, err
		}
		return t, nil
	}
	switch name {
	case "_Tables", "_Columns":
		if db.schemaDirty {
			sysT, sysC := db.schemaTables()
			if name == "_Tables" {
				return sysT, nil
			}
			return sysC, nil
		}
		return db.sysTables[name], nil
	case "_Streams":
		return db.streamsView(), nil
	case "_Storages":
		return db.storagesView(), nil
	}
	return nil, fmt.Errorf("%w %q", ErrNoTable, name)
}

// streamsView builds the _Streams view (Name, Data).
func (db *Database) streamsView() *Table {
	t := db.newTable("_Streams", &tableSchema{cols: streamsCols, keys: keyIndexes(streamsCols), pool: newEmptyPool(65001)}, true)
	t.loaded = true
	for _, si := range db.streamInfos() {
		id := t.pool.internRaw([]byte(si.Name), si.Name, false)
		t.cells = append(t.cells, id, 1)
		t.nrows++
	}
	return t
}

// storagesView builds the _Storages view (Name, Data).
func (db *Database) storagesView() *Table {
	t := db.newTable("_Storages", &tableSchema{cols: storagesCols, keys: keyIndexes(storagesCols), pool: newEmptyPool(65001)}, true)
	t.loaded = true
	for _, name := range db.storageNames {
		id := t.pool.internRaw([]byte(name), name, false)
		t.cells = append(t.cells, id, 0) // Data is null, as msiinfo shows it
		t.nrows++
	}
	return t
}

// hasStream reports whether Streams would list name, without listing
// them all (a package may hold hundreds of thousands). The caller holds
// db.mu.
func (db *Database) hasStream(name string) bool {
	if o, ok := db.overlay[name]; ok {
		return !o.deleted
	}
	return db.streamByName[name] != nil
}

// Streams lists the streams at the root that are not tables, in directory
// order, including streams added with SetStream and without deleted ones.
func (db *Database) Streams() []StreamInfo {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.streamInfos()
}

func (db *Database) streamInfos() []StreamInfo {
	out := make([]StreamInfo, 0, len(db.streams))
	var seen map[string]bool // only when two streams share a name
	if len(db.streamByName) < len(db.streams) {
		seen = map[string]bool{}
	}
	for i, e := range db.streams {
		name := db.streamNames[i]
		if seen != nil {
			if seen[name] {
				continue
			}
			seen[name] = true
			e = db.streamByName[name] // of two copies, the one readers use
		}
		si := StreamInfo{Name: name, Size: e.Size, Entry: e, Table: db.streamOwner(name)}
		if len(db.overlay) > 0 {
			if o, ok := db.overlay[name]; ok {
				if o.deleted {
					continue
				}
				si.Size, si.Entry = o.size, o.entry
			}
		}
		out = append(out, si)
	}
	var added []string
	for name, o := range db.overlay {
		if db.streamByName[name] == nil && !o.deleted {
			added = append(added, name)
		}
	}
	sort.Strings(added)
	for _, name := range added {
		o := db.overlay[name]
		out = append(out, StreamInfo{Name: name, Size: o.size, Entry: o.entry, Table: db.streamOwner(name)})
	}
	return out
}

// streamOwner returns the table whose Binary column a stream name belongs to.
func (db *Database) streamOwner(name string) string {
	i := strings.IndexByte(name, '.')
	if i <= 0 {
		return ""
	}
	t := db.byName[name[:i]]
	if t == nil {
		return ""
	}
	for _, c := range t.cols {
		if c.Type == ColBinary {
			return t.name
		}
	}
	return ""
}

// OpenStream opens a stream by its decoded name ("Binary.Icon",
// "\x05SummaryInformation"), as the database stands: a stream replaced or
// added with SetStream reads from the source given to SetStream, and a
// deleted one is an error. Each call returns an independent reader. A
// stream the database does not have (or no longer has) is an error
// matching fs.ErrNotExist. An error of the reader the database reads
// from names the stream and the offset in it, and wraps that error.
func (db *Database) OpenStream(name string) (*io.SectionReader, error) {
	db.mu.Lock()
	if o, ok := db.overlay[name]; ok {
		db.mu.Unlock()
		if o.deleted {
			return nil, noStream(fmt.Sprintf("msi: stream %q was deleted", clip.String(name)))
		}
		if o.entry != nil {
			return openEntry(o.entry, name)
		}
		return io.NewSectionReader(streamReaderAt{exactReaderAt{o.r}, name}, 0, o.size), nil
	}
	e := db.streamByName[name]
	db.mu.Unlock()
	if e == nil {
		return nil, noStream(fmt.Sprintf("msi: no stream %q", clip.String(name)))
	}
	return openEntry(e, name)
}

// noStream is the error of a stream the database does not have: it
// matches fs.ErrNotExist.
type noStream string

func (e noStream) Error() string        { return string(e) }
func (e noStream) Is(target error) bool { return target == fs.ErrNotExist }

func openEntry(e *cfb.Entry, name string) (*io.SectionReader, error) {
	s, err := e.Open()
	if err != nil {
		return nil, err
	}
	return io.NewSectionReader(streamReaderAt{s, name}, 0, s.Size()), nil
}

// streamReaderAt reads stream name from r, naming the stream and the
// offset in it in an error of the reader below (an embedder's reader
// whose disk went away): the end of the stream (io.EOF) and a file
// shorter than it (io.ErrUnexpectedEOF) are returned as they are.
type streamReaderAt struct {
	r    io.ReaderAt
	name string
}

func (s streamReaderAt) ReadAt(b []byte, off int64) (int, error) {
	n, err := s.r.ReadAt(b, off)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		err = fmt.Errorf("msi: stream %q at offset %d: %w", clip.String(s.name), off+int64(n), err)
	}
	return n, err
}

// exactReaderAt reads the source of a stream set with SetStream, which
// must hold the size given there: a source that ends early is an
// io.ErrUnexpectedEOF, never a silently shorter stream.
type exactReaderAt struct{ r io.ReaderAt }

func (x exactReaderAt) ReadAt(b []byte, off int64) (int, error) {
	n, err := x.r.ReadAt(b, off)
	if n == len(b) {
		return n, nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// Storages returns the names of the sub-storages at the root (embedded
// transforms of patches, nested databases).
func (db *Database) Storages() []string {
	return slices.Clone(db.storageNames)
}

// OpenStorage opens the sub-storage name at the root of db (as Storages
// lists it) as a database of its own: an embedded transform (":1031" in
// TRANSFORMS names the storage "1031"), a transform inside a patch, a
// nested database. Its kind comes from the storage's CLSID, so an embedded
// transform is a PackageTransform. It reads from db's file (closing db
// closes it too) within db's limits (ReadOptions), and writing it writes
// the storage as a file of its own, as msiexec extracts an embedded
// transform. A missing storage is an error matching fs.ErrNotExist.
func (db *Database) OpenStorage(name string) (*Database, error) {
	if db.closed {
		return nil, ErrClosed
	}
	e := db.storageByName[name]
	if e == nil {
		return nil, fmt.Errorf("msi: storage %q: %w", name, fs.ErrNotExist)
	}
	sub, err := newDatabase(db.cf, e, db.size, ReadOptions{MaxStreamBytes: db.limit}, false)
	if err != nil {
		return nil, fmt.Errorf("msi: storage %s: %w", name, err)
	}
	return sub, nil
}

// Signed reports whether the package carries a digital signature
// (\x05DigitalSignature or \x05MsiDigitalSignatureEx).
func (db *Database) Signed() bool {
	return db.streamByName[DigitalSignatureStream] != nil || db.streamByName[DigitalSignatureExStream] != nil
}

// maxWarnings bounds Warnings: hostile input could otherwise add one per
// row.
const maxWarnings = 1000

// warnf adds a warning, up to maxWarnings.
func (db *Database) warnf(format string, args ...any) {
	switch {
	case len(db.Warnings) < maxWarnings:
		db.Warnings = append(db.Warnings, fmt.Sprintf(format, args...))
	case len(db.Warnings) == maxWarnings:
		db.Warnings = append(db.Warnings, "further warnings suppressed")
	}
}

// Modified reports whether anything was changed since the database was read.
func (db *Database) Modified() bool { return db.modified }

// Path returns the file name the database was opened from with Open, or
// "" for a database read with NewDatabase.
func (db *Database) Path() string { return db.path }
