package main

import (
	"bufio"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"unsafe"

	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/internal/jsonindent"
	"github.com/msikit/msikit/internal/sarif"
	"github.com/msikit/msikit/transform"
)

var cmdAudit = &Command{
	Name:      "audit",
	UsageLine: "msikit audit PKG [--json [--max-bytes N] | --sarif] [--broad-check N] [--max-entry-points N] [--no-rewrite] [--source DIR]",
	Short:     "list advertised entry points, their health checks and the causes of repair loops",
	Long: `Audit is a static resiliency audit. For every advertised entry point (Class,
ProgId, AppId, Extension, Verb, MIME, advertised Shortcut, TypeLib,
PublishComponent) it lists the darwin descriptors Windows Installer writes
for it, the feature whose health check its activation starts, and the
components and key paths that check covers (the feature's and its parents'):
files with their version, registry values, folders, assemblies with their
identity. Then it flags the classic causes of repair loops, each with the
rows involved, what to do and what msikit rewrite would change:

  keypath-missing           a key path that names no row (error)
  keypath-hkcu-per-machine  a per-user key path in a per-machine package
  keypath-folder            a folder key path that is missing or always there
  assembly-no-architecture  a .NET assembly without processorArchitecture
  assembly-invalid-value    an assembly identity Windows rejects (error)
  broad-health-check        an entry point whose check covers more than
                            --broad-check components
  entry-point-broken        an entry point naming a feature or component
                            that cannot work

Key path findings are warnings (errors) when an advertised entry point's
check covers the component, and info otherwise. It also says whether the
package is signed, what a rewrite does to the signature and how a
transform avoids that, and how much Windows Installer caches.

The rewrite preview runs rewrite's three passes with their defaults on a
copy of the package in memory (nothing is written); --no-rewrite skips it,
and --source names the folder of uncompressed files for assembly-names.
The exit status is 1 when any finding is at warning level or above, so
that audit can gate a build; --json prints the report as JSON and --sarif
as a SARIF 2.1.0 log for code-scanning dashboards (README has both).

The JSON report quotes each entry point's feature and component, and the
preview's changes quote rows: a string the package stores once is
written in every row that uses it. A report that would pass --max-bytes N
(default 256 MiB; 0 for no limit) is refused before any of it is
written: nothing on standard output, exit status 1. Real packages make
far less (the corpus's largest: 82 KB; the preview of 65,000 classes
tens of megabytes). A package whose entry point tables (Class, ProgId,
AppId, Extension, Verb, MIME, Shortcut, TypeLib, PublishComponent) hold
more than --max-entry-points rows together (default 100,000; real
packages hold a few thousand) is refused before they are read: each
entry point listed costs about a kilobyte of memory.`,
	Example: `msikit audit product.msi
msikit audit --json product.msi | jq '.findings[] | select(.severity != "info")'
msikit audit --sarif product.msi > audit.sarif`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		var o auditOpts
		fs.BoolVar(&o.jsonOut, "json", false, "print the report as JSON")
		fs.BoolVar(&o.sarifOut, "sarif", false, "print the findings as a SARIF 2.1.0 log")
		fs.Int64Var(&o.maxBytes, "max-bytes", defaultJSONMaxBytes, "with --json, refuse a report that would pass `N` bytes (0: no limit)")
		fs.IntVar(&o.broad, "broad-check", transform.DefaultBroadCheck, "report entry points whose health check covers more than `N` components")
		fs.IntVar(&o.maxEntryPoints, "max-entry-points", transform.DefaultMaxEntryPoints, "refuse a package whose entry point tables hold more than `N` rows")
		fs.BoolVar(&o.noRewrite, "no-rewrite", false, "do not preview what msikit rewrite would change")
		fs.StringVar(&o.source, "source", "", "the package's uncompressed files are in `DIR` (for the assembly-names preview)")
		return func(env *Env, args []string) error {
			o.maxBytesSet = fs.Changed("max-bytes")
			return runAudit(env, &o, args)
		}
	},
}

