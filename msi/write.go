package msi

import (
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/safefile"
)

// WriteOptions controls Write and Save.
type WriteOptions struct {
	// DropSignature removes \x05DigitalSignature and
	// \x05MsiDigitalSignatureEx. Without it, writing a changed signed
	// package fails with an error wrapping ErrSigned.
	DropSignature bool
	// Compact renumbers the string pool (dropping free slots) and
	// re-encodes every table, as a repack does.
	Compact bool
	// KeepPackageCode keeps the PackageCode of a package whose contents
	// changed. By default such a write gives it a new one, as two
	// different packages must not share a PackageCode: derived from the
	// old one and the bytes the write produces anew (see
	// Database.PackageCode), so that the same change to the same package
	// gives the same output.
	KeepPackageCode bool
}

// SaveOptions controls Save.
type SaveOptions struct {
	// WriteOptions are the options of the write itself.
	WriteOptions
	// InPlace allows Save to replace the file the database was opened
	// from. The replacement is still atomic, and it is always flushed to
	// stable storage (as with Sync), since the old file is the only copy.
	InPlace bool
	// Sync flushes the new file to stable storage before it is renamed
	// into place, and the folder after, so that even a power cut leaves
	// path either as it was or complete. Without it Save is as durable as
	// cp: the rename is atomic for every reader and against the process
	// being killed, but a power cut soon after may leave an empty or short
	// file on some file systems. Syncing costs the time the disk needs to
	// write the whole file.
	Sync bool
}

// WriteTo writes the database as a compound file to w with the default
// options (see Write). It makes Database an io.WriterTo.
func (db *Database) WriteTo(w io.Writer) (int64, error) {
	return db.Write(w, nil)
}

// Save writes the database to path atomically: a temporary file in the
// same folder is renamed over path only when everything was written, read
// back and (with SaveOptions.Sync) flushed to stable storage. The read-back
// opens the new file as a database and decodes the string pool and every
// table written anew, and checks that the other tables and the streams set
// with SetStream are there: a file msikit could not read is never renamed
// into place (the error then says the new file does not read back). Saving
// over the file the database was opened from requires InPlace, and is
// always flushed. A symbolic link at path is followed: the file it points
// to is replaced and the link kept.
func (db *Database) Save(path string, opts *SaveOptions) error {
	var o SaveOptions
	if opts != nil {
		o = *opts
	}
	if db.path != "" {
		if err := safefile.CheckDistinct(db.path, path, o.InPlace); err != nil {
			return fmt.Errorf("msi: %w", err)
		}
	}
	wo := &o.WriteOptions
	// Plan first, so that a refused write (a signed package) never
	// creates the temporary file.
	if err := db.checkWritable(wo); err != nil {
		return err
	}
	var written []string
	return safefile.WriteFile(path, &safefile.Options{
		Sync:          db.saveSyncs(path, &o),
		FollowSymlink: true,
		Check: func(r io.ReaderAt, size int64) error {
			return db.checkSaved(r, size, written)
		},
	}, func(w io.Writer) error {
		if saveHook != nil {
			w = saveHook(w)
		}
		var err error
		_, written, err = db.writeTo(w, wo)
		return err
	})
}

// Test hooks: saveHook wraps the writer Save fills, planHook sees each
// write plan, so that tests can make a writer produce garbage.
var (
	saveHook func(io.Writer) io.Writer
	planHook func(*writePlan)
)

// sameTableNames reports whether out, a database of the same kind (not a
// transform), lists the tables db lists, in any order, without a sorted
// copy of either list: the names of each are distinct, so the same count
// and each of out's names a table of db's (byName) make the same names.
// The copies cost 11.5 MB beside both databases for the 360,000 tables
// of msi-columnless-tables.msi, when the two are held at once.
func (db *Database) sameTableNames(out *Database) bool {
	db.mu.Lock()
	defer db.mu.Unlock()
	if len(out.tables) != len(db.tables) {
		return false
	}
	for _, t := range out.tables {
		if db.byName[t.name] == nil {
			return false
		}
	}
	return true
}

