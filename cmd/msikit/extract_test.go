package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// treeSums returns the SHA-256 of every regular file below dir, by
// slash-separated relative path.
func treeSums(t *testing.T, dir string) map[string]string {
	t.Helper()
	sums := map[string]string{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
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
	if err != nil {
		t.Fatal(err)
	}
	return sums
}

func TestExtractCommand(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "extract", samplePath(), "-d", out)
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	got := treeSums(t, out)
	// Standard output lists exactly the files written.
	var listed, written []string
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		rel, err := filepath.Rel(out, filepath.FromSlash(l))
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, filepath.ToSlash(rel))
	}
	for p := range got {
		written = append(written, p)
	}
	sort.Strings(listed)
	sort.Strings(written)
	if diff := cmp.Diff(written, listed); diff != "" {
		t.Errorf("stdout vs files written (-written +listed):\n%s", diff)
	}
	// The 64-bit layout: a 32-bit package's ProgramFilesFolder.
	if _, ok := got["Program Files (x86)/SynthCorp/bin/app.exe"]; !ok {
		t.Errorf("Program Files (x86)/SynthCorp/bin/app.exe not extracted; got %v", written)
	}

	// Oracle: msiextract writes the same contents at the same paths as
	// the 32-bit layout (msiextract maps ProgramFilesFolder to "Program
	// Files").
	x86 := t.TempDir()
	if code, _, stderr := runCLI(t, "extract", samplePath(), "-d", x86, "--layout", "x86"); code != exitOK {
		t.Fatalf("--layout x86: exit %d, stderr %q", code, stderr)
	}
	tool := testenv.NeedTool(t, "msiextract", "msitools")
	theirs := t.TempDir()
	if msg, err := exec.Command(tool, "-C", theirs, samplePath()).CombinedOutput(); err != nil {
		t.Fatalf("msiextract: %v: %s", err, msg)
	}
	if diff := cmp.Diff(treeSums(t, theirs), treeSums(t, x86)); diff != "" {
		t.Errorf("msiextract (-) vs msikit extract --layout x86 (+):\n%s", diff)
	}
}

