package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform"
)

// TestRewriteCorpusIntegrity runs "rewrite --all --drop-signature --json"
// on every corpus installer and merge module (real ones, and the synthetic
// ones, which carry most of the COM registration, advertised shortcuts and
// assemblies the passes change) and checks the output
// with msitools as the reader (msidump -t, before and after):
//
//   - it introduces no integrity error the input lacked: every feature and
//     component a row names exists, and the feature holds the component;
//     no duplicate primary keys; non-nullable columns hold values; strings
//     fit their declared sizes; values obey _Validation (Nullable,
//     MinValue/MaxValue, Identifier and Guid categories, single-column
//     KeyTable references);
//   - new leaf features are Display 0, have a parent and hold a component;
//   - WriteRegistryValues and RemoveRegistryValues are sequenced wherever
//     Registry rows are added (ModuleInstallExecuteSequence in a merge
//     module);
//   - the rows that differ between the two dumps are exactly the JSON
//     report's changes (summary information included);
//   - every advertising row left in the output (Class, ProgId, AppId,
//     Extension, Verb, MIME, TypeLib, PublishComponent, advertised
//     Shortcut) is named by the report;
//   - a second rewrite changes nothing;
//   - the signature is gone exactly when the report says it was dropped.
func TestRewriteCorpusIntegrity(t *testing.T) {
	msidump := testenv.NeedTool(t, "msidump", "msitools")
	var files []string
	for _, f := range testenv.CorpusFiles(t) {
		ext := strings.ToLower(filepath.Ext(f))
		if !testenv.IsCorrupt(f) && (ext == ".msi" || ext == ".msm") {
			files = append(files, f)
		}
	}
	var packages, changed, rows atomic.Int64
	t.Cleanup(func() {
		t.Logf("%d packages rewritten, %d changed, %d row changes checked against msidump", packages.Load(), changed.Load(), rows.Load())
	})
	for _, in := range files {
		t.Run(filepath.Base(in), func(t *testing.T) {
			t.Parallel()
			if n := largestTable(t, in); n > 20000 {
				// msitools needs minutes for a table this big (FORMAT-NOTES).
				t.Skipf("a table of %d rows: too slow for msidump", n)
			}
			dir := t.TempDir()
			out := filepath.Join(dir, "out"+filepath.Ext(in))
			res := rewriteJSON(t, in, out)
			packages.Add(1)
			if res.Changes > 0 {
				changed.Add(1)
			}
			var changes []transform.Change
			var reps []*transform.Report
			for _, p := range res.Passes {
				for _, c := range p.Changes() {
					changes = append(changes, c)
				}
				reps = append(reps, p)
			}

			before := msidumpTables(t, msidump, in, filepath.Join(dir, "before"))
			after := msidumpTables(t, msidump, out, filepath.Join(dir, "after"))
			rows.Add(int64(checkReportMatchesDump(t, before, after, changes)))

			kind := kindOf(t, in)
			errBefore := integrityErrors(before, kind)
			errAfter := integrityErrors(after, kind)
			var introduced []string
			for e := range errAfter {
				if !errBefore[e] {
					introduced = append(introduced, e)
				}
			}
			sort.Strings(introduced)
			if len(introduced) > 0 {
				t.Errorf("the rewrite introduced %d integrity errors:\n%s", len(introduced), strings.Join(introduced, "\n"))
			}
			checkAdded(t, after, changes, kind)
			checkAdvertisingNamed(t, after, reps)

			// Signature: dropped exactly when the report says so.
			if res.Signed && signedFile(t, out) == res.SignatureDropped {
				t.Errorf("signature_dropped %v, but the output is signed: %v", res.SignatureDropped, signedFile(t, out))
			}
			if !res.Signed && res.SignatureDropped {
				t.Error("signature_dropped on an unsigned package")
			}

			// A second rewrite changes nothing.
			again := rewriteJSON(t, out, filepath.Join(dir, "again"+filepath.Ext(in)))
			if again.Changes != 0 {
				var list []string
				for _, p := range again.Passes {
					for _, c := range p.Changes() {
						list = append(list, fmt.Sprintf("%s %s %s [%s]", p.Pass, c.Op, c.Table, strings.Join(c.Key, ", ")))
					}
				}
				t.Errorf("a second rewrite made %d changes:\n%s", again.Changes, strings.Join(list, "\n"))
			}
		})
	}
}

