package fuzz

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"flag"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msikit/msikit/cab"
	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

var update = flag.Bool("update", false, "regenerate the fixtures in ../testdata/crafted")

// committedFixture returns the committed bytes of fixture dir/name, after
// writing data there first under -update. When they differ from data
// (the generator's output) it says so through differ: t.Logf for fixtures
// built through msi's and cfb's writers, whose layout may change (the
// committed bytes are what is tested), t.Errorf where the bytes are the
// generator's own. test is the test to rerun with -update.
func committedFixture(t *testing.T, dir, name string, data []byte, test string, differ func(string, ...any)) []byte {
	t.Helper()
	path := filepath.Join(dir, name)
	if *update {
		must(t, os.MkdirAll(dir, 0o755))
		must(t, os.WriteFile(path, data, 0o644))
	}
	committed, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (regenerate with go test ./fuzz -run %s -update)", err, test)
	}
	if !bytes.Equal(committed, data) {
		differ("%s differs from its generator (go test ./fuzz -run %s -update)", path, test)
	}
	return committed
}

// A craftedFixture is one hostile file of a known attack class, kept in
// testdata/crafted/<name> and rebuilt by its generator with -update.
type craftedFixture struct {
	name  string
	build func(t *testing.T) []byte
	want  string // substring of the error
}

