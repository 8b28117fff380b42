package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/authenticode"
	"github.com/msikit/msikit/msi/install"
	"github.com/msikit/msikit/msi/mst"
)

var cmdInfo = &Command{
	Name:      "info",
	UsageLine: "msikit info FILE [--json] [--base BASE]",
	Short:     "show a package's kind, codepage, summary information, tables, streams and signature",
	Long: `Info describes a Windows Installer package: its kind (installer database,
merge module, patch, transform), the database codepage, every summary
information property with its stored type, the tables with their row
counts, the streams that are not tables (with sizes), the sub-storages, the
digital signature (if any: whether it is valid, or each problem, then the
digest, signer, validity and timestamp), and the
cabinets listed in the Media table or embedded as streams (with the
compression read from each cabinet's header).

Every table is decoded, so info also checks that the database is readable:
a table that fails to decode is listed with its error and info exits with
status 1 after printing everything else.

For a transform (.mst), a Transform section decodes its summary
information (the product, version, platform and language it applies to and
makes, its validation checks and suppressed error conditions, the minimum
installer version) and lists its changes table by table: tables created and
dropped, columns added, rows inserted, updated and deleted. The records of a
table the transform does not create can only be decoded with the columns of
the database it applies to: --base BASE gives it (otherwise they are counted
in bytes). For a patch (.msp), a Patch section gives its patch code, the
patch codes it obsoletes, its target ProductCodes, the transforms it carries
in the order they apply (each described as a transform), and its
MsiPatchMetadata and MsiPatchSequence rows (the first 1,000 of each, cells
over 1 KiB clipped).

With --json the same information is one JSON object (see the README for the
schema); summary times are RFC 3339 in UTC, strings are UTF-8.`,
	Example: `	msikit info product.msi
	msikit info --json product.msi | jq .summary
	msikit info fix.mst --base vendor.msi
	msikit info patch.msp`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		asJSON := fs.Bool("json", false, "print one JSON object instead of text")
		baseName := fs.String("base", "", "decode a transform's records against the database `BASE` it applies to")
		return func(env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("want exactly one FILE")
			}
			db, err := openMSI(env, args[0])
			if err != nil {
				return err
			}
			defer db.Close()
			if *baseName != "" && db.Kind() != msi.PackageTransform {
				return fileErr(args[0], fmt.Errorf("not a transform (kind %v): --base is for transforms", db.Kind()))
			}
			info, err := gatherInfo(db, args[0])
			if err != nil {
				return err
			}
			switch db.Kind() {
			case msi.PackageTransform:
				var base *msi.Database
				if *baseName != "" {
					if base, err = openMSI(env, *baseName); err != nil {
						return err
					}
					defer base.Close()
				}
				t, err := mst.New(db)
				if err != nil {
					return fileErr(args[0], err)
				}
				tj := describeTransform(t, base, *baseName)
				info.Transform = &tj
			case msi.PackagePatch:
				p, err := mst.NewPatch(db)
				if err != nil {
					return fileErr(args[0], err)
				}
				if info.Patch, err = describePatch(p); err != nil {
					return fileErr(args[0], err)
				}
			}
			if *asJSON {
				if err := writeInfoJSON(env.Stdout, info); err != nil {
					return err
				}
			} else if err := printInfo(env.Stdout, info); err != nil {
				return err
			}
			if info.Transform != nil && info.Transform.Error != "" {
				return fmt.Errorf("%s: %s", args[0], info.Transform.Error)
			}
			var failed error
			info.eachTable(func(t tableInfoJSON) bool {
				if msg := t.Error; msg != "" {
					if !strings.HasPrefix(msg, "table "+t.Name+":") {
						msg = "table " + t.Name + ": " + msg
					}
					failed = fmt.Errorf("%s: %s", args[0], msg)
				}
				return failed == nil
			})
			return failed
		}
	},
}

// openMSI opens a package for the msi commands, turning errors into
// "<file>: <reason>", and prints the recovery warnings of the container
// and the database on stderr ("msikit: warning: FILE: ..."), as cfb ls
// does, so that damage msikit read past is never silent.
func openMSI(env *Env, name string) (*msi.Database, error) {
	db, err := msi.Open(name)
	if err != nil {
		return nil, fileErr(name, err)
	}
	warn(env, name, db.Warnings)
	return db, nil
}

