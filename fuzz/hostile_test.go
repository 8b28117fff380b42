package fuzz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/cab"
	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/darwin"
	"github.com/msikit/msikit/msi/idt"
	"github.com/msikit/msikit/msi/install"
	"github.com/msikit/msikit/msi/mst"
	"github.com/msikit/msikit/msi/validate"
	"github.com/msikit/msikit/transform"
)

// A hostileFixture is a package that is valid at the container and format
// level but hostile in what it holds (round 2 of the crafted fixtures,
// issue 14): names that would write outside an output folder, one value
// shared by thousands of rows, chains and fan-outs that make a pass or an
// export generate far more than the package holds. Readers may accept it;
// every command must stay within its time and memory budget and inside its
// output folder. Each is kept in testdata/crafted/valid/<name>, rebuilt by
// its generator with -update, and checked in process by check (with
// testenv's budgets) and as a child msikit process for every command by
// cmd/msikit's TestEveryCommandOnCraftedFixtures.
type hostileFixture struct {
	name  string
	class string                               // the attack, one line (testdata/crafted/README.md)
	build func(t testing.TB, scale int) []byte // scale multiplies the counts
	check func(t *testing.T, db *msi.Database)
	// big is the scale that makes the package just under 5 MB, the size
	// up to which every command promises its budget
	// (TestWriteScaledHostileFixtures); 0 for a fixed-size attack.
	big int
}

