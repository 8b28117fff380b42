package msi

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/msikit/msikit/internal/testenv"
)

func TestSplitDefaultDir(t *testing.T) {
	tests := []struct {
		in             string
		short          bool
		target, source string
	}{
		{"SourceDir", false, "SourceDir", "SourceDir"},
		{".", false, ".", "."},
		{"ACME|Acme Corp", false, "Acme Corp", "Acme Corp"},
		{"ACME|Acme Corp", true, "Acme Corp", "ACME"},
		{"Acme HelloWorld:.", false, "Acme HelloWorld", "."},
		{"PROGRA~1|Program Dir:SRC|Source Dir", false, "Program Dir", "Source Dir"},
		{"PROGRA~1|Program Dir:SRC|Source Dir", true, "Program Dir", "SRC"},
		{".:Src", false, ".", "Src"},
	}
	for _, tt := range tests {
		target, source := splitDefaultDir(tt.in, tt.short)
		if target != tt.target || source != tt.source {
			t.Errorf("splitDefaultDir(%q, %v) = %q, %q; want %q, %q", tt.in, tt.short, target, source, tt.target, tt.source)
		}
	}
}

func TestDirResolver(t *testing.T) {
	rows := [][3]string{
		{"TARGETDIR", "", "SourceDir"},
		{"ProgramFilesFolder", "TARGETDIR", "."},
		{"ProgramFilesFolder.F844F0E3_8CB4_4A0F_973E_31C4F9338382", "TARGETDIR", "PFiles"},
		{"INSTALLDIR", "ProgramFilesFolder", "ACME|Acme HelloWorld:."},
		{"BIN", "INSTALLDIR", "bin:SRCBIN|Source Bin"},
		{"SAME", "INSTALLDIR", "."},
		{"MOD", "ProgramFilesFolder.F844F0E3_8CB4_4A0F_973E_31C4F9338382", "Mod"},
		{"OTHERROOT", "", "Elsewhere"},
		{"LOOP1", "LOOP2", "a"},
		{"LOOP2", "LOOP1", "b"},
		{"EVIL", "INSTALLDIR", ".."},
		{"EVIL2", "INSTALLDIR", "a\\..\\..\\b"},
		{"ORPHAN", "NOPE", "x"},
	}
	r := &dirResolver{parent: map[string]string{}, defaultDir: map[string]string{},
		target: map[string]string{}, source: map[string]string{}, errs: map[string]error{}}
	for _, row := range rows {
		r.parent[row[0]], r.defaultDir[row[0]] = row[1], row[2]
	}
	type res struct{ Target, Source, Err string }
	got := map[string]res{}
	for _, row := range rows {
		tp, sp, err := r.resolve(row[0])
		e := ""
		if err != nil {
			e = "error"
		}
		got[row[0]] = res{tp, sp, e}
	}
	want := map[string]res{
		"TARGETDIR":          {"", "", ""},
		"ProgramFilesFolder": {"Program Files", "", ""},
		"ProgramFilesFolder.F844F0E3_8CB4_4A0F_973E_31C4F9338382": {"Program Files", "PFiles", ""},
		"INSTALLDIR": {"Program Files/Acme HelloWorld", "", ""},
		"BIN":        {"Program Files/Acme HelloWorld/bin", "Source Bin", ""},
		"SAME":       {"Program Files/Acme HelloWorld", "", ""},
		"MOD":        {"Program Files/Mod", "PFiles/Mod", ""},
		"OTHERROOT":  {"Elsewhere", "", ""},
		"LOOP1":      {"", "", "error"},
		"LOOP2":      {"", "", "error"},
		"EVIL":       {"", "", "error"},
		"EVIL2":      {"", "", "error"},
		"ORPHAN":     {"", "", "error"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// extractedFile is what Extract delivered for one file.
type extractedFile struct {
	Path   string
	Size   int64
	SHA256 string
	MD5    [16]byte
}

func extractAll(t *testing.T, db *Database, opts *ExtractOptions) (map[string]extractedFile, *ExtractReport) {
	t.Helper()
	got := map[string]extractedFile{}
	rep, err := db.Extract(opts, func(f *InstallFile, r io.Reader) error {
		hs, hm := sha256.New(), md5.New()
		n, err := io.Copy(io.MultiWriter(hs, hm), r)
		if err != nil {
			return err
		}
		got[f.Key] = extractedFile{Path: f.Path, Size: n, SHA256: hex.EncodeToString(hs.Sum(nil)), MD5: [16]byte(hm.Sum(nil))}
		return nil
	})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	return got, rep
}

// extractKnownDamaged lists corpus packages whose data is damaged
// upstream: the named files must be reported as failed, nothing else.
var extractKnownDamaged = map[string][]string{
	// The package is cut off inside Disk2.CAB (2190055 bytes, not a whole
	// number of sectors); OLEPRO32.DLL lies past the cut.
	"lessmsi-VBRuntime.msi": {"OLEPRO32.DLL"},
}

// msiextractSums runs msiextract on pkg and returns the SHA-256 of every
// file it wrote (path → sum), or ok=false when it fails.
func msiextractSums(t *testing.T, tool, pkg string) (map[string]string, bool) {
	dir := t.TempDir()
	cmd := exec.Command(tool, "-C", dir, pkg)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Logf("msiextract fails: %v: %s", err, strings.TrimSpace(string(out)))
		return nil, false
	}
	sums := map[string]string{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h := sha256.Sum256(b)
		sums[filepath.ToSlash(rel)] = hex.EncodeToString(h[:])
		return nil
	})
	return sums, true
}

// TestExtractCorpus is the acceptance test of extraction: every corpus
// package with embedded cabinets extracts; every file has the File table's
// FileSize and the MsiFileHash MD5; where msiextract succeeds, the
// multiset of SHA-256 sums equals msiextract's (paths are compared and
// differences logged: see the README's extract section for where they
// differ on purpose).
func TestExtractCorpus(t *testing.T) {
	msiextract := testenv.NeedTool(t, "msiextract", "msitools")
	var mu sync.Mutex
	var pkgs, files, md5s, compared, pathDiffs int
	t.Cleanup(func() {
		t.Logf("%d packages with cabinets, %d files, %d MD5 checks, %d packages compared with msiextract (%d path differences)", pkgs, files, md5s, compared, pathDiffs)
		if pkgs > 0 && (md5s == 0 || compared == 0) {
			t.Errorf("oracles did not engage")
		}
	})
	for _, path := range testenv.CorpusFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			db, err := Open(path)
			if err != nil {
				if testenv.IsCorrupt(path) {
					return
				}
				t.Fatal(err)
			}
			defer db.Close()
			cabs, err := db.Cabinets()
			if err != nil {
				t.Fatal(err)
			}
			embedded := false
			for _, c := range cabs {
				embedded = embedded || c.Embedded
			}
			if !embedded {
				return
			}
			got, rep := extractAll(t, db, nil)
			for _, c := range rep.EmptyCabinets {
				t.Logf("empty cabinet %s", c)
			}
			var failedKeys []string
			for _, f := range rep.Failed {
				key, _, _ := strings.Cut(f, ": ")
				failedKeys = append(failedKeys, key)
				t.Logf("not extracted: %s", f)
			}
			sort.Strings(failedKeys)
			if diff := cmp.Diff(extractKnownDamaged[filepath.Base(path)], failedKeys); diff != "" {
				t.Errorf("failed files (-want +got):\n%s", diff)
			}
			if len(rep.MissingCabinets) > 0 {
				t.Errorf("missing cabinets: %v", rep.MissingCabinets)
			}

			installFiles, err := db.InstallFiles()
			if err != nil {
				t.Fatal(err)
			}
			hashes := fileHashes(t, db)
			nmd5 := 0
			for _, f := range installFiles {
				x, ok := got[f.Key]
				if !ok {
					continue
				}
				if x.Size != f.Size {
					t.Errorf("%s: %d bytes, FileSize %d", f.Key, x.Size, f.Size)
				}
				if want, ok := hashes[f.Key]; ok && !(x.Size == 0 && want == [16]byte{}) {
					nmd5++
					if want != x.MD5 {
						t.Errorf("%s: MD5 %x, MsiFileHash %x", f.Key, x.MD5, want)
					}
				}
			}
			mu.Lock()
			pkgs++
			files += len(got)
			md5s += nmd5
			mu.Unlock()

			if len(installFiles) == 0 {
				return // patches: msiextract has nothing to compare
			}
			theirs, ok := msiextractSums(t, msiextract, path)
			if !ok {
				return
			}
			var wantSums, gotSums []string
			for _, s := range theirs {
				wantSums = append(wantSums, s)
			}
			ours := map[string]string{}
			for _, x := range got {
				gotSums = append(gotSums, x.SHA256)
				ours[x.Path] = x.SHA256
			}
			sort.Strings(wantSums)
			sort.Strings(gotSums)
			if diff := cmp.Diff(wantSums, gotSums); diff != "" {
				t.Errorf("SHA-256 multiset, msiextract (-) vs ours (+):\n%s", diff)
			}
			// Paths: each of our files must sit where msiextract put it,
			// unless its Directory chain has one of the documented
			// differences (README, extract section).
			theirPaths := map[string]bool{}
			for p, s := range theirs {
				theirPaths[p+"\x00"+s] = true
			}
			why := msiextractDifference(t, db)
			n := 0
			for _, f := range installFiles {
				x, ok := got[f.Key]
				if !ok || theirPaths[x.Path+"\x00"+x.SHA256] {
					continue
				}
				n++
				if reason := why(f.Directory); reason != "" {
					t.Logf("%s: ours %s, msiextract differs (%s)", f.Key, x.Path, reason)
				} else {
					t.Errorf("%s: ours %s, not where msiextract put it, and no documented reason", f.Key, x.Path)
				}
			}
			mu.Lock()
			compared++
			pathDiffs += n
			mu.Unlock()
		})
	}
}

