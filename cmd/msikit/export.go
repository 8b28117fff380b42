package main

import (
	"errors"
	"fmt"

	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/internal/jsonexport"
	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/internal/safename"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/idt"
)

var cmdExport = &Command{
	Name:      "export",
	UsageLine: "msikit export FILE [TABLE...] [-d DIR] [--json | --format idt|json] [--max-bytes N] [--max-files N]",
	Short:     "export tables as IDT files (msidb/msiinfo format) or JSON",
	Long: `Export writes tables as IDT text, byte for byte what "msiinfo export FILE
TABLE" writes (tab-separated, CR LF line ends, three header lines: column
names, column types, table name and key columns), or as JSON.

With one TABLE and no -d, the table goes to standard output. With -d DIR,
each TABLE (default: every table, plus the pseudo-tables
_SummaryInformation and _ForceCodepage that msidb and msiinfo export) is
written to DIR/TABLE.idt (or .json), and the data of binary cells to
DIR/TABLE/<stream name>, the file each cell names, so that
"msikit import" and "msibuild -i" (run in DIR) read the export back. DIR is
created if needed. The files are written into a hidden temporary folder
that becomes DIR at the end (or whose files move into an existing DIR),
so a failed export leaves DIR as it was. The package itself is never
replaced: exporting DIR/Icon.idt, or DIR/Icon/<cell>, into DIR is
refused and writes nothing. A table or cell whose name is not
a safe file name (a path separator, "..", a drive letter, a control
character, a name Windows reserves) is skipped and reported on standard
error after the rest is exported, and the exit status is 1. Without -d,
--json (or --format json) writes one JSON document with the tables (default: all) to
standard output, row by row.

TABLE may be _SummaryInformation (property id and value; times in UTC),
_ForceCodepage, or one of the system tables _Tables, _Columns, _Streams and
_Storages (not exported by default), and may be given as "msikit tables"
prints it (escaped); a TABLE named twice is exported once. In JSON, cells are null, numbers or strings, and binary
cells are their stream name. testdata/known-msiinfo-differences.md lists the
three cases where the IDT output deliberately differs from msiinfo.

A transform's (.mst) tables hold change records, which export does not
write: only its _SummaryInformation and _ForceCodepage can be exported, and
naming any other table, or none, is an error.

A table's text can be far bigger than the package: one pooled string is
stored once however many cells use it, and the export writes it in each.
Before writing anything, export adds up the text the tables would make
and refuses when it passes --max-bytes N (default 1 GiB, far beyond real
packages; 0 for no limit): a crafted package of a few megabytes could
otherwise ask for tens of gigabytes. Binary cells' data (no bigger than
the package) is not counted.

Creating a file costs the system more than writing a small one, and a
package of a few megabytes can name 200,000 empty tables or a binary cell
in each of a million rows. Before writing anything, export -d counts the
files it would write (a file per table and per binary cell) and refuses
more than --max-files N (default 131,072, above the 100,000 binary cells
of the largest export measured; 0 for no limit).`,
	Example: `	msikit export product.msi Property
	msikit export product.msi -d idt/
	msikit export product.msi File Component --json -d json/`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		dir := fs.StringP("dir", "d", "", "write each table to `DIR`/TABLE.idt, binary cells to DIR/TABLE/")
		format := fs.StringP("format", "f", "idt", "output `FORMAT`: idt or json")
		asJSON := fs.Bool("json", false, "write JSON instead of IDT (the same as --format json)")
		maxBytes := fs.Int64("max-bytes", defaultExportMaxBytes, "refuse an export whose text would pass `N` bytes (0: no limit)")
		maxFiles := fs.Int64("max-files", defaultExportMaxFiles, "with -d, refuse an export that would write more than `N` files (0: no limit)")
		return func(env *Env, args []string) error {
			if len(args) < 1 {
				return usagef("want FILE and optionally TABLE names")
			}
			if *format != "idt" && *format != "json" {
				return usagef("unknown --format %q (want idt or json)", *format)
			}
			if *maxBytes < 0 {
				return usagef("--max-bytes %d: want a number of bytes, or 0 for no limit", *maxBytes)
			}
			if *maxFiles < 0 {
				return usagef("--max-files %d: want a number of files, or 0 for no limit", *maxFiles)
			}
			if fs.Changed("max-files") && *dir == "" {
				return usagef("--max-files counts the files of -d DIR; give -d")
			}
			if *asJSON {
				if fs.Changed("format") && *format != "json" {
					return usagef("--json and --format %s contradict each other", *format)
				}
				*format = "json"
			}
			file, tables := args[0], args[1:]
			if *dir == "" && *format == "idt" && len(tables) != 1 {
				return usagef("without -d DIR, name exactly one TABLE (the IDT goes to standard output)")
			}
			db, err := openMSI(env, file)
			if err != nil {
				return err
			}
			defer db.Close()
			// The system tables export too (not in the default set, as
			// msidb): HasTable knows them. Asked for each named table
			// rather than a set of every table's name, which a package
			// naming 360,000 tables made 27 MB of even when no table
			// was named.
			known := func(name string) bool {
				return name == idt.SummaryInformationTable || name == idt.ForceCodepageTable || db.HasTable(name)
			}
			if db.Kind() == msi.PackageTransform {
				// A transform's tables are change records; naming one, a
				// table it does not change, or none (every table) is the
				// same request, refused the same way before anything is
				// written.
				if len(tables) == 0 {
					return fmt.Errorf("%s: is a transform: its tables hold change records, which export does not write; name %s or %s to export those", file, idt.SummaryInformationTable, idt.ForceCodepageTable)
				}
				for _, t := range tables {
					if t != idt.SummaryInformationTable && t != idt.ForceCodepageTable {
						return fmt.Errorf("%s: is a transform: its tables hold change records, which export does not write (table %s); only %s and %s can be exported", file, t, idt.SummaryInformationTable, idt.ForceCodepageTable)
					}
				}
			}
			for i, t := range tables {
				if known(t) {
					continue
				}
				// A name as "msikit tables" prints it (escaped).
				if u, ok := unescapeName(t); ok && known(u) {
					tables[i] = u
					continue
				}
				return fmt.Errorf("%s: no table %s (see msikit tables)", file, t)
			}
			// A table named twice is exported once: -d failed on the
			// second (its file existed), and the JSON document repeated
			// the table, 7 x 131 MB for Blob of
			// msi-json-shared-64k-string.msi named 7 times.
			tables = uniqueNames(tables)
			if len(tables) == 0 {
				tables = idt.Tables(db)
			}
			if *dir != "" && *maxFiles > 0 {
				if err := checkFileCount(db, tables, *maxFiles); err != nil {
					return fileErr(file, err)
				}
			}
			if *maxBytes > 0 {
				if err := checkTextSize(db, tables, *maxBytes); err != nil {
					return fileErr(file, err)
				}
			}
			if *dir == "" {
				if *format == "idt" {
					if err := idt.ExportContext(env.context(), env.Stdout, db, tables[0], nil); err != nil {
						return fileErr(file, signalCause(err))
					}
					return nil
				}
				if err := jsonexport.WriteDocument(env.context(), env.Stdout, db, file, tables); err != nil {
					return fileErr(file, signalCause(err))
				}
				return nil
			}
			if *format == "idt" {
				err = idt.ExportDirContext(env.Ctx, *dir, db, tables...)
			} else {
				err = jsonexport.WriteDir(env.Ctx, db, *dir, tables)
			}
			return reportRefused(env, file, len(tables), err)
		}
	},
}

