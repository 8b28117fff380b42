package msilog

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

func explainFile(t *testing.T, name string, opts *Options) *Explanation {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	x, err := Explain(bytes.NewReader(b), opts)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// summary is what the tests compare: outcome, failed action and causes.
type summary struct {
	Flavor, Outcome, Failed string
	Causes                  []string // pattern: lines
}

func summarize(x *Explanation) summary {
	s := summary{Flavor: x.Flavor, Outcome: x.Outcome}
	if x.FailedAction != nil {
		s.Failed = x.FailedAction.Action
	}
	for _, c := range x.Causes {
		s.Causes = append(s.Causes, c.Pattern+": "+joinInts(c.Lines))
	}
	return s
}

// TestExplainWine explains the verbose logs Wine 8's msiexec wrote for
// synthetic packages (testdata/README.md says how): a successful install,
// a custom action that fails, a missing external cabinet, assemblies that
// cannot install.
func TestExplainWine(t *testing.T) {
	tests := []struct {
		file string
		want summary
	}{
		{"wine-ok.log", summary{Flavor: "Wine", Outcome: "succeeded"}},
		{"wine-ca.log", summary{Flavor: "Wine", Outcome: "failed", Failed: "FailHere", Causes: []string{"action-failed: 74"}}},
		{"wine-nocab.log", summary{Flavor: "Wine", Outcome: "failed", Failed: "InstallFiles", Causes: []string{"action-failed: 286"}}},
		{"wine-asm.log", summary{Flavor: "Wine", Outcome: "failed", Failed: "InstallFiles", Causes: []string{"action-failed: 357"}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			x := explainFile(t, tt.file, nil)
			if diff := cmp.Diff(tt.want, summarize(x)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if x.Encoding != EncodingANSI || x.Lines < 300 || x.Product == "" || x.ProductCode == "" {
				t.Errorf("encoding %q, %d lines, product %q %q", x.Encoding, x.Lines, x.Product, x.ProductCode)
			}
		})
	}
	// The missing cabinet: the last file InstallFiles logged, named to
	// the package.
	x := explainFile(t, "wine-nocab.log", &Options{Package: fakePackage{}})
	if x.FailedAction.File != "comserver.dll" || len(x.Causes[0].Package) == 0 || !strings.Contains(x.Causes[0].Package[0], "comserver.dll") {
		t.Errorf("nocab: failed action %+v, cause %+v", x.FailedAction, x.Causes[0])
	}
}

// fakePackage answers for a package whose product is Word's and whose
// Component rows are known.
type fakePackage struct{}

func (fakePackage) ProductCode() string { return "{90110409-6000-11D3-8CFE-0150048383C9}" }
func (fakePackage) Component(code string) string {
	if strings.EqualFold(code, "{1EBDE4BC-9A51-4630-B541-2561FA45CCC5}") {
		return "component WordExe: key path file winword.exe"
	}
	return ""
}
func (fakePackage) Feature(name string) string {
	if name == "WORDFiles" {
		return "feature WORDFiles: 12 components"
	}
	return ""
}
func (fakePackage) File(name string) string   { return "File " + name + " in cabinet data1.cab" }
func (fakePackage) Action(name string) string { return "" }

// TestExplainDocumentedForms explains the log forms quoted in public
// documentation (testdata/docs-forms.log names each source).
func TestExplainDocumentedForms(t *testing.T) {
	x := explainFile(t, "docs-forms.log", &Options{Package: fakePackage{}})
	want := summary{Flavor: "Windows Installer", Outcome: "failed", Failed: "RemoveExistingProducts", Causes: []string{
		"proxy-hive-unloaded: 20, 21",
		"action-failed: 13",
		"detection-component: 16, 17",
		"assembly-error: 36",
		"cached-package-unverified: 25",
	}}
	if diff := cmp.Diff(want, summarize(x)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if x.Status == nil || *x.Status != 1603 {
		t.Errorf("status %v, want 1603", x.Status)
	}
	byPattern := map[string][]Event{}
	for _, ev := range x.Events {
		byPattern[ev.Pattern] = append(byPattern[ev.Pattern], ev)
	}
	asm := byPattern["assembly-error"]
	if len(asm) != 1 || asm[0].Code != 1935 || asm[0].HRESULT != "0x8007054f" ||
		asm[0].Assembly != `Microsoft.VC80.ATL,type="win32",version="8.0.50727.762",publicKeyToken="1fc8b3b9a1e18e3b",processorArchitecture="x86"` ||
		asm[0].Component != "{97F81AF1-0E47-DC99-A01F-C8B3B9A1E18E}" {
		t.Errorf("assembly error: %+v", asm)
	}
	d := byPattern["descriptor"]
	if len(d) != 1 || d[0].Descriptor.Feature != "WORDFiles" || d[0].Descriptor.Product != "{90110409-6000-11D3-8CFE-0150048383C9}" {
		t.Fatalf("descriptor events: %+v", d)
	}
	if diff := cmp.Diff([]string{"feature WORDFiles: 12 components", "component WordExe: key path file winword.exe"}, d[0].Package); diff != "" {
		t.Errorf("descriptor resolved (-want +got):\n%s", diff)
	}
	errs := byPattern["error"]
	if len(errs) != 1 || errs[0].Code != 1402 {
		t.Errorf("error events: %+v", errs)
	}
	det := byPattern["detection-component"]
	if len(det) != 1 || det[0].Feature != "MyFeature" || det[0].Component != "MyComponent" {
		t.Errorf("detection: %+v", det)
	}
}

// utf16LE encodes s as UTF-16LE, with a byte-order mark when bom is set.
func utf16LE(s string, bom bool) []byte {
	var b bytes.Buffer
	if bom {
		b.Write([]byte{0xFF, 0xFE})
	}
	for _, u := range utf16.Encode([]rune(s)) {
		binary.Write(&b, binary.LittleEndian, u)
	}
	return b.Bytes()
}

// TestExplainEncodings reads the same log as ANSI, UTF-8 with a BOM and
// UTF-16LE with and without a BOM, with CR LF line ends, and finds the
// same.
func TestExplainEncodings(t *testing.T) {
	raw, err := os.ReadFile("testdata/docs-forms.log")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(raw), "\n", "\r\n")
	base, err := Explain(strings.NewReader(text), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, enc string
		data      []byte
	}{
		{"utf-16 with BOM", EncodingUTF16LE, utf16LE(text, true)},
		{"utf-16 without BOM", EncodingUTF16LE, utf16LE(text, false)},
		{"utf-8 with BOM", EncodingUTF8, append([]byte{0xEF, 0xBB, 0xBF}, text...)},
	} {
		t.Run(c.name, func(t *testing.T) {
			x, err := Explain(bytes.NewReader(c.data), nil)
			if err != nil {
				t.Fatal(err)
			}
			if x.Encoding != c.enc {
				t.Errorf("encoding %q, want %q", x.Encoding, c.enc)
			}
			x.Encoding = base.Encoding
			if diff := cmp.Diff(base, x); diff != "" {
				t.Errorf("explanation differs from the ANSI one (-ansi +%s):\n%s", c.name, diff)
			}
		})
	}
	// ANSI bytes that are not UTF-8 are read as Windows-1252.
	x, err := Explain(strings.NewReader("Property(S): ProductName = Caf\xe9\r\n"), nil)
	if err != nil || x.Product != "Café" {
		t.Errorf("Windows-1252 product name: %q, %v", x.Product, err)
	}
}

func TestPatternsDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Patterns {
		if seen[p.ID] {
			t.Errorf("pattern %s listed twice", p.ID)
		}
		seen[p.ID] = true
		if p.Example == "" || p.Meaning == "" || p.Source == "" {
			t.Errorf("pattern %s lacks an example, meaning or source", p.ID)
		}
	}
	// Every pattern an event or cause can carry is listed.
	for _, id := range []string{"action-failed", "result", "error", "assembly-error", "custom-action", "descriptor",
		"detection-request", "detection-component", "proxy-hive-unloaded", "cached-package", "cached-package-unverified", "source-missing"} {
		if !seen[id] {
			t.Errorf("pattern %s is not in Patterns", id)
		}
	}
}

// TestExplainCustomActionAndSource covers line forms the fixtures lack.
func TestExplainCustomActionAndSource(t *testing.T) {
	log := strings.Join([]string{
		"=== Verbose logging started: 1/2/2025  10:00:00  Build type: SHIP UNICODE 5.00.10011.00  Calling process: C:\\Windows\\system32\\msiexec.exe ===",
		"MSI (s) (A0:B0) [10:00:01:000]: Original package ==> C:\\dl\\app.msi",
		"MSI (s) (A0:B0) [10:00:01:000]: Package we're running from ==> C:\\Windows\\Installer\\1a2b3.msi",
		"MSI (s) (A0:B0) [10:00:01:000]: SOFTWARE RESTRICTION POLICY: Verifying package --> 'C:\\dl\\app.msi' against software restriction policy",
		"MSI (s) (A0:B0) [10:00:01:000]: SOFTWARE RESTRICTION POLICY: C:\\dl\\app.msi has a digital signature",
		"MSI (s) (A0:B0) [10:00:01:000]: SOFTWARE RESTRICTION POLICY: C:\\Windows\\Installer\\1a2b3.msi is not digitally signed",
		"Action start 10:00:02: SetupDb.",
		"MSI (s) (A0:C0) [10:00:02:000]: Product: App -- Error 1706. An installation package for the product App cannot be found. Try the installation again using a valid copy of the installation package 'app.msi'.",
		"CustomAction SetupDb returned actual error code 1603 (note this may not be 100% accurate if translation happened inside sandbox)",
		"Action ended 10:00:03: SetupDb. Return value 3.",
		"Action ended 10:00:03: INSTALL. Return value 3.",
	}, "\r\n")
	x, err := Explain(strings.NewReader(log), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := summary{Flavor: "Windows Installer", Outcome: "failed", Failed: "SetupDb", Causes: []string{
		"action-failed: 10, 8, 9", "source-missing: 8", "custom-action: 9", "cached-package-unverified: -"}}
	if diff := cmp.Diff(want, summarize(x)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if c := x.Caching; c == nil || !c.Cached || c.Signatures[`C:\dl\app.msi`] != "signed" {
		t.Errorf("caching %+v", x.Caching)
	}
}
