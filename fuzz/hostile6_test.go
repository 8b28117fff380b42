package fuzz

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
	"github.com/msikit/msikit/msi/mst"
	"github.com/msikit/msikit/msi/sbom"
	"github.com/msikit/msikit/msi/validate"
	"github.com/msikit/msikit/transform"
)

// duplicateKeyRows is how many rows a table gets per scale in
// buildDuplicateLongKeys.
var duplicateKeyRows = []struct {
	table string
	rows  int
}{{"Property", 12000}, {"Directory", 6000}, {"FeatureComponents", 6000}, {"Component", 2000}, {"Feature", 800}}

// buildDuplicateLongKeys adds rows to Property, Directory,
// FeatureComponents, Component and Feature whose every string cell, keys
// included, is one long text (24 KiB a scale) held by two pool entries:
// each table's rows are all one key (duplicates, which a package read
// from a file may hold and ICE03 reports), every feature and directory
// its own parent. An index that hashes a row's key per row, or compares
// the two entries' texts per row, does scale x 26,800 times the text's
// work (at 5 MB, 715,000 rows of a 600 KiB text: 430 GB).
func buildDuplicateLongKeys(t testing.TB, scale int) []byte {
	return buildLongKeyRows(t, scale, duplicateKeyRows)
}

// buildFileRowsOneLongKey: File rows (3,000 a scale) whose every string
// cell is one text of 24 KiB a scale (buildLongKeyRows): their key, name
// and component. Each file is refused (no such component), and the
// documents of sbom would repeat the key in every file's properties.
func buildFileRowsOneLongKey(t testing.TB, scale int) []byte {
	return buildLongKeyRows(t, scale, []struct {
		table string
		rows  int
	}{{"File", 3000}})
}

// buildLongKeyRows is buildDuplicateLongKeys with rows a scale given for
// each table.
func buildLongKeyRows(t testing.TB, scale int, tables []struct {
	table string
	rows  int
}) []byte {
	return buildLongTextRows(t, scale, nil, tables, nil)
}

// buildLongTextRows is buildLongKeyRows with a hook that edits the
// sample first, given the long text (prep, when not nil), and string
// columns ("Table.Column") whose added cells are null rather than the text.
func buildLongTextRows(t testing.TB, scale int, prep func(db *msi.Database, text string), tables []struct {
	table string
	rows  int
}, nulls map[string]bool) []byte {
	db := sampleDB(t)
	text := strings.Repeat("K", 24<<10*scale)
	must(t, table(t, db, "Property").Insert(str("LONGVALUE"), str(text)))
	if prep != nil {
		prep(db, text)
	}
	data := saveDB(t, db)
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	var id uint32
	for i := 1; i < db.PoolLen() && id == 0; i++ {
		if v, err := db.PoolString(uint32(i)); err == nil && v.Str() == text {
			id = uint32(i)
		}
	}
	if id == 0 || db.StringRefSize() != 2 {
		t.Fatalf("the long text has id %d, references of %d bytes", id, db.StringRefSize())
	}
	// A second pool entry with the same text: id PoolLen().
	ids := []uint32{id, uint32(db.PoolLen())}
	edits := map[string]func([]byte) []byte{
		"_StringPool": func(b []byte) []byte {
			b = binary.LittleEndian.AppendUint16(b, 0)
			b = binary.LittleEndian.AppendUint16(b, 1)
			return binary.LittleEndian.AppendUint32(b, uint32(len(text)))
		},
		"_StringData": func(b []byte) []byte { return append(b, text...) },
	}
	for _, tr := range tables {
		tab := table(t, db, tr.table)
		raw, _, err := db.RawTableStream(tr.table)
		must(t, err)
		cols, n := tab.Columns(), tab.Len()
		var out []byte
		for _, c := range cols {
			w := 2
			switch c.Type {
			case msi.ColInt32:
				w = 4
			case msi.ColString, msi.ColInt16:
			default:
				t.Fatalf("%s.%s: type %v", tr.table, c.Name, c.Type)
			}
			out, raw = append(out, raw[:n*w]...), raw[n*w:]
			for r := range tr.rows * scale {
				switch c.Type {
				case msi.ColString:
					id := ids[r%2]
					if nulls[tr.table+"."+c.Name] {
						id = 0
					}
					out = binary.LittleEndian.AppendUint16(out, uint16(id))
				case msi.ColInt16:
					out = binary.LittleEndian.AppendUint16(out, 0x8000)
				case msi.ColInt32:
					out = binary.LittleEndian.AppendUint32(out, 0x80000000)
				}
			}
		}
		if len(raw) != 0 {
			t.Fatalf("%s: %d bytes left over", tr.table, len(raw))
		}
		edits[tr.table] = func([]byte) []byte { return out }
	}
	return editStreams(t, data, edits)
}

