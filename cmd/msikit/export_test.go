package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

func TestExportCommand(t *testing.T) {
	checkUsage(t,
		[]string{"export"},
		[]string{"export", "a.msi"},                     // no TABLE and no -d
		[]string{"export", "a.msi", "File", "Property"}, // two tables to stdout
		[]string{"export", "a.msi", "File", "--format", "xml"},
	)
	checkBadInputs(t, "export", "FILE", "Property")
	checkGolden(t, "export-property", "export", samplePath(), "Property")
	checkGolden(t, "export-suminfo", "export", samplePath(), "_SummaryInformation")
	checkGolden(t, "export-codepage", "export", samplePath(), "_ForceCodepage")
	checkGolden(t, "export-json", "export", samplePath(), "Media", "Icon", "_ForceCodepage", "--format", "json")

	code, _, stderr := runCLI(t, "export", samplePath(), "NoSuchTable")
	if code != exitFailure || !strings.Contains(stderr, "no table NoSuchTable") {
		t.Errorf("export of a missing table: exit %d, stderr %q", code, stderr)
	}

	// -d writes every table and the binary cells; stdout stays empty and
	// each file equals the single-table export.
	dir := t.TempDir()
	code, stdout, stderr := runCLI(t, "export", samplePath(), "-d", dir)
	if code != exitOK || stdout != "" {
		t.Fatalf("export -d: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	_, tables, _ := runCLI(t, "tables", samplePath())
	for _, table := range append([]string{"_SummaryInformation", "_ForceCodepage"}, strings.Fields(tables)...) {
		got, err := os.ReadFile(filepath.Join(dir, table+".idt"))
		if err != nil {
			t.Error(err)
			continue
		}
		_, want, _ := runCLI(t, "export", samplePath(), table)
		if string(got) != want {
			t.Errorf("%s.idt differs from export to stdout", table)
		}
	}
	icon, err := os.ReadFile(filepath.Join(dir, "Icon", "Icon.app.ico"))
	_, wantIcon, _ := runCLI(t, "cat", samplePath(), "Icon.app.ico")
	if err != nil || string(icon) != wantIcon || len(icon) == 0 {
		t.Errorf("binary cell file Icon/Icon.app.ico: %v, %d bytes, want %d", err, len(icon), len(wantIcon))
	}
	// JSON into a folder.
	jdir := t.TempDir()
	if code, _, stderr := runCLI(t, "export", samplePath(), "Icon", "-f", "json", "-d", jdir); code != exitOK {
		t.Fatalf("export -f json -d: exit %d, %s", code, stderr)
	}
	for _, f := range []string{"Icon.json", "Icon/Icon.app.ico"} {
		if _, err := os.Stat(filepath.Join(jdir, f)); err != nil {
			t.Error(err)
		}
	}
}

// A table whose cells repeat one long pooled string is refused before
// anything is written when its text would pass --max-bytes, whatever the
// format and destination; --max-bytes 0 (or a limit above the text)
// exports it.
func TestExportMaxBytes(t *testing.T) {
	// 2,000 cells sharing one 64 KiB string: 128 MiB of text from 80 KB.
	pkg := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-json-shared-64k-string.msi")
	const text = 2000 << 16
	for _, args := range [][]string{
		{"Blob"},
		{"-f", "json"},
		{"-d", "DIR"},
		{"-d", "DIR", "--json"},
	} {
		name := strings.Join(args, " ")
		t.Run(name, func(t *testing.T) {
			dir, toDir := filepath.Join(t.TempDir(), "out"), false
			for i := range args {
				if args[i] == "DIR" {
					args[i], toDir = dir, true
				}
			}
			run := append([]string{"export", pkg, "--max-bytes", fmt.Sprint(text / 2)}, args...)
			code, stdout, stderr := runCLI(t, run...)
			if code != exitFailure || stdout != "" || !strings.Contains(stderr, fmt.Sprintf("table Blob: the export's text would pass %d bytes (--max-bytes %[1]d", text/2)) {
				t.Errorf("%q: exit %d, %d bytes on stdout, stderr %q; want a refusal and nothing written", run, code, len(stdout), stderr)
			}
			if _, err := os.Lstat(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%q: the folder exists after the refusal (%v)", run, err)
			}
			for _, limit := range []string{"0", fmt.Sprint(2 * text)} {
				os.RemoveAll(dir)
				run := append([]string{"export", pkg, "--max-bytes", limit}, args...)
				code, stdout, stderr := runCLI(t, run...)
				got := int64(len(stdout))
				if toDir && code == exitOK {
					got = 0
					filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
						if err == nil && d.Type().IsRegular() {
							fi, _ := d.Info()
							got += fi.Size()
						}
						return err
					})
				}
				if code != exitOK || got < text {
					t.Errorf("%q: exit %d, %d bytes written, want at least %d; stderr %q", run, code, got, text, stderr)
				}
			}
		})
	}
	if code, _, stderr := runCLI(t, "export", pkg, "Blob", "--max-bytes", "-1"); code != exitUsage {
		t.Errorf("--max-bytes -1: exit %d, want a usage error; %s", code, stderr)
	}
}