func rewriteJSON(t *testing.T, in, out string) *rewriteResult {
	t.Helper()
	code, stdout, stderr := runCLI(t, "rewrite", "--all", "--drop-signature", "--json", in, "-o", out)
	if code != 0 {
		t.Fatalf("rewrite %s: exit %d: %s", in, code, stderr)
	}
	var sum rewriteSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.Packages) != 1 || !sum.Packages[0].OK {
		t.Fatalf("rewrite report %s", stdout)
	}
	return sum.Packages[0]
}

func kindOf(t *testing.T, path string) msi.PackageKind {
	db, err := msi.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return db.Kind()
}

func largestTable(t *testing.T, path string) int {
	db, err := msi.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	for _, name := range db.TableNames() {
		if tb, err := db.Table(name); err == nil {
			n = max(n, tb.Len())
		}
	}
	return n
}

func signedFile(t *testing.T, path string) bool {
	db, err := msi.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return db.Signed()
}

// dumpTable is one table as msidump writes it.
type dumpTable struct {
	name       string
	cols       []string
	types      []string
	keys       []int // key column indexes
	rows       [][]string
	text       string // the whole file
	unparsable bool   // rows could not be told apart (raw tabs in values)
}

func (d *dumpTable) col(name string) int { return slices.Index(d.cols, name) }

func (d *dumpTable) key(row []string) string {
	var k []string
	for _, i := range d.keys {
		k = append(k, row[i])
	}
	return strings.Join(k, "\t")
}

// msidumpTables dumps every table of path with msidump into dir and
// parses the files. msidump writes values raw, so a value with a line
// break spans lines: lines are joined until a row has all its fields.
func msidumpTables(t *testing.T, msidump, path, dir string) map[string]*dumpTable {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// msidump writes binary cells into its working folder whatever -d
	// says: testenv.Command runs it in a temporary one.
	if out, err := testenv.Command(t, msidump, "-t", "-d", dir, path).CombinedOutput(); err != nil {
		t.Fatalf("msidump %s: %v\n%s", path, err, out)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]*dumpTable{}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".idt")
		if !ok || e.IsDir() || name == "_ForceCodepage" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		d := &dumpTable{name: name, text: string(b)}
		lines := strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n")
		if len(lines) < 3 {
			t.Fatalf("%s: short IDT file", e.Name())
		}
		d.cols = strings.Split(lines[0], "\t")
		d.types = strings.Split(lines[1], "\t")
		for _, k := range strings.Split(lines[2], "\t")[1:] {
			if i := d.col(k); i >= 0 {
				d.keys = append(d.keys, i)
			}
		}
		for n := 3; n < len(lines); n++ {
			cur := lines[n]
			for strings.Count(cur, "\t") < len(d.cols)-1 && n+1 < len(lines) {
				n++
				cur += "\r\n" + lines[n]
			}
			f := strings.Split(cur, "\t")
			if len(f) != len(d.cols) {
				d.unparsable = true
				break
			}
			d.rows = append(d.rows, f)
		}
		tables[name] = d
	}
	return tables
}

