package assemblynames

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/msikit/msikit/transform/internal/edit"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/assembly/asmtest"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

// ecmaKey is the ECMA standard public key; its token is B77A5C561934E089.
var ecmaKey = []byte{0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0}

// fixture builds a .NET assembly image in code.
func fixture(corFlags uint32, signed bool) []byte {
	s := asmtest.Spec{
		Machine: 0x14c, CorFlags: corFlags, Name: "Contoso.Lib", Ver: [4]uint16{1, 2, 0, 0},
		Fills:       []asmtest.Fill{{Table: 0, Rows: 1, RowSize: 10}},
		FileVersion: &[4]uint16{1, 2, 3, 4},
	}
	if signed {
		s.PublicKey = ecmaKey
	}
	return asmtest.BuildPE(s)
}

const manifestXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0">
  <assemblyIdentity type="win32" name="Contoso.Native" version="2.0.0.1" processorArchitecture="x86" publicKeyToken="6595b64144ccf1df"/>
</assembly>`

// testDB opens the repository's sample package and replaces its
// assemblies with one component C1 whose files are given by key (long
// names equal to the keys, in BINDIR), and one MsiAssembly row.
func testDB(t *testing.T, attrs int32, keyPath, manifest string, fileKeys []string, authored [][2]string) *msi.Database {
	t.Helper()
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tab := func(name string) *msi.Table {
		tb, err := db.Table(name)
		if err != nil {
			t.Fatal(err)
		}
		return tb
	}
	tab("MsiAssembly").DeleteFunc(func(msi.Row) bool { return true })
	tab("MsiAssemblyName").DeleteFunc(func(msi.Row) bool { return true })
	s := msi.StrValue
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(tab("Component").Insert(s("C1"), s("{11111111-2222-3333-4444-555555555555}"), s("BINDIR"), msi.IntValue(0), msi.Null, s(keyPath)))
	for i, k := range fileKeys {
		must(tab("File").Insert(s(k), s("C1"), s(k), msi.IntValue(100), msi.Null, msi.Null, msi.IntValue(512), msi.IntValue(int32(100+i))))
	}
	must(tab("MsiAssembly").Insert(s("C1"), s("Assemblies"), s(manifest), msi.Null, msi.IntValue(attrs)))
	for _, a := range authored {
		must(tab("MsiAssemblyName").Insert(s("C1"), s(a[0]), s(a[1])))
	}
	return db
}

// names returns the MsiAssemblyName rows of a component as name → value.
func names(t *testing.T, db *msi.Database, comp string) map[string]string {
	t.Helper()
	tb, err := db.Table("MsiAssemblyName")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for r := range tb.Rows() {
		if r.Get("Component_").Str() == comp {
			m[r.Get("Name").Str()] = r.Get("Value").Str()
		}
	}
	return m
}

func openMap(files map[string][]byte) func(string) (io.ReaderAt, int64, error) {
	return func(key string) (io.ReaderAt, int64, error) {
		b, ok := files[key]
		if !ok {
			return nil, 0, fs.ErrNotExist
		}
		return bytes.NewReader(b), int64(len(b)), nil
	}
}

func noteText(rep *edit.Log) string {
	var b strings.Builder
	for _, n := range rep.Notes {
		b.WriteString(string(n.Severity) + ": " + n.Reason + "\n")
	}
	return b.String()
}

func TestAssemblyNames(t *testing.T) {
	anyCPU := fixture(1, true)
	x86 := fixture(3, true)
	unsigned := fixture(1, false)
	full := map[string]string{"name": "Contoso.Lib", "version": "1.2.0.0", "culture": "neutral", "publicKeyToken": "B77A5C561934E089", "processorArchitecture": "MSIL"}
	with := func(m map[string]string, kv ...string) map[string]string {
		c := map[string]string{}
		for k, v := range m {
			c[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(c, kv[i])
			} else {
				c[kv[i]] = kv[i+1]
			}
		}
		return c
	}
	pairs := func(m map[string]string) [][2]string {
		var p [][2]string
		for _, k := range attrNames {
			if v, ok := m[k]; ok {
				p = append(p, [2]string{k, v})
			}
		}
		return p
	}
	tests := []struct {
		name     string
		attrs    int32
		file     []byte // contents of key file "lib.dll" (nil: not available)
		manifest bool   // add "lib.manifest" as File_Manifest with manifestXML
		authored [][2]string
		opts     Options
		want     map[string]string
		changes  int
		note     string // substring expected in the notes
	}{
		{name: "fills missing attributes", file: anyCPU, authored: [][2]string{{"name", "Contoso.Lib"}},
			want: full, changes: 4},
		{name: "FileVersion adds fileVersion", file: anyCPU, authored: [][2]string{{"name", "Contoso.Lib"}},
			opts: Options{FileVersion: true}, want: with(full, "fileVersion", "1.2.3.4"), changes: 5},
		{name: "existing fileVersion checked without the option", file: anyCPU, authored: pairs(with(full, "fileVersion", "1.2.3.4")),
			want: with(full, "fileVersion", "1.2.3.4"), changes: 0, note: "identity matches"},
		{name: "neutral replaced by derived x86", file: x86, authored: pairs(with(full, "processorArchitecture", "neutral")),
			want: with(full, "processorArchitecture", "x86"), changes: 1},
		{name: "correct row untouched, case aside", file: anyCPU,
			authored: [][2]string{{"name", "contoso.lib"}, {"version", "1.2.0.0"}, {"culture", "NEUTRAL"}, {"publicKeyToken", "b77a5c561934e089"}, {"processorArchitecture", "msil"}},
			want:     map[string]string{"name": "contoso.lib", "version": "1.2.0.0", "culture": "NEUTRAL", "publicKeyToken": "b77a5c561934e089", "processorArchitecture": "msil"},
			changes:  0, note: "identity matches"},
		{name: "zero-padded version equals", file: anyCPU, authored: pairs(with(full, "version", "1.2.0.00000000")),
			want: with(full, "version", "1.2.0.00000000"), changes: 0},
		{name: "different identity reported, kept", file: anyCPU, authored: pairs(with(full, "version", "9.9.9.9")),
			want: with(full, "version", "9.9.9.9"), changes: 0, note: `authored version "9.9.9.9" differs from "1.2.0.0"`},
		{name: "Force overwrites a different identity", file: anyCPU, authored: pairs(with(full, "version", "9.9.9.9")),
			opts: Options{Force: true}, want: full, changes: 1},
		{name: "invalid version replaced", file: anyCPU, authored: pairs(with(full, "version", "1.2")),
			want: full, changes: 1},
		{name: "invalid token replaced", file: anyCPU, authored: pairs(with(full, "publicKeyToken", "xyz")),
			want: full, changes: 1},
		{name: "unsigned file, authored token kept and reported", file: unsigned, authored: pairs(full),
			want: full, changes: 0, note: "has no such attribute"},
		{name: "unsigned file gets no token", file: unsigned, authored: [][2]string{{"name", "Contoso.Lib"}},
			want: with(full, "publicKeyToken", ""), changes: 3},
		{name: "win32 from manifest", attrs: 1, manifest: true, authored: [][2]string{{"name", "Contoso.Native"}},
			want: map[string]string{"name": "Contoso.Native", "version": "2.0.0.1", "processorArchitecture": "x86", "publicKeyToken": "6595b64144ccf1df", "type": "win32"}, changes: 4},
		{name: "win32 processorArchitecture not judged", attrs: 1, manifest: true,
			authored: [][2]string{{"name", "Contoso.Native"}, {"processorArchitecture", "amd64"}},
			want:     map[string]string{"name": "Contoso.Native", "version": "2.0.0.1", "processorArchitecture": "amd64", "publicKeyToken": "6595b64144ccf1df", "type": "win32"}, changes: 3,
			note: "differs"},
		{name: "unreadable: fallback replaces neutral", authored: pairs(with(full, "processorArchitecture", "neutral")),
			opts: Options{ProcessorArchitecture: "x86"}, want: with(full, "processorArchitecture", "x86"), changes: 1, note: "guess"},
		{name: "unreadable: fallback adds missing", authored: [][2]string{{"name", "Contoso.Lib"}},
			opts: Options{ProcessorArchitecture: "amd64"}, want: map[string]string{"name": "Contoso.Lib", "processorArchitecture": "AMD64"}, changes: 1, note: "not read from metadata"},
		{name: "unreadable: valid row left alone", authored: pairs(full),
			opts: Options{ProcessorArchitecture: "x86"}, want: full, changes: 0, note: "not read from metadata"},
		{name: "unreadable without fallback", authored: [][2]string{{"name", "Contoso.Lib"}},
			want: map[string]string{"name": "Contoso.Lib"}, changes: 0, note: "cannot be derived"},
		{name: "malformed file uses fallback", file: []byte("MZ but not a PE"), authored: [][2]string{{"name", "Contoso.Lib"}},
			opts: Options{ProcessorArchitecture: "MSIL"}, want: map[string]string{"name": "Contoso.Lib", "processorArchitecture": "MSIL"}, changes: 1, note: "dos header"},
		{name: "native image uses fallback", file: func() []byte {
			b := fixture(1, true)
			copy(b[0x58+96+14*8:], make([]byte, 8)) // no CLI header
			return b
		}(), authored: [][2]string{{"name", "Contoso.Lib"}},
			opts: Options{ProcessorArchitecture: "x86"}, want: map[string]string{"name": "Contoso.Lib", "processorArchitecture": "x86"}, changes: 1, note: "not a .NET assembly"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string][]byte{}
			keys := []string{"lib.dll"}
			if tt.file != nil {
				files["lib.dll"] = tt.file
			}
			manifest := ""
			if tt.manifest {
				keys = append(keys, "lib.manifest")
				files["lib.manifest"] = []byte(manifestXML)
				manifest = "lib.manifest"
			}
			db := testDB(t, tt.attrs, "lib.dll", manifest, keys, tt.authored)
			opts := tt.opts
			opts.Open = openMap(files)
			rep, err := Run(db, opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, names(t, db, "C1")); diff != "" {
				t.Errorf("MsiAssemblyName rows (-want +got):\n%s", diff)
			}
			if len(rep.Changes) != tt.changes {
				t.Errorf("%d changes, want %d: %+v", len(rep.Changes), tt.changes, rep.Changes)
			}
			if notes := noteText(rep); !strings.Contains(notes, tt.note) {
				t.Errorf("notes do not mention %q:\n%s", tt.note, notes)
			}
			// A second run changes nothing.
			rep2, err := Run(db, opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep2.Changes) != 0 {
				t.Errorf("second run changed rows: %+v", rep2.Changes)
			}
		})
	}
}

func TestAssemblyNamesSource(t *testing.T) {
	lib := fixture(1, true)
	tests := []struct {
		name  string
		place string // where the file goes, relative to the work dir
		found bool
	}{
		{"directory tree", "src/SynthCorp/bin/lib.dll", true},
		{"by file key", "src/lib.dll", true},
		{"outside Source is never opened", "secret/lib.dll", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			work := t.TempDir()
			p := filepath.Join(work, filepath.FromSlash(tt.place))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, lib, 0o644); err != nil {
				t.Fatal(err)
			}
			os.MkdirAll(filepath.Join(work, "src"), 0o755)
			db := testDB(t, 0, "lib.dll", "", []string{"lib.dll"}, [][2]string{{"name", "Contoso.Lib"}})
			if !tt.found {
				// A hostile long name pointing out of the Source folder.
				ft, _ := db.Table("File")
				if err := ft.Update([]msi.Value{msi.StrValue("lib.dll")}, func(v []msi.Value) error {
					v[2] = msi.StrValue("lib.dll|../../../../secret/lib.dll")
					return nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := Run(db, Options{Source: filepath.Join(work, "src")})
			if err != nil {
				t.Fatal(err)
			}
			if got := names(t, db, "C1")["processorArchitecture"] == "MSIL"; got != tt.found {
				t.Errorf("file found = %v, want %v; notes:\n%s", got, tt.found, noteText(rep))
			}
		})
	}
}

func TestAssemblyNamesMissingFiles(t *testing.T) {
	tests := []struct {
		name, keyPath, manifest string
		attrs                   int32
		note                    string
	}{
		{"key path not in File table", "ghost.dll", "", 0, "values not read from metadata: ghost.dll: not in the File table"},
		{"no key path, manifest missing", "", "ghost.dll", 0, "ghost.dll: not in the File table"},
		{"both missing", "ghost.dll", "phantom.dll", 0, "ghost.dll: not in the File table; phantom.dll: not in the File table"},
		{"no key path, no manifest", "", "", 0, "no key file and no File_Manifest"},
		{"win32 without manifest", "lib.dll", "", 1, "Win32 assembly without File_Manifest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := testDB(t, tt.attrs, tt.keyPath, tt.manifest, []string{"lib.dll"}, [][2]string{{"name", "Contoso.Lib"}})
			rep, err := Run(db, Options{Open: openMap(map[string][]byte{"lib.dll": fixture(1, true)}), ProcessorArchitecture: "x86"})
			if err != nil {
				t.Fatal(err)
			}
			if notes := noteText(rep); !strings.Contains(notes, tt.note) {
				t.Errorf("notes lack %q:\n%s", tt.note, notes)
			}
		})
	}
}

// TestAssemblyNamesDirectoryCycle: a Directory table whose parents loop
// must not hang the Source lookup; the file is still found by its key.
func TestAssemblyNamesDirectoryCycle(t *testing.T) {
	work := t.TempDir()
	if err := os.WriteFile(filepath.Join(work, "lib.dll"), fixture(3, true), 0o644); err != nil {
		t.Fatal(err)
	}
	db := testDB(t, 0, "lib.dll", "", []string{"lib.dll"}, [][2]string{{"name", "Contoso.Lib"}})
	dt, err := db.Table("Directory")
	if err != nil {
		t.Fatal(err)
	}
	if err := dt.Update([]msi.Value{msi.StrValue("INSTALLDIR")}, func(v []msi.Value) error {
		v[1] = msi.StrValue("BINDIR")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(db, Options{Source: work}); err != nil {
		t.Fatal(err)
	}
	if got := names(t, db, "C1")["processorArchitecture"]; got != "x86" {
		t.Errorf("processorArchitecture = %q, want x86", got)
	}
}

func TestAssemblyNamesBadFallback(t *testing.T) {
	db := testDB(t, 0, "lib.dll", "", []string{"lib.dll"}, nil)
	if _, err := Run(db, Options{ProcessorArchitecture: "neutral"}); err == nil {
		t.Fatal("fallback \"neutral\" accepted")
	}
	if got := names(t, db, "C1"); len(got) != 0 {
		t.Errorf("refused run changed rows: %v", got)
	}
}

func TestAssemblyNamesOpenError(t *testing.T) {
	db := testDB(t, 0, "lib.dll", "", []string{"lib.dll"}, [][2]string{{"name", "Contoso.Lib"}})
	boom := errors.New("cabinet checksum mismatch")
	rep, err := Run(db, Options{Open: func(string) (io.ReaderAt, int64, error) { return nil, 0, boom }})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(noteText(rep), boom.Error()) {
		t.Errorf("notes do not carry the Open error:\n%s", noteText(rep))
	}
}

// TestAssemblyNamesMaxRatio: the pass reads assemblies out of the
// package's cabinets with install's bound on decompression, which
// Options.MaxRatio sets (install's tests check the bound itself; a bomb
// decodes 256 MiB before it stops, too slow under the race detector).
func TestAssemblyNamesMaxRatio(t *testing.T) {
	t.Cleanup(func() { extract = install.ExtractContext })
	for _, ratio := range []int{0, 7, -1} {
		var got []int
		extract = func(ctx context.Context, db *msi.Database, opts *install.Options, fn func(*install.File, io.Reader) error) (*install.Report, error) {
			got = append(got, opts.MaxRatio)
			return install.ExtractContext(ctx, db, opts, fn)
		}
		db := testDB(t, 0, "lib.dll", "", []string{"lib.dll"}, [][2]string{{"name", "Contoso.Lib"}})
		if _, err := Run(db, Options{MaxRatio: ratio}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int{ratio}, got); diff != "" {
			t.Errorf("MaxRatio %d: install.Options.MaxRatio (-want +got):\n%s", ratio, diff)
		}
	}
}

// TestAssemblyNamesContext: a done Options.Context stops reading the
// package's files: the pass fails with an error matching the context's
// and changes nothing. The sample's assemblies are in its cabinet.
func TestAssemblyNamesContext(t *testing.T) {
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all := func() map[string]string {
		m := map[string]string{}
		for _, c := range []string{"AsmMissingArch", "AsmNeutral", "AsmGood", "AsmWin32"} {
			for k, v := range names(t, db, c) {
				m[c+"/"+k] = v
			}
		}
		return m
	}
	before := all()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var se *install.StopError
	if _, err := Run(db, Options{Context: ctx}); !errors.Is(err, context.Canceled) || !errors.As(err, &se) {
		t.Errorf("Run with a cancelled context: %v, want an *install.StopError matching context.Canceled", err)
	}
	if diff := cmp.Diff(before, all()); diff != "" || db.ContentModified() {
		t.Errorf("MsiAssemblyName changed (-before +after):\n%s", diff)
	}
}

// zeros is an io.Reader of zero bytes that counts what it gave.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	clear(p)
	z.n += int64(len(p))
	return len(p), nil
}

// TestAssemblyNamesFileMemory: a file read out of the package is held in
// a buffer of its size, not grown by doubling (io.ReadAll allocated 2.2
// times the file: a 466 KB package of one 249 MB MSZIP file of zeros took
// audit and rewrite to 580 MB), one buffer for all the files (two large
// files were held at once), and by default a file over 64 MiB is
// reported as unreadable without being read (256 MiB before: 2 × 256 MiB
// of memory for a 5 MB package).
func TestAssemblyNamesFileMemory(t *testing.T) {
	t.Cleanup(func() { extract = install.ExtractContext })
	var size, read int64
	extract = func(ctx context.Context, db *msi.Database, opts *install.Options, fn func(*install.File, io.Reader) error) (*install.Report, error) {
		z := &zeros{}
		for range 2 { // the file twice, as two files of its size
			if err := fn(&install.File{Key: "lib.dll", Size: size}, io.LimitReader(z, size)); err != nil {
				return nil, err
			}
		}
		read = z.n
		return &install.Report{}, nil
	}
	run := func() (string, uint64) {
		db := testDB(t, 0, "lib.dll", "", []string{"lib.dll"}, [][2]string{{"name", "Contoso.Lib"}})
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		rep, err := Run(db, Options{})
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		return noteText(rep), after.TotalAlloc - before.TotalAlloc
	}
	size = 16 << 20
	_, alloc := run()
	if read != 2*size || alloc > uint64(size)+uint64(size)/4 {
		t.Errorf("two files of %d bytes: %d read, %d bytes allocated; want both read, at most 1.25 times one's size allocated", size, read, alloc)
	}
	size = 64<<20 + 1
	notes, alloc := run()
	if want := fmt.Sprintf("is %d bytes, more than the %d this pass reads", size, 64<<20); read != 0 || alloc > 16<<20 || !strings.Contains(notes, want) {
		t.Errorf("a file of %d bytes: %d read, %d bytes allocated, notes:\n%s\nwant none read, a note saying %q", size, read, alloc, notes, want)
	}
}
