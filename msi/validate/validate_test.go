package validate

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

func TestOptions(t *testing.T) {
	f := baseInstaller()
	f.add("Registry", row("R1", 0, `.acme`, "", "x", "C1"), row("R2", 0, `.acme2`, "", "x", "C1"), row("R3", 1, `Software\Acme`, "", "x", "C1"))
	db := f.build(t)
	rules := func(o *Options) []string {
		t.Helper()
		fs, err := Validate(db, o)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range fs {
			if !slices.Contains(out, x.ICE) {
				out = append(out, x.ICE)
			}
		}
		return out
	}
	if diff := cmp.Diff([]string{"ICE03", "ICE33", "ICE57"}, rules(nil)); diff != "" {
		t.Errorf("all rules (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ICE33"}, rules(&Options{Rules: []string{"ice33", " ICE57 "}, Skip: []string{"ICE57"}})); diff != "" {
		t.Errorf("--ice ice33,ICE57 --skip ICE57 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ICE57"}, rules(&Options{Skip: []string{"ICE03", "ICE33"}})); diff != "" {
		t.Errorf("--skip (-want +got):\n%s", diff)
	}
	for _, o := range []*Options{{Rules: []string{"ICE100"}}, {Skip: []string{"nope"}}} {
		if _, err := Validate(db, o); err == nil || !strings.Contains(err.Error(), "unknown rule") {
			t.Errorf("%+v: err = %v, want unknown rule", o, err)
		}
	}
	fs, err := Validate(db, &Options{Rules: []string{"ICE33"}, MaxFindings: 1})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range fs {
		got = append(got, brief(x)+" "+strings.Repeat("+", x.Omitted))
	}
	if diff := cmp.Diff([]string{"warning Registry[R1].Key ", "warning +"}, got); diff != "" {
		t.Errorf("MaxFindings 1 (-want +got):\n%s", diff)
	}
	if e, w, i := Counts(fs); e != 0 || w != 2 || i != 0 {
		t.Errorf("Counts = %d, %d, %d; want 0, 2, 0", e, w, i)
	}
}

func TestRulesTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules() {
		if seen[r.ICE] || r.Summary == "" || !strings.HasPrefix(r.URL, "https://learn.microsoft.com/") || (!r.Installers && !r.MergeModules) {
			t.Errorf("bad rule entry %+v", r)
		}
		seen[r.ICE] = true
	}
	if got := docURL("ICE100"); got != "https://learn.microsoft.com/en-us/windows/win32/msi/ice-100" {
		t.Errorf("docURL(ICE100) = %s", got)
	}
	if got := docURL("ICEM05"); got != "https://learn.microsoft.com/en-us/windows/win32/msi/icem05" {
		t.Errorf("docURL(ICEM05) = %s", got)
	}
}

// TestRefusesPatchesAndTransforms uses the corpus's patches and transforms.
func TestRefusesPatchesAndTransforms(t *testing.T) {
	n := 0
	for _, path := range testenv.CorpusFiles(t) {
		ext := strings.ToLower(filepath.Ext(path))
		if ext != ".msp" && ext != ".mst" {
			continue
		}
		n++
		_, err := validatePath(path)
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: err = %v, want ErrUnsupported", filepath.Base(path), err)
		}
	}
	if n == 0 {
		t.Error("no patch or transform in the corpus")
	}
}

