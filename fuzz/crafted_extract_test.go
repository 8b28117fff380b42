package fuzz

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/cab"
	"github.com/msikit/msikit/internal/safename"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
	"github.com/msikit/msikit/transform"
)

// An extractFixture is a hostile package that is valid at the container
// and database level and attacks the layout, cabinet or extraction code:
// it opens, and extraction (and the assembly-names pass, which reads
// files out of the cabinets) must stay within the time and memory budget
// and say what it could not do. Kept in testdata/crafted/valid/<name>
// beside the other well-formed hostile packages, rebuilt with -update.
type extractFixture struct {
	name  string
	build func(t *testing.T) []byte
	// check runs on the committed bytes inside the budget and fails t
	// if the outcome is wrong.
	check func(t *testing.T, data []byte)
}

// Sizes of the attacks. The generators and the checks share them.
const (
	chainDepth      = 10000 // Directory chain reusing one 255-character name
	mediaRows       = 5000  // Media rows naming one cabinet ...
	manyFolders     = 65535 // ... whose header lists this many folders
	corruptFiles    = 2000  // files in a folder of corruptBlocks blocks
	corruptBlocks   = 200   // ... block corruptAt is corrupt
	corruptAt       = 150
	asmRows         = 200      // MsiAssembly rows whose files follow ...
	asmPadBytes     = 32 << 20 // ... a file of this many bytes in their folder
	mediaLinear     = 32767    // Media rows; the last one names the cabinet of ...
	linearFiles     = 50000    // ... this many files
	setCabinets     = 1000     // cabinets of one set, listed in reverse
	sizeBombBytes   = 64 << 20 // one file of this many zeros
	sizeBombLimit   = 1 << 20  // the MaxBytes the check uses
	longName255     = 255
	copyFiles       = 500     // files sharing the range of one ...
	copyBytes       = 4 << 20 // ... file of this many zeros
	extractFixtureN = 9
)

// extractFixtures lists the layout, cabinet and extraction attack classes
// (issue 14, round 2).
func extractFixtures() []extractFixture {
	return []extractFixture{
		{"msi-dir-chain-10000.msi", buildDirChain, checkDirChain},
		{"msi-media-5000-rows-65535-folders.msi", buildManyFolders, checkManyFolders},
		{"msi-cab-corrupt-block-2000-files.msi", buildCorruptBlock, checkCorruptBlock},
		{"msi-asm-200-rows-after-32mib.msi", buildAsmRows, checkAsmRows},
		{"msi-media-32767-rows-50000-files.msi", buildMediaLinear, checkMediaLinear},
		{"msi-cab-set-1000-reversed.msi", buildCabSet, checkCabSet},
		{"msi-names-control-and-conflict.msi", buildBadNames, checkBadNames},
		{"msi-size-bomb-64mib.msi", buildSizeBomb, checkSizeBomb},
		{"msi-cab-500-copies-4mib.msi", buildCabCopies, checkCabCopies},
	}
}

// TestExtractFixtures checks that each extraction fixture matches its
// generator (go test ./fuzz -run TestExtractFixtures -update rewrites
// them) and that extracting it, and running the assembly-names pass on
// it, takes under a second and 64 MiB with the expected outcome.
func TestExtractFixtures(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid")
	if len(extractFixtures()) != extractFixtureN {
		t.Fatalf("%d fixtures, extractFixtureN says %d", len(extractFixtures()), extractFixtureN)
	}
	for _, fx := range extractFixtures() {
		t.Run(fx.name, func(t *testing.T) {
			data := fx.build(t)
			committed := committedFixture(t, dir, fx.name, data, "TestExtractFixtures", t.Logf)
			if len(committed) >= 5<<20 {
				t.Errorf("%d bytes: the promise is for inputs under 5 MB", len(committed))
			}
			fx.check(t, committed)
		})
	}
}

// openFixture opens a fixture's bytes as a database.
func openFixture(t *testing.T, data []byte) *msi.Database {
	t.Helper()
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("the fixture does not open: %v", err)
	}
	return db
}

// extractOutcome is what one Extract call delivered.
type extractOutcome struct {
	rep   *install.Report
	err   error
	paths map[string]string // File key → Path
	bytes int64
}

