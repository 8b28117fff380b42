package winemsi

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// A Transform is one transform to apply: a .mst file, or ":Name" for a
// substorage of the database being transformed (an embedded transform such
// as a language transform ":1031" or an instance transform), and the
// error conditions to suppress (MSITRANSFORM_ERROR_* flags; Wine 8 ignores
// them, see the package documentation).
type Transform struct {
	Path  string
	Flags int
}

// Export exports every table of the package at pkg with MsiDatabaseExportW
// and returns the folder: TABLE.idt for each table of _Tables, plus
// _SummaryInformation.idt and _ForceCodepage.idt, and binary cells as
// files TABLE/KEY. The IDT text is converted to UTF-8 (see the package
// documentation for what Wine's export loses on the way).
func Export(t testing.TB, pkg string) string {
	t.Helper()
	dir, err := ExportTransformed(t, pkg)
	if err != nil {
		t.Fatalf("winemsi: export %s: %v", pkg, err)
	}
	return dir
}

// Apply applies transforms (files, or ":Name" for substorages of base) to
// the package at base in memory, in order, without error suppression, and
// exports the result as Export does. base itself is not modified. It
// fails t if msi.dll refuses a transform.
func Apply(t testing.TB, base string, transforms ...string) string {
	t.Helper()
	var ts []Transform
	for _, p := range transforms {
		ts = append(ts, Transform{Path: p})
	}
	dir, err := ExportTransformed(t, base, ts...)
	if err != nil {
		t.Fatalf("winemsi: apply %s to %s: %v", strings.Join(transforms, ", "), base, err)
	}
	return dir
}

// An ExportError reports the tables msi.dll could not export, by name,
// with their error codes; the folder returned with it holds the others.
type ExportError struct {
	Failed map[string]uint32
}