type auditOpts struct {
	jsonOut, sarifOut, noRewrite bool
	broad, maxEntryPoints        int
	source                       string
	maxBytes                     int64
	maxBytesSet                  bool
}

func runAudit(env *Env, o *auditOpts, args []string) error {
	if len(args) != 1 {
		return usagef("want exactly one PKG")
	}
	if o.jsonOut && o.sarifOut {
		return usagef("--json and --sarif are exclusive")
	}
	if o.broad < 1 {
		return usagef("--broad-check must be at least 1")
	}
	if o.maxEntryPoints < 1 {
		return usagef("--max-entry-points must be at least 1")
	}
	if o.maxBytes < 0 {
		return usagef("--max-bytes %d: want a number of bytes, or 0 for no limit", o.maxBytes)
	}
	if o.maxBytesSet && !o.jsonOut {
		return usagef("--max-bytes bounds the --json report; the text and --sarif outputs quote no row whole")
	}
	if o.noRewrite && o.source != "" {
		return usagef("--source is for the rewrite preview, which --no-rewrite leaves out")
	}
	if o.source != "" && !isDir(o.source) {
		return usagef("--source %s is not a folder", escapeName(o.source))
	}
	pkg := args[0]
	db, err := openMSI(env, pkg)
	if err != nil {
		return err
	}
	defer db.Close()
	opts := transform.AuditOptions{BroadCheck: o.broad, MaxEntryPoints: o.maxEntryPoints, NoRewrite: o.noRewrite, Source: o.source,
		// Only --json lists the preview's changes.
		NoPassReports: !o.jsonOut,
		// A signal stops the audit wherever it is (its passes, its
		// loops over rows and entry points).
		Context: env.context()}
	var spool *passSpool
	if o.jsonOut {
		// Written as the passes end, in the place they take in the
		// document, and kept compressed until the document gets there.
		spool = newPassSpool("      ")
		opts.PassReport = spool.add
	}
	rep, err := transform.Audit(db, opts)
	if err != nil {
		return fileErr(pkg, signalCause(err))
	}
	// What Audit held while it worked (the registration analysis, the
	// preview's passes) is garbage now: collected before the report is
	// written, the output's own garbage grows the heap to twice the
	// report, not to twice Audit's peak.
	runtime.GC()
	switch {
	case o.jsonOut:
		enc := newAuditEncoder()
		if o.maxBytes > 0 {
			// Counted first, to refuse it before anything is written.
			c := &jsonindent.Counter{Limit: o.maxBytes}
			bw := bufio.NewWriterSize(c, 64<<10)
			err := writeAuditJSON(bw, enc, pkg, rep, spool, c)
			if err == nil {
				err = bw.Flush()
			}
			if errors.Is(err, jsonindent.ErrLimit) {
				return fileErr(pkg, tooLargeErr("the report", o.maxBytes))
			}
			if err != nil {
				return err
			}
		}
		bw := bufio.NewWriter(env.Stdout)
		if err := writeAuditJSON(bw, enc, pkg, rep, spool, nil); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	case o.sarifOut:
		bw := bufio.NewWriter(env.Stdout)
		if err := writeAuditSARIF(bw, pkg, rep); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	default:
		bw := bufio.NewWriter(env.Stdout)
		if err := rep.WriteText(textWriter{bw}); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	}
	if n := rep.Flagged(); n > 0 {
		return fmt.Errorf("%s: %d finding(s) at warning level or above", pkg, n)
	}
	return nil
}

// newAuditEncoder returns the Encoder of the --json document's values,
// which escapes as json.MarshalIndent does.
func newAuditEncoder() *jsonindent.Encoder {
	return jsonindent.NewEncoder(nil, jsonindent.Options{EscapeHTML: true})
}