// fileErr formats err as "<file>: <reason>", without repeating the file
// name (the reason from *fs.PathError or msi.Open may carry it already) or
// the "msi: " package prefix. A *fs.PathError about name itself becomes
// its reason, after the operation unless that was opening or looking at
// the file ("out.msi: write: no space left on device", but
// "in.msi: no such file or directory").
func fileErr(name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == name {
		err = pe.Err
		if pe.Op != "open" && pe.Op != "stat" && pe.Op != "lstat" {
			err = fmt.Errorf("%s: %w", pe.Op, pe.Err)
		}
	}
	return &fileError{name: name, err: err}
}

type fileError struct {
	name string
	err  error
}

func (e *fileError) Error() string {
	msg := trimPackage(e.err.Error())
	msg = strings.TrimPrefix(msg, e.name+": ")
	return e.name + ": " + trimPackage(msg)
}

// trimPackage drops the package prefix (libPrefixes) that begins msg.
func trimPackage(msg string) string {
	for _, p := range libPrefixes {
		if strings.HasPrefix(msg, p) {
			return msg[len(p):]
		}
	}
	return msg
}

func (e *fileError) Unwrap() error { return e.err }

// infoJSON is the schema of "msikit info --json".
type infoJSON struct {
	File      string          `json:"file"`
	Kind      string          `json:"kind"`
	Codepage  int             `json:"codepage"`
	Summary   []summaryJSON   `json:"summary"`
	Tables    []tableInfoJSON `json:"tables"`
	Streams   []streamJSON    `json:"streams"`
	Storages  []string        `json:"storages"`
	Signature signatureJSON   `json:"signature"`
	Cabinets  []cabinetJSON   `json:"cabinets"`
	// Warnings lists the recoverable damage found while reading (the
	// container's and the database's), also printed on stderr.
	Warnings []string `json:"warnings"`
	// Transform and Patch describe a transform and a patch.
	Transform *transformJSON `json:"transform,omitempty"`
	Patch     *patchJSON     `json:"patch,omitempty"`

	// names, when not nil, are the tables in place of Tables, each
	// read from db when written (eachTable): a package can name 360,000
	// tables that fail, and info held a record of each (17 MB) and made
	// each one's error twice, once to learn that it fails (37 MB of
	// garbage more, before the 104 MB of writing them).
	names []string
	db    *msi.Database
	// cabs, when not nil, are the cabinets in place of Cabinets, each
	// described when written (eachCabinet): a Media table of 278,000
	// rows made info hold a record of each twice, the package's and
	// its own (60 MB).
	cabs []install.Cabinet
}