// extractData opens data and extracts every file, discarding the
// contents, and checks what every extraction must hold: the error and
// the failures are typed, every path is relative, made of safe names and
// unique case-insensitively.
func extractData(t *testing.T, data []byte, opts *install.Options) extractOutcome {
	t.Helper()
	db := openFixture(t, data)
	out := extractOutcome{paths: map[string]string{}}
	seen := map[string]bool{}
	out.rep, out.err = install.Extract(db, opts, func(f *install.File, r io.Reader) error {
		n, err := io.Copy(io.Discard, r)
		out.bytes += n
		if err != nil {
			return err
		}
		for _, e := range strings.Split(f.Path, "/") {
			if err := safename.Check(e); err != nil {
				t.Errorf("%q: path %q: %v", f.Key, f.Path, err)
			}
		}
		if low := strings.ToLower(f.Path); seen[low] {
			t.Errorf("%q: path %q delivered twice", f.Key, f.Path)
		} else {
			seen[low] = true
		}
		out.paths[f.Key] = f.Path
		return nil
	})
	if out.err != nil && !errors.Is(out.err, install.ErrTooLarge) {
		checkTyped(t, out.err, false)
	}
	if out.rep != nil {
		// The messages of the first failures (formatting all 50,000 of
		// one fixture would be the test's own cost, not Extract's).
		for _, f := range out.rep.Failed[:min(100, len(out.rep.Failed))] {
			if msg := f.Error(); !strings.HasPrefix(msg, "install: ") || strings.ContainsAny(msg, "\x00\x1b\a\n") {
				t.Errorf("failure %q: want one printable line starting msi:", msg)
			}
		}
	}
	return out
}

// budget runs f under the time and heap budget.
func budget(t *testing.T, what string, f func()) {
	t.Helper()
	testenv.CheckBudget(t, what, f)
}

// --- (a) a Directory chain 10,000 deep reusing one 255-character name.

func buildDirChain(t *testing.T) []byte {
	name := strings.Repeat("n", longName255)
	return buildPackage(t, func(p *pkgBuilder) {
		p.row("Directory", msi.StrValue("TARGETDIR"), msi.Value{}, msi.StrValue("SourceDir"))
		parent := "TARGETDIR"
		for i := 0; i < chainDepth; i++ {
			d := fmt.Sprintf("D%d", i)
			p.row("Directory", msi.StrValue(d), msi.StrValue(parent), msi.StrValue(name))
			parent = d
		}
		// One file at the bottom, one in the middle, one near the top;
		// each a .NET assembly row for the assembly-names pass.
		var files []cabFileSpec
		for i, depth := range []int{chainDepth - 1, chainDepth / 2, 1} {
			key := fmt.Sprintf("f%d.dll", i)
			comp := fmt.Sprintf("C%d", i)
			p.row("Component", msi.StrValue(comp), msi.StrValue(""), msi.StrValue(fmt.Sprintf("D%d", depth)), msi.IntValue(0), msi.Value{}, msi.StrValue(key))
			p.file(key, comp, key, 100, i+1)
			p.row("MsiAssembly", msi.StrValue(comp), msi.StrValue("Complete"), msi.Value{}, msi.Value{}, msi.IntValue(0))
			files = append(files, cabFileSpec{name: key, data: bytes.Repeat([]byte{byte('a' + i)}, 100)})
		}
		p.cabinet("#chain.cab", 3, cabOneFolder(cabNone, files))
	})
}

