package msi

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// oleListing is what olefile sees in a compound file: every stream's
// SHA-256 and every storage's CLSID, by raw path.
const oleListingScript = `
import olefile, sys, hashlib, json
ole = olefile.OleFileIO(sys.argv[1])
out = {}
for e in ole.listdir(streams=True, storages=True):
    p = "/".join(e)
    if ole.get_type(e) == olefile.STGTY_STREAM:
        data = ole.openstream(e).read()
        if len(data) != ole.get_size(e):
            out["S " + p] = "TRUNCATED"  # a truncated source file: olefile reads short
        else:
            out["S " + p] = hashlib.sha256(data).hexdigest()
    else:
        out["D " + p] = ole.getclsid(e)
out["ROOT"] = ole.root.clsid
print(json.dumps(out))
`

func oleListing(t *testing.T, py, file string) map[string]string {
	t.Helper()
	out, err := exec.Command(py, "-c", oleListingScript, file).Output()
	if err != nil {
		t.Fatalf("olefile on %s: %v", file, err)
	}
	var m map[string]string
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// isTableStreamPath reports whether an olefile path (decoded as UTF-16
// text) is a table stream at the root.
func isTableStreamPath(p string) bool {
	r := []rune(p)
	return len(r) > 0 && r[0] == tablePrefix
}

// TestRepackCorpus re-encodes every table of every corpus database
// (WriteOptions.Compact) and checks with the oracles that nothing changed:
// msiinfo export of every table is identical to the original's, every
// non-table stream is byte-identical and every storage survives (olefile).
//
// The original side of the table comparison is dumpTable of the decoded
// original, which TestCorpusTablesMatchMsiinfo checks against msiinfo
// export of the original for every table; running msiinfo once per table
// here halves the time this test takes.
func TestRepackCorpus(t *testing.T) {
	t.Parallel() // long oracle runs overlap with the package's other tests
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	py := testenv.NeedOlefile(t)
	files := testenv.CorpusFiles(t)
	if testing.Short() {
		files = files[:len(files)/4]
	}
	dir := t.TempDir()
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			db, err := Open(file)
			if err != nil {
				if testenv.IsCorrupt(file) {
					t.Skipf("corrupt fixture: %v", err)
				}
				t.Fatal(err)
			}
			defer db.Close()
			if db.Kind() == PackageTransform {
				t.Skip("transforms are not rewritten")
			}
			out := filepath.Join(dir, filepath.Base(file))
			err = db.Save(out, &SaveOptions{WriteOptions: WriteOptions{Compact: true, DropSignature: db.Signed()}})
			if err != nil {
				t.Fatal(err)
			}
			// Tables: msiinfo export of each, original vs repacked.
			var wg sync.WaitGroup
			sem := make(chan struct{}, 4)
			for _, name := range db.TableNames() {
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer func() { <-sem; wg.Done() }()
					tab, err := db.Table(name)
					if err != nil {
						return // undecodable in the original (corrupt fixtures)
					}
					want := dumpTable(tab, false)
					got, err2 := msiinfoExport(t, msiinfo, out, name)
					if err2 != nil {
						t.Errorf("%s: msiinfo cannot export the repacked table: %v", name, err2)
						return
					}
					if d := cmp.Diff(string(want), string(got)); d != "" {
						t.Errorf("%s: export differs after repack (-orig +repacked):\n%s", name, d)
					}
				}()
			}
			wg.Wait()
			// Streams and storages.
			orig, rep := oleListing(t, py, file), oleListing(t, py, out)
			for k, v := range orig {
				if k[0] == 'S' && isTableStreamPath(k[2:]) {
					continue
				}
				if db.Signed() && (k == "S \x05DigitalSignature" || k == "S \x05MsiDigitalSignatureEx") {
					if _, ok := rep[k]; ok {
						t.Errorf("%q kept although the signature was dropped", k)
					}
					continue
				}
				if v == "TRUNCATED" {
					t.Logf("%q is truncated in the original; not compared", k)
					continue
				}
				if rep[k] != v {
					t.Errorf("%q: %q after repack, was %q", k, rep[k], v)
				}
			}
		})
	}
}

// TestRewriteUnchangedIsIdentical checks that writing an unmodified
// database (no Compact) re-encodes no table: every stream keeps its bytes.
func TestRewriteUnchangedIsIdentical(t *testing.T) {
	for _, name := range []string{"../testdata/sample.msi"} {
		db, err := Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var buf bytes.Buffer
		if _, err := db.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		db2, err := NewDatabase(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range db.cf.Entries() {
			if e.Type != 2 {
				continue
			}
			e2 := db2.cf.Lookup(e.Path)
			if e2 == nil {
				t.Errorf("%q missing after rewrite", e.Name)
				continue
			}
			if a, b := readAll(t, e.Path, db), readAll(t, e.Path, db2); !bytes.Equal(a, b) {
				name, _ := unpackName(e.RawName)
				t.Errorf("%q changed after rewriting an unmodified database (%d -> %d bytes)", name, len(a), len(b))
			}
		}
	}
}

func readAll(t *testing.T, path string, db *Database) []byte {
	t.Helper()
	e := db.cf.Lookup(path)
	s, err := e.Open()
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, e.Size)
	if _, err := s.ReadAt(b, 0); err != nil && e.Size > 0 {
		t.Fatal(err)
	}
	return b
}

// TestEditKeepsOtherStreams changes one table of corpus databases and
// checks that every other stream (tables included) keeps its bytes: only
// the changed table and the string pool are re-encoded.
func TestEditKeepsOtherStreams(t *testing.T) {
	files := []string{"../testdata/sample.msi"}
	if dir := testenv.CorpusDir(); dir != "" {
		files = append(files, filepath.Join(dir, "real", "wixsharp-MyProduct.msi"), filepath.Join(dir, "synthetic", "synth-cp1251.msi"),
			filepath.Join(dir, "synthetic", "synth-manystrings.msi"))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			db, err := Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			prop, err := db.Table("Property")
			if err != nil {
				t.Fatal(err)
			}
			if err := prop.Insert(StrValue("MSIKIT_EDIT"), StrValue("yes")); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			// The default new PackageCode changes the summary stream;
			// TestNewPackageCode checks that.
			if _, err := db.Write(&buf, &WriteOptions{KeepPackageCode: true}); err != nil {
				t.Fatal(err)
			}
			db2, err := NewDatabase(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			if err != nil {
				t.Fatal(err)
			}
			changed := map[string]bool{"Property": true, poolStream: true, dataStream: true}
			for _, e := range db.cf.Entries() {
				if e.Type != 2 || e.Parent != db.cf.Root {
					continue
				}
				name, isTable := unpackName(e.RawName)
				if isTable && changed[name] {
					continue
				}
				if a, b := readAll(t, e.Path, db), readAll(t, e.Path, db2); !bytes.Equal(a, b) {
					t.Errorf("%q (table=%v) changed although only Property was edited", name, isTable)
				}
			}
			p2, _ := db2.Table("Property")
			if r, ok := p2.Lookup(StrValue("MSIKIT_EDIT")); !ok || r.Get("Value").Str() != "yes" {
				t.Error("edit not read back")
			}
		})
	}
}