// craftedFixtures lists the msi- and cab-level attack classes. The
// container-level ones (FAT/DIFAT/mini-FAT cycles, sectors past the end,
// directory cycles and DAGs, absurd sizes) are cfb/testdata/adversarial,
// checked by the cfb package; deep nesting is generated at test time (it
// takes megabytes).
func craftedFixtures() []craftedFixture {
	return []craftedFixture{
		// String pool.
		{"msi-pool-past-stringdata.msi", func(t *testing.T) []byte {
			return editStreams(t, baseMSI(t), map[string]func([]byte) []byte{
				"_StringData": func(b []byte) []byte { return b[:len(b)/2] },
			})
		}, "_StringData"},
		{"msi-pool-entry-64k.msi", func(t *testing.T) []byte {
			// One entry claims 65535 bytes of a _StringData of a few dozen.
			return editStreams(t, baseMSI(t), map[string]func([]byte) []byte{
				"_StringPool": func(b []byte) []byte { binary.LittleEndian.PutUint16(b[4:], 0xFFFF); return b },
			})
		}, "_StringData"},
		{"msi-pool-ragged.msi", func(t *testing.T) []byte {
			return editStreams(t, baseMSI(t), map[string]func([]byte) []byte{
				"_StringPool": func(b []byte) []byte { return append(b, 1, 2) },
			})
		}, "_StringPool"},
		{"msi-string-id-past-pool.msi", func(t *testing.T) []byte {
			return editStreams(t, baseMSI(t), map[string]func([]byte) []byte{
				"Property": func(b []byte) []byte { binary.LittleEndian.PutUint16(b[len(b)-2:], 0xFFF0); return b },
			})
		}, "Property"},
		// Table streams.
		{"msi-table-not-row-multiple.msi", func(t *testing.T) []byte {
			return editStreams(t, baseMSI(t), map[string]func([]byte) []byte{
				"Property": func(b []byte) []byte { return append(b, 0) },
			})
		}, "row width"},
		{"msi-columns-not-row-multiple.msi", func(t *testing.T) []byte {
			return editStreams(t, baseMSI(t), map[string]func([]byte) []byte{
				"_Columns": func(b []byte) []byte { return b[:len(b)-3] },
			})
		}, "_Columns"},
		// Column definitions. _Columns holds (Table, Number, Name, Type)
		// column by column; with two rows (Property.Property,
		// Property.Value) and 2-byte cells, row 1's Type is at 14 and its
		// Number at 6.
		{"msi-column-int-size-3.msi", func(t *testing.T) []byte {
			return editStreams(t, baseMSI(t), map[string]func([]byte) []byte{
				"_Columns": func(b []byte) []byte { binary.LittleEndian.PutUint16(b[14:], 0x0103^0x8000); return b },
			})
		}, "Property"},
		{"msi-column-type-zero.msi", func(t *testing.T) []byte {
			return editStreams(t, baseMSI(t), map[string]func([]byte) []byte{
				"_Columns": func(b []byte) []byte { binary.LittleEndian.PutUint16(b[14:], 0x0000^0x8000); return b },
			})
		}, "Property"},
		{"msi-column-number-32767.msi", func(t *testing.T) []byte {
			return editStreams(t, baseMSI(t), map[string]func([]byte) []byte{
				"_Columns": func(b []byte) []byte { binary.LittleEndian.PutUint16(b[6:], 0x7FFF^0x8000); return b },
			})
		}, "Property"},
		// Summary information (a property set).
		{"msi-suminfo-2g-properties.msi", func(t *testing.T) []byte {
			return editStreams(t, baseMSI(t), map[string]func([]byte) []byte{
				"\x05SummaryInformation": func(b []byte) []byte { binary.LittleEndian.PutUint32(b[52:], 0x7FFFFFFF); return b },
			})
		}, "SummaryInformation"},
		{"msi-suminfo-offset-past-end.msi", func(t *testing.T) []byte {
			return editStreams(t, baseMSI(t), map[string]func([]byte) []byte{
				"\x05SummaryInformation": func(b []byte) []byte { binary.LittleEndian.PutUint32(b[60:], 0x7FFFFFF0); return b },
			})
		}, "SummaryInformation"},

		// Cabinets: blocks claiming huge sizes.
		{"cab-block-uncompressed-65535.cab", func(t *testing.T) []byte {
			return (&cabSpec{method: 0, blocks: []cabBlock{{data: bytes.Repeat([]byte("x"), 100), uncomp: 0xFFFF}}, fileSize: 100}).bytes()
		}, "cab: "},
		{"cab-65535-blocks-2gib-file.cab", func(t *testing.T) []byte {
			return (&cabSpec{method: 0, blocks: []cabBlock{{data: []byte("abc"), uncomp: 3}}, nblocks: 0xFFFF, fileSize: 1 << 31}).bytes()
		}, "cab: "},
		{"cab-mszip-bomb.cab", func(t *testing.T) []byte {
			// 1 MiB of zeros deflated into a block that claims 32 KiB.
			var b bytes.Buffer
			b.WriteString("CK")
			w, _ := flate.NewWriter(&b, flate.BestCompression)
			w.Write(make([]byte, 1<<20))
			w.Close()
			return (&cabSpec{method: 1, blocks: []cabBlock{{data: b.Bytes(), uncomp: 0x8000}}, fileSize: 0x8000}).bytes()
		}, "cab: "},
		// Cabinets: LZX streams with bad Huffman trees.
		{"cab-lzx-pretree-oversubscribed.cab", func(t *testing.T) []byte {
			var w lzxBits
			w.put(1, 0) // no E8 translation
			w.put(3, 1) // verbatim block
			w.put(24, 100)
			for i := 0; i < 20; i++ {
				w.put(4, 1) // 20 codes of length 1
			}
			return lzxCab(w.bytes(), 100)
		}, "cab: "},
		{"cab-lzx-pretree-empty.cab", func(t *testing.T) []byte {
			var w lzxBits
			w.put(1, 0)
			w.put(3, 1)
			w.put(24, 100)
			for i := 0; i < 20; i++ {
				w.put(4, 0) // no codes at all, then data that needs one
			}
			for i := 0; i < 64; i++ {
				w.put(16, 0xFFFF)
			}
			return lzxCab(w.bytes(), 100)
		}, "cab: "},
		{"cab-lzx-maintree-oversubscribed.cab", func(t *testing.T) []byte {
			// A valid pretree (symbols 1..16, four bits each) whose
			// symbol 16 sets every literal's length to 1: 256 codes of
			// one bit.
			var w lzxBits
			w.put(1, 0)
			w.put(3, 1)
			w.put(24, 100)
			pretree := func(first int) {
				for s := 0; s < 20; s++ {
					if s >= first && s < first+16 {
						w.put(4, 4)
					} else {
						w.put(4, 0)
					}
				}
			}
			pretree(1)
			for i := 0; i < 256; i++ {
				w.put(4, 15) // code of symbol 16: 1111
			}
			pretree(0)
			for i := 0; i < 30*8; i++ {
				w.put(4, 0) // symbol 0: length unchanged (0)
			}
			pretree(0)
			for i := 0; i < 249; i++ {
				w.put(4, 0)
			}
			for i := 0; i < 16; i++ {
				w.put(16, 0)
			}
			return lzxCab(w.bytes(), 100)
		}, "cab: "},
		{"cab-lzx-block-type-7.cab", func(t *testing.T) []byte {
			var w lzxBits
			w.put(1, 0)
			w.put(3, 7)
			w.put(24, 100)
			w.put(16, 0)
			return lzxCab(w.bytes(), 100)
		}, "cab: "},
		// Cabinets: Quantum streams whose models decode garbage.
		{"cab-quantum-random.cab", func(t *testing.T) []byte {
			r := rand.New(rand.NewPCG(9, 9))
			junk := make([]byte, 3000)
			for i := range junk {
				junk[i] = byte(r.Uint32())
			}
			return (&cabSpec{method: 2 | 4<<4 | 21<<8, blocks: []cabBlock{{data: junk, uncomp: 0x8000}}, fileSize: 0x8000}).bytes()
		}, "cab: "},
		{"cab-quantum-truncated.cab", func(t *testing.T) []byte {
			// A full frame claimed from 8 bytes.
			return (&cabSpec{method: 2 | 4<<4 | 16<<8, blocks: []cabBlock{{data: bytes.Repeat([]byte{0xFF}, 8), uncomp: 0x8000}}, fileSize: 0x8000}).bytes()
		}, "cab: "},
		{"cab-file-past-folder.cab", func(t *testing.T) []byte {
			return (&cabSpec{method: 0, blocks: []cabBlock{{data: []byte("abc"), uncomp: 3}}, fileSize: 0xFFFFFFFF}).bytes()
		}, "cab: "},
	}
}