// checkReportMatchesDump requires the rows that differ between the dumps
// to be exactly the report's changes, and returns how many rows it
// compared.
func checkReportMatchesDump(t *testing.T, before, after map[string]*dumpTable, changes []transform.Change) int {
	t.Helper()
	byTable := map[string][]transform.Change{}
	for _, c := range changes {
		byTable[c.Table] = append(byTable[c.Table], c)
	}
	names := map[string]bool{}
	for n := range before {
		names[n] = true
	}
	for n := range after {
		names[n] = true
	}
	n := 0
	for name := range names {
		b, a := before[name], after[name]
		cs := byTable[name]
		if len(cs) == 0 {
			switch {
			case b == nil || a == nil:
				t.Errorf("table %s appeared or vanished without a reported change", name)
			case b.text != a.text && !sameRows(b, a):
				t.Errorf("table %s changed but the report names no change in it", name)
			}
			continue
		}
		if (b != nil && b.unparsable) || a == nil || a.unparsable {
			t.Errorf("table %s: changed, but msidump's rows cannot be parsed to compare", name)
			continue
		}
		want := map[string]int{}
		if b != nil {
			if !slices.Equal(b.types, a.types) || !slices.Equal(b.cols, a.cols) {
				t.Errorf("table %s: columns changed from %v %v to %v %v", name, b.cols, b.types, a.cols, a.types)
			}
			for _, r := range b.rows {
				want[strings.Join(r, "\t")]++
			}
		}
		for _, c := range cs {
			if c.Old != nil {
				k := strings.Join(c.Old, "\t")
				if want[k] == 0 {
					t.Errorf("table %s: the report's old row %q is not in the input", name, k)
				}
				want[k]--
			}
			if c.New != nil {
				want[strings.Join(c.New, "\t")]++
			}
			n++
		}
		got := map[string]int{}
		for _, r := range a.rows {
			got[strings.Join(r, "\t")]++
		}
		for k, v := range want {
			if v == 0 {
				delete(want, k)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("table %s: rows after the rewrite differ from the input plus the report (-expected +msidump):\n%s", name, diff)
		}
	}
	return n
}

func sameRows(a, b *dumpTable) bool {
	if a.unparsable || b.unparsable || !slices.Equal(a.types, b.types) {
		return false
	}
	ra, rb := rowSet(a), rowSet(b)
	return cmp.Equal(ra, rb)
}

func rowSet(d *dumpTable) []string {
	var s []string
	for _, r := range d.rows {
		s = append(s, strings.Join(r, "\t"))
	}
	sort.Strings(s)
	return s
}

var (
	reIdentifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)
	reGUID       = regexp.MustCompile(`^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$`)
)