// checkSaved reads back a file Save has just written, before it is renamed
// into place: it must open as a database (container, string pool, _Tables
// and _Columns), every table written anew (tables) must decode against the
// new pool, every other table must still be there, and the streams set
// with SetStream must be present with their sizes (summary information:
// decoded). Unchanged table streams are copied byte for byte and not
// decoded again, so the check costs about what decoding the changed
// tables costs, whatever the size of the package.
func (db *Database) checkSaved(r io.ReaderAt, size int64, tables []string) error {
	cf, err := cfb.NewReader(r, size)
	if err != nil {
		return &containerError{err}
	}
	out, err := newDatabase(cf, cf.Root, size, ReadOptions{}, true)
	if err != nil {
		return err
	}
	defer out.Close()
	if out.Kind() != db.Kind() {
		return fmt.Errorf("msi: the new file is a %v, not a %v", out.Kind(), db.Kind())
	}
	for _, name := range tables {
		switch name {
		case poolStream, dataStream, "_Tables", "_Columns":
			continue // read by NewDatabase
		}
		if err := out.checkTable(name); err != nil {
			return err
		}
	}
	if db.kind != PackageTransform && !db.sameTableNames(out) {
		got, want := out.TableNames(), db.TableNames()
		slices.Sort(got)
		slices.Sort(want)
		return fmt.Errorf("msi: the new file lists tables %q, the database %q", got, want)
	}
	// The streams set are checked by a digest, without a map of either
	// side's names: each stream of the new file whose name is set must
	// have the size set, and their names must be the names set, each
	// once (the same count and the same sum of 64-bit hashes of the
	// names). Anything else is looked at again stream by stream
	// (streamsWritten), which says which stream is wrong, or finds that
	// the difference is a second stream decoding to a name set (copied
	// through as it was) beside the one written. 250,000 streams set
	// would otherwise cost a map of 250,000 names beside both databases.
	db.mu.Lock()
	defer db.mu.Unlock()
	seed := maphash.MakeSeed()
	var want, got streamDigest
	summarySet := false
	for name, src := range db.overlay {
		if !src.deleted {
			want.add(seed, name)
			summarySet = summarySet || name == SummaryInfoStream
		}
	}
	sizesAgree := true
	for _, e := range out.root.Children {
		if e.Type != cfb.TypeStream {
			continue
		}
		name, isTable := unpackName(e.RawName)
		if isTable {
			continue
		}
		if src, ok := db.overlay[name]; ok && !src.deleted {
			got.add(seed, name)
			sizesAgree = sizesAgree && e.Size == src.streamSize()
		}
	}
	if !sizesAgree || got != want {
		if err := db.streamsWritten(out.root); err != nil {
			return err
		}
	}
	if summarySet {
		if _, err := out.SummaryInfo(); err != nil {
			return err
		}
	}
	return nil
}

// streamDigest sums 64-bit hashes of stream names, and counts them: two
// lists of names with the same digest hold the same names, as many
// times each, but for a chance of one in 2⁶⁴.
type streamDigest struct {
	n   int
	sum uint64
}

func (d *streamDigest) add(seed maphash.Seed, name string) {
	d.n++
	d.sum += maphash.String(seed, name)
}

// streamSize is the size of the stream src sets.
func (src streamSource) streamSize() int64 {
	if src.entry != nil {
		return src.entry.Size
	}
	return src.size
}

// streamsWritten checks, stream by stream, that each stream set (db.mu
// held) is in root, the new file's root, with its size: the stream
// readers find under its name (the canonically named one, where two
// decode to it).
func (db *Database) streamsWritten(root *cfb.Entry) error {
	byName := map[string]*cfb.Entry{}
	for _, e := range root.Children {
		if e.Type != cfb.TypeStream {
			continue
		}
		if name, isTable := unpackName(e.RawName); !isTable {
			if _, ok := db.overlay[name]; ok {
				pickStream(byName, name, e)
			}
		}
	}
	for name, src := range db.overlay {
		if src.deleted {
			continue
		}
		n := src.streamSize()
		e := byName[name]
		if e == nil || e.Size != n {
			var got int64
			if e != nil {
				got = e.Size
			}
			return fmt.Errorf("msi: stream %q was not written whole (%d of %d bytes)", name, got, n)
		}
	}
	return nil
}