// writeAuditJSON writes the --json document with enc: the report with the
// file name and the verdict, indented as the other commands' JSON. The
// lists are written an element at a time, so that a package with tens of
// thousands of entry points never has its whole document in memory; enc
// escapes a long string once, however many entry points quote it.
//
// With spool, the preview's pass reports are the ones spooled (Audit's
// PassReport); without, those rep.Rewrite holds. With count, w writes
// into count and the spooled reports are counted, not read back: the
// document is only measured.
func writeAuditJSON(w *bufio.Writer, enc *jsonindent.Encoder, pkg string, rep *transform.AuditReport, spool *passSpool, count *jsonindent.Counter) error {
	enc.Reset(w)
	head := struct {
		File        string `json:"file"`
		Failed      bool   `json:"failed"`
		Kind        string `json:"kind"`
		ProductCode string `json:"productCode"`
		PerMachine  bool   `json:"perMachine"`
		AllUsers    string `json:"allUsers"`
	}{pkg, rep.Failed(), rep.Kind, rep.ProductCode, rep.PerMachine, rep.AllUsers}
	var b bytes.Buffer
	hw := bufio.NewWriter(&b)
	if err := jsonindent.NewEncoder(hw, jsonindent.Options{EscapeHTML: true}).Encode("", head); err != nil {
		return err
	}
	hw.Flush()
	w.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n}")))
	list := func(name string, n int, elem func(i int) any, enc *jsonindent.Encoder) error {
		fmt.Fprintf(w, ",\n  %q: ", name)
		l := startJSONList(w, "  ")
		for i := 0; i < n; i++ {
			if err := enc.Encode(l.next(), elem(i)); err != nil {
				return err
			}
		}
		return l.end()
	}
	field := func(name string, v any) error {
		fmt.Fprintf(w, ",\n  %q: ", name)
		return enc.Encode("  ", v)
	}
	for _, step := range []func() error{
		func() error {
			// Written out one at a time, into one variable.
			var ep transform.EntryPoint
			return list("entryPoints", rep.NumEntryPoints(), func(i int) any { ep = rep.EntryPoint(i); return &ep }, enc)
		},
		func() error { return list("checks", len(rep.Checks), func(i int) any { return rep.Checks[i] }, enc) },
		func() error { return writeAuditFeaturesJSON(w, enc, rep) },
		func() error {
			// A finding's texts are written afresh at each Finding: the
			// memo would only keep them (120,000 messages of 400 bytes
			// and more) until it is full. One variable for all.
			fresh := jsonindent.NewEncoder(w, jsonindent.Options{EscapeHTML: true, NoMemo: true})
			var f transform.Finding
			return list("findings", rep.NumFindings(), func(i int) any { f = rep.Finding(i); return &f }, fresh)
		},
		func() error { return field("signature", &rep.Signature) },
		func() error { return field("cache", &rep.Cache) },
		func() error {
			if rep.Rewrite == nil {
				return nil
			}
			return writeAuditRewriteJSON(w, rep.Rewrite, spool, count)
		},
	} {
		if err := step(); err != nil {
			return err
		}
	}
	_, err := w.WriteString("\n}\n")
	return err
}

// writeAuditFeaturesJSON writes the "features" member of the --json
// document as json.MarshalIndent writes rep.Features(), a component at a
// time: one feature can hold 124,000 components, 36 MB as a list.
func writeAuditFeaturesJSON(w *bufio.Writer, enc *jsonindent.Encoder, rep *transform.AuditReport) error {
	w.WriteString(",\n  \"features\": ")
	features := startJSONList(w, "  ")
	for i := range rep.NumFeatures() {
		in := features.next()
		feature, parent, _ := rep.Feature(i)
		w.WriteString("{\n      \"feature\": ")
		if err := enc.Encode("      ", feature); err != nil {
			return err
		}
		if parent != "" {
			w.WriteString(",\n      \"parent\": ")
			if err := enc.Encode("      ", parent); err != nil {
				return err
			}
		}
		w.WriteString(",\n      \"components\": ")
		components := startJSONList(w, "      ")
		for c := range rep.CoveredComponents(i) {
			if err := enc.Encode(components.next(), &c); err != nil {
				return err
			}
		}
		components.end()
		w.WriteString("\n" + in + "}")
	}
	return features.end()
}

