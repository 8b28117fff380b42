package fuzz

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/sarif"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/darwin"
	"github.com/msikit/msikit/msi/install"
	"github.com/msikit/msikit/msi/sbom"
	"github.com/msikit/msikit/transform"
)

// Bounds of FuzzAnalyze's documents: past analyzeDocMax bytes a document
// is hashed for the determinism check but not kept and parsed, and an
// SBOM is refused with sbom.ErrTooLarge (WriteOptions.MaxBytes, as msikit
// sbom's --max-bytes); the audit's MarshalJSON, which has no bound of its
// own, is only called when the report's parts, written one at a time,
// come to less than analyzeDocMax.
const analyzeDocMax = 8 << 20

// analyzeQueries bounds the PackageIndex questions of each kind asked
// per input.
const analyzeQueries = 32

// FuzzAnalyze opens arbitrary bytes with msi.NewDatabase and runs the
// read-only analyses on what opens: transform.Audit (with its rewrite
// preview) and its report in every format msikit audit writes (text,
// JSON, SARIF), transform.NewPackageIndex and its answers for the
// package's components, features, files, actions and descriptors,
// sbom.Read and both documents (CycloneDX, SPDX), and install.Files.
// Every error must be typed and carry its package's prefix; the JSON
// documents must parse and hold what their formats require (unique
// references that resolve, install paths that are relative and never
// climb out); and a second run on the same database must give the same
// output byte for byte. Each input must finish within the fuzz budgets.
func FuzzAnalyze(f *testing.F) {
	addPackageSeeds(f, "*", dbSeedMax)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 8<<20 {
			return
		}
		testenv.CheckFuzzBudget(t, len(data), func() {
			db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				return // FuzzOpenDatabase checks these errors
			}
			first := analyze(t, db, data)
			again := analyze(t, db, data)
			if d := cmp.Diff(first, again); d != "" {
				t.Fatalf("a second run on the same database gives other output (-first +second):\n%s", d)
			}
		})
	})
}

// analysis is what FuzzAnalyze's analyses wrote, documents as digests.
type analysis struct {
	AuditErr, AuditText, AuditJSON, AuditSARIF string
	IndexErr                                   string
	Index                                      []string
	SBOMErr, CycloneDX, SPDX                   string
	FilesErr                                   string
	Files                                      []string
}

// digest returns b's SHA-256 in hex, for the determinism check.
func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// boundedBuffer keeps what is written up to analyzeDocMax bytes and
// hashes all of it.
type boundedBuffer struct {
	buf  bytes.Buffer
	hash interface {
		io.Writer
		Sum([]byte) []byte
	}
	n    int64
	over bool
}

func newBoundedBuffer() *boundedBuffer { return &boundedBuffer{hash: sha256.New()} }

func (b *boundedBuffer) Write(p []byte) (int, error) {
	b.hash.Write(p)
	b.n += int64(len(p))
	if !b.over && b.n <= analyzeDocMax {
		b.buf.Write(p)
	} else {
		b.over = true
		b.buf = bytes.Buffer{}
	}
	return len(p), nil
}

func (b *boundedBuffer) sum() string { return hex.EncodeToString(b.hash.Sum(nil)) }

// checkTypedError fails t unless err carries one of the prefixes and
// matches one of the documented errors.
func checkTypedError(t *testing.T, what string, err error, prefixes []string, targets ...error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	if !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(msg, p) }) {
		t.Fatalf("%s: error without a package prefix (%v): %v", what, prefixes, err)
	}
	var ue *msi.UnsupportedError
	if errors.As(err, &ue) {
		return
	}
	for _, target := range targets {
		if errors.Is(err, target) {
			return
		}
	}
	t.Fatalf("%s: untyped error %T: %v", what, err, err)
}

