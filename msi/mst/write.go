package mst

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/msi"
)

// ErrNoChanges is returned by Write for changes that change nothing
// (Windows' MsiDatabaseGenerateTransform returns ERROR_NO_DATA for two
// identical databases and writes no file).
var ErrNoChanges = errors.New("mst: the databases do not differ: no transform to write")

// SummaryOptions chooses what NewSummary puts in a generated transform's
// summary information beyond what the two databases say.
type SummaryOptions struct {
	// Validation and Suppress become PID 16 (high and low word). The
	// zero values are msitran's defaults: no validation, no error
	// condition suppressed.
	Validation Validation
	Suppress   ErrorConditions
	// Created is PID 12 (Create Time/Date); the zero value means now.
	Created time.Time
}

// NewSummary returns the summary information Windows Installer wants in a
// transform from old to new: PID 1 the codepage of new's summary
// information, 2 "Transform", 3 to 6 new's Subject, Author, Keywords and
// Comments, 7 old's platform and language (the database the transform
// applies to: its Template's platform and its ProductLanguage), 8 new's,
// 9 "{old ProductCode}old ProductVersion;{new ProductCode}new
// ProductVersion;{old UpgradeCode}", 12 the creation time, 14 the greater
// of the two databases' Page Count, 16 the validation flags (high word)
// and error conditions to suppress (low word), 18 "msikit", 19 4 (read
// only enforced).
func NewSummary(old, new *msi.Database, o *SummaryOptions) (*msi.SummaryInfo, error) {
	var opts SummaryOptions
	if o != nil {
		opts = *o
	}
	osi, err := old.SummaryInfo()
	if err != nil {
		return nil, err
	}
	nsi, err := new.SummaryInfo()
	if err != nil {
		return nil, err
	}
	op, err := properties(old, "ProductCode", "ProductVersion", "UpgradeCode", "ProductLanguage")
	if err != nil {
		return nil, err
	}
	np, err := properties(new, "ProductCode", "ProductVersion", "ProductLanguage")
	if err != nil {
		return nil, err
	}
	si := msi.NewSummaryInfo()
	cp := nsi.Codepage()
	if _, ok := nsi.Int(msi.PIDCodepage); !ok {
		cp = 1252
	}
	if err := si.SetInt(msi.PIDCodepage, int32(cp)); err != nil {
		return nil, err
	}
	platLang := func(si *msi.SummaryInfo, lang string) string {
		plat, langs := splitTemplate(si.String(msi.PIDTemplate))
		if lang == "" {
			lang, _, _ = strings.Cut(langs, ",")
		}
		return plat + ";" + lang
	}
	strs := []struct {
		id msi.PropertyID
		v  string
	}{
		{msi.PIDTitle, "Transform"},
		{msi.PIDSubject, nsi.String(msi.PIDSubject)},
		{msi.PIDAuthor, nsi.String(msi.PIDAuthor)},
		{msi.PIDKeywords, nsi.String(msi.PIDKeywords)},
		{msi.PIDComments, nsi.String(msi.PIDComments)},
		{msi.PIDTemplate, platLang(osi, op["ProductLanguage"])},
		{msi.PIDLastAuthor, platLang(nsi, np["ProductLanguage"])},
		{msi.PIDRevision, op["ProductCode"] + op["ProductVersion"] + ";" + np["ProductCode"] + np["ProductVersion"] + ";" + op["UpgradeCode"]},
		{msi.PIDAppName, "msikit"},
	}
	for _, s := range strs {
		if s.v == "" {
			continue
		}
		if err := si.SetString(s.id, s.v); err != nil {
			return nil, err
		}
	}
	created := opts.Created
	if created.IsZero() {
		created = time.Now()
	}
	if err := si.SetTime(msi.PIDCreated, created.UTC()); err != nil {
		return nil, err
	}
	pages := int32(200)
	for _, s := range []*msi.SummaryInfo{osi, nsi} {
		if n, ok := s.Int(msi.PIDPageCount); ok && n > pages {
			pages = n
		}
	}
	s := Summary{Validation: opts.Validation, Suppress: opts.Suppress}
	for _, p := range []struct {
		id msi.PropertyID
		n  int32
	}{{msi.PIDPageCount, pages}, {msi.PIDCharCount, s.CharCount()}, {msi.PIDSecurity, 4}} {
		if err := si.SetInt(p.id, p.n); err != nil {
			return nil, err
		}
	}
	return si, nil
}

