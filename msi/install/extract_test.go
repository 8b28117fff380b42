package install

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

	"github.com/msikit/msikit/msi"

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

// layoutRows builds a layout over Directory rows (key, parent,
// DefaultDir) without a database.
func layoutRows(rows [][3]string, l Layout, perMachine bool) *layout {
	lay := &layout{l: l, perMachine: perMachine, canon: map[canonKey]int32{}}
	for _, row := range rows {
		lay.byKey.Set(row[0], int32(len(lay.nodes)))
		lay.nodes = append(lay.nodes, dirNode{key: row[0], parent: row[1], defaultDir: row[2]})
	}
	return lay
}

func TestDirectoryLayout(t *testing.T) {
	rows := [][3]string{
		{"TARGETDIR", "", "SourceDir"},
		{"ProgramFilesFolder", "TARGETDIR", "."},
		{"ProgramFiles64Folder", "TARGETDIR", "PFiles64"},
		{"ProgramFilesFolder.F844F0E3_8CB4_4A0F_973E_31C4F9338382", "TARGETDIR", "PFiles"},
		{"INSTALLDIR", "ProgramFilesFolder", "ACME|Acme HelloWorld:."},
		{"BIN", "INSTALLDIR", "bin:SRCBIN|Source Bin"},
		{"SAME", "INSTALLDIR", "."},
		{"MOD", "ProgramFilesFolder.F844F0E3_8CB4_4A0F_973E_31C4F9338382", "Mod"},
		{"SYS", "TARGETDIR", "."},
		{"SystemFolder", "SYS", "."}, // a standard folder is where Windows puts it, at any depth
		{"OTHERROOT", "", "Elsewhere"},
		{"LOOP1", "LOOP2", "a"},
		{"LOOP2", "LOOP1", "b"},
		{"BELOWLOOP", "LOOP1", "c"},
		{"EVIL", "INSTALLDIR", ".."},
		{"EVIL2", "INSTALLDIR", "a\\..\\..\\b"},
		{"CTRL", "INSTALLDIR", "x\x1b[31my"},
		{"BELOWEVIL", "EVIL", "fine"},
		{"ORPHAN", "NOPE", "x"},
		{"DesktopFolder", "TARGETDIR", "."},
	}
	type res struct {
		Target, Source string
		Pseudo         string
		Err            bool
	}
	resolve := func(l Layout, perMachine bool) map[string]res {
		lay := layoutRows(rows, l, perMachine)
		got := map[string]res{}
		for _, row := range append(rows, [3]string{"UNLISTED"}) {
			i := lay.node(row[0])
			lay.resolve(i)
			n := &lay.nodes[i]
			r := res{Err: n.err != 0}
			if n.err == 0 {
				r.Target = strings.TrimSuffix(lay.joinPath(n.tail, false, ""), "/")
			}
			if !n.srcBad {
				r.Source = strings.TrimSuffix(lay.joinPath(n.srcTail, true, ""), "/")
			} else {
				r.Source = "(none)"
			}
			if n.pseudo >= 0 {
				r.Pseudo = lay.nodes[n.pseudo].key
			}
			got[row[0]] = r
		}
		return got
	}
	want := map[string]res{
		"TARGETDIR":            {},
		"ProgramFilesFolder":   {Target: "Program Files (x86)"},
		"ProgramFiles64Folder": {Target: "Program Files", Source: "PFiles64"},
		"ProgramFilesFolder.F844F0E3_8CB4_4A0F_973E_31C4F9338382": {Target: "Program Files (x86)", Source: "PFiles"},
		"INSTALLDIR":    {Target: "Program Files (x86)/Acme HelloWorld"},
		"BIN":           {Target: "Program Files (x86)/Acme HelloWorld/bin", Source: "Source Bin"},
		"SAME":          {Target: "Program Files (x86)/Acme HelloWorld"},
		"MOD":           {Target: "Program Files (x86)/Mod", Source: "PFiles/Mod"},
		"SYS":           {},
		"SystemFolder":  {Target: "Windows/SysWOW64"},
		"OTHERROOT":     {Target: "Elsewhere"},
		"LOOP1":         {Target: "LOOP1", Source: "(none)", Pseudo: "LOOP1"},
		"LOOP2":         {Target: "LOOP2", Source: "(none)", Pseudo: "LOOP2"},
		"BELOWLOOP":     {Target: "LOOP1/c", Source: "(none)", Pseudo: "LOOP1"},
		"EVIL":          {Err: true, Source: "(none)"},
		"EVIL2":         {Err: true, Source: "(none)"},
		"CTRL":          {Err: true, Source: "(none)"},
		"BELOWEVIL":     {Err: true, Source: "(none)"},
		"ORPHAN":        {Target: "NOPE/x", Source: "(none)", Pseudo: "NOPE"},
		"UNLISTED":      {Target: "UNLISTED", Source: "(none)", Pseudo: "UNLISTED"},
		"DesktopFolder": {Target: "Users/Public/Desktop"},
	}
	if diff := cmp.Diff(want, resolve(LayoutX64, true)); diff != "" {
		t.Errorf("x64, per machine (-want +got):\n%s", diff)
	}
	// 32-bit Windows: the 32-bit names, and no 64-bit folders (their rows
	// resolve through DefaultDir); per user: the user's Desktop.
	want["ProgramFilesFolder"] = res{Target: "Program Files"}
	want["ProgramFiles64Folder"] = res{Target: "PFiles64", Source: "PFiles64"}
	want["ProgramFilesFolder.F844F0E3_8CB4_4A0F_973E_31C4F9338382"] = res{Target: "Program Files", Source: "PFiles"}
	want["INSTALLDIR"] = res{Target: "Program Files/Acme HelloWorld"}
	want["BIN"] = res{Target: "Program Files/Acme HelloWorld/bin", Source: "Source Bin"}
	want["SAME"] = res{Target: "Program Files/Acme HelloWorld"}
	want["MOD"] = res{Target: "Program Files/Mod", Source: "PFiles/Mod"}
	want["SystemFolder"] = res{Target: "Windows/System32"}
	want["DesktopFolder"] = res{Target: "Users/Default/Desktop"}
	if diff := cmp.Diff(want, resolve(LayoutX86, false)); diff != "" {
		t.Errorf("x86, per user (-want +got):\n%s", diff)
	}
}

