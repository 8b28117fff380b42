package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

// TestWritersRefuseOtherInputs: an output that is one of the other files
// a writer reads (import's IDT file, apply's transform, the signing
// certificate or key of sign and of the writers' --sign-* flags), by its
// name or through a hard link, is refused before anything is written,
// with one line naming it: the rename would replace it (an IDT file or a
// private key replaced by a package). Before, all of them exited 0 having
// replaced the file.
func TestWritersRefuseOtherInputs(t *testing.T) {
	pki := testenv.NewPKI(t, "ecdsa", time.Time{}, time.Time{})
	dir := t.TempDir()
	writers(t, dir) // writes dir/Property.idt and dir/fix.mst
	idtFile, mst := filepath.Join(dir, "Property.idt"), filepath.Join(dir, "fix.mst")
	for _, tt := range []struct {
		name, victim string
		args         func(in, out string) []string
	}{
		{"import IDT", idtFile, func(in, out string) []string { return []string{"import", in, idtFile, "-o", out} }},
		{"apply transform", mst, func(in, out string) []string { return []string{"apply", in, mst, "-o", out} }},
		{"sign --cert", pki.CertFile, func(in, out string) []string {
			return []string{"sign", in, "--cert", pki.CertFile, "--key", pki.KeyFile, "-o", out}
		}},
		{"sign --key", pki.KeyFile, func(in, out string) []string {
			return []string{"sign", in, "--cert", pki.CertFile, "--key", pki.KeyFile, "-o", out}
		}},
		{"repack --sign-key", pki.KeyFile, func(in, out string) []string {
			return []string{"repack", in, "--sign-cert", pki.CertFile, "--sign-key", pki.KeyFile, "-o", out}
		}},
		{"rewrite --sign-cert", pki.CertFile, func(in, out string) []string {
			return []string{"rewrite", in, "--sign-cert", pki.CertFile, "--sign-key", pki.KeyFile, "-o", out}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := t.TempDir()
			in := copySample(t, d, "in.msi")
			hard := filepath.Join(d, "hard")
			if err := os.Link(tt.victim, hard); err != nil {
				t.Fatal(err)
			}
			sums := map[string]string{in: sha(t, in), tt.victim: sha(t, tt.victim)}
			for _, out := range []string{tt.victim, hard} {
				code, _, stderr := runCLI(t, tt.args(in, out)...)
				checkOneLineError(t, code, stderr, out, in)
				if !strings.Contains(stderr, "same file as the input "+tt.victim) {
					t.Errorf("-o %s: %q does not name the input it is", out, stderr)
				}
				for f, sum := range sums {
					if sha(t, f) != sum {
						t.Fatalf("-o %s: %s changed", out, f)
					}
				}
			}
		})
	}
}