type summaryJSON struct {
	ID    uint32 `json:"id"`
	Name  string `json:"name"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

type tableInfoJSON struct {
	Name  string `json:"name"`
	Rows  int    `json:"rows"`
	Error string `json:"error,omitempty"`
}

// tableCount is the number of tables info lists.
func (info *infoJSON) tableCount() int {
	if info.names != nil {
		return len(info.names)
	}
	return len(info.Tables)
}

// cabinetCount returns the number of cabinets info lists.
func (info *infoJSON) cabinetCount() int {
	if info.cabs != nil {
		return len(info.cabs)
	}
	return len(info.Cabinets)
}

// eachCabinet calls f with each cabinet info lists, in order, until f
// returns false: Cabinets, or each of cabs described then. The record is
// f's until it returns.
func (info *infoJSON) eachCabinet(f func(c *cabinetJSON) bool) {
	if info.cabs == nil {
		for i := range info.Cabinets {
			if !f(&info.Cabinets[i]) {
				return
			}
		}
		return
	}
	// Names and errors over 1 KiB are clipped, and an error shared by
	// the Media rows of one cabinet is written once: a Media table
	// of 278,000 rows naming one 480 KiB cabinet (4.9 MB) made info
	// copy 133 GB into its listing, and info --json into its
	// document, until it ran out of memory.
	var lastErr error
	var lastErrText string
	var clipped textmemo.Memo[string] // one clip per long text
	var cj cabinetJSON
	for _, c := range info.cabs {
		cj = cabinetJSON{Name: clipped.Get(c.Name, clip.String), DiskID: c.DiskID, LastSequence: c.LastSequence,
			Embedded: c.Embedded, Stream: clipped.Get(c.Stream, clip.String), Size: c.Size}
		if c.Reader != nil {
			cj.Compression = c.Compression
			cj.Folders = len(c.Reader.Folders)
			cj.Files = len(c.Reader.Files)
		}
		if c.Err != nil {
			if c.Err != lastErr {
				lastErr, lastErrText = c.Err, clip.String(c.Err.Error())
			}
			cj.Error = lastErrText
		}
		if !f(&cj) {
			return
		}
	}
}

// eachTable calls f with each table info lists, in order, until f returns
// false: Tables, or each of names read from db then (its rows, or its
// error, which the database makes when asked and nothing holds).
func (info *infoJSON) eachTable(f func(t tableInfoJSON) bool) {
	if info.names == nil {
		for _, t := range info.Tables {
			if !f(t) {
				return
			}
		}
		return
	}
	for _, name := range info.names {
		t := tableInfoJSON{Name: name}
		if tab, err := info.db.Table(name); err != nil {
			t.Error = trimPackage(err.Error())
		} else {
			t.Rows = tab.Len()
		}
		if !f(t) {
			return
		}
	}
}

type streamJSON struct {
	Name  string `json:"name"`
	Size  int64  `json:"size"`
	Table string `json:"table,omitempty"`
}

type signatureJSON struct {
	Signed       bool     `json:"signed"`
	Size         int64    `json:"size,omitempty"`
	Extended     bool     `json:"extended"`
	ExtendedSize int64    `json:"extendedSize,omitempty"`
	Valid        bool     `json:"valid"`
	Problems     []string `json:"problems,omitempty"`
	Digest       string   `json:"digest,omitempty"`
	Subject      string   `json:"subject,omitempty"`
	Issuer       string   `json:"issuer,omitempty"`
	NotBefore    string   `json:"notBefore,omitempty"`
	NotAfter     string   `json:"notAfter,omitempty"`
	Timestamp    string   `json:"timestamp,omitempty"`
	Certificates int      `json:"certificates,omitempty"`
	Error        string   `json:"error,omitempty"`
}

type cabinetJSON struct {
	Name         string `json:"name,omitempty"`
	DiskID       int    `json:"diskId,omitempty"`
	LastSequence int    `json:"lastSequence,omitempty"`
	Embedded     bool   `json:"embedded"`
	Stream       string `json:"stream,omitempty"`
	Size         int64  `json:"size,omitempty"`
	Compression  string `json:"compression,omitempty"`
	Folders      int    `json:"folders,omitempty"`
	Files        int    `json:"files,omitempty"`
	Error        string `json:"error,omitempty"`
}

func gatherInfo(db *msi.Database, file string) (*infoJSON, error) {
	info := &infoJSON{File: file, Kind: db.Kind().String(), Codepage: db.Codepage(),
		Summary: []summaryJSON{}, Tables: []tableInfoJSON{}, Streams: []streamJSON{},
		Storages: []string{}, Cabinets: []cabinetJSON{}, Warnings: append([]string{}, db.Warnings...), db: db}
	si, err := db.SummaryInfo()
	if err != nil {
		return nil, fileErr(file, err)
	}
	for _, p := range si.Properties() {
		s := summaryJSON{ID: uint32(p.ID), Name: p.ID.String(), Type: p.Type.String()}
		switch p.Type {
		case msi.PropInt16, msi.PropInt32:
			s.Value = p.Int
		case msi.PropString:
			s.Value = p.Str
		case msi.PropFiletime:
			s.Value = filetimeRFC3339(p)
		default:
			s.Value = fmt.Sprintf("%d bytes", len(p.Raw))
		}
		info.Summary = append(info.Summary, s)
	}
	names := db.TableNames()
	if db.Kind() != msi.PackageTransform {
		// Each table is decoded (or fails) when written.
		info.names = names
	} else {
		info.Tables = make([]tableInfoJSON, 0, len(names))
		for _, name := range names {
			info.Tables = append(info.Tables, tableInfoJSON{Name: name, Rows: -1})
		}
	}
	for _, s := range db.Streams() {
		info.Streams = append(info.Streams, streamJSON{Name: s.Name, Size: s.Size, Table: s.Table})
	}
	info.Storages = append(info.Storages, db.Storages()...)
	sig, err := db.Signature()
	if err != nil {
		return nil, fileErr(file, err)
	}
	info.Signature = signatureJSON{Signed: sig.Signed, Size: sig.Size, Extended: sig.Extended, ExtendedSize: sig.ExtendedSize}
	if sig.Signed || sig.Extended {
		describeSignature(&info.Signature, file)
	}
	if db.Kind() != msi.PackageTransform {
		cabs, err := install.Cabinets(db)
		if err != nil {
			return nil, fileErr(file, err)
		}
		if len(cabs) > 0 {
			info.cabs = cabs
		}
	}
	return info, nil
}

// describeSignature verifies the package's signature as msikit verify
// --no-chain does (digests, signature, timestamp, validity at signing
// time; not the chain's trust) and fills in what it found.
func describeSignature(sj *signatureJSON, file string) {
	sig, err := authenticode.VerifyFile(file, &authenticode.VerifyOptions{NoChain: true})
	var ve *authenticode.VerifyError
	switch {
	case err == nil:
		sj.Valid = true
	case errors.As(err, &ve):
		for _, p := range ve.Problems {
			sj.Problems = append(sj.Problems, problemText(p))
		}
	default:
		sj.Error = problemText(err)
	}
	if sig == nil {
		return
	}
	if sig.Hash != 0 {
		sj.Digest = sig.Hash.String()
	}
	sj.Certificates = len(sig.Certificates)
	if c := sig.Signer; c != nil {
		sj.Subject, sj.Issuer = authenticode.FormatName(c.Subject), authenticode.FormatName(c.Issuer)
		sj.NotBefore = c.NotBefore.UTC().Format(time.RFC3339)
		sj.NotAfter = c.NotAfter.UTC().Format(time.RFC3339)
	}
	if ts := sig.Timestamp; ts != nil {
		sj.Timestamp = ts.Time.Format(time.RFC3339) + " (" + ts.Kind() + ")"
	}
}

// maxProblemText bounds one problem of a signature as printed: what a
// problem quotes from the signature (object identifiers, names in the
// messages of crypto/x509) can be megabytes long.
const maxProblemText = 4096

// problemText is one problem of a signature as one line, without the
// package prefix, escaped and clipped to maxProblemText bytes.
func problemText(err error) string {
	s := oneLine(strings.TrimPrefix(err.Error(), "authenticode: "))
	if len(s) <= maxProblemText {
		return s
	}
	p := clip.Prefix(s, maxProblemText)
	return fmt.Sprintf("%s…(%d bytes more)", p, len(s)-len(p))
}

// filetimeRFC3339 formats a FILETIME property as RFC 3339 in UTC
// ("2006-01-02T15:04:05Z"), whole seconds; a year past 9999, which only a
// crafted package holds, is written in full.
func filetimeRFC3339(p msi.Property) string {
	// "YYYY/MM/DD hh:mm:ss", UTC; the year has five digits past 9999.
	date, clock, _ := strings.Cut(msi.FormatFiletime(p.Time), " ")
	return strings.ReplaceAll(date, "/", "-") + "T" + clock + "Z"
}

// writeInfoJSON writes info as one JSON document, indented by two spaces
// (as a json.Encoder with SetIndent("", "  ") writes it), the tables and
// the cabinets written one at a time: an Encoder holds the document
// three times over (marshalled, indented, written), and a package can
// name 450,000 tables (190 MB for 45 MB of JSON) or hold 278,000 Media
// rows.
func writeInfoJSON(w io.Writer, info *infoJSON) error {
	head := *info
	head.Tables = []tableInfoJSON{}
	streamCabinets := info.cabinetCount() > 0
	if streamCabinets {
		head.Cabinets = []cabinetJSON{}
	}
	b, err := json.MarshalIndent(&head, "", "  ")
	if err != nil {
		return err
	}
	// The document's own "tables" and "cabinets", in this order (the
	// fields before them hold no newline at that depth: JSON strings
	// escape theirs); without cabinets, the document's end stands for
	// where they go.
	const tablesSlot, cabinetsSlot = "\n  \"tables\": []", "\n  \"cabinets\": []"
	tablesAt := bytes.Index(b, []byte(tablesSlot))
	if tablesAt < 0 {
		return errors.New("info: no tables field in the JSON document")
	}
	tablesAt += len(tablesSlot) - 2 // at its "[]", which the tables replace
	var cabinetsAt int
	if streamCabinets {
		at := bytes.Index(b[tablesAt:], []byte(cabinetsSlot))
		if at < 0 {
			return errors.New("info: no cabinets field in the JSON document")
		}
		cabinetsAt = tablesAt + at + len(cabinetsSlot) - 2
	}
	bw := bufio.NewWriter(w)
	bw.Write(b[:tablesAt])
	// One Encoder for all the elements, writing to one buffer, which
	// keeps its indenting buffer between them: json.MarshalIndent made
	// three new texts an element.
	var tb bytes.Buffer
	enc := json.NewEncoder(&tb)
	enc.SetIndent("    ", "  ")
	var cur tableInfoJSON // one value given to Encode, not one a table
	tables := startJSONList(bw, "  ")
	info.eachTable(func(t tableInfoJSON) bool {
		tables.next()
		tb.Reset()
		cur = t
		if err = enc.Encode(&cur); err != nil {
			return false
		}
		bw.Write(bytes.TrimSuffix(tb.Bytes(), []byte("\n"))) // Encode ends it with a newline
		return true
	})
	if err != nil {
		return err
	}
	tables.end()
	if !streamCabinets {
		bw.Write(b[tablesAt+2:])
		bw.WriteByte('\n')
		return bw.Flush()
	}
	bw.Write(b[tablesAt+2 : cabinetsAt])
	cabinets := startJSONList(bw, "  ")
	info.eachCabinet(func(c *cabinetJSON) bool {
		cabinets.next()
		tb.Reset()
		if err = enc.Encode(c); err != nil {
			return false
		}
		bw.Write(bytes.TrimSuffix(tb.Bytes(), []byte("\n")))
		return true
	})
	if err != nil {
		return err
	}
	cabinets.end()
	bw.Write(b[cabinetsAt+2:])
	bw.WriteByte('\n')
	return bw.Flush()
}

func printInfo(w io.Writer, info *infoJSON) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "File:\t%s\n", escapeText(info.File))
	fmt.Fprintf(tw, "Kind:\t%s\n", info.Kind)
	fmt.Fprintf(tw, "Codepage:\t%d\n", info.Codepage)
	tw.Flush()

	fmt.Fprintf(w, "\nSummary information (%d properties):\n", len(info.Summary))
	for _, s := range info.Summary {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", s.Name, s.Type, escapeText(fmt.Sprint(s.Value)))
	}
	tw.Flush()

	fmt.Fprintf(w, "\nTables (%d):\n", info.tableCount())
	// Aligned as tw aligns them, without holding the lines: a package
	// can name 450,000 tables, each printed with its error (29 MB of
	// text, which tw held in 60 MB of cells). The names are measured
	// from the list, and each line is written in pieces: a text made
	// for each of 360,000 lines is garbage the collector lets the heap
	// double for.
	width := 0
	nameWidth := func(name string) int {
		return len("  ") + utf8.RuneCountInString(escapeName(name))
	}
	if info.names != nil {
		for _, name := range info.names {
			if n := nameWidth(name); n <= maxAligned {
				width = max(width, n)
			}
		}
	} else {
		for _, t := range info.Tables {
			if n := nameWidth(t.Name); n <= maxAligned {
				width = max(width, n)
			}
		}
	}
	bw := bufio.NewWriter(w)
	var num []byte
	info.eachTable(func(t tableInfoJSON) bool {
		name := escapeName(t.Name)
		bw.WriteString("  ")
		bw.WriteString(name)
		for n := padding(width, len("  ")+utf8.RuneCountInString(name)); n > 0; n-- {
			bw.WriteByte(' ')
		}
		switch {
		case t.Error != "":
			bw.WriteString("error: ")
			bw.WriteString(escapeText(t.Error))
		case t.Rows < 0:
			bw.WriteString("(transform changes)")
		default:
			num = strconv.AppendInt(num[:0], int64(t.Rows), 10)
			bw.Write(num)
			bw.WriteString(" rows")
		}
		bw.WriteByte('\n')
		return true
	})
	if err := bw.Flush(); err != nil {
		return err
	}

	fmt.Fprintf(w, "\nStreams (%d):\n", len(info.Streams))
	for _, s := range info.Streams {
		fmt.Fprintf(tw, "  %s\t%d bytes\n", escapeName(s.Name), s.Size)
	}
	tw.Flush()

	if len(info.Storages) > 0 {
		fmt.Fprintf(w, "\nStorages (%d):\n", len(info.Storages))
		for _, s := range info.Storages {
			fmt.Fprintf(w, "  %s\n", escapeName(s))
		}
	}

	sig := info.Signature
	fmt.Fprintf(w, "\nSignature: ")
	switch {
	case !sig.Signed && !sig.Extended:
		fmt.Fprintf(w, "none\n")
	default:
		var parts []string
		if sig.Signed {
			parts = append(parts, fmt.Sprintf("\\x05DigitalSignature %d bytes", sig.Size))
		}
		if sig.Extended {
			parts = append(parts, fmt.Sprintf("\\x05MsiDigitalSignatureEx %d bytes", sig.ExtendedSize))
		}
		verdict := "valid"
		switch {
		case sig.Error != "":
			verdict = "malformed"
		case len(sig.Problems) > 0:
			verdict = strings.SplitN(sig.Problems[0], ":", 2)[0]
			if len(sig.Problems) > 1 {
				verdict += fmt.Sprintf(" (and %d more)", len(sig.Problems)-1)
			}
		}
		fmt.Fprintf(w, "signed, %s (%s; trust not checked: see msikit verify)\n", verdict, strings.Join(parts, ", "))
		for _, p := range sig.Problems {
			fmt.Fprintf(tw, "  Problem:\t%s\n", p)
		}
		if sig.Digest != "" {
			fmt.Fprintf(tw, "  Digest:\t%s\n", escapeText(sig.Digest))
		}
		if sig.Subject != "" {
			fmt.Fprintf(tw, "  Signer:\t%s\n", escapeText(sig.Subject))
			fmt.Fprintf(tw, "  Issuer:\t%s\n", escapeText(sig.Issuer))
			fmt.Fprintf(tw, "  Valid:\t%s to %s\n", sig.NotBefore, sig.NotAfter)
		}
		if sig.Timestamp != "" {
			fmt.Fprintf(tw, "  Timestamp:\t%s\n", sig.Timestamp)
		}
		if sig.Error != "" {
			fmt.Fprintf(tw, "  Error:\t%s\n", escapeText(sig.Error))
		}
		tw.Flush()
	}

	if info.Transform != nil {
		fmt.Fprintf(w, "\nTransform:\n")
		if info.Transform.Base != "" {
			fmt.Fprintf(w, "  Decoded against %s\n", escapeText(info.Transform.Base))
		}
		printTransform(w, "  ", info.Transform)
	}
	if info.Patch != nil {
		printPatch(w, info.Patch)
	}

	fmt.Fprintf(w, "\nCabinets (%d):\n", info.cabinetCount())
	return writeCabinetLines(w, info)
}

// cabinetCells is the number of cells of a cabinet's line: its name,
// disk, where it is and what it holds.
const cabinetCells = 4

// appendCabinetCells appends the cells of c's line in the cabinets of
// info's listing to b, and returns b and where each cell ends in it.
// name remembers the escaping of the last name: the Media rows of a
// cabinet name it with one text.
func appendCabinetCells(b []byte, c *cabinetJSON, name *lastEscaped) ([]byte, [cabinetCells]int) {
	var ends [cabinetCells]int
	if c.Name != "" {
		b = append(b, name.escape(c.Name)...)
	}
	if len(b) == 0 {
		b = append(b, "(stream "...)
		b = append(b, escapeName(c.Stream)...)
		b = append(b, ", no Media row)"...)
	}
	ends[0] = len(b)
	if c.DiskID != 0 {
		b = append(b, "disk "...)
		b = strconv.AppendInt(b, int64(c.DiskID), 10)
		b = append(b, ", last sequence "...)
		b = strconv.AppendInt(b, int64(c.LastSequence), 10)
	}
	ends[1] = len(b)
	if c.Embedded {
		b = append(b, "embedded, "...)
		b = strconv.AppendInt(b, c.Size, 10)
		b = append(b, " bytes"...)
	} else {
		b = append(b, "external"...)
	}
	ends[2] = len(b)
	if c.Error != "" {
		b = append(b, "error: "...)
		b = appendEscape(b, c.Error, false)
	} else if c.Embedded {
		b = append(b, c.Compression...)
		b = append(b, ", "...)
		b = strconv.AppendInt(b, int64(c.Folders), 10)
		b = append(b, " folders, "...)
		b = strconv.AppendInt(b, int64(c.Files), 10)
		b = append(b, " files"...)
	}
	ends[3] = len(b)
	return b, ends
}

// lastEscaped is the name escapeName escaped last, and what it returned.
type lastEscaped struct{ in, out string }

// escape returns escapeName(s).
func (e *lastEscaped) escape(s string) string {
	if s != e.in || e.out == "" {
		e.in, e.out = s, escapeName(s)
	}
	return e.out
}

// writeCabinetLines writes a line for each cabinet of info, its cells
// aligned as a tabwriter.Writer (padding 2, padded with spaces) aligns
// them, without holding the lines: a Media table of 278,000 rows naming
// one 480 KiB cabinet (4.9 MB) made info hold 77 MB of cells in the
// tabwriter. The cells are made twice, once to measure the columns and
// once to write them. Cells holding a byte the tabwriter gives a
// meaning to (a tab, a line or form feed, its escape byte), which
// escaping leaves none of, are written through a tabwriter, as they
// were.
func writeCabinetLines(w io.Writer, info *infoJSON) error {
	var name lastEscaped
	var widths [cabinetCells - 1]int
	var b []byte
	plain := true
	info.eachCabinet(func(c *cabinetJSON) bool {
		var ends [cabinetCells]int
		b, ends = appendCabinetCells(b[:0], c, &name)
		if bytes.ContainsAny(b, "\t\n\v\f\xff") {
			plain = false
			return false
		}
		start := 0
		for j := range widths {
			widths[j] = max(widths[j], utf8.RuneCount(b[start:ends[j]]))
			start = ends[j]
		}
		return true
	})
	if !plain {
		return writeCabinetLinesTabwriter(w, info)
	}
	bw := bufio.NewWriter(w)
	info.eachCabinet(func(c *cabinetJSON) bool {
		var ends [cabinetCells]int
		b, ends = appendCabinetCells(b[:0], c, &name)
		bw.WriteString("  ")
		start := 0
		for j, width := range widths {
			cell := b[start:ends[j]]
			bw.Write(cell)
			writeSpaces(bw, padding(width, utf8.RuneCount(cell)))
			start = ends[j]
		}
		bw.Write(b[start:ends[cabinetCells-1]])
		bw.WriteByte('\n')
		return true
	})
	return bw.Flush()
}

// writeCabinetLinesTabwriter is writeCabinetLines through a tabwriter.
func writeCabinetLinesTabwriter(w io.Writer, info *infoJSON) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	var name lastEscaped
	var b []byte
	info.eachCabinet(func(c *cabinetJSON) bool {
		var ends [cabinetCells]int
		b, ends = appendCabinetCells(b[:0], c, &name)
		tw.Write([]byte("  "))
		start := 0
		for j, end := range ends {
			tw.Write(b[start:end])
			if j < cabinetCells-1 {
				tw.Write([]byte{'\t'})
			}
			start = end
		}
		tw.Write([]byte{'\n'})
		return true
	})
	return tw.Flush()
}
