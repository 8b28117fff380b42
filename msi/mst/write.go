package mst

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"sort"
	"strings"
	"time"

	"github.com/msikit/msikit/cfb"
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
	// (ids are assigned by first use), remembering the cells' ids.
	type encoded struct {
		tc   *TableChange
		recs []Record
		ids  [][]uint32 // per record, per column: the string id (strings only)
	}
	var tables, columns []Record
	var tablesIDs, columnsIDs [][]uint32
	addStrings := func(cols []msi.Column, r Record) ([]uint32, error) {
		ids := make([]uint32, len(cols))
		for i, col := range cols {
			if col.Type != msi.ColString || !r.Present(i) {
				continue
			}
			id, err := pool.Add(r.Values[i])
			if err != nil {
				return nil, err
			}
			ids[i] = id
		}
		return ids, nil
	}
	// _Tables: created tables, then dropped ones.
	for _, drop := range []bool{false, true} {
		for _, tc := range c.Tables {
			if drop && tc.Dropped || !drop && tc.Created {
				op := Insert
				if drop {
					op = Delete
				}
				r := Record{Op: op, Has: 1, Values: []msi.Value{msi.StrValue(tc.Name)}}
				ids, err := addStrings(tablesColumns, r)
				if err != nil {
					return err
				}
				tables, tablesIDs = append(tables, r), append(tablesIDs, ids)
			}
		}
	}
	// _Columns: the columns of created tables (Number null), then the
	// columns added to existing ones (numbered).
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
			r := Record{Op: Insert, Has: 0xf, Values: []msi.Value{msi.StrValue(tc.Name), number, msi.StrValue(col.Name), msi.IntValue(int32(int16(col.TypeBits())))}}
			ids, err := addStrings(columnsColumns, r)
			if err != nil {
				return err
			}
			columns, columnsIDs = append(columns, r), append(columnsIDs, ids)
		}
	}
	var enc []encoded
	for _, tc := range c.Tables {
		if tc.Len() == 0 {
			continue
		}
		if tc.Columns == nil {
			return fmt.Errorf("mst: table %s: records without columns cannot be written", tc.Name)
		}
		e := encoded{tc: tc}
		for r := range tc.Records() {
			ids, err := addStrings(tc.Columns, r)
			if err != nil {
				return fmt.Errorf("mst: table %s: %w", tc.Name, err)
			}
			e.recs = append(e.recs, r)
			e.ids = append(e.ids, ids)
		}
		enc = append(enc, e)
	}
	refSize := pool.RefSize()

	// Second pass: encode the records.
	encode := func(cols []msi.Column, recs []Record, ids [][]uint32) ([]byte, error) {
		var b []byte
		for ri, r := range recs {
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
					id := ids[ri][i]
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
	if len(tables) > 0 {
		data, err := encode(tablesColumns, tables, tablesIDs)
		if err != nil {
			return err
		}
		streams = append(streams, stream{name: "_Tables", table: true, data: data})
	}
	if len(columns) > 0 {
		data, err := encode(columnsColumns, columns, columnsIDs)
		if err != nil {
			return err
		}
		streams = append(streams, stream{name: "_Columns", table: true, data: data})
	}
	for _, e := range enc {
		data, err := encode(e.tc.Columns, e.recs, e.ids)
		if err != nil {
			return fmt.Errorf("mst: table %s: %w", e.tc.Name, err)
		}
		if len(data) > 0 {
			streams = append(streams, stream{name: e.tc.Name, table: true, data: data})
		}
		// Binary cells' streams.
		for _, r := range e.recs {
			if r.Op == Delete {
				continue
			}
			for i, col := range e.tc.Columns {
				if col.Type != msi.ColBinary || !(r.Present(i) || r.Op == Insert) || r.Values[i].IsNull() {
					continue
				}
				src, err := c.OpenStream(e.tc, r)
				if err != nil {
					return fmt.Errorf("mst: table %s: binary cell: %w", e.tc.Name, err)
				}
				streams = append(streams, stream{name: StreamName(e.tc.Name, e.tc.Key(r)), src: src})
			}
		}
	}
	poolData, strData := pool.Encode()
	streams = append(streams, stream{name: "_StringPool", table: true, data: poolData}, stream{name: "_StringData", table: true, data: strData})
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

// SaveOptions controls Save.
type SaveOptions struct {
	// Sync flushes the new file to stable storage before it is renamed
	// into place (see msi.SaveOptions.Sync).
	Sync bool
	// Base, when set, is the database the changes apply to: the written
	// transform is decoded against it before the rename, and must give
	// the same tables and records as c.
	Base *msi.Database
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
	return safefile.WriteFile(path, &safefile.Options{
		Sync:          opts.Sync,
		FollowSymlink: true,
		Check: func(r io.ReaderAt, size int64) error {
			return checkWritten(r, size, c, opts.Base)
		},
	}, func(w io.Writer) error { return Write(w, c, si) })
}

// checkWritten reads back a transform Save wrote.
func checkWritten(r io.ReaderAt, size int64, c *Changes, base *msi.Database) error {
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
	back, err := t.Decode(base)
	if err != nil {
		return err
	}
	describe := func(c *Changes) []string {
		var out []string
		for _, tc := range c.Tables {
			i, u, d := tc.Counts()
			if tc.Created || tc.Dropped || len(tc.Added) > 0 || i+u+d > 0 {
				out = append(out, fmt.Sprintf("%s created=%v dropped=%v added=%d %d/%d/%d", tc.Name, tc.Created, tc.Dropped, len(tc.Added), i, u, d))
			}
		}
		return out
	}
	want, got := describe(c), describe(back)
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		return fmt.Errorf("mst: the written transform reads back as %q, not %q", got, want)
	}
	return nil
}