// Write writes changes c as a transform file to w, with the summary
// information si (NewSummary; nil writes none, which
// MsiDatabaseApplyTransform accepts but an installation's TRANSFORMS=
// validation does not): a compound file with the transform CLSID, its own
// string pool (codepage c.Codepage, the strings its records use, with
// their reference counts), a _Tables and a _Columns stream for the schema
// changes (new tables' columns with a null Number, added columns numbered
// after the table's last), one stream of change records per table
// (records in the order of c, deletes of a table after its inserts and
// updates when c came from Diff) and one stream per binary cell set. It
// returns ErrNoChanges, writing nothing, when c changes nothing.
func Write(w io.Writer, c *Changes, si *msi.SummaryInfo) error {
	if c.Empty() {
		return ErrNoChanges
	}
	pool := msi.NewStringPoolWriter(c.Codepage)
	type stream struct {
		name  string
		table bool
		data  []byte
		src   *io.SectionReader
	}
	var streams []stream
	// First pass: intern every string in the order the records use them
	// (ids are assigned by first use). Records are not kept: each pass
	// reads them again (the _Tables and _Columns ones are made anew), and
	// the first keeps only the ids of their present string cells, in
	// order, which the second takes back in the same order. A transform
	// creating 200,000 tables or a million rows costs those ids, not a
	// Record and its Values each.
	type encoded struct {
		tc  *TableChange
		ids []uint32
	}
	intern := func(cols []msi.Column, recs iter.Seq[Record], nrecs int) (ids []uint32, n int, err error) {
		// Sized once for every string cell (an update's absent cells
		// are fewer): grown by appending, 1.9 million ids (380,000 new
		// Registry rows) took twice their 7.6 MB while growing.
		nstr := 0
		for _, col := range cols {
			if col.Type == msi.ColString {
				nstr++
			}
		}
		ids = make([]uint32, 0, nrecs*nstr)
		for r := range recs {
			for i, col := range cols {
				if col.Type != msi.ColString || !r.Present(i) {
					continue
				}
				id, err := pool.Add(r.Values[i])
				if err != nil {
					return nil, 0, err
				}
				ids = append(ids, id)
			}
			n++
		}
		return ids, n, nil
	}
	// The _Tables and _Columns records are counted first: their ids,
	// grown by appending, allocated 12 MB for the 400,000 records of
	// 200,000 tables created (msi-50k-empty-tables.msi), 2.4 MB kept.
	var nTableRecs, nColumnRecs int
	for _, tc := range c.Tables {
		if tc.Created {
			nTableRecs++
		}
		if tc.Dropped {
			nTableRecs++
		}
		if !tc.Dropped || tc.Created {
			nColumnRecs += len(tc.Added)
		}
	}
	tablesIDs, nTables, err := intern(tablesColumns, tablesRecords(c), nTableRecs)
	if err != nil {
		return err
	}
	columnsIDs, nColumns, err := intern(columnsColumns, columnsRecords(c), nColumnRecs)
	if err != nil {
		return err
	}
	var enc []encoded
	for _, tc := range c.Tables {
		if tc.Len() == 0 {
			continue
		}
		if tc.Columns == nil {
			return fmt.Errorf("mst: table %s: records without columns cannot be written", tc.Name)
		}
		ids, _, err := intern(tc.Columns, tc.Records(), tc.Len())
		if err != nil {
			return fmt.Errorf("mst: table %s: %w", tc.Name, err)
		}
		enc = append(enc, encoded{tc: tc, ids: ids})
	}
	refSize := pool.RefSize()

	// Second pass: encode the records.
	encode := func(cols []msi.Column, recs iter.Seq[Record], n int, allIDs []uint32) ([]byte, error) {
		// No record is longer than a mask and a full row.
		width := 2
		for _, col := range cols {
			switch col.Type {
			case msi.ColString:
				width += refSize
			case msi.ColInt32:
				width += 4
			default:
				width += 2
			}
		}
		b := make([]byte, 0, n*width)
		ids := make([]uint32, len(cols))
		for r := range recs {
			// This record's string ids, as the first pass added them.
			for i, col := range cols {
				ids[i] = 0
				if col.Type == msi.ColString && r.Present(i) {
					ids[i], allIDs = allIDs[0], allIDs[1:]
				}
			}
			var mask uint16
			switch r.Op {
			case Insert:
				n := len(cols)
				mask = uint16(n<<8 | 1)
				r.Has = uint32(1)<<n - 1
			case Delete:
				mask = 0
			case Update:
				var keys uint32
				for i, col := range cols {
					if col.Key {
						keys |= 1 << i
					}
				}
				changed := r.Has &^ keys
				if changed>>16 != 0 {
					return nil, fmt.Errorf("mst: an update of column %d, which a record mask cannot name (columns 1 to 16)", bits.Len32(changed))
				}
				if changed == 0 {
					continue // nothing but the key: nothing to update
				}
				mask = uint16(changed)
				r.Has = changed | keys
			}
			b = binary.LittleEndian.AppendUint16(b, mask)
			for i, col := range cols {
				present := r.Present(i) || col.Key
				if r.Op == Delete {
					present = col.Key
				}
				if !present {
					continue
				}
				v := r.Values[i]
				switch col.Type {
				case msi.ColString:
					id := ids[i]
					if refSize == 3 {
						b = append(b, byte(id), byte(id>>8), byte(id>>16))
					} else {
						b = binary.LittleEndian.AppendUint16(b, uint16(id))
					}
				case msi.ColInt16:
					var cell uint16
					if !v.IsNull() {
						cell = uint16(int16(v.Int())) ^ 0x8000
					}
					b = binary.LittleEndian.AppendUint16(b, cell)
				case msi.ColInt32:
					var cell uint32
					if !v.IsNull() {
						cell = uint32(v.Int()) ^ 0x80000000
					}
					b = binary.LittleEndian.AppendUint32(b, cell)
				case msi.ColBinary:
					var cell uint16
					if !v.IsNull() {
						cell = 1
					}
					b = binary.LittleEndian.AppendUint16(b, cell)
				}
			}
		}
		return b, nil
	}
	if nTables > 0 {
		data, err := encode(tablesColumns, tablesRecords(c), nTables, tablesIDs)
		if err != nil {
			return err
		}
		streams = append(streams, stream{name: "_Tables", table: true, data: data})
	}
	if nColumns > 0 {
		data, err := encode(columnsColumns, columnsRecords(c), nColumns, columnsIDs)
		if err != nil {
			return err
		}
		streams = append(streams, stream{name: "_Columns", table: true, data: data})
	}
	var binaryNames map[string]struct{} // the binary cells' streams gathered
	for _, e := range enc {
		data, err := encode(e.tc.Columns, e.tc.Records(), e.tc.Len(), e.ids)
		if err != nil {
			return fmt.Errorf("mst: table %s: %w", e.tc.Name, err)
		}
		if len(data) > 0 {
			streams = append(streams, stream{name: e.tc.Name, table: true, data: data})
		}
		if !slices.ContainsFunc(e.tc.Columns, func(c msi.Column) bool { return c.Type == msi.ColBinary }) {
			continue
		}
		// Binary cells' streams, each name once: rows of one key (a
		// table holding a row many times over) would otherwise open a
		// stream each before the sort below found them.
		for r := range e.tc.Records() {
			if r.Op == Delete {
				continue
			}
			for i, col := range e.tc.Columns {
				if col.Type != msi.ColBinary || !(r.Present(i) || r.Op == Insert) || r.Values[i].IsNull() {
					continue
				}
				name := StreamName(e.tc.Name, e.tc.Key(r))
				if _, ok := binaryNames[name]; ok {
					return fmt.Errorf("mst: two binary cells name the stream %q", clip.String(name))
				}
				src, err := c.openStream(name)
				if err != nil {
					return fmt.Errorf("mst: table %s: binary cell: %w", e.tc.Name, err)
				}
				if binaryNames == nil {
					binaryNames = map[string]struct{}{}
				}
				binaryNames[name] = struct{}{}
				streams = append(streams, stream{name: name, src: src})
			}
		}
	}
	// _StringData is read from the strings where they are when the file
	// is written, not copied first (30 MB for rewrite --as-transform of
	// 380,000 new Registry rows).
	poolData, strData := pool.EncodeReader()
	streams = append(streams, stream{name: "_StringPool", table: true, data: poolData}, stream{name: "_StringData", table: true, src: strData})
	if si != nil {
		b, err := si.MarshalBinary()
		if err != nil {
			return err
		}
		streams = append(streams, stream{name: msi.SummaryInfoStream, data: b})
	}

	cw := cfb.NewWriter(w, nil)
	clsid, err := cfb.ParseGUID(msi.CLSIDTransform)
	if err != nil {
		return err
	}
	cw.SetRoot(cfb.Header{CLSID: clsid})
	sort.SliceStable(streams, func(i, j int) bool { return streams[i].name < streams[j].name })
	for i, s := range streams {
		if i > 0 && streams[i-1].name == s.name && streams[i-1].table == s.table {
			return fmt.Errorf("mst: two binary cells name the stream %q", s.name)
		}
		raw, err := msi.EncodeStreamName(s.name, s.table)
		if err != nil {
			return fmt.Errorf("mst: stream %q: %w", s.name, err)
		}
		var r io.ReaderAt = bytes.NewReader(s.data)
		size := int64(len(s.data))
		if s.src != nil {
			r, size = s.src, s.src.Size()
		}
		if err := cw.CreateHeaderFrom("", &cfb.Header{RawName: raw}, r, size); err != nil {
			return err
		}
	}
	return cw.Close()
}

