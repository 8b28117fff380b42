package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf16"

	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/darwin"
	"github.com/msikit/msikit/msi/msilog"
	"github.com/msikit/msikit/transform"
)

var cmdDescriptor = &Command{
	Name:      "descriptor",
	UsageLine: "msikit descriptor <decode|encode> ...",
	Short:     "decode and encode darwin descriptors",
	Long: `A darwin descriptor is the compressed "product, feature, component" string
Windows Installer writes into advertised entry points: the InprocServer32
value of an advertised COM class, the "command" value of an advertised
shell verb, the DarwinDataBlock of an advertised shortcut, the values of a
published qualified component. Activating the entry point makes Windows
Installer check the feature's health, and repair it, before it returns the
component's path.`,
	Example: `msikit descriptor decode "']gAVn-}f(ZXfeAR6.jiWORDFiles>P` + "`" + `os,1@SW=P7v6GPl]Xh"
msikit descriptor decode --package product.msi "Word.lnk"
msikit descriptor encode {90110409-6000-11D3-8CFE-0150048383C9} WORDFiles`,
	Sub: []*Command{cmdDescriptorDecode, cmdDescriptorEncode},
}

var cmdDescriptorDecode = &Command{
	Name:      "decode",
	UsageLine: "msikit descriptor decode INPUT... [--package PKG] [--json]",
	Short:     "decode descriptors from text, registry exports, logs or .lnk files",
	Long: `Decode finds the darwin descriptors in each INPUT and prints the product code,
feature, component code and arguments each names. An INPUT is text (a
descriptor, a shell verb's "command" value with its arguments, a line of a
verbose log or an event log message) or a file: an advertised shortcut
(.lnk, whose DarwinDataBlock is read, with the link's arguments), or a
text file such as a .reg export (UTF-16 or ANSI; hex(7) and str(7)
REG_MULTI_SZ values are decoded) or a log, every line of which is searched.

With --package the descriptors are read against that package: whether the
product is its product, the feature (the package's only feature when the
descriptor leaves it out) and what its health check covers, the component's
Component row and key path (the feature's only component when the
descriptor has none). The exit status is 1 when an INPUT holds no
descriptor. At most 10,000 descriptors are listed, all INPUTs together
(a warning says when there were more), and once their package notes
reach 8 MiB the notes of the next are left out. --json prints one JSON
array (README has the schema).`,
	Example: `msikit descriptor decode "']gAVn-}f(ZXfeAR6.jiWORDFiles>P` + "`" + `os,1@SW=P7v6GPl]Xh /n \"%1\""
msikit descriptor decode --package product.msi export.reg "Start Menu/Product.lnk"`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		pkg := fs.String("package", "", "read the descriptors against the package `PKG`")
		asJSON := fs.Bool("json", false, "print the descriptors as JSON")
		return func(env *Env, args []string) error { return runDescriptorDecode(env, *pkg, *asJSON, args) }
	},
}

var cmdDescriptorEncode = &Command{
	Name:      "encode",
	UsageLine: "msikit descriptor encode (PRODUCT | --package PKG) FEATURE [COMPONENT] [--args ARGS]",
	Short:     "build the descriptor of a product, feature and component",
	Long: `Encode prints the darwin descriptor naming PRODUCT (a product code GUID),
FEATURE (may be "" for the short form without a feature) and COMPONENT (a
component code GUID; left out, the short form ending in '<'), followed by a
space and ARGS when --args is given, as an advertised shell verb's
"command" value holds them. With --package the product code is the
package's, and COMPONENT may be a Component table key.`,
	Example: `msikit descriptor encode {90110409-6000-11D3-8CFE-0150048383C9} WORDFiles {1EBDE4BC-9A51-4630-B541-2561FA45CCC5}
msikit descriptor encode --package product.msi Core App --args '"%1"'`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		pkg := fs.String("package", "", "take the product code (and component keys) from the package `PKG`")
		argsFlag := fs.String("args", "", "append a space and `ARGS` (a shell verb's arguments)")
		return func(env *Env, args []string) error {
			return runDescriptorEncode(env, *pkg, *argsFlag, fs.Changed("args"), args)
		}
	},
}