// integrityErrors lists the integrity errors of a package's tables, each
// as a stable line (so that errors the input already had compare equal).
func integrityErrors(tables map[string]*dumpTable, kind msi.PackageKind) map[string]bool {
	errs := map[string]bool{}
	add := func(format string, args ...any) { errs[fmt.Sprintf(format, args...)] = true }
	for _, d := range tables {
		if d.unparsable || d.name == "_SummaryInformation" {
			continue
		}
		seen := map[string]bool{}
		for _, r := range d.rows {
			k := d.key(r)
			if len(d.keys) > 0 && seen[k] {
				add("%s [%s]: duplicate primary key", d.name, k)
			}
			seen[k] = true
			for i, typ := range d.types {
				if typ == "" {
					continue
				}
				size, _ := strconv.Atoi(typ[1:])
				switch typ[0] {
				case 's', 'l', 'i':
					if r[i] == "" {
						add("%s [%s] %s: null in a non-nullable column", d.name, k, d.cols[i])
					}
				}
				if (typ[0] == 's' || typ[0] == 'S' || typ[0] == 'l' || typ[0] == 'L') && size > 0 {
					if n := len(utf16.Encode([]rune(r[i]))); n > size {
						add("%s [%s] %s: %d characters in a column of %d", d.name, k, d.cols[i], n, size)
					}
				}
			}
		}
	}
	validationErrors(tables, add)

	comps := keySet(tables["Component"])
	features := keySet(tables["Feature"])
	fc := map[string]bool{}
	if d := tables["FeatureComponents"]; d != nil {
		fi, ci := d.col("Feature_"), d.col("Component_")
		for _, r := range d.rows {
			fc[r[fi]+"\t"+r[ci]] = true
			if features != nil && !features[r[fi]] {
				add("FeatureComponents [%s]: feature %s does not exist", d.key(r), r[fi])
			}
			if comps != nil && !comps[r[ci]] {
				add("FeatureComponents [%s]: component %s does not exist", d.key(r), r[ci])
			}
		}
	}
	for _, ref := range []struct{ table, feature string }{
		{"Class", "Feature_"}, {"Extension", "Feature_"}, {"TypeLib", "Feature_"},
		{"PublishComponent", "Feature_"}, {"MsiAssembly", "Feature_"}, {"Shortcut", "Target"},
		{"Registry", ""}, {"File", ""},
	} {
		d := tables[ref.table]
		if d == nil || d.unparsable {
			continue
		}
		ci := d.col("Component_")
		fi := -1
		if ref.feature != "" {
			fi = d.col(ref.feature)
		}
		for _, r := range d.rows {
			if ci >= 0 && comps != nil && !comps[r[ci]] {
				add("%s [%s]: component %s does not exist", d.name, d.key(r), r[ci])
			}
			if fi < 0 || ci < 0 || features == nil || kind == msi.PackageMergeModule {
				continue
			}
			f := r[fi]
			if ref.table == "Shortcut" && (f == "" || strings.HasPrefix(f, "[")) {
				continue // not advertised: Target is a formatted path
			}
			if !features[f] {
				add("%s [%s]: feature %s does not exist", d.name, d.key(r), f)
			} else if !fc[f+"\t"+r[ci]] {
				add("%s [%s]: feature %s does not hold component %s", d.name, d.key(r), f, r[ci])
			}
		}
	}
	if d := tables["Condition"]; d != nil && features != nil {
		for _, r := range d.rows {
			if f := r[d.col("Feature_")]; !features[f] {
				add("Condition [%s]: feature %s does not exist", d.key(r), f)
			}
		}
	}
	return errs
}

// validationErrors checks rows against _Validation: Nullable, MinValue,
// MaxValue, the Identifier and Guid categories, and references to a
// single-column key of another table (KeyColumn 1).
func validationErrors(tables map[string]*dumpTable, add func(string, ...any)) {
	v := tables["_Validation"]
	if v == nil || v.unparsable {
		return
	}
	col := func(name string) int { return v.col(name) }
	ti, ci, ni, mini, maxi, kti, kci, cati := col("Table"), col("Column"), col("Nullable"), col("MinValue"), col("MaxValue"), col("KeyTable"), col("KeyColumn"), col("Category")
	if ti < 0 || ci < 0 {
		return
	}
	for _, vr := range v.rows {
		d := tables[vr[ti]]
		if d == nil || d.unparsable {
			continue
		}
		c := d.col(vr[ci])
		if c < 0 {
			continue
		}
		var refs map[string]bool
		if kti >= 0 && kci >= 0 && vr[kti] != "" && vr[kci] == "1" && !strings.Contains(vr[kti], ";") {
			if kt := tables[vr[kti]]; kt != nil && len(kt.keys) == 1 && !kt.unparsable {
				refs = keySet(kt)
			}
		}
		for _, r := range d.rows {
			val := r[c]
			k := d.key(r)
			if val == "" {
				if ni >= 0 && vr[ni] == "N" {
					add("%s [%s] %s: null, _Validation says not nullable", d.name, k, d.cols[c])
				}
				continue
			}
			if n, err := strconv.ParseInt(val, 10, 64); err == nil && d.types[c][0]|0x20 == 'i' {
				if mini >= 0 && vr[mini] != "" {
					if lo, err := strconv.ParseInt(vr[mini], 10, 64); err == nil && n < lo {
						add("%s [%s] %s: %d below MinValue %d", d.name, k, d.cols[c], n, lo)
					}
				}
				if maxi >= 0 && vr[maxi] != "" {
					if hi, err := strconv.ParseInt(vr[maxi], 10, 64); err == nil && n > hi {
						add("%s [%s] %s: %d above MaxValue %d", d.name, k, d.cols[c], n, hi)
					}
				}
			}
			if cati >= 0 {
				switch vr[cati] {
				case "Identifier":
					if !reIdentifier.MatchString(val) {
						add("%s [%s] %s: %q is not an Identifier", d.name, k, d.cols[c], val)
					}
				case "Guid":
					if !reGUID.MatchString(val) {
						add("%s [%s] %s: %q is not a Guid", d.name, k, d.cols[c], val)
					}
				}
			}
			if refs != nil && !refs[val] {
				add("%s [%s] %s: %q is not a key of %s", d.name, k, d.cols[c], val, vr[kti])
			}
		}
	}
}