// msiextractDifference returns a function naming the documented reason
// why msiextract places files of a directory differently from us, or ""
// if there is none: a DefaultDir with "target:source", a standard folder
// other than ProgramFilesFolder (msiextract maps only that one), or a root
// other than TARGETDIR/SourceDir (such as SOURCEDIR, which msiextract
// keeps as a folder).
func msiextractDifference(t *testing.T, db *Database) func(dir string) string {
	t.Helper()
	parent, dd := map[string]string{}, map[string]string{}
	if hasTable(db, "Directory") {
		tab, err := db.Table("Directory")
		if err != nil {
			t.Fatal(err)
		}
		for row := range tab.Rows() {
			k := row.Get("Directory").Str()
			parent[k], dd[k] = row.Get("Directory_Parent").Str(), row.Get("DefaultDir").Str()
		}
	}
	return func(dir string) string {
		for i, cur := 0, dir; cur != "" && i < 1000; i++ {
			if strings.Contains(dd[cur], ":") {
				return "target:source DefaultDir " + dd[cur]
			}
			p := parent[cur]
			if p == "" || p == cur {
				if cur != "TARGETDIR" || dd[cur] != "SourceDir" {
					return "root " + cur + " named " + dd[cur]
				}
				return ""
			}
			if _, ok := standardFolder(cur); ok && cur != "ProgramFilesFolder" {
				return "standard folder " + cur
			}
			cur = p
		}
		return ""
	}
}