// foundDescriptor is one descriptor decode found; its JSON form is the
// documented schema.
type foundDescriptor struct {
	Input      string   `json:"input"`
	Where      string   `json:"where"` // "text", "FILE:LINE", "FILE (shortcut)", a registry value name
	Descriptor string   `json:"descriptor"`
	Product    string   `json:"product"`
	Feature    string   `json:"feature"`
	Component  string   `json:"component"`
	Args       string   `json:"args,omitempty"`
	Package    []string `json:"package,omitempty"`
}

// maxDescriptorFile bounds the text read from one file.
const maxDescriptorFile = 64 << 20

// maxFound bounds the descriptors listed, all INPUTs together; the rest
// are not listed (a warning says so). Each may be explained by several
// package notes: 12 files of 10,000 descriptors each (5 MB) listed
// 120,000.
const maxFound = 10000

// maxNoteBytes bounds the package notes written, all descriptors
// together: past it, a descriptor's notes are left out (one note says
// so). A package's answer about a component can be kilobytes (8 rows, 8
// features each, names up to clip.Max), and 10,000 descriptors naming it
// repeated it whole, 107 MB from 420 KB.
const maxNoteBytes = 8 << 20

// notesLeftOut replaces a descriptor's package notes past maxNoteBytes.
const notesLeftOut = "(left out: the package notes of the descriptors before this one reached 8 MiB)"

func runDescriptorDecode(env *Env, pkgPath string, asJSON bool, args []string) error {
	if len(args) == 0 {
		return usagef("want at least one INPUT")
	}
	var index *transform.PackageIndex
	if pkgPath != "" {
		db, err := openMSI(env, pkgPath)
		if err != nil {
			return err
		}
		defer db.Close()
		if index, err = transform.NewPackageIndex(db); err != nil {
			return fileErr(pkgPath, err)
		}
	}
	// Each INPUT's descriptors are written once found, not held until
	// the last: 12 files of 10,000 descriptors (5 MB) held 247 MiB for
	// --json.
	out := newDescriptorWriter(env.Stdout, asJSON)
	var failed []error
	listed, notes, unlisted := 0, 0, false
	for _, in := range args {
		found, more, err := descriptorsOf(in, maxFound-listed)
		if err == nil && len(found) == 0 && !more {
			err = errors.New("no darwin descriptor")
		}
		if err != nil {
			failed = append(failed, fileErr(in, err))
			continue
		}
		unlisted = unlisted || more
		listed += len(found)
		for i := range found {
			switch {
			case index == nil:
			case notes > maxNoteBytes:
				found[i].Package = []string{notesLeftOut}
			default:
				found[i].Package = index.Descriptor(darwin.Descriptor{Product: found[i].Product, Feature: found[i].Feature, Component: found[i].Component})
				for _, n := range found[i].Package {
					notes += len(n)
				}
			}
			if err := out.write(&found[i]); err != nil {
				return err
			}
		}
	}
	if err := out.close(); err != nil {
		return err
	}
	if unlisted {
		fmt.Fprintf(env.Stderr, "msikit: descriptor decode: the first %d descriptors are listed, the rest are not\n", maxFound)
	}
	switch {
	case len(failed) == 1 && len(args) == 1:
		return failed[0]
	case len(failed) > 0:
		for _, err := range failed {
			fmt.Fprintf(env.Stderr, "msikit: %s\n", errorLine(err))
		}
		return fmt.Errorf("descriptor decode: %d of %d inputs hold no descriptor", len(failed), len(args))
	}
	return nil
}

// descriptorWriter writes found descriptors one at a time: as text, or
// as the elements of one JSON array, byte for byte what a json.Encoder
// indenting by two spaces writes for the whole slice.
type descriptorWriter struct {
	bw   *bufio.Writer
	list *jsonList // the JSON array, for --json
}

func newDescriptorWriter(w io.Writer, asJSON bool) *descriptorWriter {
	d := &descriptorWriter{bw: bufio.NewWriterSize(w, 64<<10)}
	if asJSON {
		d.list = startJSONList(d.bw, "")
	}
	return d
}