// Each table's repeated key is hashed once per pool entry and the two
// entries compared once: validate (ICE03 lists the duplicates) and the
// lookups stay within the budgets.
func checkDuplicateLongKeys(t *testing.T, db *msi.Database) {
	prop := table(t, db, "Property")
	var dups []int
	testenv.CheckBudget(t, "DuplicateKeys", func() { dups = prop.DuplicateKeys() })
	if len(dups) < duplicateKeyRows[0].rows-1 {
		t.Errorf("Property: %d duplicate keys, want at least %d", len(dups), duplicateKeyRows[0].rows-1)
	}
	var fs []validate.Finding
	var err error
	testenv.CheckBudget(t, "Validate ICE03", func() {
		fs, err = validate.Validate(db, &validate.Options{Rules: []string{"ICE03"}})
	})
	must(t, err)
	dupFindings := 0
	for _, f := range fs {
		if strings.Contains(f.Message, "uplicate") {
			dupFindings += max(f.Omitted, 1)
		}
	}
	if dupFindings == 0 {
		t.Errorf("ICE03 reported no duplicate key in %d findings", len(fs))
	}
}

// TestDuplicateLongKeysAtScale runs the readers of the scaled package
// (715,000 rows naming one 600 KiB text through two pool entries) in
// process: each hashed or compared the text once per row (the table's
// key index, FeatureComponents pairs in the passes and the audit,
// validate's features of each component, the pending deletes of
// mst.Apply), or printed it in each of 20,000 notes. Each took from 2 s
// to past a minute of CPU; now well under a second.
func TestDuplicateLongKeysAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 4.9 MB package")
	}
	data := buildDuplicateLongKeys(t, 25)
	open := func() *msi.Database {
		db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
		must(t, err)
		return db
	}
	const heap = 512 << 20
	budget := func(what string, f func(db *msi.Database)) {
		t.Helper()
		testenv.CheckBudgetOf(t, what, 2*testenv.TimeBudget, heap, func() { f(open()) })
	}
	budget("Property.DuplicateKeys", func(db *msi.Database) { table(t, db, "Property").DuplicateKeys() })
	budget("Validate", func(db *msi.Database) {
		_, err := validate.Validate(db, nil)
		must(t, err)
	})
	budget("ClassToRegistry", func(db *msi.Database) {
		rep, err := transform.ClassToRegistry(db, transform.ClassToRegistryOptions{})
		must(t, err)
		must(t, rep.WriteText(io.Discard))
	})
	budget("SplitAdvertised", func(db *msi.Database) {
		rep, err := transform.SplitAdvertised(db, transform.SplitAdvertisedOptions{})
		must(t, err)
		var n countWriter
		must(t, rep.WriteText(&n))
		if n.n > 16<<20 { // 20,000 notes quoting 600 KiB each were 12 GB
			t.Errorf("SplitAdvertised's report: %d bytes, want the long keys of its notes clipped", n.n)
		}
	})
	budget("Audit", func(db *msi.Database) {
		_, err := transform.Audit(db, transform.AuditOptions{})
		must(t, err)
	})
	budget("NewPackageIndex", func(db *msi.Database) {
		_, err := transform.NewPackageIndex(db)
		must(t, err)
	})
	// A transform of the sample (class-to-registry's edits, which delete
	// rows of FeatureComponents) applied to the package.
	sample, edited := sampleDB(t), sampleDB(t)
	_, err := transform.ClassToRegistry(edited, transform.ClassToRegistryOptions{})
	must(t, err)
	changes, err := mst.Diff(sample, edited)
	must(t, err)
	budget("mst.ApplyChanges", func(db *msi.Database) {
		_, err := mst.ApplyChanges(db, changes, mst.AllErrorConditions)
		must(t, err)
	})
}