// export -d counts the files it would write before writing any: exactly
// as many as it writes (a file per table and per binary cell), in both
// formats; one fewer than that as --max-files is refused with nothing
// written, and so is a limit below the number of tables, at once.
func TestExportMaxFiles(t *testing.T) {
	pkg := filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi")
	for _, format := range []string{"idt", "json"} {
		t.Run(format, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			code, _, stderr := runCLI(t, "export", pkg, "-d", dir, "-f", format, "--max-files", "0")
			if code != exitOK {
				t.Fatalf("export -d --max-files 0: exit %d, %s", code, stderr)
			}
			files, binary := 0, 0
			filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() {
					files++
					if filepath.Dir(p) != dir {
						binary++
					}
				}
				return err
			})
			if binary == 0 {
				t.Fatalf("the sample's export wrote no binary cell (%d files): the test needs one", files)
			}
			for _, c := range []struct {
				limit  int
				refuse string
			}{
				{files - 1, fmt.Sprintf("the export would write more than --max-files %d files", files-1)},
				{1, "the export would write a file for each of its "},
				{files, ""},
			} {
				os.RemoveAll(dir)
				run := []string{"export", pkg, "-d", dir, "-f", format, "--max-files", fmt.Sprint(c.limit)}
				code, stdout, stderr := runCLI(t, run...)
				_, statErr := os.Lstat(dir)
				if c.refuse == "" {
					if code != exitOK || statErr != nil {
						t.Errorf("%q: exit %d (%v), want the export; stderr %q", run, code, statErr, stderr)
					}
					continue
				}
				if code != exitFailure || stdout != "" || !strings.Contains(stderr, c.refuse) || !strings.Contains(stderr, "nothing written") {
					t.Errorf("%q: exit %d, stderr %q; want a refusal containing %q", run, code, stderr, c.refuse)
				}
				if !errors.Is(statErr, fs.ErrNotExist) {
					t.Errorf("%q: the folder exists after the refusal (%v)", run, statErr)
				}
			}
		})
	}
	for _, args := range [][]string{
		{"export", pkg, "-d", t.TempDir(), "--max-files", "-1"},
		{"export", pkg, "Property", "--max-files", "10"},
	} {
		if code, _, stderr := runCLI(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d, want a usage error; %s", args, code, stderr)
		}
	}
}

// A TABLE named twice is exported once: -d failed on the second (its
// file existed), and the JSON document repeated the table (Blob of
// msi-json-shared-64k-string.msi named 7 times: 918 MB instead of 131).
func TestExportTableNamedTwice(t *testing.T) {
	_, once, _ := runCLI(t, "export", samplePath(), "Property", "-f", "json")
	code, twice, stderr := runCLI(t, "export", samplePath(), "Property", "Property", "-f", "json")
	if code != exitOK {
		t.Fatalf("export Property Property -f json: exit %d, %s", code, stderr)
	}
	if diff := cmp.Diff(once, twice); diff != "" {
		t.Errorf("JSON of Property named twice (-once +twice):\n%s", diff)
	}
	dir := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := runCLI(t, "export", samplePath(), "Property", "Property", "-d", dir); code != exitOK {
		t.Fatalf("export Property Property -d: exit %d, %s", code, stderr)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"Property.idt"}, names); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

// TestExportKeepsPackage: export -d DIR of a package that lives in DIR
// under a name the export writes (DIR/Icon.idt, DIR/Icon/<cell>, for
// IDT and JSON) is refused, the package left as it was and nothing
// written; a package beside the export under another name is no
// obstacle. (Before, the package was replaced by a table or a cell and
// the exit status was 0.)
func TestExportKeepsPackage(t *testing.T) {
	sample, err := os.ReadFile(samplePath())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		at     string // the package, below DIR
		json   bool
		refuse bool
	}{
		{"Icon.idt", false, true},
		{"Icon/Icon.app.ico", false, true},
		{"Icon.json", true, true},
		{"Icon/Icon.app.ico", true, true},
		{"product.msi", false, false},
	} {
		t.Run(fmt.Sprintf("%s json=%v", tt.at, tt.json), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			pkg := filepath.Join(dir, filepath.FromSlash(tt.at))
			if err := os.MkdirAll(filepath.Dir(pkg), 0o777); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(pkg, sample, 0o644); err != nil {
				t.Fatal(err)
			}
			args := []string{"export", pkg, "-d", dir}
			if tt.json {
				args = append(args, "--json")
			}
			code, _, stderr := runCLI(t, args...)
			got, err := os.ReadFile(pkg)
			if err != nil || string(got) != string(sample) {
				t.Errorf("the package was replaced (err %v)", err)
			}
			if !tt.refuse {
				if code != exitOK {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				return
			}
			if code != exitFailure || !strings.Contains(stderr, "the export would replace the package with one of its files") {
				t.Errorf("exit %d, want 1 and the refusal; stderr:\n%s", code, stderr)
			}
			ents, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			if diff := cmp.Diff([]string{strings.Split(tt.at, "/")[0]}, names); diff != "" {
				t.Errorf("DIR after a refused export (-want +got):\n%s", diff)
			}
		})
	}
}