// checkTable checks that table name's rows decode, as Table would,
// without keeping them (the read-back of a big table costs no second copy
// of its cells).
func (db *Database) checkTable(name string) error {
	t := db.byName[name]
	if t == nil || t.loaded || t.err != nil || t.entry == nil {
		_, err := db.Table(name)
		return err
	}
	data, err := db.readStream(t.entry, t.name, t.name)
	if err != nil {
		return err
	}
	return checkTableData(t.name, t.cols, db.pool.refSize(), data, db.pool.nsrc)
}

// saveSyncs reports whether Save flushes: when asked, and when path is the
// file the database was opened from.
func (db *Database) saveSyncs(path string, o *SaveOptions) bool {
	return o.Sync || (db.path != "" && safefile.Same(db.path, path))
}

// DropsSignature reports whether writing with opts removes the digital
// signature: the package is signed, DropSignature is set and the write
// changes what the signature covers (an edit, or Compact). A write that
// changes nothing copies every stream, the signature included, and keeps
// it valid.
func (db *Database) DropsSignature(opts *WriteOptions) bool {
	return opts != nil && opts.DropSignature && db.Signed() && db.changesContents(opts)
}

// changesContents reports whether a write with o writes anything other
// than a copy of what was read.
func (db *Database) changesContents(o *WriteOptions) bool {
	return db.modified || o.Compact || db.needsPackageCode(o)
}

func (db *Database) checkWritable(o *WriteOptions) error {
	if db.closed {
		return ErrClosed
	}
	if db.kind == PackageTransform && (db.modified || o.Compact) {
		return &UnsupportedError{Msg: "writing changed transforms is not supported"}
	}
	if db.Signed() && !o.DropSignature && (db.modified || o.Compact) {
		return ErrSigned
	}
	return nil
}

// Write writes the database as a compound file to w. Changed
// tables (all tables with Compact) are re-encoded with their rows sorted
// by primary key, string keys by string-pool id; the string pool is
// rebuilt with exact reference counts and without unused strings, keeping
// the codepage and the ids of the strings that stay (references become 3
// bytes wide only when more than 65535 ids are needed); every other stream
// and storage is copied through with its metadata (cfb Writer.Copy: same
// bytes, CLSIDs, state bits and times). Nothing is written to w before the
// new tables and pool have been built.
func (db *Database) Write(w io.Writer, opts *WriteOptions) (int64, error) {
	n, _, err := db.writeTo(w, opts)
	return n, err
}