// uniqueNames returns names without the repeats of a name, in the order
// of their first appearance.
func uniqueNames(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// reportRefused turns the error of a folder export into what the command
// reports: names refused as file names (the rest was exported) are listed
// on standard error, one line each, before the one-line error that makes
// the exit status 1; any other error is returned as it is.
func reportRefused(env *Env, file string, tables int, err error) error {
	if err == nil {
		return nil
	}
	if !errors.Is(err, idt.ErrUnsafeName) {
		return fileErr(file, collisionAdvice(err))
	}
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	for _, e := range list {
		fmt.Fprintf(env.Stderr, "msikit: %s: refused: %s\n", escapeText(file), oneLine(trimPackage(e.Error())))
	}
	return fileErr(file, fmt.Errorf("%d names refused as file names (the rest of the %d tables was exported)", safename.RefusalCount(err), tables))
}

// collisionAdvice is err with what to do when it is a folder export
// refused because it would replace the package (safefile.KeptFileError),
// or because two of its files (binary cells "A" and "a", tables
// differing in case) are one name to the folder's file system, as they
// are to Windows' and macOS's by default; other errors are returned as
// they are.
func collisionAdvice(err error) error {
	if kf := (*safefile.KeptFileError)(nil); errors.As(err, &kf) {
		// The package itself at DIR/TABLE.idt or DIR/TABLE/CELL.
		return fmt.Errorf("%w (the export would replace the package with one of its files: export to another folder)", kf)
	}
	var ce *safefile.NameCollisionError
	if !errors.As(err, &ce) {
		return err
	}
	return fmt.Errorf("%w; nothing was written: export to a folder on a case-sensitive file system (on Windows, fsutil file setCaseSensitiveInfo DIR enable; on macOS, a case-sensitive APFS volume), or export the tables as one JSON document, --json without -d (binary cells by name, without their data)", ce)
}

// defaultExportMaxBytes is export's default --max-bytes: 1 GiB of text.
// The largest real packages' tables make tens of megabytes.
const defaultExportMaxBytes = 1 << 30

// defaultExportMaxFiles is export's default --max-files: 2^17 files.
// Real packages have at most a few hundred tables and a few thousand
// binary cells; the performance benchmark exports 100,000. On the 2-core
// test machine, creating 200,000 small files took the kernel 2.4 s when
// idle and past 5 s when the CPUs were shared.
const defaultExportMaxFiles = 1 << 17

// checkFileCount refuses an export -d of tables that would write more
// than limit files (a file per table and per binary cell), counted
// without writing them (idt.ExportFiles); the JSON export writes as many.
func checkFileCount(db *msi.Database, tables []string, limit int64) error {
	if int64(len(tables)) > limit {
		return fmt.Errorf("the export would write a file for each of its %d tables, more than --max-files %d (0 for no limit); nothing written", len(tables), limit)
	}
	var n int64
	for _, name := range tables {
		files, err := idt.ExportFiles(db, name)
		if err != nil {
			continue // the export reports it
		}
		if n += files; n > limit {
			return fmt.Errorf("table %s: the export would write more than --max-files %d files (a file per table and per binary cell; 0 for no limit); nothing written", escapeName(name), limit)
		}
	}
	return nil
}

// checkTextSize refuses an export of tables whose IDT text (the
// binary cells' data aside) would pass limit bytes, counted without
// writing it (idt.ExportSize); the JSON export's text is about as long.
func checkTextSize(db *msi.Database, tables []string, limit int64) error {
	var n int64
	for _, name := range tables {
		size, err := idt.ExportSize(db, name)
		if err != nil {
			continue // the export reports it
		}
		if n += size; n > limit {
			return fmt.Errorf("table %s: the export's text would pass %d bytes (--max-bytes %d; 0 for no limit): its cells repeat strings the package stores once; nothing written", escapeName(name), limit, limit)
		}
	}
	return nil
}