// TestStandardFolders checks the documented mapping of every standard
// folder in both layouts: as 64-bit and 32-bit Windows install them.
func TestStandardFolders(t *testing.T) {
	tests := []struct{ name, x64, x86 string }{
		{"ProgramFilesFolder", "Program Files (x86)", "Program Files"},
		{"ProgramFiles64Folder", "Program Files", "-"},
		{"CommonFilesFolder", "Program Files (x86)/Common Files", "Program Files/Common Files"},
		{"CommonFiles64Folder", "Program Files/Common Files", "-"},
		{"SystemFolder", "Windows/SysWOW64", "Windows/System32"},
		{"System64Folder", "Windows/System32", "-"},
		{"System16Folder", "Windows/System", "Windows/System"},
		{"WindowsFolder", "Windows", "Windows"},
		{"FontsFolder", "Windows/Fonts", "Windows/Fonts"},
		{"WindowsVolume", "", ""},
		{"CommonAppDataFolder", "ProgramData", "ProgramData"},
		{"TempFolder", "Users/Default/AppData/Local/Temp", "Users/Default/AppData/Local/Temp"},
		{"AppDataFolder", "Users/Default/AppData/Roaming", "Users/Default/AppData/Roaming"},
		{"ProgramMenuFolder", "ProgramData/Microsoft/Windows/Start Menu/Programs", "ProgramData/Microsoft/Windows/Start Menu/Programs"},
		{"ProgramFilesFolder.F844F0E3_8CB4_4A0F_973E_31C4F9338382", "Program Files (x86)", "Program Files"},
		{"ProgramFilesFolder.NOTAGUID", "-", "-"},
		{"INSTALLDIR", "-", "-"},
		{"CommonDesktopFolder", "-", "-"}, // not a Windows Installer property
	}
	for _, tt := range tests {
		for _, c := range []struct {
			l    Layout
			want string
		}{{LayoutX64, tt.x64}, {LayoutX86, tt.x86}} {
			got, ok := StandardFolder(tt.name, c.l, true)
			if !ok {
				got = "-"
			}
			if got != c.want {
				t.Errorf("StandardFolder(%q, %v) = %q, want %q", tt.name, c.l, got, c.want)
			}
		}
	}
	if got, _ := StandardFolder("StartupFolder", LayoutX64, false); got != "Users/Default/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup" {
		t.Errorf("per-user StartupFolder = %q", got)
	}
}