func keySet(d *dumpTable) map[string]bool {
	if d == nil {
		return nil
	}
	s := map[string]bool{}
	for _, r := range d.rows {
		s[d.key(r)] = true
	}
	return s
}

// checkAdded checks what the report added: leaf features are Display 0,
// have a parent and hold a component; added Registry rows are written and
// removed by sequenced actions.
func checkAdded(t *testing.T, after map[string]*dumpTable, changes []transform.Change, kind msi.PackageKind) {
	t.Helper()
	registry := false
	for _, c := range changes {
		if c.Op != transform.OpAdd {
			continue
		}
		switch c.Table {
		case "Registry":
			registry = true
		case "Feature":
			f := after["Feature"]
			if f == nil {
				t.Errorf("feature %v added but no Feature table", c.Key)
				continue
			}
			row := c.New
			if row[f.col("Display")] != "0" || row[f.col("Feature_Parent")] == "" {
				t.Errorf("leaf feature %v: Display %q, parent %q; want 0 and a parent", c.Key, row[f.col("Display")], row[f.col("Feature_Parent")])
			}
			held := false
			if fc := after["FeatureComponents"]; fc != nil {
				for _, r := range fc.rows {
					held = held || r[fc.col("Feature_")] == c.Key[0]
				}
			}
			if !held {
				t.Errorf("leaf feature %v holds no component", c.Key)
			}
		}
	}
	if !registry {
		return
	}
	seq := "InstallExecuteSequence"
	if kind == msi.PackageMergeModule {
		seq = "ModuleInstallExecuteSequence"
	}
	have := keySet(after[seq])
	for _, a := range []string{"WriteRegistryValues", "RemoveRegistryValues"} {
		if !have[a] {
			t.Errorf("Registry rows were added but %s does not run %s", seq, a)
		}
	}
}

// checkAdvertisingNamed requires every advertising row left in the output
// to be named by the report (a note or a change).
func checkAdvertisingNamed(t *testing.T, after map[string]*dumpTable, reps []*transform.Report) {
	t.Helper()
	named := map[string]bool{}
	tableNoted := map[string]bool{}
	for _, r := range reps {
		for _, n := range r.Notes() {
			if n.Key == nil {
				tableNoted[n.Table] = true
			}
			named[n.Table+"\x00"+strings.Join(n.Key, "\t")] = true
		}
		for _, c := range r.Changes() {
			named[c.Table+"\x00"+strings.Join(c.Key, "\t")] = true
		}
	}
	for _, table := range []string{"Class", "ProgId", "AppId", "Extension", "Verb", "MIME", "TypeLib", "PublishComponent", "Shortcut"} {
		d := after[table]
		if d == nil || d.unparsable {
			continue
		}
		for _, r := range d.rows {
			if table == "Shortcut" {
				if tg := r[d.col("Target")]; tg == "" || strings.HasPrefix(tg, "[") {
					continue
				}
			}
			if !named[table+"\x00"+d.key(r)] && !tableNoted[table] {
				t.Errorf("%s [%s] is left advertised but the report does not name it", table, d.key(r))
			}
		}
	}
}
