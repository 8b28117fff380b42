package sbom

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/msikit/msikit/internal/assembly"
	"github.com/msikit/msikit/internal/assembly/asmtest"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// sample opens a copy of testdata/sample.msi in memory.
func sample(t *testing.T) *msi.Database {
	t.Helper()
	b, err := os.ReadFile(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	db, err := msi.NewDatabase(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// reopen writes db and reads it back.
func reopen(t *testing.T, db *msi.Database) (*msi.Database, []byte) {
	t.Helper()
	var out bytes.Buffer
	if _, err := db.Write(&out, &msi.WriteOptions{DropSignature: true}); err != nil {
		t.Fatal(err)
	}
	b := out.Bytes()
	db2, err := msi.NewDatabase(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return db2, b
}

func col(t *testing.T, name, idt string, key bool) msi.Column {
	t.Helper()
	c, err := msi.ParseIDTType(idt)
	if err != nil {
		t.Fatal(err)
	}
	c.Name, c.Key = name, key
	return c
}

func update1(t *testing.T, db *msi.Database, table, key string, set map[string]msi.Value) {
	t.Helper()
	tab, err := db.Table(table)
	if err != nil {
		t.Fatal(err)
	}
	err = tab.Update([]msi.Value{msi.StrValue(key)}, func(v []msi.Value) error {
		for name, val := range set {
			c, ok := tab.Column(name)
			if !ok {
				t.Fatalf("%s has no column %s", table, name)
			}
			v[c.Number-1] = val
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func insert(t *testing.T, db *msi.Database, table string, vals ...msi.Value) {
	t.Helper()
	tab, err := db.Table(table)
	if err != nil {
		t.Fatal(err)
	}
	if err := tab.Insert(vals...); err != nil {
		t.Fatal(err)
	}
}

// md5Parts is an MD5 as MsiFileHash's four HashPart columns.
func md5Parts(sum []byte) []msi.Value {
	var v []msi.Value
	for i := 0; i < 4; i++ {
		v = append(v, msi.IntValue(int32(binary.LittleEndian.Uint32(sum[4*i:]))))
	}
	return v
}

// contentsPackage is testdata/sample.msi with new contents for some of
// its files (a .NET assembly with a version resource, a nested cabinet),
// a wrong MsiFileHash, a companion file, a merged merge module and a
// custom action DLL in the Binary table.
func contentsPackage(t *testing.T) (*msi.Database, map[string][]byte) {
	t.Helper()
	db := sample(t)
	s := asmtest.Spec{Machine: assembly.MachineI386, CorFlags: assembly.FlagILOnly, Name: "Contoso.App", Ver: [4]uint16{1, 2, 0, 0},
		Fills: []asmtest.Fill{{Table: 0, Rows: 1, RowSize: 10}}, FileVersion: &[4]uint16{1, 2, 3, 4},
		VersionStrings: [][2]string{{"CompanyName", "Contoso"}, {"ProductName", "Synth"}}, Translations: []uint32{0x04b00409}}
	ca := s
	ca.Name, ca.FileVersion, ca.VersionStrings = "CustomActions", &[4]uint16{3, 0, 0, 1}, nil
	contents := map[string][]byte{
		"app.exe":   asmtest.BuildPE(s),
		"data1.txt": storedCabinet([]cabEntry{{"inner\\a.txt", []byte("inner a")}, {"b.txt", []byte("inner b")}}),
	}
	files, err := db.Table("File")
	if err != nil {
		t.Fatal(err)
	}
	var entries []cabEntry
	for row := range files.Rows() {
		key := row.Get("File").Str()
		b, ok := contents[key]
		if !ok {
			b = []byte("contents of " + key)
			contents[key] = b
		}
		entries = append(entries, cabEntry{key, b})
	}
	for _, e := range entries {
		update1(t, db, "File", e.name, map[string]msi.Value{"FileSize": msi.IntValue(int32(len(e.data)))})
		sum := md5.Sum(e.data)
		if e.name == "data2.txt" {
			sum[0] ^= 1 // a MsiFileHash that does not match
		}
		parts := md5Parts(sum[:])
		update1(t, db, "MsiFileHash", e.name, map[string]msi.Value{"HashPart1": parts[0], "HashPart2": parts[1], "HashPart3": parts[2], "HashPart4": parts[3]})
	}
	cab := storedCabinet(entries)
	if err := db.SetStream("synth.cab", bytes.NewReader(cab), int64(len(cab))); err != nil {
		t.Fatal(err)
	}
	update1(t, db, "File", "app.exe", map[string]msi.Value{"Version": msi.StrValue("1.2.3.4"), "Language": msi.StrValue("1033")})
	update1(t, db, "File", "data3.txt", map[string]msi.Value{"Version": msi.StrValue("app.exe")})
	// app.exe's component declares an assembly.
	insert(t, db, "MsiAssembly", msi.StrValue("App"), msi.StrValue("Assemblies"), msi.StrValue("app.exe"), msi.Value{}, msi.IntValue(0))
	for _, nv := range [][2]string{{"name", "Contoso.App"}, {"version", "1.2.0.0"}, {"culture", "neutral"}} {
		insert(t, db, "MsiAssemblyName", msi.StrValue("App"), msi.StrValue(nv[0]), msi.StrValue(nv[1]))
	}
	// A merge module merged into the package brought Data4 and Data5.
	if _, err := db.CreateTable("ModuleSignature", []msi.Column{col(t, "ModuleID", "s72", true), col(t, "Language", "i2", true), col(t, "Version", "s32", false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTable("ModuleComponents", []msi.Column{col(t, "Component", "s72", true), col(t, "ModuleID", "s72", true), col(t, "Language", "i2", true)}); err != nil {
		t.Fatal(err)
	}
	const modID = "Widgets.1B2E3C4D_0000_1111_2222_333344445555"
	insert(t, db, "ModuleSignature", msi.StrValue(modID), msi.IntValue(1033), msi.StrValue("4.5.6"))
	insert(t, db, "ModuleComponents", msi.StrValue("Data5"), msi.StrValue(modID), msi.IntValue(1033))
	insert(t, db, "ModuleComponents", msi.StrValue("Data4"), msi.StrValue(modID), msi.IntValue(1033))
	// A custom action DLL and a bitmap in the Binary table.
	insert(t, db, "Binary", msi.StrValue("CustomDll"), msi.BinaryValue())
	insert(t, db, "Binary", msi.StrValue("Banner"), msi.BinaryValue())
	dll := asmtest.BuildPE(ca)
	contents["Binary.CustomDll"] = dll
	if err := db.SetStream("Binary.CustomDll", bytes.NewReader(dll), int64(len(dll))); err != nil {
		t.Fatal(err)
	}
	if err := db.SetStream("Binary.Banner", strings.NewReader("BM bitmap"), 9); err != nil {
		t.Fatal(err)
	}
	out, _ := reopen(t, db)
	return out, contents
}

func sum256(b []byte) []byte { s := sha256.Sum256(b); return s[:] }
func sum1(b []byte) []byte   { s := sha1.Sum(b); return s[:] }
func sumMD5(b []byte) []byte { s := md5.Sum(b); return s[:] }

// TestReadContents checks what Read says about files whose contents it
// must look into: hashes, the MsiFileHash check, PE facts, the declared
// assembly, a companion file, a nested cabinet, a merged module and a
// custom action DLL.
func TestReadContents(t *testing.T) {
	db, contents := contentsPackage(t)
	inv, err := Read(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]*File{}
	for _, f := range inv.Files {
		byKey[f.Key] = f
		if !f.Read {
			t.Errorf("%s: not read: %v", f.Key, f.ReadErr)
			continue
		}
		b := contents[f.Key]
		if !bytes.Equal(f.SHA256, sum256(b)) || !bytes.Equal(f.SHA1, sum1(b)) || !bytes.Equal(f.MD5, sumMD5(b)) {
			t.Errorf("%s: hashes are not the contents'", f.Key)
		}
		if f.HashMismatch != (f.Key == "data2.txt") {
			t.Errorf("%s: HashMismatch %v", f.Key, f.HashMismatch)
		}
	}
	app := byKey["app.exe"]
	wantPE := &PE{Machine: assembly.MachineI386,
		Version: &VersionInfo{FileVersion: "1.2.3.4", ProductVersion: "0.0.0.0", Languages: []uint16{1033},
			Strings: []VersionString{{"CompanyName", "Contoso"}, {"ProductName", "Synth"}}},
		DotNet: &DotNetIdentity{Name: "Contoso.App", Version: "1.2.0.0", Culture: "neutral", ProcessorArchitecture: "MSIL"}}
	if diff := cmp.Diff(wantPE, app.PE, errText); diff != "" {
		t.Errorf("app.exe PE (-want +got):\n%s", diff)
	}
	wantAsm := &Assembly{Manifest: "app.exe", Names: []NameValue{{"culture", "neutral"}, {"name", "Contoso.App"}, {"version", "1.2.0.0"}}}
	if diff := cmp.Diff(wantAsm, app.Assembly); diff != "" {
		t.Errorf("app.exe assembly (-want +got):\n%s", diff)
	}
	if app.Version != "1.2.3.4" || app.Language != "1033" || app.Path != "Program Files (x86)/SynthCorp/bin/app.exe" {
		t.Errorf("app.exe: version %q language %q path %q", app.Version, app.Language, app.Path)
	}
	if f := byKey["data3.txt"]; f.CompanionOf != "app.exe" || f.Version != "" {
		t.Errorf("data3.txt: CompanionOf %q, Version %q; want a companion of app.exe", f.CompanionOf, f.Version)
	}
	wantNested := &NestedCabinet{Files: []CabinetFile{{`inner\a.txt`, 7}, {"b.txt", 7}}}
	if diff := cmp.Diff(wantNested, byKey["data1.txt"].Nested); diff != "" {
		t.Errorf("data1.txt nested cabinet (-want +got):\n%s", diff)
	}
	for key, mod := range map[string]string{"data4.txt": "Widgets.1B2E3C4D_0000_1111_2222_333344445555", "data5.txt": "Widgets.1B2E3C4D_0000_1111_2222_333344445555", "data1.txt": ""} {
		if got := byKey[key].Module; got != mod {
			t.Errorf("%s: Module %q, want %q", key, got, mod)
		}
	}
	wantMods := []*Module{{ID: "Widgets.1B2E3C4D_0000_1111_2222_333344445555", Name: "Widgets", GUID: "{1B2E3C4D-0000-1111-2222-333344445555}",
		Version: "4.5.6", Language: "1033", Components: []string{"Data4", "Data5"}}}
	if diff := cmp.Diff(wantMods, inv.Modules); diff != "" {
		t.Errorf("modules (-want +got):\n%s", diff)
	}
	if len(inv.Binaries) != 1 {
		t.Fatalf("%d binaries, want the custom action DLL only", len(inv.Binaries))
	}
	b := inv.Binaries[0]
	if b.Name != "Binary.CustomDll" || b.Table != "Binary" || !bytes.Equal(b.SHA256, sum256(contents["Binary.CustomDll"])) ||
		b.PE == nil || b.PE.DotNet == nil || b.PE.DotNet.Name != "CustomActions" || b.PE.Version.FileVersion != "3.0.0.1" {
		t.Errorf("binary %+v, PE %+v", b, b.PE)
	}
	p := inv.Package
	if p.Name != "Synthetic all" || p.ProductCode == "" || p.UpgradeCode == "" || p.PackageCode == "" || p.Platform != "Intel" || p.Languages != "1033" || p.Signed {
		t.Errorf("package %+v", p)
	}
	// Ordered by install path.
	for i := 1; i < len(inv.Files); i++ {
		if inv.Files[i-1].Path > inv.Files[i].Path {
			t.Errorf("files not ordered by path: %s before %s", inv.Files[i-1].Path, inv.Files[i].Path)
		}
	}
	for _, format := range []string{"cyclonedx", "spdx"} {
		checkSchema(t, format, write(t, inv, format, nil))
	}
}

// TestMissingCabinet checks that files whose cabinet is missing are
// listed without hashes, with the reason, and make the inventory and the
// CycloneDX composition incomplete.
func TestMissingCabinet(t *testing.T) {
	db := sample(t)
	tab, err := db.Table("Media")
	if err != nil {
		t.Fatal(err)
	}
	err = tab.Update([]msi.Value{msi.IntValue(1)}, func(v []msi.Value) error {
		v[3] = msi.StrValue("elsewhere.cab")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteStream("synth.cab"); err != nil {
		t.Fatal(err)
	}
	db, _ = reopen(t, db)
	inv, err := Read(db, &Options{SourceDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Complete() || len(inv.Files) != 17 {
		t.Fatalf("complete %v with %d files", inv.Complete(), len(inv.Files))
	}
	for _, f := range inv.Files {
		if f.Read || f.SHA256 != nil || !errors.Is(f.ReadErr, install.ErrCabinetMissing) {
			t.Errorf("%s: read %v, SHA-256 %x, error %v", f.Key, f.Read, f.SHA256, f.ReadErr)
		}
	}
	cdx := decode(t, write(t, inv, "cyclonedx", nil))
	if got := cdx["compositions"].([]any)[0].(map[string]any)["aggregate"]; got != "incomplete" {
		t.Errorf("composition %v, want incomplete", got)
	}
	spdxDoc := write(t, inv, "spdx", nil)
	checkSchema(t, "spdx", spdxDoc)
	spdx := decode(t, spdxDoc)
	if spdx["files"] != nil || !strings.Contains(spdx["comment"].(string), "17 files") {
		t.Errorf("SPDX lists files it has no checksums for, or does not say so: %v", spdx["comment"])
	}
}

// TestTransformRefused checks that a transform gets ErrUnsupported.
func TestTransformRefused(t *testing.T) {
	dir := testenv.CorpusDir()
	if dir == "" {
		t.Skip("shared corpus not found")
	}
	path := filepath.Join(dir, "real", "psmsi-Example.mst")
	db, err := msi.Open(path)
	if err != nil {
		t.Skip(err)
	}
	defer db.Close()
	if _, err := Read(db, nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Read of a transform: %v, want ErrUnsupported", err)
	}
}

// TestGolden compares the documents of testdata/sample.msi with the
// golden files (go test -update rewrites them).
func TestGolden(t *testing.T) {
	db, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	inv, err := Read(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	opts := &WriteOptions{Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), ToolVersion: "v0.0.0-test"}
	for _, tt := range []struct{ format, file string }{{"cyclonedx", "sample.cdx.json"}, {"spdx", "sample.spdx.json"}} {
		t.Run(tt.format, func(t *testing.T) {
			got := write(t, inv, tt.format, opts)
			checkSchema(t, tt.format, got)
			golden := filepath.Join("testdata", tt.file)
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s differs from %s (-want +got):\n%s", tt.format, golden, diff)
			}
		})
	}
}

// TestSchemaCatchesErrors makes sure the schema check can fail: documents
// with a required field missing or a wrong value are refused.
func TestSchemaCatchesErrors(t *testing.T) {
	s, err := schemas()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ format, doc string }{
		{"cyclonedx", `{"bomFormat": "CycloneDX"}`},
		{"cyclonedx", `{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "file"}]}`},
		{"cyclonedx", `{"bomFormat": "CycloneDX", "specVersion": "1.6", "serialNumber": "urn:uuid:not-a-uuid"}`},
		{"cyclonedx", `{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "file", "name": "x", "hashes": [{"alg": "SHA-256", "content": "xyz"}]}]}`},
		{"spdx", `{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "x", "dataLicense": "CC0-1.0"}`},
		{"spdx", `{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "x", "dataLicense": "CC0-1.0", "creationInfo": {"created": "2026-01-01T00:00:00Z", "creators": ["Tool: x"]}, "files": [{"SPDXID": "SPDXRef-f", "fileName": "./f", "checksums": []}]}`},
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(tt.doc))
		if err != nil {
			t.Fatal(err)
		}
		if s[tt.format].Validate(inst) == nil {
			t.Errorf("%s schema accepts %s", tt.format, tt.doc)
		}
	}
}

// TestJSONPrintable checks that package data that is not printable
// (control characters, DEL, C1 controls, BiDi overrides, characters
// outside the BMP that are not printable) is escaped in both documents,
// which still decode to the same strings and validate.
func TestJSONPrintable(t *testing.T) {
	hostile := "a\x1b[2Jb\x7fc\u0085d\u202ee\U000E0001f\x00g"
	inv := &Inventory{
		Package: Package{Kind: msi.PackageInstaller, Name: hostile, Manufacturer: hostile},
		Files: []*File{{File: install.File{Key: "K", Name: hostile, Path: "dir/" + hostile}, Read: true,
			SHA256: sum256(nil), SHA1: sum1(nil)}},
	}
	for _, format := range []string{"cyclonedx", "spdx"} {
		doc := write(t, inv, format, nil)
		for _, r := range string(doc) {
			if r != '\n' && (r < 0x20 || r == 0x7f || r >= 0x80 && !unicode.IsPrint(r)) {
				t.Errorf("%s: raw %U in the output", format, r)
			}
		}
		checkSchema(t, format, doc)
		if !strings.Contains(string(decodeRaw(t, doc)), hostile) {
			t.Errorf("%s: the decoded document lost the name", format)
		}
	}
}

// decodeRaw decodes a JSON document and encodes it again with Go's
// escaping, so that strings can be looked for in it as Go strings.
func decodeRaw(t *testing.T, doc []byte) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	var out []byte
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			out = append(append(out, v...), '\n')
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}

// TestWriteMaxBytes checks that WriteOptions.MaxBytes refuses a document
// one byte longer than the limit with ErrTooLarge before writing any of
// it, and writes one exactly as long as the limit as without a limit.
func TestWriteMaxBytes(t *testing.T) {
	inv, err := Read(sample(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"cyclonedx", "spdx"} {
		t.Run(format, func(t *testing.T) {
			opts := &WriteOptions{Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
			doc := write(t, inv, format, opts)
			n := int64(len(doc))
			var w bytes.Buffer
			limited := *opts
			limited.MaxBytes = n - 1
			if format == "spdx" {
				err = inv.WriteSPDX(&w, &limited)
			} else {
				err = inv.WriteCycloneDX(&w, &limited)
			}
			if !errors.Is(err, ErrTooLarge) || w.Len() != 0 {
				t.Errorf("MaxBytes %d: error %v, %d bytes written; want ErrTooLarge and nothing", n-1, err, w.Len())
			}
			limited.MaxBytes = n
			if diff := cmp.Diff(string(doc), string(write(t, inv, format, &limited))); diff != "" {
				t.Errorf("MaxBytes %d (the document's length) (-without +with):\n%s", n, diff)
			}
		})
	}
}

// TestUnlistedFailedFileHasPath reads a package whose cabinet files no
// File row names (as a patch's) and whose only data block is damaged, so
// that no file decodes: each is listed at the path install planned for
// it (<cabinet>/<name>), as one that decodes would be, with its failure;
// none without a Path or an Err. FuzzAnalyze found a patch whose
// damaged cabinet's files were listed with neither.
func TestUnlistedFailedFileHasPath(t *testing.T) {
	db := sample(t)
	if err := db.DropTable("File"); err != nil {
		t.Fatal(err)
	}
	cab := storedCabinet([]cabEntry{{"a.txt", []byte("hello")}, {"b.txt", []byte("world")}})
	first := binary.LittleEndian.Uint32(cab[36:]) // the first data block
	binary.LittleEndian.PutUint32(cab[first:], 0xdeadbeef)
	if err := db.SetStream("synth.cab", bytes.NewReader(cab), int64(len(cab))); err != nil {
		t.Fatal(err)
	}
	db, _ = reopen(t, db)
	inv, err := Read(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	type file struct{ Key, Name, Path string }
	var got []file
	for _, f := range inv.Files {
		if f.Path == "" && f.Err == nil {
			t.Errorf("%q: no Path and no Err", f.Key)
		}
		if f.ReadErr == nil || f.Read {
			t.Errorf("%q: read (%v) without an error, from a damaged cabinet", f.Key, f.Read)
		}
		got = append(got, file{f.Key, f.Name, f.Path})
	}
	want := []file{{"a.txt", "a.txt", "synth.cab/a.txt"}, {"b.txt", "b.txt", "synth.cab/b.txt"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("files (-want +got):\n%s", d)
	}
}
