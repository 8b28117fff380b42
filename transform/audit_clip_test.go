package transform

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/msi"
)

// A long pooled text that many rows share is quoted clipped by what the
// audit keeps for each entry point and finding: its descriptors' keys,
// arguments and data, the rows it names, and an assembly's identity.
// 30,000 verbs sharing one 60 KB argument made `msikit audit` write
// 1.8 GB (16 s, 1.8 GB of memory), 30,000 classes sharing one 60 KB
// context 5.4 GB (46 s), and 20,000 assemblies whose MsiAssemblyName
// rows share one 60 KB name and value held 4.8 GB of identities.
func TestAuditClipsSharedLongTexts(t *testing.T) {
	const n = 200
	long := strings.Repeat("ab", 30000)
	db := openSample(t)
	var verbs, classes, names, asms, comps, fcs [][]msi.Value
	for i := range n {
		verbs = append(verbs, []msi.Value{msi.StrValue("synth"), msi.StrValue(fmt.Sprintf("v%d", i)), msi.IntValue(1), msi.StrValue("x"), msi.StrValue(long)})
		classes = append(classes, []msi.Value{msi.StrValue(fmt.Sprintf("{%08X-0000-0000-0000-000000000000}", i)), msi.StrValue(long), msi.StrValue("ComServer"),
			msi.Null, msi.Null, msi.Null, msi.Null, msi.Null, msi.Null, msi.Null, msi.Null, msi.StrValue("Core"), msi.Null})
		c := fmt.Sprintf("A%d", i)
		comps = append(comps, []msi.Value{msi.StrValue(c), msi.StrValue(fmt.Sprintf("{%08X-0000-0000-0000-000000000001}", i)), msi.StrValue("ASMDIR"), msi.IntValue(0), msi.Null, msi.StrValue("Contoso.Core.dll")})
		fcs = append(fcs, []msi.Value{msi.StrValue("Core"), msi.StrValue(c)})
		asms = append(asms, []msi.Value{msi.StrValue(c), msi.StrValue("Core"), msi.StrValue("Contoso.Core.dll"), msi.Null, msi.IntValue(0)})
		names = append(names, []msi.Value{msi.StrValue(c), msi.StrValue("name"), msi.StrValue(long)},
			[]msi.Value{msi.StrValue(c), msi.StrValue(long), msi.StrValue(long)})
	}
	replaceRows(t, db, "Verb", verbs...)
	replaceRows(t, db, "Class", classes...)
	replaceRows(t, db, "MsiAssembly", asms...)
	replaceRows(t, db, "MsiAssemblyName", names...)
	for _, tc := range []struct {
		name string
		rows [][]msi.Value
	}{{"Component", comps}, {"FeatureComponents", fcs}} {
		tab, err := db.Table(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range tc.rows {
			if err := tab.Insert(r...); err != nil {
				t.Fatal(err)
			}
		}
	}
	db = saveReopen(t, db)
	rep, err := Audit(db, AuditOptions{NoRewrite: true})
	if err != nil {
		t.Fatal(err)
	}
	const most = 3 * (clip.Keep + 40)
	descriptors := 0
	for _, ep := range rep.EntryPoints() {
		for _, d := range ep.Descriptors {
			if strings.Contains(d.Where+d.Args, "abab") {
				descriptors++
			}
			for _, s := range []string{d.Where, d.Value, d.Args, d.Data} {
				if len(s) > most {
					t.Fatalf("%s %s: descriptor quotes %d bytes: %.80q", ep.Table, ep.Name, len(s), s)
				}
			}
		}
	}
	identities := 0
	for i := range rep.NumFeatures() {
		for c := range rep.CoveredComponents(i) {
			if a := c.KeyPath.Assembly; a != "" {
				identities++
				if len(a) > clip.Max+40 {
					t.Fatalf("component %s: assembly identity of %d bytes", c.Component, len(a))
				}
			}
		}
	}
	if identities < n {
		t.Errorf("%d assembly identities in the health checks, want at least %d", identities, n)
	}
	if descriptors < 2*n {
		t.Errorf("%d descriptors quote the long text, want at least %d", descriptors, 2*n)
	}
	noArch := 0
	for i := range rep.NumFindings() {
		f := rep.Finding(i)
		for _, s := range append([]string{f.Message}, f.Rows...) {
			if len(s) > clip.Max+200 {
				t.Fatalf("finding %s quotes %d bytes: %.80q", f.Rule, len(s), s)
			}
		}
		if f.Rule == "assembly-no-architecture" {
			noArch++
		}
	}
	if noArch < n {
		t.Errorf("%d assembly-no-architecture findings, want at least %d", noArch, n)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if max := 3 * n * 4096; text.Len() > max {
		t.Errorf("the text report has %d bytes, want at most %d", text.Len(), max)
	}
}
