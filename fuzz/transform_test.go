package fuzz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/mst"
)

// rawTransform builds a transform file from raw parts: a string pool of
// strs (ids 1, 2, ... in order) in codepage cp, table streams of change
// records, and other streams (binary cells), with summary information
// that asks for no validation and suppresses no error condition.
func rawTransform(t testing.TB, cp int, strs []string, tables map[string][]byte, streams map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := cfb.NewWriter(&buf, nil)
	clsid, _ := cfb.ParseGUID(msi.CLSIDTransform)
	w.SetRoot(cfb.Header{CLSID: clsid})
	writeTransformInto(t, w, "", cp, strs, tables, streams)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeTransformInto writes the streams of a transform (as rawTransform
// describes them) into the storage parent of w ("" for the root).
func writeTransformInto(t testing.TB, w *cfb.Writer, parent string, cp int, strs []string, tables map[string][]byte, streams map[string][]byte) {
	t.Helper()
	pool := msi.NewStringPoolWriter(cp)
	for i, s := range strs {
		id, err := pool.Add(msi.StrValue(s))
		if err != nil || int(id) != i+1 {
			t.Fatalf("string %q: id %d, %v (strings must be distinct)", s, id, err)
		}
	}
	p, d := pool.Encode()
	add := func(name string, table bool, data []byte) {
		raw, err := msi.EncodeStreamName(name, table)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.CreateHeaderFrom(parent, &cfb.Header{RawName: raw}, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
	}
	add("_StringPool", true, p)
	add("_StringData", true, d)
	for name, data := range tables {
		add(name, true, data)
	}
	for name, data := range streams {
		add(name, false, data)
	}
	si := msi.NewSummaryInfo()
	si.SetInt(msi.PIDCodepage, 1252)
	si.SetString(msi.PIDTitle, "Transform")
	b, err := si.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	add(msi.SummaryInfoStream, false, b)
}

// rawPatch builds a patch whose summary information names the
// transforms order (PID 8, e.g. ":t;:#t") for the product of
// testdata/sample.msi, holding each transform of subs as a substorage.
// It has no database of its own (no _Tables), which a patch may lack.
func rawPatch(t testing.TB, order string, subs map[string]func(w *cfb.Writer, parent string)) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := cfb.NewWriter(&buf, nil)
	clsid, _ := cfb.ParseGUID(msi.CLSIDPatch)
	w.SetRoot(cfb.Header{CLSID: clsid})
	tclsid, _ := cfb.ParseGUID(msi.CLSIDTransform)
	for name, write := range subs {
		if err := w.MkdirHeader("", &cfb.Header{Name: name, CLSID: tclsid}); err != nil {
			t.Fatal(err)
		}
		write(w, name)
	}
	si := msi.NewSummaryInfo()
	si.SetInt(msi.PIDCodepage, 1252)
	si.SetString(msi.PIDTitle, "Patch")
	si.SetString(msi.PIDTemplate, "{06D83F77-1CB2-5C83-5361-FE484B11B8CA}")
	si.SetString(msi.PIDRevision, "{11111111-2222-3333-4444-555555555555}")
	si.SetString(msi.PIDLastAuthor, order)
	b, err := si.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := msi.EncodeStreamName(msi.SummaryInfoStream, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.CreateHeaderFrom("", &cfb.Header{RawName: raw}, bytes.NewReader(b), int64(len(b))); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// words writes 16-bit little-endian words.
func words(ws ...int) []byte {
	var b []byte
	for _, w := range ws {
		b = binary.LittleEndian.AppendUint16(b, uint16(w))
	}
	return b
}

// A transformFixture is a hostile transform for testdata/sample.msi,
// kept in testdata/crafted/mst: applying it (all checks skipped, every
// error condition suppressed) must end within the budgets with the error
// want names, or succeed when want is "".
type transformFixture struct {
	name  string
	build func(t *testing.T) []byte
	want  string
}

func transformFixtures() []transformFixture {
	big := strings.Repeat("é", 30000) // 60,000 bytes of UTF-8
	return []transformFixture{
		// Malformed records: the Property table of sample.msi has two
		// string columns (Property key, Value).
		{"mst-record-truncated.mst", func(t *testing.T) []byte {
			return rawTransform(t, 0, []string{"A"}, map[string][]byte{"Property": words(0x0201, 1)}, nil)
		}, "record truncated"},
		{"mst-string-id-past-pool.mst", func(t *testing.T) []byte {
			return rawTransform(t, 0, []string{"A"}, map[string][]byte{"Property": words(0x0201, 1, 0xFFF0)}, nil)
		}, "past the end of the transform's string pool"},
		{"mst-mask-past-columns.mst", func(t *testing.T) []byte {
			return rawTransform(t, 0, []string{"ProductName"}, map[string][]byte{"Property": words(0x8000, 1, 1)}, nil)
		}, "names columns the table"},
		{"mst-full-row-40-cells.mst", func(t *testing.T) []byte {
			return rawTransform(t, 0, []string{"A"}, map[string][]byte{"Property": words(0x2801, 1, 1)}, nil)
		}, "full row of 40 cells"},
		{"mst-columns-delete.mst", func(t *testing.T) []byte {
			return rawTransform(t, 0, []string{"Property"}, map[string][]byte{"_Columns": words(0, 1, 0x8002)}, nil)
		}, "can only add columns"},
		{"mst-binary-cell-without-stream.mst", func(t *testing.T) []byte {
			// A new table Blob (Name s72 key, Data v0) and a row whose
			// binary cell is set, without the stream Blob.x.
			return rawTransform(t, 0, []string{"Blob", "Name", "Data", "x"}, map[string][]byte{
				"_Tables":  words(0x0101, 1),
				"_Columns": words(0x0401, 1, 0, 2, 0x2d48^0x8000, 0x0401, 1, 0, 3, 0x1900^0x8000),
				"Blob":     words(0x0201, 4, 1),
			}, nil)
		}, "no stream"},
		// Well formed, hostile through repetition: 200,000 updates of
		// one property to one 60 KB string (12 GB of strings to store
		// if each update hashed or copied it). The string is decoded
		// and stored in the database's pool once, shown whole a few
		// times, then named by its id: the transform applies within
		// the budgets (it was refused with ErrLimit before).
		{"mst-shared-string-200k-updates.mst", func(t *testing.T) []byte {
			var recs bytes.Buffer
			for i := 0; i < 200000; i++ {
				recs.Write(words(0x0002, 1, 2))
			}
			return rawTransform(t, 65001, []string{"ProductName", big}, map[string][]byte{"Property": recs.Bytes()}, nil)
		}, ""},
		// 100,000 deletes and inserts of one row, alternating: each pair
		// replaces the row in place.
		{"mst-delete-insert-100k.mst", func(t *testing.T) []byte {
			var recs bytes.Buffer
			for i := 0; i < 100000; i++ {
				recs.Write(words(0x0000, 1, 0x0201, 1, 2))
			}
			return rawTransform(t, 0, []string{"ProductName", "value"}, map[string][]byte{"Property": recs.Bytes()}, nil)
		}, ""},
		// A patch listing one transform (20,000 Property updates) 500,000
		// times in PID 8: each mention must not cost a decode.
		{"msp-one-transform-listed-500k-times.msp", func(t *testing.T) []byte {
			var recs bytes.Buffer
			for i := 0; i < 20000; i++ {
				recs.Write(words(0x0002, 1, 2))
			}
			return rawPatch(t, strings.Repeat(":t;", 500000), map[string]func(*cfb.Writer, string){
				"t": func(w *cfb.Writer, parent string) {
					writeTransformInto(t, w, parent, 0, []string{"ProductName", "value"}, map[string][]byte{"Property": recs.Bytes()}, nil)
				},
			})
		}, "names transform \"t\" twice"},
		// 1,000 new tables of 32 columns with a row each.
		{"mst-create-1000-tables.mst", func(t *testing.T) []byte {
			var strs []string
			for c := 0; c < 32; c++ {
				strs = append(strs, "C"+string(rune('A'+c/26))+string(rune('a'+c%26)))
			}
			var tables, columns bytes.Buffer
			recs := map[string][]byte{}
			for i := 0; i < 1000; i++ {
				name := "T" + strings.Repeat("x", i%40) + string(rune('A'+i%26)) + string(rune('a'+i/26%26))
				strs = append(strs, name)
				id := len(strs)
				tables.Write(words(0x0101, id))
				row := words(32<<8 | 1)
				for c := 0; c < 32; c++ {
					typ := 0x0d48 // key string 72 for the first, then nullable strings
					if c == 0 {
						typ |= 0x2000
					} else {
						typ = 0x1d48
					}
					columns.Write(words(0x0401, id, 0, c+1, typ^0x8000))
					row = append(row, words(c+1)...)
				}
				recs[name] = row
			}
			recs["_Tables"], recs["_Columns"] = tables.Bytes(), columns.Bytes()
			return rawTransform(t, 0, strs, recs, nil)
		}, ""},
	}
}

// sampleBase returns testdata/sample.msi, opened from memory.
func sampleBase(t testing.TB) *msi.Database {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// applyTransformBytes reads data as a transform or a patch and does with
// it what the commands do: info (Decode without a base), diff (Decode
// against sample.msi and WriteText), apply (every check skipped, every
// error condition suppressed) and a write of the result, read back. It
// returns the first error.
func applyTransformBytes(t testing.TB, data []byte) error {
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	base := sampleBase(t)
	opts := &mst.ApplyOptions{Skip: mst.AllChecks, Suppress: mst.AllErrorConditions, SetSuppress: true}
	switch db.Kind() {
	case msi.PackagePatch:
		p, err := mst.NewPatch(db)
		if err != nil {
			return err
		}
		for _, tab := range []string{"MsiPatchMetadata", "MsiPatchSequence"} {
			if _, _, err := p.Rows(tab); err != nil {
				return err
			}
		}
		if _, err := mst.ApplyPatch(base, p, opts); err != nil {
			return err
		}
	case msi.PackageTransform:
		tr, err := mst.New(db)
		if err != nil {
			return err
		}
		if _, err := tr.Decode(nil); err != nil {
			return err
		}
		c, err := tr.Decode(base)
		if err != nil {
			return err
		}
		if err := mst.WriteText(io.Discard, base, c); err != nil {
			return err
		}
		if _, err := mst.Apply(base, tr, opts); err != nil {
			return err
		}
	default:
		return nil
	}
	var out bytes.Buffer
	if _, err := base.Write(&out, &msi.WriteOptions{KeepPackageCode: true}); err != nil {
		return err
	}
	back, err := msi.NewDatabase(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		return err
	}
	for _, name := range back.TableNames() {
		if _, err := back.Table(name); err != nil {
			return err
		}
	}
	return nil
}

// checkTransformError requires an error of the kinds the transform
// reader and applier promise: msi.ErrFormat (naming a stream or table),
// *msi.UnsupportedError, *msi.ValueError (a record the table refuses),
// mst.ErrLimit, or a *mst.ValidationError or *mst.ConditionError.
func checkTransformError(t testing.TB, err error) {
	t.Helper()
	var fe *msi.FormatError
	var ue *msi.UnsupportedError
	var ve *msi.ValueError
	var vale *mst.ValidationError
	var ce *mst.ConditionError
	switch {
	case errors.As(err, &fe) && errors.Is(err, msi.ErrFormat):
		if fe.Stream == "" && fe.Table == "" {
			t.Errorf("error %q names neither a stream nor a table", err)
		}
	case errors.Is(err, msi.ErrFormat), errors.As(err, &ue), errors.As(err, &ve), errors.Is(err, mst.ErrLimit),
		errors.As(err, &vale), errors.As(err, &ce), errors.Is(err, mst.ErrNotApplicable):
	default:
		t.Errorf("error %v (%T) is not a typed msi or mst error", err, err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "msi: ") && !strings.HasPrefix(msg, "mst: ") {
		t.Errorf("error %q without the package prefix", msg)
	}
}

// TestTransformCodepageRefused applies transforms whose string pool claims
// a codepage msikit cannot set: past 16 bits (the pool header holds 31),
// and one without a conversion table. Each must be refused with a typed
// error (FuzzTransform found the 31-bit one untyped).
func TestTransformCodepageRefused(t *testing.T) {
	for _, cp := range []int{0x20000000, 0x10000, 12345} {
		data := rawTransform(t, cp, []string{"ProductName", "x"}, map[string][]byte{"Property": words(0x0002, 1, 2)}, nil)
		err := applyTransformBytes(t, data)
		if err == nil {
			t.Errorf("codepage %d: applied, want an error", cp)
			continue
		}
		checkTransformError(t, err)
	}
}

// TestCraftedTransforms checks that each crafted transform matches its
// generator (go test -run TestCraftedTransforms -update rewrites them)
// and that reading and applying it to testdata/sample.msi takes under a
// second and 64 MiB with the expected outcome. Nothing in
// testdata/crafted/mst lacks a generator.
func TestCraftedTransforms(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "mst")
	names := map[string]bool{"README.md": true}
	for _, fx := range transformFixtures() {
		names[fx.name] = true
		t.Run(fx.name, func(t *testing.T) {
			data := fx.build(t)
			committed := committedFixture(t, dir, fx.name, data, "TestCraftedTransforms", t.Logf)
			err := bounded(t, func() error { return applyTransformBytes(t, committed) })
			if fx.want == "" {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			checkTransformError(t, err)
			if !strings.Contains(err.Error(), fx.want) {
				t.Errorf("error %q does not mention %q", err, fx.want)
			}
			t.Log(err)
		})
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		if !names[filepath.Base(f)] {
			t.Errorf("%s has no generator", f)
		}
	}
}

// transformSeeds returns the seeds of FuzzTransform: the crafted
// transforms, the corpus's transforms and patches (and the transforms
// embedded in its packages, extracted), small ones only.
func transformSeeds(t testing.TB) [][]byte {
	var paths []string
	crafted, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "mst", "*.mst"))
	paths = append(paths, crafted...)
	if dir := testenv.CorpusDir(); dir != "" {
		for _, pat := range []string{"*.mst", "*.msp", "*InstanceTransform*.msi"} {
			p, _ := filepath.Glob(filepath.Join(dir, "real", pat))
			paths = append(paths, p...)
		}
	}
	sort.Strings(paths)
	var seeds [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil || len(b) > dbSeedMax {
			continue
		}
		db, err := msi.NewDatabase(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			continue
		}
		if db.Kind() != msi.PackageInstaller {
			seeds = append(seeds, b)
			continue
		}
		for _, name := range db.Storages() {
			sub, err := db.OpenStorage(name)
			if err != nil {
				continue
			}
			var out bytes.Buffer
			if _, err := sub.WriteTo(&out); err == nil {
				seeds = append(seeds, out.Bytes())
			}
		}
	}
	return seeds
}

// FuzzTransform reads arbitrary bytes as a transform (or a patch) and
// does with it what info, diff and apply do against testdata/sample.msi
// (applyTransformBytes). Every error must be typed (checkTransformError),
// and each input must finish within the fuzz budgets.
func FuzzTransform(f *testing.F) {
	for _, s := range transformSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 8<<20 {
			return
		}
		testenv.CheckFuzzBudget(t, len(data), func() {
			if err := applyTransformBytes(t, data); err != nil {
				checkTransformError(t, err)
			}
		})
	})
}

// TestTransformSeeds checks that the fuzz seeds include the corpus's
// transforms, so that FuzzTransform starts from real ones.
func TestTransformSeeds(t *testing.T) {
	seeds := transformSeeds(t)
	n := 0
	for _, s := range seeds {
		db, err := msi.NewDatabase(bytes.NewReader(s), int64(len(s)))
		if err == nil && db.Kind() == msi.PackageTransform {
			n++
		}
	}
	// Every crafted transform small enough to be a seed.
	want := 0
	crafted, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "mst", "*.mst"))
	for _, p := range crafted {
		if fi, err := os.Stat(p); err == nil && fi.Size() <= dbSeedMax {
			want++
		}
	}
	if want < 6 {
		t.Fatalf("%d small crafted transforms in testdata/crafted/mst, want at least 6", want)
	}
	if testenv.CorpusDir() != "" {
		want += 5
	}
	if n < want {
		t.Errorf("%d transform seeds, want at least %d", n, want)
	}
}