// writeTo is Write, also returning the names of the table streams
// it encoded anew (the string pool's included).
func (db *Database) writeTo(w io.Writer, opts *WriteOptions) (int64, []string, error) {
	var o WriteOptions
	if opts != nil {
		o = *opts
	}
	if err := db.checkWritable(&o); err != nil {
		return 0, nil, err
	}
	renew := db.needsPackageCode(&o)
	var old string
	if renew {
		var err error
		if old, err = db.PackageCode(); err != nil {
			return 0, nil, fmt.Errorf("msi: new PackageCode: %w", err)
		}
	}
	db.mu.Lock()
	plan, err := db.plan(&o)
	var code string
	if err == nil && renew {
		code, err = db.derivePackageCode(plan, old)
	}
	db.mu.Unlock()
	if err != nil {
		return 0, nil, err
	}
	if renew {
		// The summary information is not part of the plan: setting it
		// now leaves the plan as it is.
		if _, err := db.SetPackageCode(code); err != nil {
			return 0, nil, err
		}
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if planHook != nil {
		planHook(plan)
	}
	// The cfb writer gets w itself: an *os.File lets it copy unchanged
	// streams inside the kernel. It counts what it writes (the file's
	// offset is not that count for a file opened to append, nor for a
	// device such as /dev/null, and it was reported as 0 there).
	cwr := cfb.NewWriter(w, &cfb.WriterOptions{Version: db.cf.Version})
	if err := db.emit(cwr, plan, &o); err != nil {
		return cwr.Written(), nil, db.writeErr(err, plan)
	}
	if err := cwr.Close(); err != nil {
		return cwr.Written(), nil, db.writeErr(err, plan)
	}
	tables := make([]string, 0, len(plan.tables))
	for name := range plan.tables {
		tables = append(tables, name)
	}
	sort.Strings(tables)
	return cwr.Written(), tables, nil
}

// writeErr gives a write error the package prefix. A failed write to the
// destination (an *fs.PathError with Op "write", a full disk say) already
// names the file and the operation, so it is given the prefix alone, not
// the cfb layer's as well: "msi: write out.msi: no space left on device".
// A stream whose bytes could not be read (*cfb.StreamError: the source
// file failed under a table being copied) is named as the database names
// it, not by its encoded name: see streamWriteError. The caller holds
// db.mu.
func (db *Database) writeErr(err error, plan *writePlan) error {
	var se *cfb.StreamError
	if errors.As(err, &se) {
		return db.streamWriteError(se, plan)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Op == "write" {
		return fmt.Errorf("msi: %w", pe)
	}
	return fmt.Errorf("msi: writing: %w", err)
}

// A StreamWriteError is the error of Write and Save when the bytes of
// one stream of the new file could not be had: reading them from the
// source file failed as it was copied. Table is the table whose stream
// it is ("" for another stream), Stream the stream's decoded name (a
// storage's streams: its path), Column and Row (1-based, in the order
// of the stream's rows) the cell of the table at Offset, the byte offset
// in the stream, when the table's columns are known ("" and 0 when
// not). Err is the cfb layer's *cfb.StreamError.
type StreamWriteError struct {
	Table  string
	Stream string
	Column string
	Row    int
	Offset int64
	Err    error
}

// Error formats the error as "msi: writing table T: column C, row R
// (offset N): cause", or "msi: writing stream S: offset N: cause".
func (e *StreamWriteError) Error() string {
	var b strings.Builder
	if e.Table != "" {
		fmt.Fprintf(&b, "msi: writing table %s: ", e.Table)
	} else {
		fmt.Fprintf(&b, "msi: writing stream %s: ", e.Stream)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, "column %s, row %d (offset %d)", e.Column, e.Row, e.Offset)
	} else {
		fmt.Fprintf(&b, "offset %d", e.Offset)
	}
	var se *cfb.StreamError
	if errors.As(e.Err, &se) {
		// The cfb error names the stream by its encoded name: its cause
		// alone is given.
		fmt.Fprintf(&b, ": %s: %v", se.Doing(), se.Err)
	} else if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *StreamWriteError) Unwrap() error { return e.Err }

// streamWriteError names the stream of se as db does: a table by its
// name and, for a table copied as it was read whose columns are known,
// the column and row of the offset; another stream by its decoded name.
// The caller holds db.mu.
func (db *Database) streamWriteError(se *cfb.StreamError, plan *writePlan) *StreamWriteError {
	e := &StreamWriteError{Stream: se.Path, Offset: se.Offset, Err: se}
	if !se.Root {
		return e
	}
	name, isTable := unpackName(se.RawName)
	e.Stream = name
	if !isTable {
		return e
	}
	e.Table = name
	if _, generated := plan.tables[name]; generated {
		return e
	}
	t := db.byName[name]
	if t == nil || !t.loaded || t.err != nil || len(t.cols) == 0 || se.Offset < 0 {
		return e
	}
	refSize := 2
	if db.pool.longRefs {
		refSize = 3
	}
	// Column-major: each column's cells, a row after another.
	off := se.Offset
	for _, c := range t.cols {
		w := int64(c.width(refSize))
		if n := w * int64(t.nrows); off < n {
			e.Column, e.Row = c.Name, int(off/w)+1
			return e
		}
		off -= int64(w) * int64(t.nrows)
	}
	return e
}

// writePlan is what a write produces besides copied streams.
type writePlan struct {
	tables map[string]planStream // table streams to write (decoded names)
	omit   map[string]bool       // source table streams not to copy
	// streams are the streams set but the summary information, sorted
	// by name, when derivePackageCode has listed them: emit takes the
	// new ones from there rather than sorting them again.
	streams []namedSource
}

// planStream is a stream a write encodes: its bytes are produced as the
// cfb writer copies them.
type planStream struct {
	r    io.ReaderAt
	size int64
}

// plan builds the new string pool and re-encodes the tables that need it.
func (db *Database) plan(o *WriteOptions) (*writePlan, error) {
	p := db.pool
	if db.kind == PackageTransform {
		return &writePlan{tables: map[string]planStream{}, omit: map[string]bool{}}, nil
	}
	// Decode every table: exact refcounts need all references.
	keepAll := false
	for _, t := range db.tables {
		if err := db.load(t); err != nil {
			if t.dirty {
				return nil, err
			}
			keepAll = true // cannot count its references: keep every source string
		}
	}
	// A stream is known by the tables' own index (byName holds the name
	// of every table in db.tables): a set of their names made here held
	// 13.5 MB for the 360,000 tables of a 4.9 MB package.
	dropped := make(map[string]bool, len(db.dropped))
	for _, d := range db.dropped {
		dropped[d] = true
	}
	var unknown []string
	for name := range db.tableStreams {
		switch {
		case name == "_Tables" || name == "_Columns" || name == poolStream || name == dataStream:
		case db.byName[name] != nil || dropped[name]:
		default:
			unknown = append(unknown, name)
		}
	}
	// A table stream without a schema: its strings must stay. Warned
	// about in name order, within the bound of warnf (a stream each:
	// 40,000 at 5 MB).
	slices.Sort(unknown)
	for _, name := range unknown {
		keepAll = true
		db.warnf("table stream %q has no schema; all strings kept", name)
	}
	compact := o.Compact && !keepAll
	if !db.modified && !compact {
		// Nothing changed: copy everything, the pool included.
		return &writePlan{tables: map[string]planStream{}, omit: map[string]bool{}}, nil
	}

	// System tables: regenerate when the schema changed.
	sysT, sysC := db.sysTables["_Tables"], db.sysTables["_Columns"]
	schemaDirty := db.schemaDirty
	if schemaDirty {
		sysT, sysC = db.schemaTables()
	}
	all := append([]*Table{sysT, sysC}, db.tables...)

	// Count references by canonical id (added strings equal to a source
	// string count for, and are written as, the source string). remap
	// holds the canonical ids first, then the output ids.
	remap := make([]uint32, p.size())
	p.canonical(remap)
	refs := make([]uint16, p.size())
	for _, t := range all {
		if t.err != nil {
			continue
		}
		n := len(t.cols)
		for ci, c := range t.cols {
			if c.Type != ColString {
				continue
			}
			for r := 0; r < t.nrows; r++ {
				if id := remap[t.cells[r*n+ci]]; refs[id] != 0xffff {
					refs[id]++
				}
			}
		}
	}
	refs[0] = 0

	// Assign output ids, in order of pool ids: a canonical id keeps its
	// string when it is referenced (or every source string is kept);
	// another id is written as its canonical id, which is below it.
	out := &poolOut{p: p, remap: remap, refs: refs}
	next := uint32(1) // the next output id
	// assign gives id the output id next if it keeps its string.
	assign := func(id int) {
		if c := remap[id]; c != uint32(id) {
			remap[id] = remap[c]
			return
		}
		n := len(p.raw(uint32(id)))
		if n == 0 || refs[id] == 0 && !(keepAll && id < p.nsrc) {
			remap[id] = 0
			return
		}
		remap[id] = next
		next++
		out.data += int64(n)
		if n >= 0x10000 {
			out.nLong++
		}
	}
	if compact {
		for id := 1; id < p.size(); id++ {
			assign(id)
		}
	} else {
		// Source strings keep their ids; the unused ones become free
		// slots, and free slots after the last used one are dropped.
		last := 0
		for id := 1; id < p.nsrc; id++ {
			next = uint32(id)
			if assign(id); remap[id] != 0 {
				last = id
			}
		}
		next = uint32(last) + 1
		out.srcSlots = int(next)
		for id := p.nsrc; id < p.size(); id++ {
			assign(id)
		}
	}
	out.n = int(next)
	long := out.n-1 > 0xffff
	out.long = long
	refSize := 2
	if long {
		refSize = 3
	}
	reencodeAll := compact || long != p.longRefs
	if reencodeAll && keepAll && long != p.longRefs {
		return nil, &UnsupportedError{Msg: "string references must change width but some tables cannot be decoded"}
	}

	plan := &writePlan{tables: map[string]planStream{}, omit: map[string]bool{poolStream: true, dataStream: true}}
	poolGen, dataGen := out.streams()
	plan.tables[poolStream] = planStream{poolGen, poolGen.size}
	plan.tables[dataStream] = planStream{dataGen, dataGen.size}
	for _, d := range db.dropped {
		plan.omit[d] = true
	}
	for _, t := range all {
		dirty := t.dirty || reencodeAll || (schemaDirty && (t == sysT || t == sysC))
		if !dirty {
			continue
		}
		if t.err != nil {
			return nil, t.failure()
		}
		plan.omit[t.name] = true
		if t.nrows == 0 {
			continue
		}
		order := sortOrder(t.cols, t.keys, t.cells, t.nrows, remap)
		g := tableStream(t.cols, refSize, t.cells, t.nrows, order, remap)
		plan.tables[t.name] = planStream{g, g.size}
	}
	return plan, nil
}

// schemaTables returns _Tables and _Columns as the schema now is (after
// CreateTable, AddColumn or DropTable), built once for each change: the
// tables in db.tables order, the columns of each table that has them. The
// source _Columns rows of the tables whose columns could not be read, and
// those naming no table, are kept as they are: a write that changes the
// schema must not lose them. The caller holds db.mu.
func (db *Database) schemaTables() (sysT, sysC *Table) {
	if v := db.schemaView; v[0] != nil {
		return v[0], v[1]
	}
	p := db.pool
	sysT = &Table{tableSchema: &tableSchema{cols: tablesCols, keys: tablesKeys, pool: p}, db: db, name: "_Tables", loaded: true, system: true}
	sysC = &Table{tableSchema: &tableSchema{cols: columnsCols, keys: columnsKeys, pool: p}, db: db, name: "_Columns", loaded: true, system: true}
	regenerated := make(map[string]bool, len(db.tables)+len(db.dropped))
	for _, t := range db.tables {
		tid := p.internRaw(mustEncode(p, t.name), t.name, false)
		sysT.cells = append(sysT.cells, tid)
		sysT.nrows++
		if len(t.cols) == 0 {
			continue // its columns could not be read: its source rows stay
		}
		regenerated[t.name] = true
		for _, c := range t.cols {
			cid := p.internRaw(mustEncode(p, c.Name), c.Name, false)
			sysC.cells = append(sysC.cells, tid, uint32(uint16(c.Number)^0x8000), cid, uint32(c.bits()^0x8000))
			sysC.nrows++
		}
	}
	for _, d := range db.dropped {
		regenerated[d] = true
	}
	if src := db.sysTables["_Columns"]; src != nil && src.err == nil {
		n := len(src.cols)
		keep := map[uint32]bool{} // by table name id: decided once each
		for r := 0; r < src.nrows; r++ {
			row := src.cells[r*n : (r+1)*n]
			k, seen := keep[row[0]]
			if !seen {
				k = !regenerated[p.str(row[0])]
				keep[row[0]] = k
			}
			if k {
				sysC.cells = append(sysC.cells, row...)
				sysC.nrows++
			}
		}
	}
	db.schemaView = [2]*Table{sysT, sysC}
	return sysT, sysC
}

func mustEncode(p *stringPool, s string) []byte {
	b, ok := p.codec.encode(s)
	if !ok {
		return []byte(s)
	}
	return b
}

// emit adds every entry of the new file to w.
func (db *Database) emit(w *cfb.Writer, plan *writePlan, o *WriteOptions) error {
	root := db.root
	w.SetRoot(cfb.Header{RawName: root.RawName, CLSID: root.CLSID, StateBits: root.StateBits, Created: root.Created, Modified: root.Modified})
	written := map[string]bool{}
	for _, e := range root.Children {
		name, isTable := unpackName(e.RawName)
		switch {
		case e.Type == cfb.TypeStream && isTable:
			if data, ok := plan.tables[name]; ok && !written["\x00"+name] {
				written["\x00"+name] = true
				h := headerOf(e)
				if err := w.CreateHeaderFrom("", &h, data.r, data.size); err != nil {
					return err
				}
				continue
			}
			if plan.omit[name] {
				continue
			}
			if err := w.Copy(e); err != nil {
				return err
			}
		case e.Type == cfb.TypeStream:
			if o.DropSignature && (db.modified || o.Compact) && (name == DigitalSignatureStream || name == DigitalSignatureExStream) {
				continue
			}
			if src, ok := db.overlay[name]; ok && db.streamByName[name] == e {
				// Only the copy readers use changes; a second copy
				// with a non-standard name is copied through below.
				if src.deleted || written[name] {
					continue
				}
				written[name] = true
				h := headerOf(e)
				if err := db.emitSource(w, &h, src); err != nil {
					return err
				}
				continue
			}
			if err := w.Copy(e); err != nil {
				return err
			}
		default:
			if err := w.Copy(e); err != nil {
				return err
			}
		}
	}
	// New table streams (pool included when the source lacked one).
	var names []string
	for name := range plan.tables {
		if !written["\x00"+name] {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		raw, err := packName(name, true)
		if err != nil {
			return fmt.Errorf("msi: table %s: %w", name, err)
		}
		data := plan.tables[name]
		if err := w.CreateHeaderFrom("", &cfb.Header{RawName: raw}, data.r, data.size); err != nil {
			return err
		}
	}
	// New streams, in name order.
	isNew := func(name string, src streamSource) bool {
		return !src.deleted && !written[name] && db.streamByName[name] == nil
	}
	var added []namedSource
	if plan.streams != nil {
		// Sorted already: only the summary information, which the new
		// PackageCode may have set since, is put in its place.
		added = make([]namedSource, 0, len(plan.streams)+1)
		for _, ns := range plan.streams {
			if isNew(ns.name, ns.src) {
				added = append(added, ns)
			}
		}
		if src, ok := db.overlay[SummaryInfoStream]; ok && isNew(SummaryInfoStream, src) {
			i, _ := slices.BinarySearchFunc(added, SummaryInfoStream, func(ns namedSource, name string) int { return strings.Compare(ns.name, name) })
			added = slices.Insert(added, i, namedSource{SummaryInfoStream, src})
		}
	} else {
		for name, src := range db.overlay {
			if isNew(name, src) {
				added = append(added, namedSource{name, src})
			}
		}
		slices.SortFunc(added, func(a, b namedSource) int { return strings.Compare(a.name, b.name) })
	}
	for _, ns := range added {
		raw, err := packName(ns.name, false)
		if err != nil {
			return fmt.Errorf("msi: stream %q: %w", ns.name, err)
		}
		h := cfb.Header{RawName: raw}
		if err := db.emitSource(w, &h, ns.src); err != nil {
			return err
		}
	}
	return nil
}

func (db *Database) emitSource(w *cfb.Writer, h *cfb.Header, src streamSource) error {
	if src.entry != nil {
		s, err := src.entry.Open()
		if err != nil {
			return err
		}
		return w.CreateHeaderFrom("", h, s, src.entry.Size)
	}
	return w.CreateHeaderFrom("", h, src.r, src.size)
}

func headerOf(e *cfb.Entry) cfb.Header {
	return cfb.Header{RawName: e.RawName, CLSID: e.CLSID, StateBits: e.StateBits, Created: e.Created, Modified: e.Modified}
}