// tablesRecords returns the _Tables records of c: its created tables,
// then its dropped ones. A record's Values are valid until the next one.
func tablesRecords(c *Changes) iter.Seq[Record] {
	return func(yield func(Record) bool) {
		var vals [1]msi.Value
		for _, drop := range []bool{false, true} {
			for _, tc := range c.Tables {
				if drop && tc.Dropped || !drop && tc.Created {
					op := Insert
					if drop {
						op = Delete
					}
					vals[0] = msi.StrValue(tc.Name)
					if !yield(Record{Op: op, Has: 1, Values: vals[:]}) {
						return
					}
				}
			}
		}
	}
}

// columnsRecords returns the _Columns records of c: the columns of
// created tables (Number null), then the columns added to existing ones
// (numbered). A record's Values are valid until the next one.
func columnsRecords(c *Changes) iter.Seq[Record] {
	return func(yield func(Record) bool) {
		var vals [4]msi.Value
		for _, tc := range c.Tables {
			if len(tc.Added) == 0 || tc.Dropped && !tc.Created {
				continue
			}
			first := len(tc.Columns) - len(tc.Added) + 1
			for i, col := range tc.Added {
				number := msi.Null
				if !tc.Created {
					number = msi.IntValue(int32(first + i))
				}
				vals = [4]msi.Value{msi.StrValue(tc.Name), number, msi.StrValue(col.Name), msi.IntValue(int32(int16(col.TypeBits())))}
				if !yield(Record{Op: Insert, Has: 0xf, Values: vals[:]}) {
					return
				}
			}
		}
	}
}