func hostileFixtures() []hostileFixture {
	return []hostileFixture{
		{"msi-names-escape.msi", "table names ../escaped, ..\\escaped, CON and one with ESC; a binary cell named with control characters", buildNamesEscape, checkNamesEscape, 0},
		{"msi-suminfo-shared-string.msi", "20,000 summary information properties pointing at one 64 KiB string", buildSuminfoShared, checkSuminfoShared, 30},
		{"msi-suminfo-opaque-flood.msi", "5,000 summary information properties (400,000 at 5 MB) of an unknown type, each a 4-byte value", buildSuminfoOpaque, checkSuminfoOpaque, 80},
		{"msi-json-shared-64k-string.msi", "2,000 rows referencing one 64 KiB pooled string (128 MB of output)", buildSharedString, checkSharedString, 407},
		{"msi-class-filetypemask.msi", "20 Class rows, each with a FileTypeMask of 32,000 patterns (one pooled string)", buildFileTypeMask, checkFileTypeMask, 3259},
		{"msi-progid-chain-60k.msi", "a 60,000-long ProgId_Parent chain under a registered class", buildProgIDChain, checkProgIDChain, 3},
		{"msi-leaf-conditions.msi", "one feature with 2,000 Condition rows and 2,000 advertised components", buildLeafConditions, checkLeafConditions, 13},
		{"msi-leaf-shared-component.msi", "one advertised component in 3,000 features", buildLeafSharedComponent, checkLeafShared, 6},
		{"msi-50k-empty-tables.msi", "50,000 empty tables", buildEmptyTables, checkEmptyTables, 4},
		{"msi-long-key-among-tables.msi", "10,000 empty tables (200,000 at 5 MB) and one whose key column is named by 60,000 characters: an aligned listing padded every line to it", buildLongKeyAmongTables, checkLongKeyAmongTables, 20},
		{"msi-columnless-tables.msi", "10,000 tables (360,000 at 4.9 MB) that _Columns gives no column, names as short as they come, every fifth named twice in _Tables", buildColumnlessTables, checkColumnlessTables, 36},
		{"msi-nonascii-pool.msi", "a string pool of 100,000 one-byte strings (950,000 at 4.8 MB) of 0xE9, text that is not its bytes in the pool's codepage 1252, that no table uses", buildNonASCIIPool, checkNonASCIIPool, 9},
		{"msi-long-column-names.msi", "300 tables (17,100 at 4.9 MB) of 32 columns, each table's named by the same 32 pooled 8 KiB texts (256 KiB of names a table)", buildLongColumnNames, checkLongColumnNames, 57},
		{"msi-int-rows-100k.msi", "one table of 100,000 integer rows, 4 bytes each: as many rows as a package's bytes allow", buildIntRows, checkIntRows, 12},
		{"msi-directory-chain.msi", "a Directory_Parent chain of 10,000 directories above the folder of eight files", buildDirectoryChain, checkDirectoryChain, 24},
		{"msi-registry-shared-formatted.msi", "2,000 Registry rows whose Value is one pooled 64 KiB formatted multi-string of 4,369 [$ComServer] references, in a component of the same feature", buildRegistryShared, checkRegistryShared, 75},
		{"msi-shared-64k-everywhere.msi", "300 rows in each table of the sample, every non-key string cell one of four pooled 60-72 KiB strings (formatted references, property names, a FileTypeMask)", buildSharedEverywhere, checkSharedEverywhere, 40},
		{"msi-shared-long-strings.msi", "75 rows in each table of the sample (3,000 at 5 MB), every non-key string cell one of four pooled strings of 18-23 KB (0.7-0.9 MB at 5 MB): each lookup keyed by such a cell hashes the whole text", buildSharedLong, checkSharedEverywhere, 40},
		{"msi-directory-dots-collisions.msi", "a chain of 1,000 directories named \".\" (their parent's folder), each with two components installing one file name: 1,000 collisions that name a folder 1,000 deep", buildDirectoryDots, checkDirectoryDots, 20},
		{"msi-validation-long-lists.msi", "a _Validation table whose Set for Numbers.N is one pooled 64 KiB list of 32,768 members and whose KeyTable for Numbers.M names 7,000 distinct tables, shared by 2,000 more _Validation rows; 20,000 Numbers rows (760,000 at 5 MB)", buildValidationLists, checkValidationLists, 38},
		{"msi-quantum-folders.msi", "one embedded cabinet of 3,000 Quantum folders (54,000 at 5 MB), window sizes 2^19 to 2^21, each one 2-byte file decoded from 4 bytes of noise", buildQuantumFolders, checkQuantumFolders, 18},
		{"msi-lzx-cabinets.msi", "2,000 embedded cabinets (14,000 at 5 MB), each a Media row and one LZX folder of one 2-byte file", buildLZXCabinets, checkLZXCabinets, 7},
		{"msi-shortcuts-of-shared-component.msi", "component App in 2,000 more features (42,000 at 5 MB) and 1,500 advertised shortcuts of it (31,500), all advertising a feature that does not hold it", buildShortcutsOfShared, checkShortcutsOfShared, 21},
		// Open work (testdata/crafted/README.md): at 200,000 components
		// and 5,000 children (3.8 MB) audit ran past 100 s; not in the
		// scaled set, whose runs would each take minutes.
		{"msi-root-components-children.msi", "feature Core holds 2,000 more components (FeatureComponents rows only) and has 500 child features, each advertised by a shortcut of App: each child's health check counts the components of its chain", buildRootComponentsChildren, checkRootComponentsChildren, 62},
		// At 54,000 (4.9 MB) audit holds about 130 MB of health checks:
		// 245 MiB at its peak before msikit's soft memory limit, 213 MiB
		// with it.
		{"msi-feature-chain-entry-points.msi", "a Feature_Parent chain of 2,000 features under Core (54,000 at 5 MB), each holding App and advertised by a shortcut of it: each entry point's health check lists a chain of 64 features", buildFeatureChainEntryPoints, checkFeatureChainEntryPoints, 27},
		{"msi-mszip-bomb.msi", "an embedded MSZIP cabinet of 16,000 blocks of zeros (80,000 at 5 MB), every block the same 58 bytes: 0.5 GB decoded from 1 MB (2.6 GB from 5 MB)", buildMSZIPBomb, checkMSZIPBomb, 5},
		{"msi-lzx-bomb.msi", "an embedded cabinet of an LZX:21 folder (7 at 5 MB) of 16,384 frames of 0xE8 bytes with E8 translation on, each 32 KiB frame 32 bytes of 257-byte matches at offset 1: 512 MiB decoded from 0.7 MB (3.8 GB from 4.9 MB)", buildLZXBomb, checkBombStops, 7},
		{"msi-quantum-bomb.msi", "an embedded cabinet of 2 Quantum folders (14 at 5 MB) of 16,000 blocks of 259-byte matches at offset 1, 12 bytes a 32 KiB block: 1 GiB decoded from 0.65 MB (7.3 GB from 4.6 MB)", buildQuantumBomb, checkBombStops, 7},
		{"msi-quantum-literals.msi", "an embedded cabinet of a Quantum:21 folder (7 at 5 MB) of 4,000 blocks of 32 KiB of literals 0, 153 bytes a block: 131 MB decoded from 0.64 MB (917 MB from 4.6 MB), every byte two arithmetic decoding steps", buildQuantumLiterals, checkBombStops, 7},
		{"msi-assembly-zeros-249mb.msi", "one MSZIP folder of 7,600 blocks of zeros in 0.46 MB, one 249 MB file (inside the bound of the default ratio), the key file of a component with an MsiAssembly row", buildAssemblyZeros, checkAssemblyZeros, 0},
		{"msi-cab-fan-in.msi", "cabinet a.cab of 20,000 empty files continuing into b0.cab, and 200 cabinets (17,000 at 5 MB) numbered 1 of its set, each continuing its first folder from a.cab", buildCabFanIn, checkCabFanIn, 85},
		{"msi-lzx-tiny-blocks.msi", "an LZX:21 folder of 30 frames (150 at 5 MB), each 512 verbatim blocks of 64 bytes that rebuild their three trees (61 bytes of input a block)", buildLZXTinyBlocks, checkTinyBlocks, 5},
		{"msi-mszip-tiny-blocks.msi", "an MSZIP folder of 24 blocks (120 at 5 MB), each 3,300 dynamic deflate blocks of one byte that rebuild their tables (92 bits a block), then a fixed block for the rest of the 32 KiB", buildMSZIPTinyBlocks, checkTinyBlocks, 5},
		{"msi-cab-tiny-blocks-copies.msi", "an MSZIP folder of 24 blocks (120 at 5 MB) of 3,300 one-byte dynamic deflate blocks each: file a holds all but the last block, file b the last, and 2,000 more cabinet files point at b's range: each copy decodes the folder's 80,000 (400,000) deflate blocks again", buildTinyBlocksCopies, checkCopiesFar, 5},
		{"msi-cab-copies-far.msi", "a folder of 4,000 blocks of zeros (131 MB) whose last block is one cabinet file and 2,000 more (190,000 at 5 MB) pointing at it: each copy decodes the folder again from its start (262 GB)", buildCopiesFar, checkCopiesFar, 97},
		{"msi-progid-cycle.msi", "8,000 ProgId rows in one ProgId_Parent cycle (176,000 at 5 MB), no class on it: a warning, a note and a problem a row", buildProgIDCycle, checkProgIDCycle, 22},
		{"msi-verbs-of-one-extension.msi", "10,000 Verb rows of the extension .synth (200,000 at 5 MB): an entry point and a broad-health-check finding each, 200,000 SARIF results", buildVerbsOfOneExtension, checkVerbsOfOneExtension, 20},
		{"msi-publish-grid.msi", "100 categories x 100 qualifiers in PublishComponent (at 5 MB 4,600 x 100: 460,000 rows of 10 bytes), each a qualified component entry point of App", buildPublishGrid, checkPublishGrid, 46},
		// Authenticode signatures (\x05DigitalSignature just under its
		// 4 MiB limit at 5 MB): fuzz/hostile_sig_test.go.
		{"msi-sig-same-subject-rsa16k.msi", "100 CA certificates of one subject with 16,384-bit RSA keys (254 at 5 MB, and 3 MB of CRLs), candidate issuers of the signer and of its countersigner, both signed with a 16,384-bit stand-in", buildSigSameSubject, checkSigSameSubject, 3},
		{"msi-sig-long-names.msi", "a valid signature by a certificate whose subject is 64 attributes of terminal escape sequences, 2 KB each (62 KB at 5 MB)", buildSigLongNames, checkSigLongNames, 31},
		{"msi-sig-name-flood.msi", "the signer's subject holds 2,000 empty organizational units (440,000 at 5 MB)", buildSigNameFlood, checkSigRefused(buildSigNameFlood, "subject name of more than 64 attributes"), 220},
		{"msi-sig-long-serial.msi", "the signer's issuer, named by an organizational unit alone, has a serial number of 16 KB (4 MB at 5 MB) and did not sign it", buildSigLongSerial, checkSigRefused(buildSigLongSerial, "serial number of"), 250},
		{"msi-sig-long-digest.msi", "a signature whose content digest has 40 KB (4 MB at 5 MB)", buildSigLongDigest, checkSigLongDigest, 100},
		{"msi-sig-uri-flood.msi", "the signer's certificate has a subjectAltName of 40,000 URIs, 4 bytes each (1,000,000 at 5 MB)", buildSigURIFlood, checkSigRefused(buildSigURIFlood, "extensions of more than 32768 ASN.1 elements"), 25},
		{"msi-feature-component-fanout.msi", "50 features x 50 components, every pair in FeatureComponents (at 5 MB 1,050 x 1,050: 1.1 million pairs), a tenth of the components advertised by a shortcut", buildFeatureFanout, checkFeatureFanout, 21},
		{"msi-cfb-right-chain.msi", "the sample and 1,000 streams (25,000 at 5 MB) of 64 bytes named with control characters, the root's children one chain of right siblings, the streams' mini sectors in reverse order", buildCFBChain(false), checkCFBStreams(1000), 25},
		{"msi-cfb-deep-storages.msi", "the sample and 63 storages each inside the previous one, 5,000 streams in the deepest (depth 64, the limit), every name 31 units of control characters: 16 MB of entry paths", buildCFBDeepStorages, checkCFBStreams(3), 0},
		{"msi-components-one-id.msi", "10,000 more Component rows (120,000 at 5 MB) sharing App's ComponentId, each in feature Core, and App in 2,000 more features (24,000): every answer about App's code (log explain --package, descriptor decode --package) names them all", buildComponentsOneID, checkComponentsOneID, 12},
		{"msi-file-rows-one-long-key.msi", "3,000 File rows (x45 at 5 MB) whose key, name and component are one 24 KiB text (1 MiB), each file refused: document identifiers, the serial's digest and sbom's components built per file from the key", buildFileRowsOneLongKey, checkFileRowsOneLongKey, 45},
		{"msi-shared-long-descriptor-texts.msi", "2,000 Verb rows of .synth and 2,000 Class rows (x18 at 5 MB) whose Argument and Context are one pooled 60 KB text, and 500 assemblies (x18) naming it as an attribute and a value: descriptors, finding rows and assembly identities quoted it whole for each row", buildSharedLongDescriptorTexts, checkSharedLongDescriptorTexts, 18},
		{"msi-class-context-keys.msi", "420 Class rows, each in a component of its own, whose Context is one pooled 60 KB text: each class's server key CLSID\\{…}\\<context> holds it, 25.2 MB of distinct Registry text from 100 KB, just under class-to-registry's bound of MaxChanges x 256 bytes", buildClassContextKeys, checkClassContextKeys, 0},
		{"msi-duplicate-long-keys.msi", "12,000 Property, 6,000 Directory and FeatureComponents, 2,000 Component and 800 Feature rows (x25 at 5 MB) whose every string cell, keys included, is one 24 KiB text (600 KiB) held by two pool entries: each table one repeated key, each feature and directory its own parent", buildDuplicateLongKeys, checkDuplicateLongKeys, 25},
		{"msi-duplicate-rows.msi", "the sample's rows repeated as stored: component App 4,000 times (140,000 at 5 MB), a FeatureComponents row of Core 8,000 (280,000), File app.exe 1,600 (56,000), Shortcut AppStartMenu 800 (28,000): every key met tens of thousands of times", buildDuplicateRows, checkDuplicateRows, 35},
		{"msp-many-transform-storages.msp", "a patch of 1,000 empty transform storages (36,000 at 5 MB), each listed in PID 8: each one opened finds its storage by name", buildManyTransformStorages, checkManyTransformStorages, 36},
		{"mst-missing-row-long-key.mst", "75 updates of a Property row the sample lacks, its key one pooled 60 KB text (4.8 MB at 5 MB): a report line or note for each record", buildMissingRowLongKey, checkMissingRowLongKey, 80},
		{"mst-create-empty-tables.mst", "a transform of the sample creating 10,000 empty tables of one key column (180,000 at 5 MB): apply holds each table it creates", buildCreateEmptyTables, checkCreateEmptyTables, 18},
		{"msp-patch-sequence-shared-64k.msp", "a patch whose MsiPatchSequence holds 10,000 rows (450,000 at 5 MB), every Sequence one pooled 64 KiB text", buildPatchSequenceShared, checkPatchSequenceShared, 45},
		{"msi-wide-rows-shared-64k.msi", "a table of 7 rows (315 at 5 MB) of 15 string cells, all one pooled 64 KiB text, and a 98 KB stream (4.4 MB) that makes the package as large as its rows are costly to list", buildWideRowsShared, checkWideRowsShared, 45},
		{"msi-binary-rows-one-stream.msi", "a Binary row stored 20,000 times over (1.2 million at 5 MB), each copy naming its one 64 KiB stream: whatever reads each row's stream reads it as often (1.3 GB; 78 GB at 5 MB)", buildBinaryRowsOneStream, checkBinaryRowsOneStream, 60},
		{"msi-binary-rows-long-key.msi", "a Binary row keyed by a 64,000-byte text, without a stream (no stream name is that long), stored 20,000 times over (1.2 million at 5 MB): whatever builds each row's stream name copies the text as often (1.3 GB; 76 GB at 5 MB)", buildBinaryRowsLongKey, checkBinaryRowsLongKey, 59},
		{"msi-binary-rows-unsafe-key.msi", "a Binary row keyed \"a:b\", a name no file can have, stored 20,000 times over (1.2 million at 5 MB): a binary cell export -d refuses for each row", buildBinaryRowsUnsafeKey, checkBinaryRowsUnsafeKey, 60},
		{"msi-manifest-xml-flood.msi", "16 Win32 manifests (176 at 5 MB) of 4 MiB each, entity references after <assembly> and no assemblyIdentity, 9 KB each in one MSZIP folder, and a stored folder no row reads that raises the cabinets' decoding bound to deliver them all: 740 MB of XML at 5 MB for the assembly-names pass to parse", buildManifestXMLFlood, checkManifestXMLFlood, 11},
		{"msi-sequences-one-long-action.msi", "30,000 sequence rows (510,000 at 5 MB) whose Action and Condition are one 24 KiB text (408 KiB) in two pool entries, the name of an in-script custom action, and 4,000 RemoveFile rows (68,000) removing the folder it names: each rule keeping actions in a map hashed the text per row", buildSequencesOneLongAction, checkSequencesOneLongAction, 17},
		{"msm-module-exclusions.msm", "a merge module requiring module Other 20,000 times (220,000 at 5 MB) in pairs of languages, and excluding it as often in other languages: each dependency was compared with every exclusion", buildModuleExclusions, checkModuleExclusions, 11},
		{"msi-mime-rows-one-long-text.msi", "32,500 MIME rows (650,000 at 5 MB) whose ContentType and Extension_ are one 24 KiB text (480 KiB) in two pool entries: the description of an extension's MIME rows joined them whole (312 GB at 5 MB, out of memory)", buildMIMERowsOneLongText, checkMIMERowsOneLongText, 20},
		{"msi-media-rows-one-long-cabinet.msi", "13,900 Media rows (278,000 at 5 MB) whose Cabinet is one 24 KiB text (480 KiB) in two pool entries: info listed the name whole on each line (133 GB at 5 MB)", buildMediaRowsOneLongCabinet, checkMediaRowsOneLongCabinet, 20},
		{"msi-registry-rows-one-long-key.msi", "16,250 Registry rows (325,000 at 5 MB) whose key, name, value and component are one 24 KiB text (480 KiB) in two pool entries: ICE33 upper-cased and scanned the key for each row", buildRegistryRowsOneLongKey, checkRegistryRowsOneLongKey, 20},
		{"msi-assembly-rows-one-long-component.msi", "19,500 MsiAssembly rows (390,000 at 5 MB) whose every string cell, Component_ among them, is one 24 KiB text (480 KiB) in two pool entries: the audit model kept the assemblies in a map by component, hashing the text for each row", buildAssemblyRowsOneLongComponent, checkAssemblyRowsOneLongComponent, 20},
		{"msi-assembly-name-rows-one-long-component.msi", "32,500 MsiAssemblyName rows (650,000 at 5 MB) whose Component_, Name and Value are one 24 KiB text (480 KiB) in two pool entries: the audit model gathered the names in a map by component, hashing the text for each row", buildAssemblyNameRowsOneLongComponent, checkAssemblyRowsOneLongComponent, 20},
		{"msi-progid-case-variants.msi", "2,500 ProgId rows (50,000 at 5 MB) of 74-byte names that differ only in the case of 18 letters, each of the sample's class, and 400 (8,000) Extension rows with one Verb each naming one of them: every variant's registration also goes in the components of the extensions naming its lower-case form, all 400 (8,000) walked for each variant before e3ce856", buildProgIDCaseVariants, checkProgIDCaseVariants, 20},
		{"msi-classes-one-long-component.msi", "2,450 Class rows (49,000 at 5 MB) in one component named by a pooled 1.25 MiB text: each Registry row class-to-registry adds hashed the component for its identifier (61 GB at 5 MB)", buildClassesOneLongComponent, checkClassesOneLongComponent, 20},
		{"msi-long-descriptor-places.msi", "1,100 advertised shortcuts in one directory and of one name, 1,100 Class rows of 50 CLSIDs x 50 Contexts and 1,100 qualified components of two AppData texts (33,000 each and a 2 MB stream at 5 MB), every text pooled and a kilobyte long: each descriptor's place joined two (2 KB) and each qualified component's data one, made for each row (msikit audit at 294 MiB of peak RSS)", buildLongDescriptorPlaces, checkLongDescriptorPlaces, 30},
		{"msi-owners-of-one-long-component.msi", "a component named by a pooled 512 KiB text in Core, and 100 features (40,000 at 5 MB) each with a class of it: each feature's registry-only component was named, cleaned, folded and hashed from the whole text (10 s of CPU at 1.4 MB)", buildOwnersOfOneLongComponent, checkOwnersOfOneLongComponent, 400},
		{"msm-unmanaged-long-module-id.msm", "a merge module whose ModuleID is a pooled 256 KiB text, with 1,000 unmanaged components (40,000 at 4.5 MB), each with a class: each gets a registry-only component of the module, whose GUID joined the ModuleID to the ProductCode and hashed it (11.5 s of CPU for msikit rewrite at 4.5 MB)", buildModuleLongIDUnmanaged, checkModuleLongIDUnmanaged, 40},
	}
}