// FuzzTransformRecords fuzzes the change records themselves, which
// mutations of a whole transform file rarely reach intact (most break the
// container first): the fuzzer's bytes become the streams of Property,
// _Tables, _Columns and a table Blob, and a binary-cell stream, of a
// transform whose string pool names sample.msi's tables and columns and a
// few values. The transform is then read and applied as FuzzTransform
// does (applyTransformBytes), within the fuzz budgets, every error typed.
func FuzzTransformRecords(f *testing.F) {
	// String ids 1-8, as the crafted fixtures use them.
	strs := []string{"Blob", "Name", "Data", "x", "Property", "ProductName", "value", "File"}
	f.Add(words(0x0201, 6, 7), []byte{}, []byte{}, []byte{}, []byte{})             // insert a property
	f.Add(words(0x0002, 6, 7, 0, 6), []byte{}, []byte{}, []byte{}, []byte("data")) // update, delete
	f.Add([]byte{}, words(0x0101, 1), words(0x0401, 1, 0, 2, 0x2d48^0x8000, 0x0401, 1, 0, 3, 0x1900^0x8000), words(0x0201, 4, 1), []byte("blob"))
	f.Add([]byte{}, []byte{}, words(0x0401, 5, 3, 2, 0x1d48^0x8000), []byte{}, []byte{}) // a column added to Property
	f.Add([]byte{}, words(0, 8), []byte{}, []byte{}, []byte{})                           // drop File
	f.Fuzz(func(t *testing.T, property, tables, columns, blob, stream []byte) {
		if len(property)+len(tables)+len(columns)+len(blob)+len(stream) > 1<<20 {
			return
		}
		recs := map[string][]byte{}
		for name, b := range map[string][]byte{"Property": property, "_Tables": tables, "_Columns": columns, "Blob": blob} {
			if len(b) > 0 {
				recs[name] = b
			}
		}
		data := rawTransform(t, 0, strs, recs, map[string][]byte{"Blob.x": stream})
		testenv.CheckFuzzBudget(t, len(data), func() {
			if err := applyTransformBytes(t, data); err != nil {
				checkTransformError(t, err)
			}
		})
	})
}