func TestAdded(t *testing.T) {
	e := func(ice, table, msg string) Finding {
		return Finding{ICE: ice, Severity: Error, Table: table, Message: msg}
	}
	w := func(ice, msg string) Finding { return Finding{ICE: ice, Severity: Warning, Message: msg} }
	dup := func(f Finding, n int) Finding { f.Duplicates = n; return f }
	sum := func(ice string, sev Severity, n int) Finding {
		return Finding{ICE: ice, Severity: sev, Omitted: n, Message: "more"}
	}
	for _, tt := range []struct {
		name          string
		before, after []Finding
		min           Severity
		want          []Finding
	}{
		{"same", []Finding{e("ICE03", "File", "a")}, []Finding{e("ICE03", "File", "a")}, Error, nil},
		{"new error", []Finding{e("ICE03", "File", "a")}, []Finding{e("ICE03", "File", "a"), e("ICE03", "File", "b")}, Error,
			[]Finding{e("ICE03", "File", "b")}},
		{"fixed error", []Finding{e("ICE03", "File", "a")}, nil, Error, nil},
		{"a second equal finding", []Finding{e("ICE08", "Component", "x")}, []Finding{e("ICE08", "Component", "x"), e("ICE08", "Component", "x")}, Error,
			[]Finding{e("ICE08", "Component", "x")}},
		{"duplicates count as equal findings", []Finding{dup(e("ICE03", "File", "a"), 1)}, []Finding{dup(e("ICE03", "File", "a"), 4)}, Error,
			[]Finding{dup(e("ICE03", "File", "a"), 2)}},
		{"fewer duplicates after", []Finding{dup(e("ICE03", "File", "a"), 4)}, []Finding{dup(e("ICE03", "File", "a"), 1)}, Error, nil},
		{"new warning below min", nil, []Finding{w("ICE33", "r")}, Error, nil},
		{"new warning at min", nil, []Finding{w("ICE33", "r")}, Warning, []Finding{w("ICE33", "r")}},
		{"cut lists compare totals: same", []Finding{e("ICE03", "A", "1"), sum("ICE03", Error, 5)},
			[]Finding{e("ICE03", "B", "2"), sum("ICE03", Error, 5)}, Error, nil},
		{"cut lists compare totals: more", []Finding{e("ICE03", "A", "1"), sum("ICE03", Error, 5)},
			[]Finding{e("ICE03", "B", "2"), sum("ICE03", Error, 7)}, Error,
			[]Finding{{ICE: "ICE03", Severity: Error, Omitted: 2, Message: "2 more error findings of ICE03 than before (too many to list one by one)"}}},
		{"cut only after", []Finding{e("ICE03", "A", "1")},
			[]Finding{e("ICE03", "A", "1"), sum("ICE03", Error, 3)}, Error,
			[]Finding{{ICE: "ICE03", Severity: Error, Omitted: 3, Message: "3 more error findings of ICE03 than before (too many to list one by one)"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Added(tt.before, tt.after, tt.min)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestReservedPropertiesMatchDarice compares ICE99's list with the
// _MSIPubProps table of the real darice.cub in the corpus: the cub lists
// every name msikit reserves but the properties Windows Installer
// documents that are newer than the cub.
func TestReservedPropertiesMatchDarice(t *testing.T) {
	var cub string
	for _, p := range testenv.CorpusFiles(t) {
		if filepath.Base(p) == "psmsi-darice.cub" {
			cub = p
		}
	}
	if cub == "" {
		t.Skip("psmsi-darice.cub is not in the corpus")
	}
	db, err := msi.Open(cub)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tab, err := db.Table("_MSIPubProps")
	if err != nil {
		t.Fatal(err)
	}
	inCub := map[string]bool{}
	for r := range tab.Rows() {
		inCub[r.Get("Property").Str()] = true
	}
	var onlyMsikit, onlyCub []string
	for p := range reservedProperties {
		if !inCub[p] {
			onlyMsikit = append(onlyMsikit, p)
		}
	}
	for p := range inCub {
		if !reservedProperties[p] {
			onlyCub = append(onlyCub, p)
		}
	}
	sort.Strings(onlyMsikit)
	// Documented in the Property Reference, added after the cub was made
	// (Windows Installer 4.0 to 5.0 properties) or obsolete (Alpha).
	newer := []string{"Alpha", "CCP_DRIVE", "MSIARPSETTINGSIDENTIFIER", "MSIDISABLEEEUI", "MSIDISABLERMRESTART",
		"MSIFASTINSTALL", "MSIINSTALLPERUSER", "MSIRESTARTMANAGERCONTROL", "MSIRMSHUTDOWN",
		"MSIUNINSTALLSUPERSEDEDCOMPONENTS", "MSIUSEREALADMINDETECTION", "MsiLogFileLocation", "MsiLogging",
		"MsiRestartManagerSessionKey", "MsiRunningElevated", "MsiSystemRebootPending", "MsiTabletPC"}
	if diff := cmp.Diff(newer, onlyMsikit); diff != "" {
		t.Errorf("names msikit reserves that the cub does not (-want +got):\n%s", diff)
	}
	if len(onlyCub) > 0 {
		sort.Strings(onlyCub)
		t.Errorf("names the cub reserves that msikit does not: %v", onlyCub)
	}
}

// TestValidateContext: a context that is never done gives Validate's
// findings; one done before the first rule, or after a few rules have run,
// stops the validation there with the context's cause and no findings.
func TestValidateContext(t *testing.T) {
	f := baseInstaller()
	f.add("Registry", row("R1", 0, `.acme`, "", "x", "C1"), row("R3", 1, `Software\Acme`, "", "x", "C1"))
	db := f.build(t)
	want, err := Validate(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	all := testenv.NewDoneAfter(1 << 30)
	got, err := ValidateContext(all, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ValidateContext with a context never done (-Validate +ValidateContext):\n%s", diff)
	}
	rules := all.Calls // one check per rule run
	if rules < 10 {
		t.Fatalf("%d context checks for a whole validation, want one per rule", rules)
	}
	for _, n := range []int{0, 3} {
		ctx := testenv.NewDoneAfter(n)
		fs, err := ValidateContext(ctx, db, nil)
		if !errors.Is(err, context.Canceled) || fs != nil {
			t.Errorf("done after %d rules: %d findings, err %v; want none and context.Canceled", n, len(fs), err)
		}
		if ctx.Calls > n+2 {
			t.Errorf("done after %d rules: %d checks, want it to stop at the first done one", n, ctx.Calls)
		}
	}
	cause := errors.New("the job was cancelled")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	if _, err := ValidateContext(ctx, db, nil); !errors.Is(err, cause) {
		t.Errorf("cancelled with a cause: err %v, want %v", err, cause)
	}
}

// TestValidateContextInsideRule: ICE03 looks at the context as it walks a
// table's rows, so a context done while it runs stops it part way (here
// at the 1024th row of 5,000) instead of after the whole table.
func TestValidateContextInsideRule(t *testing.T) {
	f := baseInstaller()
	var rows [][]any
	for i := range 5000 {
		rows = append(rows, row(fmt.Sprintf("R%d", i), 1, `Software\Acme`, fmt.Sprint(i), "x", "C1"))
	}
	f.add("Registry", rows...)
	db := f.build(t)
	ctx := testenv.NewDoneAfter(1) // the check before the rule passes
	fs, err := ValidateContext(ctx, db, &Options{Rules: []string{"ICE03"}})
	if !errors.Is(err, context.Canceled) || fs != nil {
		t.Fatalf("%d findings, err %v; want none and context.Canceled", len(fs), err)
	}
	// Before ICE03, at its 1024th row, and context.Cause asking once more.
	if ctx.Calls != 3 {
		t.Errorf("%d calls of Err, want 3: before ICE03, at its 1024th row and from context.Cause", ctx.Calls)
	}
}
