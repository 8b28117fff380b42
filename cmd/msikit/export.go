package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/msi"
)

var cmdExport = &Command{
	UsageLine: "msikit export FILE [TABLE...] [-d DIR] [--json | --format idt|json]",
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
created if needed. Without -d, --json (or --format json) writes one JSON
document with the tables (default: all) to standard output.

TABLE may be _SummaryInformation (property id and value; times in UTC),
_ForceCodepage, or one of the system tables _Tables, _Columns, _Streams and
_Storages (not exported by default). In JSON, cells are null, numbers or strings, and binary
cells are their stream name. testdata/known-msiinfo-differences.md lists the
two cases where the IDT output deliberately differs from msiinfo.

A transform's (.mst) tables hold change records, which export does not
write: only its _SummaryInformation and _ForceCodepage can be exported, and
naming any other table, or none, is an error.`,
	Example: `	msikit export product.msi Property
	msikit export product.msi -d idt/
	msikit export product.msi File Component --json -d json/`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		dir := fs.StringP("dir", "d", "", "write each table to `DIR`/TABLE.idt, binary cells to DIR/TABLE/")
		format := fs.StringP("format", "f", "idt", "output `FORMAT`: idt or json")
		asJSON := fs.Bool("json", false, "write JSON instead of IDT (the same as --format json)")
		return func(env *Env, args []string) error {
			if len(args) < 1 {
				return usagef("want FILE and optionally TABLE names")
			}
			if *format != "idt" && *format != "json" {
				return usagef("unknown --format %q (want idt or json)", *format)
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
			// The system tables export too (not in the default set, as msidb).
			known := map[string]bool{"_Tables": true, "_Columns": true, "_Streams": true, "_Storages": true}
			for _, n := range db.ExportTableNames() {
				known[n] = true
			}
			if db.Kind() == msi.KindTransform {
				// A transform's tables are change records; naming one, a
				// table it does not change, or none (every table) is the
				// same request, refused the same way before anything is
				// written.
				if len(tables) == 0 {
					return fmt.Errorf("%s: is a transform: its tables hold change records, which export does not write; name %s or %s to export those", file, msi.SummaryInformationTable, msi.ForceCodepageTable)
				}
				for _, t := range tables {
					if t != msi.SummaryInformationTable && t != msi.ForceCodepageTable {
						return fmt.Errorf("%s: is a transform: its tables hold change records, which export does not write (table %s); only %s and %s can be exported", file, t, msi.SummaryInformationTable, msi.ForceCodepageTable)
					}
				}
			}
			for _, t := range tables {
				if !known[t] {
					return fmt.Errorf("%s: no table %s (see msikit tables)", file, t)
				}
			}
			if len(tables) == 0 {
				tables = db.ExportTableNames()
			}
			if *dir == "" {
				if *format == "idt" {
					if err := db.ExportIDT(env.Stdout, tables[0], nil); err != nil {
						return fileErr(file, err)
					}
					return nil
				}
				doc := struct {
					File   string      `json:"file"`
					Tables []tableJSON `json:"tables"`
				}{File: file}
				for _, t := range tables {
					tj, err := exportJSON(db, t)
					if err != nil {
						return fileErr(file, err)
					}
					doc.Tables = append(doc.Tables, tj)
				}
				return writeJSON(env.Stdout, doc)
			}
			if err := os.MkdirAll(*dir, 0o777); err != nil {
				return err
			}
			if *format == "idt" {
				if err := db.ExportIDTDir(*dir, tables...); err != nil {
					return fileErr(file, err)
				}
				return nil
			}
			for _, t := range tables {
				tj, err := exportJSON(db, t)
				if err != nil {
					return fileErr(file, err)
				}
				// Binary cells become files, as in the IDT export.
				if err := db.ExportIDT(io.Discard, t, &msi.IDTOptions{BinaryDir: *dir}); err != nil {
					return fileErr(file, err)
				}
				if err := writeJSONFile(filepath.Join(*dir, t+".json"), tj); err != nil {
					return err
				}
			}
			return nil
		}
	},
}

// tableJSON is the JSON form of one exported table.
type tableJSON struct {
	Name     string       `json:"name"`
	Codepage *int         `json:"codepage,omitempty"` // _ForceCodepage only
	Columns  []columnJSON `json:"columns"`
	Rows     [][]any      `json:"rows"`
}

type columnJSON struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Key  bool   `json:"key,omitempty"`
}

func exportJSON(db *msi.Database, table string) (tableJSON, error) {
	tj := tableJSON{Name: table, Columns: []columnJSON{}, Rows: [][]any{}}
	switch table {
	case msi.ForceCodepageTable:
		cp := db.Codepage()
		tj.Codepage = &cp
		return tj, nil
	case msi.SummaryInformationTable:
		si, err := db.SummaryInfo()
		if err != nil {
			return tj, err
		}
		tj.Columns = []columnJSON{{"PropertyId", "i2", true}, {"Value", "l255", false}}
		for _, p := range si.Properties() {
			var v any
			switch p.Type {
			case msi.PropInt16, msi.PropInt32:
				v = p.Int
			case msi.PropString:
				v = p.Str
			case msi.PropFiletime:
				v = msi.FormatFiletime(p.Time)
			default:
				continue
			}
			tj.Rows = append(tj.Rows, []any{int(p.ID), v})
		}
		return tj, nil
	}
	t, err := db.Table(table)
	if err != nil {
		return tj, err
	}
	for _, c := range t.Columns() {
		tj.Columns = append(tj.Columns, columnJSON{c.Name, c.IDTType(), c.Key})
	}
	for row := range t.Rows() {
		vals := make([]any, row.Len())
		for i := range vals {
			v := row.Index(i)
			switch v.Kind() {
			case msi.KindInt:
				vals[i] = v.Int()
			case msi.KindString, msi.KindBinary:
				vals[i] = v.Str()
			}
		}
		tj.Rows = append(tj.Rows, vals)
	}
	return tj, nil
}

func writeJSON(w io.Writer, v any) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	return bw.Flush()
}

func writeJSONFile(name string, v any) error {
	if strings.ContainsAny(filepath.Base(name), "/\\") {
		return fmt.Errorf("%s: bad file name", name)
	}
	return safefile.Write(name, func(w io.Writer) error { return writeJSON(w, v) })
}
