package transform

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// auditHeldPerEntryPoint bounds the heap an audit report holds per entry
// point once Audit returns: the EntryPoint itself (224 bytes on 64-bit
// systems) and a share of the package's tables, with every text that
// thousands of entry points have in common (the rewrite preview's
// verdict, the class a ProgId reaches, its descriptor) held once. It
// measured 91-98 with the entry points held as records of an arena
// (epList); 265 when each was an EntryPoint (224 bytes), 281 when the
// EntryPoint held the feature it names after the rewrite as a string of
// its own (240 bytes).
const auditHeldPerEntryPoint = 150

// progIDChain returns the sample with n more ProgId rows, each the
// parent of the next, under the sample's registered ProgId, saved and
// opened again.
func progIDChain(t *testing.T, n int) *msi.Database {
	t.Helper()
	db := openSample(t)
	tab, err := db.Table("ProgId")
	if err != nil {
		t.Fatal(err)
	}
	parent := "Synth.Widget.1"
	for i := range n {
		name := fmt.Sprintf("P%d", i)
		if err := tab.Insert(msi.StrValue(name), msi.StrValue(parent), msi.Value{}, msi.Value{}, msi.Value{}, msi.Value{}); err != nil {
			t.Fatal(err)
		}
		parent = name
	}
	return saveReopen(t, db)
}

// TestAuditHoldsLittlePerEntryPoint audits ProgId chains of 20,000 (the
// rewrite preview converts them) and 40,000 rows (the preview fails on
// too many changes): the report holds at most auditHeldPerEntryPoint
// bytes per entry point, so that 180,000 of them in a 5 MB package stay
// within the command budget.
func TestAuditHoldsLittlePerEntryPoint(t *testing.T) {
	if testing.Short() {
		t.Skip("builds packages of 20,000 and 40,000 rows")
	}
	for _, n := range []int{20000, 40000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			db := progIDChain(t, n)
			var rep *AuditReport
			held := int64(testenv.LiveBytes(func() any {
				var err error
				if rep, err = Audit(db, AuditOptions{NoPassReports: true}); err != nil {
					t.Fatal(err)
				}
				return rep
			}))
			eps := rep.NumEntryPoints()
			if eps < n {
				t.Fatalf("%d entry points, want at least %d", eps, n)
			}
			if fails := rep.Rewrite.Error != ""; fails != (n > 30000) {
				t.Errorf("rewrite preview error %q for %d ProgIds", rep.Rewrite.Error, n)
			}
			t.Logf("%d entry points: %d bytes held, %d per entry point", eps, held, held/int64(eps))
			if per := held / int64(eps); per > auditHeldPerEntryPoint {
				t.Errorf("the report holds %d bytes per entry point, want at most %d", per, auditHeldPerEntryPoint)
			}
			runtime.KeepAlive(rep)
		})
	}
}

// auditHeldPerFinding bounds the heap an audit report holds per key path
// finding once Audit returns: the finding kept compact (its kind, its
// severity and the strings it quotes, 12 + 64 bytes; the message is
// written when it is read) and what the model keeps of its component to
// write the component's line in the list of its feature's components
// (about 200 bytes). It measured 280 (275 when the finding held its
// strings itself, 72 bytes); a finding of 120 bytes (the registry and
// assembly values it quotes held in it, its severity as a string), 312,
// and with its message written about 450 bytes more.
const auditHeldPerFinding = 295

// componentsInCore returns the sample with n more components in feature
// Core, which advertised shortcuts check, each with its folder (INSTALLDIR,
// where nothing creates a folder of its own for it) as its key path: a
// keypath-folder finding each.
func componentsInCore(t testing.TB, n int) *msi.Database {
	t.Helper()
	db := openSample(t)
	comps, err := db.Table("Component")
	if err != nil {
		t.Fatal(err)
	}
	fc, err := db.Table("FeatureComponents")
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		name := fmt.Sprintf("C%d", i)
		id := fmt.Sprintf("{00000000-0000-0000-0000-%012d}", i)
		if err := comps.Insert(msi.StrValue(name), msi.StrValue(id), msi.StrValue("INSTALLDIR"), msi.IntValue(0), msi.Value{}, msi.Value{}); err != nil {
			t.Fatal(err)
		}
		if err := fc.Insert(msi.StrValue("Core"), msi.StrValue(name)); err != nil {
			t.Fatal(err)
		}
	}
	return saveReopen(t, db)
}

