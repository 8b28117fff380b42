package main

import (
	"strconv"

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
			streams := db.Streams()
			return writeColumns(env.Stdout, func(row func(...string)) {
				row("SIZE", "TABLE", "NAME")
				for _, s := range streams {
					table := escapeName(s.Table)
					if table == "" {
						table = "-"
					}
					row(strconv.FormatInt(s.Size, 10), table, escapeName(s.Name))
				}
			})
		}
	},
}
