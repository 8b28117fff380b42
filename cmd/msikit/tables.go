package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/msikit/msikit/msi"
	flag "github.com/spf13/pflag"
)

var cmdTables = &Command{
	Name:      "tables",
	UsageLine: "msikit tables FILE [-l]",
	Short:     "list a database's tables",
	Long: `Tables prints the names of the database's tables, one per line, in the
order of the _Tables table (the order msiinfo tables uses, without its two
pseudo-tables _SummaryInformation and _ForceCodepage, which export accepts).

With -l (--long) each line also gives the row count, the columns with their
IDT types, and the primary key, and every table is decoded: a table that
fails to decode is shown with its error and tables exits with status 1.
For a transform (.mst) the names are the tables it changes.`,
	Example: `	msikit tables product.msi
	msikit tables -l product.msi`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		long := fs.BoolP("long", "l", false, "also show row counts, columns and keys")
		return func(env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("want exactly one FILE")
			}
			db, err := openMSI(env, args[0])
			if err != nil {
				return err
			}
			defer db.Close()
			if !*long {
				for _, name := range db.TableNames() {
					fmt.Fprintln(env.Stdout, escapeName(name))
				}
				return nil
			}
			if db.Kind() == msi.PackageTransform {
				return fmt.Errorf("%s: -l needs a database; a transform holds change records", args[0])
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintf(tw, "TABLE\tROWS\tKEY\tCOLUMNS\n")
			var firstErr error
			for _, name := range db.TableNames() {
				t, err := db.Table(name)
				if err != nil {
					msg := strings.TrimPrefix(errorLine(err), "table "+name+": ")
					fmt.Fprintf(tw, "%s\terror: %s\t\t\n", escapeName(name), msg)
					if firstErr == nil {
						firstErr = fmt.Errorf("%s: %w", args[0], err)
					}
					continue
				}
				var cols, keys []string
				for _, c := range t.Columns() {
					cols = append(cols, escapeName(c.Name)+":"+c.IDTType())
				}
				for _, c := range t.KeyColumns() {
					keys = append(keys, escapeName(c.Name))
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", escapeName(name), t.Len(), strings.Join(keys, ","), strings.Join(cols, " "))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			return firstErr
		}
	},
}