// extractedFile is what Extract delivered for one file.
type extractedFile struct {
	Path   string
	Size   int64
	SHA256 string
	MD5    [16]byte
}

func extractAll(t *testing.T, db *msi.Database, opts *Options) (map[string]extractedFile, *Report) {
	t.Helper()
	got := map[string]extractedFile{}
	rep, err := Extract(db, opts, func(f *File, r io.Reader) error {
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

// TestExtractCorpus is the acceptance test of extraction, over every
// corpus package: every file found has the File table's FileSize and the
// MsiFileHash MD5; every file msiextract writes, we deliver too (the
// multiset of msiextract's SHA-256 sums is contained in ours), and where
// we deliver more (packages msiextract cannot read, files it drops) the
// extra files are accounted for; with LayoutX86, whose standard folder
// names are msiextract's, each file sits where msiextract put it unless
// its Directory chain has one of the documented differences (README,
// extract section). msiextract runs once per package, packages in
// parallel.
func TestExtractCorpus(t *testing.T) {
	msiextract := testenv.NeedTool(t, "msiextract", "msitools")
	var mu sync.Mutex
	var pkgs, files, md5s, compared, unreadable, beyond, pathDiffs int
	t.Cleanup(func() {
		t.Logf("%d packages extracted, %d files, %d MD5 checks; %d packages compared with msiextract, %d it cannot read (%d files msiextract does not write, %d path differences)", pkgs, files, md5s, compared, unreadable, beyond, pathDiffs)
		if pkgs > 0 && (md5s == 0 || compared == 0) {
			t.Errorf("oracles did not engage")
		}
	})
	for _, path := range testenv.CorpusFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			db, err := msi.Open(path)
			if err != nil {
				if testenv.IsCorrupt(path) {
					return
				}
				t.Fatal(err)
			}
			defer db.Close()
			got, rep := extractAll(t, db, &Options{Layout: LayoutX86})
			for _, c := range rep.EmptyCabinets {
				t.Logf("empty cabinet %s", c)
			}
			for _, w := range rep.Warnings {
				t.Logf("warning: %s", w)
			}
			embedded := false
			if cabs, err := Cabinets(db); err == nil {
				for _, c := range cabs {
					embedded = embedded || c.Embedded
				}
			}
			var failedKeys []string
			for _, f := range rep.Failed {
				if !embedded {
					// Files kept outside the package (external cabinets,
					// uncompressed sources), which the corpus lacks.
					if !errors.Is(f, ErrCabinetMissing) && !strings.Contains(f.Error(), "no uncompressed copy") && !strings.Contains(f.Error(), "no usable source path") {
						t.Errorf("not extracted, and not for a missing source: %v", f)
					}
					continue
				}
				failedKeys = append(failedKeys, f.Key)
				t.Logf("not extracted: %v", f)
			}
			sort.Strings(failedKeys)
			if diff := cmp.Diff(extractKnownDamaged[filepath.Base(path)], failedKeys); diff != "" {
				t.Errorf("failed files (-want +got):\n%s", diff)
			}
			if embedded {
				for _, c := range rep.MissingCabinets {
					t.Errorf("missing cabinet: %v", c)
				}
			}
			if len(got) == 0 {
				return
			}

			installFiles, err := installFiles(db, &Options{Layout: LayoutX86})
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
				// msiextract cannot read it (Quantum, an invalid folder
				// index, ...): ours are checked against FileSize and
				// MsiFileHash above.
				mu.Lock()
				unreadable++
				beyond += len(got)
				mu.Unlock()
				t.Logf("msiextract cannot read it; %d files extracted", len(got))
				return
			}
			// Every file msiextract writes, we deliver: its multiset of
			// sums minus ours must be empty.
			ours := map[string]int{}
			for _, x := range got {
				ours[x.SHA256]++
			}
			var missing []string
			for p, sum := range theirs {
				if ours[sum] == 0 {
					missing = append(missing, p)
					continue
				}
				ours[sum]--
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("msiextract writes files we do not deliver: %v", missing)
			}
			extra := 0
			for _, n := range ours {
				extra += n
			}
			if extra > 0 {
				t.Logf("%d files msiextract does not write", extra)
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
				reason := why(f.Directory)
				if f.Placement != AtInstallPath {
					reason = "placed " + f.Placement.String()
				}
				if reason != "" {
					t.Logf("%s: ours %s, msiextract differs (%s)", f.Key, x.Path, reason)
				} else {
					t.Errorf("%s: ours %s, not where msiextract put it, and no documented reason", f.Key, x.Path)
				}
			}
			mu.Lock()
			compared++
			beyond += extra
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
func msiextractDifference(t *testing.T, db *msi.Database) func(dir string) string {
	t.Helper()
	parent, dd := map[string]string{}, map[string]string{}
	if db.HasTable("Directory") {
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
			if _, ok := StandardFolder(cur, LayoutX86, true); ok && cur != "ProgramFilesFolder" {
				return "standard folder " + cur
			}
			cur = p
		}
		return ""
	}
}

// fileHashes reads MsiFileHash: File_ → MD5 (four int32 parts,
// little-endian).
func fileHashes(t *testing.T, db *msi.Database) map[string][16]byte {
	t.Helper()
	out := map[string][16]byte{}
	if !db.HasTable("MsiFileHash") {
		return out
	}
	tab, err := db.Table("MsiFileHash")
	if err != nil {
		t.Fatal(err)
	}
	for row := range tab.Rows() {
		var sum [16]byte
		for i := 0; i < 4; i++ {
			binary.LittleEndian.PutUint32(sum[4*i:], uint32(row.At(2+i).Int()))
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
	db, err := msi.Open(pkg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, rep := extractAll(t, db, nil)
	if len(got) != 0 || len(rep.MissingCabinets) != 1 || !strings.Contains(rep.MissingCabinets[0].Name, "msi_with_external_cab.cab") ||
		rep.MissingCabinets[0].Files != 1 || !errors.Is(rep.MissingCabinets[0], ErrCabinetMissing) || len(rep.Failed) != 1 || !errors.Is(rep.Failed[0], ErrCabinetMissing) {
		t.Fatalf("without the cabinet: got %d files, report %+v", len(got), rep)
	}

	// Put a cabinet with the right file beside a copy of the package.
	gcab := testenv.NeedTool(t, "gcab", "gcab")
	files, err := installFiles(db, nil)
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
	got, rep = extractAll(t, db, &Options{SourceDir: work})
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
	db, err := msi.Open(pkg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	files, err := installFiles(db, nil)
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
	got, rep := extractAll(t, db, &Options{SourceDir: work})
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
	got, rep = extractAll(t, db, &Options{SourceDir: work})
	if len(got) != 0 || len(rep.Failed) != 1 {
		t.Errorf("short copy: got %d files, report %+v", len(got), rep)
	}
}

func TestExtractCallbackError(t *testing.T) {
	db := openSample(t)
	stop := errors.New("stop")
	_, err := Extract(db, nil, func(*File, io.Reader) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("err = %v, want the callback's error", err)
	}
}
