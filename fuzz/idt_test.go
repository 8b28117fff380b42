package fuzz

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/idt"
)

// idtSeeds returns IDT texts: every table of testdata/sample.msi as
// msikit exports it, plus hand-made edge cases.
func idtSeeds(tb testing.TB, sample []byte) []string {
	db, err := msi.NewDatabase(bytes.NewReader(sample), int64(len(sample)))
	if err != nil {
		tb.Fatal(err)
	}
	var seeds []string
	for _, table := range idt.Tables(db) {
		var b bytes.Buffer
		if err := idt.Export(&b, db, table, nil); err == nil {
			seeds = append(seeds, b.String())
		}
	}
	return append(seeds,
		"A\tB\tC\r\ns72\tI2\tV0\r\nNew\tA\r\nk\t-1\tblob.bin\r\nl\t\t\r\n",
		"Name\tData\r\ns72\tv0\r\nIcon\tName\r\nx.ico\tblob.bin\r\n",
		"\r\n\r\n0\t_ForceCodepage\r\n",
		"\r\n\r\n1252\t_ForceCodepage\r\n",
		"\r\n\r\n65001\t_ForceCodepage\r\n",
		"\r\n\r\n932\t_ForceCodepage\r\n",
		"A\r\nl0\r\nT\tA\r\nline\x11\x19two\x00three\r\n\r\n\r\n",
	)
}

// lineSet returns the lines of an IDT export after the header, sorted, so
// that exports can be compared regardless of row order.
func lineSet(s string) []string {
	l := strings.Split(s, "\r\n")
	if len(l) > 3 {
		l = l[3:]
	}
	slices.Sort(l)
	return l
}

// FuzzIDTImport imports arbitrary text as an IDT file into the sample
// package, the way "msikit import" does. Malformed input must give an
// error (never a panic, a hang or a huge allocation); accepted input must
// survive writing the database and reading it back: the table exports to
// the same rows before and after.
func FuzzIDTImport(f *testing.F) {
	sample, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range idtSeeds(f, sample) {
		f.Add(s)
	}
	files := fstest.MapFS{}
	for _, table := range []string{"New", "Icon", "Binary", "T"} {
		files[table+"/blob.bin"] = &fstest.MapFile{Data: []byte("binary cell data")}
	}
	f.Fuzz(func(t *testing.T, text string) {
		testenv.CheckFuzzBudget(t, len(text), func() { fuzzImport(t, sample, files, text) })
	})
}