// fileHashes reads MsiFileHash: File_ → MD5 (four int32 parts,
// little-endian).
func fileHashes(t *testing.T, db *Database) map[string][16]byte {
	t.Helper()
	out := map[string][16]byte{}
	if !hasTable(db, "MsiFileHash") {
		return out
	}
	tab, err := db.Table("MsiFileHash")
	if err != nil {
		t.Fatal(err)
	}
	for row := range tab.Rows() {
		var sum [16]byte
		for i := 0; i < 4; i++ {
			binary.LittleEndian.PutUint32(sum[4*i:], uint32(row.Index(2+i).Int()))
		}
		out[row.Get("File_").Str()] = sum
	}
	return out
}

// TestExtractExternalCabinet covers a Media row naming a cabinet beside
// the package: reported missing when absent, used when present.
func TestExtractExternalCabinet(t *testing.T) {
	dir := testenv.CorpusDir()
	if dir == "" {
		t.Skip("shared corpus not found")
	}
	pkg := filepath.Join(dir, "real", "lessmsi-msi_with_external_cab.msi")
	if _, err := os.Stat(pkg); err != nil {
		t.Skip("corpus lacks lessmsi-msi_with_external_cab.msi")
	}
	db, err := Open(pkg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, rep := extractAll(t, db, nil)
	if len(got) != 0 || len(rep.MissingCabinets) != 1 || !strings.Contains(rep.MissingCabinets[0], "msi_with_external_cab.cab") || len(rep.Failed) != 1 {
		t.Fatalf("without the cabinet: got %d files, report %+v", len(got), rep)
	}

	// Put a cabinet with the right file beside a copy of the package.
	gcab := testenv.NeedTool(t, "gcab", "gcab")
	files, err := db.InstallFiles()
	if err != nil || len(files) != 1 {
		t.Fatalf("InstallFiles: %v, %d files", err, len(files))
	}
	f := files[0]
	work := t.TempDir()
	content := make([]byte, f.Size)
	for i := range content {
		content[i] = byte('a' + i%26)
	}
	if err := os.WriteFile(filepath.Join(work, f.Key), content, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(gcab, "-c", "-z", "MSI_WITH_EXTERNAL_CAB.CAB", f.Key)
	cmd.Dir = work
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcab: %v: %s", err, out)
	}
	got, rep = extractAll(t, db, &ExtractOptions{SourceDir: work})
	if rep.Problems() || len(got) != 1 {
		t.Fatalf("with the cabinet (found case-insensitively): %d files, report %+v", len(got), rep)
	}
	sum := sha256.Sum256(content)
	if got[f.Key].SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("content differs")
	}
}

