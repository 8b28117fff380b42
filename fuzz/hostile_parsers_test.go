package fuzz

import (
	"bytes"
	"compress/flate"
	"fmt"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
	"github.com/msikit/msikit/msi/validate"
	"github.com/msikit/msikit/transform"
)

// Hostile content that commands parse inside the package: manifests,
// PE images, conditions and formatted text.

// mszipBest deflates data as one MSZIP block at the best compression
// (mszipBlock's fast level leaves periodic text four times larger).
func mszipBest(data, dict []byte) []byte {
	var b bytes.Buffer
	b.WriteString("CK")
	w, _ := flate.NewWriterDict(&b, flate.BestCompression, dict)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// manifestFloodBlocks is the number of 32 KiB blocks of one flood
// manifest: 4 MiB, assembly.MaxManifest, the most the pass parses.
const manifestFloodBlocks = 128

// buildManifestXMLFlood embeds one MSZIP folder of 16 Win32 manifests
// per scale (176 at 5 MB), each the File_Manifest of an MsiAssembly row:
// 4 MiB of "<assembly>" and entity references ("&amp;aaa" again and
// again) that never reach an assemblyIdentity, 9 KB each compressed.
// Beside them, a stored folder of 270 KB per scale past the first of
// bytes no row reads raises install's ratio bound (256 MiB plus 100
// times the cabinet) so that every manifest is delivered: 740 MB of XML
// at 5 MB, which the assembly-names pass (rewrite, audit) parsed whole,
// 10.8 s of CPU.
func buildManifestXMLFlood(t testing.TB, scale int) []byte {
	n := 16 * scale
	const unit = "&amp;aaa"
	first := "<assembly>" + strings.Repeat("a", len(unit)-len("<assembly>")%len(unit))
	first += strings.Repeat(unit, (cabBlockSize-len(first))/len(unit))
	rest := []byte(strings.Repeat(unit, cabBlockSize/len(unit)))
	if len(first) != cabBlockSize || len(rest) != cabBlockSize {
		t.Fatalf("blocks of %d and %d bytes", len(first), len(rest))
	}
	firstAfterRest := cabBlockSpec{data: mszipBest([]byte(first), rest), uncomp: cabBlockSize}
	restAfterFirst := cabBlockSpec{data: mszipBest(rest, []byte(first)), uncomp: cabBlockSize}
	restAfterRest := cabBlockSpec{data: mszipBest(rest, rest), uncomp: cabBlockSize}
	return buildPackage(t, func(p *pkgBuilder) {
		p.row("Directory", str("TARGETDIR"), msi.Value{}, str("SourceDir"))
		fo := cabFolderSpec{method: cabMSZIP}
		c := &cabSpecX{setID: 1}
		const size = manifestFloodBlocks * cabBlockSize
		for f := range n {
			if f == 0 {
				fo.blocks = append(fo.blocks, cabBlockSpec{data: mszipBest([]byte(first), nil), uncomp: cabBlockSize})
			} else {
				fo.blocks = append(fo.blocks, firstAfterRest)
			}
			fo.blocks = append(fo.blocks, restAfterFirst)
			for range manifestFloodBlocks - 2 {
				fo.blocks = append(fo.blocks, restAfterRest)
			}
			key, comp := fmt.Sprintf("m%d", f), fmt.Sprintf("A%d", f)
			c.files = append(c.files, cabFileEntry{name: key, size: size, offset: uint32(f * size)})
			p.row("Component", str(comp), str(""), str("TARGETDIR"), num(0), msi.Value{}, str(key))
			p.file(key, comp, key+".manifest", size, f+1)
			p.row("MsiAssembly", str(comp), str("Complete"), str(key), msi.Value{}, num(1))
		}
		c.folders = []cabFolderSpec{fo}
		if pad := (scale - 1) * 270_000; pad > 0 {
			noise := make([]byte, pad)
			x := uint32(1)
			for i := range noise {
				x ^= x << 13
				x ^= x >> 17
				x ^= x << 5
				noise[i] = byte(x)
			}
			pf := cabFolderSpec{method: cabNone}
			for off := 0; off < pad; off += cabBlockSize {
				end := min(off+cabBlockSize, pad)
				pf.blocks = append(pf.blocks, cabBlockSpec{data: noise[off:end], uncomp: end - off})
			}
			c.folders = append(c.folders, pf)
			c.files = append(c.files, cabFileEntry{name: "pad", size: uint32(pad), folder: 1})
			p.row("Component", str("PAD"), str(""), str("TARGETDIR"), num(0), msi.Value{}, str("pad"))
			p.file("pad", "PAD", "pad.bin", pad, n+1)
		}
		p.cabinet("#flood.cab", n+1, c)
	})
}

// The pass parses the first manifests and reports the others as not
// parsed, past the XML it parses for a package, in budget.
func checkManifestXMLFlood(t *testing.T, db *msi.Database) {
	var rep *transform.Report
	var err error
	testenv.CheckBudget(t, "AssemblyNames", func() {
		rep, err = transform.AssemblyNames(db, transform.AssemblyNamesOptions{})
	})
	if err != nil {
		t.Fatal(err)
	}
	var parsed, bounded int
	for _, n := range rep.Notes() {
		switch {
		case strings.Contains(n.Reason, "bad XML"):
			parsed++
		case strings.Contains(n.Reason, "bytes of XML this pass parses"):
			bounded++
		default:
			t.Errorf("note %q: want a manifest parsed (bad XML) or not parsed (the bound)", n.Reason)
		}
	}
	if parsed == 0 || bounded == 0 || parsed+bounded != 16 {
		t.Errorf("%d manifests parsed, %d past the bound: want some of each, 16 in all", parsed, bounded)
	}
}

// longActionRows are the tables buildSequencesOneLongAction fills, rows a
// scale: 6-byte sequence rows, and RemoveFile rows of 10 bytes.
var longActionRows = []struct {
	table string
	rows  int
}{{"InstallExecuteSequence", 6000}, {"InstallUISequence", 6000}, {"AdminExecuteSequence", 6000}, {"AdvtExecuteSequence", 6000}, {"AdminUISequence", 6000}, {"RemoveFile", 4000}}

// buildSequencesOneLongAction adds 30,000 sequence rows a scale (510,000
// at 5 MB), whose Action and Condition are one text of 24 KiB a scale
// (408 KiB) held by two pool entries, the name of an in-script custom
// action; and 4,000 RemoveFile rows a scale removing the folder the text
// names (FileName null). ICE77, ICE64 and class-to-registry's sequence
// kept sequence actions and removed folders in maps, which hash the
// text for each row and compare the two entries' bytes: 5.3 s of CPU
// for validate, 2.3 s for rewrite and audit, 13 s for rewrite
// --validate, at 4.6 MB with a text of 480 KiB.
func buildSequencesOneLongAction(t testing.TB, scale int) []byte {
	return buildLongTextRows(t, scale, func(db *msi.Database, text string) {
		must(t, table(t, db, "CustomAction").Insert(str(text), num(0x400|1), str("x"), str("y"), msi.Value{}))
	}, longActionRows, map[string]bool{"RemoveFile.FileName": true})
}

// validate and class-to-registry read the sequences in budget; ICE77
// finds the in-script action's rows (each of Sequence 0).
func checkSequencesOneLongAction(t *testing.T, db *msi.Database) {
	checkLongActionSequences(t, db, testenv.HeapBudget)
}

// checkLongActionSequences is checkSequencesOneLongAction with a budget
// of allocation (the rules' memory grows with the rows, not the text).
func checkLongActionSequences(t *testing.T, db *msi.Database, heap uint64) {
	var fs []validate.Finding
	var err error
	testenv.CheckBudgetOf(t, "Validate", testenv.TimeBudget, heap, func() { fs, err = validate.Validate(db, nil) })
	must(t, err)
	ice77 := 0
	for _, f := range fs {
		if f.ICE == "ICE77" {
			ice77 += max(f.Omitted, 1)
		}
	}
	if ice77 == 0 {
		t.Errorf("no ICE77 finding among %d", len(fs))
	}
	testenv.CheckBudgetOf(t, "ClassToRegistry", testenv.TimeBudget, heap, func() {
		_, err = transform.ClassToRegistry(db, transform.ClassToRegistryOptions{})
	})
	must(t, err)
}

// TestSequencesOneLongActionScaled checks buildSequencesOneLongAction at
// scale 10 (300,000 sequence rows naming a 240 KiB text, 2.7 MB), where
// hashing and comparing the text per row took ICE77 and
// class-to-registry over a second each. The rules allocate 73 MB (and
// class-to-registry 40 MB) for its rows.
func TestSequencesOneLongActionScaled(t *testing.T) {
	data := buildSequencesOneLongAction(t, 10)
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	checkLongActionSequences(t, db, 128<<20)
}

// buildModuleExclusions is a merge module that requires module Other
// 20,000 times a scale (220,000 at 5 MB), in as many pairs of its own
// language and Other's (even ones), and excludes Other as often in odd
// languages: none of the exclusions covers a dependency, and ICEM08
// compared every exclusion with every dependency (0.74 s at 20,000 each,
// 74 s at 200,000).
func buildModuleExclusions(t testing.TB, scale int) []byte {
	const self = "Acme.12345678_1234_1234_1234_123456789012"
	const other = "Other.87654321_4321_4321_4321_210987654321"
	db := sampleDB(t)
	for _, name := range db.TableNames() {
		must(t, db.DropTable(name))
	}
	create := func(name string, cols ...msi.Column) *msi.Table {
		tab, err := db.CreateTable(name, cols)
		must(t, err)
		return tab
	}
	s := func(name string, key, nullable bool) msi.Column {
		return msi.Column{Name: name, Type: msi.ColString, Size: 72, Key: key, Nullable: nullable}
	}
	i2 := func(name string, key bool) msi.Column { return msi.Column{Name: name, Type: msi.ColInt16, Key: key} }
	create("ModuleSignature", s("ModuleID", true, false), i2("Language", true), s("Version", false, false)).Insert(str(self), num(1033), str("1.0.0.0"))
	dep := create("ModuleDependency", s("ModuleID", true, false), i2("ModuleLanguage", true), s("RequiredID", true, false), i2("RequiredLanguage", true), s("RequiredVersion", false, true))
	exc := create("ModuleExclusion", s("ModuleID", true, false), i2("ModuleLanguage", true), s("ExcludedID", true, false), i2("ExcludedLanguage", true), s("ExcludedMinVersion", false, true), s("ExcludedMaxVersion", false, true))
	n := 20000 * scale
	for i := range n {
		ml, l := 1+i%30000, 2*(1+i/30000)
		must(t, dep.Insert(str(self), num(ml), str(other), num(l), str("2.0")))
		must(t, exc.Insert(str(self), num(ml), str(other), num(l+1), msi.Value{}, msi.Value{}))
	}
	return saveDB(t, db)
}

// The module is validated in budget, ICEM08 finding nothing to report.
func checkModuleExclusions(t *testing.T, db *msi.Database) {
	if db.Kind() != msi.PackageMergeModule {
		t.Fatalf("kind %v, want a merge module", db.Kind())
	}
	var fs []validate.Finding
	var err error
	testenv.CheckBudget(t, "Validate", func() { fs, err = validate.Validate(db, nil) })
	must(t, err)
	for _, f := range fs {
		if f.ICE == "ICEM08" {
			t.Errorf("ICEM08: %s", f.Message)
		}
	}
}

// mimeRows are the MIME rows a scale of buildMIMERowsOneLongText adds.
const mimeRows = 32500

// buildMIMERowsOneLongText adds 32,500 MIME rows a scale (650,000 at
// 5 MB), 6 bytes each, whose ContentType and Extension_ are one text of
// 24 KiB a scale (480 KiB) held by two pool entries. The leaf-features
// pass described each extension's MIME rows by joining their content
// types whole: 312 GB asked for at 5 MB, and rewrite died out of memory
// (exit 2); class-to-registry formatted the extension's clipped name for
// each row's note (250 MB).
func buildMIMERowsOneLongText(t testing.TB, scale int) []byte {
	return buildLongKeyRows(t, scale, []struct {
		table string
		rows  int
	}{{"MIME", mimeRows}})
}

// Both passes that read the MIME rows keep the budgets.
func checkMIMERowsOneLongText(t *testing.T, db *msi.Database) {
	checkMIMERows(t, db, testenv.HeapBudget)
}

// checkMIMERows is checkMIMERowsOneLongText with a budget of allocation.
func checkMIMERows(t *testing.T, db *msi.Database, heap uint64) {
	var err error
	testenv.CheckBudgetOf(t, "SplitAdvertised", testenv.TimeBudget, heap, func() {
		_, err = transform.SplitAdvertised(db, transform.SplitAdvertisedOptions{})
	})
	must(t, err)
	testenv.CheckBudgetOf(t, "ClassToRegistry", testenv.TimeBudget, heap, func() {
		_, err = transform.ClassToRegistry(db, transform.ClassToRegistryOptions{})
	})
	must(t, err)
}

// TestMIMERowsOneLongTextJoined: 3,000 MIME rows of one 24 KiB text,
// whose description the leaf-features pass joined whole (72 MB; 312 GB
// at 5 MB), are described in budget.
func TestMIMERowsOneLongTextJoined(t *testing.T) {
	data := buildLongKeyRows(t, 1, []struct {
		table string
		rows  int
	}{{"MIME", 3000}})
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	checkMIMERowsOneLongText(t, db)
}

// buildMediaRowsOneLongCabinet adds 13,900 Media rows a scale (278,000
// at 5 MB), 14 bytes each, whose Cabinet, VolumeLabel and Source are one
// text of 24 KiB a scale (480 KiB) in two pool entries: info copied the
// cabinet's name into each line of its listing and info --json into its
// document, 133 GB at 5 MB (killed at 23 GB of memory).
func buildMediaRowsOneLongCabinet(t testing.TB, scale int) []byte {
	return buildLongKeyRows(t, scale, []struct {
		table string
		rows  int
	}{{"Media", 13900}})
}

// The cabinets are listed in budget, each Media row once.
func checkMediaRowsOneLongCabinet(t *testing.T, db *msi.Database) {
	var cabs []install.Cabinet
	var err error
	testenv.CheckBudget(t, "Cabinets", func() { cabs, err = install.Cabinets(db) })
	must(t, err)
	if len(cabs) < 13900 {
		t.Errorf("%d cabinets, want the 13,900 Media rows", len(cabs))
	}
}

// buildRegistryRowsOneLongKey adds 16,250 Registry rows a scale
// (325,000 at 5 MB), 12 bytes each, whose every string cell (the key
// among them) is one text of 24 KiB a scale (480 KiB) in two pool
// entries: ICE33 upper-cased and scanned each row's key for a backslash
// (more than 5 minutes at 5 MB), class-to-registry and audit's model
// kept the keys in maps, hashing the text for each row (6.7 and 15 s).
func buildRegistryRowsOneLongKey(t testing.TB, scale int) []byte {
	return buildLongKeyRows(t, scale, []struct {
		table string
		rows  int
	}{{"Registry", 16250}})
}

// Every rule, class-to-registry and audit read the rows in budget.
func checkRegistryRowsOneLongKey(t *testing.T, db *msi.Database) {
	var err error
	testenv.CheckBudget(t, "Validate", func() { _, err = validate.Validate(db, nil) })
	must(t, err)
	testenv.CheckBudget(t, "Audit", func() { _, err = transform.Audit(db, transform.AuditOptions{}) })
	must(t, err)
	testenv.CheckBudget(t, "ClassToRegistry", func() { _, err = transform.ClassToRegistry(db, transform.ClassToRegistryOptions{}) })
	must(t, err)
}

// TestRegistryRowsOneLongKeyScaled checks buildRegistryRowsOneLongKey
// at scale 10 (162,500 rows naming a 240 KiB key), where ICE33,
// class-to-registry and audit took seconds each.
func TestRegistryRowsOneLongKeyScaled(t *testing.T) {
	data := buildRegistryRowsOneLongKey(t, 10)
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	checkRegistryRowsOneLongKey(t, db)
}

// buildAssemblyRowsOneLongComponent adds 19,500 MsiAssembly rows a scale
// (390,000 at 5 MB), 10 bytes each, whose every string cell (Component_
// among them) is one text of 24 KiB a scale (480 KiB) in two pool
// entries: the audit model and the assembly-names fixes kept the
// assemblies in maps by component, hashing the text for each row
// (audit 19 s, descriptor decode --package 13 s at 5 MB).
func buildAssemblyRowsOneLongComponent(t testing.TB, scale int) []byte {
	return buildLongKeyRows(t, scale, []struct {
		table string
		rows  int
	}{{"MsiAssembly", 19500}})
}

// buildAssemblyNameRowsOneLongComponent adds 32,500 MsiAssemblyName rows
// a scale (650,000 at 5 MB), 6 bytes each, whose Component_, Name and
// Value are one text of 24 KiB a scale (480 KiB) in two pool entries:
// audit 15 s, descriptor decode --package 8 s at 5 MB.
func buildAssemblyNameRowsOneLongComponent(t testing.TB, scale int) []byte {
	return buildLongKeyRows(t, scale, []struct {
		table string
		rows  int
	}{{"MsiAssemblyName", 32500}})
}

// Audit and the package index (descriptor decode --package) read the
// assemblies in budget.
func checkAssemblyRowsOneLongComponent(t *testing.T, db *msi.Database) {
	checkAssemblyRows(t, db, testenv.HeapBudget)
}

// checkAssemblyRows is checkAssemblyRowsOneLongComponent with a budget
// of allocation (the model's and the assembly-names pass's lists of a
// component's names grow with the rows, not the text).
func checkAssemblyRows(t *testing.T, db *msi.Database, heap uint64) {
	var err error
	testenv.CheckBudgetOf(t, "Audit", testenv.TimeBudget, heap, func() { _, err = transform.Audit(db, transform.AuditOptions{}) })
	must(t, err)
	testenv.CheckBudgetOf(t, "NewPackageIndex", testenv.TimeBudget, heap, func() { _, err = transform.NewPackageIndex(db) })
	must(t, err)
}

// TestAssemblyRowsOneLongComponentScaled checks both builders at scale 10
// (195,000 MsiAssembly and 325,000 MsiAssemblyName rows naming a 240 KiB
// component), where the maps by component took audit and the package
// index 3 s each. Audit allocates for the rows, not the text: 230 MB for
// the 195,000 assemblies (the assembly-names pass notes each twice), 125
// MB for the 325,000 names (the model's list of them and the pass's).
func TestAssemblyRowsOneLongComponentScaled(t *testing.T) {
	for _, build := range []func(testing.TB, int) []byte{buildAssemblyRowsOneLongComponent, buildAssemblyNameRowsOneLongComponent} {
		data := build(t, 10)
		db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
		must(t, err)
		checkAssemblyRows(t, db, 320<<20)
	}
}