// buildDuplicateRows repeats rows of the sample as stored: component App
// 4,000 times a scale, the first FeatureComponents row of Core 8,000
// times, File app.exe 1,600 times and Shortcut AppStartMenu 800 times
// (at 5 MB 560,000 rows, all duplicate keys). Whatever names a row by its
// key (an SBOM's refs, a layout's folders, a pass's indexes) meets the
// same name tens of thousands of times.
func buildDuplicateRows(t testing.TB, scale int) []byte {
	data := saveDB(t, sampleDB(t))
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	edits := map[string]func([]byte) []byte{}
	for _, sp := range []struct {
		table, key string
		n          int
	}{{"Component", "App", 4000}, {"FeatureComponents", "Core", 8000}, {"File", "app.exe", 1600}, {"Shortcut", "AppStartMenu", 800}} {
		tab := table(t, db, sp.table)
		raw, _, err := db.RawTableStream(sp.table)
		must(t, err)
		n, row := tab.Len(), -1
		for i := 0; i < n && row < 0; i++ {
			if tab.Row(i).At(0).String() == sp.key {
				row = i
			}
		}
		if row < 0 {
			t.Fatalf("%s: no row %s", sp.table, sp.key)
		}
		var out []byte
		for _, c := range tab.Columns() {
			w := db.StringRefSize()
			switch c.Type {
			case msi.ColInt16:
				w = 2
			case msi.ColInt32:
				w = 4
			}
			col := raw[:n*w]
			raw = raw[n*w:]
			out = append(out, col...)
			out = append(out, bytes.Repeat(col[row*w:(row+1)*w], sp.n*scale)...)
		}
		edits[sp.table] = func([]byte) []byte { return out }
	}
	return editStreams(t, data, edits)
}

// The SBOM names each repeated File row once, with suffixes handed out in
// one step each (the failures of the copies were listed again, as files
// no File row names: twice as many files).
func checkDuplicateRows(t *testing.T, db *msi.Database) {
	inv, err := sbom.Read(db, nil)
	must(t, err)
	var n countWriter
	testenv.CheckBudget(t, "WriteCycloneDX", func() { must(t, inv.WriteCycloneDX(&n, nil)) })
	if files := table(t, db, "File").Len(); len(inv.Files) != files {
		t.Errorf("the inventory lists %d files, the File table has %d rows", len(inv.Files), files)
	}
}

// TestSbomSharedLongKeys: sbom.Read on packages whose Component rows, or
// whose File rows, all name one 480 KiB text held by two pool entries
// (50,000 components, 20,000 files), within the budgets. Its tables'
// indexes hashed the text per row (at 4.8 MB, 150,000 components: 18 s),
// and the failed files (all of them: the text is no file name) were
// sorted comparing it with itself at each step, and each failure quoted
// it whole (at 4.2 MB, 60,000 files: extract past 60 s, 1.5 MB of
// messages).
func TestSbomSharedLongKeys(t *testing.T) {
	for _, tc := range []struct {
		table string
		rows  int
	}{{"Component", 2500}, {"File", 1000}} {
		t.Run(tc.table, func(t *testing.T) {
			saved := duplicateKeyRows
			defer func() { duplicateKeyRows = saved }()
			duplicateKeyRows = []struct {
				table string
				rows  int
			}{{tc.table, tc.rows}}
			data := buildDuplicateLongKeys(t, 20)
			db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
			must(t, err)
			var inv *sbom.Inventory
			testenv.CheckBudget(t, "sbom.Read", func() { inv, err = sbom.Read(db, nil) })
			must(t, err)
			for _, f := range inv.Files {
				if f.ReadErr != nil && len(f.ReadErr.Error()) > 2048 {
					t.Fatalf("a failure of %d bytes", len(f.ReadErr.Error()))
				}
			}
		})
	}
}

