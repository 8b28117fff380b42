package fuzz

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/cab"
	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform"
)

// Per-input budgets of FuzzRewrite. An input past the deadline is run a
// second time before it fails: on a loaded machine (parallel workers,
// other builds) any input can stall once, while a real hang repeats.
const (
	rewriteSeedMax  = 64 << 10
	rewriteDeadline = 2 * time.Second
	rewriteHeap     = 256 << 20
)

// rewriteSeeds returns the small packages in testdata (ours and the
// transform fixtures, the crafted hostile ones) and, when present, the
// shared corpus.
func rewriteSeeds() [][]byte {
	return seedFiles([]string{"testdata/*.ms?", "testdata/crafted/*", "testdata/crafted/valid/*", "transform/testdata/*/*.ms?"}, "*.ms?", rewriteSeedMax)
}

// passError reports whether err is one of the errors a pass may give on
// hostile or unsuitable input: a malformed database or cabinet, a signed package, an
// unsupported feature, or an edit the database's own rules refuse.
func passError(err error) bool {
	var ue *msi.UnsupportedError
	var ve *msi.ValueError
	return errors.Is(err, msi.ErrFormat) || errors.Is(err, msi.ErrSigned) || errors.Is(err, cab.ErrFormat) ||
		errors.As(err, &ue) || errors.As(err, &ve)
}

// runPasses runs every transform pass on db, in the order "msikit rewrite
// --all" runs them (class-to-registry, leaf-features, assembly-names), and returns the tables the reports say changed. ok is
// false when a pass refused the database (the caller then discards it, as
// the passes' documentation asks).
func runPasses(t *testing.T, db *msi.Database) (touched map[string]bool, ok bool) {
	t.Helper()
	touched = map[string]bool{}
	passes := []struct {
		name string
		run  func() (*transform.Report, error)
	}{
		{"ClassToRegistry", func() (*transform.Report, error) {
			return transform.ClassToRegistry(db, transform.ClassToRegistryOptions{})
		}},
		{"SplitAdvertised", func() (*transform.Report, error) {
			return transform.SplitAdvertised(db, transform.SplitAdvertisedOptions{})
		}},
		{"AssemblyNames", func() (*transform.Report, error) {
			// Files come out of the package's own cabinets, as in
			// "msikit rewrite"; the fallback makes the pass edit the
			// rows whose file cannot be read.
			return transform.AssemblyNames(db, transform.AssemblyNamesOptions{
				MaxFileBytes: maxAssemblyFile, ProcessorArchitecture: "MSIL", AllowSigned: true})
		}},
	}
	for _, p := range passes {
		rep, err := p.run()
		if err != nil {
			// ClassToRegistry refuses patches with a plain error.
			other := db.Kind() != msi.PackageInstaller && db.Kind() != msi.PackageMergeModule && strings.HasPrefix(err.Error(), "transform: ")
			if !passError(err) && !other {
				t.Fatalf("%s: untyped error %T: %v", p.name, err, err)
			}
			return touched, false
		}
		if rep == nil {
			t.Fatalf("%s: nil report without an error", p.name)
		}
		for _, c := range rep.Changes() {
			touched[c.Table] = true
		}
		var b strings.Builder
		if err := rep.WriteText(&b); err != nil {
			t.Fatalf("%s: WriteText: %v", p.name, err)
		}
	}
	return touched, true
}

// maxAssemblyFile bounds one file read out of a package for AssemblyNames,
// well inside the target's heap ceiling.
const maxAssemblyFile = 8 << 20

// msiAlphabet is the 64-character alphabet of MSI stream-name packing.
const msiAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._"