// TestExtractAdminImage covers uncompressed files beside the package, at
// their source paths.
func TestExtractAdminImage(t *testing.T) {
	dir := testenv.CorpusDir()
	if dir == "" {
		t.Skip("shared corpus not found")
	}
	pkg := filepath.Join(dir, "real", "lessmsi-msi_with_external_cab.msi")
	if _, err := os.Stat(pkg); err != nil {
		t.Skip("corpus lacks lessmsi-msi_with_external_cab.msi")
	}
	db, err := Open(pkg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	files, err := db.InstallFiles()
	if err != nil || len(files) != 1 {
		t.Fatalf("InstallFiles: %v, %d files", err, len(files))
	}
	f := files[0]
	work := t.TempDir()
	src := filepath.Join(work, filepath.FromSlash(f.SourcePath))
	if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
		t.Fatal(err)
	}
	content := []byte(strings.Repeat("x", int(f.Size)))
	if err := os.WriteFile(src, content, 0o644); err != nil {
		t.Fatal(err)
	}
	got, rep := extractAll(t, db, &ExtractOptions{SourceDir: work})
	if len(got) != 1 || len(rep.Failed) != 0 {
		t.Fatalf("got %d files, report %+v", len(got), rep)
	}
	if got[f.Key].Path != f.Path || got[f.Key].Size != f.Size {
		t.Errorf("got %+v, want path %s size %d", got[f.Key], f.Path, f.Size)
	}
	// A wrong-sized copy is refused.
	if err := os.WriteFile(src, content[:len(content)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	got, rep = extractAll(t, db, &ExtractOptions{SourceDir: work})
	if len(got) != 0 || len(rep.Failed) != 1 {
		t.Errorf("short copy: got %d files, report %+v", len(got), rep)
	}
}

func TestExtractCallbackError(t *testing.T) {
	db := openSample(t)
	stop := errors.New("stop")
	_, err := db.Extract(nil, func(*InstallFile, io.Reader) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("err = %v, want the callback's error", err)
	}
}
