package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/msi"
)

var cmdCFB = &Command{
	Name:      "cfb",
	UsageLine: "msikit cfb <ls|cat|repack> ...",
	Short:     "inspect and repack the Compound File Binary container",
	Long: `The cfb commands work on the Compound File Binary container that every
.msi, .msm, .msp and .mst file is, without interpreting the database.`,
	Example: `	msikit cfb ls product.msi
	msikit cfb cat product.msi '\x05SummaryInformation' > summary.bin
	msikit cfb repack product.msi -o compact.msi`,
	Sub: []*Command{cmdCFBLs, cmdCFBCat, cmdCFBRepack},
}

var cmdCFBLs = &Command{
	Name:      "ls",
	UsageLine: "msikit cfb ls FILE",
	Short:     "list the storage tree with types, sizes, CLSIDs, state bits and times",
	Long: `Ls lists every entry of the container in tree order (pre-order, children
in CFB name order), one per line: type, size in bytes (streams), CLSID ("-" if
null), state bits in hex, created and modified times (UTC, exact to 100 ns,
"-" if zero), and the path. Names are escaped: control characters, unpaired
surrogates, "\" and "/" inside a name appear as \xNN, \uNNNN, \\ and \x2f,
so "\x05SummaryInformation" is the summary stream. Warnings about recoverable
damage go to standard error.`,
	Example: `	msikit cfb ls product.msi`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		return func(env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("want exactly one FILE")
			}
			rc, err := cfb.OpenReader(args[0])
			if err != nil {
				return fileErr(args[0], err)
			}
			defer rc.Close()
			warn(env, args[0], rc.Warnings)
			entries := rc.Entries()
			return writeColumns(env.Stdout, func(row func(...string)) {
				row("TYPE", "SIZE", "CLSID", "STATE", "CREATED", "MODIFIED", "PATH")
				for _, e := range entries {
					size := "-"
					if e.Type == cfb.TypeStream {
						size = strconv.FormatInt(e.Size, 10)
					}
					clsid := "-"
					if !e.CLSID.IsZero() {
						clsid = e.CLSID.String()
					}
					row(e.Type.String(), size, clsid, fmt.Sprintf("%08x", e.StateBits),
						fmtTime(e.Created), fmtTime(e.Modified), escapedPath(e))
				}
			})
		}
	},
}

var cmdCFBCat = &Command{
	Name:      "cat",
	UsageLine: "msikit cfb cat FILE PATH",
	Short:     "write a stream's bytes to standard output",
	Long: `Cat writes the bytes of the stream at PATH to standard output. PATH is
the path as "msikit cfb ls" prints it (escaped), or the literal path.`,
	Example: `	msikit cfb cat product.msi '\x05SummaryInformation' | xxd | head`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		return func(env *Env, args []string) error {
			if len(args) != 2 {
				return usagef("want FILE and PATH")
			}
			rc, err := cfb.OpenReader(args[0])
			if err != nil {
				return fileErr(args[0], err)
			}
			defer rc.Close()
			warn(env, args[0], rc.Warnings)
			e := findEntry(rc.Reader, args[1])
			if e == nil {
				return fmt.Errorf("%s: no entry %q (see msikit cfb ls)", args[0], args[1])
			}
			s, err := e.Open()
			if err != nil {
				return fileErr(args[0], err)
			}
			if _, err := io.Copy(env.Stdout, s); err != nil {
				return fmt.Errorf("%s: %s: %w", args[0], args[1], err)
			}
			return nil
		}
	},
}