// SaveOptions controls Save.
type SaveOptions struct {
	// Sync flushes the new file to stable storage before it is renamed
	// into place (see msi.SaveOptions.Sync).
	Sync bool
	// Base, when set, is the database the changes apply to: the written
	// transform is decoded against it before the rename, and must give
	// the same tables and records as c.
	Base *msi.Database
	// Written, when set, is called once the transform is written and
	// before it is read back, which uses neither the changes nor the
	// databases they refer to (Base aside): the caller may then close
	// the database the changes were made to and let it go, which Save
	// no longer holds (rewrite --as-transform reads the transform back
	// without most of the rewritten package in memory).
	Written func()
}

// Save writes changes c as a transform file at path atomically, as
// msi.Database.Save writes packages: into a temporary file beside it,
// read back (reopened as a transform, its summary information decoded,
// and with o.Base its records decoded and compared with c), then renamed
// into place, so a transform msikit cannot read never replaces anything.
// A symbolic link at path is followed. ErrNoChanges is returned, writing
// nothing, when c changes nothing.
func Save(path string, c *Changes, si *msi.SummaryInfo, o *SaveOptions) error {
	var opts SaveOptions
	if o != nil {
		opts = *o
	}
	if c.Empty() {
		return ErrNoChanges
	}
	// The read-back compares outlines, made now: only the writer holds
	// c, and it is done with it when the check starts.
	want := outlinesOf(c)
	return safefile.WriteFile(path, &safefile.Options{
		Sync:          opts.Sync,
		FollowSymlink: true,
		Check: func(r io.ReaderAt, size int64) error {
			if opts.Written != nil {
				opts.Written()
			}
			return checkWritten(r, size, want, opts.Base)
		},
	}, func(w io.Writer) error { return Write(w, c, si) })
}