// File rows sharing one long key: the documents' identifiers are short
// (the key's start and digest) and unique, and a document the limit
// refuses is refused without building every file's component first
// (3,000 File rows keyed by one 480 KiB text asked for 3,000 identifiers
// of 480 KiB, hashed again into the map of those taken and into the
// serial number: past 60 s; 60,000 rows of a 48 KiB key: 4.3 s CPU,
// 234 MiB, with each refused file's message formatted up front).
func TestSbomFileRowsSharingLongKey(t *testing.T) {
	saved := duplicateKeyRows
	defer func() { duplicateKeyRows = saved }()
	duplicateKeyRows = []struct {
		table string
		rows  int
	}{{"File", 3000}}
	data := buildDuplicateLongKeys(t, 20)
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	inv, err := sbom.Read(db, nil)
	must(t, err)
	for _, format := range []struct {
		name  string
		write func(io.Writer, *sbom.WriteOptions) error
	}{{"CycloneDX", inv.WriteCycloneDX}, {"SPDX", inv.WriteSPDX}} {
		testenv.CheckBudget(t, format.name+" past MaxBytes", func() {
			err := format.write(io.Discard, &sbom.WriteOptions{MaxBytes: 256 << 20})
			if !errors.Is(err, sbom.ErrTooLarge) {
				t.Errorf("%s: %v, want ErrTooLarge", format.name, err)
			}
		})
	}

	// A few rows, written whole: their identifiers.
	duplicateKeyRows = []struct {
		table string
		rows  int
	}{{"File", 40}}
	data = buildDuplicateLongKeys(t, 1)
	db, err = msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	inv, err = sbom.Read(db, nil)
	must(t, err)
	var cdx struct {
		Components []struct {
			BOMRef string `json:"bom-ref"`
		} `json:"components"`
	}
	var spdx struct {
		Files []struct {
			SPDXID string `json:"SPDXID"`
		} `json:"files"`
	}
	var buf bytes.Buffer
	must(t, inv.WriteCycloneDX(&buf, nil))
	must(t, json.Unmarshal(buf.Bytes(), &cdx))
	buf.Reset()
	must(t, inv.WriteSPDX(&buf, nil))
	must(t, json.Unmarshal(buf.Bytes(), &spdx))
	var ids []string
	for _, c := range cdx.Components {
		ids = append(ids, c.BOMRef)
	}
	for _, f := range spdx.Files {
		ids = append(ids, f.SPDXID)
	}
	long, seen := 0, map[string]bool{}
	for _, id := range ids {
		if len(id) > 1024 {
			long++
		}
		if seen[id] {
			t.Errorf("identifier %.80q… given twice", id)
		}
		seen[id] = true
	}
	if long > 0 || len(ids) < 40 {
		t.Errorf("%d identifiers, %d of them over 1 KiB; want at least 40, none", len(ids), long)
	}
}