var cmdCFBRepack = &Command{
	Name:      "repack",
	UsageLine: "msikit cfb repack IN -o OUT [--version 3|4]",
	Short:     "rewrite the container through msikit's writer, dropping slack",
	Long: `Repack reads IN and writes every storage and stream, with names, CLSIDs,
state bits, times and bytes unchanged, to OUT through msikit's own writer:
free sectors and slack are dropped and the layout is made canonical. Stream
data is copied through, so memory use does not grow with the file. OUT is
written atomically. Version 3 is written unless --version 4 is given or the
content needs version 4.

` + durabilityNoInPlace,
	Example: `	msikit cfb repack product.msi -o compact.msi`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		var o outputFlags
		o.define(fs, "IN", "write the result to `OUT` (required)", 0)
		version := fs.Int("version", 0, "compound file version `N` to write: 3 or 4 (default: 3, or 4 when needed)")
		return func(env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("want exactly one input file")
			}
			if o.out == "" {
				return usagef("-o OUT is required")
			}
			if *version != 0 && *version != 3 && *version != 4 {
				return usagef("--version must be 3 or 4")
			}
			in := args[0]
			if err := checkNotInput(in, o.out); err != nil {
				return err
			}
			if err := checkNotPackageCabinet(in, o.out); err != nil {
				return err
			}
			wc, err := validateInput(o.validate, in)
			if err != nil {
				return err
			}
			rc, err := cfb.OpenReader(in)
			if err != nil {
				return fileErr(in, err)
			}
			defer rc.Close()
			warn(env, in, rc.Warnings)
			err = safefile.WriteFile(o.out, &safefile.Options{
				Sync:          o.sync,
				FollowSymlink: true,
				Check:         func(r io.ReaderAt, size int64) error { return checkRepacked(rc.Reader, r, size) },
			}, func(w io.Writer) error {
				cw := cfb.NewWriter(cfbRepackHook(w), &cfb.WriterOptions{Version: *version})
				if err := cw.Copy(rc.Root); err != nil {
					return err
				}
				return cw.Close()
			})
			if err != nil {
				return fileErr(o.out, err)
			}
			return wc.report(env, o.out)
		}
	},
}

// checkNotPackageCabinet refuses, for cfb repack, an existing output out
// that is a cabinet of in when in is an installer package (checkNotCabinet):
// the container writer knows nothing of the Media table, yet the output,
// renamed into place, would replace the cabinet as the package writers'
// would. A container that is not a package (or whose database does not
// open: cfb repack copies it as it is) has no cabinets; a missing out is
// never one, and the database is not read for it.
func checkNotPackageCabinet(in, out string) error {
	if fi, err := os.Stat(out); err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	db, err := msi.Open(in)
	if err != nil {
		return nil
	}
	defer db.Close()
	return checkNotCabinet(db, in, out)
}

// cfbRepackHook wraps the writer cfb repack fills; tests replace it to
// make the writer produce garbage.
var cfbRepackHook = func(w io.Writer) io.Writer { return w }

// checkRepacked reads back a repacked container before it is renamed into
// place: it must open, and list the same entries (path, type, stream size)
// as the source, in the same order.
func checkRepacked(src *cfb.Reader, r io.ReaderAt, size int64) error {
	got, err := cfb.NewReader(r, size)
	if err != nil {
		return err
	}
	a, b := src.Entries(), got.Entries()
	if len(a) != len(b) {
		return fmt.Errorf("cfb: %d entries written, %d in the source", len(b), len(a))
	}
	for i := range a {
		if a[i].Path != b[i].Path || a[i].Type != b[i].Type || a[i].Type == cfb.TypeStream && a[i].Size != b[i].Size {
			return fmt.Errorf("cfb: entry %s (%d bytes) written as %s (%d bytes)", escapeText(a[i].Path), a[i].Size, escapeText(b[i].Path), b[i].Size)
		}
	}
	return nil
}

func warn(env *Env, file string, warnings []string) {
	for _, w := range warnings {
		fmt.Fprintf(env.Stderr, "msikit: warning: %s: %s\n", escapeText(file), escapeText(w))
	}
}

func fmtTime(f cfb.Filetime) string {
	if f == 0 {
		return "-"
	}
	return f.Time().Format("2006-01-02T15:04:05.0000000Z")
}

// escapedPath is e's path with each name escaped; "/" for the root.
func escapedPath(e *cfb.Entry) string {
	if e.Parent == nil {
		return "/"
	}
	var parts []string
	for a := e; a.Parent != nil; a = a.Parent {
		parts = append(parts, escapeUTF16Name(a.RawName))
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, "/")
}

// findEntry finds an entry by its escaped path (as ls prints it) or, failing
// that, by its literal path.
func findEntry(r *cfb.Reader, path string) *cfb.Entry {
	for _, e := range r.Entries() {
		if escapedPath(e) == path {
			return e
		}
	}
	return r.Lookup(path)
}