// tableOfStream returns the table a CFB stream name holds ("" if the name
// is not a packed table name). Packed names start with U+4840; U+3800 to
// U+47FF carry two alphabet characters (low six bits first), U+4800 to
// U+483F one.
func tableOfStream(raw []uint16) string {
	if len(raw) == 0 || raw[0] != 0x4840 {
		return ""
	}
	var b strings.Builder
	for _, u := range raw[1:] {
		switch {
		case u >= 0x3800 && u < 0x4800:
			c := u - 0x3800
			b.WriteByte(msiAlphabet[c&0x3f])
			b.WriteByte(msiAlphabet[c>>6&0x3f])
		case u >= 0x4800 && u < 0x4840:
			b.WriteByte(msiAlphabet[u-0x4800])
		default:
			b.WriteRune(rune(u))
		}
	}
	return b.String()
}

// rawStreams maps every stream of a compound file, keyed by its raw path,
// to its bytes, and names the table each holds.
func rawStreams(t *testing.T, data []byte) (map[string][]byte, map[string]string) {
	t.Helper()
	r, err := cfb.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("cfb: %v", err)
	}
	bytesOf, tables := map[string][]byte{}, map[string]string{}
	for _, e := range r.Entries() {
		if e.Type != cfb.TypeStream {
			continue
		}
		var key []string
		for a := e; a.Parent != nil; a = a.Parent {
			key = append(key, string(utf16Bytes(a.RawName)))
		}
		k := strings.Join(key, "\x00/")
		s, err := e.Open()
		if err != nil {
			t.Fatalf("open %q: %v", e.Path, err)
		}
		b, err := io.ReadAll(s)
		if err != nil {
			t.Fatalf("read %q: %v", e.Path, err)
		}
		bytesOf[k] = b
		if e.Parent.Parent == nil {
			tables[k] = tableOfStream(e.RawName)
		}
	}
	return bytesOf, tables
}

func utf16Bytes(u []uint16) []byte {
	b := make([]byte, 0, 2*len(u))
	for _, x := range u {
		b = append(b, byte(x), byte(x>>8))
	}
	return b
}

// FuzzRewrite is what "msikit rewrite --all" does to an untrusted package,
// through the public API: open it, run every transform pass
// (ClassToRegistry, AssemblyNames, SplitAdvertised), write it to memory,
// reopen the output and check that what was read survived:
//
//   - every table the reports do not name has the same rows as before;
//   - every table reads back exactly as the passes left it in memory;
//   - every stream and table stream that nothing changed is byte-identical
//     (only the string pool, _Tables/_Columns, the tables the passes
//     changed and the dropped signature may differ).
//
// Each input must finish within 2 s (twice, on a loaded machine) and
// allocate under 256 MiB.
func FuzzRewrite(f *testing.F) {
	for _, b := range rewriteSeeds() {
		f.Add(b)
	}
	for _, b := range ownerSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 8<<20 {
			return
		}
		testenv.CheckFuzzBudget(t, len(data), func() { fuzzRewrite(t, data) })
	})
}