// Error lists the tables that could not be exported, with their codes.
func (e *ExportError) Error() string {
	var names []string
	for n := range e.Failed {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("winemsi: msi.dll could not export")
	for _, n := range names {
		fmt.Fprintf(&b, " %s (error %d)", n, e.Failed[n])
	}
	return b.String()
}

// ExportTransformed opens base read-only, applies ts in order and exports
// every table as Export does. A refused open or transform is an *Error;
// tables that cannot be exported give an *ExportError along with the
// folder holding the rest.
func ExportTransformed(t testing.TB, base string, ts ...Transform) (string, error) {
	t.Helper()
	dir, _, err := exportScript(t, func(s *Script) {
		s.Open(base, ReadOnly)
		for _, tr := range ts {
			s.Apply(tr.Path, tr.Flags)
		}
	})
	return dir, err
}

// exportScript runs prepare, then an export of every table into a new
// folder, first with the ANSI codepage 1252; when the exported
// _ForceCodepage names another codepage Wine can run with, it runs again
// with that one so that no character is lost. The IDT files are then
// converted to UTF-8. Tables that could not be exported make an
// *ExportError returned with the folder. out is what the (last) tool run
// printed.
func exportScript(t testing.TB, prepare func(*Script)) (string, *Output, error) {
	t.Helper()
	w := New(t)
	root := t.TempDir()
	try := func(cp int) (string, *Output, error) {
		dir := filepath.Join(root, "cp"+strconv.Itoa(cp))
		if err := os.Mkdir(dir, 0o755); err != nil {
			return "", nil, err
		}
		s := new(Script).Codepage(cp)
		prepare(s)
		s.Export(dir)
		out, err := w.Run(t, s)
		return dir, out, err
	}
	dir, out, err := try(1252)
	if err != nil {
		return "", out, err
	}
	cp, err := forceCodepage(dir)
	if err != nil {
		return "", out, err
	}
	if ansiCodepage(cp) != 1252 {
		if dir, out, err = try(cp); err != nil {
			return "", out, err
		}
	}
	if err := idtToUTF8(dir, cp); err != nil {
		return "", out, err
	}
	if len(out.NotExported) > 0 {
		return dir, out, exportError(out.NotExported)
	}
	return dir, out, nil
}

func exportError(failed []Code) *ExportError {
	e := &ExportError{Failed: map[string]uint32{}}
	for _, c := range failed {
		e.Failed[c.Op] = c.Code
	}
	return e
}

// ExportEach exports every package of pkgs as Export does, running as few
// tool processes as it can (one for all the packages in codepage 1252,
// one more per other codepage met), which makes it much faster than one
// Export per package over a corpus. A package msi.dll refuses to open gets
// its *Error in errs and an empty dir, one with tables it cannot export an
// *ExportError and its dir; the others carry on.
func ExportEach(t testing.TB, pkgs ...string) (dirs []string, errs []error) {
	t.Helper()
	jobs := make([]Job, len(pkgs))
	for i, p := range pkgs {
		jobs[i] = Job{Base: p}
	}
	return ExportEachTransformed(t, jobs...)
}

// A Job is one export of ExportEachTransformed: the package Base with
// Transforms applied in order (files, or ":Name").
type Job struct {
	Base       string
	Transforms []Transform
}

// ExportEachTransformed is ExportEach for packages with transforms
// applied: each job's base is opened read-only, its transforms applied
// and every table exported, as ExportTransformed does, in as few tool
// processes as ExportEach runs. A job whose open or transform msi.dll
// refuses gets its *Error and an empty dir.
func ExportEachTransformed(t testing.TB, jobs ...Job) (dirs []string, errs []error) {
	t.Helper()
	w := New(t)
	root := t.TempDir()
	dirs = make([]string, len(jobs))
	errs = make([]error, len(jobs))
	dirOf := func(i, cp int) string { return filepath.Join(root, strconv.Itoa(i), "cp"+strconv.Itoa(cp)) }
	// run exports the packages idx in ANSI codepage cp, restarting after
	// each one msi.dll refuses.
	run := func(idx []int, cp int) {
		for len(idx) > 0 {
			s := new(Script).Codepage(cp)
			for _, i := range idx {
				if err := os.MkdirAll(dirOf(i, cp), 0o755); err != nil {
					t.Fatal(err)
				}
				s.Open(jobs[i].Base, ReadOnly)
				for _, tr := range jobs[i].Transforms {
					s.Apply(tr.Path, tr.Flags)
				}
				s.Export(dirOf(i, cp)).Close()
			}
			out, err := w.Run(t, s)
			done := 0
			var failed []Code
			for _, line := range out.lines {
				kind, rest, _ := strings.Cut(line, "\t")
				switch {
				case kind == "notexported":
					table, code, _ := strings.Cut(rest, "\t")
					c, _ := strconv.ParseUint(code, 10, 32)
					failed = append(failed, Code{Op: unescape(table), Code: uint32(c)})
				case kind == "exported" && rest == "_ForceCodepage": // the last table of each export
					dirs[idx[done]] = dirOf(idx[done], cp)
					errs[idx[done]] = nil
					if len(failed) > 0 {
						errs[idx[done]] = exportError(failed)
					}
					failed = nil
					done++
				}
			}
			if err == nil {
				return
			}
			if done >= len(idx) {
				t.Fatalf("winemsi: %s failed after its exports: %v", s, err)
			}
			errs[idx[done]] = err
			dirs[idx[done]] = ""
			idx = idx[done+1:]
		}
	}
	all := make([]int, len(jobs))
	for i := range all {
		all[i] = i
	}
	run(all, 1252)
	again := map[int][]int{}
	cps := make([]int, len(jobs))
	for i, d := range dirs {
		if d == "" {
			continue
		}
		cp, err := forceCodepage(d)
		if err != nil {
			t.Fatal(err)
		}
		cps[i] = cp
		if ansiCodepage(cp) != 1252 {
			again[cp] = append(again[cp], i)
		}
	}
	for cp, idx := range again {
		run(idx, cp)
	}
	for i, d := range dirs {
		if d == "" {
			continue
		}
		if err := idtToUTF8(d, cps[i]); err != nil {
			t.Fatal(err)
		}
	}
	return dirs, errs
}

// forceCodepage reads the codepage from an exported _ForceCodepage.idt.
func forceCodepage(dir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "_ForceCodepage.idt"))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\r\n") {
		if v, ok := strings.CutSuffix(line, "\t_ForceCodepage"); ok {
			return strconv.Atoi(v)
		}
	}
	return 0, fmt.Errorf("winemsi: no codepage line in %s/_ForceCodepage.idt: %q", dir, b)
}

