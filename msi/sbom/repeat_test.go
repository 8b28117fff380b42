package sbom

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/cab"
	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

// repeatedRowHeld bounds the heap an Inventory holds per File row of a
// package repeating one row as stored (testdata/crafted/valid
// msi-duplicate-rows.msi: app.exe 1,601 times, its cabinet holding one).
// Each copy is one File with its own path and its failure: 651 bytes,
// with the tables Read loads (762 while each copy's failure had an error
// of its own). When the failures of the copies were listed as files of
// their own (as if no File row named them), beside the copies, it was
// 1,214.
const repeatedRowHeld = 750

// TestRepeatedFileRows reads a package whose File table repeats the row
// of app.exe: the copy the cabinet holds is read, and each other copy is
// its own File, at its own path, with its failure; nothing else is
// listed.
func TestRepeatedFileRows(t *testing.T) {
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-duplicate-rows.msi"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tab, err := db.Table("File")
	if err != nil {
		t.Fatal(err)
	}
	rows := tab.Len()
	var inv *Inventory
	held := testenv.LiveBytes(func() any {
		if inv, err = Read(db, nil); err != nil {
			t.Fatal(err)
		}
		return inv
	})
	if len(inv.Files) != rows {
		t.Errorf("%d files listed, the File table has %d rows", len(inv.Files), rows)
	}
	read, failed := 0, 0
	paths := map[string]bool{}
	for _, f := range inv.Files {
		if f.Path == "" || paths[f.Path] {
			t.Errorf("File %q: install path %q, empty or met before", f.Key, f.Path)
		}
		paths[f.Path] = true
		var fe *install.FileError
		switch {
		case f.Read:
			read++
		case errors.As(f.ReadErr, &fe) && fe.Key == "app.exe":
			failed++
		default:
			t.Errorf("File %q (%s): not read, error %v", f.Key, f.Path, f.ReadErr)
		}
	}
	if failed != rows-17 || read != 17 {
		t.Errorf("%d files read, %d failed; want 17 and %d", read, failed, rows-17)
	}
	per := held / uint64(rows)
	t.Logf("%d File rows: %d bytes held, %d per row", rows, held, per)
	if per > repeatedRowHeld {
		t.Errorf("the inventory holds %d bytes per File row, want at most %d", per, repeatedRowHeld)
	}
	runtime.KeepAlive(inv)
}