// sampleDB opens testdata/sample.msi in memory.
func sampleDB(t testing.TB) *msi.Database {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := msi.NewDatabase(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// baseDB opens baseMSI (the sample with only Property and the summary
// information) in memory.
func baseDB(t testing.TB) *msi.Database {
	t.Helper()
	b := baseMSI(t)
	db, err := msi.NewDatabase(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func saveDB(t testing.TB, db *msi.Database) []byte {
	t.Helper()
	var out bytes.Buffer
	if _, err := db.Write(&out, &msi.WriteOptions{Compact: true, DropSignature: true}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func table(t testing.TB, db *msi.Database, name string) *msi.Table {
	t.Helper()
	tab, err := db.Table(name)
	must(t, err)
	return tab
}

func str(s string) msi.Value { return msi.StrValue(s) }
func num(n int) msi.Value    { return msi.IntValue(int32(n)) }

func buildNamesEscape(t testing.TB, _ int) []byte {
	db := baseDB(t)
	key := []msi.Column{{Name: "K", Type: msi.ColString, Size: 72, Key: true}}
	for _, name := range []string{"../escaped", `..\escaped`, "CON", "\x1b[2Jred\x1b[0m", "ok"} {
		tab, err := db.CreateTable(name, key)
		must(t, err)
		must(t, tab.Insert(str("row\x1b[31m")))
	}
	bin, err := db.CreateTable("Binary", []msi.Column{
		{Name: "Name", Type: msi.ColString, Size: 72, Key: true},
		{Name: "Data", Type: msi.ColBinary, Nullable: true},
	})
	must(t, err)
	for _, k := range []string{"ok", "\x1b]0;pwned\x07", "nul"} {
		must(t, bin.Insert(str(k), msi.BinaryValue()))
		data := []byte("data of " + k)
		must(t, db.SetStream("Binary."+k, bytes.NewReader(data), int64(len(data))))
	}
	return saveDB(t, db)
}

// summaryShared returns a property set of n properties (ids 100...) whose
// offsets all point at one VT_LPSTR of size bytes.
func summaryShared(n, size int) []byte {
	le := binary.LittleEndian
	var b []byte
	b = le.AppendUint16(b, 0xFFFE)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, 0x00020005)
	b = append(b, make([]byte, 16)...)
	b = le.AppendUint32(b, 1)
	b = append(b, 0xe0, 0x85, 0x9f, 0xf2, 0xf9, 0x4f, 0x68, 0x10, 0xab, 0x91, 0x08, 0x00, 0x2b, 0x27, 0xb3, 0xd9)
	b = le.AppendUint32(b, 48)
	valueAt := 8 + 8*n
	secSize := valueAt + 8 + size
	b = le.AppendUint32(b, uint32(secSize))
	b = le.AppendUint32(b, uint32(n))
	for i := 0; i < n; i++ {
		b = le.AppendUint32(b, uint32(100+i))
		b = le.AppendUint32(b, uint32(valueAt))
	}
	b = le.AppendUint32(b, 30) // VT_LPSTR
	b = le.AppendUint32(b, uint32(size))
	b = append(b, bytes.Repeat([]byte("S"), size-1)...)
	return append(b, 0)
}

// summaryOpaque returns a property set of n properties of type VT(99),
// each its 4-byte type field alone (12 bytes a property).
func summaryOpaque(n int) []byte {
	le := binary.LittleEndian
	b := le.AppendUint16(nil, 0xFFFE)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, 0x00020005)
	b = append(b, make([]byte, 16)...)
	b = le.AppendUint32(b, 1)
	b = append(b, 0xe0, 0x85, 0x9f, 0xf2, 0xf9, 0x4f, 0x68, 0x10, 0xab, 0x91, 0x08, 0x00, 0x2b, 0x27, 0xb3, 0xd9)
	b = le.AppendUint32(b, 48)
	valueAt := 8 + 8*n
	b = le.AppendUint32(b, uint32(valueAt+4*n))
	b = le.AppendUint32(b, uint32(n))
	for i := range n {
		b = le.AppendUint32(b, uint32(100+i))
		b = le.AppendUint32(b, uint32(valueAt+4*i))
	}
	for range n {
		b = le.AppendUint32(b, 99)
	}
	return b
}

func buildSuminfoOpaque(t testing.TB, scale int) []byte {
	db := baseDB(t)
	si := summaryOpaque(5000 * scale)
	must(t, db.SetStream(msi.SummaryInfoStream, bytes.NewReader(si), int64(len(si))))
	return saveDB(t, db)
}

// checkSuminfoOpaque: a set of more than 4,096 properties is refused.
func checkSuminfoOpaque(t *testing.T, db *msi.Database) {
	var err error
	testenv.CheckBudget(t, "SummaryInfo", func() { _, err = db.SummaryInfo() })
	var fe *msi.FormatError
	if !errors.As(err, &fe) || fe.Stream != msi.SummaryInfoStream || fe.Offset != 52 || !strings.Contains(err.Error(), "property count 5000 exceeds the limit of 4096") {
		t.Errorf("SummaryInfo: %v, want a FormatError on the property count", err)
	}
}

func buildSuminfoShared(t testing.TB, scale int) []byte {
	db := baseDB(t)
	si := summaryShared(20000*scale, 64<<10)
	must(t, db.SetStream(msi.SummaryInfoStream, bytes.NewReader(si), int64(len(si))))
	return saveDB(t, db)
}

func buildSharedString(t testing.TB, scale int) []byte {
	db := baseDB(t)
	tab, err := db.CreateTable("Blob", []msi.Column{
		{Name: "K", Type: msi.ColInt32, Key: true},
		{Name: "V", Type: msi.ColString, Nullable: true},
	})
	must(t, err)
	big := str(strings.Repeat("x", 64<<10))
	for i := 0; i < 2000*scale; i++ {
		must(t, tab.Insert(num(i+1), big))
		if i == 0 {
			big = tab.Row(0).At(1) // the pooled string: not hashed again
		}
	}
	return saveDB(t, db)
}

// widen re-creates table name with column col made unlimited (size 0), so
// that cells longer than the standard width can be stored, keeping its
// rows.
func widen(t testing.TB, db *msi.Database, name, col string) *msi.Table {
	t.Helper()
	old := table(t, db, name)
	cols := old.Columns()
	var rows [][]msi.Value
	for r := range old.Rows() {
		rows = append(rows, r.Values())
	}
	for i := range cols {
		if cols[i].Name == col {
			cols[i].Size = 0
		}
	}
	must(t, db.DropTable(name))
	tab, err := db.CreateTable(name, cols)
	must(t, err)
	for _, r := range rows {
		must(t, tab.Insert(r...))
	}
	return tab
}

func buildFileTypeMask(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	tab := widen(t, db, "Class", "FileTypeMask")
	mask := strings.Repeat("a;", 32000)
	mask = mask[:len(mask)-1]
	for i := 0; i < 20*scale; i++ {
		clsid := fmt.Sprintf("{00000000-0000-0000-0000-%012d}", i)
		insertClass(t, tab, clsid, "ComServer", "Core", map[string]msi.Value{"Description": str("hostile"), "FileTypeMask": str(mask)})
	}
	return saveDB(t, db)
}

func buildProgIDChain(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	tab := table(t, db, "ProgId")
	n := 60000 * scale
	parent := "Synth.Widget.1"
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("P%d", i)
		must(t, tab.Insert(str(name), str(parent), msi.Value{}, msi.Value{}, msi.Value{}, msi.Value{}))
		parent = name
	}
	return saveDB(t, db)
}

// buildProgIDCycle adds 8,000 ProgIds whose ProgId_Parent chain is one
// cycle through all of them, with no class and no extension: each is
// left alone, with a warning for the cycle and a note, and the pass
// records a problem for each. Each row costs the package 28 bytes; at 5
// MB (176,000 rows) class-to-registry held 173 MB of live heap (the
// notes copied into the report, a map entry and a message naming the
// ProgId for each problem, the whole of every ProgId row read again when
// deleting the converted ones): `rewrite -o` 266 MB of peak RSS.
func buildProgIDCycle(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	tab := table(t, db, "ProgId")
	n := 8000 * scale
	for i := range n {
		must(t, tab.Insert(str(fmt.Sprintf("P%d", i)), str(fmt.Sprintf("P%d", (i+1)%n)), msi.Value{}, msi.Value{}, msi.Value{}, msi.Value{}))
	}
	return saveDB(t, db)
}

// Each ProgId of the cycle gets its warning, and the pass allocates at
// most 2,600 bytes a row (3,050 before the fix, 2,170 after).
func checkProgIDCycle(t *testing.T, db *msi.Database) {
	var rep *transform.Report
	var err error
	testenv.CheckBudgetOf(t, "ClassToRegistry", testenv.TimeBudget, 8000*progIDCycleBytesPerRow, func() {
		rep, err = transform.ClassToRegistry(db, transform.ClassToRegistryOptions{})
	})
	must(t, err)
	n := 0
	for _, nt := range rep.Notes() {
		if nt.Table == "ProgId" && len(nt.Key) == 1 && strings.HasPrefix(nt.Key[0], "P") && strings.Contains(nt.Reason, "never ends (a cycle)") {
			n++
		}
	}
	if n != 8000 {
		t.Errorf("%d cycle warnings, want 8000", n)
	}
}

const progIDCycleBytesPerRow = 2600

// buildVerbsOfOneExtension adds 10,000 verbs to the sample's extension
// .synth (25 bytes a row): each is an advertised entry point with a
// finding of its own, so `audit --sarif` writes one SARIF result a row.
// Each result was encoded by a new json.Encoder, which grew its
// indenting buffer again (2.1 KB allocated a result): at 5 MB (200,000
// verbs) `audit --sarif` took 3.0-3.2 s of CPU and 3.6-5.9 s of wall time
// on a loaded machine.
func buildVerbsOfOneExtension(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	tab := table(t, db, "Verb")
	for i := range 10000 * scale {
		must(t, tab.Insert(str("synth"), str(fmt.Sprintf("v%d", i)), num(i%30000), str("x"), str("%1")))
	}
	return saveDB(t, db)
}

// The audit lists every verb as a registered entry point, in budget
// (internal/sarif's TestWriterAllocatesLittle holds the SARIF results to
// a few hundred bytes each).
func checkVerbsOfOneExtension(t *testing.T, db *msi.Database) {
	rep := auditInTime(t, db)
	n := 0
	for _, ep := range rep.EntryPoints() {
		if ep.Table == "Verb" && ep.Registered && len(ep.Key) == 2 && ep.Key[0] == "synth" && strings.HasPrefix(ep.Key[1], "v") {
			n++
		}
	}
	if n != 10000 {
		t.Errorf("%d registered verb entry points, want 10000", n)
	}
}

// buildPublishGrid adds a PublishComponent table of 100*scale categories
// (GUIDs) times 100 qualifiers, every row qualifying App in Core: a row
// is 10 bytes (five string ids), the strings few, and each row is an
// entry point the audit lists with its descriptor, about a kilobyte. At
// 5 MB (460,000 rows) `audit` took 15-16 s and 520-540 MB of peak RSS
// (the collector running without pause at the soft memory limit); 680
// verbs of each of 680 extensions did the same (9-13 s, 425-435 MB).
func buildPublishGrid(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	tab, err := db.CreateTable("PublishComponent", []msi.Column{
		{Name: "ComponentId", Type: msi.ColString, Size: 38, Key: true},
		{Name: "Qualifier", Type: msi.ColString, Size: 255, Key: true},
		{Name: "Component_", Type: msi.ColString, Size: 72, Key: true},
		{Name: "AppData", Type: msi.ColString, Size: 255, Nullable: true},
		{Name: "Feature_", Type: msi.ColString, Size: 38},
	})
	must(t, err)
	for i := range 100 * scale {
		for j := range 100 {
			must(t, tab.Insert(str(fmt.Sprintf("{11111111-2222-3333-4444-%012d}", i)), str(fmt.Sprintf("q%d", j)), str("App"), msi.Value{}, str("Core")))
		}
	}
	return saveDB(t, db)
}

// The audit lists the 10,000 qualified components in budget, and refuses
// the package, before reading its rows, when MaxEntryPoints is lower.
func checkPublishGrid(t *testing.T, db *msi.Database) {
	var rep *transform.AuditReport
	var err error
	testenv.CheckBudget(t, "Audit (refused)", func() {
		_, err = transform.Audit(db, transform.AuditOptions{MaxEntryPoints: 5000})
	})
	if !errors.Is(err, transform.ErrTooManyEntryPoints) {
		t.Errorf("Audit with MaxEntryPoints 5000: %v, want ErrTooManyEntryPoints", err)
	}
	testenv.CheckBudgetOf(t, "Audit", testenv.TimeBudget, 1<<30, func() {
		rep, err = transform.Audit(db, transform.AuditOptions{})
	})
	must(t, err)
	n := 0
	for _, ep := range rep.EntryPoints() {
		if ep.Table == "PublishComponent" && ep.Registered {
			n++
		}
	}
	if n != 10000 {
		t.Errorf("%d registered qualified components, want 10000", n)
	}
}

// advertisedComponents adds n components// advertisedComponents adds n components// advertisedComponents adds n components// advertisedComponents adds n components in folder BINDIR, each with a
// key file and an advertised shortcut naming feature (or features[i]).
func advertisedComponents(t testing.TB, db *msi.Database, n int, feature func(i int) string, component func(i int) string) {
	comps, files, fcs, scs := table(t, db, "Component"), table(t, db, "File"), table(t, db, "FeatureComponents"), table(t, db, "Shortcut")
	made := map[string]bool{}
	for i := 0; i < n; i++ {
		c := component(i)
		if !made[c] {
			made[c] = true
			f := "f" + c
			must(t, comps.Insert(str(c), str(fmt.Sprintf("{10000000-0000-0000-0000-%012d}", i)), str("BINDIR"), num(0), msi.Value{}, str(f)))
			must(t, files.Insert(str(f), str(c), str(f+".dll"), num(1), msi.Value{}, msi.Value{}, msi.Value{}, num(1000+i)))
		}
		must(t, fcs.Insert(str(feature(i)), str(c)))
		insertShortcut(t, scs, fmt.Sprintf("s%d", i), "sc.lnk", c, feature(i))
	}
}

func buildLeafConditions(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	feats := table(t, db, "Feature")
	must(t, feats.Insert(str("Big"), msi.Value{}, msi.Value{}, msi.Value{}, num(1), num(1), msi.Value{}, num(0)))
	cond, err := db.CreateTable("Condition", []msi.Column{
		{Name: "Feature_", Type: msi.ColString, Size: 38, Key: true},
		{Name: "Level", Type: msi.ColInt16, Key: true},
		{Name: "Condition", Type: msi.ColString, Size: 255, Nullable: true},
	})
	must(t, err)
	for i := 0; i < 2000*scale; i++ {
		must(t, cond.Insert(str("Big"), num(i+1), str("VersionNT")))
	}
	advertisedComponents(t, db, 2000*scale, func(int) string { return "Big" }, func(i int) string { return fmt.Sprintf("c%d", i) })
	return saveDB(t, db)
}

func buildLeafSharedComponent(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	feats := table(t, db, "Feature")
	n := 3000 * scale
	for i := 0; i < n; i++ {
		must(t, feats.Insert(str(fmt.Sprintf("F%d", i)), msi.Value{}, msi.Value{}, msi.Value{}, num(1), num(1), msi.Value{}, num(0)))
	}
	// Each feature also holds a second component, so that the shared one
	// is not alone in it (a leaf is made only then).
	advertisedComponents(t, db, 2*n, func(i int) string { return fmt.Sprintf("F%d", i/2) }, func(i int) string {
		if i%2 == 0 {
			return "Shared"
		}
		return fmt.Sprintf("own%d", i/2)
	})
	return saveDB(t, db)
}

func buildEmptyTables(t testing.TB, scale int) []byte {
	db := baseDB(t)
	cols := []msi.Column{{Name: "K", Type: msi.ColString, Size: 72, Key: true}}
	for i := 0; i < 50000*scale; i++ {
		_, err := db.CreateTable(fmt.Sprintf("T%d", i), cols)
		must(t, err)
	}
	return saveDB(t, db)
}

// buildLongKeyAmongTables: 10,000*scale empty tables and a table L whose
// one key column is named by 60,000 characters. tables -l aligned every
// table's line to the widest cell, L's key: 3 GB from 1 MB.
func buildLongKeyAmongTables(t testing.TB, scale int) []byte {
	db := baseDB(t)
	cols := []msi.Column{{Name: "K", Type: msi.ColString, Size: 72, Key: true}}
	for i := range 10000 * scale {
		_, err := db.CreateTable(fmt.Sprintf("T%d", i), cols)
		must(t, err)
	}
	_, err := db.CreateTable("L", []msi.Column{{Name: strings.Repeat("K", 60000), Type: msi.ColString, Size: 72, Key: true}})
	must(t, err)
	return saveDB(t, db)
}

// The long key column is read whole; the CLI listings are checked as
// child processes (TestEveryCommandOnCraftedFixtures).
func checkLongKeyAmongTables(t *testing.T, db *msi.Database) {
	l := table(t, db, "L")
	if keys := l.KeyColumns(); len(keys) != 1 || len(keys[0].Name) != 60000 {
		t.Errorf("L's key columns: %d, want one named by 60,000 characters", len(keys))
	}
	if n := len(db.TableNames()); n < 10001 {
		t.Errorf("%d tables, want more than 10,000", n)
	}
}

// buildIntRows: a table whose rows are a single 4-byte integer key, the
// most rows a package's bytes can hold: at 5 MB, 1.2 million. Anything
// that costs a fixed amount per row (a copy of its values, a record of a
// transform) shows here.
func buildIntRows(t testing.TB, scale int) []byte {
	db := baseDB(t)
	tb, err := db.CreateTable("Numbers", []msi.Column{{Name: "N", Type: msi.ColInt32, Key: true}})
	must(t, err)
	for i := range 100000 * scale {
		must(t, tb.Insert(msi.IntValue(int32(i))))
	}
	return saveDB(t, db)
}

// buildDirectoryChain puts a chain of 10,000 directories (each named "d")
// between the sample's INSTALLDIR and DATADIR, which holds eight files.
func buildDirectoryChain(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	dirs := table(t, db, "Directory")
	n := 10000 * scale
	parent := "INSTALLDIR"
	for i := range n {
		k := fmt.Sprintf("D%d", i)
		must(t, dirs.Insert(str(k), str(parent), str("d")))
		parent = k
	}
	must(t, dirs.Update([]msi.Value{str("DATADIR")}, func(vals []msi.Value) error {
		vals[1] = str(parent)
		return nil
	}))
	return saveDB(t, db)
}

// buildDirectoryDots makes a chain of 1,000 directories under DATADIR, each
// named "." so that all are DATADIR's folder, and in each two components
// whose key files have the same name (f<i>.txt): one ICE30 collision per
// directory, whose message renders the folder through the chain above.
func buildDirectoryDots(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	dirs, comps, files := table(t, db, "Directory"), table(t, db, "Component"), table(t, db, "File")
	parent := "DATADIR"
	for i := range 1000 * scale {
		k := fmt.Sprintf("D%d", i)
		must(t, dirs.Insert(str(k), str(parent), str(".")))
		parent = k
		for j := range 2 {
			c, f := fmt.Sprintf("C%d_%d", i, j), fmt.Sprintf("F%d_%d", i, j)
			must(t, comps.Insert(str(c), str(fmt.Sprintf("{20000000-0000-0000-%04d-%012d}", j, i)), str(k), num(0), msi.Value{}, str(f)))
			must(t, files.Insert(str(f), str(c), str(fmt.Sprintf("f%d.txt", i)), num(1), msi.Value{}, msi.Value{}, msi.Value{}, num(1000+2*i+j)))
		}
	}
	return saveDB(t, db)
}

// buildValidationLists adds a _Validation table whose Set and KeyTable
// cells are long lists (the standard schema holds 255 characters; these
// columns are widened to 64 KiB): Numbers.N may only be "a" (a 64 KiB
// list of 32,768 members, every row's value missing from it) and Numbers.M
// is a key of one of 7,000 tables, all distinct, absent but Property.
// 2,000 more _Validation rows, for columns Numbers does not have, share
// the two lists. A check that splits a list per _Validation row, or
// looks a value up in each member or each table per row, costs 20,000
// (at 5 MB 760,000) times the list.
func buildValidationLists(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	vt, err := db.CreateTable("_Validation", []msi.Column{
		{Name: "Table", Type: msi.ColString, Size: 32, Key: true},
		{Name: "Column", Type: msi.ColString, Size: 32, Key: true},
		{Name: "Nullable", Type: msi.ColString, Size: 4},
		{Name: "MinValue", Type: msi.ColInt32, Nullable: true},
		{Name: "MaxValue", Type: msi.ColInt32, Nullable: true},
		{Name: "KeyTable", Type: msi.ColString, Nullable: true},
		{Name: "KeyColumn", Type: msi.ColInt16, Nullable: true},
		{Name: "Category", Type: msi.ColString, Size: 32, Nullable: true},
		{Name: "Set", Type: msi.ColString, Nullable: true},
		{Name: "Description", Type: msi.ColString, Size: 255, Nullable: true},
	})
	must(t, err)
	set := str(strings.Repeat("a;", 32<<10-1) + "a")
	var kt strings.Builder
	for i := range 7000 {
		fmt.Fprintf(&kt, "Missing%d;", i)
	}
	kt.WriteString("Property")
	keyTable := str(kt.String())
	null := msi.Value{}
	must(t, vt.Insert(str("Numbers"), str("N"), str("N"), null, null, null, null, null, set, null))
	must(t, vt.Insert(str("Numbers"), str("M"), str("N"), null, null, keyTable, num(1), null, null, null))
	set, keyTable = vt.Row(0).Get("Set"), vt.Row(1).Get("KeyTable") // pooled: not hashed again
	for i := range 2000 {
		must(t, vt.Insert(str("Numbers"), str(fmt.Sprintf("X%d", i)), str("N"), null, null, keyTable, num(1), null, set, null))
	}
	tb, err := db.CreateTable("Numbers", []msi.Column{{Name: "N", Type: msi.ColInt32, Key: true}, {Name: "M", Type: msi.ColInt16}})
	must(t, err)
	for i := range 20000 * scale {
		must(t, tb.Insert(msi.IntValue(int32(i)), num(1)))
	}
	return saveDB(t, db)
}

// ICE03 reads each list once: one error per Numbers.N value (not in the
// set) and one _Validation error for the KeyTable list naming more tables
// than are looked up.
func checkValidationLists(t *testing.T, db *msi.Database) {
	var fs []validate.Finding
	var err error
	testenv.CheckBudget(t, "Validate", func() {
		fs, err = validate.Validate(db, &validate.Options{Rules: []string{"ICE03"}, MaxFindings: -1})
	})
	must(t, err)
	var set, keyTable, fk int
	for _, f := range fs {
		switch {
		case f.Table == "Numbers" && f.Column == "N" && strings.HasPrefix(f.Message, "Value not a member of the set"):
			set++
		case f.Table == "Numbers" && f.Column == "M":
			fk++
		case f.Table == "_Validation" && f.Column == "KeyTable" && strings.Contains(f.Message, "references 7001 tables"):
			keyTable++
		}
	}
	if set != 20000 || keyTable != 1 || fk != 0 {
		t.Errorf("%d set errors (want 20000), %d KeyTable errors (want 1), %d foreign key errors (want 0)", set, keyTable, fk)
	}
}

// buildShortcutsOfShared puts the sample's component App in 2,000 more
// features (one FeatureComponents row each) and adds 1,500 advertised
// shortcuts of App, all advertising one more feature, which does not hold it:
// each shortcut's FeatureComponents check (ICE59) that scans App's
// features costs 2,000 comparisons of 38 bytes, 3 million in all (at 5 MB 42,000 x
// 31,500: 1.3 billion).
func buildShortcutsOfShared(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	ft, fc, scs := table(t, db, "Feature"), table(t, db, "FeatureComponents"), table(t, db, "Shortcut")
	// Names of the Feature column's 38 characters, alike but for the
	// last ones: comparing two costs their length.
	lone := fmt.Sprintf("%s%08d", strings.Repeat("f", 30), 99999999)
	must(t, ft.Insert(str(lone), msi.Value{}, msi.Value{}, msi.Value{}, num(2), num(1), msi.Value{}, num(0)))
	for i := range 2000 * scale {
		k := fmt.Sprintf("%s%08d", strings.Repeat("f", 30), i)
		must(t, ft.Insert(str(k), msi.Value{}, msi.Value{}, msi.Value{}, num(2), num(1), msi.Value{}, num(0)))
		must(t, fc.Insert(str(k), str("App")))
	}
	for i := range 1500 * scale {
		insertShortcut(t, scs, fmt.Sprintf("s%d", i), "sc.lnk", "App", lone)
	}
	return saveDB(t, db)
}

// ICE59 reports each shortcut once, in budget.
func checkShortcutsOfShared(t *testing.T, db *msi.Database) {
	checkShortcutsOfSharedN(t, db, 1500)
}

// TestShortcutsOfSharedAtScale runs the check, and the audit, on the
// fixture at its 5 MB scale, built in memory: the committed one (3 million comparisons when
// each shortcut scans its component's features) is too small for the
// time budget to tell a scan from a lookup.
func TestShortcutsOfSharedAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 5 MB package")
	}
	const scale = 21
	data := buildShortcutsOfShared(t, scale)
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	checkShortcutsOfSharedN(t, db, 1500*scale)
	// The audit asks the same of each entry point (3.7 s before it
	// looked a component in many features up in a set). Its memory is
	// the model of the whole package, so only its time is held here.
	testenv.CheckBudgetOf(t, "Audit", testenv.TimeBudget, 1<<30, func() {
		_, err = transform.Audit(db, transform.AuditOptions{})
	})
	must(t, err)
}

func checkShortcutsOfSharedN(t *testing.T, db *msi.Database, want int) {
	var fs []validate.Finding
	var err error
	testenv.CheckBudget(t, "Validate", func() {
		fs, err = validate.Validate(db, &validate.Options{Rules: []string{"ICE59"}})
	})
	must(t, err)
	n := 0
	for _, f := range fs {
		switch {
		case f.ICE == "ICE59" && f.Omitted > 0:
			n += f.Omitted
		case f.ICE == "ICE59" && f.Table == "Shortcut" && strings.Contains(f.Message, "advertises feature 'ffffff"):
			n++
		}
	}
	if n != want {
		t.Errorf("%d ICE59 findings on the shortcuts of App, want %d", n, want)
	}
}

// buildRootComponentsChildren gives feature Core 2,000 more components
// (FeatureComponents rows naming components the package does not have)
// and 500 child features of Core, each holding App and advertised by a
// shortcut of it. The audit counts, for each feature an entry point
// names, the distinct components of its Feature_Parent chain, visiting
// Core's 2,000 components once per child: 1 million map insertions here,
// 1 billion at 200,000 components and 5,000 children (3.8 MB), where
// audit ran past 100 s (open work).
func buildRootComponentsChildren(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	ft, fc, scs := table(t, db, "Feature"), table(t, db, "FeatureComponents"), table(t, db, "Shortcut")
	for i := range 2000 * scale {
		must(t, fc.Insert(str("Core"), str(fmt.Sprintf("c%d", i))))
	}
	for i := range 500 * scale {
		k := fmt.Sprintf("F%d", i)
		must(t, ft.Insert(str(k), str("Core"), msi.Value{}, msi.Value{}, num(2), num(1), msi.Value{}, num(0)))
		must(t, fc.Insert(str(k), str("App")))
		insertShortcut(t, scs, fmt.Sprintf("s%d", i), "sc.lnk", "App", k)
	}
	return saveDB(t, db)
}

// TestRootComponentsChildrenAtScale builds the root-components attack at
// a tenth of its 5 MB size (20,000 components in Core, 5,000 children):
// counting Core's components again for each child's health check took
// seconds there (past 100 s at 5 MB); one walk down the feature tree
// counts each row twice.
func TestRootComponentsChildrenAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 1 MB package")
	}
	const scale = 10
	data := buildRootComponentsChildren(t, scale)
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	checkRootComponentsChildrenN(t, db, scale)
}