// TestAuditHoldsLittlePerFinding audits 30,000 components of a checked
// feature whose key paths are folders nothing creates: the report holds
// at most auditHeldPerFinding bytes per finding.
func TestAuditHoldsLittlePerFinding(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a package of 30,000 components")
	}
	const n = 30000
	db := componentsInCore(t, n)
	var rep *AuditReport
	held := int64(testenv.LiveBytes(func() any {
		var err error
		if rep, err = Audit(db, AuditOptions{NoPassReports: true}); err != nil {
			t.Fatal(err)
		}
		return rep
	}))
	folder := 0
	for i := range rep.NumFindings() {
		if f := rep.Finding(i); f.Rule == "keypath-folder" && f.Severity == Warning {
			folder++
		}
	}
	if folder < n {
		t.Fatalf("%d keypath-folder warnings, want at least %d", folder, n)
	}
	t.Logf("%d findings: %d bytes held, %d per finding", rep.NumFindings(), held, held/int64(rep.NumFindings()))
	if per := held / int64(rep.NumFindings()); per > auditHeldPerFinding {
		t.Errorf("the report holds %d bytes per finding, want at most %d", per, auditHeldPerFinding)
	}
	runtime.KeepAlive(rep)
}

// auditListingPerFeature bounds the heap held per entry point, once the
// entry points are listed, by a package whose advertised shortcuts each
// name a feature of their own (msi-feature-chain-entry-points, scaled, has
// 54,000): the model's feature, the entry point with its key and its
// descriptor, the descriptor cache's entry, and the model's share of the
// registration analysis. It measured 650 bytes with the entry points
// held as records of an arena (epList); 1,056 when each was an
// EntryPoint, 1,671 when, besides, the cache held a map per feature.
const auditListingPerFeature = 850

// shortcutPerFeature returns the sample with n more features, each the
// target of an advertised shortcut to component App.
func shortcutPerFeature(t testing.TB, n int) *msi.Database {
	t.Helper()
	db := openSample(t)
	feats, err := db.Table("Feature")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := db.Table("Shortcut")
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		f := fmt.Sprintf("F%d", i)
		if err := feats.Insert(msi.StrValue(f), msi.StrValue("Core"), msi.Value{}, msi.Value{}, msi.IntValue(2), msi.IntValue(1), msi.Value{}, msi.IntValue(0)); err != nil {
			t.Fatal(err)
		}
		row := make([]msi.Value, len(sc.Columns()))
		row[0], row[1], row[2], row[3], row[4] = msi.StrValue(fmt.Sprintf("S%d", i)), msi.StrValue("INSTALLDIR"), msi.StrValue("s.lnk"), msi.StrValue("App"), msi.StrValue(f)
		if err := sc.Insert(row...); err != nil {
			t.Fatal(err)
		}
	}
	return saveReopen(t, db)
}

// TestAuditListsEntryPointsInLittle lists the entry points of 30,000
// shortcuts, each naming a feature of its own: the heap the model and the
// entry points hold then, the audit's peak, stays within
// auditListingPerFeature bytes per shortcut.
func TestAuditListsEntryPointsInLittle(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a package of 30,000 features and shortcuts")
	}
	const n = 30000
	db := shortcutPerFeature(t, n)
	rep := &AuditReport{}
	held := int64(testenv.LiveBytes(func() any {
		m, err := readAuditModel(db, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err = auditEntryPoints(db, m, nil, rep); err != nil {
			t.Fatal(err)
		}
		return m
	}))
	written := 0
	for _, ep := range rep.EntryPoints() {
		if ep.Kind == "shortcut" && ep.Registered && len(ep.Descriptors) == 1 && ep.Descriptors[0].Descriptor != "" {
			written++
		}
	}
	if written < n {
		t.Fatalf("%d registered shortcuts with a descriptor, want at least %d", written, n)
	}
	t.Logf("%d entry points: %d bytes held, %d per shortcut", rep.NumEntryPoints(), held, held/n)
	if per := held / n; per > auditListingPerFeature {
		t.Errorf("listing the entry points holds %d bytes per shortcut, want at most %d", per, auditListingPerFeature)
	}
	runtime.KeepAlive(rep)
}