// The files a plan refuses hold their errors unformatted: a package can
// refuse 60,000 files, and each held its message (about 1.4 KB quoting
// the clipped key and component) from the start, 90 MB of sbom's heap.
func TestRefusedFilesHoldNoMessages(t *testing.T) {
	saved := duplicateKeyRows
	defer func() { duplicateKeyRows = saved }()
	const n = 20000
	duplicateKeyRows = []struct {
		table string
		rows  int
	}{{"File", n}}
	data := buildDuplicateLongKeys(t, 2)
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	var files []install.File
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	plan, err := install.NewPlan(db, nil)
	must(t, err)
	for f := range plan.Files() {
		files = append(files, *f)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	refused := 0
	for _, f := range files {
		if f.Err != nil {
			refused++
		}
	}
	if refused < n/2 {
		t.Fatalf("%d of %d files refused, want most", refused, len(files))
	}
	per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / int64(len(files))
	if per > 600 {
		t.Errorf("%d bytes held per file (%d files, %d refused), want at most 600", per, len(files), refused)
	}
	runtime.KeepAlive(plan)
}

// checkFileRowsOneLongKey: every file is listed, refused, by sbom.Read,
// its documents are refused by MaxBytes (every file's properties repeat
// the key), and the index of log explain and descriptor decode --package
// numbers the files' sequences by key once per text (a map keyed by the
// key hashed 1 MiB a row at 4.9 MB: 8 s of CPU), each within the
// budgets.
func checkFileRowsOneLongKey(t *testing.T, db *msi.Database) {
	var inv *sbom.Inventory
	var err error
	testenv.CheckBudget(t, "sbom.Read", func() { inv, err = sbom.Read(db, nil) })
	must(t, err)
	if len(inv.Files) < 3000 {
		t.Fatalf("%d files, want at least 3,000", len(inv.Files))
	}
	testenv.CheckBudget(t, "WriteCycloneDX", func() {
		if err := inv.WriteCycloneDX(io.Discard, &sbom.WriteOptions{MaxBytes: 256 << 20}); !errors.Is(err, sbom.ErrTooLarge) {
			t.Errorf("WriteCycloneDX: %v, want ErrTooLarge", err)
		}
	})
	testenv.CheckBudget(t, "NewPackageIndex", func() {
		_, err := transform.NewPackageIndex(db)
		must(t, err)
	})
}

// buildSharedLongDescriptorTexts adds 2,000*scale Verb rows of .synth
// and as many Class rows (new CLSIDs) whose Argument and Context are one
// pooled 60 KB text, and 500*scale assemblies in Core whose
// MsiAssemblyName rows name that text as an attribute and a value: the
// audit wrote each descriptor's key, argument and data and each
// finding's rows whole, and built each assembly's identity from the
// whole text (30,000 verbs in 674 KB: 16 s, 1.8 GB of memory and of
// text; 30,000 classes: 46 s, 5.4 GB of text; 20,000 assemblies: 4.8 GB).
func buildSharedLongDescriptorTexts(t testing.TB, scale int) []byte {
	long := strings.Repeat("ab", 30000)
	db := sampleDB(t)
	verbs, classes := table(t, db, "Verb"), table(t, db, "Class")
	comps, fcs := table(t, db, "Component"), table(t, db, "FeatureComponents")
	asms, names := table(t, db, "MsiAssembly"), table(t, db, "MsiAssemblyName")
	for i := range 2000 * scale {
		must(t, verbs.Insert(str("synth"), str(fmt.Sprintf("v%d", i)), num(1), str("x"), str(long)))
		must(t, classes.Insert(str(fmt.Sprintf("{%08X-0000-0000-0000-000000000000}", i)), str(long), str("ComServer"),
			msi.Value{}, msi.Value{}, msi.Value{}, msi.Value{}, msi.Value{}, msi.Value{}, msi.Value{}, msi.Value{}, str("Core"), msi.Value{}))
	}
	for i := range 500 * scale {
		c := fmt.Sprintf("A%d", i)
		must(t, comps.Insert(str(c), str(fmt.Sprintf("{%08X-0000-0000-0000-000000000001}", i)), str("ASMDIR"), num(0), msi.Value{}, str("Contoso.Core.dll")))
		must(t, fcs.Insert(str("Core"), str(c)))
		must(t, asms.Insert(str(c), str("Core"), str("Contoso.Core.dll"), msi.Value{}, num(0)))
		must(t, names.Insert(str(c), str("name"), str(long)))
		must(t, names.Insert(str(c), str(long), str(long)))
	}
	return saveDB(t, db)
}

// The audit quotes the shared text clipped in every descriptor, finding
// row and assembly identity, in budget.
func checkSharedLongDescriptorTexts(t *testing.T, db *msi.Database) {
	rep := auditInTime(t, db)
	const most = 3 * (clip.Keep + 40)
	long := 0
	for _, ep := range rep.EntryPoints() {
		for _, d := range ep.Descriptors {
			for _, s := range []string{d.Where, d.Value, d.Args, d.Data} {
				if len(s) > most {
					t.Fatalf("%s %s: a descriptor quotes %d bytes", ep.Table, ep.Name, len(s))
				}
				if strings.Contains(s, "abab") {
					long++
				}
			}
		}
	}
	if long < 4000 {
		t.Errorf("%d descriptor texts quote the shared text, want at least 4,000", long)
	}
	for i := range rep.NumFindings() {
		for _, row := range rep.Finding(i).Rows {
			if len(row) > clip.Max+100 {
				t.Fatalf("a finding names a row of %d bytes", len(row))
			}
		}
	}
	for i := range rep.NumFeatures() {
		for c := range rep.CoveredComponents(i) {
			if len(c.KeyPath.Assembly) > clip.Max+40 {
				t.Fatalf("component %s: an assembly identity of %d bytes", c.Component, len(c.KeyPath.Assembly))
			}
		}
	}
}

// buildClassContextKeys adds 420 classes (scale is ignored: the pass's
// text bound, not the package's size, bounds the attack) whose Context
// is one pooled 60 KB text, each in its own component and key file.
func buildClassContextKeys(t testing.TB, _ int) []byte {
	long := strings.Repeat("ab", 30000)
	db := sampleDB(t)
	classes, comps, files := table(t, db, "Class"), table(t, db, "Component"), table(t, db, "File")
	fcs := table(t, db, "FeatureComponents")
	for i := range 420 {
		c, f := fmt.Sprintf("K%d", i), fmt.Sprintf("k%d.dll", i)
		must(t, comps.Insert(str(c), str(fmt.Sprintf("{%08X-0000-0000-0000-000000000002}", i)), str("INSTALLDIR"), num(0), msi.Value{}, str(f)))
		must(t, files.Insert(str(f), str(c), str(f), num(1), msi.Value{}, msi.Value{}, msi.Value{}, num(1000+i)))
		must(t, fcs.Insert(str("Core"), str(c)))
		must(t, classes.Insert(str(fmt.Sprintf("{%08X-0000-0000-0000-000000000003}", i)), str(long), str(c),
			msi.Value{}, msi.Value{}, msi.Value{}, msi.Value{}, msi.Value{}, msi.Value{}, msi.Value{}, msi.Value{}, str("Core"), msi.Value{}))
	}
	return saveDB(t, db)
}

// Class-to-registry writes the 420 keys holding the shared text, each
// once: planning copied it five times a row (the key, a reason quoting
// the context, the key in lower case kept for the plan's slots, two
// more to hash the row's identifier), 150 MB allocated and 220 MiB
// peak RSS at twice as many classes under the old bound; now the key
// and the string pool's copy.
func checkClassContextKeys(t *testing.T, db *msi.Database) {
	data := saveDB(t, db)
	var rep *transform.Report
	var err error
	testenv.CheckBudgetOf(t, "ClassToRegistry", testenv.TimeBudget, 96<<20, func() {
		fresh, oerr := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
		must(t, oerr)
		rep, err = transform.ClassToRegistry(fresh, transform.ClassToRegistryOptions{})
	})
	must(t, err)
	keys := 0
	for _, c := range rep.Changes() {
		if c.Op == transform.OpAdd && c.Table == "Registry" && strings.Contains(c.New[2], strings.Repeat("ab", 30000)) {
			keys++
		}
	}
	if keys != 420 {
		t.Errorf("%d Registry rows hold the context, want 420", keys)
	}
	auditInTime(t, db)
}