func checkDirChain(t *testing.T, data []byte) {
	budget(t, "extract", func() {
		out := extractData(t, data, nil)
		if out.err != nil || out.rep.Problems() || len(out.paths) != 3 {
			t.Fatalf("err %v, %d files, report %+v", out.err, len(out.paths), out.rep)
		}
		for key, want := range map[string]string{"f0.dll": "D9999/f0.dll", "f1.dll": "D5000/f1.dll", "f2.dll": "D1/f2.dll"} {
			if out.paths[key] != want {
				t.Errorf("%s at %q, want %q (below its Directory id: the path is too long)", key, out.paths[key], want)
			}
		}
		if len(out.rep.Warnings) != 3 {
			t.Errorf("warnings: %q", out.rep.Warnings)
		}
	})
	budget(t, "assembly-names", func() {
		db := openFixture(t, data)
		rep, err := transform.AssemblyNames(db, transform.AssemblyNamesOptions{Source: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		if rep.NumNotes() == 0 {
			t.Error("no notes: the files were not read")
		}
	})
}

// --- (b) thousands of Media rows naming one cabinet of 65,535 folders.

func buildManyFolders(t *testing.T) []byte {
	return buildPackage(t, func(p *pkgBuilder) {
		p.row("Directory", msi.StrValue("TARGETDIR"), msi.Value{}, msi.StrValue("SourceDir"))
		p.row("Component", msi.StrValue("C"), msi.StrValue(""), msi.StrValue("TARGETDIR"), msi.IntValue(0), msi.Value{}, msi.StrValue("f.txt"))
		p.file("f.txt", "C", "f.txt", 5, 1)
		c := cabOneFolder(cabNone, []cabFileSpec{{name: "f.txt", data: []byte("hello")}})
		for i := 1; i < manyFolders; i++ {
			c.folders = append(c.folders, cabFolderSpec{method: cabNone}) // empty folders
		}
		p.stream("many.cab", c.bytes())
		for i := 1; i <= mediaRows; i++ {
			p.row("Media", msi.IntValue(int32(i)), msi.IntValue(int32(i)), msi.Value{}, msi.StrValue("#many.cab"), msi.Value{}, msi.Value{})
		}
	})
}

func checkManyFolders(t *testing.T, data []byte) {
	budget(t, "cabinets and extract", func() {
		db := openFixture(t, data)
		cabs, err := install.Cabinets(db)
		if err != nil || len(cabs) != mediaRows || cabs[0].Reader == nil || len(cabs[0].Reader.Folders) != manyFolders {
			t.Fatalf("Cabinets: %d, %v", len(cabs), err)
		}
		out := extractData(t, data, nil)
		if out.err != nil || out.rep.Problems() || len(out.paths) != 1 {
			t.Fatalf("err %v, %d files, report %+v", out.err, len(out.paths), out.rep)
		}
	})
}

// --- (c) one corrupt data block in a folder of 2,000 files.

func buildCorruptBlock(t *testing.T) []byte {
	payload := make([]byte, corruptBlocks*cabBlockSize)
	for i := range payload {
		payload[i] = byte(i / 4096) // compressible, not all zeros
	}
	size := len(payload) / corruptFiles
	return buildPackage(t, func(p *pkgBuilder) {
		p.row("Directory", msi.StrValue("TARGETDIR"), msi.Value{}, msi.StrValue("SourceDir"))
		p.row("Component", msi.StrValue("C"), msi.StrValue(""), msi.StrValue("TARGETDIR"), msi.IntValue(0), msi.Value{}, msi.Value{})
		var files []cabFileSpec
		for i := 0; i < corruptFiles; i++ {
			key := fmt.Sprintf("f%04d", i)
			p.file(key, "C", key+".bin", size, i+1)
			files = append(files, cabFileSpec{name: key, data: payload[i*size : (i+1)*size]})
		}
		c := cabOneFolder(cabMSZIP, files)
		c.folders[0].blocks[corruptAt].badSum = true
		p.cabinet("#data.cab", corruptFiles, c)
	})
}

func checkCorruptBlock(t *testing.T, data []byte) {
	budget(t, "extract", func() {
		out := extractData(t, data, nil)
		if out.err != nil {
			t.Fatal(out.err)
		}
		size := corruptBlocks * cabBlockSize / corruptFiles
		good := corruptAt * cabBlockSize / size // files that end before the bad block
		if len(out.paths) != good || len(out.rep.Failed) != corruptFiles-good {
			t.Fatalf("%d files delivered, %d failed; want %d and %d", len(out.paths), len(out.rep.Failed), good, corruptFiles-good)
		}
		for _, f := range out.rep.Failed {
			if !errors.Is(f, cab.ErrFormat) || !strings.Contains(f.Error(), fmt.Sprintf("data block %d checksum", corruptAt)) {
				t.Fatalf("%v: want the bad block's checksum error", f)
			}
		}
	})
}

// --- (d) 200 MsiAssembly rows whose files follow 32 MiB in their folder.

func buildAsmRows(t *testing.T) []byte {
	return buildPackage(t, func(p *pkgBuilder) {
		p.row("Directory", msi.StrValue("TARGETDIR"), msi.Value{}, msi.StrValue("SourceDir"))
		p.row("Component", msi.StrValue("Pad"), msi.StrValue(""), msi.StrValue("TARGETDIR"), msi.IntValue(0), msi.Value{}, msi.Value{})
		p.file("pad", "Pad", "pad.bin", asmPadBytes, 1)
		files := []cabFileSpec{{name: "pad", data: make([]byte, asmPadBytes)}}
		for i := 0; i < asmRows; i++ {
			key := fmt.Sprintf("a%03d.dll", i)
			comp := fmt.Sprintf("A%03d", i)
			p.row("Component", msi.StrValue(comp), msi.StrValue(""), msi.StrValue("TARGETDIR"), msi.IntValue(0), msi.Value{}, msi.StrValue(key))
			p.file(key, comp, key, 64, i+2)
			p.row("MsiAssembly", msi.StrValue(comp), msi.StrValue("Complete"), msi.Value{}, msi.Value{}, msi.IntValue(0))
			files = append(files, cabFileSpec{name: key, data: bytes.Repeat([]byte("MZ"), 32)})
		}
		p.cabinet("#asm.cab", asmRows+1, cabOneFolder(cabMSZIP, files))
	})
}

func checkAsmRows(t *testing.T, data []byte) {
	budget(t, "assembly-names", func() {
		db := openFixture(t, data)
		rep, err := transform.AssemblyNames(db, transform.AssemblyNamesOptions{})
		if err != nil {
			t.Fatal(err)
		}
		read := 0
		for _, n := range rep.Notes() {
			if strings.Contains(n.Reason, "not read from metadata") && !strings.Contains(n.Reason, "not in the package") {
				read++ // read, and found not to be an assembly
			}
		}
		if read != asmRows {
			t.Errorf("%d rows' files read, want %d; notes: %+v", read, asmRows, rep.Note(0))
		}
	})
}

// --- (e) 32,767 Media rows before the one that holds 20,000 files, and
// a set of 1,000 cabinets listed in reverse.

func buildMediaLinear(t *testing.T) []byte {
	return buildPackage(t, func(p *pkgBuilder) {
		p.row("Directory", msi.StrValue("TARGETDIR"), msi.Value{}, msi.StrValue("SourceDir"))
		p.row("Component", msi.StrValue("C"), msi.StrValue(""), msi.StrValue("TARGETDIR"), msi.IntValue(0), msi.Value{}, msi.Value{})
		for i := 1; i < mediaLinear; i++ {
			p.row("Media", msi.IntValue(int32(i)), msi.IntValue(int32(i)), msi.Value{}, msi.Value{}, msi.Value{}, msi.Value{})
		}
		// The last row names an external cabinet that is not there: the
		// cost is in finding each file's Media row, and the report must
		// say it once, not once per file.
		p.row("Media", msi.IntValue(mediaLinear), msi.IntValue(mediaLinear+linearFiles), msi.Value{}, msi.StrValue("missing.cab"), msi.Value{}, msi.Value{})
		for i := 0; i < linearFiles; i++ {
			key := fmt.Sprintf("f%05d", i)
			p.file(key, "C", key, 1, mediaLinear+i)
		}
	})
}

func checkMediaLinear(t *testing.T, data []byte) {
	budget(t, "extract", func() {
		out := extractData(t, data, &install.Options{SourceDir: t.TempDir()})
		if out.err != nil || len(out.paths) != 0 || len(out.rep.MissingCabinets) != 1 || out.rep.MissingCabinets[0].Files != linearFiles || len(out.rep.Failed) != linearFiles {
			t.Fatalf("err %v, %d files, report %v", out.err, len(out.paths), out.rep.MissingCabinets)
		}
	})
}

func buildCabSet(t *testing.T) []byte {
	return buildPackage(t, func(p *pkgBuilder) {
		p.row("Directory", msi.StrValue("TARGETDIR"), msi.Value{}, msi.StrValue("SourceDir"))
		p.row("Component", msi.StrValue("C"), msi.StrValue(""), msi.StrValue("TARGETDIR"), msi.IntValue(0), msi.Value{}, msi.Value{})
		// One MSZIP folder runs through every cabinet, one block of
		// zeros in each; a 20-byte file spans each boundary (which is
		// what makes the next cabinet's folder a continuation), and the
		// last cabinet holds one file of its own.
		zeros := make([]byte, cabBlockSize)
		name := func(k int) string { return fmt.Sprintf("s%d.cab", k) }
		cabs := make([][]byte, setCabinets)
		for k := 0; k < setCabinets; k++ {
			base := uint32(k * cabBlockSize)
			dict := zeros
			if k == 0 {
				dict = nil
			}
			c := &cabSpecX{setID: 7, index: uint16(k), folders: []cabFolderSpec{{method: cabMSZIP, blocks: []cabBlockSpec{{data: mszipBlock(zeros, dict), uncomp: cabBlockSize}}}}}
			if k > 0 {
				c.prev = name(k - 1)
				c.files = append(c.files, cabFileEntry{name: fmt.Sprintf("span%d", k-1), size: 20, offset: base - 10, folder: 0xFFFD})
			}
			if k < setCabinets-1 {
				c.next = name(k + 1)
				span := fmt.Sprintf("span%d", k)
				c.files = append(c.files, cabFileEntry{name: span, size: 20, offset: base + cabBlockSize - 10, folder: 0xFFFE})
				p.file(span, "C", span, 20, k+1)
			} else {
				c.files = append(c.files, cabFileEntry{name: "last", size: 100, offset: base + 100})
				p.file("last", "C", "last", 100, k+1)
			}
			cabs[k] = c.bytes()
		}
		// Media rows in reverse order of the set.
		for k := setCabinets - 1; k >= 0; k-- {
			p.stream(name(k), cabs[k])
			p.row("Media", msi.IntValue(int32(setCabinets-k)), msi.IntValue(int32(k+1)), msi.Value{}, msi.StrValue("#"+name(k)), msi.Value{}, msi.Value{})
		}
	})
}

func checkCabSet(t *testing.T, data []byte) {
	budget(t, "extract", func() {
		out := extractData(t, data, nil)
		if out.err != nil || out.rep.Problems() || len(out.paths) != setCabinets {
			t.Fatalf("err %v, %d files, %d failed: %v", out.err, len(out.paths), len(out.rep.Failed), out.rep.Failed[:min(3, len(out.rep.Failed))])
		}
	})
}

// --- (f, g) names with control characters, and a file in the way of a
// folder: refused or placed, and the other files still extracted.

func buildBadNames(t *testing.T) []byte {
	return buildPackage(t, func(p *pkgBuilder) {
		p.row("Directory", msi.StrValue("TARGETDIR"), msi.Value{}, msi.StrValue("SourceDir"))
		p.row("Directory", msi.StrValue("ProgramFilesFolder"), msi.StrValue("TARGETDIR"), msi.StrValue("."))
		p.row("Directory", msi.StrValue("APP"), msi.StrValue("ProgramFilesFolder"), msi.StrValue("App"))
		p.row("Directory", msi.StrValue("TITLE"), msi.StrValue("APP"), msi.StrValue("x\x1b]0;owned\x07y"))
		p.row("Directory", msi.StrValue("CLEAR"), msi.StrValue("APP"), msi.StrValue("\x1b[2J\x1b[H"))
		p.row("Directory", msi.StrValue("INTHEWAY"), msi.StrValue("APP"), msi.StrValue("a.txt"))
		for _, cd := range [][2]string{{"CT", "TITLE"}, {"CC", "CLEAR"}, {"CW", "INTHEWAY"}, {"CA", "APP"}} {
			p.row("Component", msi.StrValue(cd[0]), msi.StrValue(""), msi.StrValue(cd[1]), msi.IntValue(0), msi.Value{}, msi.Value{})
		}
		var files []cabFileSpec
		add := func(key, comp, name string) {
			p.file(key, comp, name, 4, len(files)+1)
			files = append(files, cabFileSpec{name: key, data: []byte(key[:1] + "xyz")})
		}
		// Bad names first, so that a refusal cannot hide what follows.
		add("t1", "CT", "t1.txt")
		add("c1", "CC", "c1.txt")
		add("e1", "CA", "evil\r\x1b[1A.txt")
		add("w1", "CW", "inside.txt") // App/a.txt/inside.txt ...
		add("a1", "CA", "a.txt")      // ... and App/a.txt the file
		for i := 0; i < 5; i++ {
			add(fmt.Sprintf("g%d", i), "CA", fmt.Sprintf("good%d.txt", i))
		}
		p.cabinet("#names.cab", len(files), cabOneFolder(cabNone, files))
	})
}

func checkBadNames(t *testing.T, data []byte) {
	budget(t, "extract", func() {
		out := extractData(t, data, nil)
		if out.err != nil {
			t.Fatal(out.err)
		}
		var refused []string
		for _, f := range out.rep.Failed {
			if !errors.Is(f, install.ErrUnsafePath) {
				t.Errorf("%v: want ErrUnsafePath", f)
			}
			refused = append(refused, f.Key)
		}
		if fmt.Sprint(refused) != "[c1 e1 t1]" {
			t.Errorf("refused %v, want [c1 e1 t1]", refused)
		}
		for _, k := range []string{"w1", "a1", "g0", "g4"} {
			if _, ok := out.paths[k]; !ok {
				t.Errorf("%s not delivered", k)
			}
		}
		// App/a.txt is both file a1's install path and the folder file
		// w1 is in: the file goes beside the folder, so both can be
		// written.
		if got, want := out.paths["w1"], "Program Files (x86)/App/a.txt/inside.txt"; got != want {
			t.Errorf("w1 at %q, want %q", got, want)
		}
		if got, want := out.paths["a1"], "Program Files (x86)/App/a (a1).txt"; got != want {
			t.Errorf("a1 at %q, want %q (beside the folder a.txt)", got, want)
		}
	})
}

// --- (h) a 64 MiB file of zeros in a few kilobytes: MaxBytes refuses it
// before anything is delivered.

func buildSizeBomb(t *testing.T) []byte {
	return buildPackage(t, func(p *pkgBuilder) {
		p.row("Directory", msi.StrValue("TARGETDIR"), msi.Value{}, msi.StrValue("SourceDir"))
		p.row("Component", msi.StrValue("C"), msi.StrValue(""), msi.StrValue("TARGETDIR"), msi.IntValue(0), msi.Value{}, msi.Value{})
		p.file("zeros", "C", "zeros.bin", sizeBombBytes, 1)
		p.file("small", "C", "small.txt", 5, 2)
		p.cabinet("#bomb.cab", 2, cabOneFolder(cabMSZIP, []cabFileSpec{{name: "zeros", data: make([]byte, sizeBombBytes)}, {name: "small", data: []byte("small")}}))
	})
}

func checkSizeBomb(t *testing.T, data []byte) {
	budget(t, "extract with MaxBytes", func() {
		out := extractData(t, data, &install.Options{MaxBytes: sizeBombLimit})
		var le *install.SizeLimitError
		if !errors.As(out.err, &le) || !errors.Is(out.err, install.ErrTooLarge) || le.Size != sizeBombBytes+5 || len(out.paths) != 0 {
			t.Fatalf("err %v, %d files delivered", out.err, len(out.paths))
		}
	})
}

// buildCabCopies: copyFiles files of copyBytes all point at the one range
// of their folder (2 GiB claimed from a 120 KB package), and one more
// starts a byte into it.
func buildCabCopies(t *testing.T) []byte {
	return buildPackage(t, func(p *pkgBuilder) {
		p.row("Directory", msi.StrValue("TARGETDIR"), msi.Value{}, msi.StrValue("SourceDir"))
		p.row("Component", msi.StrValue("C"), msi.StrValue(""), msi.StrValue("TARGETDIR"), msi.IntValue(0), msi.Value{}, msi.Value{})
		c := cabOneFolder(cabMSZIP, []cabFileSpec{{name: "c0", data: make([]byte, copyBytes)}})
		for i := 1; i < copyFiles; i++ {
			c.files = append(c.files, cabFileEntry{name: fmt.Sprintf("c%d", i), size: copyBytes})
		}
		c.files = append(c.files, cabFileEntry{name: "skew", size: copyBytes - 1, offset: 1})
		for i := range copyFiles {
			p.file(fmt.Sprintf("c%d", i), "C", fmt.Sprintf("c%d.bin", i), copyBytes, i+1)
		}
		p.file("skew", "C", "skew.bin", copyBytes-1, copyFiles+1)
		p.cabinet("#copies.cab", copyFiles+1, c)
	})
}

// The first file and copies of it up to 64 MiB are delivered; the other
// copies, and the file overlapping their range, are refused with an
// *install.OverlapError: the work is the folder's bytes plus 64 MiB, not
// 2 GiB.
func checkCabCopies(t *testing.T, data []byte) {
	budget(t, "extract", func() {
		out := extractData(t, data, nil)
		delivered := 1 + (64<<20)/copyBytes + 1 // the file, its copies up to 64 MiB + its size
		if out.err != nil || len(out.paths) != delivered || out.bytes != int64(delivered)*copyBytes {
			t.Fatalf("err %v, %d files and %d bytes delivered, want %d files", out.err, len(out.paths), out.bytes, delivered)
		}
		if n := len(out.rep.Failed); n != copyFiles+1-delivered {
			t.Fatalf("%d files failed, want %d", n, copyFiles+1-delivered)
		}
		for _, f := range out.rep.Failed {
			var oe *install.OverlapError
			if !errors.As(f, &oe) || !errors.Is(f, cab.ErrFormat) || (oe.Copies == 0) != (f.Key == "skew") {
				t.Fatalf("failure %v: want an *install.OverlapError, a copy's but for skew", f)
			}
		}
	})
}

// --- Building packages.

// pkgBuilder collects rows and streams for a package made from
// testdata/sample.msi with only the tables extraction reads.
type pkgBuilder struct {
	t  testing.TB
	db *msi.Database
}

// buildPackage returns the bytes of a package holding the Directory,
// Component, File, Media, MsiAssembly and Property tables of the sample
// (only Property keeps its rows) plus what fill adds.
func buildPackage(t testing.TB, fill func(p *pkgBuilder)) []byte {
	t.Helper()
	sample, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := msi.NewDatabase(bytes.NewReader(sample), int64(len(sample)))
	if err != nil {
		t.Fatal(err)
	}
	keep := map[string]bool{"Directory": true, "Component": true, "File": true, "Media": true, "MsiAssembly": true, "Property": true}
	for _, name := range db.TableNames() {
		if !keep[name] {
			if err := db.DropTable(name); err != nil {
				t.Fatalf("drop %s: %v", name, err)
			}
			continue
		}
		if name != "Property" {
			tab, err := db.Table(name)
			if err != nil {
				t.Fatal(err)
			}
			tab.DeleteFunc(func(msi.Row) bool { return true })
		}
	}
	for _, s := range db.Streams() {
		if s.Name != msi.SummaryInfoStream {
			if err := db.DeleteStream(s.Name); err != nil {
				t.Fatalf("delete stream %q: %v", s.Name, err)
			}
		}
	}
	p := &pkgBuilder{t: t, db: db}
	fill(p)
	var out bytes.Buffer
	if _, err := db.Write(&out, &msi.WriteOptions{Compact: true, DropSignature: true}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func (p *pkgBuilder) row(table string, vals ...msi.Value) {
	p.t.Helper()
	tab, err := p.db.Table(table)
	if err != nil {
		p.t.Fatal(err)
	}
	if err := tab.Insert(vals...); err != nil {
		p.t.Fatal(err)
	}
}

// file adds a File row.
func (p *pkgBuilder) file(key, comp, name string, size, seq int) {
	p.t.Helper()
	p.row("File", msi.StrValue(key), msi.StrValue(comp), msi.StrValue(name), msi.IntValue(int32(size)), msi.Value{}, msi.Value{}, msi.IntValue(0), msi.IntValue(int32(seq)))
}

// stream adds a stream.
func (p *pkgBuilder) stream(name string, data []byte) {
	p.t.Helper()
	if err := p.db.SetStream(name, bytes.NewReader(data), int64(len(data))); err != nil {
		p.t.Fatal(err)
	}
}

// cabinet embeds c as stream name (without the "#") and adds the Media
// row naming it, covering sequences up to last.
func (p *pkgBuilder) cabinet(name string, last int, c *cabSpecX) {
	p.t.Helper()
	p.stream(strings.TrimPrefix(name, "#"), c.bytes())
	p.row("Media", msi.IntValue(int32(32767)), msi.IntValue(int32(last)), msi.Value{}, msi.StrValue(name), msi.Value{}, msi.Value{})
}

// --- Building cabinets, field by field from MS-CAB.

const (
	cabNone      = 0
	cabMSZIP     = 1
	cabBlockSize = 32768
)

type cabSpecX struct {
	setID, index uint16
	prev, next   string
	folders      []cabFolderSpec
	files        []cabFileEntry
}

type cabFolderSpec struct {
	method uint16
	blocks []cabBlockSpec
}

type cabBlockSpec struct {
	data   []byte
	uncomp int
	badSum bool // store a checksum that does not match
}

type cabFileEntry struct {
	name         string
	size, offset uint32
	folder       uint16
}

type cabFileSpec struct {
	name string
	data []byte
}

// cabOneFolder lays files one after the other in a single folder,
// stored or MSZIP-compressed in 32 KiB blocks.
func cabOneFolder(method uint16, files []cabFileSpec) *cabSpecX {
	var stream []byte
	c := &cabSpecX{setID: 1}
	for _, f := range files {
		c.files = append(c.files, cabFileEntry{name: f.name, size: uint32(len(f.data)), offset: uint32(len(stream))})
		stream = append(stream, f.data...)
	}
	fo := cabFolderSpec{method: method}
	for off := 0; off < len(stream); off += cabBlockSize {
		end := min(off+cabBlockSize, len(stream))
		b := cabBlockSpec{data: stream[off:end], uncomp: end - off}
		if method == cabMSZIP {
			b.data = mszipBlock(stream[off:end], stream[max(0, off-cabBlockSize):off])
		}
		fo.blocks = append(fo.blocks, b)
	}
	c.folders = []cabFolderSpec{fo}
	return c
}

// mszipBlock deflates data as one MSZIP block ("CK" and a deflate stream
// using dict, the previous 32 KiB, as its history).
func mszipBlock(data, dict []byte) []byte {
	var b bytes.Buffer
	b.WriteString("CK")
	w, _ := flate.NewWriterDict(&b, flate.BestSpeed, dict)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// cabChecksum is the CFDATA checksum of MS-CAB.
func cabChecksum(p []byte, seed uint32) uint32 {
	c := seed
	n := len(p) &^ 3
	for i := 0; i < n; i += 4 {
		c ^= binary.LittleEndian.Uint32(p[i:])
	}
	var t uint32
	for _, b := range p[n:] {
		t = t<<8 | uint32(b)
	}
	return c ^ t
}

func (c *cabSpecX) bytes() []byte {
	le := binary.LittleEndian
	var flags uint16
	if c.prev != "" {
		flags |= 1
	}
	if c.next != "" {
		flags |= 2
	}
	hdr := make([]byte, 36)
	copy(hdr, "MSCF")
	hdr[24], hdr[25] = 3, 1
	le.PutUint16(hdr[26:], uint16(len(c.folders)))
	le.PutUint16(hdr[28:], uint16(len(c.files)))
	le.PutUint16(hdr[30:], flags)
	le.PutUint16(hdr[32:], c.setID)
	le.PutUint16(hdr[34:], c.index)
	dir := append([]byte{}, hdr...)
	if c.prev != "" {
		dir = append(dir, c.prev+"\x00d\x00"...)
	}
	if c.next != "" {
		dir = append(dir, c.next+"\x00d\x00"...)
	}
	folderAt := len(dir)
	dir = append(dir, make([]byte, 8*len(c.folders))...)
	le.PutUint32(dir[16:], uint32(len(dir)))
	for _, f := range c.files {
		var e [16]byte
		le.PutUint32(e[0:], f.size)
		le.PutUint32(e[4:], f.offset)
		le.PutUint16(e[8:], f.folder)
		le.PutUint16(e[10:], 0x5821)
		le.PutUint16(e[14:], 0x20)
		dir = append(dir, e[:]...)
		dir = append(dir, f.name+"\x00"...)
	}
	var data []byte
	for i, fo := range c.folders {
		e := dir[folderAt+8*i:]
		le.PutUint32(e[0:], uint32(len(dir)+len(data)))
		le.PutUint16(e[4:], uint16(len(fo.blocks)))
		le.PutUint16(e[6:], fo.method)
		for _, b := range fo.blocks {
			var h [8]byte
			le.PutUint16(h[4:], uint16(len(b.data)))
			le.PutUint16(h[6:], uint16(b.uncomp))
			sum := cabChecksum(h[4:8], cabChecksum(b.data, 0))
			if b.badSum {
				sum ^= 0x5a5a5a5a
			}
			le.PutUint32(h[0:], sum)
			data = append(data, h[:]...)
			data = append(data, b.data...)
		}
	}
	out := append(dir, data...)
	le.PutUint32(out[8:], uint32(len(out)))
	return out
}

// buildCabFanIn embeds cabinet a.cab of 20,000 empty files, whose folder
// continues into b0.cab, and 200 per scale cabinets b<i>.cab (17,000 at
// 5 MB), each number 1 of the set naming a.cab as its previous cabinet
// and continuing its first folder from it, each with a file "own" in
// that folder. Decoding a continued folder walks back to where it
// begins, opening the previous cabinet for the cabinet reading through
// it: every b<i> opened and parsed a.cab again (100 of them against
// 60,000 files, 9 s and 737 MB; 10,000, past a minute).
func buildCabFanIn(t testing.TB, scale int) []byte {
	a := &cabSpecX{setID: 1, index: 0, next: "b0.cab",
		folders: []cabFolderSpec{{method: cabNone, blocks: []cabBlockSpec{{data: []byte("x"), uncomp: 1}}}}}
	for i := range 20000 {
		a.files = append(a.files, cabFileEntry{name: fmt.Sprint(i)})
	}
	a.files = append(a.files, cabFileEntry{name: "span", size: 2, folder: 0xFFFE})
	return buildPackage(t, func(p *pkgBuilder) {
		p.stream("a.cab", a.bytes())
		for i := range 200 * scale {
			b := &cabSpecX{setID: 1, index: 1, prev: "a.cab",
				folders: []cabFolderSpec{{method: cabNone, blocks: []cabBlockSpec{{data: []byte("yz"), uncomp: 2}}}},
				files:   []cabFileEntry{{name: "span", size: 2, folder: 0xFFFD}, {name: "own", size: 1, offset: 2}}}
			p.stream(fmt.Sprintf("b%d.cab", i), b.bytes())
		}
	})
}

// The set's real continuation (b0.cab) is read through a.cab; the first
// folder of every other b<i> fails with a format error saying a.cab
// continues into b0.cab, unread; a.cab's files are delivered.
func checkCabFanIn(t *testing.T, db *msi.Database) {
	var rep *install.Report
	var err error
	var got []string
	testenv.CheckBudget(t, "Extract", func() {
		got = nil
		rep, err = install.Extract(db, nil, func(f *install.File, r io.Reader) error {
			b, err := io.ReadAll(r)
			if f.Key == "own" || f.Key == "span" {
				got = append(got, f.Path+"="+string(b))
			}
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a.cab/span=xy", "b0.cab/own=z"}, got); diff != "" {
		t.Errorf("files delivered (-want +got):\n%s", diff)
	}
	want := `cab: its first folder continues from cabinet "#a.cab", whose next cabinet is "b0.cab", not this one`
	for _, f := range rep.Failed {
		if f.Key != "own" || !errors.Is(f, cab.ErrFormat) || !strings.Contains(f.Error(), want) {
			t.Errorf("%v: want a format error saying %q", f, want)
		}
	}
	if len(rep.Failed) != 199 || rep.Extracted != 20000+2 {
		t.Errorf("%d failed, %d extracted; want 199 failed, 20,002 extracted", len(rep.Failed), rep.Extracted)
	}
}