// outlines are what the read-back of a transform compares of the
// changes of the tables it changes, in order: for each table its name,
// whether it is created or dropped, the count of its added columns and
// of each kind of its records. They are kept encoded, a uvarint length
// and the name's bytes, a byte of flags and four uvarints: a table
// created empty (200,000 of them, msi-50k-empty-tables.msi) costs its
// name and 6 bytes, where an outline struct each cost 56 and their
// slice, grown by appending, 63 MB allocated for 12.5 MB kept.
type outlines []byte

// appendOutline appends the outline of tc to o, unless tc changes
// nothing; it reports whether it did.
func appendOutline(o outlines, tc *TableChange) (outlines, bool) {
	i, u, d := tc.Counts()
	if !tc.Created && !tc.Dropped && len(tc.Added) == 0 && i+u+d == 0 {
		return o, false
	}
	o = binary.AppendUvarint(o, uint64(len(tc.Name)))
	o = append(o, tc.Name...)
	var flags byte
	if tc.Created {
		flags |= 1
	}
	if tc.Dropped {
		flags |= 2
	}
	o = append(o, flags)
	for _, n := range []int{len(tc.Added), i, u, d} {
		o = binary.AppendUvarint(o, uint64(n))
	}
	return o, true
}

// outlinesOf returns the outlines of the tables c changes, in order.
func outlinesOf(c *Changes) outlines {
	var o outlines
	for _, tc := range c.Tables {
		o, _ = appendOutline(o, tc)
	}
	return o
}

// next splits the first outline off o, which appendOutline made.
func (o outlines) next() (first, rest outlines) {
	n, k := binary.Uvarint(o)
	k += int(n) + 1
	for range 4 {
		_, m := binary.Uvarint(o[k:])
		k += m
	}
	return o[:k], o[k:]
}

// describe returns the outlines of o as text, one a table.
func (o outlines) describe() []string {
	var out []string
	for len(o) > 0 {
		n, k := binary.Uvarint(o)
		name := string(o[k : k+int(n)])
		k += int(n)
		flags := o[k]
		k++
		var counts [4]uint64
		for j := range counts {
			v, m := binary.Uvarint(o[k:])
			counts[j] = v
			k += m
		}
		o = o[k:]
		out = append(out, fmt.Sprintf("%s created=%v dropped=%v added=%d %d/%d/%d", name, flags&1 != 0, flags&2 != 0, counts[0], counts[1], counts[2], counts[3]))
	}
	return out
}

// checkWritten reads back a transform Save wrote: with base, its tables
// must have the outlines want (those of the changes written).
func checkWritten(r io.ReaderAt, size int64, want outlines, base *msi.Database) error {
	db, err := msi.NewDatabase(r, size)
	if err != nil {
		return err
	}
	t, err := New(db)
	if err != nil {
		return err
	}
	if base == nil {
		return nil
	}
	// The transform is decoded one table at a time and compared with
	// the next table the changes change: the read-back holds one
	// table's records, not a second Changes.
	rest := want
	var got outlines // one table's at a time
	errDiffer := errors.New("differ")
	err = t.decodeEach(base, func(tc *TableChange) error {
		var changes bool
		if got, changes = appendOutline(got[:0], tc); !changes {
			return nil
		}
		if len(rest) == 0 {
			return errDiffer
		}
		var first outlines
		if first, rest = rest.next(); !bytes.Equal(first, got) {
			return errDiffer
		}
		return nil
	})
	if err == nil && len(rest) == 0 {
		return nil
	} else if err != nil && err != errDiffer {
		return err
	}
	back, err := t.Decode(base)
	if err != nil {
		return err
	}
	return fmt.Errorf("mst: the written transform reads back as %q, not %q", outlinesOf(back).describe(), want.describe())
}