// selfNamingPackage writes dir/name: sample.msi whose files data1.txt and
// data2.txt are at the root of the layout (TARGETDIR), named like the
// package itself and like its cabinet, which is external (Media names
// "Synth.CAB", found as dir/synth.cab, also written).
func selfNamingPackage(t *testing.T, dir, name string) (pkg, cabinet string) {
	t.Helper()
	db, err := msi.Open(samplePath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.OpenStream("synth.cab")
	if err != nil {
		t.Fatal(err)
	}
	cabData, err := io.ReadAll(st)
	if err != nil {
		t.Fatal(err)
	}
	cabinet = filepath.Join(dir, "synth.cab")
	if err := os.WriteFile(cabinet, cabData, 0o644); err != nil {
		t.Fatal(err)
	}
	update := func(table, key, column string, v msi.Value) {
		t.Helper()
		k := msi.StrValue(key)
		if table == "Media" {
			k = msi.IntValue(1)
		}
		setCell(t, db, table, k, column, v)
	}
	update("Component", "Data1", "Directory_", msi.StrValue("TARGETDIR"))
	update("Component", "Data2", "Directory_", msi.StrValue("TARGETDIR"))
	update("File", "data1.txt", "FileName", msi.StrValue(name))
	update("File", "data2.txt", "FileName", msi.StrValue("synth.cab"))
	update("Media", "", "Cabinet", msi.StrValue("Synth.CAB"))
	pkg = filepath.Join(dir, name)
	if err := db.Save(pkg, nil); err != nil {
		t.Fatal(err)
	}
	return pkg, cabinet
}

// TestExtractKeepsInputs: extracting into the folder that holds the
// package (extract's default -d .) never replaces the package nor its
// external cabinet when the package names files at the root of its
// layout like them: each is reported as not written, the other files
// are, and the exit status is 1. (Before, the package was silently
// replaced by one of its own files.) Cabinets are found whatever the
// case of their name, and so are they protected.
func TestExtractKeepsInputs(t *testing.T) {
	dir := t.TempDir()
	pkg, cabinet := selfNamingPackage(t, dir, "in.msi")
	sums := map[string]string{pkg: sha(t, pkg), cabinet: sha(t, cabinet)}
	code, stdout, stderr := runCLI(t, "extract", pkg, "-d", dir)
	if code != exitFailure {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	for f, sum := range sums {
		if sha(t, f) != sum {
			t.Errorf("%s was replaced", f)
		}
	}
	for _, want := range []string{"not written: in.msi: is the package being extracted", "not written: synth.cab: is an external cabinet of the package"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	if n := strings.Count(stdout, "\n"); n != 15 {
		t.Errorf("%d files listed, want the 15 others:\n%s", n, stdout)
	}
	// extract --list says the same, writing nothing.
	lcode, lout, lerr := runCLI(t, "extract", "--list", pkg, "-d", dir)
	sorted := func(s string) []string {
		l := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
		slices.Sort(l)
		return l
	}
	if diff := cmp.Diff(sorted(stdout), sorted(lout)); lcode != exitFailure || diff != "" {
		t.Errorf("extract --list: exit %d, want 1; paths (-extract +list):\n%s", lcode, diff)
	}
	for _, want := range []string{"not written: in.msi: is the package being extracted", "not written: synth.cab: is an external cabinet of the package", "15 files listed, 2 not (0 refused paths, 0 keys with no File row, 2 not to be written)"} {
		if !strings.Contains(lerr, want) {
			t.Errorf("extract --list: stderr does not say %q:\n%s", want, lerr)
		}
	}
	for f, sum := range sums {
		if sha(t, f) != sum {
			t.Errorf("%s was replaced", f)
		}
	}
}

// adminImageInstallLayout writes dir/admin.msi, an administrative image
// of sample.msi whose source paths are its install paths (INSTALLDIR
// under TARGETDIR, not ProgramFilesFolder; no cabinet), and the
// uncompressed copies of its files at those paths below dir, each
// holding its File key, padded to FileSize. It returns the package and
// the copies.
func adminImageInstallLayout(t *testing.T, dir string) (string, []string) {
	t.Helper()
	db, err := msi.Open(samplePath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	setCell(t, db, "Directory", msi.StrValue("INSTALLDIR"), "Directory_Parent", msi.StrValue("TARGETDIR"))
	setCell(t, db, "Media", msi.IntValue(1), "Cabinet", msi.Value{})
	if err := db.DeleteStream("synth.cab"); err != nil {
		t.Fatal(err)
	}
	files, err := install.Files(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	var copies []string
	for f := range files {
		if f.SourcePath != f.Path {
			t.Fatalf("File %s: source path %q, install path %q; want them equal", f.Key, f.SourcePath, f.Path)
		}
		p := filepath.Join(dir, filepath.FromSlash(f.SourcePath))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		data := []byte(f.Key)
		data = append(data, make([]byte, max(f.Size-int64(len(data)), 0))...)
		if err := os.WriteFile(p, data[:f.Size], 0o644); err != nil {
			t.Fatal(err)
		}
		copies = append(copies, p)
	}
	pkg := filepath.Join(dir, "admin.msi")
	if err := db.Save(pkg, nil); err != nil {
		t.Fatal(err)
	}
	return pkg, copies
}

// TestExtractKeepsUncompressedCopies: extracting an administrative image
// into its own folder (-d equal to the source folder), where each file's
// install path is its source path, replaces none of the uncompressed
// copies it reads: each is reported as not written (exit 1) and keeps
// its identity and bytes; extract --list says the same. (Before, every
// copy was replaced by a new file, exit 0.) Into a new folder the image
// extracts whole.
func TestExtractKeepsUncompressedCopies(t *testing.T) {
	dir := t.TempDir()
	pkg, copies := adminImageInstallLayout(t, dir)
	type state struct {
		fi  os.FileInfo
		sum string
	}
	before := map[string]state{}
	for _, c := range copies {
		fi, err := os.Stat(c)
		if err != nil {
			t.Fatal(err)
		}
		before[c] = state{fi, sha(t, c)}
	}
	check := func(what string) {
		t.Helper()
		for _, c := range copies {
			fi, err := os.Stat(c)
			if err != nil {
				t.Fatal(err)
			}
			if !os.SameFile(fi, before[c].fi) || sha(t, c) != before[c].sum {
				t.Errorf("%s: %s was replaced", what, c)
			}
		}
	}
	want := fmt.Sprintf("0 files extracted, %d not (0 missing or unreadable cabinets, 0 refused paths, 0 not decoded or refused by their cabinet, %d not written)", len(copies), len(copies))
	code, stdout, stderr := runCLI(t, "extract", pkg, "-d", dir)
	if code != exitFailure || stdout != "" || !strings.Contains(stderr, want) ||
		strings.Count(stderr, "is an uncompressed source file of the package, read for its contents; not replaced") != len(copies) {
		t.Errorf("extract -d DIR: exit %d, stdout %q, stderr:\n%s\nwant exit 1 and each of the %d copies not written", code, stdout, stderr, len(copies))
	}
	check("extract")
	code, _, stderr = runCLI(t, "extract", "--list", pkg, "-d", dir)
	if code != exitFailure || !strings.Contains(stderr, fmt.Sprintf("0 files listed, %d not", len(copies))) {
		t.Errorf("extract --list -d DIR: exit %d, stderr:\n%s", code, stderr)
	}
	check("extract --list")
	// sbom -o naming a copy it reads refuses it too.
	code, _, stderr = runCLI(t, "sbom", pkg, "-o", copies[0])
	if code != exitFailure || !strings.Contains(stderr, "-o "+copies[0]+": is an uncompressed source file of the package") {
		t.Errorf("sbom -o COPY: exit %d, stderr:\n%s", code, stderr)
	}
	check("sbom -o")
	out := filepath.Join(t.TempDir(), "out")
	if code, stdout, stderr := runCLI(t, "extract", pkg, "-d", out); code != exitOK || strings.Count(stdout, "\n") != len(copies) {
		t.Errorf("extract into a new folder: exit %d, stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// TestSignedWriteFailureNamesOutput: a writer asked to sign its output
// writes the unsigned package to a hidden temporary file first; a write
// failing there (the file size limit, as a full disk) is reported about
// OUT, never the temporary file, on one line, and leaves OUT as it was and
// no temporary file. (Before: "msikit: DIR/.OUT.tmp-unsigned-*: write:
// no space left on device".)
func TestSignedWriteFailureNamesOutput(t *testing.T) {
	needFileSizeLimit(t)
	pki := testenv.NewPKI(t, "ecdsa", time.Time{}, time.Time{})
	d := t.TempDir()
	in := copySample(t, d, "in.msi")
	out := filepath.Join(d, "out.msi")
	if err := os.WriteFile(out, []byte("OLD"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"repack", "rewrite", "import"} {
		args := []string{cmd, in, "--sign-cert", pki.CertFile, "--sign-key", pki.KeyFile, "-o", out}
		if cmd == "import" {
			args = append(args, samplePropertyIDT(t, d))
		}
		code, stderr := runFsizeLimited(t, 8192, args...)
		checkOneLineError(t, code, stderr, out, in)
		if s := stderr; strings.Contains(s, "tmp-") || !strings.Contains(s, "file too large") {
			t.Errorf("%s: %q names the temporary file or not the cause", cmd, s)
		}
		if b, _ := os.ReadFile(out); string(b) != "OLD" {
			t.Errorf("%s: the destination changed", cmd)
		}
		if l := tempLeftovers(t, d); len(l) > 0 {
			t.Errorf("%s: temporary files left: %q", cmd, l)
		}
	}
}

// samplePropertyIDT writes the sample's Property table, with a row more,
// to dir/Property.idt.
func samplePropertyIDT(t *testing.T, dir string) string {
	t.Helper()
	code, stdout, stderr := runCLI(t, "export", samplePath(), "Property")
	if code != exitOK {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	p := filepath.Join(dir, "Property.idt")
	if err := os.WriteFile(p, []byte(stdout+"SignedWriteTest\t1\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestWritersKeepExternalCabinet: a package writer given as -o the
// external cabinet of its input (by its name in any case the file system
// finds it by, or through a symbolic link) refuses it: renamed into
// place, the output replaced the cabinet, leaving the input package
// without its files (and rewrite --assembly-names reads it). The cabinet
// keeps its bytes and exit status is 1. cfb repack, a container writer,
// replaced it before it read the package's Media table for this.
func TestWritersKeepExternalCabinet(t *testing.T) {
	dir := t.TempDir()
	pkg, cabinet := selfNamingPackage(t, dir, "in.msi")
	changed := filepath.Join(t.TempDir(), "changed.msi")
	mst := filepath.Join(t.TempDir(), "t.mst")
	prop := filepath.Join(t.TempDir(), "Property.idt")
	for _, args := range [][]string{
		{"rewrite", pkg, "--leaf-features", "-o", changed},
		{"diff", pkg, changed, "-o", mst},
		{"export", "-d", filepath.Dir(prop), pkg, "Property"},
	} {
		if code, _, stderr := runCLI(t, args...); code != exitOK {
			t.Fatalf("%q: exit %d, %s", args, code, stderr)
		}
	}
	link := filepath.Join(t.TempDir(), "link.cab")
	if err := os.Symlink(cabinet, link); err != nil {
		t.Fatal(err)
	}
	sum := sha(t, cabinet)
	for _, w := range [][]string{
		{"rewrite", pkg, "--leaf-features", "-o"},
		{"rewrite", pkg, "--assembly-names", "-o"},
		{"repack", pkg, "-o"},
		{"cfb", "repack", pkg, "-o"},
		{"import", pkg, prop, "-o"},
		{"apply", pkg, mst, "-o"},
		{"diff", pkg, changed, "-o"},
		{"diff", changed, pkg, "-o"},
	} {
		for _, out := range []string{cabinet, link} {
			args := append(append([]string(nil), w...), out)
			code, _, stderr := runCLI(t, args...)
			if code != exitFailure || !strings.Contains(stderr, "is the external cabinet Synth.CAB of "+pkg) {
				t.Errorf("%q: exit %d, stderr %q; want the cabinet refused", args, code, stderr)
			}
			if sha(t, cabinet) != sum {
				t.Fatalf("%q: the cabinet was replaced", args)
			}
		}
	}
	// sbom -o, which reads the cabinet for the files' hashes, too.
	for _, out := range []string{cabinet, link} {
		code, _, stderr := runCLI(t, "sbom", pkg, "-o", out)
		if code != exitFailure || !strings.Contains(stderr, "-o "+out+": is an external cabinet of the package; not replaced") {
			t.Errorf("sbom -o %s: exit %d, stderr %q; want the cabinet refused", out, code, stderr)
		}
		if sha(t, cabinet) != sum {
			t.Fatalf("sbom -o %s: the cabinet was replaced", out)
		}
	}
	// Another -o beside the package is written.
	if code, _, stderr := runCLI(t, "repack", pkg, "-o", filepath.Join(dir, "other.cab")); code != exitOK {
		t.Errorf("repack -o other.cab: exit %d, %s", code, stderr)
	}
}

// TestRewriteKeepsSourceFiles: rewrite --assembly-names --source DIR
// refuses an -o that is a file below DIR the pass read (before, -o naming
// the assembly it read replaced it with the package), and only such a
// file: a package whose cabinet is gone has its assemblies read from
// DIR, one whose cabinet holds them does not, and another existing file
// below DIR (last run's output, a file that is no assembly) is replaced.
// Before, every existing file below DIR was refused, read or not.
func TestRewriteKeepsSourceFiles(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	if code, _, stderr := runCLI(t, "extract", samplePath(), "-d", src); code != exitOK {
		t.Fatalf("extract: exit %d, %s", code, stderr)
	}
	// The sample without its cabinet: its files are read from src.
	db, err := msi.Open(samplePath())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteStream("synth.cab"); err != nil {
		t.Fatal(err)
	}
	noCab := filepath.Join(t.TempDir(), "nocab.msi")
	if err := db.Save(noCab, nil); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// A flat copy of the assemblies too (Source/<long name>, which the
	// pass reads; the install layout extract wrote is not one it reads).
	installed := filepath.Join(src, "Program Files (x86)", "SynthCorp", "assemblies", "Contoso.Core.dll")
	dll := filepath.Join(src, "Contoso.Core.dll")
	b, err := os.ReadFile(installed)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dll, b, 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(src, "Program Files (x86)", "SynthCorp", "data", "data1.txt")
	old := filepath.Join(src, "old.msi")
	if err := os.WriteFile(old, []byte("last run's output"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		pkg, out string
		refused  bool
	}{
		{noCab, dll, true},
		{noCab, installed, false},
		{noCab, data, false},
		{noCab, old, false},
		{samplePath(), dll, false}, // read from the cabinet
		{noCab, filepath.Join(src, "new.msi"), false},
	} {
		sum := ""
		if tt.refused {
			sum = sha(t, tt.out)
		}
		code, _, stderr := runCLI(t, "rewrite", tt.pkg, "--assembly-names", "--source", src, "-o", tt.out)
		switch {
		case tt.refused && (code != exitFailure || !strings.Contains(stderr, tt.out+": is "+tt.out+", below --source "+src+", which assembly-names read")):
			t.Errorf("%s -o %s: exit %d, stderr %q; want it refused", tt.pkg, tt.out, code, stderr)
		case tt.refused && sha(t, tt.out) != sum:
			t.Errorf("%s -o %s: the file read was replaced", tt.pkg, tt.out)
		case !tt.refused && code != exitOK:
			t.Errorf("%s -o %s: exit %d, %s; want it written", tt.pkg, tt.out, code, stderr)
		}
	}
}

// setCell sets column of the row of table whose key is key to v.
func setCell(t *testing.T, db *msi.Database, table string, key msi.Value, column string, v msi.Value) {
	t.Helper()
	tb, err := db.Table(table)
	if err != nil {
		t.Fatal(err)
	}
	err = tb.Update([]msi.Value{key}, func(vals []msi.Value) error {
		for i, c := range tb.Columns() {
			if c.Name == column {
				vals[i] = v
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestWritersKeepUncompressedCopies: a package writer given as -o the
// uncompressed copy of one of its input's files, at its source path
// beside the input (an administrative image), refuses it, exit 1, the
// copy kept. Before, rewrite --assembly-names read the copy (the package
// has no cabinet) and then replaced it with the rewritten package, exit
// 0; every other writer replaced it too.
func TestWritersKeepUncompressedCopies(t *testing.T) {
	dir := t.TempDir()
	pkg, copies := adminImageInstallLayout(t, dir)
	var asm string
	for _, c := range copies {
		if strings.HasSuffix(c, "Contoso.Core.dll") {
			asm = c
		}
	}
	if asm == "" {
		t.Fatalf("no copy of Contoso.Core.dll in %q", copies)
	}
	sum := sha(t, asm)
	for _, w := range [][]string{
		{"rewrite", pkg, "--assembly-names", "-o"},
		{"rewrite", pkg, "--leaf-features", "-o"},
		{"repack", pkg, "-o"},
		{"cfb", "repack", pkg, "-o"},
	} {
		args := append(append([]string(nil), w...), asm)
		code, _, stderr := runCLI(t, args...)
		if code != exitFailure || !strings.Contains(stderr, "is the uncompressed copy of a file of "+pkg) {
			t.Errorf("%q: exit %d, stderr %q; want the copy refused", args, code, stderr)
		}
		if sha(t, asm) != sum {
			t.Fatalf("%q: the uncompressed copy was replaced", args)
		}
	}
	// Another existing file beside the package is written.
	other := filepath.Join(dir, "other.msi")
	if err := os.WriteFile(other, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "repack", pkg, "-o", other); code != exitOK {
		t.Errorf("repack -o other.msi: exit %d, %s", code, stderr)
	}
}