// The audit lists a health check per child, each covering Core's
// components.
func checkRootComponentsChildren(t *testing.T, db *msi.Database) {
	checkRootComponentsChildrenN(t, db, 1)
}

// checkRootComponentsChildrenN checks the package at scale.
func checkRootComponentsChildrenN(t *testing.T, db *msi.Database, scale int) {
	rep := auditInTime(t, db)
	n := 0
	for _, hc := range rep.Checks {
		// The child, Core and Core's own components: App, the sample's
		// and 2,000 a scale.
		if strings.HasPrefix(hc.Feature, "F") && hc.Covers > 2000*scale {
			n++
		}
	}
	if n != 500*scale {
		t.Errorf("%d health checks of the children cover Core's components, want %d", n, 500*scale)
	}
}

// buildFeatureChainEntryPoints makes a chain of 2,000 features below
// Core, each holding App and advertised by a shortcut of App: the audit's
// health check of each lists its chain, cut at 64 features, 64 times the
// features the package holds.
func buildFeatureChainEntryPoints(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	ft, fc, scs := table(t, db, "Feature"), table(t, db, "FeatureComponents"), table(t, db, "Shortcut")
	parent := "Core"
	for i := range 2000 * scale {
		k := fmt.Sprintf("F%d", i)
		must(t, ft.Insert(str(k), str(parent), msi.Value{}, msi.Value{}, num(2), num(1), msi.Value{}, num(0)))
		must(t, fc.Insert(str(k), str("App")))
		insertShortcut(t, scs, fmt.Sprintf("s%d", i), "sc.lnk", "App", k)
		parent = k
	}
	return saveDB(t, db)
}