func fuzzRewrite(t *testing.T, data []byte) {
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		if !strings.HasPrefix(err.Error(), "msi: ") {
			t.Fatalf("error without the msi: prefix: %v", err)
		}
		return
	}
	if db.Kind() == msi.PackageTransform {
		return // a transform's tables are change records; rewrite refuses them
	}
	read, _ := dumpDatabase(t, db)
	had := map[string]bool{}
	for _, name := range db.TableNames() {
		had[name] = true
	}
	touched, ok := runPasses(t, db)
	if !ok {
		return
	}
	edited, _ := dumpDatabase(t, db)
	// _Tables and _Columns show the schema as edited: they gain the
	// tables the passes created (which their reports name), nothing else.
	for _, name := range []string{"_Tables", "_Columns"} {
		if d := cmp.Diff(withoutCreated(read[name], had, touched), withoutCreated(edited[name], had, touched)); d != "" {
			t.Fatalf("%s changed in memory beyond the tables the passes created (-read +edited):\n%s", name, d)
		}
	}
	for name := range read {
		if !touched[name] && name != "_Streams" && name != "_Tables" && name != "_Columns" {
			if d := cmp.Diff(read[name], edited[name]); d != "" {
				t.Fatalf("table %s changed in memory but no report names it (-read +edited):\n%s", name, d)
			}
		}
	}

	var out bytes.Buffer
	if _, err := db.Write(&out, &msi.WriteOptions{DropSignature: true}); err != nil {
		if !strings.HasPrefix(err.Error(), "msi: ") {
			t.Fatalf("write error without the msi: prefix: %v", err)
		}
		return
	}
	db2, err := msi.NewDatabase(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatalf("cannot read our own output: %v", err)
	}
	reread, _ := dumpDatabase(t, db2)
	for name, rows := range edited {
		if name == "_Streams" {
			continue // signature streams are dropped; streams compared below
		}
		if d := cmp.Diff(rows, reread[name]); d != "" {
			t.Fatalf("table %s changed by writing (-edited +reread):\n%s", name, d)
		}
	}

	// Untouched streams stay byte-identical.
	inStreams, inTables := rawStreams(t, data)
	outStreams, _ := rawStreams(t, out.Bytes())
	for k, b := range inStreams {
		switch table := inTables[k]; {
		case table == "_StringPool" || table == "_StringData" || table == "_Tables" || table == "_Columns":
			continue
		case table != "" && touched[table]:
			continue
		case table == "" && (k == string(utf16Bytes(u16(msi.DigitalSignatureStream))) ||
			k == string(utf16Bytes(u16("\x05MsiDigitalSignatureEx")))):
			continue
		}
		got, found := outStreams[k]
		if !found {
			t.Fatalf("stream %q (table %q) lost by the rewrite", k, inTables[k])
		}
		if k == string(utf16Bytes(u16(msi.SummaryInfoStream))) && db.ContentModified() {
			// A changed package gets a new PackageCode: only the
			// Revision Number may differ.
			if d := summaryDiffBesidesRevision(b, got); d != "" {
				t.Fatalf("summary information changed beyond the PackageCode:\n%s", d)
			}
			continue
		}
		if !bytes.Equal(b, got) {
			t.Fatalf("stream %q (table %q) changed by the rewrite: %d bytes, now %d", k, inTables[k], len(b), len(got))
		}
	}
}

// withoutCreated returns the rows of a dumped _Tables or _Columns (see
// dumpDatabase) without those of the tables a pass created: tables the
// database did not list before (had), which a report must name. Rows
// naming no table at all (orphan _Columns rows) stay, and so do those of
// a created table no report names, for the caller's comparison to fail. A table listed
// twice in the source _Tables is listed once after a schema change (the
// duplicate has no table of its own; opening warns of it): rows are
// compared as a set.
func withoutCreated(rows []string, had, touched map[string]bool) []string {
	if len(rows) == 0 {
		return rows
	}
	out := []string{rows[0]}
	for _, r := range rows[1:] {
		name, _, _ := strings.Cut(strings.TrimPrefix(r, "String:"), "\t")
		if !had[name] && touched[name] {
			continue
		}
		if r != out[len(out)-1] {
			out = append(out, r)
		}
	}
	return out
}

func u16(s string) []uint16 {
	var u []uint16
	for _, r := range s {
		u = append(u, uint16(r))
	}
	return u
}

// summaryDiffBesidesRevision compares two summary information streams
// without their Revision Number (PackageCode).
func summaryDiffBesidesRevision(a, b []byte) string {
	sa, errA := msi.ParseSummaryInfo(a)
	sb, errB := msi.ParseSummaryInfo(b)
	if errA != nil || errB != nil {
		if errA != nil && errB != nil {
			return ""
		}
		return fmt.Sprintf("parse: %v, %v", errA, errB)
	}
	sa.Delete(msi.PIDRevision)
	sb.Delete(msi.PIDRevision)
	ma, _ := sa.MarshalBinary()
	mb, _ := sb.MarshalBinary()
	if !bytes.Equal(ma, mb) {
		return fmt.Sprintf("%v\n%v", sa.Properties(), sb.Properties())
	}
	return ""
}