// checkRelPath fails t unless p is a relative slash-separated path that
// stays below its root, as msikit extract and sbom promise.
func checkRelPath(t *testing.T, what, p string) {
	t.Helper()
	if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, `\`) || strings.Contains(p, ":") {
		t.Fatalf("%s: install path %q is not a relative slash-separated path", what, p)
	}
	for _, e := range strings.Split(p, "/") {
		if e == "" || e == "." || e == ".." {
			t.Fatalf("%s: install path %q holds the element %q", what, p, e)
		}
	}
}

// analyze runs every read-only analysis on db (opened from data) and
// checks what each writes.
func analyze(t *testing.T, db *msi.Database, data []byte) analysis {
	t.Helper()
	var a analysis
	analyzeAudit(t, db, &a)
	analyzeIndex(t, db, &a)
	inv := analyzeSBOM(t, db, data, &a)
	files, err := install.Files(db, nil)
	checkTypedError(t, "install.Files", err, []string{"msi: ", "install: ", "cab: ", "cfb: "}, msi.ErrFormat, msi.ErrLimit)
	if err != nil {
		a.FilesErr = err.Error()
		return a
	}
	for f := range files {
		if f.Err != nil {
			if !errors.Is(f.Err, install.ErrUnsafePath) {
				t.Fatalf("install.Files: %q: error %v does not match install.ErrUnsafePath", f.Key, f.Err)
			}
			a.Files = append(a.Files, f.Key+"\x00!"+f.Err.Error())
			continue
		}
		checkRelPath(t, "install.Files: "+f.Key, f.Path)
		a.Files = append(a.Files, f.Key+"\x00"+f.Path)
	}
	if inv != nil {
		// The inventory lays files out as install.Files does (the same
		// plan): each of its files is there, at the same path or with
		// the same refusal; the inventory adds cabinet files no File
		// row names.
		listed := map[string]int{}
		for _, f := range inv.Files {
			if f.Err != nil {
				listed[f.Key+"\x00!"+f.Err.Error()]++
			} else {
				listed[f.Key+"\x00"+f.Path]++
			}
		}
		for _, f := range a.Files {
			if listed[f] == 0 {
				t.Fatalf("install.Files lists %q, the SBOM's inventory does not", f)
			}
			listed[f]--
		}
	}
	return a
}

// analyzeAudit audits db and writes the report as msikit audit does:
// text, JSON (the report's MarshalJSON, and its parts one at a time as
// the CLI's streaming writer takes them), and SARIF.
func analyzeAudit(t *testing.T, db *msi.Database, a *analysis) {
	t.Helper()
	rep, err := transform.Audit(db, transform.AuditOptions{})
	if err != nil {
		if k := db.Kind(); k == msi.PackagePatch || k == msi.PackageTransform {
			if !errors.Is(err, transform.ErrNotInstaller) {
				t.Fatalf("Audit of a %v: %v, want transform.ErrNotInstaller", k, err)
			}
			return // refused, as documented
		}
		checkTypedError(t, "Audit", err, []string{"transform: ", "msi: ", "cab: ", "cfb: "},
			msi.ErrFormat, msi.ErrLimit, transform.ErrTooManyEntryPoints, transform.ErrTooManyChanges)
		a.AuditErr = err.Error()
		return
	}

	// Text: every line one Write (WriteText's promise), so that an
	// escaping writer sees whole lines.
	text := newBoundedBuffer()
	lw := &lineChecker{t: t, w: text}
	if err := rep.WriteText(lw); err != nil {
		t.Fatalf("WriteText: %v", err)
	}
	a.AuditText = text.sum()

	// The parts, one at a time, as the CLI's --json writer takes them:
	// each parses, and their sizes decide whether MarshalJSON is cheap.
	parts := sha256.New()
	var size int64
	part := func(what string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("audit JSON: %s: %v", what, err)
		}
		if !json.Valid(b) {
			t.Fatalf("audit JSON: %s does not parse: %.300s", what, b)
		}
		parts.Write(b)
		size += int64(len(b))
	}
	for _, ep := range rep.EntryPoints() {
		part("entry point", &ep)
	}
	for _, c := range rep.Checks {
		part("check", c)
	}
	for i := range rep.NumFeatures() {
		feature, _, n := rep.Feature(i)
		got := 0
		for c := range rep.CoveredComponents(i) {
			part("covered component", &c)
			got++
		}
		if got != n {
			t.Fatalf("audit: feature %q: Feature says %d components, CoveredComponents yields %d", feature, n, got)
		}
	}
	flagged := 0
	for i := range rep.NumFindings() {
		f := rep.Finding(i)
		if f.Severity == transform.Error || f.Severity == transform.Warning {
			flagged++
		}
		part("finding", &f)
	}
	if flagged != rep.Flagged() {
		t.Fatalf("audit: %d findings at warning level or above, Flagged says %d", flagged, rep.Flagged())
	}
	part("signature", &rep.Signature)
	part("cache", &rep.Cache)
	if rep.Rewrite != nil {
		part("rewrite", rep.Rewrite)
	}
	a.AuditJSON = hex.EncodeToString(parts.Sum(nil))
	if size < analyzeDocMax {
		b, err := rep.MarshalJSON()
		if err != nil {
			t.Fatalf("audit MarshalJSON: %v", err)
		}
		var doc struct {
			EntryPoints []json.RawMessage `json:"entryPoints"`
			Checks      []json.RawMessage `json:"checks"`
			Features    []json.RawMessage `json:"features"`
			Findings    []struct {
				Rule     string   `json:"rule"`
				Severity string   `json:"severity"`
				Rows     []string `json:"rows"`
			} `json:"findings"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("audit MarshalJSON does not parse: %v\n%.500s", err, b)
		}
		if len(doc.EntryPoints) != rep.NumEntryPoints() || len(doc.Checks) != len(rep.Checks) ||
			len(doc.Features) != rep.NumFeatures() || len(doc.Findings) != rep.NumFindings() {
			t.Fatalf("audit JSON lists %d entry points, %d checks, %d features, %d findings; the report %d, %d, %d, %d",
				len(doc.EntryPoints), len(doc.Checks), len(doc.Features), len(doc.Findings),
				rep.NumEntryPoints(), len(rep.Checks), rep.NumFeatures(), rep.NumFindings())
		}
		rules := map[string]bool{}
		for _, r := range transform.AuditRules {
			rules[r.ID] = true
		}
		for _, f := range doc.Findings {
			if !rules[f.Rule] {
				t.Fatalf("audit finding of unknown rule %q", f.Rule)
			}
			switch f.Severity {
			case "error", "warning", "info":
			default:
				t.Fatalf("audit finding %q of severity %q", f.Rule, f.Severity)
			}
		}
		a.AuditJSON += " " + digest(b)
	}

	// SARIF, as msikit audit --sarif writes it: one result per finding.
	var rules []sarif.Rule
	for _, r := range transform.AuditRules {
		rules = append(rules, sarif.Rule{ID: r.ID, Name: r.Name, ShortDescription: &sarif.Message{Text: r.Summary}})
	}
	out := newBoundedBuffer()
	sw := sarif.NewWriter(out, sarif.Driver{Name: "msikit", Rules: rules},
		[]sarif.Artifact{{Location: sarif.ArtifactLocation{URI: "package.msi"}, Length: rep.Cache.PackageBytes}})
	for i := range rep.NumFindings() {
		f := rep.Finding(i)
		var logic []sarif.LogicalLocation
		for _, row := range f.Rows {
			logic = append(logic, sarif.LogicalLocation{Name: row, FullyQualifiedName: "package.msi/" + row, Kind: "object"})
		}
		level := sarif.LevelNote
		switch f.Severity {
		case transform.Error:
			level = sarif.LevelError
		case transform.Warning:
			level = sarif.LevelWarning
		}
		if err := sw.Add(sarif.Result{RuleID: f.Rule, Level: level, Message: sarif.Message{Text: f.Message + ". To do: " + f.Remedy + "."},
			Locations: []sarif.Location{{PhysicalLocation: &sarif.PhysicalLocation{ArtifactLocation: sarif.ArtifactLocation{URI: "package.msi"}}, LogicalLocations: logic}}}); err != nil {
			t.Fatalf("SARIF: %v", err)
		}
	}
	if err := sw.Close(); err != nil {
		t.Fatalf("SARIF: %v", err)
	}
	if !out.over {
		var log struct {
			Version string `json:"version"`
			Runs    []struct {
				Results []struct {
					RuleID string `json:"ruleId"`
				} `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal(out.buf.Bytes(), &log); err != nil {
			t.Fatalf("SARIF log does not parse: %v\n%.500s", err, out.buf.Bytes())
		}
		if log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) != rep.NumFindings() {
			t.Fatalf("SARIF log: version %q, %d runs, want 2.1.0 and one run of %d results", log.Version, len(log.Runs), rep.NumFindings())
		}
	}
	a.AuditSARIF = out.sum()
}

// A lineChecker passes each Write on and fails the test for one that is
// not a whole line.
type lineChecker struct {
	t *testing.T
	w io.Writer
}

func (l *lineChecker) Write(p []byte) (int, error) {
	if !bytes.HasSuffix(p, []byte("\n")) {
		l.t.Fatalf("WriteText wrote %.200q: not a whole line", p)
	}
	return l.w.Write(p)
}

// analyzeIndex builds a PackageIndex and asks it about the package's own
// rows, each question twice (it remembers its answers: the second must
// be the first).
func analyzeIndex(t *testing.T, db *msi.Database, a *analysis) {
	t.Helper()
	x, err := transform.NewPackageIndex(db)
	checkTypedError(t, "NewPackageIndex", err, []string{"transform: ", "msi: "}, msi.ErrFormat, msi.ErrLimit)
	if err != nil {
		a.IndexErr = err.Error()
		return
	}
	column := func(table, col string) []string {
		tab, err := db.Table(table)
		if err != nil {
			return nil
		}
		i := slices.IndexFunc(tab.Columns(), func(c msi.Column) bool { return c.Name == col })
		if i < 0 {
			return nil
		}
		var out []string
		for r := range tab.Rows() {
			if len(out) == analyzeQueries {
				break
			}
			out = append(out, r.At(i).String())
		}
		return out
	}
	ask := func(what, q string, fn func(string) string) {
		ans := fn(q)
		if again := fn(q); again != ans {
			t.Fatalf("PackageIndex.%s(%q) answers %q, then %q", what, q, ans, again)
		}
		a.Index = append(a.Index, what+"("+q+") "+ans)
	}
	product := x.ProductCode()
	a.Index = append(a.Index, "ProductCode "+product)
	codes := column("Component", "ComponentId")
	features := column("Feature", "Feature")
	for _, c := range codes {
		ask("Component", c, x.Component)
	}
	for _, f := range features {
		ask("Feature", f, x.Feature)
	}
	for _, f := range column("File", "File") {
		ask("File", f, x.File)
	}
	for _, f := range column("File", "FileName") {
		if _, long, ok := strings.Cut(f, "|"); ok {
			f = long
		}
		ask("File", f, x.File)
	}
	for _, c := range column("CustomAction", "Action") {
		ask("Action", c, x.Action)
	}
	for i, c := range codes {
		d := darwin.Descriptor{Product: product, Component: c}
		if i < len(features) {
			d.Feature = features[i]
		}
		ans := x.Descriptor(d)
		if again := x.Descriptor(d); !slices.Equal(ans, again) {
			t.Fatalf("PackageIndex.Descriptor(%+v) answers %q, then %q", d, ans, again)
		}
		a.Index = append(a.Index, fmt.Sprintf("Descriptor(%+v) %q", d, ans))
	}
}

// spdxIDPattern is what SPDX 2.3 allows as an element's SPDXID.
var spdxIDPattern = regexp.MustCompile(`^SPDXRef-[A-Za-z0-9.-]+$`)

// analyzeSBOM reads db's inventory and writes both documents; it
// returns the inventory, or nil when Read fails.
func analyzeSBOM(t *testing.T, db *msi.Database, data []byte, a *analysis) *sbom.Inventory {
	t.Helper()
	inv, err := sbom.Read(db, &sbom.Options{Package: bytes.NewReader(data), PackageSize: int64(len(data))})
	if err != nil {
		checkTypedError(t, "sbom.Read", err, []string{"sbom: ", "msi: ", "install: ", "cab: ", "cfb: "}, msi.ErrFormat, msi.ErrLimit, sbom.ErrUnsupported)
		a.SBOMErr = err.Error()
		return nil
	}
	for _, f := range inv.Files {
		if f.Err == nil {
			checkRelPath(t, "sbom: "+f.Key, f.Path)
		}
	}
	opts := &sbom.WriteOptions{MaxBytes: analyzeDocMax}
	for _, d := range []struct {
		name  string
		write func(io.Writer, *sbom.WriteOptions) error
		check func(*testing.T, []byte)
		out   *string
	}{
		{"WriteCycloneDX", inv.WriteCycloneDX, checkCycloneDX, &a.CycloneDX},
		{"WriteSPDX", inv.WriteSPDX, checkSPDX, &a.SPDX},
	} {
		var doc bytes.Buffer
		if err := d.write(&doc, opts); err != nil {
			if !errors.Is(err, sbom.ErrTooLarge) {
				t.Fatalf("%s: %v", d.name, err)
			}
			if doc.Len() != 0 {
				t.Fatalf("%s refused the document after writing %d bytes", d.name, doc.Len())
			}
			*d.out = "too large"
			continue
		}
		d.check(t, doc.Bytes())
		*d.out = digest(doc.Bytes())
	}
	return inv
}

// cdxComponent is what checkCycloneDX reads of a CycloneDX component.
type cdxComponent struct {
	Type       string          `json:"type"`
	Name       *string         `json:"name"`
	BOMRef     string          `json:"bom-ref"`
	Components []*cdxComponent `json:"components"`
	Evidence   *struct {
		Occurrences []struct {
			Location string `json:"location"`
		} `json:"occurrences"`
	} `json:"evidence"`
}

// checkCycloneDX parses a CycloneDX 1.6 document and checks what the
// format requires and sbom promises: the header, a type and a name for
// every component, bom-refs unique, compositions naming existing
// bom-refs, install paths relative.
func checkCycloneDX(t *testing.T, b []byte) {
	t.Helper()
	var doc struct {
		BOMFormat    string `json:"bomFormat"`
		SpecVersion  string `json:"specVersion"`
		SerialNumber string `json:"serialNumber"`
		Version      int    `json:"version"`
		Metadata     struct {
			Component *cdxComponent `json:"component"`
		} `json:"metadata"`
		Components   []*cdxComponent `json:"components"`
		Compositions []struct {
			Aggregate  string   `json:"aggregate"`
			Assemblies []string `json:"assemblies"`
		} `json:"compositions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("CycloneDX document does not parse: %v\n%.500s", err, b)
	}
	if doc.BOMFormat != "CycloneDX" || doc.SpecVersion != "1.6" || doc.Version < 1 ||
		!regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(doc.SerialNumber) {
		t.Fatalf("CycloneDX header: bomFormat %q, specVersion %q, version %d, serialNumber %q", doc.BOMFormat, doc.SpecVersion, doc.Version, doc.SerialNumber)
	}
	if doc.Metadata.Component == nil {
		t.Fatal("CycloneDX document without metadata.component")
	}
	refs := map[string]bool{}
	var walk func(c *cdxComponent)
	walk = func(c *cdxComponent) {
		switch c.Type {
		case "application", "library", "file", "framework", "container", "firmware", "device", "operating-system":
		default:
			t.Fatalf("CycloneDX component of type %q", c.Type)
		}
		if c.Name == nil {
			t.Fatalf("CycloneDX component %q without a name", c.BOMRef)
		}
		if c.BOMRef != "" {
			if refs[c.BOMRef] {
				t.Fatalf("CycloneDX bom-ref %q twice", c.BOMRef)
			}
			refs[c.BOMRef] = true
		}
		if c.Evidence != nil {
			for _, o := range c.Evidence.Occurrences {
				checkRelPath(t, "CycloneDX "+c.BOMRef, o.Location)
			}
		}
		for _, s := range c.Components {
			walk(s)
		}
	}
	walk(doc.Metadata.Component)
	for _, c := range doc.Components {
		walk(c)
	}
	for _, c := range doc.Compositions {
		for _, r := range c.Assemblies {
			if !refs[r] {
				t.Fatalf("CycloneDX composition %q names bom-ref %q, which no component has", c.Aggregate, r)
			}
		}
	}
}

// checkSPDX parses an SPDX 2.3 document and checks what the format
// requires and sbom promises: the header, valid and unique SPDXIDs,
// a SHA-1 for every file, file names "./" and a relative path,
// relationships between elements that exist.
func checkSPDX(t *testing.T, b []byte) {
	t.Helper()
	type checksum struct {
		Algorithm string `json:"algorithm"`
		Value     string `json:"checksumValue"`
	}
	var doc struct {
		SPDXVersion       string `json:"spdxVersion"`
		DataLicense       string `json:"dataLicense"`
		SPDXID            string `json:"SPDXID"`
		Name              string `json:"name"`
		DocumentNamespace string `json:"documentNamespace"`
		CreationInfo      struct {
			Created  string   `json:"created"`
			Creators []string `json:"creators"`
		} `json:"creationInfo"`
		Packages []struct {
			SPDXID           string `json:"SPDXID"`
			Name             string `json:"name"`
			DownloadLocation string `json:"downloadLocation"`
		} `json:"packages"`
		Files []struct {
			SPDXID    string     `json:"SPDXID"`
			FileName  string     `json:"fileName"`
			Checksums []checksum `json:"checksums"`
		} `json:"files"`
		Relationships []struct {
			Element string `json:"spdxElementId"`
			Type    string `json:"relationshipType"`
			Related string `json:"relatedSpdxElement"`
		} `json:"relationships"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("SPDX document does not parse: %v\n%.500s", err, b)
	}
	if doc.SPDXVersion != "SPDX-2.3" || doc.DataLicense != "CC0-1.0" || doc.SPDXID != "SPDXRef-DOCUMENT" || doc.Name == "" ||
		!strings.Contains(doc.DocumentNamespace, "://") || doc.CreationInfo.Created == "" || len(doc.CreationInfo.Creators) == 0 {
		t.Fatalf("SPDX header: %q %q %q name %q namespace %q created %q creators %q", doc.SPDXVersion, doc.DataLicense, doc.SPDXID,
			doc.Name, doc.DocumentNamespace, doc.CreationInfo.Created, doc.CreationInfo.Creators)
	}
	ids := map[string]bool{"SPDXRef-DOCUMENT": true}
	id := func(s string) {
		if !spdxIDPattern.MatchString(s) {
			t.Fatalf("SPDXID %q breaks SPDX's pattern", s)
		}
		if ids[s] {
			t.Fatalf("SPDXID %q twice", s)
		}
		ids[s] = true
	}
	if len(doc.Packages) == 0 {
		t.Fatal("SPDX document without packages")
	}
	for _, p := range doc.Packages {
		id(p.SPDXID)
		if p.Name == "" || p.DownloadLocation == "" {
			t.Fatalf("SPDX package %q: name %q, downloadLocation %q", p.SPDXID, p.Name, p.DownloadLocation)
		}
	}
	for _, f := range doc.Files {
		id(f.SPDXID)
		rel, ok := strings.CutPrefix(f.FileName, "./")
		if !ok {
			t.Fatalf("SPDX file %q named %q, not ./ and its install path", f.SPDXID, f.FileName)
		}
		if !strings.HasPrefix(f.SPDXID, "SPDXRef-Stream-") {
			checkRelPath(t, "SPDX "+f.SPDXID, rel)
		}
		if !slices.ContainsFunc(f.Checksums, func(c checksum) bool { return c.Algorithm == "SHA1" && len(c.Value) == 40 }) {
			t.Fatalf("SPDX file %q without its SHA1 checksum: %v", f.SPDXID, f.Checksums)
		}
	}
	for _, r := range doc.Relationships {
		if !ids[r.Element] || !ids[r.Related] || r.Type == "" {
			t.Fatalf("SPDX relationship %q %s %q between elements that do not exist", r.Element, r.Type, r.Related)
		}
	}
}