func (d *descriptorWriter) write(f *foundDescriptor) error {
	if d.list != nil {
		js, err := json.MarshalIndent(f, d.list.next(), "  ")
		if err != nil {
			return err
		}
		_, err = d.bw.Write(js)
		return err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s (%s)\n", f.Descriptor, f.Where)
	fmt.Fprintf(&b, "  product:   %s\n  feature:   %s\n  component: %s\n", f.Product, orParen(f.Feature, "(none)"), orParen(f.Component, "(none: the short form)"))
	if f.Args != "" {
		fmt.Fprintf(&b, "  arguments: %s\n", f.Args)
	}
	for _, p := range f.Package {
		fmt.Fprintf(&b, "  package:   %s\n", p)
	}
	_, err := textWriter{d.bw}.Write(b.Bytes())
	return err
}

// close ends the JSON array and flushes the output.
func (d *descriptorWriter) close() error {
	if d.list != nil {
		d.list.end()
		d.bw.WriteByte('\n')
	}
	return d.bw.Flush()
}

func orParen(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// descriptorsOf finds the descriptors of one INPUT: a shell link, a text
// file, or text.
//
// Each descriptor names its INPUT, clipped when over clip.Max: a text
// INPUT of 126 KB holding 3,000 descriptors was quoted whole by each, 378
// MB of JSON.
//
// At most limit descriptors are returned; more reports that the INPUT
// holds others.
func descriptorsOf(in string, limit int) (found []foundDescriptor, more bool, err error) {
	label := clip.String(in)
	fi, err := os.Stat(in)
	if err != nil || !fi.Mode().IsRegular() {
		found, more = cut(fromText(label, "text", in), limit)
		return found, more, nil
	}
	f, err := os.Open(in)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	head := make([]byte, 20)
	n, _ := io.ReadFull(f, head)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, false, err
	}
	if n >= 20 && binary.LittleEndian.Uint32(head) == 0x4C && bytes.Equal(head[4:20], []byte{0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46}) {
		sc, err := darwin.ReadShortcut(f)
		if err != nil {
			return nil, false, err
		}
		if sc.DarwinID == "" {
			return nil, false, errors.New("a shell link that is not advertised (no DarwinDataBlock)")
		}
		d, n, err := darwin.Parse(sc.DarwinID)
		if err != nil {
			return nil, false, fmt.Errorf("the DarwinDataBlock holds %q: %w", sc.DarwinID, err)
		}
		found, more = cut([]foundDescriptor{newFound(label, label+" (shortcut)", sc.DarwinID[:n], d, sc.Arguments)}, limit)
		return found, more, nil
	}
	var out []foundDescriptor
	errEnough := errors.New("enough")
	var cont strings.Builder // a .reg value continued over lines ending in '\'
	contLine := 0
	_, err = msilog.ScanLines(io.LimitReader(f, maxDescriptorFile), 0, func(n int, line []byte) error {
		s := string(line)
		if cont.Len() > 0 || strings.HasSuffix(s, `\`) && strings.Contains(s, "=hex") {
			if cont.Len() == 0 {
				contLine = n
			}
			cont.WriteString(strings.TrimSpace(strings.TrimSuffix(s, `\`)))
			if strings.HasSuffix(s, `\`) && cont.Len() < 1<<20 {
				return nil
			}
			s, n = cont.String(), contLine
			cont.Reset()
		}
		var f []foundDescriptor
		f, more = cut(fromText(label, label+":"+strconv.Itoa(n), s), limit-len(out))
		out = append(out, f...)
		if more {
			return errEnough
		}
		return nil
	})
	if err == errEnough {
		err = nil
	}
	return out, more, err
}

// cut returns the first limit of found, and whether there were more.
func cut(found []foundDescriptor, limit int) ([]foundDescriptor, bool) {
	if len(found) > limit {
		return found[:max(limit, 0)], true
	}
	return found, false
}

func newFound(in, where, text string, d darwin.Descriptor, args string) foundDescriptor {
	return foundDescriptor{Input: in, Where: where, Descriptor: text, Product: d.Product, Feature: d.Feature, Component: d.Component, Args: args}
}

// fromText finds descriptors in one line of text: a whole descriptor with
// arguments, a .reg value (REG_SZ, hex(7) or Wine's str(7) REG_MULTI_SZ),
// or descriptors anywhere in the text.
func fromText(in, where, s string) []foundDescriptor {
	s = strings.TrimSpace(s)
	if d, args, err := darwin.Decode(s); err == nil {
		_, n, _ := darwin.Parse(s)
		return []foundDescriptor{newFound(in, where, s[:n], d, args)}
	}
	var out []foundDescriptor
	for _, v := range regValues(s) {
		if d, args, err := darwin.Decode(v); err == nil {
			_, n, _ := darwin.Parse(v)
			out = append(out, newFound(in, where, v[:n], d, args))
			continue
		}
		for _, m := range darwin.Find(v, 0) {
			out = append(out, newFound(in, where, v[m.Offset:m.Offset+m.Len], m.Descriptor, ""))
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, m := range darwin.Find(s, 0) {
		out = append(out, newFound(in, where, s[m.Offset:m.Offset+m.Len], m.Descriptor, ""))
	}
	return out
}

// regValues returns the strings of a .reg export line's value:
// "name"=hex(7):..., "name"=str(7):"...", "name"="..."; nil when the line
// is not one.
func regValues(s string) []string {
	i := strings.Index(s, "=")
	if i < 0 || !strings.HasPrefix(s, `"`) && !strings.HasPrefix(s, "@") {
		return nil
	}
	v := s[i+1:]
	switch {
	case strings.HasPrefix(v, "hex(7):"), strings.HasPrefix(v, "hex(2):"), strings.HasPrefix(v, "hex(1):"):
		var b []byte
		for _, h := range strings.Split(v[7:], ",") {
			x, err := strconv.ParseUint(strings.TrimSpace(h), 16, 8)
			if err != nil {
				return nil
			}
			b = append(b, byte(x))
		}
		u := make([]uint16, len(b)/2)
		for j := range u {
			u[j] = binary.LittleEndian.Uint16(b[2*j:])
		}
		return nonEmpty(strings.Split(string(utf16.Decode(u)), "\x00"))
	case strings.HasPrefix(v, `str(7):"`):
		return nonEmpty(strings.Split(regUnquote(v[7:]), "\x00"))
	case strings.HasPrefix(v, `"`):
		return []string{regUnquote(v)}
	}
	return nil
}

// regUnquote undoes a .reg string's quotes and escapes (\\, \", and
// Wine's \0 between the strings of a REG_MULTI_SZ).
func regUnquote(q string) string {
	q = strings.TrimPrefix(q, `"`)
	q = strings.TrimSuffix(q, `"`)
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if q[i] == '\\' && i+1 < len(q) {
			i++
			switch q[i] {
			case '0':
				b.WriteByte(0)
			default:
				b.WriteByte(q[i])
			}
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func nonEmpty(s []string) []string {
	var out []string
	for _, x := range s {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

func runDescriptorEncode(env *Env, pkgPath, extra string, haveArgs bool, args []string) error {
	var product, feature, component string
	var db *msi.Database
	if pkgPath != "" {
		if len(args) < 1 || len(args) > 2 {
			return usagef("with --package, want FEATURE [COMPONENT]")
		}
		var err error
		if db, err = openMSI(env, pkgPath); err != nil {
			return err
		}
		defer db.Close()
		index, err := transform.NewPackageIndex(db)
		if err != nil {
			return fileErr(pkgPath, err)
		}
		if product = index.ProductCode(); product == "" {
			return fileErr(pkgPath, errors.New("no ProductCode property"))
		}
		feature = args[0]
		if len(args) == 2 {
			component = args[1]
			if _, err := darwin.NormalizeGUID(component); err != nil {
				id, ok := componentID(db, component)
				if !ok {
					return fileErr(pkgPath, fmt.Errorf("no Component row %s with a ComponentId", escapeName(component)))
				}
				component = id
			}
		}
	} else {
		if len(args) < 2 || len(args) > 3 {
			return usagef("want PRODUCT FEATURE [COMPONENT]")
		}
		product, feature = args[0], args[1]
		if len(args) == 3 {
			component = args[2]
		}
	}
	s, err := darwin.Encode(darwin.Descriptor{Product: product, Feature: feature, Component: component})
	if err != nil {
		return usagef("%s", strings.TrimPrefix(err.Error(), "darwin: "))
	}
	if haveArgs {
		s += " " + extra
	}
	_, err = fmt.Fprintln(textWriter{env.Stdout}, s)
	return err
}

// componentID returns the ComponentId of a Component row.
func componentID(db *msi.Database, key string) (string, bool) {
	if !db.HasTable("Component") {
		return "", false
	}
	t, err := db.Table("Component")
	if err != nil {
		return "", false
	}
	r, ok := t.Lookup(msi.StrValue(key))
	if !ok || r.Get("ComponentId").Str() == "" {
		return "", false
	}
	return r.Get("ComponentId").Str(), true
}