// baseMSI is a small valid database: testdata/sample.msi with only its
// Property table and summary information left, compacted.
func baseMSI(t testing.TB) []byte {
	t.Helper()
	sample, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := msi.NewDatabase(bytes.NewReader(sample), int64(len(sample)))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range db.TableNames() {
		if name != "Property" {
			if err := db.DropTable(name); err != nil {
				t.Fatalf("drop %s: %v", name, err)
			}
		}
	}
	for _, s := range db.Streams() {
		if s.Name != msi.SummaryInfoStream {
			if err := db.DeleteStream(s.Name); err != nil {
				t.Fatalf("delete stream %q: %v", s.Name, err)
			}
		}
	}
	var out bytes.Buffer
	if _, err := db.Write(&out, &msi.WriteOptions{Compact: true, DropSignature: true}); err != nil {
		t.Fatal(err)
	}
	if err := msiFirstError(out.Bytes()); err != nil {
		t.Fatalf("the base database is not valid: %v", err)
	}
	return out.Bytes()
}

// editStreams rewrites a compound file, replacing the bytes of the root
// streams named (by decoded table name, or by name for other streams)
// with what the edit functions return. Everything else is copied.
func editStreams(t testing.TB, data []byte, edits map[string]func([]byte) []byte) []byte {
	t.Helper()
	r, err := cfb.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w := cfb.NewWriter(&out, nil)
	w.SetRoot(cfb.Header{CLSID: r.Root.CLSID, StateBits: r.Root.StateBits})
	done := map[string]bool{}
	for _, e := range r.Root.Children {
		if e.Type != cfb.TypeStream {
			if err := w.Copy(e); err != nil {
				t.Fatal(err)
			}
			continue
		}
		s, err := e.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(s)
		if err != nil {
			t.Fatal(err)
		}
		name := tableOfStream(e.RawName)
		if name == "" {
			name = e.Name
		}
		if edit, ok := edits[name]; ok {
			b = edit(b)
			done[name] = true
		}
		h := &cfb.Header{RawName: e.RawName, CLSID: e.CLSID, StateBits: e.StateBits, Created: e.Created, Modified: e.Modified}
		if err := w.CreateHeaderFrom("", h, bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for name := range edits {
		if !done[name] {
			t.Fatalf("no stream %q to edit", name)
		}
	}
	return out.Bytes()
}

// msiFirstError reads everything "msikit info" reads (and the streams) and
// returns the first error.
func msiFirstError(data []byte) error {
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	for _, name := range append(db.TableNames(), "_Tables", "_Columns", "_Streams", "_Storages") {
		tab, err := db.Table(name)
		if err != nil {
			return err
		}
		for r := range tab.Rows() {
			for _, v := range r.Values() {
				_ = v.String()
			}
		}
	}
	if _, err := db.SummaryInfo(); err != nil {
		return err
	}
	for _, s := range db.Streams() {
		st, err := db.OpenStream(s.Name)
		if err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, st); err != nil {
			return err
		}
	}
	_, err = install.Cabinets(db)
	return err
}

// cabFirstError opens a cabinet and reads every file.
func cabFirstError(data []byte) error {
	r, err := cab.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	for _, f := range r.Files {
		rc, err := f.Open()
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// TestCraftedFixtures checks that each crafted fixture matches its
// generator (go test -run TestCraftedFixtures -update rewrites them) and
// fails with a typed error, in under a second and 64 MiB.
func TestCraftedFixtures(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(), "testdata", "crafted")
	for _, fx := range craftedFixtures() {
		t.Run(fx.name, func(t *testing.T) {
			data := fx.build(t)
			// The msi fixtures come through msi's and cfb's writers; the
			// cabinets are the generator's own bytes.
			isCab := strings.HasSuffix(fx.name, ".cab")
			differ := t.Logf
			if isCab {
				differ = t.Errorf
			}
			committed := committedFixture(t, dir, fx.name, data, "TestCraftedFixtures", differ)
			err := bounded(t, func() error {
				if isCab {
					return cabFirstError(committed)
				}
				return msiFirstError(committed)
			})
			if err == nil {
				t.Fatal("no error")
			}
			checkTyped(t, err, isCab)
			if !strings.Contains(err.Error(), fx.want) {
				t.Errorf("error %q does not mention %q", err, fx.want)
			}
			t.Logf("%v", err)
		})
	}
	// Nothing in the folder lacks a generator (subfolders such as valid/
	// are checked by their own tests).
	names := map[string]bool{}
	for _, fx := range craftedFixtures() {
		names[fx.name] = true
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && fi.IsDir() {
			continue
		}
		if b := filepath.Base(f); !names[b] && b != "README.md" {
			t.Errorf("%s has no generator", f)
		}
	}
}

// TestNestingFixture opens a package whose storages nest 100,000 deep
// (generated here: it takes megabytes) through the msi API.
func TestNestingFixture(t *testing.T) {
	data := DeepNesting(t, 100000)
	err := bounded(t, func() error { return msiFirstError(data) })
	if err == nil {
		t.Fatal("no error")
	}
	checkTyped(t, err, false)
	if !strings.Contains(err.Error(), "limit") {
		t.Errorf("error %q does not name the limit", err)
	}
}

// DeepNesting returns a compound file with depth storages each inside the
// previous one.
func DeepNesting(t testing.TB, depth int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := cfb.NewWriter(&buf, &cfb.WriterOptions{Version: 4})
	if err := w.Mkdir(strings.Repeat("a/", depth-1)+"a", nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bounded runs f within the safety budget (testenv.CheckBudget) and
// returns its error.
func bounded(t *testing.T, f func() error) error {
	t.Helper()
	var err error
	testenv.CheckBudget(t, t.Name(), func() { err = f() })
	return err
}

// checkTyped requires a *FormatError matching ErrFormat (or an
// *UnsupportedError) of the package that read the file.
func checkTyped(t *testing.T, err error, isCab bool) {
	t.Helper()
	if isCab {
		var fe *cab.FormatError
		var ue *cab.UnsupportedError
		if !(errors.Is(err, cab.ErrFormat) && errors.As(err, &fe)) && !errors.As(err, &ue) {
			t.Errorf("error %v (%T) is neither a cab.FormatError nor a cab.UnsupportedError", err, err)
		}
		return
	}
	var fe *msi.FormatError
	var ue *msi.UnsupportedError
	var cfe *cfb.FormatError
	switch {
	case errors.As(err, &fe) && errors.Is(err, msi.ErrFormat):
		if fe.Stream == "" && fe.Table == "" {
			t.Errorf("error %q names neither a stream nor a table", err)
		}
	case errors.As(err, &ue):
	case errors.As(err, &cfe) && errors.Is(err, cfb.ErrFormat) && errors.Is(err, msi.ErrFormat):
		// A malformed container: the cfb error, matching msi.ErrFormat too.
	default:
		t.Errorf("error %v (%T) is not a typed msi or cfb error", err, err)
	}
}

// lzxBits writes an LZX bit stream: 16-bit little-endian words, filled
// from the most significant bit.
type lzxBits struct {
	out  []byte
	acc  uint32
	nacc uint
}

func (w *lzxBits) put(n uint, v uint32) {
	for i := int(n) - 1; i >= 0; i-- {
		w.acc = w.acc<<1 | (v>>uint(i))&1
		w.nacc++
		if w.nacc == 16 {
			w.out = binary.LittleEndian.AppendUint16(w.out, uint16(w.acc))
			w.acc, w.nacc = 0, 0
		}
	}
}

func (w *lzxBits) bytes() []byte {
	if w.nacc > 0 {
		w.put(16-w.nacc, 0)
	}
	return w.out
}

// lzxCab is a cabinet with one LZX (window 2^15) block of n bytes.
func lzxCab(block []byte, n int) []byte {
	return (&cabSpec{method: 3 | 15<<8, blocks: []cabBlock{{data: block, uncomp: uint16(n)}}, fileSize: uint32(n)}).bytes()
}

// cabSpec is a one-folder, one-file cabinet, written field by field from
// MS-CAB so that any field can lie.
type cabSpec struct {
	method   uint16
	blocks   []cabBlock
	nblocks  uint16 // CFFOLDER.cCFData; 0 means len(blocks)
	fileSize uint32
}

type cabBlock struct {
	data   []byte
	uncomp uint16
}

func (c *cabSpec) bytes() []byte {
	const hdr, folder = 36, 8
	name := []byte("f\x00")
	filesAt := hdr + folder
	dataAt := filesAt + 16 + len(name)
	var data []byte
	for _, b := range c.blocks {
		data = binary.LittleEndian.AppendUint32(data, 0) // no checksum
		data = binary.LittleEndian.AppendUint16(data, uint16(len(b.data)))
		data = binary.LittleEndian.AppendUint16(data, b.uncomp)
		data = append(data, b.data...)
	}
	nblocks := c.nblocks
	if nblocks == 0 {
		nblocks = uint16(len(c.blocks))
	}
	le := binary.LittleEndian
	var b []byte
	b = append(b, "MSCF"...)
	b = le.AppendUint32(b, 0)
	b = le.AppendUint32(b, uint32(dataAt+len(data)))
	b = le.AppendUint32(b, 0)
	b = le.AppendUint32(b, uint32(filesAt))
	b = le.AppendUint32(b, 0)
	b = append(b, 3, 1)       // version 1.3
	b = le.AppendUint16(b, 1) // folders
	b = le.AppendUint16(b, 1) // files
	b = le.AppendUint16(b, 0) // flags
	b = le.AppendUint16(b, 0x1234)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, uint32(dataAt))
	b = le.AppendUint16(b, nblocks)
	b = le.AppendUint16(b, c.method)
	b = le.AppendUint32(b, c.fileSize)
	b = le.AppendUint32(b, 0)      // offset in folder
	b = le.AppendUint16(b, 0)      // folder 0
	b = le.AppendUint16(b, 0x5821) // 2024-01-01
	b = le.AppendUint16(b, 0)
	b = le.AppendUint16(b, 0x20) // archive
	b = append(b, name...)
	return append(b, data...)
}

// TestLimitsThroughOptions checks that the documented budgets are the
// defaults and that msi.ReadOptions passes them on: a nesting past the
// default depth fails by default and passes the depth check when raised,
// and lowered entry and stream budgets refuse the sample package.
func TestLimitsThroughOptions(t *testing.T) {
	deep := DeepNesting(t, cfb.DefaultMaxDepth+2)
	_, err := msi.NewDatabase(bytes.NewReader(deep), int64(len(deep)))
	if !errors.Is(err, cfb.ErrFormat) || !strings.Contains(err.Error(), "limit of 64") {
		t.Errorf("default depth: got %v, want the limit of 64", err)
	}
	_, err = msi.NewDatabaseOptions(bytes.NewReader(deep), int64(len(deep)), &msi.ReadOptions{MaxDepth: cfb.DefaultMaxDepth + 2})
	if err != nil && strings.Contains(err.Error(), "limit") {
		t.Errorf("raised depth: %v", err)
	}

	sample, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = msi.NewDatabaseOptions(bytes.NewReader(sample), int64(len(sample)), &msi.ReadOptions{MaxEntries: 10})
	if !errors.Is(err, msi.ErrFormat) || !strings.Contains(err.Error(), "limit of 10") {
		t.Errorf("MaxEntries 10: got %v", err)
	}
	db, err := msi.NewDatabaseOptions(bytes.NewReader(sample), int64(len(sample)), &msi.ReadOptions{MaxStreamBytes: 64})
	if err == nil {
		_, err = db.Table("Property")
	}
	if !errors.Is(err, msi.ErrFormat) || !strings.Contains(err.Error(), "limit of 64 bytes") {
		t.Errorf("MaxStreamBytes 64: got %v", err)
	}
}

// TestContainerFixturesThroughMSI opens every cfb/testdata/adversarial
// file as a database: the error matches both cfb.ErrFormat and
// msi.ErrFormat, within the time and heap budget.
func TestContainerFixturesThroughMSI(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "cfb", "testdata", "adversarial", "*.cfb"))
	if len(files) == 0 {
		t.Fatal("no cfb/testdata/adversarial fixtures")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			err = bounded(t, func() error { return msiFirstError(data) })
			if !errors.Is(err, msi.ErrFormat) || !errors.Is(err, cfb.ErrFormat) {
				t.Fatalf("got %v, want an error matching msi.ErrFormat and cfb.ErrFormat", err)
			}
		})
	}
}