// Each child's check stops at 64 features and says so.
func checkFeatureChainEntryPoints(t *testing.T, db *msi.Database) {
	rep := auditInTime(t, db)
	n := 0
	for _, hc := range rep.Checks {
		if len(hc.Features) == 64 && strings.Contains(hc.Problem, "deeper than 64") {
			n++
		}
	}
	if n != 2000-62 {
		t.Errorf("%d health checks cut at 64 features, want %d", n, 2000-62)
	}
}

// auditInTime audits db with the default options within the time budget
// (its memory is the model of the whole package, held to 1 GiB here; the
// scaled set holds the command to the memory budget).
func auditInTime(t *testing.T, db *msi.Database) *transform.AuditReport {
	t.Helper()
	var rep *transform.AuditReport
	var err error
	testenv.CheckBudgetOf(t, "Audit", testenv.TimeBudget, 1<<30, func() {
		rep, err = transform.Audit(db, transform.AuditOptions{})
	})
	must(t, err)
	return rep
}

// oneComponent is the start of a package for buildPackage: a TARGETDIR
// and a component C, for File rows.
func oneComponent(p *pkgBuilder) {
	p.row("Directory", str("TARGETDIR"), msi.Value{}, str("SourceDir"))
	p.row("Component", str("C"), str(""), str("TARGETDIR"), num(0), msi.Value{}, msi.Value{})
}

// buildQuantumFolders embeds one cabinet of 3,000 Quantum folders, of
// window sizes 2^21, 2^20 and 2^19 in turn, each holding one 2-byte file
// whose block is 4 bytes of noise (an arithmetic decoder decodes anything).
// Each folder needs a decoder (a window of up to 2 MiB): one each is 6 GB
// (at 5 MB 100 GB) to allocate and zero.
func buildQuantumFolders(t testing.TB, scale int) []byte {
	n := 3000 * scale
	return buildPackage(t, func(p *pkgBuilder) {
		oneComponent(p)
		c := &cabSpecX{setID: 1}
		for i := range n {
			key := fmt.Sprintf("f%d", i)
			p.file(key, "C", key+".txt", 2, i+1)
			method := uint16(2 | 4<<4 | (21-i%3)<<8)
			c.folders = append(c.folders, cabFolderSpec{method: method, blocks: []cabBlockSpec{{data: []byte{0xff, 0x00, 0x12, 0x34}, uncomp: 2}}})
			c.files = append(c.files, cabFileEntry{name: key, size: 2, folder: uint16(i)})
		}
		p.cabinet("#q.cab", n, c)
	})
}

// Every file is decoded, in budget.
func checkQuantumFolders(t *testing.T, db *msi.Database) {
	var rep *install.Report
	var err error
	var n int
	testenv.CheckBudget(t, "Extract", func() {
		n = 0
		rep, err = install.Extract(db, nil, func(_ *install.File, r io.Reader) error {
			b, err := io.ReadAll(r)
			if len(b) == 2 {
				n++
			}
			return err
		})
	})
	if err != nil || rep.Problems() || n != 3000 {
		t.Errorf("Extract: %v, %d files decoded, want 3000; report %+v", err, n, rep)
	}
}

// lzxTinyBlock is an LZX stream of one uncompressed block holding "hi":
// no E8 translation, block type 3, size 2, padding, R0-R2 = 1, the bytes.
func lzxTinyBlock() []byte {
	return []byte{0x00, 0x30, 0x20, 0x00, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 'h', 'i'}
}

// buildLZXCabinets embeds 2,000 cabinets, each named by its Media row and
// holding one LZX:21 folder of one 2-byte file. A decoder per cabinet is
// a 4 MiB window each: 8 GB (at 5 MB 56 GB) to allocate, or kept until
// the end, 35 KB of memory per cabinet.
func buildLZXCabinets(t testing.TB, scale int) []byte {
	n := 2000 * scale
	return buildPackage(t, func(p *pkgBuilder) {
		oneComponent(p)
		for i := 1; i <= n; i++ {
			key := fmt.Sprintf("f%d", i)
			p.file(key, "C", key+".txt", 2, i)
			c := &cabSpecX{setID: uint16(i), folders: []cabFolderSpec{{method: 3 | 21<<8, blocks: []cabBlockSpec{{data: lzxTinyBlock(), uncomp: 2}}}},
				files: []cabFileEntry{{name: key, size: 2}}}
			p.stream(fmt.Sprintf("c%d.cab", i), c.bytes())
			p.row("Media", num(i), num(i), msi.Value{}, str(fmt.Sprintf("#c%d.cab", i)), msi.Value{}, msi.Value{})
		}
	})
}

// Every file is delivered, in budget.
func checkLZXCabinets(t *testing.T, db *msi.Database) {
	var rep *install.Report
	var err error
	var n int
	testenv.CheckBudget(t, "Extract", func() {
		n = 0
		rep, err = install.Extract(db, nil, func(_ *install.File, r io.Reader) error {
			b, err := io.ReadAll(r)
			if string(b) == "hi" {
				n++
			}
			return err
		})
	})
	if err != nil || rep.Problems() || n != 2000 {
		t.Errorf("Extract: %v, %d files delivered, want 2000; report %+v", err, n, rep)
	}
}

// zeroBlock is one MSZIP block of 32 KiB of zeros, with its history of
// zeros: 58 bytes with its CFDATA header, repeated as often as needed.
func zeroBlock() cabBlockSpec {
	z := make([]byte, cabBlockSize)
	return cabBlockSpec{data: mszipBlock(z, z), uncomp: cabBlockSize}
}

