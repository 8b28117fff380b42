package install

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/msikit/msikit/msi"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/safename"
)

// editRow updates the row with key in table, setting the named columns.
func editRow(t *testing.T, db *msi.Database, table string, key []msi.Value, set map[string]msi.Value) {
	t.Helper()
	tab, err := db.Table(table)
	if err != nil {
		t.Fatal(err)
	}
	err = tab.Update(key, func(vals []msi.Value) error {
		for i, c := range tab.Columns() {
			if v, ok := set[c.Name]; ok {
				vals[i] = v
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("update %s %v: %v", table, key, err)
	}
}

// deliveredPaths extracts and returns File key → Path, checking that every
// path is unique case-insensitively and made of safe names.
func deliveredPaths(t *testing.T, db *msi.Database, opts *Options) (map[string]string, *Report) {
	t.Helper()
	got := map[string]string{}
	seen := map[string]string{}
	rep, err := Extract(db, opts, func(f *File, r io.Reader) error {
		if _, err := io.Copy(io.Discard, r); err != nil {
			return err
		}
		for _, e := range strings.Split(f.Path, "/") {
			if err := safename.Check(e); err != nil {
				t.Errorf("%s: path %q: %v", f.Key, f.Path, err)
			}
		}
		low := strings.ToLower(f.Path)
		if prev, dup := seen[low]; dup {
			t.Errorf("%s and %s both at %q", prev, f.Key, f.Path)
		}
		seen[low] = f.Key
		got[f.Key] = f.Path
		return nil
	})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	return got, rep
}

// TestExtractPlacesEveryFile: files whose Directory cannot be resolved go
// below a folder named after the Directory id, a second File row with a
// taken path goes beside it, each with one warning, and nothing fails.
func TestExtractPlacesEveryFile(t *testing.T) {
	db := openSample(t)
	// app.exe's component names a Directory the table lacks; data1.txt's
	// names one whose parent is missing (the rest of its chain is kept).
	editRow(t, db, "Component", []msi.Value{msi.StrValue("App")}, map[string]msi.Value{"Directory_": msi.StrValue("NODIR")})
	dirs, _ := db.Table("Directory")
	if err := dirs.Insert(msi.StrValue("SUB"), msi.StrValue("GONE"), msi.StrValue("SUBD|Sub Dir")); err != nil {
		t.Fatal(err)
	}
	editRow(t, db, "Component", []msi.Value{msi.StrValue("Data1")}, map[string]msi.Value{"Directory_": msi.StrValue("SUB")})
	// data2.txt (earlier in the File table) takes data4.txt's path;
	// data3.txt (in other case, which Windows ignores) and data4.txt are
	// placed beside it.
	editRow(t, db, "File", []msi.Value{msi.StrValue("data2.txt")}, map[string]msi.Value{"FileName": msi.StrValue("data4.txt")})
	editRow(t, db, "File", []msi.Value{msi.StrValue("data3.txt")}, map[string]msi.Value{"FileName": msi.StrValue("D3|DATA4.TXT")})
	// comlocal.exe's component is not in the Component table.
	editRow(t, db, "File", []msi.Value{msi.StrValue("comlocal.exe")}, map[string]msi.Value{"Component_": msi.StrValue("NoSuchComponent")})

	got, rep := deliveredPaths(t, db, nil)
	if rep.Problems() || rep.Extracted != 17 {
		t.Fatalf("extracted %d, report %+v", rep.Extracted, rep)
	}
	for key, want := range map[string]string{
		"app.exe":      "NODIR/app.exe",
		"data1.txt":    "GONE/Sub Dir/data1.txt",
		"data2.txt":    "Program Files (x86)/SynthCorp/data/data4.txt",
		"data3.txt":    "Program Files (x86)/SynthCorp/data/DATA4 (data3.txt).TXT",
		"data4.txt":    "Program Files (x86)/SynthCorp/data/data4 (data4.txt).txt",
		"comlocal.exe": "NoSuchComponent/comlocal.exe",
		"data5.txt":    "Program Files (x86)/SynthCorp/data/data5.txt",
	} {
		if got[key] != want {
			t.Errorf("%s at %q, want %q", key, got[key], want)
		}
	}
	want := []string{
		`Directory "GONE" is not in the Directory table: 1 file placed below "GONE/"`,
		`Directory "NODIR" is not in the Directory table: 1 file placed below "NODIR/"`,
		`component "NoSuchComponent" is not in the Component table: 1 file placed below "NoSuchComponent/"`,
		`File "data3.txt": install path "Program Files (x86)/SynthCorp/data/DATA4.TXT" is also File "data2.txt"'s: placed at "Program Files (x86)/SynthCorp/data/DATA4 (data3.txt).TXT"`,
		`File "data4.txt": install path "Program Files (x86)/SynthCorp/data/data4.txt" is also File "data2.txt"'s: placed at "Program Files (x86)/SynthCorp/data/data4 (data4.txt).txt"`,
	}
	if diff := cmp.Diff(want, rep.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	files, err := installFiles(db, &Options{Keys: []string{"data4.txt", "app.exe"}})
	if err != nil {
		t.Fatal(err)
	}
	var places []string
	for _, f := range files {
		places = append(places, f.Key+" "+f.Placement.String()+" "+f.DuplicateOf)
	}
	sort.Strings(places)
	if diff := cmp.Diff([]string{"app.exe under Directory id ", "data4.txt beside a duplicate data2.txt"}, places); diff != "" {
		t.Errorf("InstallFiles placements (-want +got):\n%s", diff)
	}
}

// TestExtractFileBesideFolder: a file whose install path is also the
// folder other files are installed in (here met before them in the File
// table) goes beside that folder, with one warning, and every file is
// written.
func TestExtractFileBesideFolder(t *testing.T) {
	db := openSample(t)
	editRow(t, db, "Component", []msi.Value{msi.StrValue("Data1")}, map[string]msi.Value{"Directory_": msi.StrValue("INSTALLDIR")})
	editRow(t, db, "File", []msi.Value{msi.StrValue("data1.txt")}, map[string]msi.Value{"FileName": msi.StrValue("DATA")})
	got, rep := deliveredPaths(t, db, nil)
	if rep.Problems() || rep.Extracted != 17 {
		t.Fatalf("extracted %d, report %+v", rep.Extracted, rep)
	}
	for key, want := range map[string]string{
		"data1.txt": "Program Files (x86)/SynthCorp/DATA (data1.txt)",
		"data2.txt": "Program Files (x86)/SynthCorp/data/data2.txt",
	} {
		if got[key] != want {
			t.Errorf("%s at %q, want %q", key, got[key], want)
		}
	}
	want := []string{`File "data1.txt": install path "Program Files (x86)/SynthCorp/DATA" is also a folder other files are installed in: placed at "Program Files (x86)/SynthCorp/DATA (data1.txt)"`}
	if diff := cmp.Diff(want, rep.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	files, err := installFiles(db, &Options{Keys: []string{"data1.txt"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Placement != BesideFolder || files[0].DuplicateOf != "" {
		t.Errorf("InstallFiles: %+v, want data1.txt beside a folder", files)
	}
}

// TestExtractLongPath: a path longer than MAX_PATH goes below its
// Directory's id.
func TestExtractLongPath(t *testing.T) {
	db := openSample(t)
	long := strings.Repeat("n", 240) // 275 characters to data1.txt
	editRow(t, db, "Directory", []msi.Value{msi.StrValue("INSTALLDIR")}, map[string]msi.Value{"DefaultDir": msi.StrValue("SYNTH|" + long)})
	got, rep := deliveredPaths(t, db, nil)
	if rep.Problems() || rep.Extracted != 17 {
		t.Fatalf("extracted %d, report %+v", rep.Extracted, rep)
	}
	if got["data1.txt"] != "DATADIR/data1.txt" || got["app.exe"] != "BINDIR/app.exe" {
		t.Errorf("data1.txt at %q, app.exe at %q", got["data1.txt"], got["app.exe"])
	}
	if len(rep.Warnings) != 3 || !strings.Contains(rep.Warnings[1], `Directory "BINDIR": install path longer than 260 characters`) {
		t.Errorf("warnings: %q", rep.Warnings)
	}
}

// TestExtractRefusesUnsafeNames: names that are not plain file names are
// refused (ErrUnsafePath), the other files delivered.
func TestExtractRefusesUnsafeNames(t *testing.T) {
	for _, name := range []string{"..", `..\..\x`, "/etc", "C:", "a\x1b[2Jb", "nul", "bidi\u202e"} {
		t.Run(name, func(t *testing.T) {
			db := openSample(t)
			editRow(t, db, "Directory", []msi.Value{msi.StrValue("BINDIR")}, map[string]msi.Value{"DefaultDir": msi.StrValue(name)})
			editRow(t, db, "File", []msi.Value{msi.StrValue("data1.txt")}, map[string]msi.Value{"FileName": msi.StrValue(name)})
			got, rep := deliveredPaths(t, db, nil)
			var refused []string
			for _, f := range rep.Failed {
				if !errors.Is(f, ErrUnsafePath) {
					t.Errorf("%v does not match ErrUnsafePath", f)
				}
				if strings.ContainsAny(f.Error(), "\x1b\n") {
					t.Errorf("error %q holds a raw control character", f.Error())
				}
				refused = append(refused, f.Key)
			}
			if name == "bidi\u202e" {
				// A format character, not a control character: allowed
				// by the name rule (escaped when printed).
				if len(refused) != 0 {
					t.Errorf("refused %v", refused)
				}
				return
			}
			want := []string{"app.exe", "comlocal.exe", "comserver.dll", "comserver.tlb", "data1.txt"}
			if name == "C:" {
				// DefaultDir "C:" is target "C", source "": a plain name.
				want = []string{"data1.txt"}
			}
			if diff := cmp.Diff(want, refused); diff != "" {
				t.Errorf("refused (-want +got):\n%s", diff)
			}
			if len(got) != 17-len(want) {
				t.Errorf("delivered %d files, want the other %d", len(got), 17-len(want))
			}
		})
	}
}

// TestExtractMissingCabinet: an external cabinet that is absent is one
// CabinetError counting its files; each file's failure is that error.
func TestExtractMissingCabinet(t *testing.T) {
	db := openSample(t)
	editRow(t, db, "Media", []msi.Value{msi.IntValue(1)}, map[string]msi.Value{"Cabinet": msi.StrValue("synth.cab")})
	if err := db.DeleteStream("synth.cab"); err != nil {
		t.Fatal(err)
	}
	got, rep := deliveredPaths(t, db, &Options{SourceDir: t.TempDir()})
	if len(got) != 0 || len(rep.MissingCabinets) != 1 {
		t.Fatalf("delivered %d, missing cabinets %v", len(got), rep.MissingCabinets)
	}
	ce := rep.MissingCabinets[0]
	if ce.Name != "synth.cab" || ce.Files != 17 || !ce.Missing || !errors.Is(ce, ErrCabinetMissing) || !errors.Is(ce, os.ErrNotExist) {
		t.Errorf("cabinet error %+v (%v)", ce, ce)
	}
	if len(rep.Failed) != 17 {
		t.Fatalf("%d failures, want 17", len(rep.Failed))
	}
	for _, f := range rep.Failed {
		var got *CabinetError
		if !errors.As(f, &got) || got != ce || f.Cabinet != "synth.cab" {
			t.Errorf("failure %v is not the cabinet's error", f)
		}
	}

	// --source: the cabinet in another folder (the embedded one, copied).
	src := t.TempDir()
	st, err := openSample(t).OpenStream("synth.cab")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "SYNTH.CAB"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	got, rep = deliveredPaths(t, db, &Options{SourceDir: src})
	if rep.Problems() || len(got) != 17 {
		t.Errorf("with SourceDir: %d files, report %+v", len(got), rep)
	}
}

// TestExtractMaxBytes: a package whose files add up to more than MaxBytes
// is refused before any file is delivered.
func TestExtractMaxBytes(t *testing.T) {
	db := openSample(t)
	files, err := installFiles(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, f := range files {
		total += f.Size
	}
	n := 0
	count := func(*File, io.Reader) error { n++; return nil }
	rep, err := Extract(db, &Options{MaxBytes: total - 1}, count)
	var le *SizeLimitError
	if !errors.As(err, &le) || !errors.Is(err, ErrTooLarge) || le.Size != total || le.Limit != total-1 || n != 0 || rep == nil {
		t.Errorf("MaxBytes %d: err %v, %d files delivered", total-1, err, n)
	}
	if _, err := Extract(db, &Options{MaxBytes: total}, count); err != nil || n != 17 {
		t.Errorf("MaxBytes %d (the total): err %v, %d files", total, err, n)
	}
	// Cabinet files no File row lists (a patch): the limit stops the one
	// that would pass it.
	patch := openSample(t)
	if err := patch.DropTable("File"); err != nil {
		t.Fatal(err)
	}
	var got int64
	_, err = Extract(patch, &Options{MaxBytes: 50}, func(f *File, r io.Reader) error {
		got += f.Size
		return nil
	})
	if !errors.As(err, &le) || got > 50 || got == 0 || le.Size <= 50 {
		t.Errorf("unlisted files, MaxBytes 50: err %v after %d bytes", err, got)
	}
	// The limit counts what is selected.
	n = 0
	if _, err := Extract(db, &Options{MaxBytes: 12, Keys: []string{"app.exe"}}, count); err != nil || n != 1 {
		t.Errorf("one file of 12 bytes under MaxBytes 12: err %v, %d files", err, n)
	}
}