func TestExtractSelectedFiles(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := runCLI(t, "extract", samplePath(), "-d", out, "--file", "app.exe", "--file", "data1.txt")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var got []string
	for p := range treeSums(t, out) {
		got = append(got, p)
	}
	sort.Strings(got)
	want := []string{"Program Files (x86)/SynthCorp/bin/app.exe", "Program Files (x86)/SynthCorp/data/data1.txt"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	code, _, stderr = runCLI(t, "extract", samplePath(), "-d", t.TempDir(), "--file", "nope")
	if code != exitFailure || !strings.Contains(stderr, `not extracted: File "nope": no such File row`) {
		t.Errorf("unknown key: exit %d, stderr %q", code, stderr)
	}
}

// editedSample saves a copy of the sample with one Directory row's
// DefaultDir replaced.
func editedSample(t *testing.T, dirKey, defaultDir string) string {
	t.Helper()
	return editSample(t, func(db *msi.Database) {
		setCells(t, db, "Directory", dirKey, map[string]string{"DefaultDir": defaultDir})
	})
}

// editSample saves a copy of the sample changed by edit.
func editSample(t *testing.T, edit func(db *msi.Database)) string {
	t.Helper()
	db, err := msi.Open(samplePath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	edit(db)
	p := filepath.Join(t.TempDir(), "edited.msi")
	if err := db.Save(p, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

// setCells sets string columns of the row of table whose (single) key is
// key.
func setCells(t *testing.T, db *msi.Database, table, key string, set map[string]string) {
	t.Helper()
	tab, err := db.Table(table)
	if err != nil {
		t.Fatal(err)
	}
	err = tab.Update([]msi.Value{msi.StrValue(key)}, func(vals []msi.Value) error {
		for i, c := range tab.Columns() {
			if v, ok := set[c.Name]; ok {
				vals[i] = msi.StrValue(v)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestExtractRefusesEscapingPaths(t *testing.T) {
	for _, dd := range []string{"..", "a/../../b", `..\..\evil`, "/etc", "bin:..", "con", "x\x1b]0;pwned\x07y"} {
		t.Run(dd, func(t *testing.T) {
			pkg := editedSample(t, "BINDIR", dd)
			parent := t.TempDir()
			out := filepath.Join(parent, "out")
			code, _, stderr := runCLI(t, "extract", pkg, "-d", out)
			if strings.HasPrefix(dd, "bin:") {
				// Only the source part is bad: the target is fine, and
				// the files come from the cabinet.
				if code != exitOK {
					t.Fatalf("exit %d, stderr %q", code, stderr)
				}
				return
			}
			// One line per refused file (the four in BINDIR), after the
			// others are written; no raw control characters.
			if code != exitFailure || strings.Count(stderr, "refused: File ") != 4 || !strings.Contains(stderr, `Directory "BINDIR"`) {
				t.Errorf("exit %d, stderr %q; want four refusals naming BINDIR", code, stderr)
			}
			if strings.ContainsAny(stderr, "\x1b\x07") {
				t.Errorf("stderr holds raw control characters: %q", stderr)
			}
			for p := range treeSums(t, parent) {
				if !strings.HasPrefix(p, "out/") {
					t.Errorf("wrote %s outside the output folder", p)
				}
			}
			if _, ok := treeSums(t, out)["Program Files (x86)/SynthCorp/data/data1.txt"]; !ok {
				t.Errorf("the other files were not extracted")
			}
		})
	}
}

func TestExtractRefusesSymlinkEscape(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	outside := filepath.Join(parent, "outside")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(out, "Program Files (x86)")); err != nil {
		t.Skipf("symlinks unavailable: %v", err)
	}
	code, _, stderr := runCLI(t, "extract", samplePath(), "-d", out)
	if code != exitFailure || !strings.Contains(stderr, "symbolic link") {
		t.Errorf("exit %d, stderr %q; want a refusal", code, stderr)
	}
	if len(treeSums(t, outside)) != 0 {
		t.Errorf("files written through the link: %v", treeSums(t, outside))
	}
}

func TestExtractReportsCabinetProblems(t *testing.T) {
	dir := testenv.CorpusDir()
	if dir == "" {
		t.Skip("shared corpus not found")
	}
	tests := []struct {
		pkg      string
		code     int
		inStderr string
	}{
		{"lessmsi-msi_with_external_cab.msi", exitFailure, "missing cabinet msi_with_external_cab.cab (1 file)"},
		{"wix3-Baseliner-rtmldr.msp", exitOK, "cabinet #rtmldr.cab is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			pkg := filepath.Join(dir, "real", tt.pkg)
			if _, err := os.Stat(pkg); err != nil {
				t.Skipf("corpus lacks %s", tt.pkg)
			}
			code, _, stderr := runCLI(t, "extract", pkg, "-d", t.TempDir())
			if code != tt.code || !strings.Contains(stderr, tt.inStderr) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, tt.code, tt.inStderr)
			}
		})
	}
}

func TestExtractBadInput(t *testing.T) {
	checkBadInputs(t, "extract", "FILE", "-d", t.TempDir())
	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, nil, 0o644)
	checkUsage(t, []string{"extract"}, []string{"extract", "a.msi", "b.msi"},
		[]string{"extract", samplePath(), "--source", filepath.Join(t.TempDir(), "nonexistent")},
		[]string{"extract", samplePath(), "--source", notDir},
		[]string{"extract", samplePath(), "--layout", "arm64"},
		[]string{"extract", samplePath(), "--max-bytes", "-1"},
		[]string{"extract", samplePath(), "--max-bytes", "lots"},
		[]string{"extract", samplePath(), "--jobs", "-1"},
		[]string{"extract", samplePath(), "--jobs", "many"},
		[]string{"extract", samplePath(), "--jobs", "33"},
		[]string{"extract", samplePath(), "--list", "--jobs", "2"},
		[]string{"extract", samplePath(), "--list", "--source", t.TempDir()},
		[]string{"extract", samplePath(), "-l", "--max-ratio", "10"},
		[]string{"extract", samplePath(), "-l", "--max-bytes", "10"})
}

// TestExtractList: extract --list prints the paths extract writes, with
// the same warnings for files placed away from their install path,
// without writing anything; a --file key with no File row fails.
func TestExtractList(t *testing.T) {
	sorted := func(s string) []string {
		l := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
		slices.Sort(l)
		return l
	}
	placed := editSample(t, func(db *msi.Database) {
		setCells(t, db, "Component", "App", map[string]string{"Directory_": "NODIR"})
		setCells(t, db, "File", "data2.txt", map[string]string{"FileName": "data1.txt"})
	})
	for _, pkg := range []string{samplePath(), placed} {
		for _, args := range [][]string{nil, {"--layout", "x86"}, {"--file", "app.exe", "--file", "data2.txt"}} {
			out := filepath.Join(t.TempDir(), "out")
			lcode, lout, lerr := runCLI(t, append([]string{"extract", "--list", pkg, "-d", out}, args...)...)
			if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("extract --list %s %v: %s made (%v)", pkg, args, out, err)
			}
			ecode, eout, eerr := runCLI(t, append([]string{"extract", pkg, "-d", out}, args...)...)
			if lcode != exitOK || ecode != exitOK {
				t.Fatalf("extract %s %v: --list exit %d (%q), extract exit %d (%q)", pkg, args, lcode, lerr, ecode, eerr)
			}
			if diff := cmp.Diff(sorted(eout), sorted(lout)); diff != "" {
				t.Errorf("extract %s %v: paths (-extract +list):\n%s", pkg, args, diff)
			}
			if diff := cmp.Diff(eerr, lerr); diff != "" {
				t.Errorf("extract %s %v: warnings (-extract +list):\n%s", pkg, args, diff)
			}
		}
	}
	code, stdout, stderr := runCLI(t, "extract", "-l", samplePath(), "--file", "nope", "--file", "app.exe")
	want := []string{
		"msikit: " + samplePath() + `: not listed: File "nope": no such File row`,
		"msikit: " + samplePath() + ": 1 files listed, 1 not (0 refused paths, 1 keys with no File row, 0 not to be written)",
	}
	if code != exitFailure || stdout != "Program Files (x86)/SynthCorp/bin/app.exe\n" {
		t.Errorf("extract -l --file nope --file app.exe: exit %d, stdout %q", code, stdout)
	}
	if diff := cmp.Diff(want, strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
}

// TestExtractPlacesEveryFile: a Directory the table lacks and two File
// rows with one path: every file is written, with one warning each, and
// the exit status is 0.
func TestExtractPlacesEveryFile(t *testing.T) {
	pkg := editSample(t, func(db *msi.Database) {
		setCells(t, db, "Component", "App", map[string]string{"Directory_": "NODIR"})
		setCells(t, db, "Component", "ComServer", map[string]string{"Directory_": "NODIR"})
		setCells(t, db, "File", "data2.txt", map[string]string{"FileName": "data1.txt"})
	})
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "extract", pkg, "-d", out)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	want := []string{
		"msikit: warning: " + pkg + `: Directory "NODIR" is not in the Directory table: 3 files placed below "NODIR/"`,
		"msikit: warning: " + pkg + `: File "data2.txt": install path "Program Files (x86)/SynthCorp/data/data1.txt" is also File "data1.txt"'s: placed at "Program Files (x86)/SynthCorp/data/data1 (data2.txt).txt"`,
	}
	if diff := cmp.Diff(want, strings.Split(strings.TrimSpace(stderr), "\n")); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
	got := treeSums(t, out)
	if len(got) != 17 || strings.Count(stdout, "\n") != 17 {
		t.Errorf("%d files written, %d listed; want 17", len(got), strings.Count(stdout, "\n"))
	}
	for _, p := range []string{"NODIR/app.exe", "NODIR/comserver.dll", "Program Files (x86)/SynthCorp/data/data1 (data2.txt).txt", "Program Files (x86)/SynthCorp/data/data1.txt"} {
		if _, ok := got[p]; !ok {
			t.Errorf("%s not written", p)
		}
	}
}

// TestExtractMissingCabinetOneLine: an external cabinet that is absent is
// one line with the number of files it holds; --source finds it.
func TestExtractMissingCabinetOneLine(t *testing.T) {
	var cabData []byte
	pkg := editSample(t, func(db *msi.Database) {
		st, err := db.OpenStream("synth.cab")
		if err != nil {
			t.Fatal(err)
		}
		if cabData, err = io.ReadAll(st); err != nil {
			t.Fatal(err)
		}
		tab, _ := db.Table("Media")
		if err := tab.Update([]msi.Value{msi.IntValue(1)}, func(v []msi.Value) error { v[3] = msi.StrValue("synth.cab"); return nil }); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteStream("synth.cab"); err != nil {
			t.Fatal(err)
		}
	})
	code, _, stderr := runCLI(t, "extract", pkg, "-d", t.TempDir())
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if code != exitFailure || len(lines) != 2 || !strings.Contains(lines[0], "missing cabinet synth.cab (17 files): open ") ||
		!strings.Contains(lines[1], "0 files extracted, 17 not (1 missing or unreadable cabinet, ") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "synth.cab"), cabData, 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if code, _, stderr := runCLI(t, "extract", pkg, "-d", out, "--source", src); code != exitOK || len(treeSums(t, out)) != 17 {
		t.Errorf("--source: exit %d, %d files, stderr %q", code, len(treeSums(t, out)), stderr)
	}
}

// TestExtractMaxBytes: --max-bytes refuses a package whose files add up
// to more, before writing any.
func TestExtractMaxBytes(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := runCLI(t, "extract", samplePath(), "-d", out, "--max-bytes", "100")
	if code != exitFailure || !strings.Contains(stderr, "more than --max-bytes 100; 0 files written") || len(treeSums(t, out)) != 0 {
		t.Errorf("exit %d, %d files, stderr %q", code, len(treeSums(t, out)), stderr)
	}
	if code, _, stderr := runCLI(t, "extract", samplePath(), "-d", t.TempDir(), "--max-bytes", "100000"); code != exitOK {
		t.Errorf("under the limit: exit %d, stderr %q", code, stderr)
	}
}

// TestExtractKeepsGoingAfterAWriteFailure: a file that cannot be written
// (a folder is in its way) is reported; the others are written.
func TestExtractKeepsGoingAfterAWriteFailure(t *testing.T) {
	out := t.TempDir()
	if err := os.MkdirAll(filepath.Join(out, "Program Files (x86)", "SynthCorp", "bin", "app.exe"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "extract", samplePath(), "-d", out)
	if code != exitFailure || !strings.Contains(stderr, "not written: Program Files (x86)/SynthCorp/bin/app.exe: a folder is in the way\n") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if n := len(treeSums(t, out)); n != 16 {
		t.Errorf("%d files written, want the other 16", n)
	}
}

// Extracted paths and names are printed through escapeText.
func TestExtractPathsEscaped(t *testing.T) {
	for in, want := range map[string]string{
		"Program Files (x86)/a.txt": "Program Files (x86)/a.txt",
		"a\x1b[31mb":                `a\x1b[31mb`,
		"bell\x07":                  `bell\x07`,
		"rtl\u202eexe.txt":          `rtl\u202eexe.txt`,
		"bad\xffutf8":               `bad\xffutf8`,
		"中文":                        "中文",
	} {
		if got := escapeText(in); got != want {
			t.Errorf("escapeText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestExtractJobs: corpus packages whose cabinets have several folders
// extract to the same files, listed and reported the same (in some order),
// one folder at a time and with folders decoded at once.
func TestExtractJobs(t *testing.T) {
	want := map[string]bool{"hotools-Setup.msi": true, "vfp-VFPOLEDBSetup.msi": true}
	ran := 0
	for _, pkg := range testenv.CorpusFiles(t) {
		if !want[filepath.Base(pkg)] {
			continue
		}
		ran++
		t.Run(filepath.Base(pkg), func(t *testing.T) {
			type result struct {
				code           int
				files          map[string]string
				stdout, stderr []string
			}
			run := func(jobs string) result {
				out := t.TempDir()
				code, stdout, stderr := runCLI(t, "extract", pkg, "-d", out, "--jobs", jobs)
				lines := func(s string) []string {
					l := strings.Split(strings.TrimSpace(strings.ReplaceAll(s, out, "OUT")), "\n")
					sort.Strings(l)
					return l
				}
				return result{code, treeSums(t, out), lines(stdout), lines(stderr)}
			}
			one, three := run("1"), run("3")
			if diff := cmp.Diff(one, three, cmp.AllowUnexported(result{})); diff != "" {
				t.Errorf("--jobs 1 (-) vs --jobs 3 (+):\n%s", diff)
			}
			if len(one.files) == 0 {
				t.Error("nothing extracted")
			}
		})
	}
	if ran == 0 {
		t.Skip("the corpus packages with several cabinet folders are not here")
	}
}

// TestExtractWriterModes: into a new or empty folder the files appear
// together at commit (and not at all after an abort, with nothing left
// beside or inside the folder); into a folder with files, each file is
// replaced as it is written.
func TestExtractWriterModes(t *testing.T) {
	files := map[string]string{"a/b/one.txt": "one", "a/two.txt": "two", "three.txt": "three"}
	write := func(t *testing.T, w *extractWriter) {
		t.Helper()
		for rel, data := range files {
			if err := w.write(rel, strings.NewReader(data)); err != nil {
				t.Fatal(err)
			}
		}
	}
	listing := func(dir string) []string {
		var got []string
		filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
			if err == nil && p != dir {
				rel, _ := filepath.Rel(dir, p)
				got = append(got, filepath.ToSlash(rel))
			}
			return nil
		})
		return got
	}
	all := []string{"a", "a/b", "a/b/one.txt", "a/two.txt", "three.txt"}
	for _, tc := range []struct {
		name    string
		prepare func(dir string) // makes the output folder's starting state
		commit  bool
		whole   bool // files go through a temporary folder
		want    []string
	}{
		{"new, committed", func(string) {}, true, true, all},
		{"new, aborted", func(string) {}, false, true, nil},
		{"empty, committed", func(dir string) { os.Mkdir(dir, 0o755) }, true, true, all},
		{"empty, aborted", func(dir string) { os.Mkdir(dir, 0o755) }, false, true, nil},
		{"with a file, aborted", func(dir string) {
			os.Mkdir(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "three.txt"), []byte("old"), 0o644)
		}, false, false, all},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "out")
			tc.prepare(dir)
			w, err := newExtractWriter(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := w.dir != nil; got != tc.whole {
				t.Fatalf("through a temporary folder: %v, want %v", got, tc.whole)
			}
			write(t, w)
			if tc.commit {
				if err := w.commit(); err != nil {
					t.Fatal(err)
				}
			}
			w.abort()
			if diff := cmp.Diff(tc.want, listing(dir)); diff != "" {
				t.Errorf("output folder (-want +got):\n%s", diff)
			}
			if tc.want != nil {
				for rel, data := range files {
					if got, err := os.ReadFile(filepath.Join(dir, rel)); err != nil || string(got) != data {
						t.Errorf("%s: %q, %v; want %q", rel, got, err, data)
					}
				}
			}
			ents, _ := os.ReadDir(parent)
			if len(ents) > 1 || len(ents) == 1 && ents[0].Name() != "out" {
				t.Errorf("parent folder holds %v, want at most out", ents)
			}
		})
	}
}

// TestExtractCommitError: when the files extracted into a temporary
// folder cannot be moved into the output folder, the error says nothing
// was written only when nothing was; after a merge that failed part way
// (a *safefile.MergeError, made in internal/safefile's
// TestDirMergeFailsPartWay) the files moved in are listed on standard
// output, as a complete extraction lists its files, and the error says
// how many of them are in place and why the rest are not.
func TestExtractCommitError(t *testing.T) {
	listed := []string{"Program Files/A/x.dll", "Program Files/A/y.dll", "Program Files/B/z.dll", "root.txt", "Windows/w.dll"}
	cause := &fs.PathError{Op: "move", Path: "out/Windows", Err: fs.ErrPermission}
	for _, tc := range []struct {
		name      string
		err       error
		stdout    string
		errorLine string
	}{
		{"nothing moved", cause, "", "pkg.msi: nothing written: move out/Windows: permission denied"},
		{
			"part moved",
			&safefile.MergeError{Dst: "out", Moved: []string{"Program Files/A", "Program Files/B/z.dll", "root.txt"}, Err: cause},
			"out/Program Files/A/x.dll\nout/Program Files/A/y.dll\nout/Program Files/B/z.dll\nout/root.txt\n",
			"pkg.msi: 4 of 5 files moved into out before a move failed, the others removed: move out/Windows: permission denied",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout strings.Builder
			err := commitError(&Env{Stdout: &stdout}, "pkg.msi", "out", listed, tc.err)
			if diff := cmp.Diff(tc.stdout, stdout.String()); diff != "" {
				t.Errorf("standard output (-want +got):\n%s", diff)
			}
			if got := errorLine(err); got != tc.errorLine {
				t.Errorf("error line %q, want %q", got, tc.errorLine)
			}
		})
	}
}

// TestExtractSummaryCountsEveryKind: the last line's breakdown accounts
// for every file not extracted. A cabinet whose 500 files all point at one
// 4 MiB range has most of them refused by the cabinet (install.OverlapError:
// the first ten get a "not extracted" line, one line counts them all), and
// the summary must count those too, not only missing cabinets, refused
// paths and files not written.
func TestExtractSummaryCountsEveryKind(t *testing.T) {
	pkg := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-cab-500-copies-4mib.msi")
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runCLI(t, "extract", pkg, "-d", out)
	_, extracted, not, cabs, refused, cabRefused, unwritten := extractSummary(t, code, stderr)
	// Every copy past the allowance fails for the same reason: the first
	// ten get a line, one more line counts them all.
	notLines := strings.Count(stderr, ": not extracted: ")
	countLine := fmt.Sprintf(": %d files not read because their bytes in the cabinet are shared with files before them beyond what a cabinet may share (the first 10 listed above)\n", not)
	if not <= 10 || cabRefused != not || notLines != 10 || !strings.Contains(stderr, countLine) || cabs != 0 || refused != 0 || unwritten != 0 {
		t.Errorf("%d not extracted, of which %d counted as refused by the cabinet; %d \"not extracted\" lines, want 10 and a line counting all; stderr:\n%s", not, cabRefused, notLines, stderr)
	}
	if listed := strings.Count(stdout, "\n"); listed != extracted || len(treeSums(t, out)) != extracted {
		t.Errorf("%d files listed, %d in the folder; the summary says %d", listed, len(treeSums(t, out)), extracted)
	}
}

// extractSummary parses the last line of a failed extraction (exit
// status code), its counts in order.
func extractSummary(t *testing.T, code int, stderr string) (last string, extracted, not, cabs, refused, cabRefused, unwritten int) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	last = lines[len(lines)-1]
	_, err := fmt.Sscanf(last[strings.LastIndex(last, ": ")+2:], "%d files extracted, %d not (%d missing or unreadable cabinets, %d refused paths, %d not decoded or refused by their cabinet, %d not written)",
		&extracted, &not, &cabs, &refused, &cabRefused, &unwritten)
	if code != exitFailure || err != nil {
		t.Fatalf("exit %d, last line %q: %v", code, last, err)
	}
	return
}