// buildMSZIPBomb embeds one cabinet of folders of 16,000 zero blocks,
// one per scale, each one file of 524 MB named by a File row: MSZIP's
// best ratio, 565:1.
func buildMSZIPBomb(t testing.TB, scale int) []byte {
	const blocks = 16000
	blk := zeroBlock()
	return buildPackage(t, func(p *pkgBuilder) {
		oneComponent(p)
		c := &cabSpecX{setID: 1}
		for f := range scale {
			fo := cabFolderSpec{method: cabMSZIP}
			for range blocks {
				fo.blocks = append(fo.blocks, blk)
			}
			c.folders = append(c.folders, fo)
			key := fmt.Sprintf("zeros%d", f)
			c.files = append(c.files, cabFileEntry{name: key, size: blocks * cabBlockSize, folder: uint16(f)})
			p.file(key, "C", key+".bin", blocks*cabBlockSize, f+1)
		}
		p.cabinet("#bomb.cab", scale, c)
	})
}

// Decoding stops at the default ratio: every file fails with a
// *install.RatioError, and what was delivered before stays under its
// bound.
func checkMSZIPBomb(t *testing.T, db *msi.Database) {
	checkRatioStops(t, db, func(t *testing.T, delivered int, failed []*install.FileError) {
		if delivered != 0 || len(failed) == 0 {
			t.Errorf("%d files delivered, %d failed; want none delivered", delivered, len(failed))
		}
		for _, f := range failed {
			var re *install.RatioError
			if !errors.As(f, &re) || !errors.Is(f, install.ErrTooLarge) || !errors.Is(f, cab.ErrLimit) || errors.Is(f, cab.ErrFormat) || re.Ratio != install.DefaultMaxRatio {
				t.Errorf("%v: want an *install.RatioError of the default ratio", f)
			}
		}
	})
}

// checkRatioStops extracts db with the default options in budget and
// checks that the bytes read stay under the bound of its cabinets'
// bytes, then hands what was delivered and what failed to check.
func checkRatioStops(t *testing.T, db *msi.Database, check func(t *testing.T, delivered int, failed []*install.FileError)) {
	var rep *install.Report
	var err error
	var n, delivered int64
	var compressed int64
	for _, s := range db.Streams() {
		if strings.HasSuffix(s.Name, ".cab") {
			compressed += s.Size
		}
	}
	// A bomb decodes up to install.DecodeAllowance (256 MiB) plus the
	// ratio's share before the bound stops it, whatever the fixture's
	// size: about a second at full speed, so the limit is that work at
	// 50 MB/s (ten times as long under the race detector). Without the
	// bound an LZX:21 bomb decodes 3.8 GB.
	testenv.CheckBudgetOf(t, "Extract", 6*time.Second, testenv.HeapBudget, func() {
		n, delivered = 0, 0
		rep, err = install.Extract(db, nil, func(_ *install.File, r io.Reader) error {
			k, err := io.Copy(io.Discard, r)
			n += k
			if err == nil {
				delivered++
			}
			return nil
		})
	})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if limit := install.DecodeAllowance + install.DefaultMaxRatio*compressed; n > limit {
		t.Errorf("%d bytes read, more than the bound of %d", n, limit)
	}
	check(t, int(delivered), rep.Failed)
}

// buildCopiesFar embeds a folder of 4,000 zero blocks: file a holds all
// but the last, file b the last, and 2,000 per scale more cabinet files
// (no File rows: extracted beside, as a patch's are) point at b's range.
// Reading a copy decodes the folder again from its start: 131 MB each.
func buildCopiesFar(t testing.TB, scale int) []byte {
	const blocks = 4000
	blk := zeroBlock()
	return buildPackage(t, func(p *pkgBuilder) {
		oneComponent(p)
		fo := cabFolderSpec{method: cabMSZIP}
		for range blocks {
			fo.blocks = append(fo.blocks, blk)
		}
		c := &cabSpecX{setID: 1, folders: []cabFolderSpec{fo}}
		c.files = append(c.files, cabFileEntry{name: "a", size: (blocks - 1) * cabBlockSize}, cabFileEntry{name: "b", size: cabBlockSize, offset: (blocks - 1) * cabBlockSize})
		for i := range 2000 * scale {
			c.files = append(c.files, cabFileEntry{name: fmt.Sprint(i), size: cabBlockSize, offset: (blocks - 1) * cabBlockSize})
		}
		p.file("a", "C", "a.bin", (blocks-1)*cabBlockSize, 1)
		p.file("b", "C", "b.bin", cabBlockSize, 2)
		p.cabinet("#far.cab", 2, c)
	})
}

// a and b are delivered; the copies fail, with an *install.RatioError
// while the folder's copies stay within what install allows, an
// *install.OverlapError after: the work stays under the bound.
func checkCopiesFar(t *testing.T, db *msi.Database) {
	checkRatioStops(t, db, func(t *testing.T, delivered int, failed []*install.FileError) {
		ratio := 0
		for _, f := range failed {
			var re *install.RatioError
			var oe *install.OverlapError
			switch {
			case errors.As(f, &re):
				ratio++
			case errors.As(f, &oe) && oe.Copies > 0:
			default:
				t.Errorf("%v: want an *install.RatioError or a copy's *install.OverlapError", f)
			}
		}
		if delivered < 2 || ratio == 0 || delivered+len(failed) != 2002 {
			t.Errorf("%d files delivered, %d failed (%d by the ratio); want a and b delivered, some copies stopped by the ratio, 2,002 in all", delivered, len(failed), ratio)
		}
	})
}

// buildRegistryShared adds 2,000 Registry rows of component App whose
// Value is one pooled 64 KiB formatted multi-string: [$ComServer][~]
// 4,369 times (ComServer shares feature Core with App). A check that scans or copies
// the value once per row, or checks each reference of each row, does
// 2,000 times (at 5 MB, 174,000 times) the work the string costs.
func buildRegistryShared(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	tab := widen(t, db, "Registry", "Value")
	v := str(strings.Repeat("[$ComServer][~]", 64<<10/len("[$ComServer][~]")))
	for i := range 2000 * scale {
		must(t, tab.Insert(str(fmt.Sprintf("shared%d", i)), num(2), str("k"), msi.Value{}, v, str("App")))
		if i == 0 {
			v = tab.Row(tab.Len() - 1).At(4) // the pooled string: not hashed again
		}
	}
	return saveDB(t, db)
}

// Validate reads each shared value once and reports one ICE69 warning
// per row (not one per reference); class-to-registry decides once that
// the value is not a darwin descriptor.
func checkRegistryShared(t *testing.T, db *msi.Database) {
	var fs []validate.Finding
	var err error
	testenv.CheckBudget(t, "Validate", func() {
		fs, err = validate.Validate(db, &validate.Options{Rules: []string{"ICE69"}})
	})
	must(t, err)
	n := 0
	for _, f := range fs {
		if f.Severity == validate.Warning && len(f.Key) == 1 && strings.HasPrefix(f.Key[0], "shared") && strings.Contains(f.Message, "'ComServer'") {
			n++
		} else if f.Severity == validate.Warning && f.Omitted > 0 {
			n += f.Omitted
		}
	}
	if n != 2000 {
		t.Errorf("%d ICE69 warnings about the shared value, want 2000 (one a row)", n)
	}
	testenv.CheckBudget(t, "ClassToRegistry", func() {
		_, err = transform.ClassToRegistry(db, transform.ClassToRegistryOptions{})
	})
	must(t, err)
}

// buildSharedEverywhere adds 300*scale rows to each table of the sample,
// every non-key string cell (names, foreign keys, formatted values) one
// of four pooled strings of 60-72 KiB: a pass that folds, copies or
// quotes a cell once per row does 300 times what the strings cost.
func buildSharedEverywhere(t testing.TB, scale int) []byte {
	return buildSharedEverywhereSized(t, 300*scale, 20000)
}

// buildSharedLong is buildSharedEverywhere with fewer rows and longer
// strings: at 5 MB, 3,000 rows a table naming four strings of 0.7-0.9 MB.
func buildSharedLong(t testing.TB, scale int) []byte {
	return buildSharedEverywhereSized(t, 75*scale, 7500*scale)
}

// buildSharedEverywhereSized is buildSharedEverywhere with n rows a table
// and four pooled strings of about 3 × rep bytes each.
func buildSharedEverywhereSized(t testing.TB, n, rep int) []byte {
	db := sampleDB(t)
	bigs := []string{strings.Repeat("[A]", rep), strings.Repeat("[%X]", rep*4/5), strings.Repeat("a;", rep*3/2), strings.Repeat("[\\[]", rep*3/5)}
	for _, name := range db.TableNames() {
		if strings.HasPrefix(name, "_") {
			continue
		}
		old := table(t, db, name)
		var cols []string
		for _, c := range old.Columns() {
			if !c.Key && (c.Type == msi.ColString) {
				cols = append(cols, c.Name)
			}
		}
		if len(cols) == 0 {
			continue
		}
		for _, c := range cols {
			widen(t, db, name, c)
		}
		tab := table(t, db, name)
		shared := make([]msi.Value, len(bigs))
		for i := 0; i < n; i++ {
			vals := make([]msi.Value, len(tab.Columns()))
			for j, c := range tab.Columns() {
				switch {
				case c.Key && c.Type == msi.ColString:
					vals[j] = str(fmt.Sprintf("k%d", i))
				case c.Key:
					vals[j] = num(i + 1)
				case c.Type == msi.ColString:
					b := (j + i) % len(bigs)
					if shared[b].Kind() == msi.KindString {
						vals[j] = shared[b]
					} else {
						vals[j] = str(bigs[b])
					}
				default:
					if !c.Nullable {
						vals[j] = num(1)
					}
				}
			}
			if err := tab.Insert(vals...); err != nil {
				break // a key that exists (Media's DiskId 1): the table keeps its rows
			}
			r := tab.Row(tab.Len() - 1)
			for j, c := range tab.Columns() {
				if !c.Key && c.Type == msi.ColString {
					shared[(j+i)%len(bigs)] = r.At(j)
				}
			}
		}
	}
	return saveDB(t, db)
}

// The passes, the file layout and the audit index quote these cells in
// their notes and reasons clipped (internal/clip) and fold each long text
// once: their work does not grow with how often the package repeats a
// string.
func checkSharedEverywhere(t *testing.T, db *msi.Database) {
	testenv.CheckBudget(t, "install.Files", func() {
		_, err := install.Files(db, nil)
		must(t, err)
	})
	testenv.CheckBudget(t, "ClassToRegistry", func() {
		_, err := transform.ClassToRegistry(db, transform.ClassToRegistryOptions{})
		must(t, err)
	})
	testenv.CheckBudget(t, "SplitAdvertised", func() {
		_, err := transform.SplitAdvertised(db, transform.SplitAdvertisedOptions{})
		must(t, err)
	})
	// The index folds the case of each long ComponentId and FileName
	// once: folding them per row allocated 15.7 MB here (1.1 MB now) and
	// took 2 s of CPU at 5 MB.
	testenv.CheckBudgetOf(t, "NewPackageIndex", testenv.TimeBudget, 8<<20, func() {
		_, err := transform.NewPackageIndex(db)
		must(t, err)
	})
}

// TestValidHostileFixtures checks that each fixture in
// testdata/crafted/valid matches its generator (-update rewrites them)
// and runs its check on the committed bytes.
func TestValidHostileFixtures(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid")
	names := map[string]bool{}
	for _, fx := range hostileFixtures() {
		names[fx.name] = true
		t.Run(fx.name, func(t *testing.T) {
			data := fx.build(t, 1)
			committed := committedFixture(t, dir, fx.name, data, "TestValidHostileFixtures", t.Logf)
			db, err := msi.NewDatabase(bytes.NewReader(committed), int64(len(committed)))
			if err != nil {
				t.Fatalf("a valid fixture does not open: %v", err)
			}
			fx.check(t, db)
		})
	}
	for _, fx := range extractFixtures() {
		names[fx.name] = true // TestExtractFixtures checks them
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		if !names[filepath.Base(f)] {
			t.Errorf("%s has no generator", f)
		}
	}
}