// BenchmarkAuditFindings audits 30,000 components of a checked feature
// whose key paths are folders nothing creates (a finding each), and
// writes the text report.
func BenchmarkAuditFindings(b *testing.B) {
	db := componentsInCore(b, 30000)
	b.ReportAllocs()
	for b.Loop() {
		rep, err := Audit(db, AuditOptions{NoPassReports: true})
		if err != nil {
			b.Fatal(err)
		}
		if err := rep.WriteText(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// WriteText writes the lines of components and findings without boxing
// their parts for fmt: 30,000 components of a checked feature, each with
// a finding, took 17 allocations apiece (a line of the feature's list
// and the finding's 4, most of their strings boxed), and now take 8
// (what remains builds the texts: the key path, the finding's message
// and rows).
func TestAuditWriteTextAllocatesLittlePerLine(t *testing.T) {
	const n = 3000
	db := componentsInCore(t, n)
	rep, err := Audit(db, AuditOptions{NoPassReports: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.NumFindings() < n {
		t.Fatalf("%d findings, want at least %d", rep.NumFindings(), n)
	}
	allocs := testing.AllocsPerRun(2, func() {
		if err := rep.WriteText(io.Discard); err != nil {
			t.Fatal(err)
		}
	})
	if per := allocs / n; per > 10 {
		t.Errorf("WriteText: %.1f allocations per component, want at most 10", per)
	}
}

// The findings of components covered by the same entry points share the
// text that says so, made once: it was made for each component and then
// found among the texts already kept (110 MB of garbage for the 120,000
// components of msi-components-one-id.msi in the scaled set): 1,418
// bytes allocated per component before, 252 after.
func TestAuditFindingsMakeSharedTextsOnce(t *testing.T) {
	const n = 3000
	db := componentsInCore(t, n)
	m, err := readAuditModel(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep := &AuditReport{}
	if err := auditEntryPoints(db, m, nil, rep); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	auditFindings(m, rep, AuditOptions{})
	runtime.ReadMemStats(&after)
	if len(rep.findings) < n {
		t.Fatalf("%d findings, want at least %d", len(rep.findings), n)
	}
	per := (after.TotalAlloc - before.TotalAlloc) / n
	if per > 400 {
		t.Errorf("auditFindings allocated %d bytes per component, want at most 400", per)
	}
}

// publishGrid returns the sample with cats x quals more PublishComponent
// rows (the table created), each a qualified component entry point of
// App in feature Core: msi-publish-grid.msi of the scaled hostile
// fixtures (4,600 x 100 there) at a smaller size.
func publishGrid(t testing.TB, cats, quals int) *msi.Database {
	t.Helper()
	db := openSample(t)
	tab, err := db.CreateTable("PublishComponent", []msi.Column{
		{Name: "ComponentId", Type: msi.ColString, Size: 38, Key: true},
		{Name: "Qualifier", Type: msi.ColString, Size: 255, Key: true},
		{Name: "Component_", Type: msi.ColString, Size: 72, Key: true},
		{Name: "AppData", Type: msi.ColString, Size: 255, Nullable: true},
		{Name: "Feature_", Type: msi.ColString, Size: 38},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range cats {
		for j := range quals {
			if err := tab.Insert(msi.StrValue(fmt.Sprintf("{11111111-2222-3333-4444-%012d}", i)), msi.StrValue(fmt.Sprintf("q%d", j)), msi.StrValue("App"), msi.Value{}, msi.StrValue("Core")); err != nil {
				t.Fatal(err)
			}
		}
	}
	return saveReopen(t, db)
}

// auditHeldPerPublished bounds the heap an audit report holds per
// qualified component of a category shared by 100 rows once Audit
// returns (the rewrite preview left out): the entry point's record
// (epList: its qualifier in it, the category, feature, component and
// descriptor quoted by index, its name and data made when it is read)
// and its broad-health-check finding (12 bytes). It measured 83; 468
// when it was an EntryPoint (224 bytes) with its key (48), name (64)
// and descriptor (112), 484 when the EntryPoint held the feature it
// names after the rewrite as a string (240 bytes), 554 when, besides,
// the finding held four strings (72 bytes), and 633 when each row's
// descriptor also held its own copy of the category's registry key (80
// bytes, packed again for each row).
const auditHeldPerPublished = 130

// TestAuditHoldsLittlePerPublishedComponent audits 40,000 qualified
// components, 100 per category: the report holds at most
// auditHeldPerPublished bytes per entry point (the scaled fixture's
// 460,000 of them, with --max-entry-points raised, held 312 MiB).
func TestAuditHoldsLittlePerPublishedComponent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a package of 40,000 PublishComponent rows")
	}
	const n = 40000
	db := publishGrid(t, n/100, 100)
	var rep *AuditReport
	held := int64(testenv.LiveBytes(func() any {
		var err error
		if rep, err = Audit(db, AuditOptions{NoRewrite: true, MaxEntryPoints: 2 * n}); err != nil {
			t.Fatal(err)
		}
		return rep
	}))
	published := 0
	for _, ep := range rep.EntryPoints() {
		if ep.Kind == "qualified component" && ep.Registered && len(ep.Descriptors) == 1 && ep.Descriptors[0].Descriptor != "" {
			published++
		}
	}
	if published != n {
		t.Fatalf("%d registered qualified components with a descriptor, want %d", published, n)
	}
	t.Logf("%d entry points, %d findings: %d bytes held, %d per qualified component", rep.NumEntryPoints(), rep.NumFindings(), held, held/n)
	if per := held / n; per > auditHeldPerPublished {
		t.Errorf("the report holds %d bytes per qualified component, want at most %d", per, auditHeldPerPublished)
	}
	runtime.KeepAlive(rep)
}

// The entry points of 20,000 qualified components are listed, and their
// broad-health-check findings read, with little garbage besides what the
// report keeps: each row's key was read into a slice of its own, and
// each finding's row name was made three times over and its message
// formatted with its arguments boxed (msi-publish-grid.msi, scaled, with
// --max-entry-points raised: 460,000 of each, and the collector ran
// again and again over the 200 MB the report holds). Measured: Audit
// 698 -> 570 bytes allocated per row, reading a finding 7 -> 3
// allocations (368 -> 272 bytes).
func TestAuditPublishedComponentsAllocateLittle(t *testing.T) {
	const n = 20000
	db := publishGrid(t, n/100, 100)
	var rep *AuditReport
	var err error
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rep, err = Audit(db, AuditOptions{NoRewrite: true})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	audit := (after.TotalAlloc - before.TotalAlloc) / n
	var broad []int
	for i := range rep.NumFindings() {
		if f := rep.Finding(i); f.Rule == "broad-health-check" && strings.HasPrefix(f.Rows[0], "PublishComponent [") {
			broad = append(broad, i)
		}
	}
	if len(broad) != n {
		t.Fatalf("%d broad-health-check findings of qualified components, want %d", len(broad), n)
	}
	runtime.ReadMemStats(&before)
	allocs := testing.AllocsPerRun(1, func() {
		for _, i := range broad {
			rep.Finding(i)
		}
	}) / n
	runtime.ReadMemStats(&after)
	read := (after.TotalAlloc - before.TotalAlloc) / (2 * n) // AllocsPerRun runs it twice
	t.Logf("Audit: %d bytes allocated per row; a finding read: %.1f allocations, %d bytes", audit, allocs, read)
	if audit > 620 {
		t.Errorf("Audit allocated %d bytes per row, want at most 620", audit)
	}
	if allocs > 4 {
		t.Errorf("reading a finding took %.1f allocations, want at most 4", allocs)
	}
}

// WriteText writes an entry point's lines as their parts, not through
// fmt: 3,000 qualified components took 8.1 allocations apiece (their
// descriptor line formatted a part at a time, each part boxed, their key
// joined), and now take what their broad-health-check finding's texts
// take (3: its rows, row name and message).
func TestAuditWriteTextAllocatesLittlePerEntryPoint(t *testing.T) {
	const n = 3000
	db := publishGrid(t, n/100, 100)
	rep, err := Audit(db, AuditOptions{NoRewrite: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.NumEntryPoints() < n {
		t.Fatalf("%d entry points, want at least %d", rep.NumEntryPoints(), n)
	}
	allocs := testing.AllocsPerRun(2, func() {
		if err := rep.WriteText(io.Discard); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("WriteText: %.1f allocations per qualified component", allocs/n)
	if per := allocs / n; per > 3.5 {
		t.Errorf("WriteText: %.1f allocations per qualified component, want at most 3.5", per)
	}
}

// BenchmarkAuditPublishGrid audits 20,000 qualified components, 100 per
// category, without the rewrite preview, and writes the text report:
// the entry points, their findings and their lines.
func BenchmarkAuditPublishGrid(b *testing.B) {
	db := publishGrid(b, 200, 100)
	b.SetBytes(db.Size())
	b.ReportAllocs()
	for b.Loop() {
		rep, err := Audit(db, AuditOptions{NoRewrite: true})
		if err != nil {
			b.Fatal(err)
		}
		if err := rep.WriteText(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAuditWriteTextClipsLongComponent: 200 classes of one component
// named by a 1 MiB text. WriteText wrote the name whole in each class's
// "checks feature" line (200 MB of report; 64 GB at 5 MB); it is clipped
// like the keys, a few hundred bytes of lines per class.
func TestAuditWriteTextClipsLongComponent(t *testing.T) {
	const n = 200
	db := openSample(t)
	long := strings.Repeat("LongComponent.", 1<<20/14)
	table := func(name string) *msi.Table {
		tab, err := db.Table(name)
		if err != nil {
			t.Fatal(err)
		}
		return tab
	}
	insert := func(tab *msi.Table, cells map[string]msi.Value) {
		vals := make([]msi.Value, len(tab.Columns()))
		for j, c := range tab.Columns() {
			vals[j] = cells[c.Name]
		}
		if err := tab.Insert(vals...); err != nil {
			t.Fatal(err)
		}
	}
	insert(table("Component"), map[string]msi.Value{"Component": msi.StrValue(long), "ComponentId": msi.StrValue("{E4BFE2CF-1830-9FC5-8D47-43532C99CAFC}"),
		"Directory_": msi.StrValue("BINDIR"), "Attributes": msi.IntValue(0), "KeyPath": msi.StrValue("long.dll")})
	insert(table("FeatureComponents"), map[string]msi.Value{"Feature_": msi.StrValue("Core"), "Component_": msi.StrValue(long)})
	insert(table("File"), map[string]msi.Value{"File": msi.StrValue("long.dll"), "Component_": msi.StrValue(long), "FileName": msi.StrValue("long.dll"),
		"FileSize": msi.IntValue(1), "Sequence": msi.IntValue(1)})
	for i := range n {
		insert(table("Class"), map[string]msi.Value{"CLSID": msi.StrValue(fmt.Sprintf("{AAAAAAAA-0000-0000-0000-%012d}", i)),
			"Context": msi.StrValue("InprocServer32"), "Component_": msi.StrValue(long), "Feature_": msi.StrValue("Core")})
	}
	db = saveReopen(t, db)
	rep, err := Audit(db, AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var w countWriter
	if err := rep.WriteText(&w); err != nil {
		t.Fatal(err)
	}
	// The component's own lines (its key path, the Components list) quote
	// it once or twice; the classes' lines are clipped.
	if limit := 4*len(long) + n*4096; int(w) > limit {
		t.Errorf("WriteText wrote %d bytes for %d classes of a %d-byte component, want at most %d", int(w), n, len(long), limit)
	}
}