// TestExtractCountsDecodeFailuresOnce: a file whose data fails to decode
// part-way (a corrupt block) is one "not extracted" line and counted once,
// not also "not written": extracted and not extracted add up to the File
// rows.
func TestExtractCountsDecodeFailuresOnce(t *testing.T) {
	pkg := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-cab-corrupt-block-2000-files.msi")
	code, _, stderr := runCLI(t, "extract", pkg, "-d", filepath.Join(t.TempDir(), "out"))
	last, extracted, not, _, _, _, unwritten := extractSummary(t, code, stderr)
	if extracted+not != 2000 || unwritten != 0 || strings.Contains(stderr, "not written: ") {
		t.Errorf("%d extracted + %d not, want 2,000 File rows, none \"not written\": %q", extracted, not, last)
	}
}

// TestExtractMaxRatio: a decompression bomb is stopped at the default
// --max-ratio, no file (or part of one) is left in the output folder, and
// the last lines say why and how to lift the bound.
func TestExtractMaxRatio(t *testing.T) {
	pkg := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-mszip-bomb.msi")
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runCLI(t, "extract", pkg, "-d", out)
	if files := treeSums(t, out); code != exitFailure || len(files) != 0 || !strings.Contains(stderr, "1 file not read past --max-ratio 100: ") || !strings.Contains(stderr, "a decompression bomb") {
		t.Errorf("exit %d, files written %v; stderr:\n%s", code, files, stderr)
	}
	if code, _, stderr := runCLI(t, "extract", pkg, "-d", out, "--max-ratio", "-5"); code != exitUsage || !strings.Contains(stderr, "--max-ratio -5") {
		t.Errorf("--max-ratio -5: exit %d, stderr %q; want a usage error", code, stderr)
	}
	// Files pointing again and again far into a folder: past the bound
	// each fails for the same reason, and only the first ten get a line.
	far := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-cab-copies-far.msi")
	code, _, stderr = runCLI(t, "extract", far, "-d", filepath.Join(t.TempDir(), "far"))
	n, hint := 0, ""
	for _, line := range strings.Split(stderr, "\n") {
		switch {
		case strings.Contains(line, ": not extracted: ") && strings.Contains(line, "decoding stopped"):
			n++
		case strings.Contains(line, "not read past --max-ratio"):
			hint = line
		}
	}
	if code != exitFailure || n != 10 || !strings.Contains(hint, "(the first 10 listed above)") {
		t.Errorf("copies far into a folder: exit %d, %d lines of files stopped by the ratio, want 10; hint %q", code, n, hint)
	}
}