// TestWriteScaledHostileFixtures writes each growing attack of
// hostileFixtures at its big scale (just under 5 MB) into the folder
// $MSIKIT_SCALED_OUT, for cmd/msikit's TestEveryCommandOnScaledFixtures,
// which runs every command on them with the budgets (building them takes
// a minute or two).
func TestWriteScaledHostileFixtures(t *testing.T) {
	out := os.Getenv("MSIKIT_SCALED_OUT")
	if out == "" {
		t.Skip("MSIKIT_SCALED_OUT not set (cmd/msikit's TestEveryCommandOnScaledFixtures sets it)")
	}
	must(t, os.MkdirAll(out, 0o755))
	for _, fx := range hostileFixtures() {
		if fx.big == 0 {
			continue
		}
		start := time.Now()
		data := fx.build(t, fx.big)
		// Just under 5 MB: a generator or writer change that moves the
		// size needs the scale found again.
		if len(data) >= 5_000_000 || len(data) < 4_500_000 {
			t.Errorf("%s at scale %d: %d bytes, want just under 5,000,000", fx.name, fx.big, len(data))
		}
		must(t, os.WriteFile(filepath.Join(out, fx.name), data, 0o644))
		t.Logf("%s: scale %d, %d bytes, built in %v", fx.name, fx.big, len(data), time.Since(start).Round(time.Millisecond))
	}
}

// Names from the package that are not file names are refused, the rest is
// exported, nothing appears outside the folder.
func checkNamesEscape(t *testing.T, db *msi.Database) {
	root := t.TempDir()
	out := filepath.Join(root, "a", "b", "out")
	var err error
	testenv.CheckBudget(t, "ExportIDTDir", func() {
		os.RemoveAll(out)
		err = idt.ExportDir(out, db)
	})
	if !errors.Is(err, idt.ErrUnsafeName) {
		t.Fatalf("ExportIDTDir: %v, want ErrUnsafeName", err)
	}
	if j, ok := err.(interface{ Unwrap() []error }); !ok || len(j.Unwrap()) != 5 {
		t.Errorf("ExportIDTDir: %v, want 5 refusals", err)
	}
	var paths []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(root, p)
		paths = append(paths, filepath.ToSlash(rel))
		return nil
	})
	want := []string{".", "a", "a/b", "a/b/out", "a/b/out/Binary", "a/b/out/Binary/Binary.nul", "a/b/out/Binary/Binary.ok", "a/b/out/Binary.idt",
		"a/b/out/Property.idt", "a/b/out/_ForceCodepage.idt", "a/b/out/_SummaryInformation.idt", "a/b/out/ok.idt"}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("files written (-want +got):\n%s", diff)
	}
}

func checkSuminfoShared(t *testing.T, db *msi.Database) {
	var err error
	testenv.CheckBudget(t, "SummaryInfo", func() { _, err = db.SummaryInfo() })
	var fe *msi.FormatError
	if !errors.As(err, &fe) || fe.Stream != msi.SummaryInfoStream || !strings.Contains(err.Error(), "add up to more than") {
		t.Errorf("SummaryInfo: %v, want a FormatError on the shared values", err)
	}
}