// repeatedKeyPackage writes a package whose File table holds the key
// app.exe three times, as three rows of their own (components App, Data1
// and Data2, so three install and source paths), each copy copySize
// bytes. The embedded cabinet holds the first copy, its data corrupt
// partway (its second block's checksum does not match); the other two
// are uncompressed beside the package, each with contents of its own.
// It returns the package's path, by install path what each copy holds,
// and the install path of the cabinet's copy.
func repeatedKeyPackage(t *testing.T) (pkg string, contents map[string][]byte, inCabinet string) {
	t.Helper()
	const copySize = 40000 // two blocks of the stored cabinet
	db := sample(t)
	copyOf := func(n byte) []byte {
		b := make([]byte, copySize)
		for i := range b {
			b[i] = byte(i>>8) ^ n
		}
		return b
	}
	// Rows data1.txt and data2.txt become copies of app.exe: as large,
	// and no MsiFileHash rows of their own.
	for _, key := range []string{"app.exe", "data1.txt", "data2.txt"} {
		update1(t, db, "File", key, map[string]msi.Value{"FileSize": msi.IntValue(copySize)})
	}
	hashes, err := db.Table("MsiFileHash")
	if err != nil {
		t.Fatal(err)
	}
	hashes.DeleteFunc(func(msi.Row) bool { return true })
	files, err := db.Table("File")
	if err != nil {
		t.Fatal(err)
	}
	var entries []cabEntry
	for row := range files.Rows() {
		switch key := row.Get("File").Str(); key {
		case "app.exe", "data1.txt", "data2.txt":
		default:
			b := []byte("contents of " + key)
			update1(t, db, "File", key, map[string]msi.Value{"FileSize": msi.IntValue(int32(len(b)))})
			entries = append(entries, cabEntry{key, b})
		}
	}
	// app.exe last, so that only it spans the corrupt block.
	cab := storedCabinet(append(entries, cabEntry{"app.exe", copyOf(0)}))
	second := binary.LittleEndian.Uint32(cab[36:]) + 8 + 32768
	binary.LittleEndian.PutUint32(cab[second:], 0xdeadbeef)
	if err := db.SetStream("synth.cab", bytes.NewReader(cab), int64(len(cab))); err != nil {
		t.Fatal(err)
	}
	db, data := reopen(t, db)

	// The File key of the rows of data1.txt and data2.txt becomes
	// app.exe's, in the File table as stored.
	raw, _, err := db.RawTableStream("File")
	if err != nil {
		t.Fatal(err)
	}
	if files, err = db.Table("File"); err != nil {
		t.Fatal(err)
	}
	w, n := db.StringRefSize(), files.Len()
	app := -1
	var copies []int
	for i := range n {
		switch files.Row(i).Get("File").Str() {
		case "app.exe":
			app = i
		case "data1.txt", "data2.txt":
			copies = append(copies, i)
		}
	}
	if app < 0 || len(copies) != 2 {
		t.Fatalf("File rows app.exe at %d, copies at %v", app, copies)
	}
	for _, i := range copies {
		copy(raw[i*w:(i+1)*w], raw[app*w:(app+1)*w])
	}
	data = replaceTableStream(t, data, "File", raw)

	dir := t.TempDir()
	pkg = filepath.Join(dir, "repeated.msi")
	if err := os.WriteFile(pkg, data, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err = msi.Open(pkg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	layout, err := install.Files(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	contents = map[string][]byte{}
	for f := range layout {
		if f.Key != "app.exe" {
			continue
		}
		b := copyOf(byte(len(contents)))
		contents[f.Path] = b
		if f.Component == "App" {
			inCabinet = f.Path
			continue
		}
		src := filepath.Join(dir, filepath.FromSlash(f.SourcePath))
		if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(src, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if len(contents) != 3 || inCabinet == "" {
		t.Fatalf("%d copies of app.exe laid out, the cabinet's at %q; want 3", len(contents), inCabinet)
	}
	return pkg, contents, inCabinet
}

// replaceTableStream returns the compound file data with the stream of
// table name holding b; everything else is copied.
func replaceTableStream(t *testing.T, data []byte, name string, b []byte) []byte {
	t.Helper()
	rawName, err := msi.EncodeStreamName(name, true)
	if err != nil {
		t.Fatal(err)
	}
	r, err := cfb.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cw := cfb.NewWriter(&out, nil)
	cw.SetRoot(cfb.Header{CLSID: r.Root.CLSID, StateBits: r.Root.StateBits})
	replaced := false
	for _, e := range r.Root.Children {
		if e.Type != cfb.TypeStream || !slices.Equal(e.RawName, rawName) {
			if err := cw.Copy(e); err != nil {
				t.Fatal(err)
			}
			continue
		}
		replaced = true
		h := &cfb.Header{RawName: e.RawName, CLSID: e.CLSID, StateBits: e.StateBits, Created: e.Created, Modified: e.Modified}
		if err := cw.CreateHeaderFrom("", h, bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
	}
	if err := cw.Close(); err != nil {
		t.Fatal(err)
	}
	if !replaced {
		t.Fatalf("no stream of table %s", name)
	}
	return out.Bytes()
}

// copyResult is what an inventory says of one copy of a File row.
type copyResult struct {
	Read    bool
	Size    int64
	SHA256  []byte
	Corrupt bool // ReadErr is the cabinet's error (matching cab.ErrFormat)
}

// TestRepeatedFileRowsOwnResults reads a package repeating the File key
// app.exe three times: the cabinet's copy, whose data is corrupt partway,
// and two uncompressed copies beside the package. Each row gets its own
// copy's hashes or failure (the first row's failure went to the last
// row, and each uncompressed copy's hashes to the row before it).
func TestRepeatedFileRowsOwnResults(t *testing.T) {
	pkg, contents, inCabinet := repeatedKeyPackage(t)
	db, err := msi.Open(pkg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	inv, err := Read(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, got := map[string]copyResult{}, map[string]copyResult{}
	for p, b := range contents {
		if p == inCabinet {
			want[p] = copyResult{Size: int64(len(b)), Corrupt: true}
			continue
		}
		want[p] = copyResult{Read: true, Size: int64(len(b)), SHA256: sum256(b)}
	}
	for _, f := range inv.Files {
		if f.Key != "app.exe" {
			continue
		}
		var fe *install.FileError
		corrupt := errors.As(f.ReadErr, &fe) && fe.Key == "app.exe" && errors.Is(f.ReadErr, cab.ErrFormat)
		if f.ReadErr != nil && !corrupt {
			t.Errorf("%s: error %v, want the cabinet's checksum error", f.Path, f.ReadErr)
		}
		got[f.Path] = copyResult{Read: f.Read, Size: f.Size, SHA256: f.SHA256, Corrupt: corrupt}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("copies of app.exe (-want +got):\n%s", diff)
	}
}