// writeAuditRewriteJSON writes the "rewrite" member of the --json document
// as json.MarshalIndent writes it (TestAuditRewriteJSONMatchesMarshal checks),
// a change and a note at a time: the passes' reports of a package with
// 65,000 classes are tens of megabytes of JSON. With count, the spooled
// reports are counted, not written (see writeAuditJSON).
func writeAuditRewriteJSON(w *bufio.Writer, pr *transform.RewritePreview, spool *passSpool, count *jsonindent.Counter) error {
	w.WriteString(",\n  \"rewrite\": {\n    \"passes\": ")
	if spool != nil {
		if err := spool.writeArray(w, "    ", count); err != nil {
			return err
		}
	} else if err := writeJSONArray(w, "    ", pr.Passes, writeReportJSON); err != nil {
		return err
	}
	w.WriteString(",\n    \"changes\": ")
	if err := writeJSONValue(w, "", pr.Changes); err != nil {
		return err
	}
	if pr.Error != "" {
		w.WriteString(",\n    \"error\": ")
		if err := writeJSONValue(w, "", pr.Error); err != nil {
			return err
		}
	}
	_, err := w.WriteString("\n  }")
	return err
}

// sarifLevel maps a finding's severity to a SARIF level.
func sarifLevel(s transform.Severity) sarif.Level {
	switch s {
	case transform.Error:
		return sarif.LevelError
	case transform.Warning:
		return sarif.LevelWarning
	}
	return sarif.LevelNote
}

// writeAuditSARIF writes the findings as a SARIF log: one result per
// finding, located in the package file and, logically, at the rows
// involved. The results are written one at a time, so that tens of
// thousands of findings never have their whole log in memory.
func writeAuditSARIF(w io.Writer, pkg string, rep *transform.AuditReport) error {
	var rules []sarif.Rule
	for _, r := range transform.AuditRules {
		rules = append(rules, sarif.Rule{ID: r.ID, Name: r.Name,
			ShortDescription:     &sarif.Message{Text: r.Summary},
			FullDescription:      &sarif.Message{Text: r.Help},
			Help:                 &sarif.Message{Text: r.Help},
			HelpURI:              "https://github.com/msikit/msikit#msikit-audit",
			DefaultConfiguration: &sarif.Configuration{Level: sarifLevel(r.Severity)}})
	}
	uri := sarif.URI(pkg)
	sw := sarif.NewWriter(w, sarif.Driver{Name: "msikit", Version: msikitVersion(), InformationURI: "https://github.com/msikit/msikit", Rules: rules},
		[]sarif.Artifact{{Location: sarif.ArtifactLocation{URI: uri}, Length: rep.Cache.PackageBytes}})
	base := filepath.Base(pkg) + "/"
	// What each result is made of is reused from one to the next (Add
	// writes a result before it returns, keeping none of it): a map, a
	// location and its list, and the bytes of the message, of what the
	// fingerprint hashes and of the fingerprint, which the result's
	// strings share (a message made anew for each of 460,000 findings
	// was 254 MB of garbage, the hashed rule and rows copied for the
	// hash 46 MB more).
	var (
		locs   = make([]sarif.Location, 1)
		phys   = &sarif.PhysicalLocation{ArtifactLocation: sarif.ArtifactLocation{URI: uri}}
		fps    = map[string]string{}
		text   []byte
		hashed []byte
		fp     [2 * 16]byte
		logic  []sarif.LogicalLocation
	)
	for i := range rep.NumFindings() {
		f := rep.Finding(i)
		logic = logic[:0]
		for _, row := range f.Rows {
			logic = append(logic, sarif.LogicalLocation{Name: row, FullyQualifiedName: base + row, Kind: "object"})
		}
		locs[0] = sarif.Location{PhysicalLocation: phys, LogicalLocations: logic}
		if len(logic) == 0 {
			locs[0].LogicalLocations = nil
		}
		text = append(text[:0], f.Message...)
		text = append(text, ". To do: "...)
		text = append(text, f.Remedy...)
		text = append(text, '.')
		if f.Fix != "" {
			text = append(text, " msikit rewrite: "...)
			text = append(text, f.Fix...)
			text = append(text, '.')
		}
		// The rule and the rows, each after a NUL.
		hashed = append(append(hashed[:0], f.Rule...), 0)
		for j, row := range f.Rows {
			if j > 0 {
				hashed = append(hashed, 0)
			}
			hashed = append(hashed, row...)
		}
		sum := sha256.Sum256(hashed)
		hex.Encode(fp[:], sum[:16])
		fps["msikitRows/v1"] = reusedString(fp[:])
		res := sarif.Result{RuleID: f.Rule, Level: sarifLevel(f.Severity), Message: sarif.Message{Text: reusedString(text)},
			Locations:           locs,
			PartialFingerprints: fps}
		if err := sw.Add(res); err != nil {
			return err
		}
	}
	return sw.Close()
}

