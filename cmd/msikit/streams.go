package main

import (
	"fmt"
	"text/tabwriter"

	flag "github.com/spf13/pflag"
)

var cmdStreams = &Command{
	Name:      "streams",
	UsageLine: "msikit streams FILE",
	Short:     "list a package's streams with decoded names and sizes",
	Long: `Streams lists the streams of the package that are not tables: their
decoded names (stream-name packing undone, control characters escaped, so
the summary information shows as \x05SummaryInformation), their sizes in
bytes, and the table whose Binary column refers to them ("Binary.Icon" ->
Binary). Table streams, the string pool and sub-storages are not listed;
"msikit cfb ls" shows the raw container.`,
	Example: `	msikit streams product.msi`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		return func(env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("want exactly one FILE")
			}
			db, err := openMSI(env, args[0])
			if err != nil {
				return err
			}
			defer db.Close()
			tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintf(tw, "SIZE\tTABLE\tNAME\n")
			for _, s := range db.Streams() {
				table := escapeName(s.Table)
				if table == "" {
					table = "-"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\n", s.Size, table, escapeName(s.Name))
			}
			return tw.Flush()
		}
	},
}