// idtToUTF8 rewrites the IDT files of dir from the ANSI codepage the tool
// ran with for cp to UTF-8. Binary cells (files in subfolders) are left.
func idtToUTF8(dir string, cp int) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".idt") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		u, err := toUTF8(b, cp)
		if err != nil {
			return fmt.Errorf("winemsi: %s: %w", p, err)
		}
		if !bytes.Equal(u, b) {
			if err := os.WriteFile(p, u, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// Query opens db read-only, applies transforms (files or ":Name") and runs
// one SELECT. Values come from msi.dll as UTF-16 and are lossless, unlike
// Export's IDT text.
func Query(t testing.TB, db, sql string, transforms ...string) Result {
	t.Helper()
	s := new(Script).Open(db, ReadOnly)
	for _, p := range transforms {
		s.Apply(p, 0)
	}
	out, err := New(t).Run(t, s.Query(sql))
	if err != nil {
		t.Fatalf("winemsi: %s on %s: %v", sql, db, err)
	}
	return out.Results[0]
}

// Tables returns the table names of db (its _Tables rows), after applying
// transforms.
func Tables(t testing.TB, db string, transforms ...string) []string {
	t.Helper()
	s := new(Script).Open(db, ReadOnly)
	for _, p := range transforms {
		s.Apply(p, 0)
	}
	out, err := New(t).Run(t, s.Tables())
	if err != nil {
		t.Fatalf("winemsi: tables of %s: %v", db, err)
	}
	return out.Tables
}

// View applies transform to base in transform view mode
// (MSITRANSFORM_ERROR_VIEWTRANSFORM) and returns the _TransformView table:
// msi.dll's reading of the transform's change records (Table, Column,
// Row, Data, Current), without changing base.
func View(t testing.TB, base, transform string) Result {
	t.Helper()
	s := new(Script).Open(base, ReadOnly).Apply(transform, ViewTransform).
		Query("SELECT `Table`, `Column`, `Row`, `Data`, `Current` FROM `_TransformView`")
	out, err := New(t).Run(t, s)
	if err != nil {
		t.Fatalf("winemsi: view %s over %s: %v", transform, base, err)
	}
	return out.Results[0]
}

// SummaryInfo returns the summary information properties of the compound
// file at path (package, transform or patch) as msi.dll reads them.
func SummaryInfo(t testing.TB, path string) []Property {
	t.Helper()
	out, err := New(t).Run(t, new(Script).SummaryInfo(path))
	if err != nil {
		t.Fatalf("winemsi: summary information of %s: %v", path, err)
	}
	return out.SummaryInfo[0]
}

// Prop returns the value of property id in ps, and whether it is there.
func Prop(ps []Property, id int) (string, bool) {
	for _, p := range ps {
		if p.ID == id {
			return p.Value, true
		}
	}
	return "", false
}

// Storages lists the children of the root storage of the compound file at
// path, as Wine's ole32 reads them.
func Storages(t testing.TB, path string) []Element {
	t.Helper()
	out, err := New(t).Run(t, new(Script).Storages(path))
	if err != nil {
		t.Fatalf("winemsi: storages of %s: %v", path, err)
	}
	return out.Elements
}

// Extract copies the substorage name of the compound file at path (a
// transform inside a patch, or an embedded transform of a package) into a
// new file in a temporary folder of t and returns its path.
func Extract(t testing.TB, path, name string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "storage.mst")
	if _, err := New(t).Run(t, new(Script).Extract(path, name, out)); err != nil {
		t.Fatalf("winemsi: extract %s from %s: %v", name, path, err)
	}
	return out
}

// PatchTransforms returns the transform substorage names a patch applies,
// in order: its PID 8 (Last Saved By) list, each name without its ':'.
func PatchTransforms(t testing.TB, patch string) []string {
	t.Helper()
	v, _ := Prop(SummaryInfo(t, patch), 8)
	var names []string
	for _, n := range strings.Split(v, ";") {
		if n = strings.TrimPrefix(strings.TrimSpace(n), ":"); n != "" {
			names = append(names, n)
		}
	}
	return names
}

// ApplyPatch applies the transforms of a patch package to base and
// exports the result as Export does. It returns the folder and the names
// of the transforms applied and skipped. The transforms are taken in the
// order of the patch's PID 8; each is extracted with Wine's ole32 and
// applied with MsiDatabaseApplyTransformW when the original product code
// in its PID 9 equals the ProductCode property of the database as
// transformed so far (so a patch for several products applies only the
// transforms for base), else skipped. That product check is this
// package's, not msi.dll's: Wine's own check runs only in an installation
// session, reads the validation flags from the wrong word of PID 16 (see
// the package documentation), and comes with the Media and File
// renumbering of a patch installation, which ApplyPatch does not do.
func ApplyPatch(t testing.TB, base, patch string) (dir string, applied, skipped []string) {
	t.Helper()
	names := PatchTransforms(t, patch)
	if len(names) == 0 {
		t.Fatalf("winemsi: %s names no transforms in PID 8", patch)
	}
	tmp := t.TempDir()
	dir, out, err := exportScript(t, func(s *Script) {
		files := make([]string, len(names))
		for i, n := range names {
			files[i] = filepath.Join(tmp, fmt.Sprintf("%d.mst", i))
			s.Extract(patch, n, files[i])
		}
		s.Open(base, ReadOnly)
		for _, f := range files {
			s.ApplyIfProduct(f, 0)
		}
	})
	if err != nil {
		t.Fatalf("winemsi: apply patch %s to %s: %v", patch, base, err)
	}
	for i, n := range names {
		if out.Applied[i] {
			applied = append(applied, n)
		} else {
			skipped = append(skipped, n)
		}
	}
	return dir, applied, skipped
}

// GenerateTransform asks msi.dll for the transform from ref to db
// (MsiDatabaseGenerateTransformW) and returns the file. Wine 8 implements
// it as a stub: the result is an *Error with Code ErrorCallNotImplemented
// and no file.
func GenerateTransform(t testing.TB, db, ref string) (string, error) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "generated.mst")
	o, err := New(t).Run(t, new(Script).Open(db, ReadOnly).Generate(ref, out))
	if err != nil {
		return "", err
	}
	if c := o.Codes[0].Code; c != 0 {
		return "", &Error{Op: "generate", Code: c}
	}
	if _, err := os.Stat(out); err != nil {
		return "", fmt.Errorf("winemsi: MsiDatabaseGenerateTransformW succeeded without writing %s: %w", out, err)
	}
	return out, nil
}