// reusedString is b as a string sharing its bytes, for a text of a
// SARIF result that Add writes before b is reused.
func reusedString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// A passSpool keeps the preview's pass reports of audit --json from the
// end of their pass to their place near the end of the document, as the
// JSON elements writeJSONArray would write at prefix, compressed: a pass
// that changes 65,000 rows reports tens of megabytes of JSON, but the
// text repeats itself and compresses about tenfold, and the reports
// themselves are dropped as soon as each is written here. The spooled
// text can be read back any number of times (the document is counted,
// then written) and its length is known without reading it back.
type passSpool struct {
	prefix string
	buf    bytes.Buffer       // the compressed elements
	fw     *flate.Writer      // compresses into buf
	text   jsonindent.Counter // the uncompressed length (no limit)
	bw     *bufio.Writer      // into fw and text
	n      int                // reports spooled
	closed bool               // fw is closed: buf is complete
}

func newPassSpool(prefix string) *passSpool {
	s := &passSpool{prefix: prefix}
	s.fw, _ = flate.NewWriter(&s.buf, flate.BestSpeed) // a valid level: no error
	s.bw = bufio.NewWriterSize(io.MultiWriter(s.fw, &s.text), 64<<10)
	return s
}

// add spools one report as an element of the passes array.
func (s *passSpool) add(r *transform.Report) error {
	if s.n > 0 {
		s.bw.WriteByte(',')
	}
	s.n++
	s.bw.WriteString("\n" + s.prefix)
	return writeReportJSON(s.bw, s.prefix, r)
}

// writeArray writes the spooled reports to w as the JSON array that
// writeJSONArray writes at prefix (s.prefix being prefix plus two spaces).
// With count, w writes into count, and the reports are added to the
// count instead of being read back.
func (s *passSpool) writeArray(w *bufio.Writer, prefix string, count *jsonindent.Counter) error {
	if s.n == 0 {
		w.WriteString("[]")
		return nil
	}
	if !s.closed {
		if err := s.bw.Flush(); err != nil {
			return err
		}
		if err := s.fw.Close(); err != nil {
			return err
		}
		s.closed = true
	}
	w.WriteByte('[')
	if count != nil {
		if err := w.Flush(); err != nil {
			return err
		}
		if err := count.Add(s.text.N); err != nil {
			return err
		}
	} else {
		fr := flate.NewReader(bytes.NewReader(s.buf.Bytes()))
		if _, err := io.Copy(w, fr); err != nil {
			return fmt.Errorf("audit: reading the spooled pass reports back: %w", err)
		}
	}
	_, err := w.WriteString("\n" + prefix + "]")
	return err
}