// fuzzImport imports text into the sample database and checks the result.
func fuzzImport(t *testing.T, sample []byte, files fstest.MapFS, text string) {

	db, err := msi.NewDatabase(bytes.NewReader(sample), int64(len(sample)))
	if err != nil {
		t.Fatal(err)
	}
	table, err := idt.Import(db, strings.NewReader(text), files)
	if err == nil {
		if table == idt.ForceCodepageTable {
			checkCodepageChange(t, sample, text, db)
			return
		}
		var exp1, exp2 bytes.Buffer
		if err := idt.Export(&exp1, db, table, nil); err != nil {
			if table != idt.SummaryInformationTable {
				t.Fatalf("import accepted but export of %q fails: %v", table, err)
			}
		}
		var out bytes.Buffer
		if _, err := db.WriteTo(&out); err != nil {
			t.Fatalf("import accepted but WriteTo fails: %v", err)
		}
		db2, err := msi.NewDatabase(bytes.NewReader(out.Bytes()), int64(out.Len()))
		if err != nil {
			t.Fatalf("written database does not open: %v", err)
		}
		if err := idt.Export(&exp2, db2, table, nil); err != nil {
			t.Fatalf("export of %q after writing fails: %v", table, err)
		}
		if table != idt.SummaryInformationTable && !slices.Equal(lineSet(exp1.String()), lineSet(exp2.String())) {
			t.Fatalf("table %q changed by writing:\nbefore %q\nafter  %q", table, exp1.String(), exp2.String())
		}
		if table != idt.SummaryInformationTable {
			checkReimport(t, sample, db2, table, exp2.String())
			checkOwnStreams(t, db2, table)
		}
	} else {
		var ie *idt.Error
		var ve *msi.ValueError
		var ue *msi.UnsupportedError
		if !errors.As(err, &ie) && !errors.As(err, &ve) && !errors.As(err, &ue) && !strings.HasPrefix(err.Error(), "msi: ") && !strings.HasPrefix(err.Error(), "idt: ") {
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
	}
}

// checkOwnStreams requires the rows of table with a binary cell to name
// streams of their own: keys joined by "." can give two rows one name,
// whose one stream holds one cell file's bytes for both.
func checkOwnStreams(t *testing.T, db *msi.Database, table string) {
	t.Helper()
	tab, err := db.Table(table)
	if err != nil {
		t.Fatal(err)
	}
	var binary []int
	for i, c := range tab.Columns() {
		if c.Type == msi.ColBinary {
			binary = append(binary, i)
		}
	}
	if len(binary) == 0 {
		return
	}
	owner := map[string]int{}
	for i := range tab.Len() {
		r := tab.Row(i)
		if !slices.ContainsFunc(binary, func(c int) bool { return !r.IsNull(c) }) || r.StreamNameLen() > msi.MaxStreamNameBytes {
			continue
		}
		if first, ok := owner[r.StreamName()]; ok {
			t.Fatalf("rows %d and %d of %s both name the stream %q", first, i, table, r.StreamName())
		}
		owner[r.StreamName()] = i
	}
}

// checkReimport imports exp, the export of table from db, into the
// sample database again: what an import made must be something an
// export can carry (names an IDT header can hold, values escaped), and
// come back as the same table. A table with a binary column is left
// out: its export without a BinaryDir writes no files to import from.
func checkReimport(t *testing.T, sample []byte, db *msi.Database, table, exp string) {
	t.Helper()
	tab, err := db.Table(table)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tab.Columns() {
		if c.Type == msi.ColBinary {
			return
		}
	}
	db3, err := msi.NewDatabase(bytes.NewReader(sample), int64(len(sample)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := idt.Import(db3, strings.NewReader(exp), nil)
	if err != nil || got != table {
		t.Fatalf("the export of %q does not import again (got %q, %v):\n%q", table, got, err, exp)
	}
	var again bytes.Buffer
	if err := idt.Export(&again, db3, table, nil); err != nil {
		t.Fatalf("export of %q imported again fails: %v", table, err)
	}
	if head := func(s string) []string { return strings.SplitN(s, "\r\n", 4)[:3] }; !slices.Equal(head(exp), head(again.String())) ||
		!slices.Equal(lineSet(exp), lineSet(again.String())) {
		t.Fatalf("table %q changed by an export and import:\nbefore %q\nafter  %q", table, exp, again.String())
	}
}

// checkCodepageChange writes db after an accepted _ForceCodepage import
// and requires the written database to have the new codepage and every
// table to read as in the sample (whose text is ASCII, so the exports match
// byte for byte).
func checkCodepageChange(t *testing.T, sample []byte, text string, db *msi.Database) {
	t.Helper()
	for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if f := strings.Split(line, "\t"); len(f) == 2 && f[1] == idt.ForceCodepageTable {
			if cp, err := strconv.Atoi(strings.TrimSpace(f[0])); err == nil && cp != db.Codepage() {
				t.Fatalf("_ForceCodepage %d accepted, but the codepage is %d", cp, db.Codepage())
			}
			break
		}
	}
	orig, err := msi.NewDatabase(bytes.NewReader(sample), int64(len(sample)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := db.WriteTo(&out); err != nil {
		t.Fatalf("codepage %d accepted but WriteTo fails: %v", db.Codepage(), err)
	}
	db2, err := msi.NewDatabase(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatalf("written database does not open: %v", err)
	}
	if db2.Codepage() != db.Codepage() {
		t.Fatalf("codepage %d written as %d", db.Codepage(), db2.Codepage())
	}
	for _, table := range orig.TableNames() {
		var want, got bytes.Buffer
		if err := idt.Export(&want, orig, table, nil); err != nil {
			continue
		}
		if err := idt.Export(&got, db2, table, nil); err != nil {
			t.Fatalf("export of %q after a codepage change fails: %v", table, err)
		}
		if want.String() != got.String() {
			t.Fatalf("table %q changed with the codepage:\nbefore %q\nafter  %q", table, want.String(), got.String())
		}
	}
}

// FuzzSummaryInfo decodes arbitrary bytes as a summary information
// property set. Decoded sets must encode, and the encoding must decode to
// the same properties.
func FuzzSummaryInfo(f *testing.F) {
	sample, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		f.Fatal(err)
	}
	db, err := msi.NewDatabase(bytes.NewReader(sample), int64(len(sample)))
	if err != nil {
		f.Fatal(err)
	}
	st, err := db.OpenStream(msi.SummaryInfoStream)
	if err != nil {
		f.Fatal(err)
	}
	seed := make([]byte, st.Size())
	st.ReadAt(seed, 0)
	f.Add(seed)
	// Property ids sharing one value: within the allowance, and past it.
	f.Add(summaryShared(30, 1<<10))
	f.Add(summaryShared(200, 1<<10))
	f.Fuzz(func(t *testing.T, data []byte) {
		testenv.CheckFuzzBudget(t, len(data), func() { fuzzSummary(t, data) })
	})
}

// fuzzSummary parses data as summary information and checks that what it
// holds is bounded and survives re-encoding.
func fuzzSummary(t *testing.T, data []byte) {
	si, err := msi.ParseSummaryInfo(data)
	if err != nil {
		if !errors.Is(err, msi.ErrFormat) {
			t.Fatalf("error does not match ErrFormat: %v", err)
		}
		return
	}
	// What the properties hold is bounded by the input, however many
	// ids share one value.
	held := 0
	for _, p := range si.Properties() {
		held += len(p.Raw)
	}
	if held > len(data)+64<<10 {
		t.Fatalf("properties hold %d bytes of a %d-byte set", held, len(data))
	}
	enc, err := si.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	si2, err := msi.ParseSummaryInfo(enc)
	if err != nil {
		t.Fatalf("re-encoded set does not decode: %v", err)
	}
	p1, p2 := si.Properties(), si2.Properties()
	if len(p1) != len(p2) {
		t.Fatalf("%d properties, %d after re-encoding", len(p1), len(p2))
	}
	for i := range p1 {
		if p1[i].ID != p2[i].ID || p1[i].Type != p2[i].Type || p1[i].Text() != p2[i].Text() {
			t.Fatalf("property %d: %v became %v", i, p1[i], p2[i])
		}
	}
}