// Exporting the rows streams: the 64 KiB string is never copied per row.
func checkSharedString(t *testing.T, db *msi.Database) {
	var n int64
	var err error
	testenv.CheckBudget(t, "ExportIDT Blob", func() {
		cw := &countWriter{}
		err = idt.Export(cw, db, "Blob", nil)
		n = cw.n
	})
	if err != nil || n < 2000<<16 {
		t.Errorf("ExportIDT: %v, %d bytes", err, n)
	}
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func checkFileTypeMask(t *testing.T, db *msi.Database) {
	var rep *transform.Report
	var err error
	testenv.CheckBudget(t, "ClassToRegistry", func() {
		rep, err = transform.ClassToRegistry(db, transform.ClassToRegistryOptions{})
	})
	if err != nil {
		t.Fatal(err)
	}
	kept := 0
	for _, n := range rep.Notes() {
		if n.Table == "Class" && strings.Contains(n.Reason, "FileTypeMask has 32000 patterns") {
			kept++
		}
	}
	if kept != 20 {
		t.Errorf("%d classes reported kept for their FileTypeMask, want 20", kept)
	}
}

// The chain is walked linearly; converting it needs more row changes than
// the default MaxChanges allows, which the pass reports without changing
// anything. The budget is the limit's: planning stops at 100,000 changes.
func checkProgIDChain(t *testing.T, db *msi.Database) {
	var err error
	testenv.CheckBudgetOf(t, "ClassToRegistry", 3*time.Second, 512<<20, func() {
		_, err = transform.ClassToRegistry(db, transform.ClassToRegistryOptions{})
	})
	if !errors.Is(err, transform.ErrTooManyChanges) {
		t.Errorf("ClassToRegistry: %v, want ErrTooManyChanges", err)
	}
	if db.Modified() {
		t.Error("the database changed")
	}
}

func checkLeafConditions(t *testing.T, db *msi.Database) {
	var rep *transform.Report
	var err error
	testenv.CheckBudget(t, "SplitAdvertised", func() {
		rep, err = transform.SplitAdvertised(db, transform.SplitAdvertisedOptions{})
	})
	if err != nil {
		t.Fatal(err)
	}
	left := 0
	for _, n := range rep.Notes() {
		if strings.Contains(n.Reason, "has 2000 Condition rows") {
			left++
		}
	}
	if left != 2000 {
		t.Errorf("%d entry points reported left alone for the conditions, want 2000", left)
	}
}

// 6,000 leaves: linear, and each note about the shared component is short.
func checkLeafShared(t *testing.T, db *msi.Database) {
	var rep *transform.Report
	var err error
	testenv.CheckBudgetOf(t, "SplitAdvertised", time.Second, 256<<20, func() {
		rep, err = transform.SplitAdvertised(db, transform.SplitAdvertisedOptions{})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range rep.Notes() {
		if len(n.Reason) > 512 {
			t.Fatalf("note of %d bytes: %.200s", len(n.Reason), n.Reason)
		}
	}
}

// 50,000 files in one export: no per-file rename or flush. Written to
// /dev/shm when there is one, so that the budget measures msikit and not a
// disk shared with other jobs.
// The chain is resolved once per rule that needs it: validation finds
// what it finds on the sample, within the budget.
func checkDirectoryChain(t *testing.T, db *msi.Database) {
	if tb, err := db.Table("Directory"); err != nil || tb.Len() < 10000 {
		t.Fatalf("Directory: %v", err)
	}
	want, err := validate.Validate(sampleDB(t), nil)
	must(t, err)
	var got []validate.Finding
	testenv.CheckBudget(t, "Validate", func() {
		got, err = validate.Validate(db, nil)
	})
	must(t, err)
	we, ww, wi := validate.Counts(want)
	ge, gw, gi := validate.Counts(got)
	if diff := cmp.Diff([3]int{we, ww, wi}, [3]int{ge, gw, gi}); diff != "" {
		t.Errorf("errors, warnings, infos (-sample +chain):\n%s\n%v", diff, got)
	}
}

// Each collision is found (on SFN and LFN systems, each naming both
// files), its folder rendered without walking the chain per finding.
func checkDirectoryDots(t *testing.T, db *msi.Database) {
	var fs []validate.Finding
	var err error
	testenv.CheckBudget(t, "Validate", func() {
		fs, err = validate.Validate(db, &validate.Options{Rules: []string{"ICE30"}})
	})
	must(t, err)
	n := 0
	for _, f := range fs {
		n += max(f.Omitted, 1)
		if f.Omitted == 0 && !strings.Contains(f.Message, `'ProgramFilesFolder\SynthCorp\data'`) {
			t.Errorf("%s: not in ProgramFilesFolder\\SynthCorp\\data", f)
			break
		}
	}
	if n != 4*1000 {
		t.Errorf("%d ICE30 findings, want %d", n, 4*1000)
	}
}

func checkIntRows(t *testing.T, db *msi.Database) {
	tb, err := db.Table("Numbers")
	if err != nil || tb.Len() != 100000 {
		t.Fatalf("Numbers: %v rows, %v", tb.Len(), err)
	}
	// The transform that creates the table (msikit diff BASE FILE -o).
	base := baseDB(t)
	var c *mst.Changes
	testenv.CheckBudget(t, "mst.Diff and Write", func() {
		c, err = mst.Diff(base, db)
		if err == nil {
			err = mst.Write(io.Discard, c, nil)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if tc := c.Table("Numbers"); tc == nil || tc.Len() != 100000 {
		t.Errorf("the transform does not insert the 100,000 rows")
	}
}

func checkEmptyTables(t *testing.T, db *msi.Database) {
	base := t.TempDir()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "msikit-test-"); err == nil {
			base = d
			t.Cleanup(func() { os.RemoveAll(d) })
		}
	}
	out := filepath.Join(base, "out")
	var err error
	testenv.CheckBudgetOf(t, "ExportIDTDir", 3*time.Second, 256<<20, func() {
		os.RemoveAll(out)
		err = idt.ExportDir(out, db)
	})
	if err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(out); len(ents) != 50003 {
		t.Errorf("%d files, want 50,003", len(ents))
	}
}

// buildFeatureFanout adds 50*scale features and 50*scale components
// (each with a key file in BINDIR) and puts every component in every
// feature: (50*scale)^2 FeatureComponents rows, 1.1 million at 5 MB, four
// bytes each. Every tenth component has an advertised shortcut to a
// feature. A pass or a diff that keeps strings or map entries per pair
// holds hundreds of bytes for each of these four.
func buildFeatureFanout(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	n := 50 * scale
	feats, comps, files, fcs, scs := table(t, db, "Feature"), table(t, db, "Component"), table(t, db, "File"), table(t, db, "FeatureComponents"), table(t, db, "Shortcut")
	fv := make([]msi.Value, n)
	cv := make([]msi.Value, n)
	for i := range n {
		f, c := fmt.Sprintf("Fan%d", i), fmt.Sprintf("FanC%d", i)
		must(t, feats.Insert(str(f), msi.Value{}, str("Feature "+f), msi.Value{}, num(2*i+1), num(1), msi.Value{}, num(0)))
		must(t, comps.Insert(str(c), str(fmt.Sprintf("{30000000-0000-0000-0000-%012d}", i)), str("BINDIR"), num(0), msi.Value{}, str("f"+c)))
		must(t, files.Insert(str("f"+c), str(c), str("f"+c+".dll"), num(1000+i), msi.Value{}, msi.Value{}, msi.Value{}, num(2000+i)))
		fv[i], cv[i] = feats.Row(feats.Len()-1).At(0), comps.Row(comps.Len()-1).At(0)
		if i%10 == 0 {
			insertShortcut(t, scs, fmt.Sprintf("fan%d", i), "fan.lnk", c, f)
		}
	}
	for _, f := range fv {
		for _, c := range cv {
			must(t, fcs.Insert(f, c))
		}
	}
	return saveDB(t, db)
}

// appID is the ComponentId of the sample's component App, appDescriptor
// the descriptor of App in feature Core of the sample's product.
const (
	appID         = "{805D3563-7EEA-36D6-AC8C-CB1C120D5142}"
	sampleProduct = "{06D83F77-1CB2-5C83-5361-FE484B11B8CA}"
)

// buildComponentsOneID gives App's ComponentId to 10,000 more components
// a scale, each in feature Core, and puts App in 2,000 more features a
// scale. A PackageIndex that lists every row sharing the ComponentId, or
// every feature of App, once per question makes a log or a text file
// naming App on each of its lines cost the package's size per line (at 5
// MB: log explain --package 32-44 s, descriptor decode --package 11.6 s).
func buildComponentsOneID(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	comps, fcs, feats := table(t, db, "Component"), table(t, db, "FeatureComponents"), table(t, db, "Feature")
	for i := range 10000 * scale {
		c := fmt.Sprintf("c%d", i)
		must(t, comps.Insert(str(c), str(appID), str("BINDIR"), num(0), msi.Value{}, msi.Value{}))
		must(t, fcs.Insert(str("Core"), str(c)))
	}
	for i := range 2000 * scale {
		f := fmt.Sprintf("F%d", i)
		must(t, feats.Insert(str(f), msi.Value{}, msi.Value{}, msi.Value{}, num(2), num(1), msi.Value{}, num(0)))
		must(t, fcs.Insert(str(f), str("App")))
	}
	return saveDB(t, db)
}

// The index answers for App's code name eight rows and count the rest,
// and 20,000 questions about it (the descriptors of a text file, the
// lines of a log), in 2,000 features, stay in budget.
func checkComponentsOneID(t *testing.T, db *msi.Database) {
	x, err := transform.NewPackageIndex(db)
	must(t, err)
	rows := table(t, db, "Component").Len()
	var got string
	testenv.CheckBudget(t, "PackageIndex questions", func() {
		for i := range 20000 {
			got = x.Component(appID)
			x.Descriptor(darwin.Descriptor{Product: sampleProduct, Feature: fmt.Sprintf("F%d", i%2000), Component: appID})
		}
	})
	// App and the 10,000 rows sharing its code: 8 listed.
	want := fmt.Sprintf("; and %d more Component rows with this ComponentId", rows-16-8+1)
	if !strings.HasSuffix(got, want) || strings.Count(got, "component ") != 8 {
		t.Errorf("Component(App's code) = %.300q..., want 8 rows and %q", got, want)
	}
	if len(got) > 8*(clip.Max+200) {
		t.Errorf("Component(App's code) is %d bytes", len(got))
	}
	if !strings.Contains(got, "component App (in feature Core, F0, F1, F2, F3, F4, F5, F6, and 1993 more)") {
		t.Errorf("Component(App's code) = %.300q..., want App's first 8 features and a count", got)
	}
}

// checkFeatureFanout: the passes, the audit and a diff against the sample
// stay within the budgets, and what they allocate for each pair beyond
// the committed fixture's 2,500 (measured against the same fan-out built
// at 300 x 300) is a few words, not strings and map entries. The limits
// include loading the table (about 60 bytes a row, the audit loads it in
// its preview's copy too, and the passes' inserts regrow its index);
// before the pairs were interned the passes took 300-330 bytes a pair,
// the audit 1,100 and the diff 620.
func checkFeatureFanout(t *testing.T, db *msi.Database) {
	base := sampleDB(t)
	big := func() *msi.Database {
		b := buildFeatureFanout(t, 6)
		d, err := msi.NewDatabase(bytes.NewReader(b), int64(len(b)))
		must(t, err)
		return d
	}()
	const extraPairs = 300*300 - 50*50
	runs := []struct {
		what    string
		perPair uint64 // bytes allocated for each pair, at most
		run     func(db *msi.Database) error
	}{
		{"ClassToRegistry", 96, func(db *msi.Database) error {
			_, err := transform.ClassToRegistry(db, transform.ClassToRegistryOptions{})
			return err
		}},
		{"SplitAdvertised", 96, func(db *msi.Database) error {
			_, err := transform.SplitAdvertised(db, transform.SplitAdvertisedOptions{})
			return err
		}},
		{"NewPackageIndex", 96, func(db *msi.Database) error {
			_, err := transform.NewPackageIndex(db)
			return err
		}},
		{"Audit", 384, func(db *msi.Database) error {
			_, err := transform.Audit(db, transform.AuditOptions{})
			return err
		}},
		{"mst.Diff", 192, func(db *msi.Database) error {
			_, err := mst.Diff(db, base)
			return err
		}},
	}
	for _, r := range runs {
		// Each run on a copy: the passes change the database.
		measure := func(what string, db *msi.Database) (alloc uint64) {
			testenv.CheckBudget(t, what, func() {
				c, err := db.Reopen()
				must(t, err)
				_, alloc = testenv.Measure(func() { must(t, r.run(c)) })
			})
			return alloc
		}
		small, large := measure(r.what, db), measure(r.what+" at 300 x 300", big)
		if large > small && (large-small)/extraPairs > r.perPair {
			t.Errorf("%s: %d bytes allocated for each extra FeatureComponents pair, want at most %d", r.what, (large-small)/extraPairs, r.perPair)
		}
		t.Logf("%s: %d bytes (2,500 pairs), %d bytes (90,000 pairs)", r.what, small, large)
	}
}

// insertShortcut adds an advertised shortcut in BINDIR to scs: key, file
// name, its component and the feature it targets; other columns null.
func insertShortcut(t testing.TB, scs *msi.Table, key, name, comp, feature string) {
	t.Helper()
	sc := make([]msi.Value, len(scs.Columns()))
	for j, col := range scs.Columns() {
		switch col.Name {
		case "Shortcut":
			sc[j] = str(key)
		case "Directory_":
			sc[j] = str("BINDIR")
		case "Name":
			sc[j] = str(name)
		case "Component_":
			sc[j] = str(comp)
		case "Target":
			sc[j] = str(feature)
		}
	}
	must(t, scs.Insert(sc...))
}

// buildProgIDCaseVariants adds 2,500 ProgIds a scale (50,000 at 4.8 MB)
// named "abcdefghijklmnopqr.Variant…" (74 bytes) but for the case of the
// 18 letters, each of the sample's class {FDA36073-…}, and for 4 in 25 of
// them an Extension row of component App with one Verb naming it. The
// ProgIds share the extensions of their lower-case form, and
// class-to-registry puts each one's keys in the components of the
// extensions with verbs naming it: walking all of them for each variant
// was quadratic (e3ce856), 400 million steps at 5 MB. An extension costs
// the pass five row changes (its row and verb removed, three keys
// added), a variant one: the 80,000 row changes and 66,000 entry points
// at 5 MB stay under the default MaxChanges and MaxEntryPoints, so that
// the walk is reached; the long names make up the 5 MB.
func buildProgIDCaseVariants(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	progs, exts, verbs := table(t, db, "ProgId"), table(t, db, "Extension"), table(t, db, "Verb")
	for i := range 2500 * scale {
		id := progIDCaseVariant(i)
		must(t, progs.Insert(str(id), msi.Value{}, str("{FDA36073-66C4-5C98-5F70-99959F7B05AA}"), msi.Value{}, msi.Value{}, msi.Value{}))
		if i%25 < 4 {
			ext := fmt.Sprintf("v%d", i)
			must(t, exts.Insert(str(ext), str("App"), str(id), msi.Value{}, str("Core")))
			must(t, verbs.Insert(str(ext), str("open"), msi.Value{}, msi.Value{}, str(`"%1"`)))
		}
	}
	return saveDB(t, db)
}

// progIDCaseVariant returns variant i of the ProgId name: the letters
// whose bit is set in i upper-cased.
func progIDCaseVariant(i int) string {
	b := []byte("abcdefghijklmnopqr.Variant.of.a.name.long.enough.to.fill.the.whole.package")
	for j := range 18 {
		if i>>j&1 == 1 {
			b[j] -= 'a' - 'A'
		}
	}
	return string(b)
}

// The variants are one registry key (its case does not matter): its
// CLSID value is written once in the class's component ComServer and
// once in App, the extensions' component.
func checkProgIDCaseVariants(t *testing.T, db *msi.Database) {
	var err error
	testenv.CheckBudget(t, "ClassToRegistry", func() {
		_, err = transform.ClassToRegistry(db, transform.ClassToRegistryOptions{})
	})
	must(t, err)
	got := map[string]int{}
	for r := range table(t, db, "Registry").Rows() {
		if strings.EqualFold(r.Get("Key").Str(), progIDCaseVariant(0)+`\CLSID`) {
			got[r.Get("Component_").Str()]++
		}
	}
	if diff := cmp.Diff(map[string]int{"ComServer": 1, "App": 1}, got); diff != "" {
		t.Errorf("components of the variants' CLSID key (-want +got):\n%s", diff)
	}
}

// addLongComponent adds to db's feature Core a component whose name is a
// text of about size bytes, with a key file long.dll, and returns the
// name.
func addLongComponent(t testing.TB, db *msi.Database, size int) string {
	long := strings.Repeat("LongComponent.", size/14)
	addKeyFileComponent(t, db, long)
	must(t, table(t, db, "FeatureComponents").Insert(str("Core"), str(long)))
	return long
}

// addKeyFileComponent adds to db a component named name, in BINDIR, with
// a key file long.dll, in no feature.
func addKeyFileComponent(t testing.TB, db *msi.Database, name string) {
	must(t, table(t, db, "Component").Insert(str(name), str("{E4BFE2CF-1830-9FC5-8D47-43532C99CAFC}"), str("BINDIR"), num(0), msi.Value{}, str("long.dll")))
	files := table(t, db, "File")
	fv := make([]msi.Value, len(files.Columns()))
	for j, c := range files.Columns() {
		switch c.Name {
		case "File", "FileName":
			fv[j] = str("long.dll")
		case "Component_":
			fv[j] = str(name)
		case "FileSize", "Sequence":
			fv[j] = num(1)
		}
	}
	must(t, files.Insert(fv...))
}

// buildClassesOneLongComponent adds 2,450 classes a scale (49,000 at 4.7
// MB), each InprocServer32 of its own CLSID in one component whose name
// is a pooled 1.25 MiB text, with a key file: class-to-registry adds a
// Registry row a class in that component (98,000 changes at 5 MB, under
// the default MaxChanges), and each row's identifier hashed the
// component whole (61 GB of SHA-256 at 5 MB; 2.9 GB at scale 1).
func buildClassesOneLongComponent(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	long := addLongComponent(t, db, 1280<<10)
	classes := table(t, db, "Class")
	for i := range 2450 * scale {
		insertClass(t, classes, fmt.Sprintf("{AAAAAAAA-0000-0000-0000-%012d}", i), long, "Core", nil)
	}
	return saveDB(t, db)
}

// insertClass inserts into classes a class clsid, InprocServer32, of
// component comp and feature feature, with the other columns in extra
// (by name) and the rest null.
func insertClass(t testing.TB, classes *msi.Table, clsid, comp, feature string, extra map[string]msi.Value) {
	vals := make([]msi.Value, len(classes.Columns()))
	for j, c := range classes.Columns() {
		switch c.Name {
		case "CLSID":
			vals[j] = str(clsid)
		case "Context":
			vals[j] = str("InprocServer32")
		case "Component_":
			vals[j] = str(comp)
		case "Feature_":
			vals[j] = str(feature)
		default:
			vals[j] = extra[c.Name]
		}
	}
	must(t, classes.Insert(vals...))
}

// Each class is converted, its server key in the long component, within
// testenv's budget.
func checkClassesOneLongComponent(t *testing.T, db *msi.Database) {
	var rep *transform.Report
	var err error
	testenv.CheckBudget(t, "ClassToRegistry", func() {
		rep, err = transform.ClassToRegistry(db, transform.ClassToRegistryOptions{})
	})
	must(t, err)
	n := 0
	for r := range table(t, db, "Registry").Rows() {
		if c := r.Get("Component_").Str(); len(c) > 1<<10 && strings.HasPrefix(r.Get("Key").Str(), `CLSID\{AAAAAAAA-`) {
			n++
		}
	}
	if n != 2450 || rep == nil {
		t.Errorf("%d server keys in the long component, want 2450", n)
	}
}