// Merge copies db, merges the database other into the copy
// (MsiDatabaseMergeW), commits it and returns its path, the merge's return
// code (0, or ErrorFunctionFailed when rows conflicted) and, when they
// conflicted, the rows of the error table (Table, NumRowMergeConflicts).
// errTable "" means "_MergeErrors": Wine 8 crashes (a null table name in
// its conflict bookkeeping) when rows conflict and no error table is
// named. Read the issue 20 notes in the package documentation before
// relying on what Wine's merge keeps.
func Merge(t testing.TB, db, other, errTable string) (merged string, code uint32, conflicts Result) {
	t.Helper()
	if errTable == "" {
		errTable = "_MergeErrors"
	}
	merged = filepath.Join(t.TempDir(), filepath.Base(db))
	if err := copyFile(db, merged); err != nil {
		t.Fatal(err)
	}
	w := New(t)
	o, err := w.Run(t, new(Script).Open(merged, Transact).Merge(other, errTable))
	if err != nil {
		t.Fatalf("winemsi: merge %s into %s: %v", other, db, err)
	}
	code = o.Codes[0].Code
	s := new(Script).Open(merged, Transact).Merge(other, errTable)
	if code != 0 {
		s.Query("SELECT * FROM `" + errTable + "`")
	}
	if o, err = w.Run(t, s.Commit()); err != nil {
		t.Fatalf("winemsi: merge %s into %s: %v", other, db, err)
	}
	if code != 0 {
		conflicts = o.Results[0]
	}
	return merged, code, conflicts
}

// DecomposeDescriptor splits a darwin descriptor with msi.dll's
// MsiDecomposeDescriptorW. A descriptor msi.dll rejects is an *Error.
func DecomposeDescriptor(t testing.TB, d string) (Descriptor, error) {
	t.Helper()
	o, err := New(t).Run(t, new(Script).Descriptor(d))
	if err != nil {
		return Descriptor{}, err
	}
	return o.Descriptors[0], nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
