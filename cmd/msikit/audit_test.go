package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/sarif/sariftest"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform"
)

// quietSample is the sample without anything the audit flags at warning
// level: no advertised COM or shell registration, no shortcuts, no
// assemblies, and MenuDir's per-user key path made per machine.
func quietSample(t *testing.T, dir string) string {
	t.Helper()
	db, err := msi.Open(samplePath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, n := range []string{"Class", "ProgId", "AppId", "Extension", "Verb", "MIME", "TypeLib", "Shortcut", "MsiAssembly", "MsiAssemblyName"} {
		if err := db.DropTable(n); err != nil {
			t.Fatal(err)
		}
	}
	reg, err := db.Table("Registry")
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Update([]msi.Value{msi.StrValue("reg2BC9C303D49B9942D95AC8BC1C605AF9")}, func(v []msi.Value) error {
		v[1] = msi.IntValue(2)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "quiet.msi")
	if err := db.Save(p, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAuditCommand(t *testing.T) {
	dir := t.TempDir()
	s := copySample(t, dir, "in.msi")
	quiet := quietSample(t, dir)

	code, out, stderr := runCLI(t, "audit", s)
	if code != exitFailure || !strings.Contains(out, "Findings: ") || !strings.Contains(out, "feature Core (Core < Complete): 12 components") {
		t.Errorf("audit of the sample: exit %d\n%s", code, out)
	}
	if want := "msikit: " + s + ": 11 finding(s) at warning level or above\n"; stderr != want {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
	code, out, stderr = runCLI(t, "audit", quiet)
	if code != exitOK || stderr != "" || !strings.Contains(out, "Advertised entry points: 0") {
		t.Errorf("audit of a package with nothing to flag: exit %d, stderr %q\n%s", code, stderr, out)
	}

	// --json: the report, the file and the verdict.
	code, out, _ = runCLI(t, "audit", "--json", s)
	var doc struct {
		File        string `json:"file"`
		Failed      bool   `json:"failed"`
		ProductCode string `json:"productCode"`
		EntryPoints []struct {
			Kind        string `json:"kind"`
			Descriptors []struct {
				Descriptor string `json:"descriptor"`
			} `json:"descriptors"`
		} `json:"entryPoints"`
		Findings []struct {
			Rule string `json:"rule"`
		} `json:"findings"`
		Rewrite *struct {
			Changes int `json:"changes"`
		} `json:"rewrite"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if code != exitFailure || doc.File != s || !doc.Failed || doc.ProductCode == "" || len(doc.EntryPoints) != 20 || len(doc.Findings) != 11 || doc.Rewrite == nil || doc.Rewrite.Changes == 0 {
		t.Errorf("--json: exit %d, %+v", code, doc)
	}

	// --sarif validates against the official schema, one result per
	// finding.
	for _, pkg := range []string{s, quiet} {
		_, out, _ = runCLI(t, "audit", "--sarif", pkg)
		sariftest.Check(t, []byte(out))
		var log struct {
			Runs []struct {
				Results []struct {
					RuleID string `json:"ruleId"`
					Level  string `json:"level"`
				} `json:"results"`
				Tool struct {
					Driver struct {
						Rules []struct {
							ID string `json:"id"`
						} `json:"rules"`
					} `json:"driver"`
				} `json:"tool"`
			} `json:"runs"`
		}
		if err := json.Unmarshal([]byte(out), &log); err != nil {
			t.Fatal(err)
		}
		want := 0
		if pkg == s {
			want = 11
		}
		if n := len(log.Runs[0].Results); n != want || len(log.Runs[0].Tool.Driver.Rules) != 7 {
			t.Errorf("%s: %d SARIF results (want %d), %d rules", pkg, n, want, len(log.Runs[0].Tool.Driver.Rules))
		}
	}

	// --no-rewrite, --broad-check.
	_, out, _ = runCLI(t, "audit", "--no-rewrite", s)
	if strings.Contains(out, "rewrite: ") || strings.Contains(out, "\nRewrite: ") {
		t.Errorf("--no-rewrite still previews the rewrite:\n%s", out)
	}
	_, out, _ = runCLI(t, "audit", "--broad-check", "12", s)
	if strings.Contains(out, "broad-health-check") {
		t.Errorf("--broad-check 12 still reports checks of 12 components")
	}

	for _, args := range [][]string{
		{"audit"}, {"audit", s, s}, {"audit", "--json", "--sarif", s}, {"audit", "--broad-check", "0", s},
		{"audit", "--no-rewrite", "--source", dir, s}, {"audit", "--source", filepath.Join(dir, "nope"), s},
	} {
		if code, _, stderr := runCLI(t, args...); code != exitUsage || !strings.HasPrefix(stderr, "msikit audit: ") {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", args, code, stderr)
		}
	}
}

// lnkFile writes a minimal advertised shell link ([MS-SHLLINK]: header,
// StringData arguments, a DarwinDataBlock, the terminal block).
func lnkFile(t *testing.T, path, darwinID, args string) {
	t.Helper()
	var b bytes.Buffer
	le := binary.LittleEndian
	hdr := make([]byte, 0x4C)
	le.PutUint32(hdr, 0x4C)
	copy(hdr[4:], []byte{0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46})
	le.PutUint32(hdr[20:], 0x20|0x80|0x1000) // HasArguments, IsUnicode, HasDarwinID
	b.Write(hdr)
	u := utf16.Encode([]rune(args))
	binary.Write(&b, le, uint16(len(u)))
	binary.Write(&b, le, u)
	blk := make([]byte, 0x314)
	le.PutUint32(blk, 0x314)
	le.PutUint32(blk[4:], 0xA0000006)
	copy(blk[8:], darwinID)
	for i, c := range utf16.Encode([]rune(darwinID)) {
		le.PutUint16(blk[8+260+2*i:], c)
	}
	b.Write(blk)
	b.Write([]byte{0, 0, 0, 0})
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// wordDescriptor is Word's descriptor (Laurie Rhodes's example), and
// sampleVerb the sample's "open" verb descriptor for the Synth.Document
// ProgId, as the audit computes it.
const (
	wordDescriptor = "']gAVn-}f(ZXfeAR6.jiWORDFiles>P`os,1@SW=P7v6GPl]Xh"
	sampleVerb     = "i1~4%'&DgEz&,O?^&(1jCore>I&j9QIF,^5IB`9,+4dB9"
)

func TestDescriptorCommands(t *testing.T) {
	dir := t.TempDir()
	s := copySample(t, dir, "in.msi")
	lnk := filepath.Join(dir, "Word.lnk")
	lnkFile(t, lnk, wordDescriptor, `/n "%1"`)
	// A .reg export as regedit writes it: UTF-16LE with a BOM, the
	// REG_MULTI_SZ as hex(7) continued over lines.
	var raw []byte
	for _, c := range utf16.Encode([]rune(sampleVerb + ` "%1"` + "\x00\x00")) {
		raw = append(raw, byte(c), byte(c>>8))
	}
	var hexs []string
	for _, c := range raw {
		hexs = append(hexs, fmt.Sprintf("%02x", c))
	}
	regText := "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CLASSES_ROOT\\Synth.Document\\shell\\open\\command]\r\n@=\"\\\"C:\\\\app.exe\\\" \\\"%1\\\"\"\r\n\"command\"=hex(7):" +
		strings.Join(hexs[:24], ",") + ",\\\r\n  " + strings.Join(hexs[24:], ",") + "\r\n"
	var reg []byte
	reg = append(reg, 0xFF, 0xFE)
	for _, c := range utf16.Encode([]rune(regText)) {
		reg = append(reg, byte(c), byte(c>>8))
	}
	regFile := filepath.Join(dir, "export.reg")
	if err := os.WriteFile(regFile, reg, 0o644); err != nil {
		t.Fatal(err)
	}
	wineReg := filepath.Join(dir, "wine.reg")
	if err := os.WriteFile(wineReg, []byte(`"command"=str(7):"`+sampleVerb+` /p \"%1\"\0"`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		args []string
		want []string // descriptor, feature, component, args per line
	}{
		{"text", []string{wordDescriptor}, []string{wordDescriptor + " WORDFiles {1EBDE4BC-9A51-4630-B541-2561FA45CCC5} "}},
		{"verb command", []string{sampleVerb + ` /p "%1"`}, []string{sampleVerb + ` Core {805D3563-7EEA-36D6-AC8C-CB1C120D5142} /p "%1"`}},
		{"log line", []string{"MSI (c) (08:F4) [16:48:30:419]: Entering MsiProvideComponentFromDescriptor. Descriptor: " + wordDescriptor + ", PathBuf: 1EFF4F0"}, []string{wordDescriptor + " WORDFiles {1EBDE4BC-9A51-4630-B541-2561FA45CCC5} "}},
		{"shortcut", []string{lnk}, []string{wordDescriptor + ` WORDFiles {1EBDE4BC-9A51-4630-B541-2561FA45CCC5} /n "%1"`}},
		{".reg export", []string{regFile}, []string{sampleVerb + ` Core {805D3563-7EEA-36D6-AC8C-CB1C120D5142} "%1"`}},
		{"Wine registry", []string{wineReg}, []string{sampleVerb + ` Core {805D3563-7EEA-36D6-AC8C-CB1C120D5142} /p "%1"`}},
		{"short form", []string{"i1~4%'&DgEz&,O?^&(1j<"}, []string{"i1~4%'&DgEz&,O?^&(1j<   "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, append([]string{"descriptor", "decode", "--json"}, tt.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var found []foundDescriptor
			if err := json.Unmarshal([]byte(out), &found); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range found {
				got = append(got, strings.Join([]string{f.Descriptor, f.Feature, f.Component, f.Args}, " "))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	// --package: the descriptor read against the sample.
	code, out, _ := runCLI(t, "descriptor", "decode", "--package", s, sampleVerb)
	for _, want := range []string{"package:   feature Core (Core < Complete): its health check covers 12 components", "package:   component App (in feature Core): key path file app.exe"} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("--package: exit %d, no %q in\n%s", code, want, out)
		}
	}
	_, out, _ = runCLI(t, "descriptor", "decode", "--package", s, wordDescriptor)
	if !strings.Contains(out, "is not this package's") {
		t.Errorf("a foreign descriptor is not flagged:\n%s", out)
	}
	// The short form: the product's feature and component are looked up.
	_, out, _ = runCLI(t, "descriptor", "decode", "--package", s, "i1~4%'&DgEz&,O?^&(1jAssemblies<")
	if !strings.Contains(out, "no component, and feature Assemblies holds 4") {
		t.Errorf("short form:\n%s", out)
	}

	// encode is decode's inverse.
	code, out, _ = runCLI(t, "descriptor", "encode", "{90110409-6000-11D3-8CFE-0150048383C9}", "WORDFiles", "{1EBDE4BC-9A51-4630-B541-2561FA45CCC5}")
	if code != exitOK || out != wordDescriptor+"\n" {
		t.Errorf("encode: exit %d, %q", code, out)
	}
	code, out, _ = runCLI(t, "descriptor", "encode", "--package", s, "Core", "App", "--args", `/p "%1"`)
	if code != exitOK || out != sampleVerb+` /p "%1"`+"\n" {
		t.Errorf("encode --package: exit %d, %q", code, out)
	}
	code, out, _ = runCLI(t, "descriptor", "encode", "{90110409-6000-11D3-8CFE-0150048383C9}", "")
	if code != exitOK || out != "']gAVn-}f(ZXfeAR6.ji<\n" {
		t.Errorf("encode of the short form: exit %d, %q", code, out)
	}

	// Failures: one line per input, exit 1; usage errors exit 2.
	code, _, stderr := runCLI(t, "descriptor", "decode", "not a descriptor")
	if code != exitFailure || stderr != "msikit: not a descriptor: no darwin descriptor\n" {
		t.Errorf("no descriptor: exit %d, %q", code, stderr)
	}
	code, _, stderr = runCLI(t, "descriptor", "decode", wordDescriptor, "nothing here", s)
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if code != exitFailure || len(lines) != 3 || lines[2] != "msikit: descriptor decode: 2 of 3 inputs hold no descriptor" {
		t.Errorf("two failing inputs: exit %d, %q", code, stderr)
	}
	for _, l := range lines {
		checkErrorLine(t, l)
	}
	for _, args := range [][]string{
		{"descriptor", "decode"}, {"descriptor", "encode", "x"}, {"descriptor", "encode", "{bad}", "F"},
		{"descriptor", "encode", "{90110409-6000-11D3-8CFE-0150048383C9}", "a>b"},
	} {
		if code, _, stderr := runCLI(t, args...); code != exitUsage || !strings.HasPrefix(stderr, "msikit descriptor ") {
			t.Errorf("%v: exit %d, %q; want a usage error", args, code, stderr)
		}
	}
	if code, _, stderr := runCLI(t, "descriptor", "encode", "--package", s, "Core", "NoSuchComponent"); code != exitFailure {
		t.Errorf("unknown component: exit %d, %q", code, stderr)
	}
}

func TestLogExplainCommand(t *testing.T) {
	dir := t.TempDir()
	s := copySample(t, dir, "in.msi")
	wineLog := filepath.Join(testenv.RepoRoot(), "msi", "msilog", "testdata", "wine-nocab.log")
	code, out, stderr := runCLI(t, "log", "explain", wineLog)
	if code != exitOK || stderr != "" || !strings.Contains(out, "Failed action: InstallFiles (line 286)") || !strings.Contains(out, "the last file it logged is comserver.dll") {
		t.Errorf("exit %d, stderr %q\n%s", code, stderr, out)
	}
	// --package ties the file to the sample's File row and cabinet.
	_, out, _ = runCLI(t, "log", "explain", "--package", s, wineLog)
	if !strings.Contains(out, "package: File comserver.dll (comserver.dll, component ComServer, sequence 1) in cabinet") {
		t.Errorf("--package:\n%s", out)
	}
	code, out, _ = runCLI(t, "log", "explain", "--json", wineLog)
	var x struct {
		Outcome      string `json:"outcome"`
		FailedAction struct {
			Action string `json:"action"`
		} `json:"failedAction"`
	}
	if err := json.Unmarshal([]byte(out), &x); err != nil || code != exitOK || x.Outcome != "failed" || x.FailedAction.Action != "InstallFiles" {
		t.Errorf("--json: exit %d, %v, %+v", code, err, x)
	}
	// Standard input, and a package as a log: unknown lines are skipped.
	var stdout, se bytes.Buffer
	if code := run(t.Context(), []string{"log", "explain", "-"}, strings.NewReader("Action ended 1:00:00: INSTALL. Return value 1.\r\n"), &stdout, &se); code != exitOK || !strings.Contains(stdout.String(), "Outcome: succeeded") {
		t.Errorf("stdin: exit %d, %q %q", code, stdout.String(), se.String())
	}
	if code, out, _ := runCLI(t, "log", "explain", s); code != exitOK || !strings.Contains(out, "Outcome: unknown") {
		t.Errorf("a package as a log: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{{"log", "explain", filepath.Join(dir, "missing.log")}, {"log", "explain", dir}} {
		code, _, stderr := runCLI(t, args...)
		if code != exitFailure || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "msikit: "+args[2]+": ") {
			t.Errorf("%v: exit %d, %q", args, code, stderr)
		}
		checkErrorLine(t, strings.TrimSpace(stderr))
	}
	if code, _, _ := runCLI(t, "log", "explain"); code != exitUsage {
		t.Errorf("no LOG: exit %d", code)
	}
}

// TestAuditJSONSpooled checks that audit --json, which spools the
// preview's pass reports as the passes end, writes the document that the
// reports Audit keeps make, byte for byte.
func TestAuditJSONSpooled(t *testing.T) {
	dir := t.TempDir()
	for _, pkg := range []string{copySample(t, dir, "in.msi"), quietSample(t, dir)} {
		db, err := msi.Open(pkg)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := transform.Audit(db, transform.AuditOptions{})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		want := auditJSON(t, pkg, rep)
		_, got, _ := runCLI(t, "audit", "--json", pkg)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: (-kept reports +spooled):\n%s", filepath.Base(pkg), diff)
		}
	}
}

// TestAuditRewriteJSONMatchesMarshal checks that writeAuditRewriteJSON writes what
// json.MarshalIndent writes for the rewrite preview, for previews with
// and without passes, changes, notes and an error.
func TestAuditRewriteJSONMatchesMarshal(t *testing.T) {
	// writeAuditRewriteJSON names these fields itself: a new one must be
	// added there.
	if n := reflect.TypeFor[transform.RewritePreview]().NumField(); n != 3 {
		t.Fatalf("RewritePreview has %d fields; writeAuditRewriteJSON writes 3", n)
	}
	if n := reflect.TypeFor[transform.Report]().NumField(); n != 3 {
		t.Fatalf("Report has %d fields; writeAuditRewriteJSON writes 3", n)
	}
	full := reportOf("class-to-registry",
		transform.Change{Op: transform.OpAdd, Table: "Registry", Key: []string{"reg1"}, New: []string{"reg1", "0", `CLSID\{X}`, "", "<&> é \u2028", "Comp"}, Reason: "from Class {X}"},
		transform.Change{Op: transform.OpRemove, Table: "Class", Key: []string{"{X}", "InprocServer32", "Comp"}, Old: []string{"{X}", "InprocServer32"}},
	)
	full.AddNote(transform.Note{Severity: transform.Warning, Table: "ProgId", Key: []string{"P1"}, Reason: "left \"alone\""})
	full.AddNote(transform.Note{Severity: transform.Info, Reason: "x"})
	for name, pr := range map[string]*transform.RewritePreview{
		"nil passes":   {Changes: 0},
		"no passes":    {Passes: []*transform.Report{}, Error: "class-to-registry: too many row changes"},
		"nil report":   {Passes: []*transform.Report{nil, full}, Changes: 2},
		"empty report": {Passes: []*transform.Report{{Pass: "leaf-features"}, {Pass: "assembly-names"}}},
		"full":         {Passes: []*transform.Report{full, full}, Changes: 4},
	} {
		t.Run(name, func(t *testing.T) {
			var got bytes.Buffer
			bw := bufio.NewWriter(&got)
			if err := writeAuditRewriteJSON(bw, pr, nil, nil); err != nil {
				t.Fatal(err)
			}
			if err := bw.Flush(); err != nil {
				t.Fatal(err)
			}
			b, err := json.MarshalIndent(pr, "  ", "  ")
			if err != nil {
				t.Fatal(err)
			}
			want := ",\n  \"rewrite\": " + string(b)
			if diff := cmp.Diff(want, got.String()); diff != "" {
				t.Errorf("(-MarshalIndent +writeAuditRewriteJSON):\n%s", diff)
			}
		})
	}
}

// auditJSON is the --json document of rep, its passes those rep keeps.
func auditJSON(t *testing.T, pkg string, rep *transform.AuditReport) string {
	t.Helper()
	var b bytes.Buffer
	bw := bufio.NewWriter(&b)
	if err := writeAuditJSON(bw, newAuditEncoder(), pkg, rep, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// nonNil is s, or an empty slice for nil (writeAuditJSON writes the lists
// as [] when they are empty or nil).
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// entryPointsOf returns rep's entry points as a slice (not nil).
func entryPointsOf(rep *transform.AuditReport) []transform.EntryPoint {
	eps := []transform.EntryPoint{}
	for _, ep := range rep.EntryPoints() {
		eps = append(eps, ep)
	}
	return eps
}

// TestAuditJSONMatchesMarshal compares the --json document, written an
// element at a time by writeAuditJSON, with json.MarshalIndent's
// encoding of the whole report, byte for byte, for the sample, the
// crafted packages of up to 1 MB (64 KiB strings shared by many rows
// among them) and small corpus packages.
func TestAuditJSONMatchesMarshal(t *testing.T) {
	files := []string{samplePath()}
	crafted, _ := filepath.Glob(filepath.Join(repoRoot(t), "testdata", "crafted", "valid", "*.msi"))
	for _, f := range crafted {
		if fi, err := os.Stat(f); err == nil && fi.Size() < 1<<20 {
			files = append(files, f)
		}
	}
	if testenv.CorpusDir() != "" {
		for _, f := range testenv.CorpusFiles(t) {
			if fi, err := os.Stat(f); err == nil && fi.Size() < 2<<20 && !testenv.IsCorrupt(f) && strings.HasSuffix(f, ".msi") {
				files = append(files, f)
			}
		}
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			db, err := msi.Open(file)
			if err != nil {
				t.Skip(err)
			}
			defer db.Close()
			rep, err := transform.Audit(db, transform.AuditOptions{})
			if err != nil {
				t.Skip(err)
			}
			doc := struct {
				File        string                         `json:"file"`
				Failed      bool                           `json:"failed"`
				Kind        string                         `json:"kind"`
				ProductCode string                         `json:"productCode"`
				PerMachine  bool                           `json:"perMachine"`
				AllUsers    string                         `json:"allUsers"`
				EntryPoints []transform.EntryPoint         `json:"entryPoints"`
				Checks      []*transform.HealthCheck       `json:"checks"`
				Features    []*transform.FeatureComponents `json:"features"`
				Findings    []transform.Finding            `json:"findings"`
				Signature   transform.AuditSignature       `json:"signature"`
				Cache       transform.CacheCost            `json:"cache"`
				Rewrite     *transform.RewritePreview      `json:"rewrite,omitempty"`
			}{file, rep.Failed(), rep.Kind, rep.ProductCode, rep.PerMachine, rep.AllUsers,
				entryPointsOf(rep), nonNil(rep.Checks), rep.Features(), rep.Findings(),
				rep.Signature, rep.Cache, rep.Rewrite}
			b, err := json.MarshalIndent(doc, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(b)+"\n", auditJSON(t, file, rep)); diff != "" {
				t.Errorf("(-MarshalIndent +writeAuditJSON):\n%s", diff)
			}
		})
	}
}

// TestAuditMaxBytes checks that an audit --json report one byte longer
// than --max-bytes is refused before anything is written, exit 1 with
// the limit named, and that one exactly as long as the limit is written
// as it is without a limit; a negative limit is a usage error.
func TestAuditMaxBytes(t *testing.T) {
	pkg := copySample(t, t.TempDir(), "in.msi")
	code0, doc, stderr := runCLI(t, "audit", "--json", pkg, "--max-bytes", "0")
	if doc == "" || !json.Valid([]byte(doc)) {
		t.Fatalf("--max-bytes 0: exit %d, %d bytes; %s", code0, len(doc), stderr)
	}
	n := len(doc)
	code, stdout, stderr := runCLI(t, "audit", "--json", pkg, "--max-bytes", fmt.Sprint(n-1))
	want := fmt.Sprintf("msikit: %s: the report would pass %d bytes (--max-bytes %[2]d; 0 for no limit): its cells repeat strings the package stores once; nothing written\n", pkg, n-1)
	if code != exitFailure || stdout != "" || stderr != want {
		t.Errorf("--max-bytes %d: exit %d, %d bytes on stdout, stderr %q; want exit 1, nothing written and %q", n-1, code, len(stdout), stderr, want)
	}
	for _, limit := range []string{fmt.Sprint(n), fmt.Sprint(defaultJSONMaxBytes)} {
		code, stdout, stderr := runCLI(t, "audit", "--json", pkg, "--max-bytes", limit)
		if code != code0 || stdout != doc {
			t.Errorf("--max-bytes %s: exit %d (want %d), %d bytes, want the %d of --max-bytes 0; %s", limit, code, code0, len(stdout), n, stderr)
		}
	}
	if code, _, stderr := runCLI(t, "audit", "--json", pkg, "--max-bytes", "-1"); code != exitUsage {
		t.Errorf("--max-bytes -1: exit %d, want a usage error; %s", code, stderr)
	}
	// Without --json there is no report it bounds: a usage error, not a
	// flag quietly ignored.
	for _, args := range [][]string{{"audit", pkg, "--max-bytes", "10"}, {"audit", "--sarif", pkg, "--max-bytes", "0"}} {
		if code, _, stderr := runCLI(t, args...); code != exitUsage || !strings.Contains(stderr, "--max-bytes bounds the --json report") {
			t.Errorf("%q: exit %d, want a usage error; %s", args, code, stderr)
		}
	}
}

// writeAuditSARIF makes few allocations a finding: a result's map,
// location, fingerprint hash and message buffer are reused from one
// finding to the next (10,000 findings of the crafted one-id package:
// 18 allocations each before, 11 after; most that remain are the
// finding's own texts).
func TestAuditSARIFAllocatesLittlePerFinding(t *testing.T) {
	pkg := filepath.Join(repoRoot(t), "testdata", "crafted", "valid", "msi-components-one-id.msi")
	db, err := msi.Open(pkg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep, err := transform.Audit(db, transform.AuditOptions{NoPassReports: true})
	if err != nil {
		t.Fatal(err)
	}
	n := rep.NumFindings()
	if n < 10000 {
		t.Fatalf("%d findings, want at least 10,000", n)
	}
	bw := bufio.NewWriter(io.Discard)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	allocs := testing.AllocsPerRun(1, func() {
		if err := writeAuditSARIF(bw, "one-id.msi", rep); err != nil {
			t.Fatal(err)
		}
	})
	runtime.ReadMemStats(&after)
	// AllocsPerRun runs it twice; the bytes are those of the findings'
	// texts (AuditReport.Finding) and of the results.
	size := (after.TotalAlloc - before.TotalAlloc) / 2 / uint64(n)
	t.Logf("writeAuditSARIF: %.1f allocations, %d bytes a finding", allocs/float64(n), size)
	if per := allocs / float64(n); per > 13 {
		t.Errorf("writeAuditSARIF: %.1f allocations a finding, want at most 13", per)
	}
	// The result's message and the hashed rows are written into buffers
	// reused from one finding to the next: made anew, they took 1,382
	// bytes a finding here (606 now), 254 MB of garbage for the 460,000
	// findings of msi-publish-grid.msi (scaled, --max-entry-points
	// raised), with 215 MB live for the collector to go over again and
	// again.
	if size > 900 {
		t.Errorf("writeAuditSARIF: %d bytes allocated a finding, want at most 900", size)
	}
}
